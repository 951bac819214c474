// SHA-256 on a second thread, in the order given, while the caller hands
// the same bytes on (a stream into an output): the hash no longer adds to
// the copy's time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <thread>

#include "support/digest.h"

namespace wimg {

class HashBehind {
 public:
  HashBehind();
  ~HashBehind();
  HashBehind(const HashBehind&) = delete;
  HashBehind& operator=(const HashBehind&) = delete;

  // The caller keeps the bytes unchanged until wait_hashed(n) says the
  // first n chunks are done (or until finish).
  void add(std::string_view bytes);
  void wait_hashed(std::uint64_t n);
  Digest finish();  // every chunk added, hashed

 private:
  void run();
  Sha256 h_;
  std::mutex mu_;
  std::condition_variable more_, done_cv_;
  std::deque<std::string_view> queue_;
  std::uint64_t added_ = 0, hashed_ = 0;
  bool closing_ = false;
  std::thread worker_;  // last: starts after every other member exists
};

}  // namespace wimg
