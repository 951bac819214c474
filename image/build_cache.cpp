#include "image/build_cache.h"

#include <algorithm>

#include "support/fs.h"

namespace wimg::image {

namespace {

std::string cache_root(const store::Store& store) { return store.cache_dir() + "/build"; }

std::optional<Digest> parse_entry(const std::string& text) {
  if (text.empty() || text.back() != '\n') return std::nullopt;
  auto d = Digest::parse(std::string_view(text).substr(0, text.size() - 1));
  if (!d.ok()) return std::nullopt;
  return *d;
}

}  // namespace

std::optional<Digest> build_cache_lookup(const store::Store& store, const Digest& key) {
  auto text = fs::read_file(fs::join(cache_root(store), key.hex()));
  if (!text.ok()) return std::nullopt;
  auto d = parse_entry(*text);
  if (!d || !store.has(*d)) return std::nullopt;
  return d;
}

Status build_cache_record(store::Store& store, const Digest& key, const Digest& object) {
  WIMG_TRY(fs::mkdirs(cache_root(store)));
  // A lost entry only costs a rebuild of one step: no fsync.
  return fs::atomic_write_file(fs::join(cache_root(store), key.hex()), object.str() + "\n", 0644,
                               fs::Durability::NoFsync);
}

Result<std::vector<BuildCacheEntry>> list_build_cache(const store::Store& store) {
  const std::string root = cache_root(store);
  std::vector<BuildCacheEntry> out;
  if (!fs::exists(root)) return out;
  WIMG_ASSIGN(std::vector<std::string> names, fs::list_dir(root));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    BuildCacheEntry e{fs::join(root, name), std::nullopt};
    if (auto text = fs::read_file(e.path); text.ok()) e.object = parse_entry(*text);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace wimg::image
