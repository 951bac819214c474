#include "runtime/pack/segment.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "layers/index.h"
#include "runtime/guest/wimg_abi.h"
#include "runtime/pack/compress.h"
#include "support/hugepages.h"
#include "support/fs.h"
#include "support/le.h"

namespace wimg::pack {

namespace {

constexpr std::uint64_t kMaxU32 = 0xffffffffu;
constexpr std::size_t kSegmentHeader = 16;

// Distinct file contents of a layer with their sizes, sorted by digest.
std::map<Digest, std::uint64_t> contents_of(const std::vector<layers::Entry>& entries) {
  std::map<Digest, std::uint64_t> out;
  for (const auto& e : entries) {
    if (e.kind == layers::Kind::File) out.emplace(e.digest, e.size);
  }
  return out;
}

std::string where(std::string_view shown, std::uint32_t slot) {
  return std::string(shown) + ": slot " + std::to_string(slot);
}

std::string row_bytes(const Digest& d, const Placement& p) {
  std::string row(reinterpret_cast<const char*>(d.bytes.data()), d.bytes.size());
  for (std::uint32_t v : {p.slot | (p.lz4 ? WIMG_NODE_LZ4 : 0u), p.offset, p.size, p.stored}) le::put(row, v);
  return row;
}

Error too_large(std::string_view shown, std::uint32_t slot) {
  return make_error(ErrorKind::Input, where(shown, slot) + ": layer is larger than a segment can hold (4 GiB)");
}

// Contents up to this size are read whole and compressed in memory.
constexpr std::uint64_t kWholeContent = std::uint64_t{4} << 20;

// A large content in 64 KiB chunks: the stored form (table patched at the
// end) while it stays worth it; when it stops being (or cannot be), the
// read stops, what was appended is cut off, and the content is read again
// raw. Returns whether it was stored compressed. Same bytes as
// compress_content.
Result<bool> append_streamed(const Digest& d, std::uint64_t size, const ContentStream& read, SegmentOut& out) {
  const std::uint64_t start = out.size();
  const std::uint64_t count = lz4_chunk_count(size);
  const std::uint64_t limit = 15 * size / 16;
  const bool worth = size >= kLz4MinSize && size <= kMaxU32 && 4 + 4 * count <= limit;
  if (worth) {
    std::string head;
    le::put(head, static_cast<std::uint32_t>(count));
    head.resize(4 + 4 * count, '\0');
    WIMG_TRY(out.append(head));
    const std::uint64_t data = out.size();
    std::string stage, block, ends;
    stage.reserve(WIMG_LZ4_CHUNK);
    std::uint64_t seen = 0;
    bool stopped = false;
    auto chunk = [&](std::string_view piece) -> Status {
      while (!piece.empty()) {
        const std::size_t take = std::min<std::size_t>(piece.size(), WIMG_LZ4_CHUNK - stage.size());
        stage.append(piece.substr(0, take));
        piece.remove_prefix(take);
        seen += take;
        if (stage.size() < WIMG_LZ4_CHUNK && seen < size) continue;
        block.clear();
        if (!compress_chunk(stage, block) || out.size() + block.size() - start > limit) {
          stopped = true;
          return make_error(ErrorKind::Input, "not worth compressing");  // stops the read
        }
        WIMG_TRY(out.append(block));
        le::put(ends, static_cast<std::uint32_t>(out.size() - data));
        stage.clear();
      }
      return {};
    };
    Status s = read(d, size, chunk);
    if (!s && !stopped) return std::move(s).error();
    if (!stopped && seen != size) {
      return make_error(ErrorKind::Corrupt, "content " + d.str() + " has " + std::to_string(seen) +
                                                " bytes, its layer says " + std::to_string(size));
    }
    if (!stopped) {
      WIMG_TRY(out.patch(start + 4, ends));
      return true;
    }
    WIMG_TRY(out.truncate(start));
  }
  WIMG_TRY(read(d, size, [&out](std::string_view piece) { return out.append(piece); }));
  return false;
}

// A content of this slot: its stored bytes appended, its placement returned.
Result<Placement> append_content(const Digest& d, std::uint64_t size, std::uint32_t slot, const ContentStream& read,
                                 SegmentOut& out, std::string_view shown) {
  if (size > kMaxU32) return too_large(shown, slot);
  const std::uint64_t offset = out.size();
  Placement p{slot, static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size), 0, false};
  if (size <= kWholeContent) {
    std::string bytes, stored;
    bytes.reserve(size);
    WIMG_TRY(read(d, size, [&bytes](std::string_view piece) -> Status {
      bytes.append(piece);
      return {};
    }));
    if (bytes.size() != size) {
      return make_error(ErrorKind::Corrupt, "content " + d.str() + " has " + std::to_string(bytes.size()) +
                                                " bytes, its layer says " + std::to_string(size));
    }
    p.lz4 = compress_content(bytes, stored);
    WIMG_TRY(out.append(p.lz4 ? stored : bytes));
  } else {
    WIMG_ASSIGN(p.lz4, append_streamed(d, size, read, out));
  }
  if (out.size() > kMaxU32) return too_large(shown, slot);
  p.stored = static_cast<std::uint32_t>(out.size() - offset);
  if (!p.lz4 && p.stored != size) {
    return make_error(ErrorKind::Corrupt, "content " + d.str() + " has " + std::to_string(p.stored) +
                                              " bytes, its layer says " + std::to_string(size));
  }
  return p;
}

// Checks `count` rows read from `r` against the layer's contents `want`;
// `cursor` is where this slot's blobs start, `total` the segment's size;
// `check_stored` (may be empty) checks a compressed blob of this slot.
Result<std::vector<ContentRow>> read_rows(le::Reader& r, std::uint32_t count,
                                          const std::map<Digest, std::uint64_t>& want, std::uint32_t slot,
                                          std::uint64_t cursor, std::uint64_t total,
                                          const std::function<std::string(const ContentRow&)>& check_stored,
                                          const std::function<Error(const std::string&)>& fail) {
  if (count != want.size()) {
    return fail(std::to_string(count) + " content rows for " + std::to_string(want.size()) + " distinct files");
  }
  std::vector<ContentRow> rows;
  rows.reserve(count);
  auto expect = want.begin();
  for (std::uint32_t i = 0; i < count; ++i, ++expect) {
    ContentRow row;
    std::string_view d;
    r.bytes(32, &d);
    std::memcpy(row.digest.bytes.data(), d.data(), 32);
    std::uint32_t field = 0;
    r.get(&field);
    r.get(&row.at.offset);
    r.get(&row.at.size);
    r.get(&row.at.stored);
    row.at.slot = field & WIMG_NODE_SLOT_MASK;
    row.at.lz4 = (field & WIMG_NODE_LZ4) != 0;
    const std::string who = "content " + row.digest.str();
    if (row.digest != expect->first) return fail(who + ": not the layer's next file content in digest order");
    if (row.at.size != expect->second)
      return fail(who + ": size " + std::to_string(row.at.size) + ", the index says " + std::to_string(expect->second));
    if ((field & ~(WIMG_NODE_SLOT_MASK | WIMG_NODE_LZ4)) != 0 || row.at.slot == 0 || row.at.slot > slot)
      return fail(who + ": bad slot field " + std::to_string(field));
    if (row.at.lz4 ? !lz4_worth(row.at.size, row.at.stored) : row.at.stored != row.at.size) {
      return fail(who + ": stored length " + std::to_string(row.at.stored) + " for " + std::to_string(row.at.size) +
                  (row.at.lz4 ? " bytes compressed" : " bytes raw"));
    }
    if (row.at.slot == slot) {
      if (row.at.offset != cursor || row.at.stored > total - std::min<std::uint64_t>(cursor, total)) {
        return fail(who + ": its bytes do not follow the previous content inside the segment");
      }
      if (row.at.lz4 && check_stored) {
        const std::string bad = check_stored(row);
        if (!bad.empty()) return fail(who + ": " + bad);
      }
      cursor += row.at.stored;
    }
    rows.push_back(row);
  }
  if (cursor != total) return fail("is " + std::to_string(total) + " bytes, its contents end at " + std::to_string(cursor));
  return rows;
}

}  // namespace

Status FileSegmentOut::append(std::string_view bytes) {
  buf_.append(bytes);
  if (buf_.size() < (std::size_t{1} << 20)) return {};
  return finish();
}

Status FileSegmentOut::finish() {
  WIMG_TRY(fs::write_all(fd_, buf_.data(), buf_.size(), shown_));
  flushed_ += buf_.size();
  buf_.clear();
  return {};
}

Status FileSegmentOut::patch(std::uint64_t at, std::string_view bytes) {
  while (!bytes.empty() && at < flushed_) {  // the part already in the file
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), flushed_ - at));
    const ssize_t w = ::pwrite(fd_, bytes.data(), n, static_cast<off_t>(at));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return fs::os_error("cannot write", shown_, w < 0 ? errno : EIO);
    bytes.remove_prefix(static_cast<std::size_t>(w));
    at += static_cast<std::uint64_t>(w);
  }
  if (!bytes.empty()) buf_.replace(static_cast<std::size_t>(at - flushed_), bytes.size(), bytes);
  return {};
}

Status FileSegmentOut::truncate(std::uint64_t to) {
  if (to >= flushed_) {
    buf_.resize(static_cast<std::size_t>(to - flushed_));
    return {};
  }
  buf_.clear();
  if (::ftruncate(fd_, static_cast<off_t>(to)) != 0 || ::lseek(fd_, static_cast<off_t>(to), SEEK_SET) < 0) {
    return fs::os_error("cannot truncate", shown_, errno);
  }
  flushed_ = to;
  return {};
}

Status build_segment(std::string_view index, const std::vector<layers::Entry>& entries, std::uint32_t slot,
                     const ContentStream& read, Placements& placements, SegmentOut& out, std::string_view shown) {
  const auto contents = contents_of(entries);
  const std::uint64_t table = kSegmentHeader + index.size() + 4;
  if (table + kContentRowSize * contents.size() > kMaxU32) return too_large(shown, slot);
  std::string head(kSegmentMagic);
  le::put(head, kSegmentVersion);
  le::put(head, static_cast<std::uint32_t>(index.size()));
  WIMG_TRY(out.append(head));
  WIMG_TRY(out.append(index));
  head.clear();
  le::put(head, static_cast<std::uint32_t>(contents.size()));
  head.resize(4 + kContentRowSize * contents.size(), '\0');
  WIMG_TRY(out.append(head));
  std::string rows;
  rows.reserve(kContentRowSize * contents.size());
  for (const auto& [d, size] : contents) {
    auto it = placements.find(d);
    if (it == placements.end()) {
      WIMG_ASSIGN(Placement p, append_content(d, size, slot, read, out, shown));
      it = placements.emplace(d, p).first;
    }
    rows += row_bytes(d, it->second);
  }
  return out.patch(table, rows);
}

std::uint64_t segment_head_size(std::string_view index, const std::vector<layers::Entry>& entries) {
  return kSegmentHeader + index.size() + 4 + kContentRowSize * contents_of(entries).size();
}

Status place_from_head(std::string_view head, std::uint64_t segment_size, std::string_view index,
                       const std::vector<layers::Entry>& entries, std::uint32_t slot, Placements& placements,
                       std::string_view shown) {
  const std::string at = where(shown, slot);
  auto fail = [&](const std::string& why) { return make_error(ErrorKind::Corrupt, at + ": layer segment: " + why); };
  const auto want = contents_of(entries);
  le::Reader r(head);
  std::string_view magic, got_index;
  std::uint32_t version = 0, index_len = 0, count = 0;
  if (head.size() != segment_head_size(index, entries) || !r.bytes(8, &magic) || magic != kSegmentMagic ||
      !r.get(&version) || version != kSegmentVersion || !r.get(&index_len) || !r.bytes(index_len, &got_index) ||
      got_index != index || !r.get(&count)) {
    return fail("its head is not that of this layer's segment");
  }
  WIMG_ASSIGN(std::vector<ContentRow> rows, read_rows(r, count, want, slot, head.size(), segment_size, {}, fail));
  for (const ContentRow& row : rows) {
    auto it = placements.find(row.digest);
    if (it == placements.end() && row.at.slot == slot) {
      placements.emplace(row.digest, row.at);
    } else if (it == placements.end() || it->second != row.at) {
      return fail("content " + row.digest.str() + " is not where the layers below placed it");
    }
  }
  return {};
}

Result<BuiltSegments> build_segments(const std::vector<std::vector<layers::Entry>>& layers, const ContentReader& read,
                                     std::uint32_t first_slot, std::string_view shown) {
  const ContentStream stream = [&read](const Digest& d, std::uint64_t size, const ChunkFn& chunk) -> Status {
    WIMG_ASSIGN(std::string bytes, read(d, size));
    return chunk(bytes);
  };
  BuiltSegments out;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto slot = static_cast<std::uint32_t>(first_slot + i);
    WIMG_ASSIGN(std::string index, layers::encode_index(layers[i]));
    StringSegmentOut seg;
    WIMG_TRY(build_segment(index, layers[i], slot, stream, out.placements, seg, shown));
    out.segments.push_back(std::move(seg.bytes));
  }
  return out;
}

Result<DecodedSegment> decode_segment(std::string_view bytes, std::uint32_t slot, std::string_view shown) {
  const std::string at = where(shown, slot);
  auto fail = [&](const std::string& why) { return make_error(ErrorKind::Corrupt, at + ": layer segment: " + why); };
  le::Reader r(bytes);
  std::string_view magic;
  std::uint32_t version = 0, index_len = 0, count = 0;
  if (!r.bytes(8, &magic) || magic != kSegmentMagic) return fail("bad magic (not \"WIMGLSEG\")");
  if (!r.get(&version) || version != kSegmentVersion) return fail("unsupported version " + std::to_string(version));
  DecodedSegment seg;
  if (!r.get(&index_len) || !r.bytes(index_len, &seg.index)) return fail("layer index is truncated");
  auto entries = layers::decode_index(seg.index, at);
  if (!entries.ok()) return fail(entries.error().message);
  seg.entries = std::move(entries).value();
  if (!r.get(&count) || count > r.left() / kContentRowSize) return fail("content table is truncated");
  const std::uint64_t blobs = r.pos() + std::uint64_t{kContentRowSize} * count;
  auto check = [&](const ContentRow& row) {
    return check_stored_form(bytes.substr(row.at.offset, row.at.stored), row.at.size);
  };
  WIMG_ASSIGN(seg.contents, read_rows(r, count, contents_of(seg.entries), slot, blobs, bytes.size(), check, fail));
  return seg;
}

}  // namespace wimg::pack
