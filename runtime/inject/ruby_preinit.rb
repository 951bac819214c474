# What a pre-initialised Ruby command module runs once, at build time,
# before its memory is snapshotted (runtime/inject/ruby_command.h, Wasmfile
# PREINIT). Its init export called ruby-init with the fixed words
# ["ruby", "-EUTF-8", "-e_=0", "--"] (RubyGems is loaded by then, as for
# every run); this adds the bundled gems of the build and the PREINIT
# words, which the snapshotter hands over in WIMG_PREINIT: each word as
# "x" + its bytes in hex, ","-separated (no quoting to get wrong). Only
# options that load code are taken: -r LIB, -I DIR, -e CODE. Anything else
# fails the build, as does an exception (exit! 1 after Ruby's report: the
# snapshotter then reports the init function's exit).
-> {
  words = (ENV.delete("WIMG_PREINIT") || "").split(",").map { |w| [w.delete_prefix("x")].pack("H*") }
  begin
    if File.exist?("/bundle/bundler/setup.rb")
      require "rubygems" if defined?(Gem) && !Gem.respond_to?(:ruby_api_version)
      require "/bundle/bundler/setup.rb"
    elsif File.exist?("/bundle/setup.rb")
      require "/bundle/setup.rb"
    end
    until words.empty?
      w = words.shift
      case w
      when "-r", "-I", "-e"
        arg = words.shift
        unless arg
          $stderr.puts "wimg: PREINIT: no argument given for #{w}"
          $stderr.flush
          exit! 2
        end
      when /\A-([rIe])(.+)\z/m then w, arg = "-#{$1}", $2
      else
        $stderr.puts "wimg: PREINIT: unsupported word #{w.inspect} (PREINIT takes -r LIB, -I DIR and -e CODE)"
        $stderr.flush
        exit! 2
      end
      case w
      when "-r" then require arg
      when "-I" then $LOAD_PATH.unshift(File.expand_path(arg))
      else TOPLEVEL_BINDING.eval(arg, "-e", 1)
      end
    end
  rescue Exception => e
    $stderr.write "wimg: PREINIT failed: " + e.full_message(highlight: false)
    $stderr.flush
    exit! 1
  end
  # Fewer live pages in the snapshot.
  GC.start
  nil
}.call
