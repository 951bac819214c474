// What common WASI hosts refuse to load, checked on a packed module so that
// `wimg build`, `wimg pack` and `wimg inspect` can say so instead of writing
// a file that fails only when run.
//
//   V8 (node, Chromium, Deno): a module of at most 1 GiB
//     (kV8MaxWasmModuleSize) and at most 100,000 data segments
//     (kV8MaxWasmDataSegments);
//   node: fs.readFile of at most 2 GiB - 1 (ERR_FS_FILE_TOO_LARGE), which
//     is how node:wasi runners read the module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace wimg::pack {

struct HostLimits {
  std::uint64_t v8_module_bytes = std::uint64_t{1} << 30;
  std::uint64_t node_read_bytes = (std::uint64_t{1} << 31) - 1;
  std::uint64_t v8_data_segments = 100000;
};

// One sentence per limit the module crosses (none: every host can load it).
std::vector<std::string> host_limit_warnings(std::uint64_t module_bytes, std::uint64_t data_segments,
                                             const HostLimits& limits = {});
// The same for a module in memory (its data segments counted by the own
// reader): what `build -o` and `pack` warn about before they report.
Result<std::vector<std::string>> host_limit_warnings_of(std::string_view module, std::string_view shown);

}  // namespace wimg::pack
