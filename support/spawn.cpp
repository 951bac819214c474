#include "support/spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>

#include "support/fs.h"

extern char** environ;

namespace wimg {

TempDir::~TempDir() {
  std::error_code ec;
  if (!path.empty()) std::filesystem::remove_all(path, ec);
}

Result<int> run_logged(const std::vector<std::string>& argv, const std::string& log,
                       const std::vector<std::string>* env) {
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
  const int rc =
      posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), env != nullptr ? cenv.data() : environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return fs::os_error("cannot run", argv[0], rc);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fs::os_error("waitpid", argv[0], errno);
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::string log_tail(const std::string& path, std::size_t max) {
  auto text = fs::read_file(path);
  if (!text.ok()) return "";
  std::string t = *text;
  if (t.size() > max) t = "..." + t.substr(t.size() - max);
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t;
}

}  // namespace wimg
