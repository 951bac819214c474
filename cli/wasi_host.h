// Which WASI host `wimg run` hands a module to: --host, else the first of
// wasmtime, wasmer, wasmedge on PATH, else a node >= 24 ($WIMG_NODE, then
// node on PATH).
#pragma once

#include <string>

#include "cli/context.h"
#include "runtime/runner/hosts.h"

namespace wimg::cli {

struct HostChoice {
  runner::Host host;
  std::string program;  // the executable to exec
};

// --host NAME (looked up like the detection does) or --host PATH (the
// executable's file name says which host it is); empty: detected. NotFound
// when none fits, listing what was tried and how to fix it.
HostChoice choose_host(const std::string& flag, const Context& ctx);

}  // namespace wimg::cli
