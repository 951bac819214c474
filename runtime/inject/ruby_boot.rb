# The program of a wimg Ruby command module (runtime/inject/ruby_command.h).
# Its _start called ruby-init with ["<argv0>", "-EUTF-8", "-e_=0", "--",
# *words], so Ruby is initialised (as @ruby/wasm-wasi's RubyVM does it) and
# ARGV holds the words of the command line after the interpreter's name:
# ENTRYPOINT + CMD, or ENTRYPOINT + the run's arguments. They are read here
# as Ruby's own command line would read them, then the program runs. This
# ends with exit! in every case: the reactor has no ruby_cleanup to call.
-> {
  # A pre-initialised image (PREINIT, ruby_preinit.rb): ruby-init ran at
  # build time, so _start put this run's argv (after argv[0]) and environ
  # before this program as `__wimg_run = [[argv...], ["K=V", ...]]`; the
  # default Random was seeded (if at all) by the build's fixed stream.
  if defined?(__wimg_run)
    argv, env = __wimg_run
    ARGV.replace(argv)
    gem_vars = -> { ENV.to_h.select { |k, _| k.start_with?("GEM_") } }
    built = gem_vars.call
    ENV.replace(env.to_h { |kv| k, v = kv.split("=", 2); [k, v.to_s] })
    # RubyGems' paths come from GEM_*: recomputed only when the run changed
    # them (clear_paths also drops the default gems' specs RubyGems loaded
    # at init, and reading them again costs more than Ruby's init saved).
    Gem.clear_paths if defined?(Gem) && Gem.respond_to?(:clear_paths) && gem_vars.call != built
    srand
  end
  words = ARGV.dup
  ARGV.clear
  code = []
  reqs = []
  script = nil
  exits = []
  # at_exit blocks would never run (no ruby_cleanup): keep them and run
  # them at the end, last registered first (minitest/autorun needs them).
  Kernel.module_eval do
    define_method(:at_exit) do |&blk|
      raise ArgumentError, "called without a block" unless blk
      exits << blk
      blk
    end
    module_function :at_exit
  end
  # What WASI cannot do says so instead of pretending (npm's build returns
  # true from `system` without running anything): there are no processes
  # and no threads in a WASI preview1 module.
  unsupported = lambda do |what, why|
    # Reported from the caller's line, not from this program's.
    raise NotImplementedError, "#{what} is not supported in a WebAssembly (WASI) image: it has no #{why}",
          caller.drop_while { |l| l.start_with?("eval:") }
  end
  Kernel.module_eval do
    { system: "system", spawn: "spawn", fork: "fork", exec: "exec", :` => "` (backticks)" }.each do |name, what|
      define_method(name) { |*_args, **_kw, &_blk| unsupported.call(what, "processes") }
      module_function name
    end
  end
  Process.singleton_class.module_eval do
    %i[spawn fork exec daemon].each do |name|
      define_method(name) { |*_args, **_kw, &_blk| unsupported.call("Process.#{name}", "processes") }
    end
  end
  IO.singleton_class.module_eval do
    define_method(:popen) { |*_args, **_kw, &_blk| unsupported.call("IO.popen", "processes") }
  end
  Thread.singleton_class.module_eval do
    %i[new start fork].each do |name|
      define_method(name) { |*_args, **_kw, &_blk| unsupported.call("Thread.#{name}", "threads") }
    end
  end
  # flock(2) does not exist in WASI: CRuby's fallback answers EINVAL, so
  # Logger.new("log/app.log") failed. A WASI preview1 module is one
  # process with one thread: every lock it asks for is granted at once and
  # nothing inside it can contend. Files under host directories are not
  # locked against other host processes (docs/WASMFILE.md, "Ruby").
  File.class_eval do
    define_method(:flock) do |_op|
      raise IOError, "closed stream" if closed?
      0
    end
  end
  gems = true
  usage = lambda do |what|
    $stderr.puts "ruby: #{what} (a wimg Ruby command module reads -e CODE, -r LIB, -I DIR, -E EXT[:INT], -w, -W[012], -d, -v, --version, --disable-gems and --, then the script and its arguments)"
    $stderr.flush
    exit! 2
  end
  encoding = lambda do |arg|
    ext, int = arg.split(":", 2)
    Encoding.default_external = ext unless ext.to_s.empty?
    Encoding.default_internal = int unless int.to_s.empty?
  end
  until words.empty?
    w = words.shift
    case w
    when "--" then script = words.shift; break
    when "-" then script = "-"; break
    when "-e", "-r", "-I", "-E"
      arg = words.shift or usage.call("no argument given for #{w}")
      case w
      when "-e" then code << arg
      when "-r" then reqs << arg
      when "-I" then $LOAD_PATH.unshift(File.expand_path(arg))
      else encoding.call(arg)
      end
    when /\A-e(.+)\z/m then code << $1
    when /\A-r(.+)\z/m then reqs << $1
    when /\A-I(.+)\z/m then $LOAD_PATH.unshift(File.expand_path($1))
    when /\A-E(.+)\z/m then encoding.call($1)
    when "-w", "-W", "-W2" then $VERBOSE = true
    when "-W1" then $VERBOSE = false
    when "-W0" then $VERBOSE = nil
    when "-d", "--debug" then $DEBUG = true
    when "--disable-gems", "--disable=gems" then gems = false
    when "--enable-gems", "--enable=gems" then gems = true
    when "-v"
      puts RUBY_DESCRIPTION
      $VERBOSE = true
      if words.empty? && code.empty?
        $stdout.flush
        exit! 0
      end
    when "--version"
      puts RUBY_DESCRIPTION
      $stdout.flush
      exit! 0
    when /\A-/ then usage.call("unsupported option #{w}")
    else script = w; break
    end
  end
  # With -e, every word after the options is an argument, as for ruby
  # (`ruby -e CODE a b` has ARGV == ["a", "b"]).
  if !code.empty? && script && script != "-"
    words.unshift(script)
    script = nil
  end
  ARGV.replace(words)
  # Ruby's own report of an uncaught exception, without this program's frames.
  report = lambda do |e|
    bt = e.backtrace || []
    cut = bt.index { |l| l.start_with?("eval:") }
    if cut
      cut -= 1 if cut > 0 && bt[cut - 1] =~ /in '(Kernel#load|Kernel#require|Binding#eval)'\z/
      e.set_backtrace(bt[0...cut]) if cut > 0
    end
    $stderr.write e.full_message(highlight: false)
  end
  # Runs the block as ruby runs a program (or an at_exit block): the status
  # of a SystemExit, 1 after reporting any other exception, else `status`.
  guarded = lambda do |status, &blk|
    blk.call
    status
  rescue SystemExit => e
    e.status
  rescue Exception => e
    report.call(e)
    1
  end
  status = guarded.call(0) do
    # As the ruby command: RubyGems unless --disable-gems (npm's 4.0 is
    # built without it; 3.x loaded it during ruby-init already, and then
    # --disable-gems cannot take it back).
    require "rubygems" if gems && !(defined?(Gem) && Gem.respond_to?(:ruby_api_version))
    # As @ruby/wasm-wasi's RubyVM#initialize: bundled gems of the build.
    if File.exist?("/bundle/bundler/setup.rb")
      require "rubygems" if defined?(Gem) && !Gem.respond_to?(:ruby_api_version)
      require "/bundle/bundler/setup.rb"
    elsif File.exist?("/bundle/setup.rb")
      require "/bundle/setup.rb"
    end
    # WORKDIR: the runtime exports it as PWD; wasi-libc starts at "/" and
    # emulates chdir, so relative paths (the script's too) resolve there.
    pwd = ENV["PWD"]
    Dir.chdir(pwd) if pwd && pwd.start_with?("/") && pwd != "/" && File.directory?(pwd)
    reqs.each { |r| require r }
    if !code.empty?
      $0 = "-e"
      TOPLEVEL_BINDING.eval(code.join("\n"), "-e", 1)
    elsif script.nil? || script == "-"
      $0 = "-"
      TOPLEVEL_BINDING.eval($stdin.read, "-", 1)
    else
      unless File.file?(script)
        $stderr.puts "ruby: No such file or directory -- #{script} (LoadError)"
        $stderr.flush
        exit! 1
      end
      $0 = script
      load script
    end
  end
  status = guarded.call(status) { exits.pop.call } until exits.empty?
  begin
    $stdout.flush
    $stderr.flush
  rescue StandardError
    status = 1 if status == 0
  end
  exit! status
}.call
