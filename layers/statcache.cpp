#include "layers/statcache.h"

#include <cstring>

#include "store/store.h"
#include "support/fs.h"
#include "support/le.h"

namespace wimg::layers {

namespace {
constexpr std::string_view kMagic = "WIMGSTC1";

std::int64_t ns(const struct timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

// The records of a stat cache file's bytes; nullopt if they do not parse.
template <typename Record>
std::optional<std::unordered_map<std::string, Record>> parse_records(std::string_view b) {
  if (!b.starts_with(kMagic)) return std::nullopt;
  le::Reader in(b, kMagic.size());
  std::uint64_t count = 0;
  if (!in.get(&count)) return std::nullopt;
  std::unordered_map<std::string, Record> records;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view path, digest;
    Record r;
    if (!in.str(&path) || !in.get(&r.key.size) || !in.get(&r.key.mtime_ns) || !in.get(&r.key.ctime_ns) ||
        !in.get(&r.key.ino) || !in.get(&r.key.dev) || !in.get(&r.key.mode) || !in.bytes(32, &digest)) {
      return std::nullopt;
    }
    std::memcpy(r.digest.bytes.data(), digest.data(), 32);
    records.emplace(std::string(path), r);
  }
  return records;
}
}  // namespace

StatKey StatKey::from(const struct stat& st) {
  StatKey k;
  k.size = static_cast<std::uint64_t>(st.st_size);
  k.mtime_ns = ns(st.st_mtim);
  k.ctime_ns = ns(st.st_ctim);
  k.ino = st.st_ino;
  k.dev = st.st_dev;
  k.mode = st.st_mode;
  return k;
}

StatCache StatCache::load(const std::string& cache_dir, const std::string& tree_root, std::int64_t walk_start_ns) {
  StatCache c;
  c.file_ = cache_dir + "/" + sha256_of(tree_root).hex();
  c.walk_start_ns_ = walk_start_ns;
  auto bytes = fs::read_file(c.file_);
  if (!bytes.ok()) return c;
  if (auto records = parse_records<Record>(*bytes)) c.old_ = std::move(*records);
  return c;
}

StatCache StatCache::in_store(const store::Store& store, const std::string& tree_root, std::int64_t walk_start_ns) {
  return load(store.cache_dir() + "/stat", tree_root, walk_start_ns);
}

std::optional<std::vector<Digest>> StatCache::recorded_digests(const std::string& file) {
  auto bytes = fs::read_file(file);
  if (!bytes.ok()) return std::nullopt;
  auto records = parse_records<Record>(*bytes);
  if (!records) return std::nullopt;
  std::vector<Digest> out;
  for (const auto& [path, r] : *records) out.push_back(r.digest);
  return out;
}

std::optional<Digest> StatCache::lookup(const std::string& rel_path, const StatKey& key) const {
  auto it = old_.find(rel_path);
  if (it == old_.end() || !(it->second.key == key)) return std::nullopt;
  return it->second.digest;
}

void StatCache::record(const std::string& rel_path, const StatKey& key, const Digest& d) {
  if (key.mtime_ns >= walk_start_ns_ - kRacyWindowNs || key.ctime_ns >= walk_start_ns_ - kRacyWindowNs) return;
  fresh_[rel_path] = Record{key, d};
}

Status StatCache::save() const {
  if (fresh_ == old_) return {};
  std::string out(kMagic);
  le::put<std::uint64_t>(out, fresh_.size());
  for (const auto& [path, r] : fresh_) {
    le::put_str(out, path);
    le::put(out, r.key.size);
    le::put(out, r.key.mtime_ns);
    le::put(out, r.key.ctime_ns);
    le::put(out, r.key.ino);
    le::put(out, r.key.dev);
    le::put(out, r.key.mode);
    out.append(reinterpret_cast<const char*>(r.digest.bytes.data()), 32);
  }
  // A lost cache only costs re-hashing, so no fsync.
  return fs::atomic_write_file(file_, out, 0644, fs::Durability::NoFsync);
}

}  // namespace wimg::layers
