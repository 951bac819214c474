#include "recipe/copy.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <functional>

#include "layers/archive.h"
#include "layers/path.h"
#include "layers/tree.h"
#include "support/fs.h"

namespace wimg::recipe {

namespace {

using Lister = std::function<std::vector<std::string>(const std::string& dir)>;

std::string child(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

bool has_glob(std::string_view s) { return s.find_first_of("*?[\\") != std::string_view::npos; }

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// Expands a cleaned source: components with wildcards are matched against
// the names `list` gives (sorted), the others taken as they are (their
// existence is checked by the caller).
std::vector<std::string> expand(const std::string& source, const Lister& list) {
  std::vector<std::string> current{""};
  for (const std::string& comp : split(source)) {
    std::vector<std::string> next;
    for (const std::string& dir : current) {
      if (!has_glob(comp)) {
        next.push_back(child(dir, comp));
        continue;
      }
      for (const std::string& name : list(dir)) {
        if (::fnmatch(comp.c_str(), name.c_str(), 0) == 0) next.push_back(child(dir, name));
      }
    }
    current = std::move(next);
  }
  return current;
}

Error fail(ErrorKind kind, const CopyRequest& req, const std::string& why) {
  return make_error(kind, req.where + ": " + why);
}

// The layer path of the destination ("" = the root) and whether it names a
// directory for the given number of sources (Docker's rule).
struct Dest {
  std::string path;
  bool is_dir = false;
};

Result<Dest> dest_of(const CopyRequest& req, std::size_t matches) {
  Dest d;
  const bool slash = req.dest.ends_with('/');
  auto clean = clean_source(req.dest);
  if (!clean) return fail(ErrorKind::Input, req, "bad destination " + req.dest);
  d.path = *clean;
  d.is_dir = slash || d.path.empty() || matches > 1;
  if (matches > 1 && !slash) {
    return fail(ErrorKind::Input, req,
                "the sources match " + std::to_string(matches) + " files: the destination must end in \"/\"");
  }
  return d;
}

Result<layers::IgnoreRules> exclude_rules(const CopyRequest& req) {
  std::string text;
  for (const auto& e : req.excludes) text += e + "\n";
  return layers::IgnoreRules::parse(text, req.where + " --exclude");
}

// One selected context path after symlinks: its path within the context.
struct Selected {
  std::string rel;
  struct stat st;
};

Result<Selected> resolve_in_context(const BuildContext& ctx, const CopyRequest& req, const std::string& rel,
                                    const std::string& as_written) {
  const std::string host = rel.empty() ? ctx.real_root : fs::join(ctx.real_root, rel);
  if (!rel.empty() && ctx.ignore.excluded(rel)) {
    return fail(ErrorKind::NotFound, req, as_written + ": not in the build context (excluded by .wimgignore)");
  }
  auto real = fs::real_path(host);
  if (!real.ok()) {
    if (real.error().kind == ErrorKind::NotFound) {
      return fail(ErrorKind::NotFound, req, as_written + ": no such file or directory in the build context " + ctx.root);
    }
    return fail(real.error().kind, req, real.error().message);
  }
  const std::string& r = *real;
  std::string inside;
  if (r == ctx.real_root) {
    inside = "";
  } else if (r.starts_with(ctx.real_root + "/")) {
    inside = r.substr(ctx.real_root.size() + 1);
  } else {
    // Where it leads is not said: that would echo a path outside the context.
    return fail(ErrorKind::Input, req, as_written + ": a symlink leads outside the build context");
  }
  Selected s{inside, {}};
  if (::stat(r.c_str(), &s.st) != 0) return fail(ErrorKind::Io, req, fs::os_error("cannot stat", r, errno).message);
  return s;
}

Status add_context_file(store::Batch& batch, const BuildContext& ctx, const CopyRequest& req, const Selected& s,
                        const std::string& layer_path, store::Store& store, layers::LayerBuilder& builder) {
  const std::string host = fs::join(ctx.real_root, s.rel);
  const layers::StatKey key = layers::StatKey::from(s.st);
  std::optional<Digest> digest;
  if (ctx.stat_cache != nullptr) {
    if (auto d = ctx.stat_cache->lookup(s.rel, key); d && store.has(*d)) digest = *d;
  }
  std::uint64_t size = key.size;
  if (!digest) {
    WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(host, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    WIMG_ASSIGN(Digest d, batch.add_fd(fd.get(), host, key.size, &size));
    digest = d;
  }
  // A hit is recorded too: the cache is saved with this build's records
  // only, so one left out would be re-hashed by the next build.
  if (ctx.stat_cache != nullptr && size == key.size) ctx.stat_cache->record(s.rel, key, *digest);
  (void)req;
  return builder.add_file(layer_path, req.chmod.value_or(s.st.st_mode & 0777), *digest, size);
}

// ADD of an archive: its entries are read into a builder of their own, then
// placed below the destination (whiteout names re-applied as written).
Status add_archive(store::Batch& batch, const BuildContext& ctx, const CopyRequest& req, const std::string& host,
                   const std::string& dest, layers::LayerBuilder& builder) {
  layers::LayerBuilder inner(req.where + ": " + host);
  WIMG_TRY(layers::read_archive(host, batch, inner, ctx.opts));
  WIMG_ASSIGN(auto entries, inner.finish());
  if (!dest.empty()) WIMG_TRY(builder.add_dir(dest, req.chmod.value_or(0755)));
  for (const auto& e : entries) {
    const std::string p = child(dest, e.path);
    switch (e.kind) {
      case layers::Kind::Dir:
      case layers::Kind::Opaque:
        WIMG_TRY(builder.add_dir(p, req.chmod.value_or(e.mode)));
        if (e.kind == layers::Kind::Opaque) WIMG_TRY(builder.add_file(p + "/.wh..wh..opq", 0, Digest{}, 0));
        break;
      case layers::Kind::File:
        WIMG_TRY(builder.add_file(p, req.chmod.value_or(e.mode), e.digest, e.size));
        break;
      case layers::Kind::Symlink:
        WIMG_TRY(builder.add_symlink(p, e.target));
        break;
      case layers::Kind::Whiteout:
        WIMG_TRY(builder.add_file(child(std::string(layers::parent_of(p)), ".wh." + std::string(layers::base_of(p))),
                                  0, Digest{}, 0));
        break;
    }
  }
  return {};
}

// A directory reached through a symlink out of the context lists nothing:
// a glob never reveals (or names) what is outside.
std::vector<std::string> list_host_dir(const BuildContext& ctx, const std::string& dir) {
  auto real = fs::real_path(dir.empty() ? ctx.real_root : fs::join(ctx.real_root, dir));
  if (!real.ok() || (*real != ctx.real_root && !real->starts_with(ctx.real_root + "/"))) return {};
  auto names = fs::list_dir(*real);
  if (!names.ok()) return {};
  std::vector<std::string> out;
  for (auto& n : *names) {
    if (!ctx.ignore.excluded(child(dir, n))) out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every source expanded, in order; a source that matches nothing is an error.
Result<std::vector<std::pair<std::string, std::string>>> expand_all(const CopyRequest& req, const Lister& list) {
  std::vector<std::pair<std::string, std::string>> out;  // (cleaned path, as written)
  for (const auto& src : req.sources) {
    auto clean = clean_source(src);
    if (!clean) return fail(ErrorKind::Input, req, src + ": is outside the build context");
    if (!has_glob(*clean)) {
      out.emplace_back(*clean, src);
      continue;
    }
    auto matches = expand(*clean, list);
    if (matches.empty()) return fail(ErrorKind::NotFound, req, src + ": no file in the build context matches");
    for (auto& m : matches) out.emplace_back(std::move(m), src);
  }
  return out;
}

}  // namespace

std::optional<std::string> clean_source(std::string_view source) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= source.size()) {
    std::size_t slash = source.find('/', start);
    if (slash == std::string_view::npos) slash = source.size();
    std::string_view comp = source.substr(start, slash - start);
    if (comp == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!comp.empty() && comp != ".") {
      parts.emplace_back(comp);
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out = child(out, p);
  return out;
}

Result<BuildContext> open_context(const std::string& dir, const layers::ImportOptions& opts) {
  BuildContext ctx;
  ctx.root = dir;
  ctx.opts = opts;
  WIMG_ASSIGN(ctx.real_root, fs::real_path(dir));
  struct stat st;
  if (::stat(ctx.real_root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return make_error(ErrorKind::Input, dir + ": the build context is not a directory");
  }
  const std::string shown = fs::join(dir, ".wimgignore");
  WIMG_ASSIGN(auto text, layers::read_in_tree(ctx.real_root, ".wimgignore", shown));
  if (text) {
    WIMG_ASSIGN(ctx.ignore, layers::IgnoreRules::parse(*text, shown));
  }
  return ctx;
}

Status copy_from_context(store::Store& store, store::Batch& batch, const BuildContext& ctx, const CopyRequest& req,
                         layers::LayerBuilder& builder) {
  WIMG_ASSIGN(auto sources, expand_all(req, [&](const std::string& d) { return list_host_dir(ctx, d); }));
  WIMG_ASSIGN(Dest dest, dest_of(req, sources.size()));
  WIMG_ASSIGN(layers::IgnoreRules exclude, exclude_rules(req));
  for (const auto& [rel, written] : sources) {
    WIMG_ASSIGN(Selected s, resolve_in_context(ctx, req, rel, written));
    const std::string name = s.rel.empty() ? "" : std::string(layers::base_of(s.rel));
    if (S_ISDIR(s.st.st_mode)) {
      if (!dest.path.empty()) WIMG_TRY(builder.add_dir(dest.path, req.chmod.value_or(0755)));
      layers::TreeWalk walk{batch, store, builder, ctx.ignore, ctx.stat_cache, ctx.opts};
      walk.context_rel = s.rel;
      walk.dest = dest.path;
      walk.exclude = &exclude;
      walk.chmod = req.chmod;
      WIMG_TRY(layers::walk_tree(s.rel.empty() ? ctx.real_root : fs::join(ctx.real_root, s.rel), walk));
      continue;
    }
    if (!S_ISREG(s.st.st_mode)) return fail(ErrorKind::Input, req, written + ": not a regular file or directory");
    if (exclude.excluded(name)) continue;
    const std::string host = fs::join(ctx.real_root, s.rel);
    if (req.extract_archives && layers::looks_like_archive(host)) {
      WIMG_TRY(add_archive(batch, ctx, req, host, dest.path, builder));
      continue;
    }
    const std::string target = dest.is_dir ? child(dest.path, name) : dest.path;
    if (target.empty()) return fail(ErrorKind::Input, req, "a file cannot replace the image root");
    WIMG_TRY(add_context_file(batch, ctx, req, s, target, store, builder));
  }
  return {};
}

Status copy_from_view(const layers::Overlay& view, const CopyRequest& req, layers::LayerBuilder& builder) {
  auto list = [&](const std::string& dir) {
    std::vector<std::string> names;
    auto r = view.resolve("/" + dir, /*follow_last=*/true);
    if (r.error != layers::LookupError::None) return names;
    for (const auto* e : view.children(r.path)) names.emplace_back(layers::base_of(e->entry.path));
    return names;
  };
  WIMG_ASSIGN(auto sources, expand_all(req, list));
  WIMG_ASSIGN(Dest dest, dest_of(req, sources.size()));
  WIMG_ASSIGN(layers::IgnoreRules exclude, exclude_rules(req));
  for (const auto& [rel, written] : sources) {
    auto r = view.resolve("/" + rel, /*follow_last=*/true);
    if (r.error != layers::LookupError::None) {
      return fail(ErrorKind::NotFound, req,
                  written + ": not found in the source image (" + layers::lookup_error_name(r.error) + ")");
    }
    const layers::MergedEntry* e = r.path.empty() ? nullptr : view.find(r.path);
    if (e == nullptr || e->entry.kind == layers::Kind::Dir) {
      if (!dest.path.empty()) WIMG_TRY(builder.add_dir(dest.path, req.chmod.value_or(0755)));
      const std::string prefix = r.path.empty() ? "" : r.path + "/";
      for (auto it = view.entries().lower_bound(prefix); it != view.entries().end(); ++it) {
        if (!it->first.starts_with(prefix) || it->first == r.path) {
          if (it->first == r.path) continue;
          break;
        }
        const std::string sub = it->first.substr(prefix.size());
        if (exclude.excluded(sub)) continue;
        const layers::Entry& x = it->second.entry;
        const std::string p = child(dest.path, sub);
        if (x.kind == layers::Kind::Dir) {
          WIMG_TRY(builder.add_dir(p, req.chmod.value_or(x.mode)));
        } else if (x.kind == layers::Kind::File) {
          WIMG_TRY(builder.add_file(p, req.chmod.value_or(x.mode), x.digest, x.size));
        } else if (x.kind == layers::Kind::Symlink) {
          WIMG_TRY(builder.add_symlink(p, x.target));
        }
      }
      continue;
    }
    const std::string name(layers::base_of(r.path));
    if (exclude.excluded(name)) continue;
    if (e->entry.kind != layers::Kind::File) return fail(ErrorKind::Input, req, written + ": not a file or directory");
    const std::string target = dest.is_dir ? child(dest.path, name) : dest.path;
    if (target.empty()) return fail(ErrorKind::Input, req, "a file cannot replace the image root");
    WIMG_TRY(builder.add_file(target, req.chmod.value_or(e->entry.mode), e->entry.digest, e->entry.size));
  }
  return {};
}

}  // namespace wimg::recipe
