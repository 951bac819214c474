// The prepared-base cache: injecting the guest runtime into a base costs
// seconds (binaryen), so its result is kept per (base digest, preparer
// digest: runtime bytes + injector revision) and every later pack of that base only splices bytes.
//
//   <root>/cache/prepared/<base hex>-<preparer hex>   "sha256:<hex>\n"
//
// The entry names a store object holding the prepared bytes. Entries are
// written atomically after their object is durable; a missing or
// unreadable entry or a missing object is a miss (prepared again and the entry rewritten),
// never an error. `prune` keeps an entry (and its object) while an image
// name still reaches its base, and drops the others — as Docker keeps the
// build cache of images still in use (docs/FORMATS.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "image/cache_entry.h"
#include "store/store.h"
#include "support/digest.h"
#include "support/result.h"

namespace wimg::image {

struct PreparedKey {
  Digest base;
  Digest runtime;
};

struct PreparedBase {
  fs::Bytes bytes;  // a hit is mapped from the store
  Digest digest;        // of bytes: the store object
  bool cached = false;  // true when no prepare ran
  bool checked = true;  // false: a hit not yet re-hashed (Check::Later)
};

// When a hit's object is re-hashed: at once, or by the caller
// (store::Store::check_mapped) before it trusts anything made of it —
// `build -o` hashes the 16 MB on a second thread while it writes.
enum class Check { Now, Later };

// The caller holds store.writer_lock() from before this call until the
// output no longer needs the object (so a concurrent prune waits).
Result<PreparedBase> prepared_base(store::Store& store, const PreparedKey& key,
                                   const std::function<Result<std::string>()>& prepare, Check check = Check::Now);

// The cache's entry for `key` without preparing anything on a miss
// (nullopt): `pack` asks before it reads a base it knows by digest alone.
Result<std::optional<PreparedBase>> find_prepared(const store::Store& store, const PreparedKey& key,
                                                  Check check = Check::Now);

using PreparedEntry = CacheListing<PreparedKey>;
// Every cache entry (prune walks them under the exclusive lock).
Result<std::vector<PreparedEntry>> list_prepared(const store::Store& store);

// The same cache for pre-initialised modules (image/preinit.h), under
// cache/preinit: key.base is the image's digest, key.runtime preinit_key().
Result<PreparedBase> preinit_snapshot(store::Store& store, const PreparedKey& key,
                                      const std::function<Result<std::string>()>& snapshot);
Result<std::vector<PreparedEntry>> list_preinit(const store::Store& store);

}  // namespace wimg::image
