#include "layers/import.h"

#include <sys/stat.h>

#include <cerrno>

#include "layers/archive.h"
#include "layers/builder.h"
#include "layers/ignore.h"
#include "layers/index.h"
#include "layers/tree.h"
#include "store/batch.h"

namespace wimg::layers {

namespace {

Result<IgnoreRules> load_ignore(const std::string& root) {
  std::string file = fs::join(root, ".wimgignore");
  WIMG_ASSIGN(auto text, read_in_tree(root, ".wimgignore", file));
  if (!text) return IgnoreRules{};
  return IgnoreRules::parse(*text, file);
}

Result<ImportResult> finish_layer(store::Store& store, store::Batch& batch, const LayerBuilder& builder) {
  WIMG_ASSIGN(auto entries, builder.finish());
  WIMG_ASSIGN(std::string index, encode_index(entries));
  // Objects first, then the index that names them: a crash in between leaves
  // only unreferenced objects, never a layer with missing content.
  WIMG_TRY(batch.commit());
  WIMG_ASSIGN(Digest d, store.put(index));
  ImportResult out{d, std::move(entries), {}};
  out.stats = stats_of(out.entries);
  return out;
}

Result<ImportResult> import_tree(store::Store& store, const std::string& root, const ImportOptions& opts) {
  WIMG_ASSIGN(std::string real, fs::real_path(root));
  WIMG_ASSIGN(IgnoreRules ignore, load_ignore(root));
  std::optional<StatCache> cache;
  if (opts.use_stat_cache) cache = StatCache::in_store(store, real, opts.walk_start_ns);
  store::Batch batch(store);
  std::string shown = root.ends_with('/') ? root : root + "/";
  LayerBuilder builder(shown);
  TreeWalk walk{batch, store, builder, ignore, cache ? &*cache : nullptr, opts};
  WIMG_TRY(walk_tree(root, walk));
  WIMG_ASSIGN(ImportResult out, finish_layer(store, batch, builder));
  if (cache) {
    if (auto s = cache->save(); !s && opts.warn) opts.warn("cannot save the stat cache: " + s.error().message);
  }
  return out;
}

}  // namespace

Result<ImportResult> import_path(store::Store& store, const std::string& path, const ImportOptions& opts) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return fs::os_error("cannot read", path, errno);
  WIMG_ASSIGN(auto lock, store.writer_lock());
  if (S_ISDIR(st.st_mode)) return import_tree(store, path, opts);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorKind::Input, path + ": not a directory or an archive file");
  if (!looks_like_archive(path)) {
    return make_error(ErrorKind::Input, path + ": not a directory or a supported archive (tar, tar.gz/bz2/xz/zst, zip)");
  }
  store::Batch batch(store);
  LayerBuilder builder(path);
  WIMG_TRY(read_archive(path, batch, builder, opts));
  return finish_layer(store, batch, builder);
}

}  // namespace wimg::layers
