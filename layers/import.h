// Turning a directory tree or an archive into a stored layer.
//
// Objects are written through one store::Batch, committed before the layer
// index that names them; the whole import holds the store's writer lock so
// a concurrent prune cannot collect objects that are not yet reachable. On
// any error the batch is discarded and the store is left unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "layers/entry.h"
#include "store/store.h"
#include "support/result.h"

namespace wimg::layers {

struct ImportOptions {
  std::function<void(const std::string&)> warn;  // non-fatal notes (skipped devices)
  bool use_stat_cache = true;
  std::int64_t walk_start_ns = 0;  // wall clock at start, for the stat cache's racy window
  unsigned threads = 2;            // files hashed and stored in parallel
};

struct ImportResult {
  Digest digest;               // layer digest = sha256(index bytes)
  std::vector<Entry> entries;  // canonical, sorted
  LayerStats stats;
};

// A directory (walked, .wimgignore applied) or an archive file.
Result<ImportResult> import_path(store::Store& store, const std::string& path, const ImportOptions& opts);

}  // namespace wimg::layers
