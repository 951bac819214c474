// Batched object commits: like git's core.fsyncMethod=batch, thousands of
// small objects cost two filesystem syncs instead of one fsync each.
//
// Objects are written as complete, read-only temp files, hashed while
// written: beside their final name (".tmp-*" in the shard directory) when
// the digest is known first, else in a private directory under tmp/. commit() syncs the filesystem
// once (syncfs: every pending file's data is durable), renames each into
// objects/ without overwriting (an existing object with that name holds the
// same bytes), and syncs once more so the renames are durable — one journal
// commit instead of an fsync per shard directory. A batch of a few objects
// (kFsyncEachMax) is cheaper with an fsync each: syncfs also waits for
// everything else dirty on the file system. Until commit() nothing is
// visible; if the process dies, the batch directory is garbage that prune
// removes. Destroying an uncommitted batch removes its directory, so a
// failed import leaves the store unchanged.
//
// Thread-safe: several threads may add objects to one batch at once.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/store.h"

namespace wimg::store {

// Batches of at most this many objects are committed with an fsync per
// object instead of two syncfs (Batch::commit_each).
inline constexpr std::size_t kFsyncEachMax = 16;

struct BatchLimits {
  std::size_t max_objects = 4096;          // commit automatically beyond this
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
    // Appends n zero bytes without holding them in memory: hashed in small
    // chunks, left as a hole in the temp file (sparse archive members).
    Status write_zeros(std::uint64_t n);
    // Completes the object; the batch takes it over. Returns its digest.
    Result<Digest> finish();
    std::uint64_t size() const { return size_; }
    ~Writer();
    Writer(Writer&&) noexcept = default;
    Writer& operator=(Writer&&) = delete;
    Writer(const Writer&) = delete;

   private:
    friend class Batch;
    Writer(Batch* batch, std::string path, fs::UniqueFd fd) : batch_(batch), path_(std::move(path)), fd_(std::move(fd)) {}
    Batch* batch_;
    std::string path_;  // cleared once the batch has taken the file over
    fs::UniqueFd fd_;
    Sha256 hash_;
    std::uint64_t size_ = 0;
    bool ends_in_hole_ = false;  // the file must be extended to size_ at finish
  };

  Result<Writer> begin();
  // Stores bytes held in memory (skips the write when the object exists).
  Result<Digest> add_bytes(std::string_view bytes);
  // The same when the caller has just hashed them: d must be sha256(bytes)
  // (a reader that needs the digest first, in order, and hands the write to
  // another thread).
  Result<Digest> add_hashed(std::string_view bytes, const Digest& d);
  // Stores the rest of fd's content; `size_hint` (e.g. st_size) sizes the
  // read buffer. *size_out receives the byte count actually stored.
  Result<Digest> add_fd(int fd, std::string_view shown_path, std::uint64_t size_hint, std::uint64_t* size_out);

  // Makes every pending object durable and visible.
  Status commit();
  std::size_t pending_objects() const;

 private:
  Status ensure_dir();
  bool known(const Digest& d) const;  // pending or already stored
  Result<Digest> adopt(std::string temp_path, const Digest& d, std::uint64_t size);
  Status commit_locked();
  Status commit_each(const std::vector<std::pair<Digest, std::string>>& order);
  void discard();

  Store& store_;
  BatchLimits limits_;
  mutable std::mutex mu_;
  std::string dir_;  // empty until the first object
  std::unordered_map<Digest, std::string, DigestHash> pending_;  // digest -> complete temp file
  std::uint64_t pending_bytes_ = 0;
  std::uint64_t counter_ = 0;
  std::string tag_prefix_;  // "<pid>-<random>-": unique temp names across processes
};

}  // namespace wimg::store
