// The generic binaryen walker: it reaches every expression of a real
// clang-built WASI program, and a rewrite of every memory.grow into a call
// keeps the program working under node 24.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <regex>

#include "runtime/inject/binaryen.h"
#include "runtime/inject/walker.h"
#include "runtime/wasm/module.h"
#include "test_util.h"
#include "wasi_test_util.h"

namespace wimg::inject {
namespace {

// Churns ~64 MB through malloc/realloc/free, checking the data every step:
// dlmalloc grows memory many times, so memory.grow sites are exercised.
constexpr const char* kChurn = R"(
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  unsigned long sum = 0;
  for (int round = 0; round < 16; round++) {
    size_t n = (size_t)(1 << 20) * (1 + round % 4);
    unsigned char *p = malloc(n);
    if (!p) return 2;
    memset(p, round, n);
    p = realloc(p, n * 2);
    if (!p) return 3;
    for (size_t i = 0; i < n; i += 4096) {
      if (p[i] != (unsigned char)round) return 4;
      sum += p[i];
    }
    free(p);
  }
  printf("ok %lu\n", sum);
  return 0;
}
)";

struct Counts {
  long total = 0, grow = 0, size = 0;
};

std::string objdump_count(const std::string& wasm, const std::string& op) {
  std::string cmd = "wasm-objdump -d " + wasm + " | grep -c ' " + op + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  char buf[64] = {0};
  if (p && std::fgets(buf, sizeof buf, p.get()) != nullptr) return std::string(buf).substr(0, std::string(buf).find('\n'));
  return "?";
}

TEST(Walker, RewritesEveryMemoryGrowOfARealProgram) {
  test::TempDir t;
  test::write_file(t / "churn.c", kChurn);
  std::string cc = test::wasi_cc(t / "churn.c", t / "a.wasm");
  ASSERT_EQ(std::system(cc.c_str()), 0) << cc;
  std::string original = test::read_file(t / "a.wasm");
  std::string grow_sites = objdump_count(t / "a.wasm", "memory.grow");
  std::string size_sites = objdump_count(t / "a.wasm", "memory.size");

  // In the isolated child: count, rewrite memory.grow(d) -> call $wimg_grow(d),
  // add $wimg_grow as the one remaining memory.grow. The counts travel back
  // in a custom section of the written module.
  auto out = run_binaryen_pass(
      original, "a.wasm",
      [&](BinaryenModuleRef m) -> Status {
        Counts c;
        WIMG_TRY(walk_module(m, [&](BinaryenExpressionRef e) {
          ++c.total;
          BinaryenExpressionId id = BinaryenExpressionGetId(e);
          if (id == BinaryenMemorySizeId()) ++c.size;
          if (id != BinaryenMemoryGrowId()) return e;
          ++c.grow;
          BinaryenExpressionRef args[] = {BinaryenMemoryGrowGetDelta(e)};
          return BinaryenCall(m, "wimg_grow", args, 1, BinaryenTypeInt32());
        }));
        BinaryenAddFunction(m, "wimg_grow", BinaryenTypeInt32(), BinaryenTypeInt32(), nullptr, 0,
                            BinaryenMemoryGrow(m, BinaryenLocalGet(m, 0, BinaryenTypeInt32())));
        std::string counts = std::to_string(c.total) + " " + std::to_string(c.grow) + " " + std::to_string(c.size);
        BinaryenAddCustomSection(m, "wimg.test.counts", counts.data(), static_cast<BinaryenIndex>(counts.size()));
        return {};
      },
      /*validate=*/true);
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto written = wasm::parse_module(*out, "b.wasm");
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto sections = written->custom_sections("wimg.test.counts");
  ASSERT_EQ(sections.size(), 1u);
  std::string head(written->content(*sections[0]));
  long total = 0, grow = 0, size = 0;
  ASSERT_EQ(std::sscanf(head.c_str(), "%ld %ld %ld", &total, &grow, &size), 3) << head;
  EXPECT_GT(total, 1000);
  EXPECT_EQ(std::to_string(grow), grow_sites) << "the walker must reach every memory.grow";
  EXPECT_EQ(std::to_string(size), size_sites) << "the walker must reach every memory.size";
  EXPECT_GE(grow, 1);
  test::write_file(t / "b.wasm", *out);
  EXPECT_EQ(objdump_count(t / "b.wasm", "memory.grow"), "1") << "only $wimg_grow grows memory now";

  std::string node = test::wasi_run();
  ASSERT_EQ(std::system((node + (t / "a.wasm") + " > " + (t / "a.out")).c_str()), 0);
  ASSERT_EQ(std::system((node + (t / "b.wasm") + " > " + (t / "b.out")).c_str()), 0);
  EXPECT_EQ(test::read_file(t / "a.out"), test::read_file(t / "b.out"));
  EXPECT_EQ(test::read_file(t / "b.out").substr(0, 3), "ok ");
}

}  // namespace
}  // namespace wimg::inject
