// Commands that take "IMAGE" also take a packed .wasm file (ls, cat,
// export, history, run): how an argument is told apart.
#pragma once

#include <string>

#include "store/store.h"
#include "support/digest.h"

namespace wimg::cli {

// An existing regular file starting with "\0asm"; anything else is an image
// reference.
bool is_wasm_file(const std::string& spec);

// An IMAGE argument that is not a packed file, resolved in the store. A
// spec that looks like a file (ends in ".wasm" or has a '/') and is not an
// image fails as a file: NotFound if missing, Input if not a wasm module.
Digest resolve_image_arg(const store::Store& store, const std::string& spec);

}  // namespace wimg::cli
