// What each exported layer's blob is called, remembered so that a push can
// ask the registry about a layer (HEAD, mount) without tarring and
// compressing it again — an app on a pushed base re-made the base's layers
// on every push only to learn their digests:
//
//   <root>/cache/dist/layers/<hex>    hex = sha256("<layer digest> <mtime> <recipe>")
//   content: "sha256:<blob hex> <blob size> sha256:<diff_id hex>\n"
//
// `recipe` names the tar writer and the gzip scheme with its library's
// version (dist/layer_tar.h gzip_recipe), so another libdeflate never reads
// an entry it would not reproduce. Written
// atomically (no fsync) after every export; a missing or malformed entry is
// a miss. Only a name: when the registry lacks the blob it is made again and
// what is made is what is sent and named in the manifest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dist/oci.h"
#include "store/store.h"

namespace wimg::dist {

struct LayerName {
  Descriptor blob;  // media type, digest and size of the tar+gzip blob
  std::string diff_id;
};

std::optional<LayerName> read_layer_name(const store::Store& store, const Digest& layer, std::int64_t mtime);
// Best effort: a name that is not written only costs an export later.
void write_layer_name(const store::Store& store, const Digest& layer, std::int64_t mtime, const LayerName& name);
// The compressed blobs the names point at that are still objects, once
// each (nothing reaches them: the next prune removes them).
std::vector<Descriptor> kept_layer_blobs(const store::Store& store);

}  // namespace wimg::dist
