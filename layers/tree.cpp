#include "layers/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "layers/path.h"

namespace wimg::layers {

namespace {

struct Dir {
  fs::UniqueFd fd;
  std::string rel;    // "" for the root
  std::string shown;  // host path for messages
};

// getdents64 on the walk's own fd: readdir would need a dup and fdopendir
// (five more calls per directory, a thousand or so per rebuild of a
// stdlib-sized context). The fd's offset moves, which nothing else uses:
// the walk reaches children with *at calls.
Result<std::vector<std::string>> sorted_names(const Dir& dir) {
  std::vector<std::string> names;
  alignas(8) char buf[32768];
  for (;;) {
    const ssize_t n = ::getdents64(dir.fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fs::os_error("cannot read directory", dir.shown, errno);
    if (n == 0) break;
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const dirent64*>(buf + at);
      std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
      at += e->d_reclen;
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string child_rel(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

// Hashing and storing one regular file; runs on worker threads, so it only
// touches the batch (thread-safe) and its own result.
struct FileJob {
  std::string rel;    // opened beneath the root with this path
  std::string key;    // of the stat cache: the path within the context
  std::string layer;  // the entry's path in the layer
  std::string shown;  // host path for messages
  struct stat st;
  // Results
  Digest digest{};
  std::uint64_t size = 0;
  StatKey stored_key{};
  bool cacheable = false;
  std::optional<Error> error;
};

// Opens rel beneath root_fd refusing every symlink on the way (openat2
// RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH), so a tree changed during the walk
// cannot redirect the read outside the root. Kernels before 5.6 lack
// openat2: there the last component alone is protected by O_NOFOLLOW.
Result<fs::UniqueFd> open_beneath(int root_fd, const std::string& rel, const std::string& shown) {
  struct open_how how {};
  how.flags = O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) return fs::UniqueFd(static_cast<int>(fd));
    if (errno == EINTR || errno == EAGAIN) continue;
    if (errno == ENOSYS) break;
    return fs::os_error("cannot open", shown, errno);
  }
  return fs::open_at(root_fd, rel, O_RDONLY | O_NOFOLLOW | O_NOCTTY, 0, shown);
}

// openat2 RESOLVE_BENEATH (symlinks allowed inside root). Kernels before
// 5.6: the resolved real path must be below the real root.
Result<fs::UniqueFd> open_in_tree(const std::string& root, const std::string& rel, const std::string& shown) {
  WIMG_ASSIGN(fs::UniqueFd root_fd, fs::open_file(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  struct open_how how {};
  how.flags = O_RDONLY | O_NOCTTY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = ::syscall(SYS_openat2, root_fd.get(), rel.c_str(), &how, sizeof how);
    if (fd >= 0) return fs::UniqueFd(static_cast<int>(fd));
    if (errno == EINTR || errno == EAGAIN) continue;
    if (errno == ENOSYS) break;
    if (errno == EXDEV || errno == ELOOP) {
      return make_error(ErrorKind::Input, shown + ": a symbolic link that leads out of " + root + "; it is not read");
    }
    return fs::os_error("cannot open", shown, errno);
  }
  WIMG_ASSIGN(std::string real_root, fs::real_path(root));
  WIMG_ASSIGN(std::string real, fs::real_path(fs::join(root, rel)));
  if (!real.starts_with(real_root + "/")) {
    return make_error(ErrorKind::Input, shown + ": a symbolic link that leads out of " + root + "; it is not read");
  }
  return fs::open_file(real, O_RDONLY | O_NOCTTY | O_CLOEXEC);
}

void store_file(TreeWalk& w, int root_fd, FileJob& job) {
  const std::string& shown = job.shown;
  auto fd = open_beneath(root_fd, job.rel, shown);
  if (!fd.ok()) {
    job.error = std::move(fd).error();
    return;
  }
  struct stat now;
  if (::fstat(fd->get(), &now) != 0) {
    job.error = fs::os_error("cannot stat", shown, errno);
    return;
  }
  if (!S_ISREG(now.st_mode) || now.st_ino != job.st.st_ino) {
    job.error = make_error(ErrorKind::Input, shown + ": changed while being read");
    return;
  }
  auto d = w.batch.add_fd(fd->get(), shown, static_cast<std::uint64_t>(now.st_size), &job.size);
  if (!d.ok()) {
    job.error = std::move(d).error();
    return;
  }
  job.digest = *d;
  job.stored_key = StatKey::from(now);
  // A file that grew or shrank while being read would make the cache lie.
  job.cacheable = job.size == static_cast<std::uint64_t>(now.st_size);
}

// Runs fn(i) for i in [0, n) on up to `threads` threads (the caller's included).
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  unsigned extra = n < 8 || threads < 2 ? 0 : std::min<unsigned>(threads, static_cast<unsigned>(n)) - 1;
  for (unsigned t = 0; t < extra; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

// Hashes and stores every file the walk found, in parallel, then adds them
// to the builder in walk order. A stat-cache hit still checks that its
// object is in the store (a prune may have removed it); those checks run on
// the workers too, as they are most of what an unchanged tree costs.
Status add_files(TreeWalk& w, int root_fd, std::vector<FileJob>& jobs) {
  parallel_for(jobs.size(), w.opts.threads, [&](std::size_t k) {
    FileJob& job = jobs[k];
    if (w.cache != nullptr) {
      StatKey key = StatKey::from(job.st);
      if (auto d = w.cache->lookup(job.key, key); d && w.store.has(*d)) {
        job.digest = *d;
        job.size = key.size;
        job.stored_key = key;
        job.cacheable = true;
        return;
      }
    }
    store_file(w, root_fd, job);
  });
  for (auto& job : jobs) {
    if (job.error) return std::move(*job.error);
    if (w.cache != nullptr && job.cacheable) w.cache->record(job.key, job.stored_key, job.digest);
    WIMG_TRY(w.builder.add_file(job.layer, w.chmod.value_or(job.st.st_mode & 0777), job.digest, job.size));
  }
  return {};
}

Status add_symlink(TreeWalk& w, const Dir& dir, const std::string& name, const std::string& layer_path) {
  std::string target(kMaxPath + 1, '\0');
  ssize_t n = ::readlinkat(dir.fd.get(), name.c_str(), target.data(), target.size());
  std::string shown = fs::join(dir.shown, name);
  if (n < 0) return fs::os_error("cannot read link", shown, errno);
  if (static_cast<std::size_t>(n) > kMaxPath) return make_error(ErrorKind::Input, shown + ": link target too long");
  target.resize(static_cast<std::size_t>(n));
  return w.builder.add_symlink(layer_path, target);
}

// Phase one: directories and symlinks go to the builder at once; regular
// files are collected for phase two (add_files).
Status walk_dir(TreeWalk& w, const Dir& dir, std::vector<FileJob>& files) {
  WIMG_ASSIGN(auto names, sorted_names(dir));
  for (const auto& name : names) {
    std::string rel = child_rel(dir.rel, name);
    std::string ctx = child_rel(w.context_rel, rel);
    std::string layer = child_rel(w.dest, rel);
    std::string shown = fs::join(dir.shown, name);
    const bool by_ignore = w.ignore.excluded(ctx);
    const bool by_exclude = w.exclude != nullptr && w.exclude->excluded(rel);
    bool excluded = by_ignore || by_exclude;
    // Only what goes into the layer must have a valid name: an ignored
    // entry with, say, a non-UTF-8 name is skipped, not an error.
    if (excluded && ((by_ignore && !w.ignore.must_descend(ctx)) || (by_exclude && !w.exclude->must_descend(rel)))) {
      continue;
    }
    struct stat st;
    if (::fstatat(dir.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return fs::os_error("cannot stat", shown, errno);
    }
    if (excluded && !S_ISDIR(st.st_mode)) continue;
    WIMG_TRY(check_path(layer, shown));
    if (S_ISDIR(st.st_mode)) {
      // An excluded directory walked only for exceptions is not added itself;
      // its surviving children imply it.
      if (!excluded) WIMG_TRY(w.builder.add_dir(layer, w.chmod.value_or(st.st_mode & 0777)));
      WIMG_ASSIGN(fs::UniqueFd fd,
                  fs::open_at(dir.fd.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, shown));
      Dir sub{std::move(fd), rel, shown};
      WIMG_TRY(walk_dir(w, sub, files));
      continue;
    }
    if (excluded) continue;
    if (S_ISREG(st.st_mode)) {
      FileJob job;
      job.rel = rel;
      job.key = ctx;
      job.layer = layer;
      job.shown = shown;
      job.st = st;
      files.push_back(std::move(job));
    } else if (S_ISLNK(st.st_mode)) {
      WIMG_TRY(add_symlink(w, dir, name, layer));
    } else if (w.opts.warn) {
      w.opts.warn("skipping " + quote_path(shown) + ": not a regular file, directory or symlink");
    }
  }
  return {};
}

}  // namespace

Result<std::optional<std::string>> read_in_tree(const std::string& root, const std::string& rel,
                                                const std::string& shown) {
  auto fd = open_in_tree(root, rel, shown);
  if (!fd.ok()) {
    if (fd.error().kind == ErrorKind::NotFound) return std::optional<std::string>();
    return std::move(fd).error();
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return fs::os_error("cannot stat", shown, errno);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorKind::Input, shown + ": not a regular file");
  WIMG_ASSIGN(std::string text, fs::read_fd(fd->get(), shown));
  return std::optional<std::string>(std::move(text));
}

Status walk_tree(const std::string& root, TreeWalk& walk) {
  WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(root, O_RDONLY | O_DIRECTORY));
  int root_fd = fd.get();
  Dir top{std::move(fd), "", root};
  std::vector<FileJob> files;
  WIMG_TRY(walk_dir(walk, top, files));
  return add_files(walk, root_fd, files);
}

}  // namespace wimg::layers
