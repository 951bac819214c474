// Images in the store: creating, naming, resolving, listing, removing,
// garbage collection and verification. This is the room that knows how
// objects refer to each other (refs -> manifests -> base, layers -> files);
// store/ itself only knows blobs and refs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "image/manifest.h"
#include "layers/overlay.h"
#include "image/reference.h"
#include "store/store.h"

namespace wimg::image {

// Stores a manifest after checking that everything it names is present.
Result<Digest> put_image(store::Store& store, const Manifest& m);

// Stores a base .wasm file as an object after checking its section
// structure with the project's own reader (runtime/wasm).
Result<BaseRef> put_base_wasm(store::Store& store, const std::string& path);

// Resolves "name[:tag]", "sha256:<hex>" or a unique hex prefix (>= 4 digits)
// of an image digest to the image's digest.
Result<Digest> resolve_image(const store::Store& store, std::string_view spec);
Result<Manifest> load_image(const store::Store& store, const Digest& d);

// The merged view of an image's layers (every layer index verified).
Result<layers::Overlay> image_view(const store::Store& store, const Manifest& m);

struct ImageRow {
  std::string ref;  // "name:tag", or "<none>:<none>" never (untagged images are unreachable)
  Digest digest;
  Manifest manifest;
};
Result<std::vector<ImageRow>> list_images(const store::Store& store);

Status tag_image(store::Store& store, const Digest& d, const Reference& ref);
// Removes refs; the objects stay until prune. Errors if a ref does not exist.
Status untag(store::Store& store, const std::vector<Reference>& refs);

struct PruneReport {
  std::uint64_t objects_removed = 0;
  std::uint64_t bytes_removed = 0;
  std::uint64_t temp_removed = 0;
  std::uint64_t objects_kept = 0;
  std::uint64_t cache_removed = 0;  // stale cache files (PruneOptions)
};

// The live set of a prune: every object reachable from a name.
using DigestSet = std::unordered_set<Digest, DigestHash>;
// A cache's owner outside image/ names its stale files (absolute paths),
// given what survives: base/npm.h's tarball entries, the CLI's runner.
using CacheSweep = std::function<Result<std::vector<std::string>>(const DigestSet& live)>;

struct PruneOptions {
  bool dry_run = false;
  // The running wimg's key in `wimg run`'s renders (run_cache_path): a
  // render by another wimg is stale even while its image is named.
  std::string run_key;
  std::vector<CacheSweep> sweeps;
};
// Removes every object unreachable from refs, and all temp files, under the
// store's exclusive lock (waits for running writers). Refuses to delete
// anything if the reachable graph cannot be read completely. Stale cache
// files go too: prepared-base entries (image/prepared.h) whose base no name
// reaches (a reachable one keeps its object), build cache entries whose
// object goes, `wimg run`'s renders of images no name reaches or made by
// another wimg (opts.run_key), stat caches none of whose objects survives,
// and whatever opts.sweeps name.
Result<PruneReport> prune(store::Store& store, const PruneOptions& opts);

// The files of <store>/cache/<sub>/ (absolute paths) whose name `stale`
// holds for; none when the directory does not exist. Every sweep's shape.
Result<std::vector<std::string>> stale_cache_files(const store::Store& store, const std::string& sub,
                                                   const std::function<bool(const std::string& name)>& stale);

// `wimg run`'s render of image `d` by the wimg whose preparers give `key`:
// <store>/cache/run/<image hex>-<key>-cmd.wasm (and ".sha256" beside it).
std::string run_cache_path(const store::Store& store, const Digest& d, const std::string& key);

struct VerifyReport {
  std::uint64_t objects_checked = 0;
  std::uint64_t bytes_checked = 0;
  std::uint64_t images_checked = 0;
  std::uint64_t layers_checked = 0;
  std::vector<std::string> problems;  // empty: the store is sound
  std::uint64_t temp_entries = 0;    // leftovers of interrupted writers (harmless)
};
// Re-hashes every object and checks that every ref's image is complete.
Result<VerifyReport> verify_store(const store::Store& store);

}  // namespace wimg::image
