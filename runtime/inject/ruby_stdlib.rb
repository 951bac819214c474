# The program wimg runs inside a wasi-vfs-packed CRuby (npm's
# ruby+stdlib.wasm, made a command by runtime/inject/ruby_command.h) to take
# its standard library out (`wimg import`, base/import.h). Called as
#   ruby -e <this> DEST ROOT MANIFEST
# it copies every directory and regular file under ROOT (the module's own
# file system, served by wasi-vfs) to DEST (a host directory the runner
# preopens) and writes MANIFEST: one line per file,
# "<sha256> <size> <path relative to ROOT>", then
# "END files=<n> dirs=<n> bytes=<n> version=<RUBY_VERSION>
# released=<RUBY_RELEASE_DATE>". wimg checks
# every file against it, so a short write or a missing file is caught.
# Anything but a directory or a regular file is an error (wasi-vfs has no
# symlinks). Only core Ruby and the digest extension are used: npm's 4.0
# starts without RubyGems.
dest, root, manifest = ARGV.fetch(0), ARGV.fetch(1), ARGV.fetch(2)
require "digest"
names = []
if File.directory?(root)
  names = Dir.glob("**/*", File::FNM_DOTMATCH, base: root)
             .reject { |n| n == "." || n.end_with?("/.") }.sort
end
dirs, files = names.partition { |n| File.directory?(File.join(root, n)) }
odd = files.reject { |n| File.file?(File.join(root, n)) }
raise "#{root}: not directories or regular files: #{odd.first(5).inspect}" unless odd.empty?
Dir.mkdir(dest)
dirs.each { |d| Dir.mkdir(File.join(dest, d)) }
total = 0
File.open(manifest, "wb") do |m|
  files.each do |f|
    data = File.binread(File.join(root, f))
    File.binwrite(File.join(dest, f), data)
    total += data.bytesize
    m.write "#{Digest::SHA256.hexdigest(data)} #{data.bytesize} #{f}\n"
  end
  m.write "END files=#{files.size} dirs=#{dirs.size} bytes=#{total} version=#{RUBY_VERSION} released=#{RUBY_RELEASE_DATE}\n"
end
