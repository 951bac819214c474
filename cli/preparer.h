// The prepare step every rendering command passes to image::render_wasm:
// inject the guest runtime embedded in this wimg (runtime/guest/embedded.h)
// with binaryen (runtime/inject/prepare.h).
#pragma once

#include "cli/context.h"
#include "image/packing.h"

namespace wimg::cli {

// With `ctx`, images with PREINIT are snapshotted by Wizer (cli/snapshot.h).
image::Preparer guest_preparer(const Context* ctx = nullptr);

// This wimg's key in `wimg run`'s render cache (image::run_cache_path):
// either preparation may render an image (packing.h), so both name it.
std::string run_cache_key(const image::Preparer& prep);

}  // namespace wimg::cli
