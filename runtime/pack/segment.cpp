#include "runtime/pack/segment.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "layers/index.h"
#include "runtime/guest/wimg_abi.h"
#include "runtime/pack/compress.h"
#include "support/hugepages.h"
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

void put_row(std::string& out, std::size_t at, const Digest& d, const Placement& p) {
  std::string row(reinterpret_cast<const char*>(d.bytes.data()), d.bytes.size());
  for (std::uint32_t v : {p.slot | (p.lz4 ? WIMG_NODE_LZ4 : 0u), p.offset, p.size, p.stored}) le::put(row, v);
  out.replace(at, row.size(), row);
}

// Header, index, table (rows of this slot's contents filled in as their
// bytes are appended), blobs: one content in memory at a time besides the
// segment itself.
Result<std::string> build_one(const std::vector<layers::Entry>& entries, std::uint32_t slot, const ContentReader& read,
                              Placements& placements, std::string_view shown) {
  WIMG_ASSIGN(std::string index, layers::encode_index(entries));
  const auto contents = contents_of(entries);
  const std::uint64_t table = kSegmentHeader + index.size() + 4;
  std::uint64_t upper = table + kContentRowSize * contents.size();  // the size when nothing compresses
  for (const auto& [d, size] : contents) {
    if (placements.count(d) == 0) upper += size;
  }
  std::string out;
  out.reserve(std::min<std::uint64_t>(upper, kMaxU32 + 1));
  advise_huge_pages(out);
  out += kSegmentMagic;
  le::put(out, kSegmentVersion);
  le::put(out, static_cast<std::uint32_t>(index.size()));
  out += index;
  le::put(out, static_cast<std::uint32_t>(contents.size()));
  if (table + kContentRowSize * contents.size() > kMaxU32) {
    return make_error(ErrorKind::Input, where(shown, slot) + ": layer is larger than a segment can hold (4 GiB)");
  }
  out.resize(table + kContentRowSize * contents.size(), '\0');
  std::size_t row = 0;
  for (const auto& [d, size] : contents) {
    const std::size_t at = table + kContentRowSize * row++;
    auto it = placements.find(d);
    if (it == placements.end()) {
      if (size > kMaxU32) {
        return make_error(ErrorKind::Input, where(shown, slot) + ": layer is larger than a segment can hold (4 GiB)");
      }
      WIMG_ASSIGN(std::string bytes, read(d, size));
      if (bytes.size() != size) {
        return make_error(ErrorKind::Corrupt, "content " + d.str() + " has " + std::to_string(bytes.size()) +
                                                  " bytes, its layer says " + std::to_string(size));
      }
      const std::size_t offset = out.size();
      Placement p{slot, static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size), 0, false};
      p.lz4 = compress_content(bytes, out);
      if (!p.lz4) out += bytes;
      if (out.size() > kMaxU32) {
        return make_error(ErrorKind::Input, where(shown, slot) + ": layer is larger than a segment can hold (4 GiB)");
      }
      p.stored = static_cast<std::uint32_t>(out.size() - offset);
      it = placements.emplace(d, p).first;
    }
    put_row(out, at, d, it->second);
  }
  return out;
}

}  // namespace

Result<BuiltSegments> build_segments(const std::vector<std::vector<layers::Entry>>& layers, const ContentReader& read,
                                     std::uint32_t first_slot, std::string_view shown) {
  BuiltSegments out;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto slot = static_cast<std::uint32_t>(first_slot + i);
    WIMG_ASSIGN(std::string seg, build_one(layers[i], slot, read, out.placements, shown));
    out.segments.push_back(std::move(seg));
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
  const auto want = contents_of(seg.entries);
  if (count != want.size()) {
    return fail(std::to_string(count) + " content rows for " + std::to_string(want.size()) + " distinct files");
  }
  std::uint64_t cursor = r.pos() + std::uint64_t{kContentRowSize} * count;
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
      if (row.at.offset != cursor || row.at.stored > bytes.size() - std::min<std::uint64_t>(cursor, bytes.size())) {
        return fail(who + ": its bytes do not follow the previous content inside the segment");
      }
      if (row.at.lz4) {
        const std::string bad = check_stored_form(bytes.substr(cursor, row.at.stored), row.at.size);
        if (!bad.empty()) return fail(who + ": " + bad);
      }
      cursor += row.at.stored;
    }
    seg.contents.push_back(row);
  }
  if (cursor != bytes.size()) {
    return fail("is " + std::to_string(bytes.size()) + " bytes, its contents end at " + std::to_string(cursor));
  }
  return seg;
}

}  // namespace wimg::pack
