// The guest VFS runtime (runtime/guest/*.c compiled to wasm32), embedded in
// the wimg binary at build time. The injector merges it into a guest module
// (wimg_abi.h is the contract between the two).
#pragma once

#include <string_view>

namespace wimg::guest {

// The bytes of wimg_runtime.wasm.
std::string_view runtime_wasm();

}  // namespace wimg::guest
