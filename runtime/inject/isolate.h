// Runs a function in a child process and brings its result back.
//
// binaryen 108 reacts to malformed input by printing and calling _Exit or
// abort, which would take wimg (and a half-written output) down with it.
// Whatever binaryen does runs in a fork: the child sends its result through
// a pipe and leaves with _exit; a child that dies any other way becomes a
// clean error naming what it was doing. The child also runs the work on a
// thread with a large stack, since binaryen recurses deeply on big modules
// (docs/ARCHITECTURE.md, "Injection": depth 628 on ruby.wasm).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "support/result.h"

namespace wimg::inject {

struct IsolateOptions {
  std::size_t stack_bytes = 512u << 20;  // of the worker thread in the child
};

// `what` describes the work for messages: "binaryen reading base.wasm".
Result<std::string> run_isolated(const std::function<Result<std::string>()>& work, std::string_view what,
                                 const IsolateOptions& opts = {});

}  // namespace wimg::inject
