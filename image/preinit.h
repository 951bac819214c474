// Pre-initialised images (Wasmfile PREINIT, docs/WASMFILE.md): the image's
// config carries the label wimg.preinit, whose value is the JSON array of
// the PREINIT words (canonical: nlohmann's dump; [] for a bare PREINIT).
// Rendering such an image as a command (image/packing.h) renders the
// module as usual and hands it to a Snapshotter (cli/snapshot.h: Wizer),
// which calls the module's init export (runtime/inject/interpreter.h,
// kPreinitExport; the interpreter entry's command provides it) and
// returns the snapshot. The snapshot is kept in the store once per image:
//
//   <root>/cache/preinit/<image hex>-<key hex>   "sha256:<hex>\n"
//
// key = sha256("wimg-preinit-1\n" + the command preparer digest + "\n"
// + the snapshotter's identity + "\n" + the label value), so a new runtime,
// bootstrap, Wizer binary or word list makes a new snapshot. prune keeps an
// entry while an image name reaches the image (image/images.cpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/manifest.h"
#include "support/digest.h"
#include "support/result.h"

namespace wimg::image {

inline constexpr std::string_view kPreinitLabel = "wimg.preinit";
inline constexpr std::string_view kPreinitRevision = "wimg-preinit-1";

// The label value for `words`.
std::string preinit_label(const std::vector<std::string>& words);

// The words an image's config asks for; nullopt without the label. A value
// that is not a JSON array of strings is an Input error naming `shown`.
Result<std::optional<std::vector<std::string>>> preinit_words(const Config& config, std::string_view shown);

struct Snapshotter {
  // What the snapshots depend on besides the module and the words (Wizer:
  // its binary's digest). Empty function: no snapshotter available.
  std::function<Result<std::string>()> identity;
  // The module, pre-initialised with `words`. Errors name `shown`. Its
  // scratch files go in a new directory under `tmp_dir` (the store's temp
  // space, so prune sweeps what a crash leaves).
  std::function<Result<std::string>(std::string_view module, const std::vector<std::string>& words,
                                    std::string_view shown, const std::string& tmp_dir)>
      snapshot;
};

// The cache key's second half.
Digest preinit_key(const Digest& preparer, std::string_view identity, const std::vector<std::string>& words);

}  // namespace wimg::image
