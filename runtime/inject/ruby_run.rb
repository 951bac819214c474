# Ruby's bin scripts for a wimg Ruby command module at build time (a
# Wasmfile's `RUN gem ...`, `RUN bundle ...`, `RUN irb ...`;
# runtime/inject/ruby_base.h): `ruby -e <this> NAME ARGS...` runs the
# program NAME as its bin script would. A WebAssembly (WASI preview1) Ruby
# has no sockets, no threads and no chmod, and RubyGems' commands load or
# call all three even for local work, so this program first gives them
# what a local `gem install --local` needs:
# - `socket` and `io/wait` count as loaded (net/http is required by the
#   installer but never used without a network; a RUN has none),
#   Socket.do_not_reverse_lookup= is accepted and SocketError exists
#   (Bundler names it);
# - Thread.new runs its block at once and hands back its value (RubyGems
#   downloads in a pool of threads; locally there is nothing to wait for);
# - File.chmod answers as done where WASI has no chmod (ENOSYS): modes of
#   files a RUN writes are wimg's (files 0644, directories 0755).
name = ARGV.shift
%w[socket.rb io/wait.rb].each { |f| $LOADED_FEATURES << f }
class Socket; def self.do_not_reverse_lookup=(_); end; end unless defined?(Socket)
class SocketError < StandardError; end unless defined?(SocketError)
finished = Struct.new(:value) do
  def join(*) = self
  def alive? = false
end
Thread.singleton_class.send(:define_method, :new) { |*args, &blk| finished.new(blk.call(*args)) }
File.singleton_class.prepend(Module.new do
  def chmod(mode, *files)
    super
  rescue Errno::ENOSYS
    files.size
  end
end)
case name
when "gem"
  require "rubygems/gem_runner"
  Gem::GemRunner.new.run(ARGV.clone)
when "bundle", "bundler"
  require "bundler"
  require "bundler/friendly_errors"
  Bundler.with_friendly_errors do
    require "bundler/cli"
    Bundler::CLI.start(ARGV, debug: true)
  end
when "irb"
  require "irb"
  IRB.start(__FILE__)
else
  abort "wimg: no Ruby program #{name}"
end
