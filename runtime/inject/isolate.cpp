#include "runtime/inject/isolate.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace wimg::inject {

namespace {

// Pipe protocol, child -> parent:
//   status:u8 (0 = ok, 1 = error) kind:u8 length:u64le bytes
// followed by end of file. Anything shorter means the child died.
bool write_all_fd(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void send_result(int fd, const Result<std::string>& r) {
  std::uint8_t head[10];
  const std::string& body = r.ok() ? r.value() : r.error().message;
  head[0] = r.ok() ? 0 : 1;
  head[1] = r.ok() ? 0 : static_cast<std::uint8_t>(r.error().kind);
  std::uint64_t n = body.size();
  for (int i = 0; i < 8; ++i) head[2 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  if (!write_all_fd(fd, head, sizeof head) || !write_all_fd(fd, body.data(), body.size())) _exit(3);
}

struct ThreadArgs {
  const std::function<Result<std::string>()>* work;
  int fd;
};

void* thread_main(void* p) {
  auto* args = static_cast<ThreadArgs*>(p);
  send_result(args->fd, (*args->work)());
  return nullptr;
}

[[noreturn]] void child(const std::function<Result<std::string>()>& work, int fd, int log_fd,
                        const IsolateOptions& opts) {
  // binaryen prints its complaints to stdout/stderr: keep them for the
  // parent's error message instead of the user's terminal.
  if (log_fd >= 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
  }
  ThreadArgs args{&work, fd};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, opts.stack_bytes);
  pthread_t t;
  if (pthread_create(&t, &attr, thread_main, &args) != 0) _exit(4);
  pthread_join(t, nullptr);
  ::close(fd);
  _exit(0);  // no atexit handlers, no flushing of the parent's stdio buffers
}

Result<std::string> read_all(int fd, std::string_view what) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorKind::Io, std::string(what) + ": cannot read from the worker process: " + std::strerror(errno));
    }
    if (r == 0) return out;
    out.append(buf, static_cast<std::size_t>(r));
  }
}

// The last non-empty line the child printed, for the error message.
std::string last_line_of(int log_fd) {
  if (log_fd < 0) return {};
  std::string text;
  char buf[4096];
  ::lseek(log_fd, 0, SEEK_SET);
  for (ssize_t r; (r = ::read(log_fd, buf, sizeof buf)) > 0;) {
    text.append(buf, static_cast<std::size_t>(r));
    if (text.size() > (1u << 20)) text.erase(0, text.size() - 4096);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto nl = text.find_last_of('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended abnormally";
}

}  // namespace

Result<std::string> run_isolated(const std::function<Result<std::string>()>& work, std::string_view what,
                                 const IsolateOptions& opts) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(ErrorKind::Io, std::string(what) + ": cannot create a pipe: " + std::strerror(errno));
  }
  // An anonymous file collects whatever the child prints.
  int log_fd = ::memfd_create("wimg-isolate-log", MFD_CLOEXEC);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    if (log_fd >= 0) ::close(log_fd);
    return make_error(ErrorKind::Io, std::string(what) + ": cannot fork: " + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    child(work, fds[1], log_fd, opts);
  }
  ::close(fds[1]);
  auto bytes = read_all(fds[0], what);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string said = last_line_of(log_fd);
  if (log_fd >= 0) ::close(log_fd);
  if (!bytes.ok()) return bytes;
  const std::string& b = *bytes;
  std::uint64_t n = 0;
  for (int i = 0; i < 8 && b.size() >= 10; ++i) n |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b[2 + i])) << (8 * i);
  bool complete = b.size() >= 10 && b.size() - 10 == n && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!complete) {
    std::string msg = std::string(what) + " failed: the worker process " + describe_exit(status);
    msg += said.empty() ? " (binaryen rejects malformed modules by aborting)" : ": " + said;
    return make_error(ErrorKind::Input, std::move(msg));
  }
  std::string body = b.substr(10);
  if (b[0] == 0) return body;
  return make_error(static_cast<ErrorKind>(static_cast<std::uint8_t>(b[1])), std::move(body));
}

}  // namespace wimg::inject
