// Image manifests: the JSON object an image digest names.
//
//   {
//     "schemaVersion": 1,
//     "mediaType": "application/vnd.wimg.image.v1+json",
//     "created": <seconds since epoch, never the clock: docs/FORMATS.md "Normalisation">,
//     "base": null | {"digest": "sha256:<hex>", "size": <bytes>},
//     "layers": [ {"digest": "sha256:<hex>", "files": N, "bytes": N, "created_by": "..."} ... ],
//     "config": {"env": ["K=V"...], "entrypoint": [..]|null, "cmd": [..]|null,
//                "workdir": "", "labels": {"k": "v"...}[, "mounts": ["/dir"...]][, "volumes": ["/dir"...]]},
//     "history": [ {"created_by": "...", "empty_layer": bool} ... ]
//   }
//
// Serialised canonically (keys sorted, no whitespace) so the same image
// always has the same digest; layers are listed bottom to top.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/digest.h"
#include "support/result.h"

namespace wimg::image {

constexpr std::string_view kManifestMediaType = "application/vnd.wimg.image.v1+json";

struct LayerRef {
  Digest digest;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::string created_by;
  bool operator==(const LayerRef&) const = default;
};

struct BaseRef {
  Digest digest;
  std::uint64_t size = 0;
  bool operator==(const BaseRef&) const = default;
};

struct Config {
  std::vector<std::string> env;
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;
  std::string workdir;
  std::map<std::string, std::string> labels;
  // Extra preopens (Wasmfile MOUNT). Encoded only when not empty, so the
  // digests of images without mounts did not change when it was added.
  std::vector<std::string> mounts;
  // Wasmfile VOLUME: absolute canonical guest dirs the runtime creates in
  // the writable layer when missing (`run -v` fills them). Encoded only
  // when not empty, like mounts.
  std::vector<std::string> volumes;
  bool operator==(const Config&) const = default;

  // Docker's ENV rule: KEY's entry is replaced in place, else appended.
  void set_env(const std::string& key, const std::string& value);
};

struct HistoryItem {
  std::string created_by;
  bool empty_layer = false;
  bool operator==(const HistoryItem&) const = default;
};

struct Manifest {
  std::int64_t created = 0;
  std::optional<BaseRef> base;
  std::vector<LayerRef> layers;
  Config config;
  std::vector<HistoryItem> history;
  bool operator==(const Manifest&) const = default;

  std::uint64_t total_bytes() const;
};

std::string encode_manifest(const Manifest& m);
// Every text of the manifest (config, history, layer descriptions) must be
// UTF-8 (it is JSON). Input error naming the field and the first bad byte's
// offset; the text itself is not echoed.
Status check_text(const Manifest& m);
Result<Manifest> decode_manifest(std::string_view json, std::string_view shown);

}  // namespace wimg::image
