#include "dist/layer_names.h"

#include <sys/stat.h>

#include <map>
#include <sstream>

#include "dist/layer_tar.h"
#include "support/fs.h"

namespace wimg::dist {

namespace {

std::string entry_path(const store::Store& store, const Digest& layer, std::int64_t mtime) {
  // Bump "tar1" (and gzip_recipe) when dist/layer_tar.cpp writes other bytes.
  std::string key = layer.str() + " " + std::to_string(mtime) + " tar1 " + gzip_recipe();
  return store.cache_dir() + "/dist/layers/" + sha256_of(key).hex();
}

std::string names_dir(const store::Store& store) { return store.cache_dir() + "/dist/layers"; }

std::optional<LayerName> parse_entry(const Result<std::string>& text) {
  if (!text.ok() || text->empty() || text->back() != '\n') return std::nullopt;
  std::istringstream in(text->substr(0, text->size() - 1));
  std::string blob, diff;
  std::uint64_t size = 0;
  if (!(in >> blob >> size >> diff) || !in.eof()) return std::nullopt;
  auto b = Digest::parse(blob);
  auto d = Digest::parse(diff);
  if (!b.ok() || !d.ok()) return std::nullopt;
  return LayerName{Descriptor{std::string(kOciLayerGzip), *b, size, {}}, d->str()};
}

}  // namespace

std::optional<LayerName> read_layer_name(const store::Store& store, const Digest& layer, std::int64_t mtime) {
  return parse_entry(fs::read_file(entry_path(store, layer, mtime)));
}

std::vector<Descriptor> kept_layer_blobs(const store::Store& store) {
  std::map<Digest, Descriptor> kept;
  auto names = fs::list_dir(names_dir(store));
  if (!names.ok()) return {};
  for (const auto& n : *names) {
    auto e = parse_entry(fs::read_file(names_dir(store) + "/" + n));
    if (e && store.has(e->blob.digest)) kept.emplace(e->blob.digest, e->blob);
  }
  std::vector<Descriptor> out;
  for (auto& [d, desc] : kept) out.push_back(std::move(desc));
  return out;
}

void write_layer_name(const store::Store& store, const Digest& layer, std::int64_t mtime, const LayerName& name) {
  std::string path = entry_path(store, layer, mtime);
  std::string dir = path.substr(0, path.rfind('/'));
  ::mkdir(dir.substr(0, dir.rfind('/')).c_str(), 0755);
  ::mkdir(dir.c_str(), 0755);
  std::string text = name.blob.digest.str() + " " + std::to_string(name.blob.size) + " " + name.diff_id + "\n";
  (void)fs::atomic_write_file(path, text, 0644, fs::Durability::NoFsync);
}

}  // namespace wimg::dist
