// The one adapter that owns binaryen 108 (C API only; docs/ARCHITECTURE.md, "Injection").
//
// Untrusted bytes never reach binaryen directly: a module is first checked
// by the project's own reader (runtime/wasm), which also refuses what the
// injection cannot support (shared or 64-bit memories), and binaryen then
// runs in an isolated child process (isolate.h).
//
// Every use of binaryen goes through run_binaryen_pass: check, read in the
// child, run the pass (walker.h, vmem.h, imports.h), write.
#pragma once

#include <binaryen-c.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "support/result.h"

namespace wimg::inject {

// Checks that a module can be handled: parses with the own reader; refuses
// shared memory and memory64 with a clear error naming `shown`.
Status check_injectable(std::string_view wasm, std::string_view shown);

struct ModuleDeleter {
  void operator()(BinaryenModuleRef m) const { BinaryenModuleDispose(m); }
};
using ModulePtr = std::unique_ptr<std::remove_pointer_t<BinaryenModuleRef>, ModuleDeleter>;

// Reads a module with binaryen, all features on (without bulk-memory
// binaryen drops DataCount and V8 then rejects memory.init). Only for bytes
// the own reader accepted, inside the isolated child: binaryen aborts on
// garbage. Null when binaryen refuses the module.
ModulePtr read_module(std::string_view wasm);

// Work on a module read by binaryen; runs inside the isolated child.
using ModulePass = std::function<Status(BinaryenModuleRef)>;

// check_injectable(), then in an isolated child: read the module with
// binaryen (all features on, so DataCount survives), run `pass`, optionally
// validate, write it back. Returns the new module bytes.
Result<std::string> run_binaryen_pass(std::string_view wasm, std::string_view shown, const ModulePass& pass,
                                      bool validate = false);

// The identity pass: same behaviour, possibly different bytes.
Result<std::string> binaryen_roundtrip(std::string_view wasm, std::string_view shown);

}  // namespace wimg::inject
