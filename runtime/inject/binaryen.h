// The one adapter that owns binaryen 108 (C API only; DESIGN.md §7).
//
// Untrusted bytes never reach binaryen directly: a module is first checked
// by the project's own reader (runtime/wasm), which also refuses what the
// injection cannot support (shared or 64-bit memories), and binaryen then
// runs in an isolated child process (isolate.h).
//
// For now the adapter offers the identity pass — read, set features, write
// — which proves the isolation and the binaryen facts the injection of the
// guest runtime (next step) relies on.
#pragma once

#include <string>
#include <string_view>

#include "support/result.h"

namespace wimg::inject {

// Checks that a module can be handled: parses with the own reader; refuses
// shared memory and memory64 with a clear error naming `shown`.
Status check_injectable(std::string_view wasm, std::string_view shown);

// Reads the module with binaryen and writes it back (bulk-memory enabled so
// DataCount survives). Same behaviour, possibly different bytes.
Result<std::string> binaryen_roundtrip(std::string_view wasm, std::string_view shown);

}  // namespace wimg::inject
