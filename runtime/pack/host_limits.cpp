#include "runtime/pack/host_limits.h"

#include "runtime/wasm/module.h"

namespace wimg::pack {

std::vector<std::string> host_limit_warnings(std::uint64_t module_bytes, std::uint64_t data_segments,
                                             const HostLimits& limits) {
  std::vector<std::string> out;
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  if (module_bytes > limits.node_read_bytes) {
    out.push_back("the module is " + n(module_bytes) + " bytes: node reads files of at most " + n(limits.node_read_bytes) +
                  " bytes (ERR_FS_FILE_TOO_LARGE), so node-based hosts cannot load it");
  }
  if (module_bytes > limits.v8_module_bytes) {
    out.push_back("the module is " + n(module_bytes) + " bytes: V8 (node, Chromium, Deno) compiles modules of at most " +
                  n(limits.v8_module_bytes) + " bytes; use wasmtime or another host without that limit");
  }
  if (data_segments > limits.v8_data_segments) {
    out.push_back("the module has " + n(data_segments) + " data segments: V8 (node, Chromium, Deno) accepts at most " +
                  n(limits.v8_data_segments) + " (wimg adds 128 to its base)");
  }
  return out;
}

Result<std::vector<std::string>> host_limit_warnings_of(std::string_view module, std::string_view shown) {
  WIMG_ASSIGN(wasm::Module m, wasm::parse_module(module, shown));
  return host_limit_warnings(module.size(), m.data.size());
}

}  // namespace wimg::pack
