// The byte-level module writer: verbatim copies, custom section edits and
// appended passive data segments, checked by re-parsing and by wabt.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "runtime/wasm/leb128.h"
#include "runtime/wasm/module.h"
#include "runtime/wasm/writer.h"
#include "test_util.h"
#include "wasm_test_util.h"

namespace wimg::wasm {
namespace {

// gtest only (gmock is not linked into wimg_unit_tests).
::testing::AssertionResult has_line(const std::vector<std::string>& lines, const std::string& line) {
  for (const auto& l : lines) {
    if (l == line) return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult r = ::testing::AssertionFailure() << "no line \"" << line << "\" in:";
  for (const auto& l : lines) r << "\n  " << l;
  return r;
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
std::string custom_sec(std::string_view name, std::string_view content) {
  return sec(0, str(name) + std::string(content));
}
std::string type_sec() {
  return sec(1, u32(1) + b({0x60, 0, 0}));
}
std::string function_sec() {
  return sec(3, u32(1) + b({0}));
}
std::string memory_sec() {
  return sec(5, u32(1) + b({0, 1}));
}
std::string code_sec() {
  return sec(10, u32(1) + b({2, 0, 0x0b}));
}
std::string passive(std::string_view bytes) {
  return b({1}) + str(bytes);
}

// --- wabt ------------------------------------------------------------------

bool have_wabt() { return have_tool("wat2wasm") && have_tool("wasm-validate") && have_tool("wasm-objdump"); }

// The section lines of `wasm-objdump -h`, e.g. "Data start=... count: 3".
std::vector<std::string> objdump_sections(const test::TempDir& dir, const std::string& bytes) {
  test::write_file(dir / "dump.wasm", bytes);
  const std::string cmd = "wasm-objdump -h " + (dir / "dump.wasm") + " >" + (dir / "dump.txt") + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::vector<std::string> lines;
  std::istringstream in(test::read_file(dir / "dump.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.find(" start=") == std::string::npos) continue;
    line.erase(0, line.find_first_not_of(' '));
    lines.push_back(line.substr(0, line.find(' ')) + (line.find("count: ") != std::string::npos
                                                          ? " " + line.substr(line.find("count: "))
                                                          : " " + line.substr(line.rfind(' ') + 1)));
  }
  return lines;
}

// --- helpers ---------------------------------------------------------------

Module parse_ok(std::string&& bytes) = delete;  // the Module refers into its bytes
Module parse_ok(const std::string& bytes) {
  auto r = parse_module(bytes, "m.wasm");
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return Module{};
  return std::move(r).value();
}

Written write_ok(const Module& m, const Edits& e) {
  auto w = write_module(m, e, "out.wasm");
  EXPECT_TRUE(w.ok()) << w.error().message;
  if (!w.ok()) return Written{};
  return std::move(w).value();
}

std::vector<int> ids(const Module& m) {
  std::vector<int> out;
  for (const Section& s : m.sections) out.push_back(s.id);
  return out;
}

Edits two_segments(std::string_view a, std::string_view c) {
  Edits e;
  e.add_passive = {a, c};
  return e;
}

// --- no edits ---------------------------------------------------------------

TEST(WasmWriter, NoEditsReproducesTheInput) {
  // Includes a padded section size and a padded count: copied, not re-encoded.
  const std::string padded = b({3, 0x84, 0x80, 0x80, 0x80, 0x00, 0x81, 0x80, 0x00, 0});
  for (const std::string& bytes :
       {kHeader, module({custom_sec("x", "y")}), module({type_sec(), padded, code_sec(), custom_sec("name", "n")})}) {
    Module m = parse_ok(bytes);
    EXPECT_EQ(write_ok(m, Edits{}).bytes, bytes);
  }
}

TEST(WasmWriter, NoEditsReproducesWat2wasmOutput) {
  if (!have_wabt()) GTEST_SKIP() << "wabt not installed";
  test::TempDir dir;
  const std::string bytes = wat2wasm(dir, R"((module
    (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 8) "abc") (data "def")
    (func (export "_start")))
  )",
                                     "--debug-names");
  ASSERT_FALSE(bytes.empty()) << test::read_file(dir / "err.txt");
  Module m = parse_ok(bytes);
  EXPECT_EQ(write_ok(m, Edits{}).bytes, bytes);
}

// --- custom sections --------------------------------------------------------

TEST(WasmWriter, RemovesCustomSectionsByName) {
  const std::string bytes =
      module({custom_sec("a", "1"), type_sec(), custom_sec("b", "2"), custom_sec("a", "3"), custom_sec("ab", "4")});
  Module m = parse_ok(bytes);
  Edits e;
  e.remove_custom = {"a", "missing"};
  EXPECT_EQ(write_ok(m, e).bytes, module({type_sec(), custom_sec("b", "2"), custom_sec("ab", "4")}));
}

TEST(WasmWriter, AddsCustomSectionsAtTheEndInOrder) {
  const std::string bytes = module({type_sec(), function_sec(), code_sec(), custom_sec("name", "n")});
  Module m = parse_ok(bytes);
  const std::string long_content(200, 'x');  // a two-byte size LEB
  Edits e;
  e.add_custom = {{"wimg.manifest", "{\"v\":1}"}, {"", ""}, {"n\xc3\xa4me", long_content}};
  Written w = write_ok(m, e);
  EXPECT_EQ(w.bytes, bytes + custom_sec("wimg.manifest", "{\"v\":1}") + custom_sec("", "") +
                         custom_sec("n\xc3\xa4me", long_content));
  EXPECT_TRUE(w.new_segments.empty());
  Module back = parse_ok(w.bytes);
  ASSERT_EQ(back.custom_sections("wimg.manifest").size(), 1u);
  EXPECT_EQ(back.content(*back.custom_sections("wimg.manifest")[0]), "{\"v\":1}");
}

TEST(WasmWriter, ReplacesACustomSection) {
  const std::string bytes = module({type_sec(), custom_sec("wimg.manifest", "old"), custom_sec("name", "n")});
  Module m = parse_ok(bytes);
  Edits e;
  e.remove_custom = {"wimg.manifest"};
  e.add_custom = {{"wimg.manifest", "new"}};
  EXPECT_EQ(write_ok(m, e).bytes, module({type_sec(), custom_sec("name", "n"), custom_sec("wimg.manifest", "new")}));
}

TEST(WasmWriter, RejectsAnInvalidCustomName) {
  const std::string bytes = kHeader;
  Module m = parse_ok(bytes);
  Edits e;
  e.add_custom = {{"\xff", ""}};
  auto w = write_module(m, e, "out.wasm");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().kind, ErrorKind::Input);
  EXPECT_EQ(w.error().message, "out.wasm: custom section name \"\xff\" is not valid UTF-8");
}

// --- passive data segments --------------------------------------------------

TEST(WasmWriter, AppendsToExistingDataAndDataCount) {
  const std::string data = sec(11, u32(2) + b({0, 0x41, 8, 0x0b}) + str("act") + passive("old"));
  const std::string bytes =
      module({type_sec(), function_sec(), memory_sec(), sec(12, u32(2)), code_sec(), data, custom_sec("name", "")});
  Module m = parse_ok(bytes);
  Written w = write_ok(m, two_segments("first", ""));
  EXPECT_EQ(w.new_segments, (std::vector<std::uint32_t>{2, 3}));
  const std::string new_data =
      sec(11, u32(4) + b({0, 0x41, 8, 0x0b}) + str("act") + passive("old") + passive("first") + passive(""));
  EXPECT_EQ(w.bytes, module({type_sec(), function_sec(), memory_sec(), sec(12, u32(4)), code_sec(), new_data,
                             custom_sec("name", "")}));
  Module back = parse_ok(w.bytes);
  EXPECT_EQ(back.data_count, 4u);
  ASSERT_EQ(back.data.size(), 4u);
  EXPECT_EQ(back.data[0].i32_offset, 8u);
  EXPECT_EQ(back.segment_bytes(back.data[1]), "old");
  EXPECT_EQ(back.data[2].mode, DataMode::Passive);
  EXPECT_EQ(back.segment_bytes(back.data[2]), "first");
  EXPECT_EQ(back.data[3].data_size, 0u);
}

TEST(WasmWriter, CreatesDataCountBeforeCode) {
  const std::string bytes = module({type_sec(), function_sec(), memory_sec(), custom_sec("mid", ""), code_sec(),
                                    sec(11, u32(1) + passive("a")), custom_sec("name", "")});
  Module m = parse_ok(bytes);
  Written w = write_ok(m, two_segments("b", "c"));
  Module back = parse_ok(w.bytes);
  // Right after memory, the last section that must precede datacount.
  EXPECT_EQ(ids(back), (std::vector<int>{1, 3, 5, 12, 0, 10, 11, 0}));
  EXPECT_EQ(back.data_count, 3u);
  EXPECT_EQ(w.new_segments, (std::vector<std::uint32_t>{1, 2}));
}

TEST(WasmWriter, CreatesDataAndDataCountKeepingTrailingCustomSectionsLast) {
  const std::string bytes =
      module({type_sec(), function_sec(), code_sec(), custom_sec("name", "n"), custom_sec("producers", "p")});
  Module m = parse_ok(bytes);
  Written w = write_ok(m, two_segments("x", "yz"));
  EXPECT_EQ(w.bytes, module({type_sec(), function_sec(), sec(12, u32(2)), code_sec(),
                             sec(11, u32(2) + passive("x") + passive("yz")), custom_sec("name", "n"),
                             custom_sec("producers", "p")}));
  EXPECT_EQ(w.new_segments, (std::vector<std::uint32_t>{0, 1}));
}

TEST(WasmWriter, CreatesSectionsInAModuleWithoutCode) {
  const std::string empty = kHeader;
  Module m = parse_ok(empty);
  Edits e = two_segments("a", "b");
  e.add_custom = {{"c", "d"}};
  EXPECT_EQ(write_ok(m, e).bytes,
            module({sec(12, u32(2)), sec(11, u32(2) + passive("a") + passive("b")), custom_sec("c", "d")}));

  // Leading custom sections stay first; the new ones follow memory.
  const std::string mem = module({custom_sec("first", ""), memory_sec(), custom_sec("last", "")});
  Module mm = parse_ok(mem);
  Written w = write_ok(mm, two_segments("a", "b"));
  Module back = parse_ok(w.bytes);
  EXPECT_EQ(ids(back), (std::vector<int>{0, 5, 12, 11, 0}));
}

TEST(WasmWriter, RewritesAPaddedDataCountMinimally) {
  // The old count is re-encoded; the old entries are copied untouched.
  const std::string data = b({11, 0x88, 0x80, 0x80, 0x80, 0x00, 0x81, 0x80, 0x80, 0x80, 0x00}) + passive("q");
  const std::string bytes = module({data});
  Module m = parse_ok(bytes);
  Edits e;
  e.add_passive = {"r"};
  EXPECT_EQ(write_ok(m, e).bytes, module({sec(12, u32(2)), sec(11, u32(2) + passive("q") + passive("r"))}));
}

TEST(WasmWriter, LargeAndManySegments) {
  const std::string big(3 << 20, '\x5a');  // 3 MiB: a 4-byte length LEB
  std::vector<std::string> small;
  for (int i = 0; i < 300; ++i) small.push_back(std::string(static_cast<std::size_t>(i % 7), static_cast<char>(i)));
  const std::string bytes = module({memory_sec()});
  Module m = parse_ok(bytes);
  Edits e;
  e.add_passive.push_back(big);
  for (const auto& s : small) e.add_passive.push_back(s);
  Written w = write_ok(m, e);
  ASSERT_EQ(w.new_segments.size(), 301u);
  EXPECT_EQ(w.new_segments.back(), 300u);
  Module back = parse_ok(w.bytes);
  EXPECT_EQ(back.data_count, 301u);
  ASSERT_EQ(back.data.size(), 301u);
  EXPECT_EQ(back.segment_bytes(back.data[0]), big);
  // The big segment is referenced, not copied, by the parsed module.
  for (std::size_t i = 0; i < small.size(); ++i) EXPECT_EQ(back.segment_bytes(back.data[i + 1]), small[i]);
  // Deterministic: the same inputs give the same bytes.
  EXPECT_EQ(write_ok(m, e).bytes, w.bytes);
}

// --- replacing passive segments ---------------------------------------------

TEST(WasmWriter, ReplacesPassiveSegmentsInPlace) {
  const std::string data = sec(11, u32(4) + b({0, 0x41, 8, 0x0b}) + str("act") + passive("") + passive("keep") +
                                       passive(""));
  const std::string bytes =
      module({type_sec(), function_sec(), memory_sec(), sec(12, u32(4)), code_sec(), data, custom_sec("name", "")});
  Module m = parse_ok(bytes);
  Edits e;
  e.replace_passive = {{3, "three"}, {1, "one"}};  // any order
  Written w = write_ok(m, e);
  EXPECT_TRUE(w.new_segments.empty());
  const std::string new_data = sec(11, u32(4) + b({0, 0x41, 8, 0x0b}) + str("act") + passive("one") +
                                           passive("keep") + passive("three"));
  EXPECT_EQ(w.bytes, module({type_sec(), function_sec(), memory_sec(), sec(12, u32(4)), code_sec(), new_data,
                             custom_sec("name", "")}));
}

TEST(WasmWriter, ReplacesAndAppendsTogether) {
  const std::string bytes = module({memory_sec(), sec(11, u32(2) + passive("a") + passive("b"))});
  Module m = parse_ok(bytes);
  Edits e = two_segments("c", "d");
  e.replace_passive = {{0, std::string_view("A long replacement that needs no more than one LEB byte")}};
  Written w = write_ok(m, e);
  EXPECT_EQ(w.new_segments, (std::vector<std::uint32_t>{2, 3}));
  Module back = parse_ok(w.bytes);
  ASSERT_EQ(back.data.size(), 4u);
  EXPECT_EQ(back.segment_bytes(back.data[0]), "A long replacement that needs no more than one LEB byte");
  EXPECT_EQ(back.segment_bytes(back.data[1]), "b");
  EXPECT_EQ(back.segment_bytes(back.data[3]), "d");
  EXPECT_EQ(back.data_count, 4u);
}

TEST(WasmWriter, ReplacementLargerThanALebByteKeepsLaterSegments) {
  const std::string big(200000, 'q');  // a 3-byte length LEB where there was a 1-byte one
  const std::string bytes = module({memory_sec(), sec(11, u32(3) + passive("") + passive("mid") + passive(""))});
  Module m = parse_ok(bytes);
  Edits e;
  e.replace_passive = {{0, big}, {2, "end"}};
  const Written w = write_ok(m, e);
  Module back = parse_ok(w.bytes);
  ASSERT_EQ(back.data.size(), 3u);
  EXPECT_EQ(back.segment_bytes(back.data[0]), big);
  EXPECT_EQ(back.segment_bytes(back.data[1]), "mid");
  EXPECT_EQ(back.segment_bytes(back.data[2]), "end");
}

TEST(WasmWriter, RefusesBadReplacements) {
  const std::string bytes = module({memory_sec(), sec(11, u32(2) + b({0, 0x41, 8, 0x0b}) + str("act") + passive(""))});
  Module m = parse_ok(bytes);
  for (const auto& [reps, msg] : std::vector<std::pair<std::vector<SegmentReplacement>, std::string>>{
           {{{2, "x"}}, "out.wasm: cannot replace data segment 2: the module has 2"},
           {{{0, "x"}}, "out.wasm: cannot replace data segment 0: it is not passive"},
           {{{1, "x"}, {1, "y"}}, "out.wasm: data segment 1 is replaced twice"},
       }) {
    Edits e;
    e.replace_passive = reps;
    auto w = write_module(m, e, "out.wasm");
    ASSERT_FALSE(w.ok()) << msg;
    EXPECT_EQ(w.error().kind, ErrorKind::Input);
    EXPECT_EQ(w.error().message, msg);
  }
}

TEST(WasmWriter, ReplacedSegmentsValidateWithWabt) {
  if (!have_wabt()) GTEST_SKIP() << "wabt not installed";
  test::TempDir dir;
  const std::string bytes = wat2wasm(dir, R"((module
    (memory 1)
    (data $s0 "") (data $s1 "")
    (func (export "f") (memory.init $s1 (i32.const 0) (i32.const 0) (i32.const 3))))
  )");
  ASSERT_FALSE(bytes.empty()) << test::read_file(dir / "err.txt");
  Module m = parse_ok(bytes);
  Edits e;
  e.replace_passive = {{1, "abc"}};
  e.add_custom = {{"wimg.manifest", "{}"}};
  Written w = write_ok(m, e);
  EXPECT_TRUE(wasm_validate(dir, w.bytes)) << test::read_file(dir / "err.txt");
  EXPECT_TRUE(has_line(objdump_sections(dir, w.bytes), "DataCount count: 2"));
}

// --- against wabt -------------------------------------------------------------

constexpr const char* kWasiWat = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1))
  (data (i32.const 16) "hello")
  (func (export "_start") (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 0)))))
)";

TEST(WasmWriter, OutputValidatesWithWabt) {
  if (!have_wabt()) GTEST_SKIP() << "wabt not installed";
  test::TempDir dir;
  const std::string big(70000, 'L');
  for (const char* flags : {"", "--debug-names"}) {
    const std::string bytes = wat2wasm(dir, kWasiWat, flags);
    ASSERT_FALSE(bytes.empty()) << test::read_file(dir / "err.txt");
    Module m = parse_ok(bytes);
    ASSERT_FALSE(m.data_count.has_value()) << "the base has no DataCount: the writer must create it";
    Edits e = two_segments(big, "layer two");
    e.add_custom = {{"wimg.manifest", "{}"}};
    Written w = write_ok(m, e);
    EXPECT_TRUE(wasm_validate(dir, w.bytes)) << test::read_file(dir / "err.txt");
    Module back = parse_ok(w.bytes);
    EXPECT_EQ(back.data.size(), 3u);
    EXPECT_EQ(back.data_count, 3u);
    EXPECT_EQ(back.segment_bytes(back.data[2]), "layer two");
    auto dump = objdump_sections(dir, w.bytes);
    EXPECT_TRUE(has_line(dump, "DataCount count: 3"));
    EXPECT_TRUE(has_line(dump, "Data count: 3"));
    EXPECT_EQ(dump.back(), "Custom \"wimg.manifest\"");
    if (std::string(flags).empty()) continue;
    // The name section stays after data, where the spec's appendix wants it.
    ASSERT_GE(dump.size(), 3u);
    EXPECT_EQ(dump[dump.size() - 2], "Custom \"name\"");
    EXPECT_EQ(dump[dump.size() - 3], "Data count: 3");
  }
}

TEST(WasmWriter, SegmentsUsableByMemoryInitValidate) {
  if (!have_wabt()) GTEST_SKIP() << "wabt not installed";
  test::TempDir dir;
  // The base already uses memory.init on its own passive segment (so it has
  // a DataCount); appended segments must keep its indexes valid.
  const std::string bytes = wat2wasm(dir, R"((module
    (memory 1)
    (data $own "own")
    (func (export "f") (memory.init $own (i32.const 0) (i32.const 0) (i32.const 3)) (data.drop $own)))
  )");
  ASSERT_FALSE(bytes.empty()) << test::read_file(dir / "err.txt");
  Module m = parse_ok(bytes);
  ASSERT_EQ(m.data_count, 1u);
  Written w = write_ok(m, two_segments("a", "b"));
  EXPECT_EQ(w.new_segments, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_TRUE(wasm_validate(dir, w.bytes)) << test::read_file(dir / "err.txt");
  EXPECT_TRUE(has_line(objdump_sections(dir, w.bytes), "DataCount count: 3"));
}

}  // namespace
}  // namespace wimg::wasm
