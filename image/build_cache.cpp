#include "image/build_cache.h"

#include <algorithm>

#include "image/cache_entry.h"
#include "support/fs.h"

namespace wimg::image {

namespace {

std::string cache_root(const store::Store& store) { return store.cache_dir() + "/build"; }

}  // namespace

std::optional<Digest> build_cache_lookup(const store::Store& store, const Digest& key) {
  auto d = read_cache_entry(fs::join(cache_root(store), key.hex()));
  if (!d || !store.has(*d)) return std::nullopt;
  return d;
}

Status build_cache_record(store::Store& store, const Digest& key, const Digest& object) {
  const std::string path = fs::join(cache_root(store), key.hex());
  if (read_cache_entry(path) == object) return {};  // a cached step: nothing to write
  // A lost entry only costs a rebuild of one step: no fsync.
  return write_cache_entry(path, object, fs::Durability::NoFsync);
}

Result<std::vector<BuildCacheEntry>> list_build_cache(const store::Store& store) {
  const std::string root = cache_root(store);
  std::vector<BuildCacheEntry> out;
  if (!fs::exists(root)) return out;
  WIMG_ASSIGN(std::vector<std::string> names, fs::list_dir(root));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    BuildCacheEntry e{fs::join(root, name), std::nullopt};
    e.object = read_cache_entry(e.path);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace wimg::image
