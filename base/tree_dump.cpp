#include "base/tree_dump.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>
#include <sstream>

#include "image/build_cache.h"
#include "layers/index.h"
#include "support/digest.h"
#include "support/fs.h"
#include "support/process.h"

namespace wimg::base {

namespace {

struct Want {
  std::string sha256;
  std::uint64_t size = 0;
};

struct Manifest {
  std::map<std::string, Want> files;
  std::uint64_t dirs = 0;
  std::string end;
};

Result<Manifest> read_manifest(const std::string& path, const std::string& shown) {
  WIMG_ASSIGN(std::string text, fs::read_file(path));
  Manifest m;
  std::istringstream in(text);
  std::uint64_t files = 0, bytes = 0, total = 0;
  for (std::string line; std::getline(in, line);) {
    if (!m.end.empty()) return make_error(ErrorKind::Input, shown + ": manifest: text after the END line");
    if (line.starts_with("END ")) {
      m.end = line;
      std::istringstream words(line.substr(4));
      for (std::string w; words >> w;) {
        if (w.starts_with("files=")) files = std::stoull(w.substr(6));
        if (w.starts_with("dirs=")) m.dirs = std::stoull(w.substr(5));
        if (w.starts_with("bytes=")) bytes = std::stoull(w.substr(6));
      }
      continue;
    }
    const auto s1 = line.find(' ');
    const auto s2 = s1 == std::string::npos ? s1 : line.find(' ', s1 + 1);
    if (s2 == std::string::npos || s1 != 64) return make_error(ErrorKind::Input, shown + ": manifest: bad line '" + line + "'");
    Want w{line.substr(0, s1), std::stoull(line.substr(s1 + 1, s2 - s1 - 1))};
    total += w.size;
    m.files.emplace(line.substr(s2 + 1), w);
  }
  if (m.end.empty()) return make_error(ErrorKind::Input, shown + ": manifest has no END line (the copy was cut short)");
  if (files != m.files.size() || bytes != total) {
    return make_error(ErrorKind::Input, shown + ": manifest lists " + std::to_string(m.files.size()) + " files, " +
                                            std::to_string(total) + " bytes; its END line says " + m.end);
  }
  return m;
}

// Walks the copy: every file must be in the manifest with its size and
// SHA-256, every manifest file present; modes are set to 0644/0755.
Status check_copy(const std::string& root, const Manifest& want, const std::string& shown) {
  std::set<std::string> seen;
  std::uint64_t dirs = 0;
  std::vector<std::string> todo{""};
  while (!todo.empty()) {
    const std::string rel = todo.back();
    todo.pop_back();
    const std::string dir = rel.empty() ? root : root + "/" + rel;
    WIMG_ASSIGN(auto names, fs::list_dir(dir));
    for (const auto& n : names) {
      const std::string r = rel.empty() ? n : rel + "/" + n;
      const std::string p = root + "/" + r;
      struct stat st;
      if (::lstat(p.c_str(), &st) != 0) return fs::os_error("lstat", p, errno);
      if (S_ISDIR(st.st_mode)) {
        ++dirs;
        if (::chmod(p.c_str(), 0755) != 0) return fs::os_error("chmod", p, errno);
        todo.push_back(r);
        continue;
      }
      auto it = want.files.find(r);
      if (!S_ISREG(st.st_mode) || it == want.files.end()) {
        return make_error(ErrorKind::Input, shown + ": " + r + ": in the copy but not in its manifest");
      }
      WIMG_ASSIGN(std::string bytes, fs::read_file(p));
      if (bytes.size() != it->second.size || sha256_of(bytes).hex() != it->second.sha256) {
        return make_error(ErrorKind::Input, shown + ": " + r + ": the copy differs from the manifest (size or SHA-256)");
      }
      if (::chmod(p.c_str(), 0644) != 0) return fs::os_error("chmod", p, errno);
      seen.insert(r);
    }
  }
  for (const auto& [path, w] : want.files) {
    if (!seen.contains(path)) return make_error(ErrorKind::Input, shown + ": " + path + ": in the manifest but not copied");
  }
  if (dirs != want.dirs) {
    return make_error(ErrorKind::Input, shown + ": " + std::to_string(dirs) + " directories copied, the manifest says " +
                                            std::to_string(want.dirs));
  }
  return {};
}

// The build cache (image/build_cache.h) remembers a dump: key = the
// module, the root and the program's words; value = a small object
// "sha256:<layer>\n<END line>\n". A re-import of the same module skips
// the run (seconds) as a re-build skips a COPY. Prune drops the entry with
// its unreachable value object.
Digest dump_key(const DumpRequest& req, const std::vector<std::string>& words) {
  Sha256 h;
  h.update(std::string_view("wimg-tree-dump 1\0", 17));
  h.update(sha256_of(req.module).str());
  h.update(std::string_view("\0", 1));
  h.update(req.guest_root);
  for (const auto& w : words) {
    h.update(std::string_view("\0", 1));
    h.update(w);
  }
  return h.finish();
}

std::optional<DumpedTree> cached_dump(const store::Store& store, const Digest& key) {
  auto value = image::build_cache_lookup(store, key);
  if (!value) return std::nullopt;
  auto text = store.get(*value, /*verify=*/true);
  if (!text.ok()) return std::nullopt;
  const auto nl = text->find('\n');
  if (nl == std::string::npos || !text->ends_with("\n")) return std::nullopt;
  auto layer = Digest::parse(text->substr(0, nl));
  if (!layer.ok() || !store.has(*layer)) return std::nullopt;
  auto index = store.get(*layer, /*verify=*/true);
  if (!index.ok()) return std::nullopt;
  auto entries = layers::decode_index(*index, layer->str());
  if (!entries.ok()) return std::nullopt;
  for (const auto& e : *entries) {
    if (e.kind == layers::Kind::File && !store.has(e.digest)) return std::nullopt;
  }
  const auto stats = layers::stats_of(*entries);
  return DumpedTree{layers::ImportResult{*layer, std::move(*entries), stats},
                    text->substr(nl + 1, text->size() - nl - 2), true};
}

}  // namespace

Result<DumpedTree> dump_tree(store::Store& store, const DumpRequest& req, const image::Preparer& prep,
                             const NodeCommand& node, const layers::ImportOptions& opts) {
  // The module as a command with no layers: the runtime's "/" is empty and
  // the module's own mounts (wasi-vfs) serve the tree. Its ENTRYPOINT is
  // the program's words, so that the guest's argv needs nothing from the
  // host's command line.
  const std::string mount(kDumpMount);
  image::Manifest m;
  m.config.entrypoint = req.words(mount + "/root" + req.guest_root, req.guest_root, mount + "/manifest.txt");
  const Digest key = dump_key(req, *m.config.entrypoint);
  if (auto hit = cached_dump(store, key)) return std::move(*hit);
  WIMG_ASSIGN(std::vector<std::string> cmd, node());
  WIMG_ASSIGN(image::RenderedWasm w, image::render_wasm_from_base(store, std::string(req.module), req.shown, m, prep));

  WIMG_TRY(fs::mkdirs(store.tmp_dir()));
  fs::TempDir tmp{store.tmp_dir() + "/dump-" + fs::unique_tag()};
  const std::string out = tmp.path + "/out";
  // The tree lands at root/<guest_root>, so that the layer names its parents.
  const std::string root = out + "/root";
  const std::string dest = root + req.guest_root;
  WIMG_TRY(fs::mkdirs(fs::dirname(dest), 0755));
  const std::string module = tmp.path + "/module.wasm";
  WIMG_TRY(fs::atomic_write_file(module, w.bytes, 0644, fs::Durability::NoFsync));

  std::vector<std::string> argv = cmd;
  argv.insert(argv.end(), {"--dir", out + "::" + mount, "--", module});
  const std::string log = tmp.path + "/log";
  WIMG_ASSIGN(proc::Exit ran, proc::run_logged(argv, log));
  if (ran.status != 0) {
    return make_error(ErrorKind::Input, req.shown + ": taking " + req.guest_root + " out failed (exit " +
                                            std::to_string(ran.status) + "):\n" + proc::log_tail(log));
  }
  WIMG_ASSIGN(Manifest want, read_manifest(out + "/manifest.txt", req.shown));
  WIMG_TRY(check_copy(dest, want, req.shown));
  for (std::string p = fs::dirname(dest); p.size() > root.size(); p = fs::dirname(p)) {
    if (::chmod(p.c_str(), 0755) != 0) return fs::os_error("chmod", p, errno);
  }
  if (::chmod(root.c_str(), 0755) != 0) return fs::os_error("chmod", root, errno);
  layers::ImportOptions o = opts;
  o.use_stat_cache = false;
  WIMG_ASSIGN(layers::ImportResult layer, layers::import_path(store, root, o));
  WIMG_ASSIGN(Digest value, store.put(layer.digest.str() + "\n" + want.end + "\n"));
  WIMG_TRY(image::build_cache_record(store, key, value));
  return DumpedTree{std::move(layer), want.end, false};
}

}  // namespace wimg::base
