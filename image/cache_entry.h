// A cache entry (prepared bases, build steps): a small file in the store's
// cache/ whose whole content names one store object:
//
//   entry = "sha256:" 64*lowerhex LF
//
// A file that is missing, unreadable or not exactly that is "no entry": a
// cache miss, never an error (docs/FORMATS.md).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "support/digest.h"
#include "support/fs.h"
#include "support/result.h"

namespace wimg::image {

std::optional<Digest> read_cache_entry(const std::string& path);

// Creates the entry's directory if needed; atomic, as durable as asked.
Status write_cache_entry(const std::string& path, const Digest& object, fs::Durability durability);

// One file of a cache directory: the key its name parses to (nullopt: it
// does not) and the object it names (nullopt: unreadable, or no key).
template <class Key>
struct CacheListing {
  std::string path;
  std::optional<Key> key;
  std::optional<Digest> object;
};

// Every file of `dir` (none when it does not exist), sorted by name; prune
// walks them under the exclusive lock. `parse`: name -> optional<Key>.
template <class Key, class Parse>
Result<std::vector<CacheListing<Key>>> list_cache(const std::string& dir, const Parse& parse) {
  std::vector<CacheListing<Key>> out;
  if (!fs::exists(dir)) return out;
  WIMG_ASSIGN(std::vector<std::string> names, fs::list_dir(dir));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    CacheListing<Key> e{fs::join(dir, name), parse(name), std::nullopt};
    if (e.key) e.object = read_cache_entry(e.path);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace wimg::image
