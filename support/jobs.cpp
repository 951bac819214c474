#include "support/jobs.h"

namespace wimg {

void Jobs::add(std::function<Status()> job) {
  std::unique_lock lock(mu_);
  taken_.wait(lock, [&] { return queue_.size() < threads_; });
  queue_.push_back(std::move(job));
  if (running_ < threads_) {
    ++running_;
    pool_.emplace_back([this] { work(); });
  }
}

void Jobs::work() {
  std::unique_lock lock(mu_);
  while (!queue_.empty()) {
    auto job = std::move(queue_.front());
    queue_.pop_front();
    taken_.notify_all();
    if (error_) continue;  // skipped after a failure
    lock.unlock();
    Status st = job();
    lock.lock();
    if (!st && !error_) error_ = std::move(st).error();
  }
  --running_;
  idle_.notify_all();
}

Status Jobs::wait() {
  std::vector<std::thread> pool;
  {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [&] { return running_ == 0 && queue_.empty(); });
    pool.swap(pool_);
  }
  for (auto& t : pool) t.join();
  std::lock_guard lock(mu_);
  if (error_) return *error_;
  return {};
}

bool Jobs::failed() const {
  std::lock_guard lock(mu_);
  return error_.has_value();
}

}  // namespace wimg
