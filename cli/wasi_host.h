// Which WASI host `wimg run` hands a module to: --host, else the first of
// wasmtime, wasmer, wasmedge on PATH, else a node >= 24 ($WIMG_NODE, then
// node on PATH).
#pragma once

#include <optional>
#include <string>

#include "cli/context.h"
#include "store/store.h"
#include "runtime/runner/hosts.h"

namespace wimg::cli {

bool is_executable_file(const std::string& p);
// The first executable `name` in the context's PATH, like execvp would pick.
std::optional<std::string> find_on_path(const std::string& name, const Context& ctx);

struct HostChoice {
  runner::Host host;
  std::string program;  // the executable to exec
};

// --host NAME (looked up like the detection does) or --host PATH (the
// executable's file name says which host it is); empty: detected. NotFound
// when none fits, listing what was tried and how to fix it.
HostChoice choose_host(const std::string& flag, const Context& ctx);

// The node runner embedded in this wimg (runtime/runner/wasi-run.mjs),
// written once into the store's cache under a name that changes with its
// content, so wimg versions sharing a store never run each other's.
std::string runner_script(const store::Store& store);

// `wimg prune`'s sweep of cache/runner (an image::CacheSweep): every file
// but this wimg's runner (and a write of it in progress).
Result<std::vector<std::string>> stale_runners(const store::Store& store);

}  // namespace wimg::cli
