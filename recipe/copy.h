// COPY and ADD: which files a step takes and where they land in its layer,
// with Docker's rules (docs/WASMFILE.md, "Execution"):
//   - sources are relative to the context root ("/x" too); "..", an
//     absolute path or a symlink leading out of the context is an error;
//   - a source may be a glob (`*`, `?`, `[...]` per path component, like
//     Go's filepath.Match); a source matching nothing is an error;
//   - a directory source copies its CONTENTS; a file lands at the
//     destination, or inside it when the destination ends in "/" or there
//     are several sources; parents are implied (0755), like Docker;
//   - `.wimgignore` at the context root hides files from every step;
//     `--exclude` patterns match paths relative to each source directory
//     (a file source: its name); `--chmod` sets every file's and
//     directory's mode;
//   - ADD extracts local archives (libarchive) into the destination.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layers/builder.h"
#include "layers/ignore.h"
#include "layers/import.h"
#include "layers/overlay.h"
#include "layers/statcache.h"
#include "store/batch.h"

namespace wimg::recipe {

// A build context: a directory, its ignore rules and the stat cache all
// steps share (one cache file per context, saved once after the build).
struct BuildContext {
  std::string root;       // as given, for messages
  std::string real_root;  // symlink-resolved, absolute
  layers::IgnoreRules ignore;
  layers::StatCache* stat_cache = nullptr;  // null: hash every file
  layers::ImportOptions opts;
};

Result<BuildContext> open_context(const std::string& dir, const layers::ImportOptions& opts);

struct CopyRequest {
  std::vector<std::string> sources;  // as in the Wasmfile, after substitution
  std::string dest;                  // absolute guest path; a trailing "/" names a directory
  std::optional<std::uint32_t> chmod;
  std::vector<std::string> excludes;
  bool extract_archives = false;  // ADD
  std::string where;              // "Wasmfile:7: COPY": prefixes every error
};

// Adds what the request selects from the context to `builder`; file
// contents go to the store through `batch` (hashing skipped for files the
// stat cache knows).
Status copy_from_context(store::Store& store, store::Batch& batch, const BuildContext& ctx, const CopyRequest& req,
                         layers::LayerBuilder& builder);

// COPY --from: the same selection from a merged image (a stage's result or
// a store image). Symlinks are followed inside the image.
Status copy_from_view(const layers::Overlay& view, const CopyRequest& req, layers::LayerBuilder& builder);

// A path cleaned like Go's path.Clean, relative to the context root ("" =
// the root); nullopt when ".." leaves the root.
std::optional<std::string> clean_source(std::string_view source);

}  // namespace wimg::recipe
