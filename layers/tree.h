// Directory walk into a LayerBuilder. Entries are visited in bytewise name
// order whatever the host's readdir order; symlinks are stored as links and
// never followed; devices, sockets and FIFOs are skipped with a warning.
// All access is relative to open directory fds with O_NOFOLLOW, so a tree
// that changes during the walk cannot redirect it outside the root.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "layers/builder.h"
#include "layers/ignore.h"
#include "layers/import.h"
#include "layers/statcache.h"
#include "store/batch.h"

namespace wimg::layers {

struct TreeWalk {
  store::Batch& batch;
  store::Store& store;
  LayerBuilder& builder;
  const IgnoreRules& ignore;
  StatCache* cache;  // null: hash everything
  const ImportOptions& opts;
  // For `wimg build` copying one directory of a context (recipe/copy.h):
  std::string context_rel = {};          // the walked root within the context ("" = it is the context):
                                         // prefix of the paths `ignore` and the stat cache see
  std::string dest = {};                 // prefix of the layer paths ("" = the layer root)
  const IgnoreRules* exclude = nullptr;  // COPY --exclude, on paths relative to the walked root
  std::optional<std::uint32_t> chmod = {};  // COPY --chmod: the mode of every file and directory
};

Status walk_tree(const std::string& root, TreeWalk& walk);

// Reads a file of a tree that configures reading it (.wimgignore, the
// Wasmfile): `rel` is resolved beneath `root`, following symlinks only
// while they stay inside it, so a link out of the tree is an Input error
// and nothing outside is read (or echoed in a later parse error).
// nullopt when there is no such file. `shown` names it in errors.
Result<std::optional<std::string>> read_in_tree(const std::string& root, const std::string& rel, const std::string& shown);

}  // namespace wimg::layers
