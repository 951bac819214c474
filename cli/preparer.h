// The prepare step every rendering command passes to image::render_wasm:
// inject the guest runtime embedded in this wimg (runtime/guest/embedded.h)
// with binaryen (runtime/inject/prepare.h).
#pragma once

#include "image/packing.h"

namespace wimg::cli {

image::Preparer guest_preparer();

}  // namespace wimg::cli
