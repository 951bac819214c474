// The builder: executes a plan (recipe/wasmfile.h) against a context and
// the store, one step per FROM and instruction, and stores each stage's
// result as an image manifest (docs/WASMFILE.md, "Execution").
//
//   key(step) = sha256("wimg-build-key 1" NUL parent-key NUL text NUL inputs)
//
// where text is the instruction after substitution (step_text) and inputs
// is what the step reads: the digest of the layer its context files make
// (content digests, modes, paths; never mtimes), the source stage's key or
// the source image's digest for COPY --from, the base's digest for FROM,
// the guest's clock (SOURCE_DATE_EPOCH, else 0) for RUN, whose other input,
// the image so far, the parent key already covers.
// The build cache (image/build_cache.h) maps a key to the object the step
// made; a hit skips the work that the inputs do not already imply.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "image/manifest.h"
#include "layers/import.h"
#include "image/packing.h"
#include "recipe/run_step.h"
#include "recipe/wasmfile.h"
#include "store/store.h"

namespace wimg::recipe {

struct BuildOptions {
  std::string context = ".";       // the build context directory
  std::string wasmfile = "Wasmfile";  // names the file in messages
  bool no_cache = false;           // --no-cache: never look up (entries are still written)
  // SOURCE_DATE_EPOCH, if set: every stage's `created`. Unset: a stage
  // keeps its FROM image's (a stage's, an image's; 0 for a .wasm file),
  // so an app FROM ruby:3.4 dates its files like its base does.
  std::optional<std::int64_t> created;
  layers::ImportOptions import;    // threads, stat cache, warnings
  // Called when FROM or COPY --from names an image the store lacks: fetches
  // it (`wimg build` pulls HOST/REPO:TAG from its registry, dist/) and
  // returns its digest, now named as written. Unset: the image is not found.
  std::function<Result<Digest>(const std::string& ref)> fetch_image;
  // RUN (recipe/run_step.h): how a step's module runs (the CLI passes node
  // 24 with wimg's runner; unset: a RUN is an error), the preparer that
  // renders it, and how long one step may take (--run-timeout).
  RunProcess run_process;
  image::Preparer preparer;
  std::chrono::milliseconds run_timeout{std::chrono::minutes(10)};
};

struct StepEvent {
  std::size_t number = 0;  // 1-based over the whole build
  std::size_t total = 0;
  std::size_t stage = 0;   // the stage's index in the Wasmfile
  std::string text;        // step_text, or "FROM ..."
  bool cached = false;     // a cache hit (FROM and layer steps only)
  bool layer = false;      // the step made (or reused) a layer or a base
  double ms = 0;           // wall time of the step
  std::string output;      // RUN: what the step printed (not when cached)
};

struct BuildResult {
  image::Manifest manifest;  // the last (target) stage's image
  Digest image;              // its digest; stored in the store, not named
  std::size_t steps = 0;
  std::size_t cached = 0;
};

// The cache key of one step (exposed for tests).
Digest step_key(const std::optional<Digest>& parent, std::string_view text, std::string_view inputs);
// The instruction after substitution, as shown and recorded in history.
std::string step_text(const Plan& plan, const Instruction& ins);

// Holds the store's writer lock throughout. On error nothing is named and
// only complete, verified objects (and cache entries naming them) remain.
Result<BuildResult> build(store::Store& store, const Plan& plan, const BuildOptions& opts,
                          const std::function<void(const StepEvent&)>& progress);

}  // namespace wimg::recipe
