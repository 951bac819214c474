// Which entry ABI a WASI module offers, read from its exports with the own
// reader (no binaryen): the packer picks how to prepare a base from this.
//
//   command       exports _start (wasi-libc's crt1-command)
//   reactor       exports _initialize, or neither
//   ruby reactor  a reactor that is CRuby built by ruby.wasm (npm
//                 @ruby/*-wasm-wasi): it also exports cabi_realloc and the
//                 wit-bindgen functions "ruby-init: func(args: list<string>)
//                 -> ()" and "rb-eval-string-protect: func(str: string) ->
//                 ...", which its JavaScript glue calls. wimg can give such
//                 a module a _start of its own (runtime/inject/ruby_command.h).
#pragma once

#include <string_view>

#include "runtime/wasm/module.h"

namespace wimg::wasm {

inline constexpr std::string_view kRubyInitPrefix = "ruby-init:";
inline constexpr std::string_view kRubyEvalPrefix = "rb-eval-string-protect:";

// The function export whose name is `name`, or starts with `prefix` when
// `prefix` is true (wit-bindgen names carry the signature).
const Export* find_function_export(const Module& m, std::string_view name, bool prefix = false);

bool is_command(const Module& m);
bool is_ruby_reactor(const Module& m);

}  // namespace wimg::wasm
