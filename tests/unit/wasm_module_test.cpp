// The wasm reader on hand-built modules (every byte known, every error path
// reachable) and on modules made by wabt's wat2wasm.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <set>
#include <string>

#include "runtime/wasm/leb128.h"
#include "runtime/wasm/module.h"
#include "runtime/wasm/writer.h"
#include "test_util.h"
#include "wasm_test_util.h"

namespace wimg::wasm {
namespace {

// gtest only (gmock is not linked into wimg_unit_tests).
::testing::AssertionResult has_substr(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}
::testing::AssertionResult starts_with(const std::string& text, const std::string& prefix) {
  if (text.rfind(prefix, 0) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not start with \"" << prefix << "\"";
}

// --- byte builders (tests/unit/wasm_test_util.h) ---------------------------

using test::b;
using test::have_tool;
using test::module;
using test::sec;
using test::str;
using test::u32;
using test::wasm_validate;
using test::wat2wasm;
const std::string& kHeader = test::kWasmHeader;

// Sections of the full sample, named so tests can drop or reorder them.
std::string type_sec() {
  return sec(1, u32(2) + b({0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f}) + b({0x60, 0, 0}));
}
std::string import_sec() {
  return sec(2, u32(3) + str("wasi_snapshot_preview1") + str("fd_write") + b({0, 0}) + str("env") + str("tbl") +
                    b({1, 0x70, 0, 1}) + str("env") + str("g") + b({3, 0x7f, 0}));
}
std::string function_sec() {
  return sec(3, u32(2) + b({1, 1}));
}
std::string table_sec() {
  return sec(4, u32(1) + b({0x70, 0, 0}));
}
std::string memory_sec() {
  return sec(5, u32(1) + b({1, 1, 2}));
}
std::string global_sec() {
  return sec(6, u32(1) + b({0x7f, 0, 0x41, 42, 0x0b}));
}
std::string export_sec() {
  return sec(7, u32(3) + str("memory") + b({2, 0}) + str("_start") + b({0, 1}) + str("g") + b({3, 1}));
}
std::string start_sec() {
  return sec(8, b({2}));
}
std::string element_sec() {
  return sec(9, u32(1) + b({0, 0x41, 0, 0x0b, 1, 1}));
}
std::string datacount_sec(std::uint32_t n = 3) {
  return sec(12, u32(n));
}
std::string code_sec() {
  return sec(10, u32(2) + b({2, 0, 0x0b}) + b({2, 0, 0x0b}));
}
std::string data_sec() {
  return sec(
      11, u32(3) + b({0, 0x41, 0x80, 0x08, 0x0b, 3}) + "abc" + b({1, 2}) + "xy" + b({2, 0, 0x41, 0x10, 0x0b, 1}) + "z");
}
std::string custom_sec(std::string_view name, std::string_view content) {
  return sec(0, str(name) + std::string(content));
}

// Every section kind, two custom sections, all three data segment modes.
std::string sample() {
  return module({type_sec(), custom_sec("a", "xyz"), import_sec(), function_sec(), table_sec(), memory_sec(),
                 global_sec(), export_sec(), start_sec(), element_sec(), datacount_sec(), code_sec(), data_sec(),
                 custom_sec("wimg.test", "hello")});
}

// The Module refers into `bytes`: callers keep it alive (no temporaries).
Module parse_ok(std::string&& bytes) = delete;
Module parse_ok(const std::string& bytes) {
  auto r = parse_module(bytes, "m.wasm");
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return Module{};
  return std::move(r).value();
}

std::string parse_error(const std::string& bytes) {
  auto r = parse_module(bytes, "m.wasm");
  if (r.ok()) return "(parsed)";
  EXPECT_EQ(r.error().kind, ErrorKind::Input);
  return r.error().message;
}

// --- valid modules ---------------------------------------------------------

TEST(WasmModule, HeaderOnlyIsAnEmptyModule) {
  Module m = parse_ok(kHeader);
  EXPECT_TRUE(m.sections.empty());
  EXPECT_EQ(m.function_count(), 0u);
  EXPECT_EQ(m.bytes.size(), 8u);
}

TEST(WasmModule, SampleSplitsIntoSections) {
  const std::string bytes = sample();
  Module m = parse_ok(bytes);
  std::vector<int> ids;
  for (const Section& s : m.sections) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<int>{1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11, 0}));
  // Sections tile the file: each starts where the previous ended.
  std::size_t expect = 8;
  for (const Section& s : m.sections) {
    EXPECT_EQ(s.start, expect);
    EXPECT_EQ(s.payload_offset, s.start + 1 + size_u32(static_cast<std::uint32_t>(s.payload_size)));
    expect = s.end();
  }
  EXPECT_EQ(expect, bytes.size());
  const Section* custom = m.custom_sections("a").at(0);
  EXPECT_EQ(custom->name, "a");
  EXPECT_EQ(m.content(*custom), "xyz");
  EXPECT_EQ(m.payload(*custom), std::string("\x01"
                                            "axyz"));
  ASSERT_EQ(m.custom_sections("wimg.test").size(), 1u);
  EXPECT_EQ(m.content(*m.custom_sections("wimg.test")[0]), "hello");
  EXPECT_TRUE(m.custom_sections("nope").empty());
  ASSERT_NE(m.find(SectionId::Code), nullptr);
  EXPECT_EQ(m.find(SectionId::Code)->id, 10);
}

TEST(WasmModule, SampleDecodesImportsExportsAndCounts) {
  const std::string bytes = sample();
  Module m = parse_ok(bytes);
  EXPECT_EQ(m.type_count, 2u);
  ASSERT_EQ(m.imports.size(), 3u);
  EXPECT_EQ(m.imports[0].module, "wasi_snapshot_preview1");
  EXPECT_EQ(m.imports[0].name, "fd_write");
  EXPECT_EQ(m.imports[0].kind, ExternKind::Func);
  EXPECT_EQ(m.imports[0].func_type, 0u);
  EXPECT_EQ(m.imports[1].kind, ExternKind::Table);
  EXPECT_EQ(m.imports[1].ref_type, 0x70);
  EXPECT_EQ(m.imports[1].limits.min, 1u);
  EXPECT_FALSE(m.imports[1].limits.max.has_value());
  EXPECT_EQ(m.imports[2].kind, ExternKind::Global);
  EXPECT_EQ(m.imports[2].value_type, 0x7f);
  EXPECT_FALSE(m.imports[2].mutable_global);
  EXPECT_EQ(m.function_types, (std::vector<std::uint32_t>{1, 1}));
  EXPECT_EQ(m.function_count(), 3u);
  EXPECT_EQ(m.table_count, 1u);
  EXPECT_EQ(m.table_total(), 2u);
  ASSERT_EQ(m.memories.size(), 1u);
  EXPECT_EQ(m.memories[0].min, 1u);
  EXPECT_EQ(m.memories[0].max, 2u);
  EXPECT_FALSE(m.memories[0].shared);
  EXPECT_FALSE(m.memories[0].memory64);
  EXPECT_EQ(m.global_count, 1u);
  EXPECT_EQ(m.global_total(), 2u);
  ASSERT_EQ(m.exports.size(), 3u);
  EXPECT_EQ(m.exports[1].name, "_start");
  EXPECT_EQ(m.exports[1].kind, ExternKind::Func);
  EXPECT_EQ(m.exports[1].index, 1u);
  EXPECT_EQ(m.exports[0].kind, ExternKind::Memory);
  EXPECT_EQ(m.start, 2u);
  EXPECT_EQ(m.element_count, 1u);
  EXPECT_EQ(m.data_count, 3u);
  ASSERT_EQ(m.code.size(), 2u);
  EXPECT_EQ(m.code[0].size, 2u);
  EXPECT_EQ(m.bytes.substr(m.code[1].offset, m.code[1].size), b({0, 0x0b}));
}

TEST(WasmModule, SampleDecodesDataSegments) {
  const std::string bytes = sample();
  Module m = parse_ok(bytes);
  ASSERT_EQ(m.data.size(), 3u);
  EXPECT_EQ(m.data[0].mode, DataMode::Active);
  EXPECT_EQ(m.data[0].memory, 0u);
  EXPECT_EQ(m.data[0].offset_expr, b({0x41, 0x80, 0x08, 0x0b}));
  EXPECT_EQ(m.data[0].i32_offset, 1024u);
  EXPECT_EQ(m.segment_bytes(m.data[0]), "abc");
  EXPECT_EQ(m.data[1].mode, DataMode::Passive);
  EXPECT_TRUE(m.data[1].offset_expr.empty());
  EXPECT_FALSE(m.data[1].i32_offset.has_value());
  EXPECT_EQ(m.segment_bytes(m.data[1]), "xy");
  EXPECT_EQ(m.data[2].mode, DataMode::ActiveExplicit);
  EXPECT_EQ(m.data[2].memory, 0u);
  EXPECT_EQ(m.data[2].i32_offset, 16u);
  EXPECT_EQ(m.segment_bytes(m.data[2]), "z");
  // Offsets point into the file; nothing was copied.
  EXPECT_EQ(m.segment_bytes(m.data[0]).data(), m.bytes.data() + m.data[0].data_offset);
}

TEST(WasmModule, SampleIsValidForWabt) {
  if (!have_tool("wasm-validate")) GTEST_SKIP() << "wabt not installed";
  test::TempDir dir;
  EXPECT_TRUE(wasm_validate(dir, sample())) << "the hand-built sample itself must be valid wasm";
}

TEST(WasmModule, NonConstantOffsetsAreKeptRaw) {
  // Offset from an imported global, and an extended-const i32.add.
  std::string data = sec(11, u32(2) + b({0, 0x23, 0, 0x0b, 1}) + "q" + b({0, 0x41, 1, 0x41, 2, 0x6a, 0x0b, 0}));
  std::string bytes = module({sec(2, u32(1) + str("env") + str("base") + b({3, 0x7f, 0})), memory_sec(), data});
  Module m = parse_ok(bytes);
  ASSERT_EQ(m.data.size(), 2u);
  EXPECT_EQ(m.data[0].offset_expr, b({0x23, 0, 0x0b}));
  EXPECT_FALSE(m.data[0].i32_offset.has_value());
  EXPECT_FALSE(m.data[1].i32_offset.has_value());
  EXPECT_EQ(m.data[1].data_size, 0u);
}

TEST(WasmModule, EveryConstantInstructionIsSkipped) {
  // global section is count-only, so use data offsets to exercise the skipper.
  std::string v128 = b({0xfd, 12}) + std::string(16, '\x01');
  std::string expr = b({0x42, 0x7f, 0x43, 0,    0,    0,    0, 0x44, 0,    0,    0,    0,    0,
                        0,    0,    0,    0xd0, 0x70, 0xd2, 0, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e, 0x1a}) +
                     v128 + b({0x0b});
  // 0x1a (drop) is not constant: the reader must say so, at its byte.
  std::string bytes = module({memory_sec(), sec(11, u32(1) + b({0}) + expr + b({0}))});
  EXPECT_TRUE(has_substr(parse_error(bytes), "opcode 0x1a is not allowed in a constant expression"));
  std::string fixed = bytes;
  fixed[fixed.find('\x1a')] = 0x6a;  // i32.add
  Module m = parse_ok(fixed);
  ASSERT_EQ(m.data.size(), 1u);
  EXPECT_EQ(m.data[0].offset_expr.size(), expr.size());
}

TEST(WasmModule, MemoryFlagsAreReported) {
  std::string mems =
      sec(5, u32(4) + b({0x00, 1}) + b({0x03, 1, 4}) + b({0x04, 0x80, 0x80, 0x80, 0x80, 0x10}) + b({0x05, 1, 2}));
  const std::string bytes = module({mems});
  Module m = parse_ok(bytes);
  ASSERT_EQ(m.memories.size(), 4u);
  EXPECT_FALSE(m.memories[0].max.has_value());
  EXPECT_TRUE(m.memories[1].shared);
  EXPECT_EQ(m.memories[1].max, 4u);
  EXPECT_TRUE(m.memories[2].memory64);
  EXPECT_EQ(m.memories[2].min, std::uint64_t{1} << 32);  // only a memory64 minimum can exceed u32
  EXPECT_TRUE(m.memories[3].memory64);
  EXPECT_EQ(m.memories[3].max, 2u);

  std::string imp = sec(2, u32(1) + str("env") + str("memory") + b({2, 0x03, 1, 16}));
  const std::string mi_bytes = module({imp});
  Module mi = parse_ok(mi_bytes);
  ASSERT_EQ(mi.imports.size(), 1u);
  EXPECT_EQ(mi.imports[0].kind, ExternKind::Memory);
  EXPECT_TRUE(mi.imports[0].limits.shared);
  EXPECT_EQ(mi.imports[0].limits.max, 16u);
  EXPECT_EQ(mi.memory_count(), 1u);
}

TEST(WasmModule, NonMinimalLebsAreAccepted) {
  // A padded section size (as linkers write) and a padded count.
  std::string payload = b({0x82, 0x80, 0x00, 1, 1});
  std::string padded = b({3, 0x85, 0x80, 0x80, 0x80, 0x00}) + payload;
  std::string bytes = module({type_sec(), padded, sec(10, u32(2) + b({2, 0, 0x0b}) + b({2, 0, 0x0b}))});
  Module m = parse_ok(bytes);
  EXPECT_EQ(m.function_types.size(), 2u);
  EXPECT_EQ(m.sections[1].payload_size, 5u);
  EXPECT_EQ(m.sections[1].payload_offset, m.sections[1].start + 6);
}

// --- errors ------------------------------------------------------------------

TEST(WasmModule, RejectsBadHeaders) {
  EXPECT_EQ(parse_error(""), "m.wasm: byte 0: file is 0 bytes, too short for a WebAssembly header (8 bytes)");
  EXPECT_EQ(parse_error(std::string("\0as", 3)),
            "m.wasm: byte 0: file is 3 bytes, too short for a WebAssembly header (8 bytes)");
  EXPECT_EQ(parse_error(std::string("\x7f"
                                    "ELF\x02\x01\x01\x00",
                                    8)),
            "m.wasm: byte 0: not a WebAssembly module (magic 0x7f 0x45 0x4c 0x46, expected 0x00 0x61 0x73 0x6d)");
  EXPECT_EQ(parse_error(std::string("\0asm\x02\0\0\0", 8)),
            "m.wasm: byte 4: unsupported WebAssembly version 2 (expected 1)");
  EXPECT_TRUE(
      has_substr(parse_error(std::string("\0asm\x0d\0\x01\0", 8)), "a WebAssembly component, not a core module"));
  EXPECT_TRUE(has_substr(parse_error(std::string("\0asm\0\0\0\x01", 8)), "unsupported WebAssembly version 16777216"));
}

TEST(WasmModule, RejectsSectionSizePastTheEnd) {
  std::string bytes = kHeader + b({10}) + u32(99999) + b({0});
  EXPECT_EQ(parse_error(bytes),
            "m.wasm: byte 8: section 10 (code) size 99999 runs past the end of the file (13 bytes)");
  // One byte short is enough.
  std::string t = module({type_sec()});
  t.pop_back();
  EXPECT_TRUE(has_substr(parse_error(t), "section 1 (type) size 12 runs past the end of the file"));
}

TEST(WasmModule, RejectsUnknownSectionIds) {
  EXPECT_EQ(parse_error(kHeader + sec(13, "")), "m.wasm: byte 8: unknown section id 13");
  EXPECT_EQ(parse_error(module({type_sec()}) + sec(0xff, "")),
            "m.wasm: byte " + std::to_string(8 + type_sec().size()) + ": unknown section id 255");
}

TEST(WasmModule, RejectsSectionsOutOfOrder) {
  std::string bytes = module({type_sec(), code_sec(), function_sec()});
  const std::size_t at = 8 + type_sec().size() + code_sec().size();
  EXPECT_EQ(parse_error(bytes), "m.wasm: byte " + std::to_string(at) +
                                    ": section 3 (function) comes after section 10 (code); sections must be in the "
                                    "order type, import, function, table, memory, global, export, start, element, "
                                    "datacount, code, data");
  // datacount goes before code, not after it (its id is larger).
  EXPECT_TRUE(has_substr(parse_error(module({type_sec(), function_sec(), code_sec(), datacount_sec(0)})),
                         "section 12 (datacount) comes after section 10 (code)"));
  // ... and after element.
  EXPECT_TRUE(has_substr(parse_error(module({datacount_sec(0), element_sec()})),
                         "section 9 (element) comes after section 12 (datacount)"));
  EXPECT_TRUE(has_substr(parse_error(module({data_sec(), code_sec()})), "section 10 (code) comes after section 11"));
  // Custom sections go anywhere and do not reset the order.
  EXPECT_TRUE(has_substr(parse_error(module({memory_sec(), custom_sec("c", ""), type_sec()})),
                         "section 1 (type) comes after section 5 (memory)"));
}

TEST(WasmModule, RejectsDuplicateSections) {
  std::string bytes = module({type_sec(), custom_sec("c", ""), type_sec()});
  EXPECT_EQ(parse_error(bytes), "m.wasm: byte " + std::to_string(8 + type_sec().size() + custom_sec("c", "").size()) +
                                    ": duplicate section 1 (type) (the first is at byte 8)");
  // Custom sections may repeat, even with the same name.
  const std::string repeated = module({custom_sec("c", "1"), custom_sec("c", "2")});
  Module m = parse_ok(repeated);
  EXPECT_EQ(m.custom_sections("c").size(), 2u);
}

TEST(WasmModule, RejectsOverLongLebs) {
  std::string size6 = kHeader + b({1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  EXPECT_EQ(parse_error(size6), "m.wasm: byte 9: section 1 size: LEB128 is longer than 5 bytes");
  std::string bits = kHeader + b({1, 0xff, 0xff, 0xff, 0xff, 0x7f});
  EXPECT_EQ(parse_error(bits),
            "m.wasm: byte 9: section 1 size: LEB128 sets unused bits in its last byte (value out of range)");
  // Inside a section: a count whose LEB runs past the section (not the file).
  std::string cut = module({sec(3, b({0x80})), custom_sec("pad", "xxxx")});
  EXPECT_EQ(parse_error(cut),
            "m.wasm: byte 10: function count: LEB128 runs past the end of section 3 (function), "
            "which ends at byte 11");
  // An over-long i32.const in a data offset.
  std::string expr = module({memory_sec(), sec(11, u32(1) + b({0, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0, 0x0b, 0}))});
  EXPECT_TRUE(has_substr(parse_error(expr), "data segment 0 offset expression: LEB128 is longer than 5 bytes"));
}

TEST(WasmModule, RejectsBadCustomNames) {
  EXPECT_EQ(parse_error(kHeader + sec(0, str("\xff"))), "m.wasm: byte 10: custom section name is not valid UTF-8");
  EXPECT_EQ(parse_error(kHeader + sec(0, str("\xed\xa0\x80"))),  // a surrogate
            "m.wasm: byte 10: custom section name is not valid UTF-8");
  EXPECT_EQ(parse_error(kHeader + sec(0, u32(5) + "ab") + custom_sec("later", "")),
            "m.wasm: byte 11: custom section name of 5 bytes runs past the end of section 0 (custom), which ends at "
            "byte 13");
  EXPECT_EQ(parse_error(kHeader + sec(0, "")),
            "m.wasm: byte 10: custom section name length: LEB128 runs past the end of section 0 (custom), which "
            "ends at byte 10");
  // Valid UTF-8 beyond ASCII is fine.
  const std::string bytes = kHeader + custom_sec("n\xc3\xa4me", "x");
  Module m = parse_ok(bytes);
  EXPECT_EQ(m.sections[0].name, "n\xc3\xa4me");
}

TEST(WasmModule, RejectsCountsLargerThanTheBytesLeft) {
  std::string imports = module({sec(2, u32(1000000) + "abcdefghijklmnopqrst")});
  EXPECT_EQ(parse_error(imports),
            "m.wasm: byte 10: import count 1000000 cannot fit: only 20 bytes are left in section 2 (import), which "
            "ends at byte 33");
  EXPECT_TRUE(has_substr(parse_error(module({sec(1, u32(0xffffffff))})),
                         "type count 4294967295 cannot fit: only 0 bytes are left"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(10, u32(3) + b({0, 0}))})),
                         "code body count 3 cannot fit: only 2 bytes are left"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(11, u32(2) + b({1, 0}))})), "data segment count 2 cannot fit"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(7, u32(1) + b({0, 0}))})), "export count 1 cannot fit"));
  EXPECT_TRUE(
      has_substr(parse_error(module({sec(5, u32(1) + b({0}))})), "memory count 1 cannot fit: only 1 byte is left"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(1, u32(1) + b({0x60, 0x7f, 0, 0}))})),
                         "type 0 parameter count 127 cannot fit"));
}

TEST(WasmModule, RejectsPayloadsPastTheirSection) {
  std::string code = module({type_sec(), function_sec(), sec(10, u32(2) + b({2, 0, 0x0b}) + b({9, 0}))});
  EXPECT_TRUE(has_substr(parse_error(code), "code body 1 of 9 bytes runs past the end of section 10 (code)"));
  std::string data = module({sec(11, u32(1) + b({1, 5}) + "abc")});
  EXPECT_TRUE(has_substr(parse_error(data), "data segment 0 of 5 bytes runs past the end of section 11 (data)"));
  std::string name = module({sec(7, u32(1) + b({9}) + "ab" + b({0, 0}))});
  EXPECT_TRUE(has_substr(parse_error(name), "export 0 name of 9 bytes runs past the end of section 7 (export)"));
}

TEST(WasmModule, RejectsUnusedBytesInSections) {
  std::string bytes = module({sec(8, b({0, 0}))});
  EXPECT_EQ(parse_error(bytes),
            "m.wasm: byte 11: 1 unused byte at the end of section 8 (start), which ends at byte 12");
  EXPECT_TRUE(has_substr(parse_error(module({sec(12, b({0, 7}))})), "1 unused byte at the end of section 12"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(1, u32(0) + b({0x60}))})), "unused byte at the end of section 1"));
}

TEST(WasmModule, RejectsMismatchedCounts) {
  std::string funcs = module({type_sec(), function_sec(), sec(10, u32(1) + b({2, 0, 0x0b}))});
  EXPECT_EQ(parse_error(funcs), "m.wasm: byte " + std::to_string(8 + type_sec().size() + function_sec().size()) +
                                    ": the function section declares 2 functions but the code section has 1 body");
  EXPECT_TRUE(has_substr(parse_error(module({type_sec(), function_sec()})),
                         "declares 2 functions but the code section has 0 bodies"));
  EXPECT_TRUE(has_substr(parse_error(module({code_sec()})), "declares 0 functions but the code section has 2 bodies"));
  std::string dc = module({memory_sec(), datacount_sec(2), sec(11, u32(1) + b({1, 0}))});
  EXPECT_EQ(parse_error(dc), "m.wasm: byte " + std::to_string(8 + memory_sec().size() + 2) +
                                 ": the data count section says 2 segments but the data section has 1");
  EXPECT_TRUE(has_substr(parse_error(module({datacount_sec(1)})), "says 1 segment but the data section has 0"));
  const std::string bytes = module({datacount_sec(0)});
  parse_ok(bytes);
}

TEST(WasmModule, RejectsBadEntries) {
  EXPECT_TRUE(has_substr(parse_error(module({sec(1, u32(1) + b({0x5f, 0, 0}))})),
                         "type 0: form 0x5f is not a function type (0x60)"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(1, u32(1) + b({0x60, 1, 0x64, 0}))})),
                         "type 0 parameter: unsupported value type 0x64"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(2, u32(1) + str("m") + str("t") + b({4, 0, 0}))})),
                         "import 0: unknown kind 0x04 (a tag"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(2, u32(1) + str("m") + str("t") + b({1, 0x71, 0, 0}))})),
                         "import 0: unsupported table element type 0x71"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(2, u32(1) + str("m") + str("t") + b({1, 0x70, 0x04, 0}))})),
                         "import 0: unknown limits flags 0x04 (expected 0x00 or 0x01)"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(2, u32(1) + str("m") + str("g") + b({3, 0x7f, 2}))})),
                         "import 0: mutability 0x02 is not 0x00 or 0x01"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(2, u32(1) + str("\xc0\x80") + str("g") + b({3, 0x7f, 0}))})),
                         "byte 11: import 0 module name is not valid UTF-8"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(5, u32(1) + b({0x08, 1}))})),
                         "memory 0: unknown limits flags 0x08 (expected 0x00 to 0x07)"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(5, u32(1) + b({0x01, 5, 2}))})),
                         "memory 0: minimum 5 is larger than maximum 2"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(7, u32(1) + str("e") + b({5, 0}))})), "export 0: unknown kind 0x05"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(11, u32(1) + b({3, 0}))})),
                         "data segment 0: unknown flags 3 (expected 0 active, 1 passive or 2 active"));
  EXPECT_TRUE(has_substr(parse_error(module({memory_sec(), sec(11, u32(1) + b({0, 0x20, 0, 0x0b, 0}))})),
                         "data segment 0 offset expression: opcode 0x20 is not allowed in a constant expression"));
  EXPECT_TRUE(has_substr(parse_error(module({memory_sec(), sec(11, u32(1) + b({0, 0xfd, 13, 0x0b, 0}))})),
                         "instruction 0xfd 13 is not constant"));
  EXPECT_TRUE(has_substr(parse_error(module({memory_sec(), sec(11, u32(1) + b({0, 0xd0, 0x40, 0x0b, 0}))})),
                         "unsupported reference type 0x40"));
  // An expression without its end runs into the segment and past the section.
  EXPECT_TRUE(has_substr(parse_error(module({memory_sec(), sec(11, u32(1) + b({0, 0x41, 0}))})),
                         "data segment 0 offset expression runs past the end of section 11 (data)"));
}

TEST(WasmModule, RejectsIndexesOutOfRange) {
  std::string exp = module({sec(7, u32(1) + str("f") + b({0, 0}))});
  EXPECT_EQ(parse_error(exp), "m.wasm: byte 11: export 0 \"f\": function index 0 is out of range (0)");
  EXPECT_TRUE(has_substr(parse_error(module({memory_sec(), sec(7, u32(1) + str("m") + b({2, 1}))})),
                         "memory index 1 is out of range (1)"));
  EXPECT_TRUE(
      has_substr(parse_error(module({sec(8, b({0}))})), "start function index 0 is out of range (0 functions)"));
  EXPECT_TRUE(
      has_substr(parse_error(module({sec(1, u32(0)), sec(3, u32(1) + b({0})), sec(10, u32(1) + b({2, 0, 0x0b}))})),
                 "function 0: type index 0 is out of range (0 types)"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(2, u32(1) + str("m") + str("f") + b({0, 3}))})),
                         "import 0: type index 3 is out of range (0 types)"));
  EXPECT_TRUE(has_substr(parse_error(module({sec(11, u32(1) + b({0, 0x41, 0, 0x0b, 0}))})),
                         "data segment 0: memory index 0 is out of range (0 memories)"));
  EXPECT_TRUE(has_substr(parse_error(module({memory_sec(), sec(11, u32(1) + b({2, 1, 0x41, 0, 0x0b, 0}))})),
                         "data segment 0: memory index 1 is out of range (1 memories)"));
  EXPECT_TRUE(
      has_substr(parse_error(module({memory_sec(), sec(7, u32(2) + str("m") + b({2, 0}) + str("m") + b({2, 0}))})),
                 "byte 21: duplicate export name \"m\""));
}

TEST(WasmModule, TrailingBytesAreAnError) {
  EXPECT_EQ(parse_error(kHeader + b({0})),
            "m.wasm: byte 9: section 0 size: LEB128 runs past the end of the file (9 bytes)");
}

// Every prefix of a valid module: a clean error, unless the cut falls on a
// section boundary (then it may be a smaller valid module).
TEST(WasmModule, EveryPrefixFailsCleanly) {
  const std::string bytes = sample();
  Module full = parse_ok(bytes);
  std::set<std::size_t> boundaries = {8};
  for (const Section& s : full.sections) boundaries.insert(s.end());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = parse_module(std::string_view(bytes).substr(0, n), "m.wasm");
    if (r.ok()) {
      EXPECT_TRUE(boundaries.count(n)) << "prefix of " << n << " bytes parsed";
      continue;
    }
    EXPECT_EQ(r.error().kind, ErrorKind::Input);
    EXPECT_TRUE(starts_with(r.error().message, "m.wasm: byte ")) << n;
  }
}

// Small mutations anywhere: never a crash; whatever parses round-trips.
TEST(WasmModule, MutationsNeverCrashAndParsedOnesRoundTrip) {
  const std::string bytes = sample();
  std::mt19937 rng(7);
  int parsed = 0;
  auto check = [&](const std::string& mutated) {
    auto r = parse_module(mutated, "m.wasm");
    if (!r.ok()) {
      EXPECT_TRUE(starts_with(r.error().message, "m.wasm: byte "));
      return;
    }
    ++parsed;
    auto w = write_module(*r, Edits{}, "m.wasm");
    ASSERT_TRUE(w.ok()) << w.error().message;
    EXPECT_EQ(w->bytes, mutated);
  };
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto orig = static_cast<std::uint8_t>(bytes[i]);
    for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff, orig ^ 0x01, orig ^ 0x40, orig ^ 0x80, orig + 1, orig - 1}) {
      std::string m = bytes;
      m[i] = static_cast<char>(v);
      check(m);
    }
  }
  for (int round = 0; round < 5000; ++round) {
    std::string m = bytes;
    for (int k = 0; k < 3; ++k) m[rng() % m.size()] = static_cast<char>(rng() & 0xff);
    if (rng() % 4 == 0) m.insert(rng() % m.size(), 1, static_cast<char>(rng() & 0xff));
    if (rng() % 4 == 0) m.erase(rng() % m.size(), 1);
    check(m);
  }
  EXPECT_GT(parsed, 0);
}

// --- modules made by wat2wasm ------------------------------------------------

constexpr const char* kWasiWat = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "memory" (memory 2 10))
  (global $sp (mut i32) (i32.const 65536))
  (data (i32.const 1024) "hello\n")
  (data $p "passive bytes")
  (func $main (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (memory.init $p (i32.const 2048) (i32.const 0) (i32.const 13))
    (data.drop $p)
    (call $proc_exit (i32.const 0)))
  (func $helper (export "helper") (result i32) (memory.size))
))";

TEST(WasmModule, ReadsAWat2wasmModule) {
  if (!have_tool("wat2wasm")) GTEST_SKIP() << "wabt not installed";
  test::TempDir dir;
  const std::string bytes = wat2wasm(dir, kWasiWat);
  ASSERT_FALSE(bytes.empty()) << test::read_file(dir / "err.txt");
  Module m = parse_ok(bytes);
  ASSERT_EQ(m.imports.size(), 3u);
  int wasi = 0;
  for (const Import& im : m.imports) {
    if (im.module == "wasi_snapshot_preview1" && im.kind == ExternKind::Func) ++wasi;
  }
  EXPECT_EQ(wasi, 2);
  EXPECT_EQ(m.imports[2].kind, ExternKind::Memory);
  EXPECT_EQ(m.imports[2].limits.min, 2u);
  EXPECT_EQ(m.imports[2].limits.max, 10u);
  EXPECT_TRUE(m.memories.empty());
  EXPECT_EQ(m.memory_count(), 1u);
  EXPECT_EQ(m.function_types.size(), 2u);
  EXPECT_EQ(m.code.size(), 2u);
  EXPECT_EQ(m.global_count, 1u);
  ASSERT_EQ(m.exports.size(), 2u);
  EXPECT_EQ(m.exports[0].name, "_start");
  EXPECT_EQ(m.exports[0].index, 2u);  // after the two imported functions
  // memory.init needs a DataCount section; wat2wasm writes one.
  EXPECT_EQ(m.data_count, 2u);
  ASSERT_EQ(m.data.size(), 2u);
  EXPECT_EQ(m.data[0].i32_offset, 1024u);
  EXPECT_EQ(m.segment_bytes(m.data[0]), "hello\n");
  EXPECT_EQ(m.data[1].mode, DataMode::Passive);
  EXPECT_EQ(m.segment_bytes(m.data[1]), "passive bytes");
}

TEST(WasmModule, ReadsTablesGlobalsElementsAndMemory64FromWat2wasm) {
  if (!have_tool("wat2wasm")) GTEST_SKIP() << "wabt not installed";
  test::TempDir dir;
  const std::string bytes = wat2wasm(dir, R"((module
    (type $t (func))
    (table 2 funcref)
    (memory 1)
    (global i32 (i32.const 1))
    (global (mut i64) (i64.const -1))
    (func $a (type $t)) (func $b (type $t))
    (elem (i32.const 0) $a $b)
    (start $a)
    (data (i32.const -1) "")
  ))");
  ASSERT_FALSE(bytes.empty()) << test::read_file(dir / "err.txt");
  Module m = parse_ok(bytes);
  EXPECT_EQ(m.table_count, 1u);
  EXPECT_EQ(m.global_count, 2u);
  EXPECT_EQ(m.element_count, 1u);
  EXPECT_EQ(m.start, 0u);
  ASSERT_EQ(m.data.size(), 1u);
  EXPECT_EQ(m.data[0].i32_offset, 0xffffffffu);
  EXPECT_FALSE(m.data_count.has_value());
}

}  // namespace
}  // namespace wimg::wasm
