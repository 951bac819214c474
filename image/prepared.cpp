#include "image/prepared.h"

#include <algorithm>

#include "image/cache_entry.h"
#include "support/fs.h"

namespace wimg::image {

namespace {

std::string cache_root(const store::Store& store) {
  return store.cache_dir() + "/prepared";
}

std::string entry_name(const PreparedKey& k) {
  return k.base.hex() + "-" + k.runtime.hex();
}

std::optional<PreparedKey> parse_name(std::string_view name) {
  if (name.size() != 129 || name[64] != '-') return std::nullopt;
  auto b = Digest::parse(name.substr(0, 64), /*allow_bare=*/true);
  auto r = Digest::parse(name.substr(65), /*allow_bare=*/true);
  if (!b.ok() || !r.ok()) return std::nullopt;
  return PreparedKey{*b, *r};
}

// A hit when the entry parses and its object is present. The object is
// re-hashed (about 10 ms for CRuby's 16 MB): a corrupt prepared base would
// otherwise become binaries that pass `inspect --verify` and fail to
// instantiate. A corrupt one fails, naming it (and is moved aside, so the
// next run prepares it afresh).
Result<std::optional<PreparedBase>> lookup(const store::Store& store, const PreparedKey& key) {
  auto d = read_cache_entry(fs::join(cache_root(store), entry_name(key)));
  if (!d) return std::optional<PreparedBase>();
  auto bytes = store.get_mapped(*d);
  if (!bytes.ok()) {
    if (bytes.error().kind == ErrorKind::Corrupt) {
      return make_error(ErrorKind::Corrupt, "prepared base (cache entry " + entry_name(key) + "): " +
                                                bytes.error().message);
    }
    return std::optional<PreparedBase>();
  }
  return std::optional<PreparedBase>(PreparedBase{std::move(bytes).value(), *d, true});
}

}  // namespace

Result<PreparedBase> prepared_base(store::Store& store, const PreparedKey& key,
                                   const std::function<Result<std::string>()>& prepare) {
  WIMG_ASSIGN(auto hit, lookup(store, key));
  if (hit) return std::move(*hit);
  WIMG_ASSIGN(std::string bytes, prepare());
  WIMG_ASSIGN(Digest d, store.put(bytes));  // durable before the entry names it
  WIMG_TRY(write_cache_entry(fs::join(cache_root(store), entry_name(key)), d, fs::Durability::Fsync));
  return PreparedBase{fs::hold(std::move(bytes)), d, false};
}

Result<std::vector<PreparedEntry>> list_prepared(const store::Store& store) {
  return list_cache<PreparedKey>(cache_root(store), parse_name);
}

}  // namespace wimg::image
