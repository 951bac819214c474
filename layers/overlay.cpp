#include "layers/overlay.h"

#include <algorithm>
#include <vector>

namespace wimg::layers {

namespace {

bool is_dir(Kind k) { return k == Kind::Dir || k == Kind::Opaque; }

std::vector<std::string> split(std::string_view p) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    if (end > start) out.emplace_back(p.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

}  // namespace

const char* lookup_error_name(LookupError e) {
  switch (e) {
    case LookupError::None: return "OK";
    case LookupError::NoEntry: return "ENOENT";
    case LookupError::NotDir: return "ENOTDIR";
    case LookupError::Loop: return "ELOOP";
    case LookupError::NameTooLong: return "ENAMETOOLONG";
  }
  return "?";
}

void Overlay::erase_subtree(const std::string& path, bool keep_self) {
  if (!keep_self) entries_.erase(path);
  std::string prefix = path + "/";
  auto it = entries_.lower_bound(prefix);
  while (it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0) it = entries_.erase(it);
}

Overlay Overlay::merge(const std::vector<std::vector<Entry>>& layers) {
  Overlay o;
  for (const auto& layer : layers) o.push(layer);
  return o;
}

void Overlay::push(const std::vector<Entry>& layer) {
  const std::size_t li = layers_++;
  // Deletions first: they only ever hide what lower layers provided.
  for (const Entry& e : layer) {
    if (e.kind == Kind::Whiteout) erase_subtree(e.path, /*keep_self=*/false);
    if (e.kind == Kind::Opaque) erase_subtree(e.path, /*keep_self=*/true);
  }
  for (const Entry& e : layer) {
    if (e.kind == Kind::Whiteout) continue;
    MergedEntry m{e, li};
    if (e.kind == Kind::Opaque) m.entry.kind = Kind::Dir;
    auto it = entries_.find(e.path);
    if (it != entries_.end()) {
      bool both_dirs = is_dir(it->second.entry.kind) && is_dir(m.entry.kind);
      if (!both_dirs) erase_subtree(e.path, /*keep_self=*/true);
      it->second = std::move(m);
    } else {
      entries_.emplace(e.path, std::move(m));
    }
  }
}

const MergedEntry* Overlay::find(std::string_view path) const {
  if (path.empty()) return nullptr;
  auto it = entries_.find(std::string(path));
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const MergedEntry*> Overlay::children(std::string_view dir) const {
  std::vector<const MergedEntry*> out;
  std::string prefix = dir.empty() ? std::string() : std::string(dir) + "/";
  for (auto it = entries_.lower_bound(prefix); it != entries_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (it->first.find('/', prefix.size()) == std::string::npos) out.push_back(&it->second);
  }
  return out;
}

Overlay::Resolved Overlay::resolve(std::string_view path, bool follow_last) const {
  // A work list of components still to walk; symlink targets are spliced in
  // front of the remaining components.
  std::vector<std::string> todo = split(path);
  std::reverse(todo.begin(), todo.end());
  std::vector<std::string> at;  // components of the directory reached so far
  int hops = 0;
  bool trailing_slash = !path.empty() && path.back() == '/';
  while (!todo.empty()) {
    std::string comp = std::move(todo.back());
    todo.pop_back();
    if (comp == ".") continue;
    if (comp == "..") {
      if (!at.empty()) at.pop_back();  // the image root is its own parent
      continue;
    }
    if (comp.size() > 255) return {LookupError::NameTooLong, {}};
    at.push_back(comp);
    const MergedEntry* e = find(join(at));
    if (e == nullptr) return {LookupError::NoEntry, {}};
    bool last = todo.empty();
    if (e->entry.kind == Kind::Symlink && (!last || follow_last || trailing_slash)) {
      if (++hops > kMaxSymlinkHops) return {LookupError::Loop, {}};
      at.pop_back();
      const std::string& target = e->entry.target;
      if (!target.empty() && target.front() == '/') at.clear();
      auto parts = split(target);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
      continue;
    }
    if (!last && !is_dir(e->entry.kind)) return {LookupError::NotDir, {}};
    if (last && trailing_slash && !is_dir(e->entry.kind)) return {LookupError::NotDir, {}};
  }
  return {LookupError::None, join(at)};
}

}  // namespace wimg::layers
