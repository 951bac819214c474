// Which entry ABI a WASI module offers, read from its exports with the own
// reader (no binaryen): the base's class (image/base.h) starts from this.
//
//   command       exports _start (wasi-libc's crt1-command)
//   reactor       exports _initialize, or neither
//
// Which interpreter a reactor is (one wimg can give a _start of its own)
// is the interpreter registry's (runtime/inject/interpreter.h).
#pragma once

#include <string_view>

#include "runtime/wasm/module.h"

namespace wimg::wasm {

// The function export whose name is `name`, or starts with `prefix` when
// `prefix` is true (wit-bindgen names carry the signature).
const Export* find_function_export(const Module& m, std::string_view name, bool prefix = false);

bool is_command(const Module& m);

}  // namespace wimg::wasm
