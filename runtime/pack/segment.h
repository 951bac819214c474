// Layer segments: slots 1..n of a packed binary, one per layer, bottom
// first (docs/FORMATS.md, "Layer segment"):
//
//   segment  = magic version index_len index content_count *content blobs
//   magic    = "WIMGLSEG"
//   version  = u32le(1)
//   index    = index_len bytes: the canonical layer index; its SHA-256 is
//              the layer digest
//   content  = digest:32 slot:u32le offset:u32le size:u32le   ; sorted by digest
//   blobs    = the bytes of the contents placed in this slot, in table order
//
// One row per distinct file content of the layer. Identical bytes appear
// once per binary: a content is placed in the lowest slot whose layer has
// it, and later slots' rows point there. The whole segment fits a u32.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/entry.h"
#include "runtime/pack/view.h"
#include "support/result.h"

namespace wimg::pack {

constexpr std::string_view kSegmentMagic = "WIMGLSEG";
constexpr std::uint32_t kSegmentVersion = 1;
constexpr std::size_t kContentRowSize = 44;

// The bytes of a content; a wrong size or digest is the reader's error.
using ContentReader = std::function<Result<std::string>(const Digest& d, std::uint64_t size)>;

struct BuiltSegments {
  std::vector<std::string> segments;  // slot first_slot + i
  Placements placements;              // every content, where it was placed
};

// `layers` bottom first, each canonical; slot numbers start at first_slot
// (1 in a packed binary: slot 0 is the view). `shown` names the output.
Result<BuiltSegments> build_segments(const std::vector<std::vector<layers::Entry>>& layers, const ContentReader& read,
                                     std::uint32_t first_slot, std::string_view shown);

struct ContentRow {
  Digest digest;
  Placement at;
};

struct DecodedSegment {
  std::string_view index;  // canonical index bytes (sha256 = layer digest)
  std::vector<layers::Entry> entries;
  std::vector<ContentRow> contents;  // sorted by digest
};

// Strict: canonical index, rows sorted and unique, exactly the layer's
// file contents with their sizes, rows of this slot tiling the blob area
// in table order, rows of other slots pointing below `slot`. Views point
// into `bytes`; errors (Corrupt) name `shown` and the slot.
Result<DecodedSegment> decode_segment(std::string_view bytes, std::uint32_t slot, std::string_view shown);
Result<DecodedSegment> decode_segment(std::string&& bytes, std::uint32_t slot, std::string_view shown) = delete;

}  // namespace wimg::pack
