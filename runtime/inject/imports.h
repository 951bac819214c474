// WASI import replacement (docs/ARCHITECTURE.md, "Injection"): a guest's import
// `wasi_snapshot_preview1.X` is removed and a DEFINED function is added
// under the same internal binaryen name, so every call, table entry and
// export that named the import now reaches the definition, for free.
//
// This file provides the mechanism with a pass-through body: each
// definition calls the same host import, re-added under a fresh internal
// name ("wimg$host$X"). The guest runtime will later supply real bodies
// (overlay lookups, fd table) that call those host imports when a path or
// fd is not the image's.
#pragma once

#include <binaryen-c.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace wimg::inject {

inline constexpr const char* kWasiModule = "wasi_snapshot_preview1";
// The internal names of the host imports the injector adds: kHostPrefix + X.
inline constexpr std::string_view kHostPrefix = "wimg$host$";

struct ReplacedImport {
  std::string name;           // the WASI function, e.g. "fd_read"
  std::string internal_name;  // binaryen's internal name, now a defined function
  std::string host_name;      // internal name of the re-added host import
};

// Replaces every wasi_snapshot_preview1 function import by a pass-through
// definition. Returns what was replaced, in import order. A function
// imported twice (two internal names: AssemblyScript does it) gets two
// definitions sharing one host import; Input error if the two signatures
// differ.
Result<std::vector<ReplacedImport>> replace_wasi_imports(BinaryenModuleRef module);

}  // namespace wimg::inject
