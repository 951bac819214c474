#include "dist/layout.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <memory>
#include <set>

#include "dist/tar.h"
#include "support/fs.h"

namespace wimg::dist {

using nlohmann::json;

namespace {

constexpr std::string_view kLayoutFile = R"({"imageLayoutVersion":"1.0.0"})";

std::string blob_name(const Digest& d) { return "blobs/sha256/" + d.hex(); }

void add_blob(std::map<std::string, const Blob*>& blobs, const Blob& b) { blobs.emplace(blob_name(b.desc.digest), &b); }

struct ReaderCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// "./a//b" -> "a/b"; the names a layout tar may use for its members.
std::string normalise_member(std::string name) {
  while (name.starts_with("./")) name.erase(0, 2);
  std::string out;
  for (char c : name) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  return out;
}

Result<std::map<std::string, std::string>> read_tar_members(const std::string& path) {
  std::unique_ptr<archive, ReaderCloser> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_filter_gzip(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return make_error(ErrorKind::Input, path + ": not a tar archive: " + archive_error_string(a.get()));
  }
  std::map<std::string, std::string> members;
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return make_error(ErrorKind::Input, path + ": bad tar header: " + archive_error_string(a.get()));
    }
    std::string name = normalise_member(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string data;
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t off = 0;
    while ((r = archive_read_data_block(a.get(), &buf, &len, &off)) == ARCHIVE_OK) {
      data.append(static_cast<const char*>(buf), len);
    }
    if (r != ARCHIVE_EOF) {
      return make_error(ErrorKind::Input, path + ": member " + name + ": " + archive_error_string(a.get()));
    }
    members[name] = std::move(data);
  }
  return members;
}

// The `docker save` index (what `docker load` and skopeo's docker-archive:
// read), over the same blobs: one entry per image.
json docker_manifest(const std::vector<SavedImage>& images, const std::vector<OciImage>& oci) {
  json out = json::array();
  for (std::size_t i = 0; i < oci.size(); ++i) {
    json layers = json::array();
    for (const auto& l : oci[i].layers) layers.push_back(blob_name(l.desc.digest));
    json tags = json::array();
    if (!images[i].ref.empty()) tags.push_back(images[i].ref);
    out.push_back({{"Config", blob_name(oci[i].config.desc.digest)}, {"RepoTags", tags}, {"Layers", layers}});
  }
  return out;
}

}  // namespace

Result<std::string> write_layout_tar(store::Store& store, const std::vector<SavedImage>& images,
                                     unsigned threads) {
  std::vector<OciImage> oci;
  for (const auto& i : images) {
    WIMG_ASSIGN(OciImage o, export_image(store, i.digest, threads));
    oci.push_back(std::move(o));
  }
  std::map<std::string, const Blob*> blobs;
  json manifests = json::array();
  std::set<Digest> base_manifests;
  for (std::size_t i = 0; i < oci.size(); ++i) {
    Descriptor d = oci[i].manifest.desc;
    if (!images[i].ref.empty()) d.annotations[std::string(kRefNameAnnotation)] = images[i].ref;
    manifests.push_back(descriptor_json(d));
    add_blob(blobs, oci[i].manifest);
    add_blob(blobs, oci[i].config);
    for (const auto& l : oci[i].layers) add_blob(blobs, l);
  }
  for (const auto& o : oci) {
    for (const auto& b : o.base) add_blob(blobs, b);
    if (!o.base.empty() && base_manifests.insert(o.base[0].desc.digest).second) {
      manifests.push_back(descriptor_json(o.base[0].desc));
    }
  }
  json index{{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", manifests}};
  TarWriter tar;
  WIMG_TRY(tar.file("oci-layout", 0644, 0, kLayoutFile));
  WIMG_TRY(tar.file("index.json", 0644, 0, index.dump()));
  WIMG_TRY(tar.file("manifest.json", 0644, 0, docker_manifest(images, oci).dump()));
  WIMG_TRY(tar.dir("blobs", 0755, 0));
  WIMG_TRY(tar.dir("blobs/sha256", 0755, 0));
  for (const auto& [name, b] : blobs) WIMG_TRY(tar.file(name, 0644, 0, b->bytes));
  return tar.finish();
}

Result<Layout> Layout::open(const std::string& path) {
  Layout l;
  l.path_ = path;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return make_error(ErrorKind::NotFound, path + ": no such file or directory");
  l.is_dir_ = S_ISDIR(st.st_mode);
  if (!l.is_dir_) {
    WIMG_ASSIGN(l.members_, read_tar_members(path));
  }
  WIMG_ASSIGN(std::string marker, l.member("oci-layout"));
  json mj = json::parse(marker, nullptr, false);
  if (!mj.is_object() || mj.value("imageLayoutVersion", "") != "1.0.0") {
    return make_error(ErrorKind::Corrupt, path + ": member oci-layout: not imageLayoutVersion 1.0.0");
  }
  WIMG_ASSIGN(std::string index, l.member("index.json"));
  json ij = json::parse(index, nullptr, false);
  const std::string iwhere = path + ": member index.json";
  if (!ij.is_object() || !ij.contains("manifests") || !ij["manifests"].is_array()) {
    return make_error(ErrorKind::Corrupt, iwhere + ": no \"manifests\" list");
  }
  for (const auto& m : ij["manifests"]) {
    WIMG_ASSIGN(Descriptor d, parse_descriptor(m, iwhere));
    l.manifests_.push_back(std::move(d));
  }
  return l;
}

Result<std::vector<LayoutImage>> Layout::images() {
  std::vector<LayoutImage> out;
  for (const auto& d : manifests_) {
    // Docker 25+ puts the full name beside a tag-only ref name.
    auto ref = d.annotations.find(std::string(kContainerdNameAnnotation));
    if (ref == d.annotations.end()) ref = d.annotations.find(std::string(kRefNameAnnotation));
    if (ref != d.annotations.end()) {
      out.push_back({d, ref->second});
      continue;
    }
    if (!is_index_type(d.media_type)) {
      WIMG_ASSIGN(std::string bytes, fetch(d));
      WIMG_TRY(verify_blob(bytes, d, where(d)));
      json m = json::parse(bytes, nullptr, false);
      const bool wasm = m.is_object() && m.contains("config") && m["config"].is_object() &&
                        m["config"].value("mediaType", json("")) == json(std::string(kWasmConfig));
      if (wasm) continue;
    }
    out.push_back({d, ""});
  }
  return out;
}

Result<std::string> Layout::member(const std::string& name) const {
  if (is_dir_) {
    auto r = fs::read_file(path_ + "/" + name);
    if (r.ok()) return r;
    if (r.error().kind == ErrorKind::NotFound) return make_error(ErrorKind::Input, path_ + ": member " + name + " is missing");
    return make_error(ErrorKind::Input, path_ + ": member " + name + ": " + r.error().message);
  }
  auto it = members_.find(name);
  if (it == members_.end()) return make_error(ErrorKind::Input, path_ + ": member " + name + " is missing");
  return it->second;
}

Result<std::string> Layout::fetch(const Descriptor& d) { return member(blob_name(d.digest)); }

std::string Layout::where(const Descriptor& d) const { return path_ + ": member " + blob_name(d.digest); }

}  // namespace wimg::dist
