// Running a helper program to completion with its output kept (Wizer for
// PREINIT, node for taking a base's tree out): the callers show the tail
// of the log when it fails.
#pragma once

#include <string>
#include <vector>

#include "support/result.h"

namespace wimg {

// A directory removed with everything in it when this goes.
struct TempDir {
  std::string path;
  ~TempDir();
};

// Runs argv[0] (a path, not looked up) with stdin from /dev/null and
// stdout + stderr into the file `log`; `env` is its whole environment
// (nullptr: this process's). The exit status, 128 + the signal when killed.
Result<int> run_logged(const std::vector<std::string>& argv, const std::string& log,
                       const std::vector<std::string>* env = nullptr);

// The last `max` bytes of a log ("..." before them when cut), without
// trailing newlines; "" when unreadable.
std::string log_tail(const std::string& path, std::size_t max = 2000);

}  // namespace wimg
