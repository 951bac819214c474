#include "image/images.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <unordered_set>

#include "image/base.h"
#include "image/build_cache.h"
#include "image/prepared.h"
#include "image/segments.h"
#include "layers/index.h"
#include "layers/statcache.h"
#include "runtime/wasm/module.h"
#include "support/fs.h"

namespace wimg::image {

namespace {

Status require_object(const store::Store& store, const Digest& d, const std::string& what) {
  if (!store.has(d)) return make_error(ErrorKind::NotFound, what + " " + d.str() + " is not in the store");
  return {};
}

bool is_hex_prefix(std::string_view s) {
  if (s.size() < 4 || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Collects everything reachable from one image into `out`.
Status mark_image(const store::Store& store, const Digest& image, DigestSet& out) {
  if (!out.insert(image).second) return {};
  WIMG_ASSIGN(Manifest m, load_image(store, image));
  if (m.base) {
    WIMG_TRY(require_object(store, m.base->digest, "base wasm"));
    out.insert(m.base->digest);
  }
  for (const auto& l : m.layers) {
    if (!out.insert(l.digest).second) continue;
    WIMG_ASSIGN(std::string bytes, store.get(l.digest));
    WIMG_ASSIGN(auto entries, layers::decode_index(bytes, l.digest.str()));
    for (const auto& e : entries) {
      if (e.kind == layers::Kind::File) out.insert(e.digest);
    }
  }
  return {};
}

// Cache entries whose `owner` (the digest that keeps them: a base, a
// layer) is reachable stay, and their objects join `live`; returns the
// entries to drop.
template <class Key, class Owner>
std::vector<std::string> mark_cache(const store::Store& store, const std::vector<CacheListing<Key>>& entries,
                                    const Owner& owner, DigestSet& live) {
  std::vector<std::string> stale;
  for (const auto& e : entries) {
    if (e.key && e.object && live.count(owner(*e.key)) != 0 && store.has(*e.object)) {
      live.insert(*e.object);
    } else {
      stale.push_back(e.path);
    }
  }
  return stale;
}

// Prepared bases of reachable bases, rendered segments (image/segments.h)
// of reachable layers and snapshots of reachable images stay cached.
Result<std::vector<std::string>> mark_caches(const store::Store& store, DigestSet& live) {
  WIMG_ASSIGN(std::vector<PreparedEntry> prepared, list_prepared(store));
  WIMG_ASSIGN(std::vector<SegmentEntry> segments, list_segment_entries(store));
  WIMG_ASSIGN(std::vector<PreparedEntry> preinit, list_preinit(store));
  std::vector<std::string> stale = mark_cache(store, prepared, [](const PreparedKey& k) { return k.base; }, live);
  for (auto& p : mark_cache(store, segments, [](const Digest& layer) { return layer; }, live)) stale.push_back(p);
  // Snapshots (image/preinit.h) of images a name still reaches.
  for (auto& p : mark_cache(store, preinit, [](const PreparedKey& k) { return k.base; }, live)) stale.push_back(p);
  return stale;
}

struct Hashed {
  Digest digest;
  std::uint64_t size = 0;
  bool layer_index = false;  // starts with the layer index magic
};

// Re-hashes one object file streaming.
Result<Hashed> hash_file(const std::string& path) {
  WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(path, O_RDONLY));
  Sha256 h;
  std::uint64_t size = 0;
  std::string first;
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t r = ::read(fd.get(), buf.data(), buf.size());
    if (r < 0) {
      if (errno == EINTR) continue;
      return fs::os_error("cannot read", path, errno);
    }
    if (r == 0) break;
    if (size == 0) first.assign(buf.data(), std::min<std::size_t>(8, static_cast<std::size_t>(r)));
    h.update(buf.data(), static_cast<std::size_t>(r));
    size += static_cast<std::uint64_t>(r);
  }
  return Hashed{h.finish(), size, first == "WIMGLAYR"};
}

// Checks that a layer index decodes and that every file it names is stored
// with the recorded size.
// `candidate`: an unreferenced object that merely starts with the index
// magic; if it does not decode it is some file's content, not a layer.
void check_layer(const store::Store& store, const std::string& who, const Digest& layer, VerifyReport& rep,
                 DigestSet& layers_seen, bool candidate = false) {
  if (!layers_seen.insert(layer).second) return;
  auto problem = [&](const std::string& what) { rep.problems.push_back(who + ": " + what); };
  ++rep.layers_checked;
  auto bytes = store.get(layer, /*verify=*/false);
  if (!bytes.ok()) return problem("layer " + layer.str() + ": " + bytes.error().message);
  auto entries = layers::decode_index(*bytes, layer.str());
  if (!entries.ok()) {
    if (!candidate) problem(entries.error().message);
    return;
  }
  for (const auto& e : *entries) {
    if (e.kind != layers::Kind::File) continue;
    auto size = store.size_of(e.digest);
    if (!size.ok()) {
      problem("layer " + layer.str() + ": file " + e.path + ": object " + e.digest.str() + " is missing");
    } else if (*size != e.size) {
      problem("layer " + layer.str() + ": file " + e.path + ": object " + e.digest.str() + " has " +
              std::to_string(*size) + " bytes, expected " + std::to_string(e.size));
    }
  }
}

void check_image(const store::Store& store, const std::string& ref, const Digest& image, VerifyReport& rep,
                 DigestSet& layers_seen) {
  auto m = load_image(store, image);
  if (!m.ok()) return rep.problems.push_back(ref + ": " + m.error().message);
  ++rep.images_checked;
  if (m->base && !store.has(m->base->digest)) {
    rep.problems.push_back(ref + ": base wasm " + m->base->digest.str() + " is missing");
  }
  for (const auto& l : m->layers) check_layer(store, ref, l.digest, rep, layers_seen);
}

}  // namespace

Result<Manifest> load_image(const store::Store& store, const Digest& d) {
  auto bytes = store.get(d);
  if (!bytes.ok()) {
    if (bytes.error().kind == ErrorKind::NotFound) {
      return make_error(ErrorKind::NotFound, "image " + d.str() + " is not in the store");
    }
    return std::move(bytes).error();
  }
  return decode_manifest(*bytes, d.str());
}

Result<layers::Overlay> image_view(const store::Store& store, const Manifest& m) {
  std::vector<std::vector<layers::Entry>> stack;
  for (const auto& l : m.layers) {
    WIMG_ASSIGN(std::string bytes, store.get(l.digest));
    WIMG_ASSIGN(auto entries, layers::decode_index(bytes, l.digest.str()));
    stack.push_back(std::move(entries));
  }
  return layers::Overlay::merge(stack);
}

Result<Digest> put_image(store::Store& store, const Manifest& m) {
  WIMG_TRY(check_text(m));
  if (m.base) WIMG_TRY(require_object(store, m.base->digest, "base wasm"));
  for (const auto& l : m.layers) WIMG_TRY(require_object(store, l.digest, "layer"));
  return store.put(encode_manifest(m));
}

Result<BaseRef> put_base_wasm(store::Store& store, const std::string& path) {
  WIMG_ASSIGN(std::string bytes, fs::read_file(path));
  // The whole section structure is checked now (image/base.h), so a bad
  // base is refused here with the byte at fault rather than at pack time.
  WIMG_TRY(check_base(bytes, path));
  WIMG_ASSIGN(auto lock, store.writer_lock());
  WIMG_ASSIGN(Digest d, store.put(bytes));
  return BaseRef{d, bytes.size()};
}

Result<Digest> resolve_image(const store::Store& store, std::string_view spec) {
  WIMG_ASSIGN(auto refs, store.read_refs());
  if (spec.starts_with("sha256:")) {
    WIMG_ASSIGN(Digest d, Digest::parse(spec));
    WIMG_TRY(load_image(store, d));
    return d;
  }
  auto ref = parse_reference(spec);
  if (ref.ok()) {
    if (auto it = refs.find(ref->str()); it != refs.end()) return it->second;
  }
  if (is_hex_prefix(spec)) {
    std::set<Digest> matches;
    for (const auto& [name, d] : refs) {
      if (d.hex().starts_with(spec)) matches.insert(d);
    }
    if (matches.size() == 1) return *matches.begin();
    if (matches.size() > 1) return make_error(ErrorKind::Input, "image id prefix \"" + std::string(spec) + "\" is ambiguous");
  }
  if (!ref.ok() && !is_hex_prefix(spec)) return std::move(ref).error();
  return make_error(ErrorKind::NotFound, "no such image: " + std::string(spec));
}

Result<std::vector<ImageRow>> list_images(const store::Store& store) {
  WIMG_ASSIGN(auto refs, store.read_refs());
  std::vector<ImageRow> rows;
  for (const auto& [name, d] : refs) {
    WIMG_ASSIGN(Manifest m, load_image(store, d));
    rows.push_back({name, d, std::move(m)});
  }
  return rows;
}

Status tag_image(store::Store& store, const Digest& d, const Reference& ref) {
  WIMG_TRY(load_image(store, d));
  return store.update_refs([&](std::map<std::string, Digest>& refs) -> Status {
    refs[ref.str()] = d;
    return {};
  });
}

Status untag(store::Store& store, const std::vector<Reference>& refs) {
  return store.update_refs([&](std::map<std::string, Digest>& map) -> Status {
    for (const auto& r : refs) {
      if (map.count(r.str()) == 0) return make_error(ErrorKind::NotFound, "no such image: " + r.str());
    }
    for (const auto& r : refs) map.erase(r.str());
    return {};
  });
}

std::string run_cache_path(const store::Store& store, const Digest& d, const std::string& key) {
  return store.cache_dir() + "/run/" + d.hex() + "-" + key + "-cmd.wasm";
}

Result<std::vector<std::string>> stale_cache_files(const store::Store& store, const std::string& sub,
                                                   const std::function<bool(const std::string& name)>& stale) {
  std::vector<std::string> out;
  const std::string dir = store.cache_dir() + "/" + sub;
  if (!fs::exists(dir)) return out;
  WIMG_ASSIGN(std::vector<std::string> names, fs::list_dir(dir));
  for (const auto& n : names) {
    if (stale(n)) out.push_back(dir + "/" + n);
  }
  return out;
}

namespace {

// `wimg run IMAGE` keeps rendered modules in cache/run (run_cache_path):
// they stay while the image is named and the render is the running wimg's;
// anything else there (images gone, other wimgs' renders, unknown names)
// is stale. A render's ".sha256" and a writer's ".tmp-" file share its name.
Result<std::vector<std::string>> stale_run_cache(const store::Store& store, const DigestSet& live,
                                                 const std::string& key) {
  return stale_cache_files(store, "run", [&](const std::string& n) {
    auto d = n.size() >= 64 ? Digest::parse("sha256:" + n.substr(0, 64)) : Result<Digest>(make_error(ErrorKind::Input, ""));
    const bool ours = key.empty() || (n.size() > 64 && std::string_view(n).substr(64).starts_with("-" + key + "-cmd.wasm"));
    return !d.ok() || live.count(*d) == 0 || !ours;
  });
}

// Stat caches (layers/statcache.h) none of whose objects is live, or that
// do not parse: no later import could use them (a hit needs its object).
Result<std::vector<std::string>> stale_stat_caches(const store::Store& store, const DigestSet& live) {
  return stale_cache_files(store, "stat", [&](const std::string& n) {
    // A ".tmp-" file is a crashed save: imports save under the writer lock.
    auto digests = layers::StatCache::recorded_digests(store.cache_dir() + "/stat/" + n);
    return n.find(".tmp-") != std::string::npos || !digests ||
           std::none_of(digests->begin(), digests->end(), [&](const Digest& d) { return live.count(d) != 0; });
  });
}

}  // namespace

Result<PruneReport> prune(store::Store& store, const PruneOptions& opts) {
  const bool dry_run = opts.dry_run;
  WIMG_ASSIGN(auto lock, store.exclusive_lock());
  WIMG_ASSIGN(auto refs, store.read_refs());
  DigestSet live;
  for (const auto& [name, d] : refs) {
    if (auto s = mark_image(store, d, live); !s) {
      return make_error(s.error().kind, "prune stopped, nothing removed: image " + name + ": " + s.error().message);
    }
  }
  PruneReport rep;
  WIMG_ASSIGN(std::vector<std::string> stale_cache, mark_caches(store, live));
  // Build cache entries never keep objects alive; those whose object goes
  // (or that name none) go with it, so no later build sees a stale hit.
  WIMG_ASSIGN(std::vector<BuildCacheEntry> build_entries, list_build_cache(store));
  for (const auto& e : build_entries) {
    if (!e.object || live.count(*e.object) == 0) stale_cache.push_back(e.path);
  }
  std::vector<Result<std::vector<std::string>>> more{stale_run_cache(store, live, opts.run_key),
                                                     stale_stat_caches(store, live)};
  for (const auto& sweep : opts.sweeps) more.push_back(sweep(live));
  for (auto& r : more) {
    if (!r.ok()) return std::move(r).error();
    stale_cache.insert(stale_cache.end(), r->begin(), r->end());
  }
  std::vector<std::pair<Digest, std::uint64_t>> dead;
  WIMG_TRY(store.for_each_object([&](const Digest& d, const std::string&) -> Status {
    if (live.count(d) != 0) {
      ++rep.objects_kept;
      return {};
    }
    auto size = store.size_of(d);
    dead.emplace_back(d, size.ok() ? *size : 0);
    return {};
  }));
  for (const auto& [d, size] : dead) {
    if (!dry_run) WIMG_TRY(store.remove_object(d));
    ++rep.objects_removed;
    rep.bytes_removed += size;
  }
  for (const auto& path : stale_cache) {
    if (!dry_run && ::unlink(path.c_str()) != 0 && errno != ENOENT) return fs::os_error("cannot remove", path, errno);
    ++rep.cache_removed;
  }
  if (dry_run) {
    WIMG_ASSIGN(rep.temp_removed, store.count_tmp());
  } else {
    WIMG_ASSIGN(rep.temp_removed, store.clear_tmp());
  }
  return rep;
}

Result<VerifyReport> verify_store(const store::Store& store) {
  // Shared lock: a concurrent prune could otherwise delete what we check.
  WIMG_ASSIGN(auto lock, store.writer_lock());
  VerifyReport rep;
  std::vector<Digest> layer_objects;
  std::vector<Digest> corrupt;
  WIMG_TRY(store.for_each_object([&](const Digest& d, const std::string& path) -> Status {
    auto actual = hash_file(path);
    if (!actual.ok()) {
      rep.problems.push_back(actual.error().message);
      return {};
    }
    ++rep.objects_checked;
    rep.bytes_checked += actual->size;
    if (actual->digest != d) {
      corrupt.push_back(d);
    } else if (actual->layer_index) {
      layer_objects.push_back(d);
    }
    return {};
  }));
  DigestSet layers_seen;
  auto refs = store.read_refs();
  if (!refs.ok()) {
    rep.problems.push_back(refs.error().message);
  } else {
    for (const auto& [name, d] : *refs) check_image(store, name, d, rep, layers_seen);
  }
  // Layers not (yet) used by an image must be complete too.
  for (const auto& d : layer_objects) check_layer(store, "layer " + d.str(), d, rep, layers_seen, /*candidate=*/true);
  // Moved aside last (so the checks above report each problem once), so
  // that a later add of the same content can restore them.
  for (const auto& d : corrupt) rep.problems.push_back(store.corrupt_error(d).message);
  WIMG_ASSIGN(rep.temp_entries, store.count_tmp());
  return rep;
}

}  // namespace wimg::image
