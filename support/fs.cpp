#include "support/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include "support/hugepages.h"

namespace wimg::fs {

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Error os_error(std::string_view what, std::string_view path, int err) {
  ErrorKind kind = ErrorKind::Io;
  if (err == ENOENT) kind = ErrorKind::NotFound;
  std::string msg(what);
  msg += " ";
  msg += path;
  msg += ": ";
  msg += std::strerror(err);
  return make_error(kind, std::move(msg));
}

Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode) {
  return open_at(AT_FDCWD, path, flags, mode, path);
}

Result<UniqueFd> open_at(int dirfd, const std::string& name, int flags, mode_t mode, std::string_view shown_path) {
  for (;;) {
    int fd = ::openat(dirfd, name.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EINTR) return os_error("cannot open", shown_path, errno);
  }
}

Status write_all(int fd, const void* data, std::size_t n, std::string_view shown_path) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return os_error("cannot write", shown_path, errno);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return {};
}

Result<std::string> read_fd(int fd, std::string_view shown_path) {
  // Read straight into the result, sized from fstat (+1 so the EOF read
  // needs no growth): a 16 MB base costs one copy, not 256 appends and the
  // reallocations of a growing string.
  struct stat st;
  std::size_t cap = 65536;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0) cap = static_cast<std::size_t>(st.st_size) + 1;
  std::string out;
  out.reserve(cap);
  advise_huge_pages(out);
  out.resize(cap);
  std::size_t size = 0;
  for (;;) {
    if (size == out.size()) out.resize(out.size() * 2);
    ssize_t r = ::read(fd, out.data() + size, out.size() - size);
    if (r < 0) {
      if (errno == EINTR) continue;
      return os_error("cannot read", shown_path, errno);
    }
    if (r == 0) {
      out.resize(size);
      return out;
    }
    size += static_cast<std::size_t>(r);
  }
}

Result<std::string> read_file(const std::string& path) {
  WIMG_ASSIGN(UniqueFd fd, open_file(path, O_RDONLY));
  return read_fd(fd.get(), path);
}

Result<Bytes> map_file(const std::string& path) {
  WIMG_ASSIGN(UniqueFd fd, open_file(path, O_RDONLY));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return os_error("cannot stat", path, errno);
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) return hold(std::string());
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) return os_error("cannot map", path, errno);
  std::shared_ptr<const void> owner(p, [size](const void* q) { ::munmap(const_cast<void*>(q), size); });
  return Bytes{std::move(owner), std::string_view(static_cast<const char*>(p), size)};
}

Bytes hold(std::string s) {
  auto p = std::make_shared<const std::string>(std::move(s));
  const std::string_view v(*p);
  return Bytes{std::move(p), v};
}

Status mkdirs(const std::string& path, mode_t mode) {
  if (path.empty()) return {};
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return make_error(ErrorKind::Io, "cannot create directory " + path + ": a file is in the way");
  }
  std::string parent = dirname(path);
  if (parent != path) WIMG_TRY(mkdirs(parent, mode));
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return os_error("cannot create directory", path, errno);
  return {};
}

Status fsync_fd(int fd, std::string_view shown_path) {
  if (::fsync(fd) != 0) return os_error("cannot fsync", shown_path, errno);
  return {};
}

Status fsync_dir(const std::string& dir) {
  WIMG_ASSIGN(UniqueFd fd, open_file(dir, O_RDONLY | O_DIRECTORY));
  return fsync_fd(fd.get(), dir);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string unique_tag() {
  std::random_device rd;
  char tag[40];
  std::snprintf(tag, sizeof tag, "%d-%08x%08x", static_cast<int>(::getpid()), rd(), rd());
  return tag;
}

Result<std::vector<std::string>> list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return os_error("cannot read directory", dir, errno);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

Status atomic_write_file(const std::string& path, std::string_view bytes, mode_t mode, Durability durability) {
  std::string tmp = path + ".tmp-" + unique_tag();
  WIMG_ASSIGN(UniqueFd fd, open_file(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600));
  auto fail = [&](Error e) -> Status {
    ::unlink(tmp.c_str());
    return e;
  };
  if (auto s = write_all(fd.get(), bytes.data(), bytes.size(), tmp); !s) return fail(std::move(s).error());
  if (::fchmod(fd.get(), mode) != 0) return fail(os_error("cannot chmod", tmp, errno));
  if (durability == Durability::Fsync) {
    if (auto s = fsync_fd(fd.get(), tmp); !s) return fail(std::move(s).error());
  }
  fd.reset();
  if (durability == Durability::NoFsync) return replace_file(tmp, path);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(os_error("cannot rename into", path, errno));
  WIMG_TRY(fsync_dir(dirname(path)));
  return {};
}

Status replace_file(const std::string& tmp, const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    // `tmp` now names the old file. Its blocks are freed here rather than
    // by the rename; a failure only leaves it behind.
    ::unlink(tmp.c_str());
    return {};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return os_error("cannot rename into", path, err);
  }
  return {};
}

Result<bool> rename_noreplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS) return os_error("cannot rename into", to, errno);
  // Filesystems without RENAME_NOREPLACE: link() fails with EEXIST atomically.
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return true;
  }
  if (errno == EEXIST) return false;
  return os_error("cannot link into", to, errno);
}

Result<FileLock> FileLock::acquire(const std::string& path, Mode mode) {
  WIMG_ASSIGN(UniqueFd fd, open_file(path, O_RDWR | O_CREAT, 0644));
  int op = mode == Mode::Shared ? LOCK_SH : LOCK_EX;
  while (::flock(fd.get(), op) != 0) {
    if (errno != EINTR) return os_error("cannot lock", path, errno);
  }
  return FileLock(std::move(fd));
}

std::string join(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(a);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

std::string dirname(std::string_view path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string_view::npos) return ".";
  if (pos == 0) return "/";
  return std::string(path.substr(0, pos));
}

Result<std::string> real_path(const std::string& path) {
  char* r = ::realpath(path.c_str(), nullptr);
  if (r == nullptr) return os_error("cannot resolve", path, errno);
  std::string out(r);
  std::free(r);
  return out;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace wimg::fs
