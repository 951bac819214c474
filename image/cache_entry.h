// A cache entry (prepared bases, build steps): a small file in the store's
// cache/ whose whole content names one store object:
//
//   entry = "sha256:" 64*lowerhex LF
//
// A file that is missing, unreadable or not exactly that is "no entry": a
// cache miss, never an error (docs/FORMATS.md).
#pragma once

#include <optional>
#include <string>

#include "support/digest.h"
#include "support/fs.h"
#include "support/result.h"

namespace wimg::image {

std::optional<Digest> read_cache_entry(const std::string& path);

// Creates the entry's directory if needed; atomic, as durable as asked.
Status write_cache_entry(const std::string& path, const Digest& object, fs::Durability durability);

}  // namespace wimg::image
