#include "runtime/wasm/writer.h"

#include <algorithm>
#include <deque>

#include "runtime/wasm/leb128.h"
#include "support/hugepages.h"
#include "support/utf8.h"

namespace wimg::wasm {
namespace {

constexpr std::uint64_t kMaxU32 = 0xffffffffu;
constexpr std::size_t kHeaderSize = 8;
constexpr char kPassiveFlags = 0x01;

Error fail(std::string_view shown, const std::string& msg) {
  return make_error(ErrorKind::Input, std::string(shown) + ": " + msg);
}

std::string encode_u32(std::uint32_t v) {
  std::string s;
  append_u32(&s, v);
  return s;
}

// One output byte range: in memory, or copied from a source at emit time.
struct Piece {
  std::string_view bytes;
  const ByteSource* source = nullptr;
  std::uint64_t size() const { return source != nullptr ? source->size() : bytes.size(); }
};

// One section's payload as an ordered list of byte ranges.
struct Pieces {
  std::vector<Piece> parts;
  std::uint64_t size = 0;
  void add(Piece p) {
    size += p.size();
    parts.push_back(p);
  }
  void add(std::string_view p) { add(Piece{p}); }
};

// Small pieces (headers, counts) are gathered into one call of the sink.
constexpr std::size_t kBatch = std::size_t{1} << 16;

}  // namespace

// The whole output as byte ranges: views into the input module, into the
// caller's spans or sources, or into small encodings the plan owns. Nothing
// is copied until it is emitted.
struct PlannedModule::Impl {
  // Owns `s` for the plan's lifetime (a deque never moves its elements, so
  // the returned view stays valid).
  std::string_view keep(std::string s) {
    owned_.push_back(std::move(s));
    return owned_.back();
  }
  void add(Piece p) {
    total_ += p.size();
    parts_.push_back(p);
  }
  void add(std::string_view p) { add(Piece{p}); }
  // id, size, payload. Refuses payloads a u32 size cannot describe.
  Status add_section(std::uint8_t id, const Pieces& payload, std::string_view shown) {
    if (payload.size > kMaxU32) {
      return fail(shown, "section " + std::to_string(id) + " (" + std::string(section_name(id)) + ") would be " +
                             std::to_string(payload.size) + " bytes, more than a section can hold (" +
                             std::to_string(kMaxU32) + ")");
    }
    std::string header(1, static_cast<char>(id));
    append_u32(&header, static_cast<std::uint32_t>(payload.size));
    add(keep(std::move(header)));
    for (const Piece& p : payload.parts) add(p);
    return {};
  }
  Status write_to(const Sink& out) const {
    std::string batch;
    batch.reserve(kBatch);
    auto flush = [&]() -> Status {
      if (batch.empty()) return {};
      WIMG_TRY(out(batch));
      batch.clear();
      return {};
    };
    for (const Piece& p : parts_) {
      if (p.source == nullptr && p.bytes.size() < kBatch - batch.size()) {
        batch.append(p.bytes);
        continue;
      }
      WIMG_TRY(flush());
      if (p.source != nullptr) {
        WIMG_TRY(p.source->copy_to(out));
      } else if (!p.bytes.empty()) {
        WIMG_TRY(out(p.bytes));
      }
    }
    return flush();
  }
  std::optional<std::uint64_t> offset_of(const char* data) const {
    std::uint64_t at = 0;
    for (const Piece& p : parts_) {
      if (p.source == nullptr && !p.bytes.empty() && p.bytes.data() == data) return at;
      at += p.size();
    }
    return std::nullopt;
  }
  std::uint64_t total_ = 0;

 private:
  std::deque<std::string> owned_;
  std::vector<Piece> parts_;
};

namespace {

using Plan = PlannedModule::Impl;

// The decisions of phase 1, made before any byte is laid out.
struct Layout {
  bool add_segments = false;
  bool rewrite_data = false;  // segments added or replaced
  std::uint32_t data_count = 0;  // segments after the edit
  // Index in m.sections after which a missing section is created; -1 means
  // before the first section; unused when the section exists.
  long datacount_after = -1;
  long data_after = -1;
  bool create_datacount = false;
  bool create_data = false;
};

// The last known section that must precede a section of this id.
long insertion_point(const Module& m, SectionId id) {
  long after = -1;
  for (std::size_t i = 0; i < m.sections.size(); ++i) {
    const std::uint8_t sid = m.sections[i].id;
    if (sid != 0 && section_rank(sid) < section_rank(static_cast<std::uint8_t>(id))) after = static_cast<long>(i);
  }
  return after;
}

Result<Layout> plan_layout(const Module& m, const Edits& edits, std::string_view shown) {
  Layout l;
  l.add_segments = !edits.add_passive.empty();
  const std::uint64_t total = m.data.size() + edits.add_passive.size();
  if (total > kMaxU32) {
    return fail(shown, "adding " + std::to_string(edits.add_passive.size()) + " data segments makes " +
                           std::to_string(total) + ", more than a module can hold (" + std::to_string(kMaxU32) + ")");
  }
  l.data_count = static_cast<std::uint32_t>(total);
  l.rewrite_data = l.add_segments || !edits.replace_passive.empty();
  if (!l.add_segments) return l;
  l.create_datacount = m.find(SectionId::DataCount) == nullptr;
  l.create_data = m.find(SectionId::Data) == nullptr;
  l.datacount_after = insertion_point(m, SectionId::DataCount);
  l.data_after = insertion_point(m, SectionId::Data);
  return l;
}

Status check_replacements(const Module& m, const Edits& edits, std::string_view shown) {
  std::vector<bool> seen(m.data.size(), false);
  for (const SegmentReplacement& r : edits.replace_passive) {
    const std::string what = "data segment " + std::to_string(r.index);
    if (r.index >= m.data.size()) {
      return fail(shown, "cannot replace " + what + ": the module has " + std::to_string(m.data.size()));
    }
    if (m.data[r.index].mode != DataMode::Passive) return fail(shown, "cannot replace " + what + ": it is not passive");
    if (seen[r.index]) return fail(shown, what + " is replaced twice");
    seen[r.index] = true;
    if (r.size() > kMaxU32) {
      return fail(shown, "new bytes of " + what + " are " + std::to_string(r.size()) +
                             " bytes, more than a segment can hold (" + std::to_string(kMaxU32) + ")");
    }
  }
  return {};
}

Status check_edits(const Module& m, const Edits& edits, std::string_view shown) {
  WIMG_TRY(check_replacements(m, edits, shown));
  for (std::size_t i = 0; i < edits.add_passive.size(); ++i) {
    if (edits.add_passive[i].size() > kMaxU32) {
      return fail(shown, "new data segment " + std::to_string(i) + " is " +
                             std::to_string(edits.add_passive[i].size()) + " bytes, more than a segment can hold (" +
                             std::to_string(kMaxU32) + ")");
    }
  }
  for (const NewCustomSection& c : edits.add_custom) {
    if (!utf8::valid(c.name)) return fail(shown, "custom section name \"" + c.name + "\" is not valid UTF-8");
    if (c.name.size() > kMaxU32) return fail(shown, "custom section name is too long");
  }
  return {};
}

// The entries of an existing data section: its payload after the count.
Result<std::string_view> data_entries(const Module& m, const Section& s, std::string_view shown) {
  std::size_t pos = s.payload_offset;
  std::uint32_t count = 0;
  if (decode_u32(m.bytes.substr(0, s.end()), &pos, &count) != LebFault::None) {
    return fail(shown, "byte " + std::to_string(s.payload_offset) + ": data section count is unreadable");
  }
  return m.bytes.substr(pos, s.end() - pos);
}

Status add_datacount(Plan& plan, const Layout& l, std::string_view shown) {
  Pieces p;
  p.add(plan.keep(encode_u32(l.data_count)));
  return plan.add_section(static_cast<std::uint8_t>(SectionId::DataCount), p, shown);
}

void add_passive_entry(Plan& plan, Pieces& p, Piece seg) {
  std::string head(1, kPassiveFlags);
  append_u32(&head, static_cast<std::uint32_t>(seg.size()));
  p.add(plan.keep(std::move(head)));
  p.add(seg);
}

// The old entries (starting at `entries`, a view into m.bytes) with the
// replaced segments re-encoded in place and every other byte verbatim.
void add_old_entries(Plan& plan, Pieces& p, const Module& m, const Edits& edits, std::string_view entries) {
  std::vector<const SegmentReplacement*> order;
  for (const SegmentReplacement& r : edits.replace_passive) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->index < b->index; });
  std::size_t cursor = static_cast<std::size_t>(entries.data() - m.bytes.data());
  const std::size_t end = cursor + entries.size();
  for (const SegmentReplacement* r : order) {
    const DataSegment& d = m.data[r->index];
    p.add(m.bytes.substr(cursor, d.offset - cursor));
    add_passive_entry(plan, p, Piece{r->bytes, r->source});
    cursor = d.data_offset + d.data_size;
  }
  p.add(m.bytes.substr(cursor, end - cursor));
}

// existing: the old entries (empty when the section is created).
Status add_data(Plan& plan, const Module& m, const Layout& l, const Edits& edits, std::string_view existing,
                std::string_view shown) {
  Pieces p;
  p.add(plan.keep(encode_u32(l.data_count)));
  if (!existing.empty()) add_old_entries(plan, p, m, edits, existing);
  for (std::string_view seg : edits.add_passive) add_passive_entry(plan, p, Piece{seg});
  return plan.add_section(static_cast<std::uint8_t>(SectionId::Data), p, shown);
}

Status add_custom(Plan& plan, const NewCustomSection& c, std::string_view shown) {
  Pieces p;
  p.add(plan.keep(encode_u32(static_cast<std::uint32_t>(c.name.size()))));
  p.add(plan.keep(c.name));  // the plan may outlive the edits
  p.add(c.content);
  return plan.add_section(0, p, shown);
}

bool removed(const Section& s, const Edits& edits) {
  return s.id == 0 &&
         std::find(edits.remove_custom.begin(), edits.remove_custom.end(), s.name) != edits.remove_custom.end();
}

// Sections created by the edit that belong right after position `after`.
Status add_created(Plan& plan, const Module& m, const Layout& l, const Edits& edits, long after,
                   std::string_view shown) {
  if (l.create_datacount && l.datacount_after == after) WIMG_TRY(add_datacount(plan, l, shown));
  if (l.create_data && l.data_after == after) WIMG_TRY(add_data(plan, m, l, edits, {}, shown));
  return {};
}

// One input section: dropped, rewritten, or copied verbatim.
Status add_existing(Plan& plan, const Module& m, const Layout& l, const Edits& edits, const Section& s,
                    std::string_view shown) {
  if (removed(s, edits)) return {};
  if (l.add_segments && s.id == static_cast<std::uint8_t>(SectionId::DataCount)) return add_datacount(plan, l, shown);
  if (l.rewrite_data && s.id == static_cast<std::uint8_t>(SectionId::Data)) {
    WIMG_ASSIGN(std::string_view entries, data_entries(m, s, shown));
    return add_data(plan, m, l, edits, entries, shown);
  }
  plan.add(m.bytes.substr(s.start, s.end() - s.start));
  return {};
}

// Phase 1: every output byte range, in order.
Status plan_pieces(Plan& plan, const Module& m, const Layout& l, const Edits& edits, std::string_view shown) {
  plan.add(m.bytes.substr(0, kHeaderSize));
  WIMG_TRY(add_created(plan, m, l, edits, -1, shown));
  for (std::size_t i = 0; i < m.sections.size(); ++i) {
    WIMG_TRY(add_existing(plan, m, l, edits, m.sections[i], shown));
    WIMG_TRY(add_created(plan, m, l, edits, static_cast<long>(i), shown));
  }
  for (const NewCustomSection& c : edits.add_custom) WIMG_TRY(add_custom(plan, c, shown));
  return {};
}

// A Module built by hand could point outside its bytes; refuse rather
// than read out of bounds.
Status check_module(const Module& m, std::string_view shown) {
  if (m.bytes.size() < kHeaderSize) return fail(shown, "module has no header");
  for (const Section& s : m.sections) {
    if (s.start >= s.payload_offset || s.payload_offset > m.bytes.size() || s.payload_size > m.bytes.size() ||
        s.end() > m.bytes.size()) {
      return fail(shown, "byte " + std::to_string(s.start) + ": section lies outside the module's bytes");
    }
  }
  // Replacements splice at segment boundaries: they must be in order and
  // inside the data section.
  const Section* data = m.find(SectionId::Data);
  std::size_t prev_end = data != nullptr ? data->payload_offset : 0;
  for (const DataSegment& d : m.data) {
    if (data == nullptr || d.offset < prev_end || d.data_offset < d.offset || d.data_size > data->end() ||
        d.data_offset > data->end() - d.data_size) {
      return fail(shown, "byte " + std::to_string(d.offset) + ": data segment lies outside the data section");
    }
    prev_end = d.data_offset + d.data_size;
  }
  return {};
}

}  // namespace

PlannedModule::PlannedModule() : impl_(std::make_unique<Impl>()) {}
PlannedModule::~PlannedModule() = default;
PlannedModule::PlannedModule(PlannedModule&&) noexcept = default;
PlannedModule& PlannedModule::operator=(PlannedModule&&) noexcept = default;
std::uint64_t PlannedModule::size() const { return impl_->total_; }
std::optional<std::uint64_t> PlannedModule::offset_of(const char* data) const { return impl_->offset_of(data); }
Status PlannedModule::write_to(const Sink& out) const { return impl_->write_to(out); }

Result<PlannedModule> plan_module(const Module& m, const Edits& edits, std::string_view shown) {
  WIMG_TRY(check_module(m, shown));
  WIMG_TRY(check_edits(m, edits, shown));
  WIMG_ASSIGN(Layout layout, plan_layout(m, edits, shown));
  PlannedModule planned;
  WIMG_TRY(plan_pieces(*planned.impl_, m, layout, edits, shown));
  return planned;
}

Result<Written> write_module(const Module& m, const Edits& edits, std::string_view shown) {
  WIMG_ASSIGN(PlannedModule planned, plan_module(m, edits, shown));
  Written w;
  w.bytes.reserve(planned.size());
  advise_huge_pages(w.bytes);
  WIMG_TRY(planned.write_to([&w](std::string_view b) -> Status {
    w.bytes.append(b);
    return {};
  }));
  w.new_segments.reserve(edits.add_passive.size());
  for (std::size_t i = 0; i < edits.add_passive.size(); ++i) {
    w.new_segments.push_back(static_cast<std::uint32_t>(m.data.size() + i));
  }
  return w;
}

}  // namespace wimg::wasm
