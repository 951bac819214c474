// SHA-256 on a second thread, in the order given, while the caller hands
// the same bytes on (a stream into an output): the hash no longer adds to
// the copy's time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/digest.h"

namespace wimg {

class HashBehind {
 public:
  HashBehind();
  ~HashBehind();
  HashBehind(const HashBehind&) = delete;
  HashBehind& operator=(const HashBehind&) = delete;

  // Borrowed: the caller keeps the bytes unchanged until wait_hashed(n)
  // says the first n chunks are done (or until finish).
  void add(std::string_view bytes);
  // Copied, for a caller whose buffer is reused at once (a writer's
  // batches). Waits while more than kMaxCopied bytes are queued, so a
  // slow hash bounds memory instead of growing it.
  void add_copy(std::string_view bytes);
  void wait_hashed(std::uint64_t n);
  Digest finish();  // every chunk added, hashed

  static constexpr std::size_t kMaxCopied = std::size_t{8} << 20;

 private:
  struct Chunk {
    std::string_view bytes;
    std::string copy;  // owns `bytes` when copied
  };
  void run();
  Sha256 h_;
  std::mutex mu_;
  std::condition_variable more_, done_cv_;
  std::deque<Chunk> queue_;
  std::vector<std::string> spare_;  // hashed copies' buffers, reused: no fresh pages to fault in
  std::uint64_t added_ = 0, hashed_ = 0;
  std::size_t copied_ = 0;  // bytes of copies queued
  bool closing_ = false;
  std::thread worker_;  // last: starts after every other member exists
};

}  // namespace wimg
