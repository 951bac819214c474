// A Wasmfile RUN step (docs/WASMFILE.md, "RUN"): the image built so far is
// run once, at build time, and what the run changed in its file system
// becomes a layer.
//
//   1. materialise: the image's merged tree is written into a private temp
//      directory of the store (tmp/run-*), files with the image's `created`
//      as their mtime; the stat of every file written is kept;
//   2. render: the image's base with the runtime and NO layers, its config
//      (ENV, WORKDIR, labels) kept, ENTRYPOINT/CMD/MOUNT/VOLUME dropped, as
//      a command (image/packing.h);
//   3. run: under the build's WASI host (the CLI's: node 24 and wimg's
//      runner, with a fixed clock and a seeded random_get) with the temp
//      tree mounted at "/" (a host mount at "/" replaces the image's root,
//      runtime/guest/README.md), each of the image's preopens mounted from
//      the same tree, and two scratch directories that are not captured:
//      /tmp and /dev (holding an empty regular file `null`);
//   4. capture: the tree is compared with the image: a file whose stat is
//      unchanged is not read; one that changed is hashed and, if its bytes
//      differ, stored; new paths are added, paths gone become OCI
//      whiteouts (the topmost gone path only). Modes: WASI cannot chmod, so
//      a changed file keeps the image's mode and a new one gets 0644 (dirs
//      0755).
// Nothing reaches the store unless the run exits 0 within its time limit;
// the temp directory is removed on every way out.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "image/manifest.h"
#include "image/packing.h"
#include "layers/entry.h"
#include "layers/overlay.h"
#include "runtime/runner/hosts.h"
#include "store/batch.h"
#include "store/store.h"
#include "support/process.h"

namespace wimg::recipe {

// One execution of a RUN's module: the request (module, host directories,
// the guest's arguments, clock and seed), where its output goes, and the
// time limit.
struct StepProcess {
  runner::RunRequest req;
  std::string log;
  std::chrono::milliseconds timeout{0};
};
// Runs it under a WASI host; the exit status (or timed_out). Errors only
// when no host can be started.
using RunProcess = std::function<Result<proc::Exit>(const StepProcess&)>;

struct RunStepInput {
  const image::Manifest* image = nullptr;  // the image so far
  const layers::Overlay* view = nullptr;   // its merged tree
  std::vector<std::string> words;          // the guest's argv after argv[0]
  std::string where;                       // "Wasmfile:LINE: RUN ..." for errors
  std::int64_t clock = 0;                  // seconds since the epoch the guest's clocks start at
  std::string seed;                        // random_get's seed
  std::chrono::milliseconds timeout{0};
};

struct RunStepOutput {
  std::vector<layers::Entry> entries;  // the layer, canonical (objects pending in the batch)
  std::string output;                  // what the step printed (the end of it, at most 64 KiB)
};

// Runs the step; the layer's file objects are added to `batch` (the caller
// commits). Errors name `where`: a non-zero exit (with the output's end), a
// timeout, a special file (fifo, socket) left in the tree.
Result<RunStepOutput> run_step(store::Store& store, store::Batch& batch, const RunStepInput& in,
                               const image::Preparer& prep, const RunProcess& run);

}  // namespace wimg::recipe
