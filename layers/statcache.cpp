#include "layers/statcache.h"

#include <cstring>

#include "support/fs.h"

namespace wimg::layers {

namespace {
constexpr std::string_view kMagic = "WIMGSTC1";

template <typename T>
void put(std::string& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
}

template <typename T>
bool get(std::string_view b, std::size_t& pos, T* v) {
  if (b.size() - pos < sizeof(T)) return false;
  std::uint64_t x = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) x |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b[pos + i])) << (8 * i);
  *v = static_cast<T>(x);
  pos += sizeof(T);
  return true;
}

std::int64_t ns(const struct timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }
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
  std::string_view b = *bytes;
  if (!b.starts_with(kMagic)) return c;
  std::size_t pos = kMagic.size();
  std::uint64_t count = 0;
  if (!get(b, pos, &count)) return c;
  std::unordered_map<std::string, Record> records;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint32_t len = 0;
    if (!get(b, pos, &len) || b.size() - pos < len) return c;
    std::string path(b.substr(pos, len));
    pos += len;
    Record r;
    if (!get(b, pos, &r.key.size) || !get(b, pos, &r.key.mtime_ns) || !get(b, pos, &r.key.ctime_ns) ||
        !get(b, pos, &r.key.ino) || !get(b, pos, &r.key.dev) || !get(b, pos, &r.key.mode) || b.size() - pos < 32) {
      return c;
    }
    std::memcpy(r.digest.bytes.data(), b.data() + pos, 32);
    pos += 32;
    records.emplace(std::move(path), r);
  }
  c.old_ = std::move(records);
  return c;
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
  std::string out(kMagic);
  put<std::uint64_t>(out, fresh_.size());
  for (const auto& [path, r] : fresh_) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(path.size()));
    out += path;
    put(out, r.key.size);
    put(out, r.key.mtime_ns);
    put(out, r.key.ctime_ns);
    put(out, r.key.ino);
    put(out, r.key.dev);
    put(out, r.key.mode);
    out.append(reinterpret_cast<const char*>(r.digest.bytes.data()), 32);
  }
  // A lost cache only costs re-hashing, so no fsync.
  return fs::atomic_write_file(file_, out, 0644, fs::Durability::NoFsync);
}

}  // namespace wimg::layers
