// The binaryen adapter's isolation and its identity pass.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>

#include "runtime/inject/binaryen.h"
#include "runtime/inject/isolate.h"
#include "test_util.h"
#include "wasi_test_util.h"
#include "wasm_test_util.h"

namespace wimg::inject {
namespace {

TEST(Isolate, ReturnsValueAndError) {
  auto ok = run_isolated([] { return Result<std::string>(std::string("hello\0world", 11)); }, "test");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, std::string("hello\0world", 11));
  auto err = run_isolated([] { return Result<std::string>(make_error(ErrorKind::NotFound, "nope")); }, "test");
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().kind, ErrorKind::NotFound);
  EXPECT_EQ(err.error().message, "nope");
}

TEST(Isolate, LargeResult) {
  std::string big(20u << 20, 'x');
  big[12345678] = 'y';
  auto r = run_isolated([&] { return Result<std::string>(big); }, "test");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, big);
}

TEST(Isolate, ChildAbortBecomesCleanError) {
  auto r = run_isolated([]() -> Result<std::string> { std::abort(); }, "binaryen reading x.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Input);
  EXPECT_NE(r.error().message.find("binaryen reading x.wasm"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("signal " + std::to_string(SIGABRT)), std::string::npos) << r.error().message;
  auto e = run_isolated([]() -> Result<std::string> { std::_Exit(1); }, "work");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("exited with status 1"), std::string::npos) << e.error().message;
}

TEST(Isolate, DeepRecursionFitsTheLargeStack) {
  // ~100 MB of stack: far beyond the default 8 MB, within the worker's 512 MB.
  std::function<int(int)> deep = [&](int n) -> int {
    volatile char pad[1024];
    pad[0] = static_cast<char>(n);
    return n == 0 ? pad[0] : deep(n - 1) + 1;
  };
  auto r = run_isolated([&] { return Result<std::string>(std::to_string(deep(100000))); }, "deep");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "100000");
}


TEST(Binaryen, RefusesSharedAndMemory64) {
  // memory section: one memory, flags 0x03 (shared, with max), min 1, max 1
  auto shared = test::kWasmHeader + test::b({5, 4, 1, 3, 1, 1});
  auto s = check_injectable(shared, "threads.wasm");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("threads.wasm: shared memory"), std::string::npos) << s.error().message;
  auto mem64 = test::kWasmHeader + test::b({5, 3, 1, 4, 1});
  auto t = check_injectable(mem64, "m64.wasm");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("memory64"), std::string::npos) << t.error().message;
  EXPECT_TRUE(check_injectable(test::kWasmHeader + test::b({5, 3, 1, 0, 1}), "ok.wasm").ok());
}

TEST(Binaryen, MalformedCodeBodyIsACleanError) {
  // Passes the own reader (it does not decode instructions), then binaryen
  // meets opcode 0xff and gives up — in the child, not in wimg.
  auto bad = test::kWasmHeader + test::b({1, 4, 1, 0x60, 0, 0,     // type: () -> ()
                              3, 2, 1, 0,              // function: one of type 0
                              10, 5, 1, 3, 0, 0xff, 0x0b});  // code: body {no locals, 0xff, end}
  auto r = binaryen_roundtrip(bad, "bad.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("bad.wasm"), std::string::npos) << r.error().message;
  // binaryen's own complaint is part of the message, not on our stderr.
  EXPECT_NE(r.error().message.find("parsing wasm binary"), std::string::npos) << r.error().message;
}

// A real WASI program through binaryen behaves exactly as before, under
// node 24's WASI host.
TEST(Binaryen, RoundTripKeepsAWasiProgramWorking) {
  test::TempDir t;
  std::string cc = test::wasi_cc(test::source_path("tests/guest/args_env.c"), t / "a.wasm");
  ASSERT_EQ(std::system(cc.c_str()), 0) << cc;
  std::string original = test::read_file(t / "a.wasm");
  auto out = binaryen_roundtrip(original, "a.wasm");
  ASSERT_TRUE(out.ok()) << out.error().message;
  test::write_file(t / "b.wasm", *out);
  std::string node = test::wasi_run("--env GREETING=hi");
  ASSERT_EQ(std::system((node + (t / "a.wasm") + " one 'two words' > " + (t / "a.out")).c_str()), 0);
  ASSERT_EQ(std::system((node + (t / "b.wasm") + " one 'two words' > " + (t / "b.out")).c_str()), 0);
  std::string a = test::read_file(t / "a.out");
  std::string b = test::read_file(t / "b.out");
  EXPECT_NE(a.find("two words"), std::string::npos) << a;
  // argv[0] is the module path, which differs; everything else must match.
  auto strip_argv0 = [](std::string s) {
    auto nl = s.find('\n');
    auto second = s.find('\n', nl + 1);
    return s.substr(0, nl) + s.substr(second);
  };
  EXPECT_EQ(strip_argv0(a), strip_argv0(b));
}

}  // namespace
}  // namespace wimg::inject
