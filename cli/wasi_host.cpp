#include "cli/wasi_host.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "image/images.h"
#include "runtime/runner/embedded.h"
#include "support/errors.h"
#include "support/fs.h"

extern char** environ;

namespace wimg::cli {

bool is_executable_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// The first executable `name` in PATH, like execvp would pick.
std::optional<std::string> find_on_path(const std::string& name, const Context& ctx) {
  const char* path = ctx.getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    std::string cand = (dir.empty() ? "." : dir) + "/" + name;
    if (is_executable_file(cand)) return cand;
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

namespace {

// `node --version` of an executable, or "" if it does not answer.
std::string node_version(const std::string& node) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::string arg0 = node, arg1 = "--version";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, node.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  std::string out;
  if (rc == 0) {
    char buf[256];
    ssize_t n;
    while (out.size() < 4096 && ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))) {
      if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out.clear();
  }
  ::close(fds[0]);
  return out;
}

// A node >= 24 (older ones crash when a WASI guest grows its memory):
// $WIMG_NODE, else `node` on PATH. `tried` collects what was rejected and why.
std::optional<std::string> find_node(const Context& ctx, std::vector<std::string>& tried) {
  auto check = [&](const std::string& node, const std::string& what) -> bool {
    if (!is_executable_file(node)) {
      tried.push_back(what + " (" + node + "): not an executable file");
      return false;
    }
    std::string v = node_version(node);
    auto major = runner::node_major(v);
    if (!major) {
      tried.push_back(what + " (" + node + "): `--version` gave no node version");
      return false;
    }
    if (*major < 24) {
      while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
      tried.push_back(what + " (" + node + "): " + v + ", needs >= 24");
      return false;
    }
    return true;
  };
  if (const char* n = ctx.getenv("WIMG_NODE"); n != nullptr && *n != '\0') {
    if (check(n, "WIMG_NODE")) return std::string(n);
    ctx.warn("ignoring " + tried.back());
  } else {
    tried.push_back("WIMG_NODE: not set");
  }
  if (auto n = find_on_path("node", ctx)) {
    if (check(*n, "node on PATH")) return n;
  } else {
    tried.push_back("node: not on PATH");
  }
  return std::nullopt;
}

[[noreturn]] void no_node(const std::string& what, const std::vector<std::string>& tried) {
  std::string msg = what + "; tried:";
  for (const auto& t : tried) msg += "\n  " + t;
  msg +=
      "\ninstall wasmtime, wasmer or wasmedge, or node >= 24 (set WIMG_NODE=/path/to/node), or pick a host with "
      "--host NAME|PATH";
  throw Failure(ErrorKind::NotFound, msg);
}

}  // namespace

HostChoice choose_host(const std::string& flag, const Context& ctx) {
  std::vector<std::string> tried;
  if (flag.find('/') != std::string::npos) {
    runner::Host h = unwrap(runner::parse_host(flag.substr(flag.rfind('/') + 1)));
    if (!is_executable_file(flag)) throw Failure(ErrorKind::NotFound, "--host " + flag + ": not an executable file");
    return {h, flag};
  }
  if (!flag.empty()) {
    runner::Host h = unwrap(runner::parse_host(flag));
    if (h == runner::Host::Node) {
      if (auto n = find_node(ctx, tried)) return {h, *n};
      no_node("--host node: no node >= 24 found", tried);
    }
    if (auto p = find_on_path(flag, ctx)) return {h, *p};
    throw Failure(ErrorKind::NotFound, "--host " + flag + ": " + flag + " is not on PATH");
  }
  for (runner::Host h : runner::kHostOrder) {
    if (h == runner::Host::Node) break;
    std::string name(runner::host_name(h));
    if (auto p = find_on_path(name, ctx)) return {h, *p};
    tried.push_back(name + ": not on PATH");
  }
  if (auto n = find_node(ctx, tried)) return {runner::Host::Node, *n};
  no_node("no WASI host found", tried);
}

namespace {

// Writes `bytes` to `path` unless it already holds them (atomic: a
// concurrent run sees the old file or the new one).
void ensure_file(const std::string& path, std::string_view bytes) {
  if (fs::exists(path)) {
    auto have = fs::read_file(path);
    if (have.ok() && *have == bytes) return;
  }
  unwrap(fs::mkdirs(path.substr(0, path.rfind('/'))));
  unwrap(fs::atomic_write_file(path, bytes, 0644));
}

std::string runner_name() { return "wasi-run-" + sha256_of(runner::wasi_run_mjs()).hex().substr(0, 16) + ".mjs"; }

}  // namespace

std::string runner_script(const store::Store& store) {
  std::string path = store.cache_dir() + "/runner/" + runner_name();
  ensure_file(path, runner::wasi_run_mjs());
  return path;
}

Result<std::vector<std::string>> stale_runners(const store::Store& store) {
  const std::string ours = runner_name();
  // `wimg run` writes its runner without the store's lock: its write in progress stays.
  return image::stale_cache_files(store, "runner",
                                  [&](const std::string& n) { return n != ours && !n.starts_with(ours + ".tmp-"); });
}

}  // namespace wimg::cli
