#include "store/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "support/hash_behind.h"

namespace wimg::store {

namespace {
constexpr std::string_view kVersionLine = "wimg-store 1\n";

bool nonempty(const char* s) { return s != nullptr && *s != '\0'; }
}  // namespace

Result<std::string> resolve_root(const RootSources& src) {
  if (src.flag && !src.flag->empty()) return *src.flag;
  if (nonempty(src.wimg_store)) return std::string(src.wimg_store);
  if (nonempty(src.xdg_data_home)) return std::string(src.xdg_data_home) + "/wimg";
  if (nonempty(src.home)) return std::string(src.home) + "/.local/share/wimg";
  return make_error(ErrorKind::Usage, "no store location: set --store, WIMG_STORE, XDG_DATA_HOME or HOME");
}

Result<Store> Store::open(const std::string& root) {
  for (const char* sub : {"objects/sha256", "tmp", "cache/stat"}) {
    WIMG_TRY(fs::mkdirs(root + "/" + sub));
  }
  std::string version_path = root + "/version";
  auto version = fs::read_file(version_path);
  if (version.ok()) {
    if (*version != kVersionLine) {
      return make_error(ErrorKind::Corrupt, "store " + root + " has an unsupported version file " + version_path);
    }
  } else if (version.error().kind == ErrorKind::NotFound) {
    // A new store gets all 256 shard directories up front: writers never
    // race to create them, and a failed import adds no directory.
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 256; ++i) {
      std::string shard = root + "/objects/sha256/" + kHex[i >> 4] + kHex[i & 15];
      if (::mkdir(shard.c_str(), 0755) != 0 && errno != EEXIST) return fs::os_error("cannot create", shard, errno);
    }
    WIMG_TRY(fs::atomic_write_file(version_path, kVersionLine));
  } else {
    return std::move(version).error();
  }
  WIMG_ASSIGN(fs::UniqueFd objects, fs::open_file(root + "/objects/sha256", O_RDONLY | O_DIRECTORY));
  return Store(root, std::move(objects));
}

std::string Store::shard_dir(const Digest& d) const { return root_ + "/objects/sha256/" + d.hex().substr(0, 2); }

std::string Store::object_path(const Digest& d) const {
  std::string hex = d.hex();
  return root_ + "/objects/sha256/" + hex.substr(0, 2) + "/" + hex.substr(2);
}

bool Store::has(const Digest& d) const {
  std::string hex = d.hex();
  char rel[66];
  std::memcpy(rel, hex.data(), 2);
  rel[2] = '/';
  std::memcpy(rel + 3, hex.data() + 2, 62);
  rel[65] = '\0';
  struct stat st;
  return ::fstatat(objects_dir_->get(), rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Result<std::uint64_t> Store::size_of(const Digest& d) const {
  struct stat st;
  std::string path = object_path(d);
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return make_error(ErrorKind::NotFound, "object " + d.str() + " is not in the store");
    return fs::os_error("cannot stat", path, errno);
  }
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::string> Store::get(const Digest& d, bool verify) const {
  std::string path = object_path(d);
  auto bytes = fs::read_file(path);
  if (!bytes.ok()) {
    if (bytes.error().kind == ErrorKind::NotFound) {
      return make_error(ErrorKind::NotFound, "object " + d.str() + " is not in the store");
    }
    return bytes;
  }
  if (verify && sha256_of(*bytes) != d) return corrupt_error(d);
  return bytes;
}

Result<fs::Bytes> Store::get_mapped(const Digest& d) const {
  WIMG_ASSIGN(fs::Bytes bytes, map_unchecked(d));
  WIMG_TRY(check_mapped(d, bytes.view));
  return bytes;
}

Result<fs::Bytes> Store::map_unchecked(const Digest& d) const {
  auto bytes = fs::map_file(object_path(d));
  if (!bytes.ok() && bytes.error().kind == ErrorKind::NotFound) {
    return make_error(ErrorKind::NotFound, "object " + d.str() + " is not in the store");
  }
  return bytes;
}

Status Store::check_mapped(const Digest& d, std::string_view bytes) const {
  if (sha256_of(bytes) != d) return corrupt_error(d);
  return {};
}

namespace {

// Objects at least this large are hashed behind the stream (HashBehind):
// below it, a thread costs more than it saves.
constexpr std::uint64_t kHashBehindBytes = std::uint64_t{4} << 20;

}  // namespace

struct PendingCheck::Impl {
  const Store& store;
  Digest digest;
  fs::Bytes bytes;  // its owner keeps the mapping alive while it is hashed
  HashBehind hasher;
  std::optional<Status> result;
};

PendingCheck::PendingCheck() = default;

PendingCheck::PendingCheck(const Store& store, const Digest& d, fs::Bytes bytes)
    : impl_(new Impl{store, d, std::move(bytes), {}, std::nullopt}) {
  impl_->hasher.add(impl_->bytes.view);
}

PendingCheck::~PendingCheck() { (void)wait(); }

Status PendingCheck::wait() {
  if (!impl_) return {};
  if (!impl_->result) {
    impl_->result = impl_->hasher.finish() == impl_->digest ? Status() : Status(impl_->store.corrupt_error(impl_->digest));
  }
  return *impl_->result;
}

Status Store::stream(const Digest& d, const ChunkFn& chunk, std::size_t chunk_size) const {
  const std::string path = object_path(d);
  auto fd = fs::open_file(path, O_RDONLY);
  if (!fd.ok()) {
    if (fd.error().kind == ErrorKind::NotFound) {
      return make_error(ErrorKind::NotFound, "object " + d.str() + " is not in the store");
    }
    return std::move(fd).error();
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return fs::os_error("cannot stat", path, errno);
  std::uint64_t left = static_cast<std::uint64_t>(st.st_size);
  const auto buf_size = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk_size));
  // Two buffers when hashed behind: one is read into while the other may
  // still be hashed. Declared first: the hasher must stop before they go.
  const bool hash_behind = left >= kHashBehindBytes;
  std::string bufs[2] = {std::string(buf_size, '\0'), hash_behind ? std::string(buf_size, '\0') : std::string()};
  std::optional<HashBehind> behind;
  if (hash_behind) behind.emplace();
  Sha256 h;
  for (std::uint64_t n = 0; left > 0; ++n) {
    std::string& buf = bufs[behind ? n % 2 : 0];
    if (behind && n >= 2) behind->wait_hashed(n - 1);  // chunk n-2 was in this buffer
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
    std::size_t got = 0;
    while (got < want) {
      const ssize_t r = ::read(fd->get(), buf.data() + got, want - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return fs::os_error("cannot read", path, errno);
      if (r == 0) return corrupt_error(d);  // shrank while read: not the object it was
      got += static_cast<std::size_t>(r);
    }
    if (behind) {
      behind->add(std::string_view(buf.data(), want));
    } else {
      h.update(buf.data(), want);
    }
    WIMG_TRY(chunk(std::string_view(buf.data(), want)));
    left -= want;
  }
  if ((behind ? behind->finish() : h.finish()) != d) return corrupt_error(d);
  return {};
}

Result<std::string> Store::quarantine(const Digest& d) const {
  std::string to = tmp_dir() + "/corrupt-" + d.hex() + "-" + fs::unique_tag();
  if (::rename(object_path(d).c_str(), to.c_str()) != 0) return fs::os_error("cannot move aside", object_path(d), errno);
  return to;
}

Error Store::corrupt_error(const Digest& d) const {
  std::string msg = "object " + d.str() + " (" + object_path(d) + ") is corrupt: its content does not hash to its name";
  auto moved = quarantine(d);
  if (moved.ok()) {
    msg += "; moved aside to " + *moved + ", so adding the same content again restores it";
  } else {
    msg += " (" + moved.error().message + ")";
  }
  return make_error(ErrorKind::Corrupt, msg);
}

Result<std::pair<std::string, fs::UniqueFd>> Store::make_temp(std::string_view prefix) const {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string path = tmp_dir() + "/" + std::string(prefix) + fs::unique_tag();
    auto fd = fs::open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd.ok()) return std::make_pair(path, std::move(fd).value());
  }
  return make_error(ErrorKind::Io, "cannot create a temporary file in " + tmp_dir());
}

Result<bool> Store::install_temp(const std::string& temp_path, const Digest& d) {
  std::string target = object_path(d);
  auto renamed = fs::rename_noreplace(temp_path, target);
  if (!renamed.ok() && renamed.error().kind == ErrorKind::NotFound) {
    WIMG_TRY(fs::mkdirs(shard_dir(d)));
    renamed = fs::rename_noreplace(temp_path, target);
  }
  if (!renamed.ok()) return renamed;
  if (!*renamed) ::unlink(temp_path.c_str());  // same bytes already stored
  return renamed;
}

Result<Digest> Store::put(std::string_view bytes) {
  Digest d = sha256_of(bytes);
  if (has(d)) return d;
  WIMG_ASSIGN(auto temp, make_temp("put-"));
  auto& [path, fd] = temp;
  auto fail = [&](Error e) -> Result<Digest> {
    ::unlink(path.c_str());
    return e;
  };
  if (auto s = fs::write_all(fd.get(), bytes.data(), bytes.size(), path); !s) return fail(std::move(s).error());
  if (::fchmod(fd.get(), 0444) != 0) return fail(fs::os_error("cannot chmod", path, errno));
  if (auto s = fs::fsync_fd(fd.get(), path); !s) return fail(std::move(s).error());
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) != bytes.size()) {
    return fail(make_error(ErrorKind::Io, "short write to " + path));
  }
  fd.reset();
  WIMG_ASSIGN(bool created, install_temp(path, d));
  if (created) WIMG_TRY(fs::fsync_dir(shard_dir(d)));
  return d;
}

Result<Digest> Store::put_temp(const std::string& temp_path, fs::UniqueFd fd) {
  auto fail = [&](Error e) -> Result<Digest> {
    ::unlink(temp_path.c_str());
    return e;
  };
  // make_temp's fd is write-only: the bytes are read back through another.
  auto in = fs::open_file(temp_path, O_RDONLY);
  if (!in.ok()) return fail(std::move(in).error());
  Sha256 h;
  std::string buf(std::size_t{1} << 20, '\0');
  for (off_t at = 0;;) {
    const ssize_t r = ::pread(in->get(), buf.data(), buf.size(), at);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(fs::os_error("cannot read", temp_path, errno));
    if (r == 0) break;
    h.update(buf.data(), static_cast<std::size_t>(r));
    at += r;
  }
  const Digest d = h.finish();
  if (::fchmod(fd.get(), 0444) != 0) return fail(fs::os_error("cannot chmod", temp_path, errno));
  if (auto s = fs::fsync_fd(fd.get(), temp_path); !s) return fail(std::move(s).error());
  fd.reset();
  auto created = install_temp(temp_path, d);
  if (!created.ok()) return fail(std::move(created).error());
  if (*created) WIMG_TRY(fs::fsync_dir(shard_dir(d)));
  return d;
}

Result<fs::FileLock> Store::writer_lock() const {
  return fs::FileLock::acquire(root_ + "/lock", fs::FileLock::Mode::Shared);
}

Result<fs::FileLock> Store::exclusive_lock() const {
  return fs::FileLock::acquire(root_ + "/lock", fs::FileLock::Mode::Exclusive);
}

namespace {
using fs::list_dir;

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status remove_tree(const std::string& path, std::uint64_t* count) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT ? Status{} : fs::os_error("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) {
    WIMG_ASSIGN(auto names, list_dir(path));
    for (const auto& n : names) WIMG_TRY(remove_tree(path + "/" + n, count));
    if (::rmdir(path.c_str()) != 0) return fs::os_error("cannot remove", path, errno);
    return {};
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fs::os_error("cannot remove", path, errno);
  ++*count;
  return {};
}
}  // namespace

Status Store::for_each_object(const std::function<Status(const Digest&, const std::string&)>& fn) const {
  std::string base = root_ + "/objects/sha256";
  WIMG_ASSIGN(auto shards, list_dir(base));
  std::sort(shards.begin(), shards.end());
  for (const auto& shard : shards) {
    std::string shard_path = base + "/" + shard;
    WIMG_ASSIGN(auto names, list_dir(shard_path));
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (name.starts_with(kShardTempPrefix)) continue;  // in-flight or crash leftover
      std::string path = shard_path + "/" + name;
      auto d = Digest::parse(shard + name, /*allow_bare=*/true);
      if (shard.size() != 2 || !is_hex(shard) || !d.ok()) {
        return make_error(ErrorKind::Corrupt, "unexpected file in the object store: " + path);
      }
      WIMG_TRY(fn(*d, path));
    }
  }
  return {};
}

Status Store::remove_object(const Digest& d) {
  std::string path = object_path(d);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fs::os_error("cannot remove", path, errno);
  return {};
}

Result<std::vector<std::string>> Store::temp_entries() const {
  WIMG_ASSIGN(auto names, list_dir(tmp_dir()));
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(tmp_dir() + "/" + n);
  std::string base = root_ + "/objects/sha256";
  WIMG_ASSIGN(auto shards, list_dir(base));
  for (const auto& shard : shards) {
    WIMG_ASSIGN(auto files, list_dir(base + "/" + shard));
    for (const auto& f : files) {
      if (f.starts_with(kShardTempPrefix)) out.push_back(base + "/" + shard + "/" + f);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::uint64_t> Store::count_tmp() const {
  WIMG_ASSIGN(auto entries, temp_entries());
  return static_cast<std::uint64_t>(entries.size());
}

Result<std::uint64_t> Store::clear_tmp() {
  WIMG_ASSIGN(auto entries, temp_entries());
  std::uint64_t files = 0;
  for (const auto& e : entries) WIMG_TRY(remove_tree(e, &files));
  return static_cast<std::uint64_t>(entries.size());
}

Result<std::pair<std::string, fs::UniqueFd>> Store::make_shard_temp(const Digest& d, std::string_view tag) const {
  std::string dir = shard_dir(d);
  std::string path = dir + "/" + std::string(kShardTempPrefix) + std::string(tag);
  // Created read-only: the descriptor stays writable, the object never is.
  auto fd = fs::open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0444);
  if (!fd.ok() && fd.error().kind == ErrorKind::NotFound) {
    WIMG_TRY(fs::mkdirs(dir));
    fd = fs::open_file(path, O_WRONLY | O_CREAT | O_EXCL, 0444);
  }
  if (!fd.ok()) return std::move(fd).error();
  return std::make_pair(path, std::move(fd).value());
}

Result<std::map<std::string, Digest>> Store::read_refs() const {
  std::string path = root_ + "/refs.json";
  auto text = fs::read_file(path);
  std::map<std::string, Digest> refs;
  if (!text.ok()) {
    if (text.error().kind == ErrorKind::NotFound) return refs;
    return std::move(text).error();
  }
  auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("refs") || !j["refs"].is_object()) {
    return make_error(ErrorKind::Corrupt, "refs file " + path + " is not valid: expected {\"refs\":{...}}");
  }
  for (auto& [name, value] : j["refs"].items()) {
    if (!value.is_string()) return make_error(ErrorKind::Corrupt, "refs file " + path + ": ref " + name + " is not a string");
    auto d = Digest::parse(value.get<std::string>());
    if (!d.ok()) return make_error(ErrorKind::Corrupt, "refs file " + path + ": ref " + name + ": " + d.error().message);
    refs.emplace(name, *d);
  }
  return refs;
}

Status Store::update_refs(const std::function<Status(std::map<std::string, Digest>&)>& fn) {
  WIMG_ASSIGN(auto lock, fs::FileLock::acquire(root_ + "/refs.lock", fs::FileLock::Mode::Exclusive));
  WIMG_ASSIGN(auto refs, read_refs());
  const auto before = refs;
  WIMG_TRY(fn(refs));
  if (refs == before && fs::exists(root_ + "/refs.json")) return {};  // a re-tag: nothing to write
  nlohmann::json j;
  j["refs"] = nlohmann::json::object();
  for (const auto& [name, d] : refs) j["refs"][name] = d.str();
  return fs::atomic_write_file(root_ + "/refs.json", j.dump(2) + "\n");
}

}  // namespace wimg::store
