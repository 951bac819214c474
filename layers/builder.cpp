#include "layers/builder.h"

#include "layers/index.h"
#include "layers/path.h"

namespace wimg::layers {

namespace {
constexpr std::string_view kWhPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

std::string join_path(std::string_view parent, std::string_view name) {
  if (parent.empty()) return std::string(name);
  std::string out(parent);
  out += '/';
  out += name;
  return out;
}
}  // namespace

Error LayerBuilder::error(std::string_view path, const std::string& why) const {
  return make_error(ErrorKind::Input, source_ + ": \"" + quote_path(path) + "\": " + why);
}

bool LayerBuilder::has_children(const std::string& path) const {
  auto it = entries_.lower_bound(path + "/");
  return it != entries_.end() && it->first.size() > path.size() && it->first.compare(0, path.size(), path) == 0 &&
         it->first[path.size()] == '/';
}

Status LayerBuilder::ensure_parents(std::string_view path) {
  std::string_view parent = parent_of(path);
  if (parent.empty()) return {};
  auto it = entries_.find(std::string(parent));
  if (it != entries_.end()) {
    if (it->second.kind == Kind::Dir || it->second.kind == Kind::Opaque) return {};
    return error(path, std::string("its parent is a ") + kind_name(it->second.kind) +
                           ", not a directory (nothing may be written through a " + kind_name(it->second.kind) + ")");
  }
  WIMG_TRY(ensure_parents(parent));
  Entry dir;
  dir.kind = Kind::Dir;
  dir.path = std::string(parent);
  dir.mode = 0755;
  entries_.emplace(dir.path, dir);
  return {};
}

Status LayerBuilder::check_replace(const Entry& existing, const Entry& incoming) const {
  bool old_dir = existing.kind == Kind::Dir || existing.kind == Kind::Opaque;
  bool new_dir = incoming.kind == Kind::Dir || incoming.kind == Kind::Opaque;
  if (existing.kind == Kind::Whiteout || incoming.kind == Kind::Whiteout) {
    if (existing.kind != incoming.kind) return error(incoming.path, "both a whiteout and an entry in the same layer");
  }
  if (old_dir && !new_dir && has_children(existing.path)) {
    return error(incoming.path, std::string("a non-empty directory cannot be replaced by a ") + kind_name(incoming.kind));
  }
  return {};
}

Status LayerBuilder::place(Entry e) {
  WIMG_TRY(check_path(e.path, source_ + ": " + e.path));
  WIMG_TRY(ensure_parents(e.path));
  auto it = entries_.find(e.path);
  if (it == entries_.end()) {
    entries_.emplace(e.path, std::move(e));
    return {};
  }
  WIMG_TRY(check_replace(it->second, e));
  // A directory seen again keeps its opaque marker; only its mode changes.
  if (it->second.kind == Kind::Opaque && e.kind == Kind::Dir) e.kind = Kind::Opaque;
  it->second = std::move(e);
  return {};
}

Status LayerBuilder::add_dir(const std::string& path, std::uint32_t mode) {
  std::string_view base = base_of(path);
  if (base.starts_with(kWhPrefix)) return error(path, "a whiteout name cannot be a directory");
  Entry e;
  e.kind = Kind::Dir;
  e.path = path;
  e.mode = mode & 0777;
  return place(std::move(e));
}

Status LayerBuilder::add_file(const std::string& path, std::uint32_t mode, const Digest& digest, std::uint64_t size) {
  std::string_view base = base_of(path);
  std::string_view parent = parent_of(path);
  if (base == kOpaqueMarker) {
    if (parent.empty()) return error(path, "an opaque marker at the layer root is not supported");
    WIMG_TRY(check_path(std::string(parent), source_));
    WIMG_TRY(ensure_parents(path));
    Entry& dir = entries_[std::string(parent)];
    dir.kind = Kind::Opaque;
    return {};
  }
  if (base.starts_with(kWhPrefix)) {
    std::string_view hidden = base.substr(kWhPrefix.size());
    if (hidden.empty() || hidden == "." || hidden == "..") return error(path, "whiteout names no entry");
    Entry e;
    e.kind = Kind::Whiteout;
    e.path = join_path(parent, hidden);
    return place(std::move(e));
  }
  Entry e;
  e.kind = Kind::File;
  e.path = path;
  e.mode = mode & 0777;
  e.size = size;
  e.digest = digest;
  return place(std::move(e));
}

Status LayerBuilder::add_symlink(const std::string& path, const std::string& target) {
  if (base_of(path).starts_with(kWhPrefix)) return error(path, "a whiteout name cannot be a symlink");
  if (target.empty()) return error(path, "symlink with an empty target");
  if (target.size() > kMaxPath) return error(path, "symlink target longer than 4095 bytes");
  Entry e;
  e.kind = Kind::Symlink;
  e.path = path;
  e.mode = 0777;
  e.target = target;
  e.size = target.size();
  return place(std::move(e));
}

Status LayerBuilder::add_hardlink(const std::string& path, const std::string& target_path) {
  auto it = entries_.find(target_path);
  if (it == entries_.end()) {
    return error(path, "hard link to \"" + quote_path(target_path) + "\", which is not earlier in the archive");
  }
  if (it->second.kind != Kind::File) {
    return error(path, "hard link to \"" + quote_path(target_path) + "\", which is a " + kind_name(it->second.kind));
  }
  Entry linked = it->second;
  return add_file(path, linked.mode, linked.digest, linked.size);
}

Result<std::vector<Entry>> LayerBuilder::finish() const {
  std::vector<Entry> out;
  out.reserve(entries_.size());
  for (const auto& [path, e] : entries_) out.push_back(e);
  WIMG_TRY(check_canonical(out, source_));
  return out;
}

}  // namespace wimg::layers
