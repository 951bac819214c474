// One entry of a layer: what a path is in that layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/digest.h"

namespace wimg::layers {

// Numeric values are part of the layer index format (docs/FORMATS.md).
enum class Kind : std::uint8_t {
  Dir = 1,       // directory; lower layers' children stay visible
  File = 2,      // regular file; content is the object `digest`
  Symlink = 3,   // symbolic link; `target` kept verbatim, never followed at build
  Whiteout = 4,  // hides the same path in lower layers
  Opaque = 5,    // directory that hides all lower layers' children
};

char kind_letter(Kind k);       // d f l w o
const char* kind_name(Kind k);  // dir file symlink whiteout opaque

struct Entry {
  Kind kind = Kind::File;
  std::string path;         // canonical relative path, see layers/path.h
  std::uint32_t mode = 0;   // permission bits only (0..0777)
  std::uint64_t size = 0;   // File: byte count; Symlink: target length; else 0
  Digest digest{};          // File only
  std::string target;       // Symlink only

  bool operator==(const Entry&) const = default;
};

struct LayerStats {
  std::uint64_t files = 0;  // regular files
  std::uint64_t bytes = 0;  // their total size
};

LayerStats stats_of(const std::vector<Entry>& entries);

}  // namespace wimg::layers
