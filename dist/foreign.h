// Images made by other tools (docs/FORMATS.md, "Foreign images"): an OCI
// image whose config has no "wimg" object carries files but no base
// module, so wimg cannot rebuild it exactly. It is either refused (an
// error saying what is missing and how to import it) or, with a wimg base
// image the user names (`load --base`, `pull --base`), imported: its layers
// become wimg layers above the base's, and its config applies over the
// base's the way its own values would after `FROM base` in a Wasmfile.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/manifest.h"
#include "support/digest.h"
#include "support/result.h"

namespace wimg::dist {

// True when the OCI config is a wimg image's (it carries the wimg manifest).
bool is_wimg_config(const nlohmann::json& config);

// What wimg takes from a foreign OCI image config; everything else
// (User, ExposedPorts, StopSignal, Healthcheck, ...) has no meaning for a
// WASI module and is dropped.
struct ForeignConfig {
  std::string platform;  // "os/architecture" as the config says ("unknown" when absent)
  std::optional<std::int64_t> created;
  std::vector<std::string> env;  // "KEY=VALUE"
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;
  std::string workdir;           // canonical absolute, "" when unset
  std::map<std::string, std::string> labels;
  std::vector<std::string> volumes;  // canonical absolute
  std::vector<image::HistoryItem> history;
};
// `where` names the config blob in errors.
Result<ForeignConfig> parse_foreign_config(const nlohmann::json& config, const std::string& where);

// The refusal when no base was given: names the image and what it lacks.
Error foreign_without_base(const ForeignConfig& f, std::size_t layers, const std::string& where);

// The wimg image: `base` with `layers` (rebuilt from the foreign tars,
// bottom first, created_by filled in here) on top, the foreign config
// applied over the base's, and history recording the OCI manifest.
image::Manifest foreign_manifest(image::Manifest base, const ForeignConfig& f, std::vector<image::LayerRef> layers,
                                 const Digest& oci_manifest);

}  // namespace wimg::dist
