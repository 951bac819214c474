// wimg ls | cat | export — read an image's merged file system on the host:
// a store image, or a packed .wasm file read host-side (runtime/pack/packed.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/wasm_file.h"
#include "image/images.h"
#include "layers/path.h"
#include "runtime/pack/packed.h"
#include "support/errors.h"
#include "support/fs.h"

namespace wimg::cli {

namespace {

// The merged tree of a store image or of a packed binary, and how to read
// a file's bytes (verified against its digest either way).
struct View {
  std::int64_t created = 0;
  std::shared_ptr<const layers::Overlay> overlay;
  std::function<std::string(const layers::MergedEntry&)> read;
  std::function<void()> check_all;  // before export writes anything: every content intact
};

View open_packed_view(const std::string& file) {
  auto bytes = std::make_shared<const std::string>(unwrap(fs::read_file(file)));
  auto p = std::make_shared<pack::PackedImage>(unwrap(pack::open_packed(bytes, file)));
  auto read = [p, file](const layers::MergedEntry& m) {
    return std::string(unwrap(p->content(m.layer, m.entry.digest, file)));
  };
  auto check_all = [p, file] { unwrap(pack::verify_packed(*p, file)); };
  return View{p->manifest.created, std::shared_ptr<const layers::Overlay>(p, &p->overlay), read, check_all};
}

View open_view(const Context& ctx, const std::string& spec) {
  if (is_wasm_file(spec)) return open_packed_view(spec);
  auto store = std::make_shared<store::Store>(ctx.open_store());
  auto resolved = image::resolve_image(*store, spec);
  if (!resolved.ok() && resolved.error().kind == ErrorKind::NotFound && spec.ends_with(".wasm")) {
    throw Failure(ErrorKind::NotFound, "no such image or packed .wasm file: " + spec);
  }
  Digest d = unwrap(std::move(resolved));
  image::Manifest m = unwrap(image::load_image(*store, d));
  auto o = std::make_shared<const layers::Overlay>(unwrap(image::image_view(*store, m)));
  auto read = [store](const layers::MergedEntry& e) { return unwrap(store->get(e.entry.digest)); };
  return View{m.created, std::move(o), read, [] {}};
}

// Resolves a user path inside the image or fails like ls/cat would.
std::string resolve_or_fail(const View& v, const std::string& image, const std::string& path, bool follow) {
  auto r = v.overlay->resolve(path, follow);
  if (r.error == layers::LookupError::None) return r.path;
  ErrorKind kind = r.error == layers::LookupError::NoEntry ? ErrorKind::NotFound : ErrorKind::Input;
  throw Failure(kind, image + ": " + path + ": " + layers::lookup_error_name(r.error));
}

std::string mode_string(const layers::Entry& e) {
  std::string s = e.kind == layers::Kind::Dir ? "d" : e.kind == layers::Kind::Symlink ? "l" : "-";
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) s += (e.mode & (0400u >> i)) ? rwx[i] : '-';
  return s;
}

void print_entry(const Context& ctx, const layers::MergedEntry& m, const std::string& name, bool long_format) {
  if (long_format) {
    char head[64];
    std::snprintf(head, sizeof head, "%s %10llu  L%-3zu ", mode_string(m.entry).c_str(),
                  static_cast<unsigned long long>(m.entry.size), m.layer);
    ctx.out << head;
  }
  ctx.out << name;
  if (long_format && m.entry.kind == layers::Kind::Symlink) ctx.out << " -> " << m.entry.target;
  ctx.out << "\n";
}

struct LsArgs {
  std::string image;
  std::string path = "/";
  bool recursive = false;
  bool long_format = false;
};

void list_dir(const Context& ctx, const View& v, const std::string& dir, const LsArgs& a) {
  for (const auto* child : v.overlay->children(dir)) {
    const std::string& p = child->entry.path;
    print_entry(ctx, *child, a.recursive ? "/" + p : std::string(layers::base_of(p)), a.long_format);
    if (a.recursive && child->entry.kind == layers::Kind::Dir) list_dir(ctx, v, p, a);
  }
}

void run_ls(const LsArgs& a, const Context& ctx) {
  View v = open_view(ctx, a.image);
  std::string p = resolve_or_fail(v, a.image, a.path, /*follow=*/true);
  const layers::MergedEntry* e = v.overlay->find(p);
  if (e != nullptr && e->entry.kind != layers::Kind::Dir) {
    print_entry(ctx, *e, a.path, a.long_format);
    return;
  }
  list_dir(ctx, v, p, a);
}

void run_cat(const std::string& image, const std::string& path, const Context& ctx) {
  View v = open_view(ctx, image);
  std::string p = resolve_or_fail(v, image, path, /*follow=*/true);
  const layers::MergedEntry* e = v.overlay->find(p);
  if (e == nullptr || e->entry.kind != layers::Kind::File) {
    throw Failure(ErrorKind::Input, image + ": " + path + ": EISDIR (not a regular file)");
  }
  ctx.out << v.read(*e);
}

// "a/b/c" -> "a/b"; "a" -> "" (the root).
std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Opens the directory `rel` ("" = the root itself) below root_fd one
// component at a time with O_NOFOLLOW, so a directory swapped for a symlink
// during the export is refused rather than followed.
fs::UniqueFd open_dir_beneath(int root_fd, const std::string& rel, const std::string& shown) {
  fs::UniqueFd cur(::dup(root_fd));
  if (cur.get() < 0) throw Failure(fs::os_error("cannot open", shown, errno));
  std::size_t start = 0;
  while (start < rel.size()) {
    std::size_t slash = rel.find('/', start);
    if (slash == std::string::npos) slash = rel.size();
    cur = unwrap(fs::open_at(cur.get(), rel.substr(start, slash - start), O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, shown));
    start = slash + 1;
  }
  return cur;
}

// Writes the merged tree below an empty directory, through directory fds
// only: every entry is created relative to its parent's fd (opened with
// O_NOFOLLOW all the way down) with O_EXCL/O_NOFOLLOW, and modes and times
// are set on fds, so nothing is ever redirected through a symlink, whether
// the export made it or someone swapped one in. `created` records what was
// made, for the cleanup after a failure.
void export_tree(const View& v, int root_fd, const std::string& out, std::vector<std::string>& created) {
  struct timespec times[2] = {{v.created, 0}, {v.created, 0}};
  std::vector<const layers::MergedEntry*> dirs;
  std::string parent_rel = "\n";  // no directory open yet
  fs::UniqueFd parent;
  for (const auto& [path, m] : v.overlay->entries()) {
    const std::string shown = out + "/" + path;
    const std::string dir = parent_of(path);
    const std::string name(layers::base_of(path));
    if (dir != parent_rel) {
      parent = open_dir_beneath(root_fd, dir, out + "/" + dir);
      parent_rel = dir;
    }
    const auto& e = m.entry;
    if (e.kind == layers::Kind::Dir) {
      if (::mkdirat(parent.get(), name.c_str(), 0700) != 0) throw Failure(fs::os_error("cannot create", shown, errno));
      created.push_back(path);
      dirs.push_back(&m);
    } else if (e.kind == layers::Kind::Symlink) {
      if (::symlinkat(e.target.c_str(), parent.get(), name.c_str()) != 0) {
        throw Failure(fs::os_error("cannot create", shown, errno));
      }
      created.push_back(path);
      ::utimensat(parent.get(), name.c_str(), times, AT_SYMLINK_NOFOLLOW);
    } else {
      std::string bytes = v.read(m);
      auto fd = unwrap(fs::open_at(parent.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, shown));
      created.push_back(path);
      unwrap(fs::write_all(fd.get(), bytes.data(), bytes.size(), shown));
      ::fchmod(fd.get(), static_cast<mode_t>(e.mode));
      ::futimens(fd.get(), times);
    }
  }
  // Directory modes and times last: a read-only directory must be filled first.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    fs::UniqueFd d = open_dir_beneath(root_fd, (*it)->entry.path, out + "/" + (*it)->entry.path);
    ::fchmod(d.get(), static_cast<mode_t>((*it)->entry.mode));
    ::futimens(d.get(), times);
  }
}

// After a failed export (a full disk, say): removes what it created,
// deepest first, through the same O_NOFOLLOW directory fds.
void remove_created(int root_fd, const std::vector<std::string>& created) {
  for (auto it = created.rbegin(); it != created.rend(); ++it) {
    const std::string dir = parent_of(*it);
    const std::string name(layers::base_of(*it));
    try {
      fs::UniqueFd parent = open_dir_beneath(root_fd, dir, dir);
      if (::unlinkat(parent.get(), name.c_str(), 0) != 0 && errno == EISDIR) {
        ::unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR);
      }
    } catch (const Failure&) {
      // A parent that can no longer be opened safely is left alone.
    }
  }
}

void run_export(const std::string& image, const std::string& out, const Context& ctx) {
  View v = open_view(ctx, image);
  v.check_all();
  bool made = true;
  if (::mkdir(out.c_str(), 0755) != 0) {
    if (errno != EEXIST) throw Failure(fs::os_error("cannot create", out, errno));
    struct stat st;
    if (::lstat(out.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::rmdir(out.c_str()) != 0 ||
        ::mkdir(out.c_str(), 0755) != 0) {
      throw Failure(ErrorKind::Input, out + ": exists and is not an empty directory");
    }
    made = false;
  }
  fs::UniqueFd root = unwrap(fs::open_file(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  std::vector<std::string> created;
  try {
    export_tree(v, root.get(), out, created);
  } catch (const Failure& f) {
    remove_created(root.get(), created);
    if (made) ::rmdir(out.c_str());
    throw Failure(f.kind(), std::string(f.what()) + " (the partial export was removed)");
  }
  ctx.out << "exported " << v.overlay->entries().size() << " entries to " << out << "\n";
}

}  // namespace

void register_view(CLI::App& app, Context& ctx) {
  auto ls_args = std::make_shared<LsArgs>();
  auto* ls = app.add_subcommand("ls", "List files of an image (merged layers)");
  ls->add_option("IMAGE", ls_args->image, "name[:tag], sha256:<hex>, image ID or a packed .wasm file")->required();
  ls->add_option("PATH", ls_args->path, "Directory or file inside the image (default /)");
  ls->add_flag("-R,--recursive", ls_args->recursive, "List subdirectories recursively (full paths)");
  ls->add_flag("-l,--long", ls_args->long_format, "Mode, size, providing layer, link targets");
  ls->callback([ls_args, &ctx] { run_ls(*ls_args, ctx); });

  auto cat_args = std::make_shared<std::pair<std::string, std::string>>();
  auto* cat = app.add_subcommand("cat", "Print a file of an image");
  cat->add_option("IMAGE", cat_args->first, "name[:tag], sha256:<hex>, image ID or a packed .wasm file")->required();
  cat->add_option("PATH", cat_args->second, "File inside the image (symlinks followed)")->required();
  cat->callback([cat_args, &ctx] { run_cat(cat_args->first, cat_args->second, ctx); });

  auto exp_args = std::make_shared<std::pair<std::string, std::string>>();
  auto* exp = app.add_subcommand("export", "Write an image's merged file system to a new directory");
  exp->add_option("IMAGE", exp_args->first, "name[:tag], sha256:<hex>, image ID or a packed .wasm file")->required();
  exp->add_option("-o,--output", exp_args->second, "Directory to create (must not exist, or be empty)")->required();
  exp->callback([exp_args, &ctx] { run_export(exp_args->first, exp_args->second, ctx); });
}

}  // namespace wimg::cli
