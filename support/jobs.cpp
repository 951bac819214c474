#include "support/jobs.h"

namespace wimg {

void Jobs::add(std::function<Status()> job) {
  std::unique_lock lock(mu_);
  taken_.wait(lock, [&] { return queue_.size() < threads_; });
  queue_.push_back(std::move(job));
  // A worker per job until there are `threads` of them; they then stay
  // until wait(), so a stream of small jobs costs no thread per job.
  if (idle_workers_ == 0 && pool_.size() < threads_) {
    pool_.emplace_back([this] { work(); });
  } else {
    more_.notify_one();
  }
}

void Jobs::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (queue_.empty()) {
      if (closing_) return;
      ++idle_workers_;
      idle_.notify_all();
      more_.wait(lock, [&] { return !queue_.empty() || closing_; });
      --idle_workers_;
      continue;
    }
    auto job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    taken_.notify_all();
    if (!error_) {  // skipped after a failure
      lock.unlock();
      Status st = job();
      lock.lock();
      if (!st && !error_) error_ = std::move(st).error();
    }
    --busy_;
  }
}

Status Jobs::wait() {
  std::vector<std::thread> pool;
  {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [&] { return busy_ == 0 && queue_.empty(); });
    closing_ = true;
    more_.notify_all();
    pool.swap(pool_);
  }
  for (auto& t : pool) t.join();
  std::lock_guard lock(mu_);
  closing_ = false;  // usable again
  idle_workers_ = 0;
  if (error_) return *error_;
  return {};
}

bool Jobs::failed() const {
  std::lock_guard lock(mu_);
  return error_.has_value();
}

}  // namespace wimg
