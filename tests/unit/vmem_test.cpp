// Memory virtualisation on real clang-built WASI programs under node 24:
// the guest sees exactly the memory sizes it would see without wimg, the
// pages it gains are zero, and the region above it survives every move.
#include <gtest/gtest.h>

#include <cstdlib>

#include "runtime/inject/binaryen.h"
#include "runtime/inject/vmem.h"
#include "runtime/wasm/module.h"
#include "test_util.h"
#include "wasi_test_util.h"

namespace wimg::inject {
namespace {

// malloc churn plus a bump allocator on raw memory.grow that checks every
// page it gains reads as zero, and reports every size it sees.
constexpr const char* kGuest = R"(
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  printf("start %lu\n", (unsigned long)__builtin_wasm_memory_size(0));
  unsigned long sum = 0;
  for (int round = 0; round < 12; round++) {
    size_t n = (size_t)(1 << 20) * (1 + round % 4);
    unsigned char *p = malloc(n);
    if (!p) return 2;
    memset(p, round + 1, n);
    p = realloc(p, n * 2);
    if (!p) return 3;
    for (size_t i = 0; i < n; i += 4096) sum += p[i];
    free(p);
  }
  printf("churn %lu size %lu\n", sum, (unsigned long)__builtin_wasm_memory_size(0));
  for (int k = 0; k < 20; k++) {
    long old = __builtin_wasm_memory_grow(0, 1 + k % 3);
    if (old < 0) return 4;
    unsigned char *page = (unsigned char *)(old * 65536);
    for (long i = 0; i < (1 + k % 3) * 65536; i++) {
      if (page[i] != 0) { printf("page %ld byte %ld not zero\n", old, i); return 5; }
    }
    memset(page, 0xab, (1 + k % 3) * 65536);
    printf("grow %d -> old %ld size %lu\n", k, old, (unsigned long)__builtin_wasm_memory_size(0));
  }
  printf("too big %ld\n", (long)__builtin_wasm_memory_grow(0, 70000));
  return 0;
}
)";

Result<std::string> virtualize(const std::string& wasm, std::uint32_t region, bool canary) {
  WIMG_ASSIGN(wasm::Module parsed, wasm::parse_module(wasm, "guest.wasm"));
  VmemOptions o;
  o.region_pages = region;
  o.canary = canary;
  o.initial_pages = initial_pages_of(parsed);
  return run_binaryen_pass(
      wasm, "guest.wasm", [&](BinaryenModuleRef m) { return virtualize_memory(m, o); }, /*validate=*/true);
}

int run_node(const std::string& wasm, const std::string& out) {
  return test::exit_code(std::system((test::wasi_run() + wasm + " > " + out + " 2>&1").c_str()));
}

class Vmem : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(t / "guest.c", kGuest);
    std::string cc = test::wasi_cc(t / "guest.c", t / "a.wasm");
    ASSERT_EQ(std::system(cc.c_str()), 0) << cc;
    ASSERT_EQ(run_node(t / "a.wasm", t / "a.out"), 0) << test::read_file(t / "a.out");
  }
  test::TempDir t;
};

TEST_F(Vmem, GuestSeesTheSameMemoryAndZeroedPages) {
  for (std::uint32_t region : {1u, 16u, 300u}) {
    auto v = virtualize(test::read_file(t / "a.wasm"), region, /*canary=*/true);
    ASSERT_TRUE(v.ok()) << v.error().message;
    test::write_file(t / "b.wasm", *v);
    int rc = run_node(t / "b.wasm", t / "b.out");
    EXPECT_EQ(rc, 0) << "region " << region << ": " << test::read_file(t / "b.out");
    EXPECT_EQ(test::read_file(t / "a.out"), test::read_file(t / "b.out")) << "region " << region;
  }
  EXPECT_NE(test::read_file(t / "a.out").find("grow 19"), std::string::npos);
}

TEST_F(Vmem, RefusesARegionThatCannotFit) {
  auto v = virtualize(test::read_file(t / "a.wasm"), 70000, false);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("70000"), std::string::npos) << v.error().message;
}

}  // namespace
}  // namespace wimg::inject
