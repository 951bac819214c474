#include "support/hash_behind.h"

namespace wimg {

HashBehind::HashBehind() : worker_([this] { run(); }) {}

HashBehind::~HashBehind() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closing_ = true;
  }
  more_.notify_one();
  worker_.join();
}

void HashBehind::add(std::string_view bytes) {
  {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(bytes);
    ++added_;
  }
  more_.notify_one();
}

void HashBehind::wait_hashed(std::uint64_t n) {
  std::unique_lock<std::mutex> l(mu_);
  done_cv_.wait(l, [&] { return hashed_ >= n; });
}

Digest HashBehind::finish() {
  std::uint64_t n;
  {
    std::lock_guard<std::mutex> l(mu_);
    n = added_;
  }
  wait_hashed(n);
  return h_.finish();
}

void HashBehind::run() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    more_.wait(l, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;
    const std::string_view b = queue_.front();
    l.unlock();
    h_.update(b.data(), b.size());
    l.lock();
    queue_.pop_front();
    ++hashed_;
    done_cv_.notify_all();
  }
}

}  // namespace wimg
