// A CRuby reactor (npm's ruby.wasm, ruby_base.h) made a WASI command,
// for images that set ENTRYPOINT or CMD (docs/WASMFILE.md, "Ruby command
// modules"). Runs after inject_runtime on the same module:
//
//   _start       calls _initialize (wasi-vfs and the C constructors), reads
//                argv through the runtime's args_* (ENTRYPOINT + CMD or the
//                run's arguments, wimg_abi.h), calls
//                  ruby-init(["<argv0>", "-EUTF-8", "-e_=0", "--", argv[1..]])
//                as @ruby/wasm-wasi's RubyVM does, then evaluates the
//                bootstrap program runtime/inject/ruby_boot.rb with
//                rb-eval-string-protect; it reads the words as Ruby's command
//                line, runs the script and ends with exit!.
//   imports      rb-js-abi-host.* (JavaScript-only) become stubs that print
//                which one was called and trap; canonical_abi.resource_new_*
//                and resource_get_* become the identity and resource_drop_*
//                does nothing (with no JavaScript table, a handle is the
//                object itself).
//   exports      _start is added, _initialize removed (a WASI host refuses a
//                command that also exports _initialize); the others stay.
//   wizer.initialize  (PREINIT, docs/WASMFILE.md) what a snapshotter (Wizer)
//                calls once at build time: _initialize, ruby-init with the
//                fixed words ["ruby", "-EUTF-8", "-e_=0", "--"], then
//                ruby_preinit.rb (the PREINIT words, from WIMG_PREINIT).
//                Meanwhile clock_time_get and random_get answer the
//                runtime's frozen stand-ins (runtime/guest/preinit.c) so
//                the snapshot is reproducible. The global
//                wimg$ruby$preinit (1 in a snapshot) makes _start resume
//                instead: wimg_rt_resume (the run's host directories,
//                WIMG_READONLY, WIMG_UPPER), then the bootstrap behind
//                `__wimg_run = [[argv[1..]], [environ]]` (every byte as
//                \xHH), which sets ARGV and ENV and reseeds Random.
//                Unused (and harmless) in a module never snapshotted.
//
// Strings reach guest memory through the module's own cabi_realloc, so the
// code never writes where Ruby's allocator does not know.
#pragma once

#include <binaryen-c.h>

#include <string_view>

#include "runtime/inject/merge.h"
#include "runtime/inject/ruby_base.h"
#include "support/result.h"

namespace wimg::inject {

// kRubyCommandRevision, ruby_boot() and ruby_preinit() are in ruby_base.h
// (data, no binaryen); kPreinitExport is interpreter.h's.

// `injected` is what inject_runtime returned for `module`. Errors name
// `shown` when an export has an unexpected signature.
Status make_ruby_command(BinaryenModuleRef module, const Injected& injected, std::string_view shown);

}  // namespace wimg::inject
