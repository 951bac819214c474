#include "runtime/wasm/module.h"

#include <algorithm>
#include <array>

#include "runtime/wasm/leb128.h"
#include "support/utf8.h"

namespace wimg::wasm {
namespace {

constexpr std::size_t kHeaderSize = 8;
constexpr std::uint8_t kMaxSectionId = 12;
constexpr std::uint8_t kFuncType = 0x60;
constexpr std::uint8_t kEnd = 0x0b;

std::string hex_byte(std::uint8_t b) {
  constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[b >> 4] + kDigits[b & 15];
}

std::string section_label(std::uint8_t id) {
  return "section " + std::to_string(id) + " (" + std::string(section_name(id)) + ")";
}

bool is_value_type(std::uint8_t t) {
  // i32 i64 f32 f64 v128 funcref externref. GC reference types are refused
  // on purpose: the binaryen adapter cannot walk them (docs/ARCHITECTURE.md, "Injection").
  return (t >= 0x7b && t <= 0x7f) || t == 0x70 || t == 0x6f;
}

bool is_ref_type(std::uint8_t t) {
  return t == 0x70 || t == 0x6f;
}

// "1 body", "2 bodies".
std::string things(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// Describes the value being read, for messages: "code body 3 size". Kept
// as views and a number so the common, successful path never allocates.
struct What {
  What(const char* t) : text(t) {}  // NOLINT: implicit by design
  What(std::string_view t, std::size_t i, std::string_view s = {}) : text(t), index(i), suffix(s) {}
  std::string str() const {
    std::string out(text);
    if (index != kNone) out += " " + std::to_string(index);
    out += suffix;
    return out;
  }
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::string_view text;
  std::size_t index = kNone;
  std::string_view suffix;
};

// A bounds-checked read position inside [pos, end) of the file. Offsets
// stay absolute so every message names a byte of the file itself.
class Cursor {
 public:
  Cursor(std::string_view file, std::size_t pos, std::size_t end, std::string limit, std::string_view shown)
      : file_(file.substr(0, end)), pos_(pos), limit_(std::move(limit)), shown_(shown) {}

  std::size_t pos() const { return pos_; }
  std::size_t left() const { return file_.size() - pos_; }
  bool done() const { return pos_ == file_.size(); }
  const std::string& limit() const { return limit_; }
  // The bytes read since offset `begin`.
  std::string_view since(std::size_t begin) const { return file_.substr(begin, pos_ - begin); }

  Error fail_at(std::size_t at, const std::string& msg) const {
    return make_error(ErrorKind::Input, std::string(shown_) + ": byte " + std::to_string(at) + ": " + msg);
  }

  Result<std::uint8_t> byte(const What& what) {
    if (done()) return fail_at(pos_, what.str() + " runs past the end of " + limit_);
    return static_cast<std::uint8_t>(file_[pos_++]);
  }

  Result<std::uint32_t> u32(const What& what) { return leb(what, decode_u32, kMaxLeb32); }
  Result<std::uint64_t> u64(const What& what) { return leb(what, decode_u64, kMaxLeb64); }
  Result<std::int32_t> s32(const What& what) { return leb(what, decode_s32, kMaxLeb32); }
  Result<std::int64_t> s64(const What& what) { return leb(what, decode_s64, kMaxLeb64); }

  Result<std::string_view> take(std::size_t n, const What& what) {
    if (n > left()) {
      return fail_at(pos_, what.str() + " of " + std::to_string(n) + " bytes runs past the end of " + limit_);
    }
    auto v = file_.substr(pos_, n);
    pos_ += n;
    return v;
  }

  // name = len:u32 bytes, valid UTF-8 (spec 5.2.4).
  Result<std::string_view> name(const What& what) {
    const std::size_t at = pos_;
    WIMG_ASSIGN(std::uint32_t len, u32(What(what.text, what.index, " length")));
    WIMG_ASSIGN(std::string_view s, take(len, what));
    if (!utf8::valid(s)) return fail_at(at, what.str() + " is not valid UTF-8");
    return s;
  }

  // A vector's element count, refused when even the smallest possible
  // elements could not fit in the bytes left: callers may then reserve.
  Result<std::uint32_t> count(const What& what, std::size_t min_entry_bytes) {
    const std::size_t at = pos_;
    WIMG_ASSIGN(std::uint32_t n, u32(what));
    if (n > left() / min_entry_bytes) {
      return fail_at(at, what.str() + " " + std::to_string(n) + " cannot fit: only " +
                             things(left(), "byte is", "bytes are") + " left in " + limit_);
    }
    return n;
  }

  // The spec requires a section's contents to fill its size exactly.
  Status finish() {
    if (done()) return {};
    return fail_at(pos_, things(left(), "unused byte", "unused bytes") + " at the end of " + limit_);
  }

 private:
  template <typename T>
  Result<T> leb(const What& what, LebFault (*decode)(std::string_view, std::size_t*, T*), std::size_t max) {
    T v{};
    const std::size_t at = pos_;
    LebFault f = decode(file_, &pos_, &v);
    if (f == LebFault::None) return v;
    if (f == LebFault::Truncated) return fail_at(at, what.str() + ": LEB128 runs past the end of " + limit_);
    return fail_at(at, what.str() + ": " + std::string(describe(f, max)));
  }

  std::string_view file_;  // cut at the limit, so nothing past it is readable
  std::size_t pos_;
  std::string limit_;  // "section 2 (import), which ends at byte 99" / "the file (99 bytes)"
  std::string_view shown_;
};

std::string file_limit(std::string_view bytes) {
  return "the file (" + std::to_string(bytes.size()) + " bytes)";
}

Cursor section_cursor(const Module& m, const Section& s, std::string_view shown) {
  return Cursor(m.bytes, s.content_offset, s.end(),
                section_label(s.id) + ", which ends at byte " + std::to_string(s.end()), shown);
}

Status check_header(std::string_view bytes, std::string_view shown) {
  auto fail = [&](std::size_t at, const std::string& msg) {
    return make_error(ErrorKind::Input, std::string(shown) + ": byte " + std::to_string(at) + ": " + msg);
  };
  if (bytes.size() < kHeaderSize) {
    return fail(0, "file is " + std::to_string(bytes.size()) + " bytes, too short for a WebAssembly header (8 bytes)");
  }
  if (bytes.substr(0, 4) != std::string_view("\0asm", 4)) {
    std::string got;
    for (std::size_t i = 0; i < 4; ++i) got += (i ? " " : "") + hex_byte(static_cast<std::uint8_t>(bytes[i]));
    return fail(0, "not a WebAssembly module (magic " + got + ", expected 0x00 0x61 0x73 0x6d)");
  }
  std::uint32_t version = 0;
  for (std::size_t i = 0; i < 4; ++i) version |= std::uint32_t{static_cast<std::uint8_t>(bytes[4 + i])} << (8 * i);
  if (version == 1) return {};
  std::string msg = "unsupported WebAssembly version " + std::to_string(version) + " (expected 1)";
  // The component model shares the magic; its version word is 0x0001000d.
  if (version == 0x0001000d) msg += ": this is a WebAssembly component, not a core module";
  return fail(4, msg);
}

// Pass 1: section boundaries, ids, order, custom names.
Status split_sections(Module* m, std::string_view shown) {
  Cursor file(m->bytes, kHeaderSize, m->bytes.size(), file_limit(m->bytes), shown);
  std::array<std::size_t, kMaxSectionId + 1> seen_at{};  // 0: not seen (no section starts at byte 0)
  std::uint8_t last_id = 0;                              // last non-custom section, 0 before any
  while (!file.done()) {
    Section s;
    s.start = file.pos();
    WIMG_ASSIGN(s.id, file.byte("section id"));
    if (s.id > kMaxSectionId) return file.fail_at(s.start, "unknown section id " + std::to_string(s.id));
    WIMG_ASSIGN(std::uint32_t size, file.u32(What("section", s.id, " size")));
    if (size > file.left()) {
      return file.fail_at(
          s.start, section_label(s.id) + " size " + std::to_string(size) + " runs past the end of " + file.limit());
    }
    s.payload_offset = file.pos();
    s.payload_size = size;
    s.content_offset = s.payload_offset;
    WIMG_TRY(file.take(size, "section payload"));
    if (s.id == 0) {
      Cursor c(m->bytes, s.payload_offset, s.end(),
               section_label(0) + ", which ends at byte " + std::to_string(s.end()), shown);
      WIMG_ASSIGN(s.name, c.name("custom section name"));
      s.content_offset = c.pos();
    } else {
      if (seen_at[s.id] != 0) {
        return file.fail_at(s.start, "duplicate " + section_label(s.id) + " (the first is at byte " +
                                         std::to_string(seen_at[s.id]) + ")");
      }
      if (last_id != 0 && section_rank(s.id) < section_rank(last_id)) {
        return file.fail_at(s.start, section_label(s.id) + " comes after " + section_label(last_id) +
                                         "; sections must be in the order type, import, function, table, memory, "
                                         "global, export, start, element, datacount, code, data");
      }
      seen_at[s.id] = s.start;
      last_id = s.id;
    }
    m->sections.push_back(s);
  }
  return {};
}

// limits = flags:byte min [max]; tables allow flags 0 and 1 only.
Result<Limits> read_limits(Cursor& c, const What& what, bool memory) {
  const std::size_t at = c.pos();
  WIMG_ASSIGN(std::uint8_t flags, c.byte(What(what.text, what.index, " limits flags")));
  const std::uint8_t allowed = memory ? 0x07 : 0x01;
  if (flags & ~allowed) {
    return c.fail_at(at, what.str() + ": unknown limits flags " + hex_byte(flags) +
                             (memory ? " (expected 0x00 to 0x07)" : " (expected 0x00 or 0x01)"));
  }
  Limits l;
  l.shared = flags & 0x02;
  l.memory64 = flags & 0x04;
  if (l.memory64) {
    WIMG_ASSIGN(l.min, c.u64(What(what.text, what.index, " minimum")));
  } else {
    WIMG_ASSIGN(l.min, c.u32(What(what.text, what.index, " minimum")));
  }
  if (flags & 0x01) {
    if (l.memory64) {
      WIMG_ASSIGN(l.max, c.u64(What(what.text, what.index, " maximum")));
    } else {
      WIMG_ASSIGN(l.max, c.u32(What(what.text, what.index, " maximum")));
    }
    if (*l.max < l.min) {
      return c.fail_at(
          at, what.str() + ": minimum " + std::to_string(l.min) + " is larger than maximum " + std::to_string(*l.max));
    }
  }
  return l;
}

Result<std::uint8_t> read_value_type(Cursor& c, const What& what) {
  const std::size_t at = c.pos();
  WIMG_ASSIGN(std::uint8_t t, c.byte(what));
  if (!is_value_type(t)) return c.fail_at(at, what.str() + ": unsupported value type " + hex_byte(t));
  return t;
}

Status read_value_types(Cursor& c, std::uint32_t type, std::string_view list) {
  WIMG_ASSIGN(std::uint32_t n,
              c.count(What("type", type, list == "parameter" ? " parameter count" : " result count"), 1));
  for (std::uint32_t k = 0; k < n; ++k) {
    WIMG_TRY(read_value_type(c, What("type", type, list == "parameter" ? " parameter" : " result")));
  }
  return {};
}

Status read_types(Module* m, Cursor& c) {
  WIMG_ASSIGN(m->type_count, c.count("type count", 3));
  for (std::uint32_t i = 0; i < m->type_count; ++i) {
    const std::size_t at = c.pos();
    WIMG_ASSIGN(std::uint8_t form, c.byte(What("type", i, " form")));
    if (form != kFuncType) {
      return c.fail_at(at, "type " + std::to_string(i) + ": form " + hex_byte(form) +
                               " is not a function type (0x60); GC types are not supported");
    }
    WIMG_TRY(read_value_types(c, i, "parameter"));
    WIMG_TRY(read_value_types(c, i, "result"));
  }
  return c.finish();
}

Result<ExternKind> read_extern_kind(Cursor& c, const What& what) {
  const std::size_t at = c.pos();
  WIMG_ASSIGN(std::uint8_t k, c.byte(What(what.text, what.index, " kind")));
  if (k <= 3) return static_cast<ExternKind>(k);
  std::string msg = what.str() + ": unknown kind " + hex_byte(k);
  if (k == 4) msg += " (a tag, from the exception-handling proposal, which is not supported)";
  return c.fail_at(at, msg);
}

Status read_import_desc(Cursor& c, std::uint32_t i, Import* im) {
  const What what("import", i);
  switch (im->kind) {
    case ExternKind::Func: {
      WIMG_ASSIGN(im->func_type, c.u32(What("import", i, " type index")));
      return {};
    }
    case ExternKind::Table: {
      const std::size_t at = c.pos();
      WIMG_ASSIGN(im->ref_type, c.byte(What("import", i, " table element type")));
      if (!is_ref_type(im->ref_type)) {
        return c.fail_at(at, what.str() + ": unsupported table element type " + hex_byte(im->ref_type));
      }
      WIMG_ASSIGN(im->limits, read_limits(c, what, false));
      return {};
    }
    case ExternKind::Memory: {
      WIMG_ASSIGN(im->limits, read_limits(c, what, true));
      return {};
    }
    case ExternKind::Global: {
      WIMG_ASSIGN(im->value_type, read_value_type(c, What("import", i, " global type")));
      const std::size_t at = c.pos();
      WIMG_ASSIGN(std::uint8_t mut, c.byte(What("import", i, " mutability")));
      if (mut > 1) return c.fail_at(at, what.str() + ": mutability " + hex_byte(mut) + " is not 0x00 or 0x01");
      im->mutable_global = mut == 1;
      return {};
    }
  }
  return {};
}

Status read_imports(Module* m, Cursor& c) {
  WIMG_ASSIGN(std::uint32_t n, c.count("import count", 4));
  m->imports.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    Import im;
    im.offset = c.pos();
    WIMG_ASSIGN(im.module, c.name(What("import", i, " module name")));
    WIMG_ASSIGN(im.name, c.name(What("import", i, " name")));
    WIMG_ASSIGN(im.kind, read_extern_kind(c, What("import", i)));
    WIMG_TRY(read_import_desc(c, i, &im));
    m->imports.push_back(im);
  }
  return c.finish();
}

Status read_functions(Module* m, Cursor& c) {
  WIMG_ASSIGN(std::uint32_t n, c.count("function count", 1));
  m->function_types.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    WIMG_ASSIGN(std::uint32_t t, c.u32(What("function", i, " type index")));
    m->function_types.push_back(t);
  }
  return c.finish();
}

Status read_memories(Module* m, Cursor& c) {
  WIMG_ASSIGN(std::uint32_t n, c.count("memory count", 2));
  m->memories.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    WIMG_ASSIGN(Limits l, read_limits(c, What("memory", i), true));
    m->memories.push_back(l);
  }
  return c.finish();
}

Status read_exports(Module* m, Cursor& c) {
  WIMG_ASSIGN(std::uint32_t n, c.count("export count", 3));
  m->exports.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    Export e;
    e.offset = c.pos();
    WIMG_ASSIGN(e.name, c.name(What("export", i, " name")));
    WIMG_ASSIGN(e.kind, read_extern_kind(c, What("export", i)));
    WIMG_ASSIGN(e.index, c.u32(What("export", i, " index")));
    m->exports.push_back(e);
  }
  return c.finish();
}

Status read_code(Module* m, Cursor& c) {
  WIMG_ASSIGN(std::uint32_t n, c.count("code body count", 1));
  m->code.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    WIMG_ASSIGN(std::uint32_t size, c.u32(What("code body", i, " size")));
    CodeBody b{c.pos(), size};
    WIMG_TRY(c.take(size, What("code body", i)));
    m->code.push_back(b);
  }
  return c.finish();
}

// Keeps only the failure of a read whose value is not needed.
template <typename T>
Status skipped(Result<T> r) {
  if (!r.ok()) return std::move(r).error();
  return {};
}

// Skips one constant instruction's immediates (spec 3.3.10 "Constant
// Expressions", plus extended-const arithmetic and v128.const).
Status skip_const_immediates(Cursor& c, std::uint8_t op, std::size_t at, const What& what) {
  switch (op) {
    case 0x41:  // i32.const
      return skipped(c.s32(what));
    case 0x42:  // i64.const
      return skipped(c.s64(what));
    case 0x43:  // f32.const
      return skipped(c.take(4, what));
    case 0x44:  // f64.const
      return skipped(c.take(8, what));
    case 0x23:  // global.get
    case 0xd2:  // ref.func
      return skipped(c.u32(what));
    case 0xd0: {  // ref.null
      WIMG_ASSIGN(std::uint8_t t, c.byte(what));
      if (!is_ref_type(t)) return c.fail_at(at + 1, what.str() + ": unsupported reference type " + hex_byte(t));
      return {};
    }
    case 0x6a:  // i32.add, i32.sub, i32.mul
    case 0x6b:
    case 0x6c:
    case 0x7c:  // i64.add, i64.sub, i64.mul
    case 0x7d:
    case 0x7e:
      return {};
    case 0xfd: {  // SIMD prefix: only v128.const (12) is constant
      WIMG_ASSIGN(std::uint32_t sub, c.u32(what));
      if (sub != 12) {
        return c.fail_at(at, what.str() + ": instruction 0xfd " + std::to_string(sub) + " is not constant");
      }
      return skipped(c.take(16, what));
    }
    default:
      return c.fail_at(at, what.str() + ": opcode " + hex_byte(op) + " is not allowed in a constant expression");
  }
}

// expr = *instr 0x0b, constant instructions only. Returns the raw bytes.
Result<std::string_view> read_const_expr(Cursor& c, const What& what) {
  const std::size_t begin = c.pos();
  for (;;) {
    const std::size_t at = c.pos();
    WIMG_ASSIGN(std::uint8_t op, c.byte(what));
    if (op == kEnd) break;
    WIMG_TRY(skip_const_immediates(c, op, at, what));
  }
  return c.since(begin);
}

// The first byte is i32.const, the rest its immediate and end: the offset
// binaryen cannot report and wimg needs to place memory.
std::optional<std::uint32_t> single_i32_const(std::string_view expr) {
  if (expr.size() < 3 || static_cast<std::uint8_t>(expr[0]) != 0x41) return std::nullopt;
  std::size_t pos = 1;
  std::int32_t v = 0;
  if (decode_s32(expr, &pos, &v) != LebFault::None || pos != expr.size() - 1) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

Status read_data_segment(Cursor& c, std::uint32_t i, DataSegment* d) {
  d->offset = c.pos();
  WIMG_ASSIGN(std::uint32_t flags, c.u32(What("data segment", i, " flags")));
  if (flags > 2) {
    return c.fail_at(d->offset, "data segment " + std::to_string(i) + ": unknown flags " + std::to_string(flags) +
                                    " (expected 0 active, 1 passive or 2 active with a memory index)");
  }
  d->mode = static_cast<DataMode>(flags);
  if (d->mode == DataMode::ActiveExplicit) {
    WIMG_ASSIGN(d->memory, c.u32(What("data segment", i, " memory index")));
  }
  if (d->mode != DataMode::Passive) {
    WIMG_ASSIGN(d->offset_expr, read_const_expr(c, What("data segment", i, " offset expression")));
    d->i32_offset = single_i32_const(d->offset_expr);
  }
  WIMG_ASSIGN(std::uint32_t size, c.u32(What("data segment", i, " size")));
  d->data_offset = c.pos();
  d->data_size = size;
  return skipped(c.take(size, What("data segment", i)));
}

Status read_data(Module* m, Cursor& c) {
  WIMG_ASSIGN(std::uint32_t n, c.count("data segment count", 2));
  m->data.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    DataSegment d;
    WIMG_TRY(read_data_segment(c, i, &d));
    m->data.push_back(d);
  }
  return c.finish();
}

// Reads a one-value section (start, datacount) that must hold nothing else.
Result<std::uint32_t> read_single_u32(Cursor& c, const What& what) {
  WIMG_ASSIGN(std::uint32_t v, c.u32(what));
  WIMG_TRY(c.finish());
  return v;
}

// Sections whose entries wimg does not need: only the count, for the
// index-space checks. Their bytes are copied verbatim by the writer.
Result<std::uint32_t> read_count_only(Cursor& c, const What& what) {
  return c.count(what, 1);
}

// Pass 2: the contents of each known section.
Status decode_section(Module* m, const Section& s, std::string_view shown) {
  Cursor c = section_cursor(*m, s, shown);
  switch (static_cast<SectionId>(s.id)) {
    case SectionId::Custom:
      return {};
    case SectionId::Type:
      return read_types(m, c);
    case SectionId::Import:
      return read_imports(m, c);
    case SectionId::Function:
      return read_functions(m, c);
    case SectionId::Table: {
      WIMG_ASSIGN(m->table_count, read_count_only(c, "table count"));
      return {};
    }
    case SectionId::Memory:
      return read_memories(m, c);
    case SectionId::Global: {
      WIMG_ASSIGN(m->global_count, read_count_only(c, "global count"));
      return {};
    }
    case SectionId::Export:
      return read_exports(m, c);
    case SectionId::Start: {
      WIMG_ASSIGN(m->start, read_single_u32(c, "start function index"));
      return {};
    }
    case SectionId::Element: {
      WIMG_ASSIGN(m->element_count, read_count_only(c, "element segment count"));
      return {};
    }
    case SectionId::DataCount: {
      WIMG_ASSIGN(m->data_count, read_single_u32(c, "data count"));
      return {};
    }
    case SectionId::Code:
      return read_code(m, c);
    case SectionId::Data:
      return read_data(m, c);
  }
  return {};
}

Error fail(std::string_view shown, std::size_t at, const std::string& msg) {
  return make_error(ErrorKind::Input, std::string(shown) + ": byte " + std::to_string(at) + ": " + msg);
}

std::size_t section_start_or(const Module& m, SectionId id, std::size_t fallback) {
  const Section* s = m.find(id);
  return s ? s->start : fallback;
}

// Counts that two sections must agree on (spec 5.5.16).
Status check_counts(const Module& m, std::string_view shown) {
  if (m.function_types.size() != m.code.size()) {
    const std::size_t at = section_start_or(m, SectionId::Code, section_start_or(m, SectionId::Function, 0));
    return fail(shown, at,
                "the function section declares " + things(m.function_types.size(), "function", "functions") +
                    " but the code section has " + things(m.code.size(), "body", "bodies"));
  }
  if (m.data_count && *m.data_count != m.data.size()) {
    const std::size_t at = m.find(SectionId::DataCount)->payload_offset;
    return fail(shown, at,
                "the data count section says " + things(*m.data_count, "segment", "segments") +
                    " but the data section has " + std::to_string(m.data.size()));
  }
  return {};
}

Status check_type_indexes(const Module& m, std::string_view shown) {
  for (std::size_t i = 0; i < m.imports.size(); ++i) {
    const Import& im = m.imports[i];
    if (im.kind == ExternKind::Func && im.func_type >= m.type_count) {
      return fail(shown, im.offset,
                  "import " + std::to_string(i) + ": type index " + std::to_string(im.func_type) +
                      " is out of range (" + std::to_string(m.type_count) + " types)");
    }
  }
  for (std::size_t i = 0; i < m.function_types.size(); ++i) {
    if (m.function_types[i] >= m.type_count) {
      return fail(shown, m.find(SectionId::Function)->payload_offset,
                  "function " + std::to_string(i) + ": type index " + std::to_string(m.function_types[i]) +
                      " is out of range (" + std::to_string(m.type_count) + " types)");
    }
  }
  return {};
}

std::uint64_t index_space_size(const Module& m, ExternKind kind) {
  switch (kind) {
    case ExternKind::Func:
      return m.function_count();
    case ExternKind::Table:
      return m.table_total();
    case ExternKind::Memory:
      return m.memory_count();
    case ExternKind::Global:
      return m.global_total();
  }
  return 0;
}

// Indexes that binaryen would trip over: exports, start, segment memories.
Status check_references(const Module& m, std::string_view shown) {
  for (std::size_t i = 0; i < m.exports.size(); ++i) {
    const Export& e = m.exports[i];
    const std::uint64_t n = index_space_size(m, e.kind);
    if (e.index >= n) {
      return fail(shown, e.offset,
                  "export " + std::to_string(i) + " \"" + std::string(e.name) +
                      "\": " + std::string(extern_kind_name(e.kind)) + " index " + std::to_string(e.index) +
                      " is out of range (" + std::to_string(n) + ")");
    }
  }
  if (m.start && *m.start >= m.function_count()) {
    return fail(shown, m.find(SectionId::Start)->payload_offset,
                "start function index " + std::to_string(*m.start) + " is out of range (" +
                    std::to_string(m.function_count()) + " functions)");
  }
  for (std::size_t i = 0; i < m.data.size(); ++i) {
    const DataSegment& d = m.data[i];
    if (d.mode != DataMode::Passive && d.memory >= m.memory_count()) {
      return fail(shown, d.offset,
                  "data segment " + std::to_string(i) + ": memory index " + std::to_string(d.memory) +
                      " is out of range (" + std::to_string(m.memory_count()) + " memories)");
    }
  }
  return {};
}

Status check_unique_exports(const Module& m, std::string_view shown) {
  std::vector<const Export*> sorted;
  sorted.reserve(m.exports.size());
  for (const Export& e : m.exports) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](const Export* a, const Export* b) {
    return a->name != b->name ? a->name < b->name : a->offset < b->offset;
  });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i]->name == sorted[i - 1]->name) {
      return fail(shown, sorted[i]->offset, "duplicate export name \"" + std::string(sorted[i]->name) + "\"");
    }
  }
  return {};
}

}  // namespace

std::string_view section_name(std::uint8_t id) {
  static constexpr std::array<std::string_view, kMaxSectionId + 1> kNames = {
      "custom", "type",  "import",  "function", "table", "memory",   "global",
      "export", "start", "element", "code",     "data",  "datacount"};
  return id <= kMaxSectionId ? kNames[id] : "unknown";
}

int section_rank(std::uint8_t id) {
  // Index = id, value = position in the required order; datacount (12)
  // goes between element (9) and code (10).
  static constexpr std::array<int, kMaxSectionId + 1> kRank = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
  return id <= kMaxSectionId ? kRank[id] : -1;
}

std::string_view extern_kind_name(ExternKind kind) {
  switch (kind) {
    case ExternKind::Func:
      return "function";
    case ExternKind::Table:
      return "table";
    case ExternKind::Memory:
      return "memory";
    case ExternKind::Global:
      return "global";
  }
  return "unknown";
}

const Section* Module::find(SectionId id) const {
  for (const Section& s : sections) {
    if (s.id == static_cast<std::uint8_t>(id)) return &s;
  }
  return nullptr;
}

std::vector<const Section*> Module::custom_sections(std::string_view name) const {
  std::vector<const Section*> out;
  for (const Section& s : sections) {
    if (s.id == 0 && s.name == name) out.push_back(&s);
  }
  return out;
}

std::uint32_t Module::count_imports(ExternKind kind) const {
  return static_cast<std::uint32_t>(
      std::count_if(imports.begin(), imports.end(), [kind](const Import& im) { return im.kind == kind; }));
}

Result<Module> parse_module(std::string_view bytes, std::string_view shown) {
  Module m;
  m.bytes = bytes;
  WIMG_TRY(check_header(bytes, shown));
  WIMG_TRY(split_sections(&m, shown));
  for (const Section& s : m.sections) WIMG_TRY(decode_section(&m, s, shown));
  WIMG_TRY(check_counts(m, shown));
  WIMG_TRY(check_type_indexes(m, shown));
  WIMG_TRY(check_references(m, shown));
  WIMG_TRY(check_unique_exports(m, shown));
  return m;
}

}  // namespace wimg::wasm
