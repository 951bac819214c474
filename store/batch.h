// Batched object commits: like git's core.fsyncMethod=batch, thousands of
// small objects cost one filesystem sync instead of one fsync each.
//
// Objects are written into a private directory under tmp/, named by their
// digest once complete. commit() syncs the filesystem once (syncfs), then
// renames each into objects/ (no-overwrite) and fsyncs each touched shard
// directory once. Until commit() nothing is visible; if the process dies,
// the batch directory is garbage that prune removes. The destructor of an
// uncommitted batch removes its directory, so a failed import leaves the
// store unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

#include "store/store.h"

namespace wimg::store {

struct BatchLimits {
  std::size_t max_objects = 4096;            // commit automatically beyond this
  std::uint64_t max_bytes = 256ull << 20;  // ... or beyond this many pending bytes
};

class Batch {
 public:
  explicit Batch(Store& store, BatchLimits limits = {});
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Streaming writer for one object of unknown digest.
  class Writer {
   public:
    Status write(const void* data, std::size_t n);
    // Completes the object; the batch takes it over. Returns its digest.
    Result<Digest> finish();
    std::uint64_t size() const { return size_; }

   private:
    friend class Batch;
    Writer(Batch* batch, std::string path, fs::UniqueFd fd) : batch_(batch), path_(std::move(path)), fd_(std::move(fd)) {}
    Batch* batch_;
    std::string path_;
    fs::UniqueFd fd_;
    Sha256 hash_;
    std::uint64_t size_ = 0;
  };

  Result<Writer> begin();
  // Stores bytes held in memory (skips the write when the object exists).
  Result<Digest> add_bytes(std::string_view bytes);
  // Stores the remaining content of fd. *size_out receives the byte count.
  Result<Digest> add_fd(int fd, std::string_view shown_path, std::uint64_t* size_out);

  // Makes every pending object durable and visible.
  Status commit();
  std::size_t pending_objects() const { return pending_.size(); }

 private:
  Status ensure_dir();
  Result<Digest> adopt(const std::string& temp_path, const Digest& d, std::uint64_t size);
  Status maybe_commit();
  void discard();

  Store& store_;
  BatchLimits limits_;
  std::string dir_;  // empty until first object
  std::unordered_set<Digest, DigestHash> pending_;
  std::uint64_t pending_bytes_ = 0;
  std::uint64_t counter_ = 0;
};

}  // namespace wimg::store
