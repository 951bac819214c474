#include "layers/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "layers/path.h"

namespace wimg::layers {

namespace {

struct Dir {
  fs::UniqueFd fd;
  std::string rel;    // "" for the root
  std::string shown;  // host path for messages
};

Result<std::vector<std::string>> sorted_names(const Dir& dir) {
  int dup = ::fcntl(dir.fd.get(), F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return fs::os_error("cannot read directory", dir.shown, errno);
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    ::close(dup);
    return fs::os_error("cannot read directory", dir.shown, errno);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return fs::os_error("cannot read directory", dir.shown, err);
  std::sort(names.begin(), names.end());
  return names;
}

std::string child_rel(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

Status add_regular(TreeWalk& w, const Dir& dir, const std::string& name, const std::string& rel,
                   const struct stat& st) {
  StatKey key = StatKey::from(st);
  if (w.cache != nullptr) {
    if (auto d = w.cache->lookup(rel, key); d && w.store.has(*d)) {
      w.cache->record(rel, key, *d);
      return w.builder.add_file(rel, st.st_mode & 0777, *d, key.size);
    }
  }
  std::string shown = fs::join(dir.shown, name);
  WIMG_ASSIGN(fs::UniqueFd fd, fs::open_at(dir.fd.get(), name, O_RDONLY | O_NOFOLLOW | O_NOCTTY, 0, shown));
  struct stat now;
  if (::fstat(fd.get(), &now) != 0) return fs::os_error("cannot stat", shown, errno);
  if (!S_ISREG(now.st_mode) || now.st_ino != st.st_ino) {
    return make_error(ErrorKind::Input, shown + ": changed while being read");
  }
  std::uint64_t size = 0;
  WIMG_ASSIGN(Digest d, w.batch.add_fd(fd.get(), shown, &size));
  // A file that grew or shrank while being read would make the cache lie.
  if (w.cache != nullptr && size == static_cast<std::uint64_t>(st.st_size)) w.cache->record(rel, StatKey::from(now), d);
  return w.builder.add_file(rel, st.st_mode & 0777, d, size);
}

Status add_symlink(TreeWalk& w, const Dir& dir, const std::string& name, const std::string& rel) {
  std::string target(kMaxPath + 1, '\0');
  ssize_t n = ::readlinkat(dir.fd.get(), name.c_str(), target.data(), target.size());
  std::string shown = fs::join(dir.shown, name);
  if (n < 0) return fs::os_error("cannot read link", shown, errno);
  if (static_cast<std::size_t>(n) > kMaxPath) return make_error(ErrorKind::Input, shown + ": link target too long");
  target.resize(static_cast<std::size_t>(n));
  return w.builder.add_symlink(rel, target);
}

Status walk_dir(TreeWalk& w, const Dir& dir) {
  WIMG_ASSIGN(auto names, sorted_names(dir));
  for (const auto& name : names) {
    std::string rel = child_rel(dir.rel, name);
    std::string shown = fs::join(dir.shown, name);
    WIMG_TRY(check_path(rel, shown));
    struct stat st;
    if (::fstatat(dir.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return fs::os_error("cannot stat", shown, errno);
    }
    bool excluded = w.ignore.excluded(rel);
    if (S_ISDIR(st.st_mode)) {
      if (excluded && !w.ignore.must_descend(rel)) continue;
      // An excluded directory walked only for exceptions is not added itself;
      // its surviving children imply it.
      if (!excluded) WIMG_TRY(w.builder.add_dir(rel, st.st_mode & 0777));
      WIMG_ASSIGN(fs::UniqueFd fd,
                  fs::open_at(dir.fd.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, shown));
      Dir sub{std::move(fd), rel, shown};
      WIMG_TRY(walk_dir(w, sub));
      continue;
    }
    if (excluded) continue;
    if (S_ISREG(st.st_mode)) {
      WIMG_TRY(add_regular(w, dir, name, rel, st));
    } else if (S_ISLNK(st.st_mode)) {
      WIMG_TRY(add_symlink(w, dir, name, rel));
    } else if (w.opts.warn) {
      w.opts.warn("skipping " + quote_path(shown) + ": not a regular file, directory or symlink");
    }
  }
  return {};
}

}  // namespace

Status walk_tree(const std::string& root, TreeWalk& walk) {
  WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(root, O_RDONLY | O_DIRECTORY));
  Dir top{std::move(fd), "", root};
  return walk_dir(walk, top);
}

}  // namespace wimg::layers
