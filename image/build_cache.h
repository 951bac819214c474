// The build cache of `wimg build` (recipe/builder.h): step key -> the
// object the step produced (a layer index, or a base .wasm for FROM).
//
//   <root>/cache/build/<key hex>   "sha256:<hex>\n"
//
// Entries are written atomically after their object is durable, under the
// store's shared writer lock. An entry whose object is missing or that does
// not parse is a miss, never an error. Entries do not keep objects alive:
// `prune` removes every entry whose object it removed or that names no
// object (so a pruned store never reports a stale hit), and keeps the
// others. It lives in image/ beside the prepared-base cache because prune
// does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "support/digest.h"
#include "support/result.h"

namespace wimg::image {

// The object recorded for `key`, when the entry parses and the object is
// present.
std::optional<Digest> build_cache_lookup(const store::Store& store, const Digest& key);
// Records key -> object (the object must be durable already).
Status build_cache_record(store::Store& store, const Digest& key, const Digest& object);

struct BuildCacheEntry {
  std::string path;
  std::optional<Digest> object;  // nullopt: the entry does not parse
};
Result<std::vector<BuildCacheEntry>> list_build_cache(const store::Store& store);

}  // namespace wimg::image
