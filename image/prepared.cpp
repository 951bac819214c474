#include "image/prepared.h"

#include <algorithm>

#include "image/cache_entry.h"
#include "support/fs.h"

namespace wimg::image {

namespace {

constexpr const char* kPrepared = "prepared";
constexpr const char* kPreinit = "preinit";  // image/preinit.h

std::string cache_root(const store::Store& store, const char* kind) { return store.cache_dir() + "/" + kind; }

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
// re-hashed (about 10 ms for CRuby's 16 MB; with Check::Later by the
// caller): a corrupt prepared base would otherwise become binaries that
// pass `inspect --verify` and fail to instantiate. A corrupt one fails,
// naming it (and is moved aside, so the next run prepares it afresh).
Result<std::optional<PreparedBase>> lookup(const store::Store& store, const PreparedKey& key, const char* kind,
                                           Check check) {
  auto d = read_cache_entry(fs::join(cache_root(store, kind), entry_name(key)));
  if (!d) return std::optional<PreparedBase>();
  auto bytes = check == Check::Now ? store.get_mapped(*d) : store.map_unchecked(*d);
  if (!bytes.ok()) {
    if (bytes.error().kind == ErrorKind::Corrupt) {
      return make_error(ErrorKind::Corrupt, std::string(kind) + " cache entry " + entry_name(key) + ": " +
                                                bytes.error().message);
    }
    return std::optional<PreparedBase>();
  }
  return std::optional<PreparedBase>(PreparedBase{std::move(bytes).value(), *d, true, check == Check::Now});
}

Result<PreparedBase> cached(store::Store& store, const PreparedKey& key,
                           const std::function<Result<std::string>()>& make, const char* kind,
                           Check check = Check::Now) {
  WIMG_ASSIGN(auto hit, lookup(store, key, kind, check));
  if (hit) return std::move(*hit);
  WIMG_ASSIGN(std::string bytes, make());
  WIMG_ASSIGN(Digest d, store.put(bytes));  // durable before the entry names it
  WIMG_TRY(write_cache_entry(fs::join(cache_root(store, kind), entry_name(key)), d, fs::Durability::Fsync));
  return PreparedBase{fs::hold(std::move(bytes)), d, false};
}

}  // namespace

Result<PreparedBase> prepared_base(store::Store& store, const PreparedKey& key,
                                   const std::function<Result<std::string>()>& prepare, Check check) {
  return cached(store, key, prepare, kPrepared, check);
}

Result<std::optional<PreparedBase>> find_prepared(const store::Store& store, const PreparedKey& key, Check check) {
  return lookup(store, key, kPrepared, check);
}

Result<std::vector<PreparedEntry>> list_prepared(const store::Store& store) {
  return list_cache<PreparedKey>(cache_root(store, kPrepared), parse_name);
}

Result<PreparedBase> preinit_snapshot(store::Store& store, const PreparedKey& key,
                                      const std::function<Result<std::string>()>& snapshot) {
  return cached(store, key, snapshot, kPreinit);
}

Result<std::vector<PreparedEntry>> list_preinit(const store::Store& store) {
  return list_cache<PreparedKey>(cache_root(store, kPreinit), parse_name);
}

}  // namespace wimg::image
