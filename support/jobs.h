// A bounded pool of worker threads for independent jobs that may fail.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "support/result.h"

namespace wimg {

// Runs jobs on up to `threads` threads as they are added; add() waits
// while `threads` jobs are already queued, which bounds what the queued
// jobs hold (blobs, file contents). The first failure is kept; jobs not yet
// started are skipped after it. wait() (or the destructor) joins every
// thread. Used by parallel blob transfers (dist/) and archive members'
// object writes (layers/archive.cpp).
class Jobs {
 public:
  explicit Jobs(unsigned threads) : threads_(threads == 0 ? 1 : threads) {}
  ~Jobs() { (void)wait(); }
  Jobs(const Jobs&) = delete;
  Jobs& operator=(const Jobs&) = delete;

  void add(std::function<Status()> job);
  // Every job added so far has finished; the first error, if any.
  Status wait();
  bool failed() const;

 private:
  void work();
  unsigned threads_;
  mutable std::mutex mu_;
  std::condition_variable idle_;   // a worker has nothing to do
  std::condition_variable taken_;  // a job left the queue
  std::condition_variable more_;   // a job arrived, or wait() is closing
  std::deque<std::function<Status()>> queue_;
  std::vector<std::thread> pool_;
  std::size_t idle_workers_ = 0;
  unsigned busy_ = 0;
  bool closing_ = false;
  std::optional<Error> error_;
};

}  // namespace wimg
