// The node WASI runner (runtime/runner/wasi-run.mjs), embedded in the wimg
// binary at build time: `wimg run` writes it into the store's cache and runs
// it with a node >= 24 when no WASI runtime is installed, so an installed
// wimg needs no source tree.
#pragma once

#include <string_view>

namespace wimg::runner {

// The bytes of wasi-run.mjs.
std::string_view wasi_run_mjs();

}  // namespace wimg::runner
