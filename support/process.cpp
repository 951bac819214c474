#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "support/fs.h"

extern char** environ;

namespace wimg::proc {

namespace {

// Waits until the child has exited or `deadline` passed (false). A pidfd
// (Linux 5.3) wakes us at the exit; without one we poll every 10 ms.
bool wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  while (true) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
      if (pidfd >= 0) ::close(pidfd);
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      if (pidfd >= 0) ::close(pidfd);
      return false;
    }
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    } else {
      ::usleep(10000);
    }
  }
}

}  // namespace

Result<Exit> run_logged(const std::vector<std::string>& argv, const std::string& log,
                        std::optional<std::chrono::milliseconds> limit, const std::vector<std::string>* env) {
  std::vector<char*> cargv, cenv;
  for (const auto& s : argv) cargv.push_back(const_cast<char*>(s.c_str()));
  cargv.push_back(nullptr);
  if (env != nullptr) {
    for (const auto& s : *env) cenv.push_back(const_cast<char*>(s.c_str()));
    cenv.push_back(nullptr);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  const int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), env != nullptr ? cenv.data() : environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return fs::os_error("cannot run", argv[0], rc);
  Exit out;
  if (limit && !wait_until(pid, start + *limit)) {
    ::kill(pid, SIGKILL);
    out.timed_out = true;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fs::os_error("waitpid", argv[0], errno);
  }
  out.status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return out;
}

std::string log_tail(const std::string& log, std::size_t max) {
  auto text = fs::read_file(log);
  if (!text.ok()) return "";
  std::string t = *text;
  if (t.size() > max) t = "..." + t.substr(t.size() - max);
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

}  // namespace wimg::proc
