// CRuby as a base, the one interpreter entry wimg has (interpreter.h): what
// a CRuby base is made of, for `wimg import` (base/import.h), where ruby.wasm
// keeps its standard library and how npm ships it, how it is recognised,
// its RUN words and COPY warnings, and the data of its command
// (ruby_command.h). Data only (no binaryen); the programs are embedded at
// build time. The entry itself is ruby_interpreter.cpp.
//
//   npm's @ruby/<v>-wasm-wasi packages carry dist/ruby.wasm (the interpreter,
//   a CRuby reactor without the library) and dist/ruby+stdlib.wasm (the same
//   with /usr/local/lib/ruby packed in by wasi-vfs). An imported base is the
//   former plus the latter's library as a layer at kRubyLibDir, which also
//   becomes a preopen: wasi-libc resolves a path through the longest
//   matching preopen, so the layer wins over the module's own /usr mount.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/inject/interpreter.h"

namespace wimg::inject {

// The registry's CRuby entry (interpreters.cpp lists it).
const Interpreter& cruby_interpreter();

// How a CRuby reactor is recognised (ruby.wasm built by npm
// @ruby/*-wasm-wasi): besides _initialize it exports cabi_realloc and the
// wit-bindgen functions "ruby-init: func(args: list<string>) -> ()" and
// "rb-eval-string-protect: func(str: string) -> ...", which its JavaScript
// glue calls (wit-bindgen names carry the signature: matched by prefix).
inline constexpr std::string_view kRubyInitPrefix = "ruby-init:";
inline constexpr std::string_view kRubyEvalPrefix = "rb-eval-string-protect:";
bool is_cruby_reactor(const wasm::Module& m);

// The Ruby command (ruby_command.h): bumped whenever its code or bootstrap
// changes meaning.
inline constexpr std::string_view kRubyCommandRevision = "wimg-ruby-command-2";
// The bootstrap program (embedded from runtime/inject/ruby_boot.rb).
std::string_view ruby_boot();
// The build-time program of a pre-initialised image (ruby_preinit.rb).
std::string_view ruby_preinit();

inline constexpr std::string_view kRubyLibDir = "/usr/local/lib/ruby";
// Relative to the package's root (a tarball's members are under "package/").
inline constexpr std::string_view kNpmRubyInterpreter = "dist/ruby.wasm";
inline constexpr std::string_view kNpmRubyWithStdlib = "dist/ruby+stdlib.wasm";

// What `wimg build` says about a file a COPY puts into an image whose base
// is a CRuby reactor ("" = nothing): a native extension (*.so, *.bundle)
// cannot be loaded by a WebAssembly Ruby (there is no dlopen in WASI), so
// `require` of it would fail at run time, far from its cause.
inline std::string copy_warning(std::string_view path) {
  for (std::string_view ext : {".so", ".bundle"}) {
    if (path.size() > ext.size() && path.ends_with(ext)) {
      return "/" + std::string(path) + " is a native extension: a WebAssembly Ruby cannot load it (no dlopen in WASI)";
    }
  }
  return {};
}

// runtime/inject/ruby_stdlib.rb: `ruby -e <it> DEST ROOT MANIFEST` copies
// ROOT to DEST and writes MANIFEST (every file's SHA-256 and size).
std::string_view ruby_stdlib_program();

// The Ruby command's words (its argv after argv[0]) that run it.
inline std::vector<std::string> ruby_stdlib_words(const std::string& dest, const std::string& root,
                                                  const std::string& manifest) {
  return {"-e", std::string(ruby_stdlib_program()), dest, root, manifest};
}

// runtime/inject/ruby_run.rb: `ruby -e <it> NAME ARGS...` runs Ruby's bin
// script NAME (gem, bundle, irb) in a WASI Ruby.
std::string_view ruby_run_program();

// The words a Wasmfile RUN step gives the Ruby command module (its argv
// after argv[0]), from the RUN's words, whose first names the program:
// `ruby` is the interpreter itself (the rest are ruby's options and
// script, runtime/inject/ruby_boot.rb); `gem`, `bundle`/`bundler` and `irb`
// run as their bin scripts would; anything else is an error message
// (returned in `error`, words empty).
inline std::vector<std::string> ruby_run_words(const std::vector<std::string>& words, std::string& error) {
  if (words.empty()) return {};
  const std::string& prog = words.front();
  std::vector<std::string> out;
  if (prog == "ruby") {
    out.assign(words.begin() + 1, words.end());
  } else if (prog == "gem" || prog == "bundle" || prog == "bundler" || prog == "irb") {
    out = {"-e", std::string(ruby_run_program()), prog};
    out.insert(out.end(), words.begin() + 1, words.end());
  } else {
    error = "a CRuby image runs ruby, gem, bundle or irb, not " + prog + " (there is no shell and no other program)";
  }
  return out;
}

// Labels of an imported CRuby base (they stay true in every image FROM it).
inline constexpr std::string_view kLabelRubyVersion = "wimg.ruby.version";  // RUBY_VERSION
inline constexpr std::string_view kLabelNpmPackage = "wimg.ruby.npm-package";
inline constexpr std::string_view kLabelNpmVersion = "wimg.ruby.npm-version";

}  // namespace wimg::inject
