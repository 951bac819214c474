// The last phase of preparing a base: a prepared module imports from the
// host only what it can call (docs/FORMATS.md, "Host imports").
//
// The runtime (runtime/guest) implements every WASI preview1 function and
// calls the host's version of each, so after the merge every prepared
// module imported all of them: a C program importing 10 functions needed
// 40, and a host without sockets (uwasi) refused to link it. Here the call
// graph decides: the runtime functions reachable from code that is not the
// runtime's (the guest's WASI definitions, the Ruby command, the region
// setup) are kept with the host imports they call; the runtime has no
// call_indirect and no function references (merge.h refuses them), so that
// graph is exact. Every other runtime function is removed, and with them
// the host imports only they called.
#pragma once

#include <binaryen-c.h>

#include <string>
#include <vector>

#include "support/result.h"

namespace wimg::inject {

struct TrimmedImports {
  std::vector<std::string> kept;     // WASI functions still imported, sorted
  std::vector<std::string> dropped;  // host imports no code can reach, sorted
  std::size_t runtime_removed = 0;   // runtime functions no code can reach
};

// Runtime functions are named kRuntimePrefix (merge.h), host imports
// kHostPrefix (imports.h). Run after every phase that adds calls (the Ruby
// command).
Result<TrimmedImports> trim_host_imports(BinaryenModuleRef module);

}  // namespace wimg::inject
