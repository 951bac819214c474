// Rendering an image as one runnable .wasm: the prepared base (the base
// with the guest runtime injected, cached per (base, preparer) in the store,
// image/prepared.h) with the image's layers, config and history spliced in
// by the assembler (runtime/pack/assemble.h). Shared by `wimg pack`,
// `wimg build -o` and `wimg run IMAGE`, so all three produce the same bytes
// for the same image.
//
// image/ never links binaryen: the caller passes the prepare step in
// (cli/preparer.h builds the one that injects the embedded guest runtime).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/manifest.h"
#include "image/preinit.h"
#include "store/store.h"
#include "support/digest.h"
#include "support/result.h"

namespace wimg::image {

// How a base is prepared. An image with ENTRYPOINT or CMD on a base of
// class InterpreterReactor (image/base.h) is rendered as a command (made
// by its interpreter entry, runtime/inject/interpreter.h); every other
// image keeps its base's ABI.
enum class PrepareMode { Plain, Command };

struct Preparer {
  // The prepared-base cache key's second half for each mode
  // (inject::preparer_digest, inject::command_preparer_digest).
  Digest digest;
  Digest command_digest;
  // Injects the runtime into `base`; `shown` names the base in errors.
  std::function<Result<std::string>(std::string_view base, std::string_view shown, PrepareMode mode)> prepare;
  // Takes the snapshot of an image with PREINIT (image/preinit.h).
  Snapshotter snapshotter;

  const Digest& digest_for(PrepareMode mode) const {
    return mode == PrepareMode::Command ? command_digest : digest;
  }
};

struct RenderedWasm {
  std::string bytes;           // the packed module: a pure function of the inputs
  bool base_prepared = false;  // true when the prepare step ran (not cached)
  bool snapshot_taken = false; // PREINIT: the snapshotter ran (not cached)
};

struct RenderOptions {
  // Render an interpreter's reactor base as a command even when the image
  // sets no ENTRYPOINT/CMD: `wimg run` (a WASI host runs only commands; the
  // guest's argv is then the run's arguments alone, and an interpreter
  // without a script reads stdin). `build -o` and `pack` follow the config.
  bool as_command = false;
};

// The image `m` (base and layers read from the store, every object
// verified) as a packed module; with PREINIT (image/preinit.h) its
// snapshot, from the store's cache or taken now. Takes the store's shared writer lock for
// the duration (a prepared base may be stored). `shown` names the image in
// errors. Errors: Input when the image has no base or a MOUNT is not a
// directory of the image, NotFound/Corrupt for missing or damaged objects.
Result<RenderedWasm> render_wasm(store::Store& store, const Manifest& m, const Preparer& prep,
                                 std::string_view shown, const RenderOptions& opts = {});

struct WrittenWasm {
  std::uint64_t size = 0;           // of the module at the path
  std::uint64_t data_segments = 0;  // (pack::host_limit_warnings)
  bool base_prepared = false;
  bool unchanged = false;  // the path already held this module: not rewritten
  std::optional<Digest> digest;  // of the file, when computed (write_wasm_from_base)
  bool snapshot_taken = false;   // PREINIT: the snapshotter ran (not cached)
};

// render_wasm's module (as the image's config asks) written to `path`
// atomically (a temp file beside it, moved over it by fs::replace_file
// once the cached prepared base, re-hashed meanwhile, passed; not fsynced),
// streamed: memory stays bounded whatever the image's size (the prepared
// base, the layer indexes, the view and 1 MiB buffers). When `path`
// already holds this very module (its size, view and wimg.manifest bytes
// match; docs/ARCHITECTURE.md "Rendering") nothing is written.
Result<WrittenWasm> write_wasm(store::Store& store, const Manifest& m, const Preparer& prep, std::string_view shown,
                               const std::string& path);

// The same from base bytes that are not (necessarily) in the store: `wimg
// pack BASE.wasm`. `m.base` is ignored. A base that already carries a
// wimg.runtime section is used as the prepared base as is; a packed
// module is refused.
Result<RenderedWasm> render_wasm_from_base(store::Store& store, std::string base, std::string_view base_shown,
                                           const Manifest& m, const Preparer& prep);
// A base file as `wimg pack` names it: read by `load` (at most once)
// unless `digest` — from the caller's stat cache, trusted as a COPY
// trusts it — finds a prepared base in the store's cache, so a repeated
// pack never reads or hashes its 16 MB interpreter. `digest` holds the
// file's digest afterwards whenever it is known (the caller records it).
struct GivenBase {
  std::string shown;
  std::uint64_t size = 0;          // the file's, from its stat
  std::optional<Digest> digest;
  std::function<Result<std::string>()> load;
};

// The same streamed to `path` as write_wasm does (always written: `pack`
// prints the digest, computed as the bytes are written).
Result<WrittenWasm> write_wasm_from_base(store::Store& store, GivenBase& base, const Manifest& m,
                                         const Preparer& prep, const std::string& path);

}  // namespace wimg::image
