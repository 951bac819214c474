#include "dist/transfer.h"

#include <cstdio>

namespace wimg::dist {

namespace {
std::string megabytes(std::uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(n) / 1e6);
  return buf;
}
}  // namespace

int Progress::start(const std::string& digest, std::uint64_t total) {
  std::lock_guard lock(mu_);
  auto colon = digest.find(':');
  slots_.push_back(Slot{digest.substr(colon == std::string::npos ? 0 : colon + 1, 8), total, 0, false});
  draw_locked(false);
  return static_cast<int>(slots_.size() - 1);
}

void Progress::update(int slot, std::uint64_t done) {
  std::lock_guard lock(mu_);
  slots_[static_cast<std::size_t>(slot)].done = done;
  draw_locked(false);
}

void Progress::done(int slot) {
  std::lock_guard lock(mu_);
  auto& s = slots_[static_cast<std::size_t>(slot)];
  s.finished = true;
  s.done = s.total;
  draw_locked(true);
}

void Progress::draw_locked(bool force) {
  if (!tty_ || err_ == nullptr) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - drawn_ < std::chrono::milliseconds(100)) return;
  drawn_ = now;
  std::uint64_t done = 0, total = 0;
  std::size_t finished = 0;
  std::string active;
  for (const auto& s : slots_) {
    done += s.done;
    total += s.total;
    if (s.finished) {
      ++finished;
    } else if (active.size() < 60) {
      active += " [" + s.label + " " + std::to_string(s.total == 0 ? 0 : s.done * 100 / s.total) + "%]";
    }
  }
  *err_ << "\r\x1b[K" << what_ << " " << finished << "/" << slots_.size() << " blobs " << megabytes(done) << "/"
        << megabytes(total) << " MB" << active << std::flush;
  shown_ = true;
}

void Progress::finish(const std::string& verb) {
  std::lock_guard lock(mu_);
  if (err_ == nullptr) return;
  if (shown_) *err_ << "\r\x1b[K";
  std::uint64_t bytes = 0;
  for (const auto& s : slots_) bytes += s.done;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  char t[32];
  std::snprintf(t, sizeof t, "%.2f", secs);
  *err_ << what_ << ": " << verb << " " << slots_.size() << " blobs, " << megabytes(bytes) << " MB in " << t << " s\n"
        << std::flush;
}

}  // namespace wimg::dist
