#include "store/batch.h"


#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <set>
#include <vector>

namespace wimg::store {

Batch::Batch(Store& store, BatchLimits limits)
    : store_(store), limits_(limits), tag_prefix_(fs::unique_tag() + "-") {}

Batch::~Batch() { discard(); }

void Batch::discard() {
  std::lock_guard lock(mu_);
  for (const auto& [d, temp] : pending_) ::unlink(temp.c_str());
  pending_.clear();
  if (dir_.empty()) return;
  // Only the failure path has files left: sweep whatever is in the directory.
  if (auto names = fs::list_dir(dir_); names.ok()) {
    for (const auto& n : *names) ::unlink((dir_ + "/" + n).c_str());
  }
  ::rmdir(dir_.c_str());
  dir_.clear();
}

Status Batch::ensure_dir() {
  if (!dir_.empty()) return {};
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string path = store_.tmp_dir() + "/batch-" + fs::unique_tag();
    if (::mkdir(path.c_str(), 0700) == 0) {
      dir_ = path;
      return {};
    }
    if (errno != EEXIST) return fs::os_error("cannot create", path, errno);
  }
  return make_error(ErrorKind::Io, "cannot create a batch directory in " + store_.tmp_dir());
}

Result<Batch::Writer> Batch::begin() {
  std::string path;
  {
    std::lock_guard lock(mu_);
    WIMG_TRY(ensure_dir());
    path = dir_ + "/w" + std::to_string(counter_++);
  }
  // Created read-only: the descriptor stays writable, the object never is.
  WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0444));
  return Writer(this, path, std::move(fd));
}

Batch::Writer::~Writer() {
  if (!path_.empty()) ::unlink(path_.c_str());  // abandoned half-written object
}

Status Batch::Writer::write(const void* data, std::size_t n) {
  hash_.update(data, n);
  size_ += n;
  ends_in_hole_ = ends_in_hole_ && n == 0;
  return fs::write_all(fd_.get(), data, n, path_);
}

Status Batch::Writer::write_zeros(std::uint64_t n) {
  if (n == 0) return {};
  static constexpr char kZeros[64 * 1024] = {};
  for (std::uint64_t left = n; left > 0;) {
    std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof kZeros));
    hash_.update(kZeros, k);
    left -= k;
  }
  if (::lseek(fd_.get(), static_cast<off_t>(n), SEEK_CUR) < 0) return fs::os_error("cannot seek in", path_, errno);
  size_ += n;
  ends_in_hole_ = true;
  return {};
}

Result<Digest> Batch::Writer::finish() {
  Digest d = hash_.finish();
  // write_all() either wrote every byte or failed: size_ is what the file holds
  // once a trailing hole is made part of it.
  if (ends_in_hole_ && ::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) {
    return fs::os_error("cannot extend", path_, errno);
  }
  fd_.reset();
  return batch_->adopt(std::exchange(path_, std::string()), d, size_);
}

bool Batch::known(const Digest& d) const {
  {
    std::lock_guard lock(mu_);
    if (pending_.count(d) != 0) return true;
  }
  return store_.has(d);  // a syscall: not under the lock
}

Result<Digest> Batch::adopt(std::string temp_path, const Digest& d, std::uint64_t size) {
  std::lock_guard lock(mu_);
  // Only the batch is checked here: an object that reached the store since
  // the caller looked is caught by install_temp's no-overwrite rename.
  if (pending_.count(d) != 0) {
    ::unlink(temp_path.c_str());
    return d;
  }
  pending_.emplace(d, std::move(temp_path));
  pending_bytes_ += size;
  if (pending_.size() >= limits_.max_objects || pending_bytes_ >= limits_.max_bytes) WIMG_TRY(commit_locked());
  return d;
}

Result<Digest> Batch::add_bytes(std::string_view bytes) { return add_hashed(bytes, sha256_of(bytes)); }

Result<Digest> Batch::add_hashed(std::string_view bytes, const Digest& d) {
  if (known(d)) return d;
  std::string tag;
  {
    std::lock_guard lock(mu_);
    tag = tag_prefix_ + std::to_string(counter_++);
  }
  // The digest is known: write beside the final name, so the commit's
  // rename stays inside one directory (cheap, and no filesystem-wide
  // cross-directory rename lock) and threads spread over 256 directories.
  WIMG_ASSIGN(auto temp, store_.make_shard_temp(d, tag));
  auto& [path, fd] = temp;
  if (auto st = fs::write_all(fd.get(), bytes.data(), bytes.size(), path); !st) {
    ::unlink(path.c_str());
    return std::move(st).error();
  }
  fd.reset();
  return adopt(std::move(path), d, bytes.size());
}

Result<Digest> Batch::add_fd(int fd, std::string_view shown_path, std::uint64_t size_hint,
                             std::uint64_t* size_out) {
  // Files up to kWhole are read whole, so an object that already exists is
  // never written again; larger ones stream through a writer.
  constexpr std::size_t kWhole = 1 << 20;
  std::size_t cap = static_cast<std::size_t>(std::min<std::uint64_t>(size_hint + 1, kWhole));
  std::unique_ptr<char[]> buf(new char[cap]);  // uninitialised on purpose
  std::size_t have = 0;
  for (;;) {
    ssize_t r = ::read(fd, buf.get() + have, cap - have);
    if (r < 0) {
      if (errno == EINTR) continue;
      return fs::os_error("cannot read", shown_path, errno);
    }
    if (r == 0) break;
    have += static_cast<std::size_t>(r);
    // All the bytes stat promised have arrived: skip the read that would only
    // report end of file. Like tar, a file growing during the walk is cut at
    // its stat size; its new mtime makes the next walk re-hash it.
    if (have == cap || have == size_hint) break;
  }
  if (have < cap) {
    *size_out = have;
    return add_bytes(std::string_view(buf.get(), have));
  }
  // The file is larger than the hint said (or than kWhole): stream it.
  WIMG_ASSIGN(Writer w, begin());
  WIMG_TRY(w.write(buf.get(), have));
  if (cap < kWhole) {
    cap = kWhole;
    buf.reset(new char[cap]);
  }
  for (;;) {
    ssize_t r = ::read(fd, buf.get(), cap);
    if (r < 0) {
      if (errno == EINTR) continue;
      return fs::os_error("cannot read", shown_path, errno);
    }
    if (r == 0) break;
    WIMG_TRY(w.write(buf.get(), static_cast<std::size_t>(r)));
  }
  *size_out = w.size();
  return w.finish();
}

std::size_t Batch::pending_objects() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

Status Batch::commit() {
  std::lock_guard lock(mu_);
  return commit_locked();
}

Status Batch::commit_locked() {
  if (pending_.empty()) return {};
  std::vector<std::pair<Digest, std::string>> order(pending_.begin(), pending_.end());
  std::sort(order.begin(), order.end());
  if (order.size() <= kFsyncEachMax) return commit_each(order);
  WIMG_ASSIGN(fs::UniqueFd dfd, fs::open_file(store_.root(), O_RDONLY | O_DIRECTORY));
  // First sync: every pending file's data is durable before any is visible.
  if (::syncfs(dfd.get()) != 0) return fs::os_error("cannot sync filesystem of", store_.root(), errno);
  for (auto& [d, temp] : order) {
    WIMG_TRY(store_.install_temp(temp, d));
    pending_.erase(d);
  }
  // Second sync: the renames themselves are durable.
  if (::syncfs(dfd.get()) != 0) return fs::os_error("cannot sync filesystem of", store_.root(), errno);
  pending_bytes_ = 0;
  return {};
}

// A few objects (an app layer of a rebuild): an fsync each and one per
// shard directory, as Store::put does. syncfs flushes everything dirty on
// the file system, other processes' writes too: 35-75 ms each on a busy
// machine against a few ms for the files of this batch alone.
Status Batch::commit_each(const std::vector<std::pair<Digest, std::string>>& order) {
  for (const auto& [d, temp] : order) {
    WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(temp, O_RDONLY));
    WIMG_TRY(fs::fsync_fd(fd.get(), temp));
  }
  std::set<std::string> dirs;
  for (const auto& [d, temp] : order) {
    WIMG_ASSIGN(bool created, store_.install_temp(temp, d));
    if (created) dirs.insert(store_.shard_dir(d));
    pending_.erase(d);
  }
  for (const std::string& dir : dirs) WIMG_TRY(fs::fsync_dir(dir));
  pending_bytes_ = 0;
  return {};
}

}  // namespace wimg::store
