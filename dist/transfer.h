// Parallel blob transfers (on support/jobs.h): how many at once, and the
// progress display push and pull share.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "support/jobs.h"
#include "support/result.h"

namespace wimg::dist {

// How many blobs move at once: like docker and skopeo (3 to 6), enough to
// overlap one blob's round trips and disk work with another's bytes.
constexpr unsigned kParallelTransfers = 4;

// What a transfer shows while bytes move. On a terminal: one status line
// on stderr, redrawn at most 10 times a second ("pull HOST/REPO:TAG 2/4
// blobs 12.1/20.6 MB [e64fa4c1 58%] [f5f6e129 12%]"), erased at the end;
// otherwise nothing until finish(), which prints one summary line. The
// bytes of blobs skipped (present, mounted) are not counted.
class Progress {
 public:
  Progress(std::ostream* err, bool tty, std::string what) : err_(err), tty_(tty), what_(std::move(what)) {}
  int start(const std::string& digest, std::uint64_t total);
  void update(int slot, std::uint64_t done);  // from libcurl's transfer callback
  void done(int slot);
  // The summary line ("pushed 4 blobs, 20.6 MB in 0.61 s"); `verb` says what moved.
  void finish(const std::string& verb);

 private:
  struct Slot {
    std::string label;
    std::uint64_t total = 0;
    std::uint64_t done = 0;
    bool finished = false;
  };
  void draw_locked(bool force);
  std::ostream* err_;
  bool tty_;
  std::string what_;
  std::mutex mu_;
  std::vector<Slot> slots_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point drawn_{};
  bool shown_ = false;
};

}  // namespace wimg::dist
