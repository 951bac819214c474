// Stat cache: lets a rebuild of an unchanged tree skip re-hashing, like
// git's index. One file per tree root under <store>/cache/stat/.
//
//   file   = "WIMGSTC1" count:u64le *record
//   record = path:str size:u64le mtime_ns:i64le ctime_ns:i64le ino:u64le
//            dev:u64le mode:u32le digest:32*OCTET
//   str    = len:u32le len*OCTET
//
// A hit needs every stat field to match. Racy entries (changed within
// kRacyWindowNs of the walk start, judged by mtime or ctime) are never
// saved: a write in the same timestamp tick after hashing would otherwise
// go unnoticed. A cache that fails to parse is ignored; it is only a cache.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "support/digest.h"
#include "support/result.h"

namespace wimg::store {
class Store;
}

namespace wimg::layers {

struct StatKey {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t ino = 0;
  std::uint64_t dev = 0;
  std::uint32_t mode = 0;
  bool operator==(const StatKey&) const = default;
  static StatKey from(const struct stat& st);
};

class StatCache {
 public:
  static constexpr std::int64_t kRacyWindowNs = 2'000'000'000;

  // Loads the cache for `tree_root` (an absolute path) from the store's
  // stat-cache directory (<store>/cache/stat/).
  static StatCache in_store(const store::Store& store, const std::string& tree_root, std::int64_t walk_start_ns);

  std::optional<Digest> lookup(const std::string& rel_path, const StatKey& key) const;
  void record(const std::string& rel_path, const StatKey& key, const Digest& d);
  // Writes the records of this walk (not stale ones) atomically; nothing
  // when they are the ones loaded (an unchanged tree's rebuild).
  Status save() const;
  // The content digests a cache file records; nullopt if it is unreadable
  // or not a stat cache. `wimg prune` drops a cache none of whose objects
  // survives (every hit would be re-hashed anyway: a hit needs its object).
  static std::optional<std::vector<Digest>> recorded_digests(const std::string& file);

 private:
  static StatCache load(const std::string& cache_dir, const std::string& tree_root, std::int64_t walk_start_ns);
  struct Record {
    StatKey key;
    Digest digest;
    bool operator==(const Record&) const = default;
  };
  std::string file_;
  std::int64_t walk_start_ns_ = 0;
  std::unordered_map<std::string, Record> old_;
  std::unordered_map<std::string, Record> fresh_;
};

}  // namespace wimg::layers
