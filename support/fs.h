// Thin, checked wrappers over POSIX file APIs. Every failure becomes an
// Error naming the path and the OS reason, so callers never format errno.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/result.h"

namespace wimg::fs {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset();

 private:
  int fd_ = -1;
};

// "<what> <path>: <strerror(err)>", kind chosen from errno (ENOENT -> NotFound).
Error os_error(std::string_view what, std::string_view path, int err);

Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode = 0);
Result<UniqueFd> open_at(int dirfd, const std::string& name, int flags, mode_t mode, std::string_view shown_path);
Status write_all(int fd, const void* data, std::size_t n, std::string_view shown_path);
Result<std::string> read_file(const std::string& path);

// Bytes that stay valid while `owner` lives: a file mapped read-only (no
// copy into fresh, zeroed memory: a 16 MB prepared base costs no page
// clearing) or a string held.
struct Bytes {
  std::shared_ptr<const void> owner;
  std::string_view view;
};
// The whole file, mapped (MAP_PRIVATE, PROT_READ). Only for files nobody
// truncates (store objects are immutable).
Result<Bytes> map_file(const std::string& path);
Bytes hold(std::string s);
Result<std::string> read_fd(int fd, std::string_view shown_path);
Status mkdirs(const std::string& path, mode_t mode = 0755);
Status fsync_fd(int fd, std::string_view shown_path);
Status fsync_dir(const std::string& dir);
bool exists(const std::string& path);

enum class Durability { Fsync, NoFsync };

// The one atomic-file helper: write to a temp file in the target's directory,
// (fsync,) rename over the target, (fsync the directory). Readers see the old
// or the new content, never a mix. `mode` applies to the new file.
Status atomic_write_file(const std::string& path, std::string_view bytes, mode_t mode = 0644,
                         Durability durability = Durability::Fsync);

// Moves the finished temp file `tmp` over `path` for an output that is not
// fsynced (a build's .wasm): readers see the old file or the new one. When
// `path` is a regular file the two are exchanged (renameat2
// RENAME_EXCHANGE) and the old one is then unlinked: a plain rename over an
// existing file makes ext4 write the new file's data out first
// (auto_da_alloc), 19 ms for a 24 MB module against 7 ms. The price: after
// a power loss (not a crash of wimg) the new file may be empty, as a
// first build's output may be; a kill between the two steps leaves the old
// file at `tmp`. Anything else (no target, a file system without the flag)
// is a plain rename. `tmp` is unlinked on failure.
Status replace_file(const std::string& tmp, const std::string& path);

// Rename that never replaces an existing target. Returns true if renamed,
// false if the target already existed (the source is left in place).
Result<bool> rename_noreplace(const std::string& from, const std::string& to);

// Advisory whole-file lock held for the object's lifetime (flock: released
// by the kernel if the process dies, so a kill -9 never wedges the store).
class FileLock {
 public:
  enum class Mode { Shared, Exclusive };
  static Result<FileLock> acquire(const std::string& path, Mode mode);
  FileLock() = default;

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// "<pid>-<16 random hex>": names temp files and directories so that
// concurrent processes (and retries within one) never collide.
std::string unique_tag();

// A directory's entry names, without "." and ".." (unsorted).
Result<std::vector<std::string>> list_dir(const std::string& dir);

std::string join(std::string_view a, std::string_view b);
std::string dirname(std::string_view path);

// Absolute, symlink-resolved path of an existing file or directory.
Result<std::string> real_path(const std::string& path);

// A private temp directory removed with everything in it on every way out
// (the caller creates it; a failed removal is ignored: prune sweeps tmp/).
struct TempDir {
  std::string path;
  explicit TempDir(std::string p) : path(std::move(p)) {}
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
};

}  // namespace wimg::fs
