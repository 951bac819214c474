// The snapshotter of PREINIT images (image/preinit.h): Wizer 11
// (npm @bytecodealliance/wizer-linux-x64@11.0.3, scripts/setup installs it
// into tools/wizer), found as $WIMG_WIZER, else `wizer` on PATH. It runs
// the module's init export (runtime/inject/interpreter.h, kPreinitExport)
// with WASI allowed, no preopen, stdin empty, and an environment holding
// only WIMG_PREINIT (the words, each "x" + hex, ","-separated), in a
// scratch directory under the store's tmp/; what the init prints is kept
// and shown if it fails.
#pragma once

#include "cli/context.h"
#include "image/preinit.h"

namespace wimg::cli {

image::Snapshotter wizer_snapshotter(const Context& ctx);

// The WIMG_PREINIT value for `words`.
std::string preinit_env_value(const std::vector<std::string>& words);

}  // namespace wimg::cli
