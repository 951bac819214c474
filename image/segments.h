// A packed image's layer segments (runtime/pack/segment.h), rendered once
// per layer stack and kept in the store, so a rebuild that changes one
// layer compresses only that layer's contents:
//
//   <root>/cache/segments/<layer hex>-<chain hex>   "sha256:<hex>\n"
//
// where chain = sha256 of "wimg-segment <segment version> lz4 <liblz4
// version>\n" and the digests of the layers from the bottom up to this one,
// one per line: a segment depends on its slot and on where the layers below
// placed shared contents, so the layer digest alone is not its key. The
// entry names a store object holding the segment's bytes. Only segments
// whose own contents reach kCachedSegmentBytes are cached; smaller ones
// (an app layer) are rendered in memory each time, which costs less than a
// durable commit. A hit's head (index and content table) is checked against
// the layer and the layers below; its bytes are re-hashed when they are
// copied into an output (store::Store::stream). A missing or unusable
// entry is a miss, never an error. prune keeps an entry while its layer is
// reachable (image/images.cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "image/cache_entry.h"
#include "layers/entry.h"
#include "runtime/pack/assemble.h"
#include "store/store.h"

namespace wimg::image {

inline constexpr std::uint64_t kCachedSegmentBytes = std::uint64_t{1} << 20;

struct SegmentLayer {
  Digest digest;
  std::string_view index;  // its canonical index, read verified
  const std::vector<layers::Entry>* entries = nullptr;
};

struct RenderedSegments {
  std::vector<pack::SegmentPiece> pieces;  // slot 1.. in order
  pack::Placements placements;
  // What the pieces point into.
  std::vector<std::unique_ptr<std::string>> in_memory;
  std::vector<std::unique_ptr<wasm::ByteSource>> sources;
};

// The caller holds store.writer_lock(). Errors: the contents' reads
// (NotFound, Corrupt), a layer too large (Input), the store's (Io).
Result<std::unique_ptr<RenderedSegments>> render_segments(store::Store& store, const std::vector<SegmentLayer>& layers,
                                                          std::string_view shown);

// Every entry; the key is the layer digest.
using SegmentEntry = CacheListing<Digest>;
Result<std::vector<SegmentEntry>> list_segment_entries(const store::Store& store);

}  // namespace wimg::image
