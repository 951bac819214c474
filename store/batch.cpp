#include "store/batch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <set>
#include <vector>

namespace wimg::store {

Batch::Batch(Store& store, BatchLimits limits) : store_(store), limits_(limits) {}

Batch::~Batch() { discard(); }

void Batch::discard() {
  if (dir_.empty()) return;
  for (const auto& d : pending_) ::unlink((dir_ + "/" + d.hex()).c_str());
  // Writers that failed mid-way leave numbered temp files; sweep them too.
  for (std::uint64_t i = 0; i < counter_; ++i) ::unlink((dir_ + "/w" + std::to_string(i)).c_str());
  ::rmdir(dir_.c_str());
  pending_.clear();
  dir_.clear();
}

Status Batch::ensure_dir() {
  if (!dir_.empty()) return {};
  std::random_device rd;
  for (int attempt = 0; attempt < 16; ++attempt) {
    char name[64];
    std::snprintf(name, sizeof name, "/batch-%d-%08x%08x", static_cast<int>(::getpid()), rd(), rd());
    std::string path = store_.tmp_dir() + name;
    if (::mkdir(path.c_str(), 0700) == 0) {
      dir_ = path;
      return {};
    }
    if (errno != EEXIST) return fs::os_error("cannot create", path, errno);
  }
  return make_error(ErrorKind::Io, "cannot create a batch directory in " + store_.tmp_dir());
}

Result<Batch::Writer> Batch::begin() {
  WIMG_TRY(ensure_dir());
  std::string path = dir_ + "/w" + std::to_string(counter_++);
  WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
  return Writer(this, path, std::move(fd));
}

Status Batch::Writer::write(const void* data, std::size_t n) {
  hash_.update(data, n);
  size_ += n;
  return fs::write_all(fd_.get(), data, n, path_);
}

Result<Digest> Batch::Writer::finish() {
  Digest d = hash_.finish();
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return fs::os_error("cannot stat", path_, errno);
  if (static_cast<std::uint64_t>(st.st_size) != size_) {
    ::unlink(path_.c_str());
    return make_error(ErrorKind::Io, "short write to " + path_);
  }
  if (::fchmod(fd_.get(), 0444) != 0) return fs::os_error("cannot chmod", path_, errno);
  fd_.reset();
  return batch_->adopt(path_, d, size_);
}

Result<Digest> Batch::adopt(const std::string& temp_path, const Digest& d, std::uint64_t size) {
  if (pending_.count(d) != 0 || store_.has(d)) {
    ::unlink(temp_path.c_str());
    return d;
  }
  std::string named = dir_ + "/" + d.hex();
  if (::rename(temp_path.c_str(), named.c_str()) != 0) return fs::os_error("cannot rename", temp_path, errno);
  pending_.insert(d);
  pending_bytes_ += size;
  WIMG_TRY(maybe_commit());
  return d;
}

Result<Digest> Batch::add_bytes(std::string_view bytes) {
  Digest d = sha256_of(bytes);
  if (pending_.count(d) != 0 || store_.has(d)) return d;
  WIMG_ASSIGN(Writer w, begin());
  // The digest is recomputed while writing: what lands is what was hashed.
  WIMG_TRY(w.write(bytes.data(), bytes.size()));
  WIMG_ASSIGN(Digest written, w.finish());
  if (written != d) return make_error(ErrorKind::Io, "content changed while being stored");
  return d;
}

Result<Digest> Batch::add_fd(int fd, std::string_view shown_path, std::uint64_t* size_out) {
  // Small files are read whole so an object that already exists is never
  // written again; large ones stream through a writer.
  constexpr std::size_t kWhole = 1 << 20;
  std::string buf;
  buf.resize(kWhole);
  std::size_t have = 0;
  for (;;) {
    ssize_t r = ::read(fd, buf.data() + have, kWhole - have);
    if (r < 0) {
      if (errno == EINTR) continue;
      return fs::os_error("cannot read", shown_path, errno);
    }
    if (r == 0) break;
    have += static_cast<std::size_t>(r);
    if (have == kWhole) break;
  }
  if (have < kWhole) {
    *size_out = have;
    return add_bytes(std::string_view(buf.data(), have));
  }
  WIMG_ASSIGN(Writer w, begin());
  WIMG_TRY(w.write(buf.data(), have));
  for (;;) {
    ssize_t r = ::read(fd, buf.data(), kWhole);
    if (r < 0) {
      if (errno == EINTR) continue;
      return fs::os_error("cannot read", shown_path, errno);
    }
    if (r == 0) break;
    WIMG_TRY(w.write(buf.data(), static_cast<std::size_t>(r)));
  }
  *size_out = w.size();
  return w.finish();
}

Status Batch::maybe_commit() {
  if (pending_.size() >= limits_.max_objects || pending_bytes_ >= limits_.max_bytes) return commit();
  return {};
}

Status Batch::commit() {
  if (pending_.empty()) return {};
  // One sync makes every pending file's data durable before any becomes visible.
  {
    WIMG_ASSIGN(fs::UniqueFd dfd, fs::open_file(dir_, O_RDONLY | O_DIRECTORY));
    if (::syncfs(dfd.get()) != 0) return fs::os_error("cannot sync filesystem of", dir_, errno);
  }
  std::vector<Digest> order(pending_.begin(), pending_.end());
  std::sort(order.begin(), order.end());
  std::set<std::string> shards;
  for (const auto& d : order) {
    WIMG_ASSIGN(bool created, store_.install_temp(dir_ + "/" + d.hex(), d));
    if (created) shards.insert(store_.shard_dir(d));
    pending_.erase(d);
  }
  for (const auto& s : shards) WIMG_TRY(fs::fsync_dir(s));
  pending_bytes_ = 0;
  return {};
}

}  // namespace wimg::store
