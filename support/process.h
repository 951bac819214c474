// Running a child process with its output to a log file, optionally
// stopped after a time limit (`wimg import` takes a CRuby's library out by
// running it; `wimg build` runs RUN steps and Wizer for PREINIT).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "support/result.h"

namespace wimg::proc {

struct Exit {
  int status = 0;          // the exit code; 128+signal when killed by a signal
  bool timed_out = false;  // killed (SIGKILL) because it outlived the limit
};

// Runs argv[0] (a path, not looked up in PATH) with stdin from /dev/null
// and stdout and stderr into `log` (created 0600, truncated), in wimg's
// environment, or in `env` alone when given. With a limit, a child still
// running after it is killed and waited for (timed_out). Errors only when
// it cannot be started or waited.
Result<Exit> run_logged(const std::vector<std::string>& argv, const std::string& log,
                        std::optional<std::chrono::milliseconds> limit = std::nullopt,
                        const std::vector<std::string>* env = nullptr);

// The last `max` bytes of a log ("..." before a cut), trailing newlines
// dropped: what an error message quotes of a failed child.
std::string log_tail(const std::string& log, std::size_t max = 2000);

}  // namespace wimg::proc
