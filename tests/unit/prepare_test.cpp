// The injection proper (merge.h, prepare.h) with a minimal runtime
// (data/mini_runtime.c): the runtime's code runs rebased inside the region,
// its data survives the region's moves as the guest grows its memory, it
// reaches the host with absolute pointers, and what could escape the
// region is refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "runtime/inject/prepare.h"
#include "runtime/wasm/module.h"
#include "test_util.h"
#include "wasi_test_util.h"

namespace wimg::inject {
namespace {

using test::source_path;

std::string build_runtime(const test::TempDir& t, const std::string& name, const std::string& extra = "") {
  std::string out = t / (name + ".wasm");
  std::string cmd = "clang-19 --target=wasm32 -O2 -nostdlib -ffreestanding -mbulk-memory " + extra +
                    " -Wl,--no-entry -Wl,--import-memory -Wl,-z,stack-size=16384 -o " + out + " " +
                    source_path("tests/unit/data/mini_runtime.c");
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return test::read_file(out);
}

std::string build_guest(const test::TempDir& t) {
  std::string out = t / "guest.wasm";
  std::string cc = test::wasi_cc(source_path("tests/unit/data/mini_guest.c"), out);
  EXPECT_EQ(std::system(cc.c_str()), 0) << cc;
  return test::read_file(out);
}

std::string run(const test::TempDir& t, const std::string& wasm, int* rc) {
  test::write_file(t / "run.wasm", wasm);
  *rc = test::exit_code(std::system((test::wasi_run() + (t / "run.wasm") + " > " + (t / "out") + " 2>&1").c_str()));
  return test::read_file(t / "out");
}

TEST(Prepare, RuntimeServesFdWriteAcrossRegionMoves) {
  test::TempDir t;
  std::string guest = build_guest(t);
  PrepareOptions o;
  o.canary = true;
  auto prepared = prepare_base(guest, build_runtime(t, "rt"), "guest.wasm", o);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  int rc = -1;
  EXPECT_EQ(run(t, guest, &rc), "hello\nworld\n");
  EXPECT_EQ(rc, 0);
  // 41 comes from the runtime's data segment; 43 proves the counter moved
  // with the region (the churn grows the memory by hundreds of pages).
  EXPECT_EQ(run(t, *prepared, &rc), "[rt 42] hello\n[rt 43] world\n");
  EXPECT_EQ(rc, 0);

  auto m = wasm::parse_module(*prepared, "prepared");
  ASSERT_TRUE(m.ok());
  auto sec = m->custom_sections(kRuntimeSection);
  ASSERT_EQ(sec.size(), 1u);
  auto j = nlohmann::json::parse(m->content(*sec[0]));
  EXPECT_EQ(j["slots"], 128);
  std::uint32_t first = j["first_slot"];
  ASSERT_EQ(m->data.size(), first + 128u);
  for (std::uint32_t k = first; k < first + 128; ++k) {
    EXPECT_EQ(m->data[k].mode, wasm::DataMode::Passive);
    EXPECT_EQ(m->data[k].data_size, 0u);
  }
  EXPECT_EQ(j["base"], sha256_of(guest).str());
}

TEST(Prepare, RefusesRuntimeCodeThatCouldEscapeItsRegion) {
  test::TempDir t;
  std::string guest = build_guest(t);
  // The same runtime, but it grows the memory itself.
  std::string rt = build_runtime(t, "bad", "-DMINI_GROW=1");
  auto prepared = prepare_base(guest, rt, "guest.wasm");
  ASSERT_FALSE(prepared.ok());
  EXPECT_NE(prepared.error().message.find("escape its memory region"), std::string::npos) << prepared.error().message;
  EXPECT_EQ(prepared.error().kind, ErrorKind::Internal);
}

TEST(Prepare, RefusesAPreparedModuleAndMalformedBytes) {
  test::TempDir t;
  std::string guest = build_guest(t);
  std::string rt = build_runtime(t, "rt");
  auto prepared = prepare_base(guest, rt, "guest.wasm");
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  auto again = prepare_base(*prepared, rt, "app.wasm");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("app.wasm: already holds a wimg runtime"), std::string::npos);
  auto bad = prepare_base(guest.substr(0, guest.size() / 2), rt, "cut.wasm");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Input);
  EXPECT_NE(bad.error().message.find("cut.wasm"), std::string::npos);
}

TEST(Prepare, IsDeterministic) {
  test::TempDir t;
  std::string guest = build_guest(t);
  std::string rt = build_runtime(t, "rt");
  auto a = prepare_base(guest, rt, "guest.wasm");
  auto b = prepare_base(guest, rt, "guest.wasm");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b);
}

}  // namespace
}  // namespace wimg::inject
