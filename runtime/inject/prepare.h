// The prepared base (docs/ARCHITECTURE.md, "Injection"): an unmodified WASI module with the guest
// VFS runtime injected (merge.h) and WIMG_SLOTS empty image slots, made once
// per (base, runtime) and then filled by the assembler at the byte level.
//
// It carries a custom section "wimg.runtime" whose content is canonical JSON
//   {"base":"sha256:<base bytes>","first_slot":S,"region_pages":R,
//    "runtime":"sha256:<runtime wasm>","slots":128,"version":1}
// where S is the data segment index of slot 0. An interpreter's reactor
// prepared as a command (PrepareOptions::command) also has "abi": the
// interpreter entry's command_abi (interpreter.h; CRuby's "ruby-command").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "support/digest.h"
#include "support/result.h"

namespace wimg::inject {

inline constexpr const char* kRuntimeSection = "wimg.runtime";
inline constexpr std::uint32_t kPreparedVersion = 1;
// Bumped whenever the injection's output changes for the same inputs (a
// fix in merge/vmem/imports): it is part of the prepared-base cache key.
inline constexpr std::string_view kInjectorRevision = "wimg-inject-3";

struct PrepareOptions {
  bool validate = true;  // run binaryen's validator on the result
  bool canary = false;   // vmem self-check (tests)
  // Make an interpreter's reactor a WASI command (the entry the registry
  // recognises, interpreter.h; CRuby: ruby_command.h); refused for any
  // other module (image/base.h's class decides beforehand).
  bool command = false;
};

// The cache key's second half: the runtime's bytes and the injector
// revision, so neither a new runtime nor a changed injector reuses a stale
// prepared base.
Digest preparer_digest(std::string_view runtime_wasm);
// The same for PrepareOptions::command: also every registered
// interpreter's command parts (its revision and programs, interpreter.h).
Digest command_preparer_digest(std::string_view runtime_wasm);

// Errors name `shown`: malformed modules, shared/64-bit/multi memories, a
// module that is already prepared, GC code; binaryen aborts are clean errors.
Result<std::string> prepare_base(std::string_view base_wasm, std::string_view runtime_wasm, std::string_view shown,
                                 const PrepareOptions& opts = {});

}  // namespace wimg::inject
