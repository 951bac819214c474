// The overlay: the merged view of a stack of layers, as a guest (and
// `wimg ls`, `cat`, `export`) sees it. Also the test oracle for the guest
// runtime. Semantics follow the OCI image spec's layer changesets:
//
//   apply layers bottom to top; within one layer, first its deletions —
//     whiteout p   : p and everything below it disappear from lower layers
//     opaque dir p : everything below p from lower layers disappears
//   — then its entries, each replacing what was at that path:
//     dir p over a dir keeps the lower children (the upper mode wins);
//     anything replacing a dir, or a dir replacing a non-dir, drops the
//     lower subtree.
//
// The merged view holds only dirs, files and symlinks. Path resolution
// follows symlinks inside the image: absolute targets start at the image
// root, ".." never climbs above the root, more than 40 links is ELOOP.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "layers/entry.h"

namespace wimg::layers {

struct MergedEntry {
  Entry entry;             // kind is Dir, File or Symlink (Opaque shows as Dir)
  std::size_t layer = 0;   // index of the layer that provided it (bottom = 0)
};

// errno-style outcome of a lookup, mirroring what a guest would see.
enum class LookupError { None, NoEntry, NotDir, Loop, NameTooLong };
const char* lookup_error_name(LookupError e);  // "ENOENT", ...

constexpr int kMaxSymlinkHops = 40;

class Overlay {
 public:
  // `layers` bottom first; each must be canonical (decode_index output).
  static Overlay merge(const std::vector<std::vector<Entry>>& layers);
  // Adds one more layer on top (merge is push over the stack): a builder
  // keeps its view up to date in time proportional to the new layer.
  void push(const std::vector<Entry>& layer);
  std::size_t layer_count() const { return layers_; }

  // Exact lookup of a canonical path ("" is the root: nullptr result).
  const MergedEntry* find(std::string_view path) const;
  // Direct children of a directory (canonical path, "" = root), sorted by name.
  std::vector<const MergedEntry*> children(std::string_view dir) const;
  const std::map<std::string, MergedEntry>& entries() const { return entries_; }

  struct Resolved {
    LookupError error = LookupError::None;
    std::string path;  // canonical path reached ("" = root) when error is None
  };
  // Resolves a guest path (absolute or relative to the root; "." and ".."
  // allowed) following symlinks in intermediate components, and in the
  // last one when follow_last is set.
  Resolved resolve(std::string_view path, bool follow_last) const;

 private:
  void erase_subtree(const std::string& path, bool keep_self);
  std::map<std::string, MergedEntry> entries_;
  std::size_t layers_ = 0;
};

}  // namespace wimg::layers
