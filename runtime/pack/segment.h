// Layer segments: slots 1..n of a packed binary, one per layer, bottom
// first (docs/FORMATS.md, "Layer segment"):
//
//   segment  = magic version index_len index content_count *content blobs
//   magic    = "WIMGLSEG"
//   version  = u32le(2)
//   index    = index_len bytes: the canonical layer index; its SHA-256 is
//              the layer digest
//   content  = digest:32 slot:u32le offset:u32le size:u32le stored:u32le
//              ; sorted by digest; slot bits 0..15 the slot, bit 16
//              ; (WIMG_NODE_LZ4) set when stored compressed; size is the
//              ; content's, stored the length of its bytes in the slot
//   blobs    = the stored bytes of the contents placed in this slot, in
//              table order: raw (stored = size), or the chunked LZ4 stored
//              form (compress.h, wimg_abi.h §6)
//
// One row per distinct file content of the layer. Identical contents are
// stored once per binary: a content is placed in the lowest slot whose
// layer has it, and later slots' rows point there (the same row fields).
// A content is compressed exactly when compress_content says so (at least
// 256 bytes, stored form at most 15/16 of it). The whole segment fits a u32.
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
constexpr std::uint32_t kSegmentVersion = 2;
constexpr std::size_t kContentRowSize = 48;

// The bytes of a content; a wrong size or digest is the reader's error.
using ContentReader = std::function<Result<std::string>(const Digest& d, std::uint64_t size)>;
// The same in pieces, in order (store::Store::stream): a verifying reader
// may fail after the last piece. An error a piece callback returns stops
// the read and is returned.
using ChunkFn = std::function<Status(std::string_view)>;
using ContentStream = std::function<Status(const Digest& d, std::uint64_t size, const ChunkFn& chunk)>;

// Where one segment's bytes go: appended in order; the content table is
// patched in once its rows are known; a content whose compression turns
// out not worth it is cut off again (truncate) and stored raw.
class SegmentOut {
 public:
  virtual ~SegmentOut() = default;
  virtual std::uint64_t size() const = 0;
  virtual Status append(std::string_view bytes) = 0;
  virtual Status patch(std::uint64_t at, std::string_view bytes) = 0;  // inside what was appended
  virtual Status truncate(std::uint64_t to) = 0;
};

// A SegmentOut in memory.
class StringSegmentOut final : public SegmentOut {
 public:
  std::string bytes;
  std::uint64_t size() const override { return bytes.size(); }
  Status append(std::string_view b) override {
    bytes.append(b);
    return {};
  }
  Status patch(std::uint64_t at, std::string_view b) override {
    bytes.replace(at, b.size(), b);
    return {};
  }
  Status truncate(std::uint64_t to) override {
    bytes.resize(to);
    return {};
  }
};

// A SegmentOut into a file opened for writing at offset 0, through a
// 1 MiB buffer (finish() writes what is left); `shown` names it in errors.
class FileSegmentOut final : public SegmentOut {
 public:
  FileSegmentOut(int fd, std::string shown) : fd_(fd), shown_(std::move(shown)) {}
  std::uint64_t size() const override { return flushed_ + buf_.size(); }
  Status append(std::string_view bytes) override;
  Status patch(std::uint64_t at, std::string_view bytes) override;
  Status truncate(std::uint64_t to) override;
  Status finish();

 private:
  int fd_;
  std::string shown_;
  std::string buf_;
  std::uint64_t flushed_ = 0;
};

// One layer's segment in slot `slot` to `out` (empty): `index` is the
// layer's canonical index, `entries` its decoding; contents not yet in
// `placements` are read (once each, one at a time: a content of up to
// 4 MiB whole, a larger one in 64 KiB chunks) and placed in this slot.
// The bytes equal build_segments' for the same layers.
Status build_segment(std::string_view index, const std::vector<layers::Entry>& entries, std::uint32_t slot,
                     const ContentStream& read, Placements& placements, SegmentOut& out, std::string_view shown);

// The rows a segment of slot `slot` for `entries` (index bytes `index`)
// holds, read from its first head_size(...) bytes (`head`) and checked as
// decode_segment checks them, except the stored forms (not read); rows of
// lower slots must equal `placements`, which gains this slot's. The
// blobs are trusted to be what they were when written (a cached segment
// is a store object, re-hashed when it is copied out).
std::uint64_t segment_head_size(std::string_view index, const std::vector<layers::Entry>& entries);
Status place_from_head(std::string_view head, std::uint64_t segment_size, std::string_view index,
                       const std::vector<layers::Entry>& entries, std::uint32_t slot, Placements& placements,
                       std::string_view shown);

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
// in table order, rows of other slots pointing below `slot`; raw rows have
// stored = size, compressed ones satisfy lz4_worth and (in this slot) a
// well-formed stored form (check_stored_form; the chunks themselves are
// decoded only when read). Views point into `bytes`; errors (Corrupt)
// name `shown` and the slot.
Result<DecodedSegment> decode_segment(std::string_view bytes, std::uint32_t slot, std::string_view shown);
Result<DecodedSegment> decode_segment(std::string&& bytes, std::uint32_t slot, std::string_view shown) = delete;

}  // namespace wimg::pack
