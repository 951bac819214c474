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
    queue_.push_back(Chunk{bytes, {}});
    ++added_;
  }
  more_.notify_one();
}

void HashBehind::add_copy(std::string_view bytes) {
  std::string buf;
  {
    std::unique_lock<std::mutex> l(mu_);
    done_cv_.wait(l, [&] { return copied_ == 0 || copied_ + bytes.size() <= kMaxCopied; });
    if (!spare_.empty()) {
      buf = std::move(spare_.back());
      spare_.pop_back();
    }
    copied_ += bytes.size();
  }
  buf.assign(bytes);  // outside the lock: the worker goes on hashing
  {
    std::lock_guard<std::mutex> l(mu_);
    // A deque never moves its elements on push_back, so the view set after
    // the move stays valid (a short string's bytes live inside it).
    Chunk& c = queue_.emplace_back();
    c.copy = std::move(buf);
    c.bytes = c.copy;
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
    const std::string_view b = queue_.front().bytes;
    l.unlock();
    h_.update(b.data(), b.size());
    l.lock();
    Chunk& done = queue_.front();
    copied_ -= done.copy.size();
    if (done.copy.capacity() >= 4096 && spare_.size() < 16) spare_.push_back(std::move(done.copy));
    queue_.pop_front();
    ++hashed_;
    done_cv_.notify_all();
  }
}

}  // namespace wimg
