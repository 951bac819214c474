#include "recipe/run_step.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "layers/builder.h"
#include "layers/path.h"
#include "support/fs.h"

namespace wimg::recipe {

namespace {

// What a file of the image looked like on the host right after it was
// written: the same inode, size and times after the run mean the guest
// never wrote it (ctime cannot be set back).
struct Written {
  ino_t ino = 0;
  off_t size = 0;
  struct timespec mtime{};
  struct timespec ctime{};
  bool operator==(const Written& o) const {
    return ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
  }
};

Written written_of(const struct stat& st) { return Written{st.st_ino, st.st_size, st.st_mtim, st.st_ctim}; }

std::string host_path(const std::string& root, const std::string& rel) { return rel.empty() ? root : root + "/" + rel; }

// Step 1: the merged tree under `root` (a new, private directory, so plain
// paths are safe). Directories are 0755 and files 0644 whatever the image
// says, so that the guest may change them as a container's root could; the
// image's modes stay in the view, which the capture compares against.
Result<std::map<std::string, Written>> materialise(const store::Store& store, const layers::Overlay& view,
                                                   const std::string& root, std::int64_t created) {
  std::map<std::string, Written> files;
  const struct timespec times[2] = {{created, 0}, {created, 0}};
  std::vector<std::string> dirs;
  for (const auto& [path, m] : view.entries()) {
    const std::string p = host_path(root, path);
    const auto& e = m.entry;
    if (e.kind == layers::Kind::Dir) {
      if (::mkdir(p.c_str(), 0755) != 0) return fs::os_error("cannot create", p, errno);
      dirs.push_back(p);
    } else if (e.kind == layers::Kind::Symlink) {
      if (::symlink(e.target.c_str(), p.c_str()) != 0) return fs::os_error("cannot create", p, errno);
      ::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW);
    } else {
      WIMG_ASSIGN(std::string bytes, store.get(e.digest, /*verify=*/true));
      WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
      WIMG_TRY(fs::write_all(fd.get(), bytes.data(), bytes.size(), p));
      struct stat st;
      if (::futimens(fd.get(), times) != 0 || ::fstat(fd.get(), &st) != 0) return fs::os_error("cannot set times of", p, errno);
      files.emplace(path, written_of(st));
    }
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::utimensat(AT_FDCWD, it->c_str(), times, 0);
  return files;
}

// Step 4: the differences between the tree after the run and the image.
class Capture {
 public:
  Capture(store::Batch& batch, const layers::Overlay& view, const std::map<std::string, Written>& written,
          const std::string& root, const std::string& where)
      : batch_(batch), view_(view), written_(written), root_(root), where_(where), builder_(where) {}

  Result<std::vector<layers::Entry>> run() {
    WIMG_TRY(walk(""));
    WIMG_TRY(whiteouts());
    return builder_.finish();
  }

 private:
  const layers::Entry* image_entry(const std::string& path, layers::Kind kind) const {
    const auto* m = view_.find(path);
    return m != nullptr && m->entry.kind == kind ? &m->entry : nullptr;
  }

  // Parents of a changed path are added with the image's modes (the
  // builder would imply 0755, which would change a 0700 directory).
  Status parents(const std::string& path) {
    std::string_view parent = layers::parent_of(path);
    if (parent.empty() || added_dirs_.contains(std::string(parent))) return {};
    WIMG_TRY(parents(std::string(parent)));
    const auto* e = image_entry(std::string(parent), layers::Kind::Dir);
    added_dirs_.insert(std::string(parent));
    return builder_.add_dir(std::string(parent), e != nullptr ? e->mode : 0755);
  }

  Status file(const std::string& rel, const std::string& p, const struct stat& st) {
    const auto* old = image_entry(rel, layers::Kind::File);
    if (old != nullptr) {
      auto w = written_.find(rel);
      if (w != written_.end() && w->second == written_of(st)) return {};
    }
    WIMG_ASSIGN(fs::UniqueFd fd, fs::open_file(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    std::uint64_t size = 0;
    WIMG_ASSIGN(Digest d, batch_.add_fd(fd.get(), p, static_cast<std::uint64_t>(st.st_size), &size));
    if (old != nullptr && old->digest == d) return {};
    WIMG_TRY(parents(rel));
    return builder_.add_file(rel, old != nullptr ? old->mode : 0644, d, size);
  }

  Status walk(const std::string& rel) {
    const std::string dir = host_path(root_, rel);
    WIMG_ASSIGN(auto names, fs::list_dir(dir));
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      const std::string r = rel.empty() ? n : rel + "/" + n;
      const std::string p = dir + "/" + n;
      if (n.starts_with(".wh.")) {
        return make_error(ErrorKind::Input, where_ + ": made /" + r + ": names starting with .wh. are OCI whiteouts");
      }
      struct stat st;
      if (::lstat(p.c_str(), &st) != 0) return fs::os_error("cannot stat", p, errno);
      if (S_ISDIR(st.st_mode)) {
        host_dirs_.insert(r);
        if (image_entry(r, layers::Kind::Dir) == nullptr) {
          WIMG_TRY(parents(r));
          added_dirs_.insert(r);
          WIMG_TRY(builder_.add_dir(r, 0755));
        }
        WIMG_TRY(walk(r));
      } else if (S_ISREG(st.st_mode)) {
        on_host_.insert(r);
        WIMG_TRY(file(r, p, st));
      } else if (S_ISLNK(st.st_mode)) {
        on_host_.insert(r);
        std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
        const ssize_t len = ::readlink(p.c_str(), target.data(), target.size());
        if (len < 0) return fs::os_error("cannot read the link", p, errno);
        target.resize(static_cast<std::size_t>(len));
        const auto* old = image_entry(r, layers::Kind::Symlink);
        if (old != nullptr && old->target == target) continue;
        WIMG_TRY(parents(r));
        WIMG_TRY(builder_.add_symlink(r, target));
      } else {
        return make_error(ErrorKind::Input, where_ + ": made /" + r +
                                                ", a special file (fifo, socket or device), which a layer cannot hold");
      }
    }
    return {};
  }

  // A path of the image that is gone, under a directory that is still
  // there, is whited out (its subtree goes with it).
  Status whiteouts() {
    for (const auto& [path, m] : view_.entries()) {
      if (on_host_.contains(path) || host_dirs_.contains(path)) continue;
      const std::string parent(layers::parent_of(path));
      if (!parent.empty() && !host_dirs_.contains(parent)) continue;
      WIMG_TRY(parents(path));
      const std::string wh = (parent.empty() ? "" : parent + "/") + ".wh." + std::string(layers::base_of(path));
      WIMG_TRY(builder_.add_file(wh, 0, Digest{}, 0));
    }
    return {};
  }

  store::Batch& batch_;
  const layers::Overlay& view_;
  const std::map<std::string, Written>& written_;
  const std::string& root_;
  const std::string& where_;
  layers::LayerBuilder builder_;
  std::set<std::string> host_dirs_;  // directories in the tree after the run
  std::set<std::string> on_host_;    // files and symlinks in it
  std::set<std::string> added_dirs_;
};

// Step 2: the image as a command with no layers; its tree comes from the host.
Status render(store::Store& store, const RunStepInput& in, const image::Preparer& prep, const std::string& out) {
  image::Manifest m = *in.image;
  m.layers.clear();
  m.config.mounts.clear();
  m.config.volumes.clear();
  m.config.entrypoint.reset();
  m.config.cmd.reset();
  WIMG_ASSIGN(image::RenderedWasm w,
              image::render_wasm(store, m, prep, in.where, image::RenderOptions{.as_command = true}));
  return fs::atomic_write_file(out, w.bytes, 0644, fs::Durability::NoFsync);
}

// Step 3's request: the tree at "/", the image's preopens from it, the
// scratch directories, the words, the clock and the seed.
StepProcess request_of(const RunStepInput& in, const std::string& tmp) {
  const std::string root = tmp + "/root";
  StepProcess sp;
  sp.req.module = tmp + "/module.wasm";
  sp.req.dirs.push_back({root, "/", false});
  // The image's preopens: a guest picks the longest matching preopen, and
  // a base's own in-binary mounts (an interpreter's wasi-vfs /usr) would
  // otherwise answer below them.
  for (const auto& mnt : in.image->config.mounts) {
    if (mnt.size() < 2) continue;
    const auto* e = in.view->find(std::string_view(mnt).substr(1));
    if (e != nullptr && e->entry.kind == layers::Kind::Dir) sp.req.dirs.push_back({root + mnt, mnt, false});
  }
  sp.req.dirs.push_back({tmp + "/dev", "/dev", false});
  sp.req.dirs.push_back({tmp + "/tmp", "/tmp", false});
  sp.req.args = in.words;
  sp.req.clock = in.clock;
  sp.req.seed = in.seed;
  sp.log = tmp + "/log";
  sp.timeout = in.timeout;
  return sp;
}

std::string seconds(std::chrono::milliseconds ms) {
  const auto s = ms.count() / 1000;
  return ms.count() % 1000 == 0 ? std::to_string(s) + " s" : std::to_string(ms.count()) + " ms";
}

// A timeout or a non-zero exit fails the step with the end of its output.
Status check_exit(const proc::Exit& ex, const RunStepInput& in, const std::string& log) {
  if (!ex.timed_out && ex.status == 0) return {};
  const std::string tail = proc::log_tail(log);
  const std::string output = tail.empty() ? "" : "; its output:\n" + tail;
  if (ex.timed_out) {
    return make_error(ErrorKind::Input, in.where + ": still running after " + seconds(in.timeout) +
                                            " (--run-timeout): stopped, nothing committed" + output);
  }
  return make_error(ErrorKind::Input, in.where + ": failed (exit " + std::to_string(ex.status) + ")" + output);
}

}  // namespace

Result<RunStepOutput> run_step(store::Store& store, store::Batch& batch, const RunStepInput& in,
                               const image::Preparer& prep, const RunProcess& run) {
  if (!run) return make_error(ErrorKind::Usage, in.where + ": this build cannot run steps (no WASI host given)");
  WIMG_TRY(fs::mkdirs(store.tmp_dir()));
  fs::TempDir tmp(store.tmp_dir() + "/run-" + fs::unique_tag());
  if (::mkdir(tmp.path.c_str(), 0700) != 0) return fs::os_error("cannot create", tmp.path, errno);
  const std::string root = tmp.path + "/root";
  if (::mkdir(root.c_str(), 0755) != 0) return fs::os_error("cannot create", root, errno);
  WIMG_ASSIGN(auto written, materialise(store, *in.view, root, in.image->created));
  for (const char* scratch : {"/dev", "/tmp"}) WIMG_TRY(fs::mkdirs(tmp.path + scratch, 0755));
  WIMG_TRY(fs::atomic_write_file(tmp.path + "/dev/null", "", 0666, fs::Durability::NoFsync));

  StepProcess sp = request_of(in, tmp.path);
  WIMG_TRY(render(store, in, prep, sp.req.module));
  auto ran = run(sp);
  if (!ran.ok()) return make_error(ran.error().kind, in.where + ": " + ran.error().message);
  WIMG_TRY(check_exit(*ran, in, sp.log));
  RunStepOutput out;
  out.output = proc::log_tail(sp.log, 64 * 1024);
  Capture capture(batch, *in.view, written, root, in.where);
  WIMG_ASSIGN(out.entries, capture.run());
  return out;
}

}  // namespace wimg::recipe
