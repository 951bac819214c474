// The WASI hosts `wimg run` can hand a module to, and how each one spells
// "preopen this directory", "set this variable" and "these are the guest's
// arguments". Pure functions: detection (PATH, versions) is the CLI's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace wimg::runner {

enum class Host { Wasmtime, Wasmer, Wasmedge, Node };

// Detection order of `wimg run` without --host: the native runtimes first,
// node (with the embedded runner) last.
inline constexpr Host kHostOrder[] = {Host::Wasmtime, Host::Wasmer, Host::Wasmedge, Host::Node};

std::string_view host_name(Host h);
// "wasmtime", "wasmer", "wasmedge" or "node"; Usage error otherwise.
Result<Host> parse_host(std::string_view name);

struct DirMap {
  std::string host;   // a host directory
  std::string guest;  // where the guest sees it
  bool ro = false;    // read-only: the guest runtime answers EROFS to every change
  bool operator==(const DirMap&) const = default;
};

// "HOST::GUEST", or "HOST" for the same path on both sides (wasmtime's
// syntax), either followed by ":ro" (read-only) or ":rw". Usage error for an
// empty side.
Result<DirMap> parse_dir(std::string_view spec);
// docker run -v's bind-mount syntax: "HOST:GUEST", "HOST:GUEST:ro" or
// "HOST:GUEST:rw". Usage error otherwise.
Result<DirMap> parse_volume(std::string_view spec);

// The variable that tells the guest runtime which host directories are
// read-only (runtime/guest/hostpath.c): their guest paths, ':'-separated.
inline constexpr std::string_view kReadonlyVar = "WIMG_READONLY";

struct RunRequest {
  std::string module;              // the .wasm file
  std::vector<DirMap> dirs;        // host directories to preopen
  std::vector<std::string> env;    // "K=V", in order
  std::vector<std::string> args;   // the guest's argv[1..]
  // The writable layer's setting for the runtime (runtime/pack/upper.h:
  // "ro" or a cap in bytes), given to the guest as WIMG_UPPER; none: the image's.
  std::optional<std::string> upper;
  // A repeatable run (`wimg build`'s RUN): every clock starts at `clock`
  // seconds since the epoch and random_get is the stream seeded by `seed`.
  // Only the node runner can (wasi-run.mjs --clock/--seed); the other
  // hosts' argv ignores them, so a caller that needs them runs node.
  std::optional<std::int64_t> clock;
  std::optional<std::string> seed;
};

// The host's argv (argv[0] = `program`, the host's executable). Read-only
// dirs add WIMG_READONLY=<their guest paths> and `upper` WIMG_UPPER to the
// guest's variables (every host alike: the runtime inside the module
// enforces them and hides them from the guest). For node,
// `runner` is the path of wasi-run.mjs. Guest arguments are never parsed as
// host options, and a module path starting with '-' gets a "./" prefix.
std::vector<std::string> host_argv(Host h, const std::string& program, const std::string& runner,
                                   const RunRequest& r);

// The major version of `node --version` output ("v24.1.0\n" -> 24).
std::optional<int> node_major(std::string_view version_output);

}  // namespace wimg::runner
