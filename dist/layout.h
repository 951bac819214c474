// OCI image layouts (image-spec "image-layout"): writing wimg images as
// one layout tar, and reading a layout tar or directory as a BlobSource.
//
//   oci-layout          {"imageLayoutVersion":"1.0.0"}
//   index.json          one image manifest per saved image (annotation
//                       org.opencontainers.image.ref.name = "name:tag"),
//                       then each distinct base's wasm artifact manifest
//   blobs/sha256/<hex>  every blob once, sorted
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dist/oci.h"
#include "store/store.h"

namespace wimg::dist {

struct SavedImage {
  std::string ref;  // "name:tag", or "" for an image given by digest
  Digest digest;
};
// The layout tar's bytes; every member's mtime is 0, so the same images
// give the same archive.
Result<std::string> write_layout_tar(store::Store& store, const std::vector<SavedImage>& images,
                                     unsigned threads = 1);

struct LayoutImage {
  Descriptor manifest;
  std::string ref;  // its io.containerd.image.name, else its org.opencontainers.image.ref.name, else ""
};

// A layout read whole from a tar (plain or gzip) or a directory.
class Layout : public BlobSource {
 public:
  static Result<Layout> open(const std::string& path);
  const std::vector<Descriptor>& manifests() const { return manifests_; }
  // The images index.json lists, in its order: every manifest but the
  // wasm artifacts of bases (unnamed manifests whose config is the wasm
  // config, dist/oci.h), whose bytes are read and verified to tell.
  Result<std::vector<LayoutImage>> images();
  Result<std::string> fetch(const Descriptor& d) override;
  std::string where(const Descriptor& d) const override;

 private:
  Result<std::string> member(const std::string& name) const;
  std::string path_;
  bool is_dir_ = false;
  std::map<std::string, std::string> members_;  // tar: normalised member name -> bytes
  std::vector<Descriptor> manifests_;
};

}  // namespace wimg::dist
