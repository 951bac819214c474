// The mapping between a wimg image and OCI blobs (docs/FORMATS.md, "OCI
// mapping"): export builds the blobs, import ingests them from any source
// (an image layout, a registry), verifying every blob against its digest
// and every rebuilt layer against the digest the image names before
// anything becomes reachable.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/manifest.h"
#include "image/reference.h"
#include "layers/import.h"
#include "store/store.h"
#include "support/digest.h"
#include "support/result.h"

namespace wimg::dist {

constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
constexpr std::string_view kWasmConfig = "application/vnd.wasm.config.v0+json";
constexpr std::string_view kWasmLayer = "application/wasm";
constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";  // docker save 25+

// An OCI image index or a Docker manifest list (one manifest per platform).
bool is_index_type(std::string_view media_type);

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::uint64_t size = 0;
  std::map<std::string, std::string> annotations;
};
nlohmann::json descriptor_json(const Descriptor& d);
// `where` names the document in errors.
Result<Descriptor> parse_descriptor(const nlohmann::json& j, const std::string& where);

struct Blob {
  Descriptor desc;
  std::string bytes;
};
Blob make_blob(std::string_view media_type, std::string bytes);

// A wimg image as OCI blobs.
struct OciImage {
  Blob manifest;            // OCI image manifest: config + the tar layers
  Blob config;              // OCI image config, with the wimg manifest under "wimg"
  std::vector<Blob> layers; // one tar+gzip per wimg layer, bottom first
  std::vector<Blob> base;   // the base module as a wasm artifact {manifest, config, wasm}; empty without a base
};
// `threads` compress each layer (dist/layer_tar.h gzip: the bytes do not depend on it).
Result<OciImage> export_image(store::Store& store, const Digest& image, unsigned threads = 1);

// The pieces of export_image, for writers that send blobs as they are made
// (push): one layer's tar+gzip blob and its diff_id (SHA-256 of the tar);
// the config and the image manifest once every layer is known.
struct LayerBlob {
  Blob blob;
  std::string diff_id;
};
Result<LayerBlob> export_layer(store::Store& store, const Digest& layer, std::int64_t mtime,
                               unsigned threads = 1);
struct ImageBlobs {
  Blob manifest;
  Blob config;
};
// `wimg_text`: the image's stored wimg manifest (it goes into the config verbatim).
ImageBlobs image_blobs(const image::Manifest& m, const std::string& wimg_text, const std::vector<LayerBlob>& layers);
// The descriptor of the OCI image manifest export_image makes (push and
// save name the image by it): layers exported as needed (kept blobs reused).
Result<Descriptor> image_manifest_descriptor(store::Store& store, const Digest& image, unsigned threads = 1);

// The CNCF wasm artifact of a module: {manifest, config, the application/wasm layer}.
std::array<Blob, 3> wasm_artifact(std::string wasm, std::int64_t created, const std::optional<Descriptor>& subject);

// Where import reads blobs from. fetch returns the bytes unverified;
// import_image verifies them.
class BlobSource {
 public:
  virtual ~BlobSource() = default;
  virtual Result<std::string> fetch(const Descriptor& d) = 0;
  virtual std::string where(const Descriptor& d) const = 0;  // names the blob in errors
  // True when fetch may be called from several threads at once (import
  // then fetches and ingests blobs in parallel).
  virtual bool concurrent() const { return false; }
};
// Size and SHA-256 of bytes against the descriptor (Corrupt otherwise).
Status verify_blob(std::string_view bytes, const Descriptor& d, const std::string& where);

struct ImportStats {  // counted by parallel fetches
  std::atomic<std::uint64_t> blobs_fetched = 0;
  std::atomic<std::uint64_t> bytes_fetched = 0;
  std::atomic<std::uint64_t> layers_present = 0;  // already in the store: not fetched
  std::string foreign_platform;  // set when the image was not made by wimg (dist/foreign.h)
};
// Ingests the image whose OCI manifest is `manifest`: the manifest, config,
// missing layers and base are fetched and verified, layers are rebuilt
// from their tars and must have the digests the image names; only then are
// objects committed, the image manifest stored and, when given, `name`
// pointed at it (all under the store's writer lock, so prune never sees
// the image unnamed). An image not made by wimg (its config has no "wimg"
// object) is refused, or, given `onto` (a wimg image), imported onto it
// (dist/foreign.h). Returns the wimg image digest.
Result<Digest> import_image(store::Store& store, BlobSource& source, const Descriptor& manifest,
                            const std::optional<image::Reference>& name, const layers::ImportOptions& opts,
                            ImportStats* stats, const std::optional<Digest>& onto = std::nullopt);

}  // namespace wimg::dist
