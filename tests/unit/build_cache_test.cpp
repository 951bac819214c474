// Cache keys of the builder (recipe/builder.h): a function of the parent
// key, the substituted instruction and the step's inputs — content, mode
// and path of the selected files, never mtimes.
#include <sys/time.h>

#include "build_test_util.h"
#include "image/build_cache.h"

namespace wimg::recipe {
namespace {

using test::write_file;
using test_support::BuildFixture;
using B = std::vector<bool>;

TEST(BuildKey, DependsOnParentTextAndInputs) {
  const Digest p = sha256_of("p");
  const Digest k = step_key(p, "COPY a /a", "layer:x");
  EXPECT_EQ(k, step_key(p, "COPY a /a", "layer:x"));
  EXPECT_NE(k, step_key(std::nullopt, "COPY a /a", "layer:x"));
  EXPECT_NE(k, step_key(sha256_of("q"), "COPY a /a", "layer:x"));
  EXPECT_NE(k, step_key(p, "COPY a /b", "layer:x"));
  EXPECT_NE(k, step_key(p, "COPY a /a", "layer:y"));
  // Lengths are encoded: moving a byte between text and inputs changes it.
  EXPECT_NE(step_key(p, "ab", "c"), step_key(p, "a", "bc"));
}

struct BuildCache : BuildFixture, ::testing::Test {
  const std::string wasmfile =
      "FROM base.wasm\nCOPY one /one\nENV A=1\nCOPY two /two\nCOPY three /three\n";
  BuildCache() {
    write_file(ctx + "/one/f", "1");
    write_file(ctx + "/two/f", "2");
    write_file(ctx + "/three/f", "3");
  }
  void set_mtimes(long sec) {
    for (const char* p : {"/one/f", "/two/f", "/three/f", "/base.wasm"}) {
      struct timeval tv[2] = {{sec, 0}, {sec, 0}};
      ASSERT_EQ(::utimes((ctx + p).c_str(), tv), 0);
    }
  }
};

TEST_F(BuildCache, SecondBuildIsCachedAndIdentical) {
  auto first = build(wasmfile);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(cached(), (B{false, false, false, false, false}));
  auto second = build(wasmfile);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(cached(), (B{true, true, false, true, true}));
  EXPECT_EQ(first->image, second->image);
  EXPECT_EQ(second->cached, 4u);
}

TEST_F(BuildCache, MtimeNeverInvalidates) {
  ASSERT_TRUE(build(wasmfile).ok());
  set_mtimes(1'000'000);
  auto r = build(wasmfile);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(cached(), (B{true, true, false, true, true}));
  set_mtimes(2'000'000);
  ASSERT_TRUE(build(wasmfile).ok());
  EXPECT_EQ(cached(), (B{true, true, false, true, true}));
}

TEST_F(BuildCache, ChangingAFileRebuildsItsStepAndTheLaterOnes) {
  auto first = build(wasmfile);
  ASSERT_TRUE(first.ok());
  write_file(ctx + "/two/f", "2 changed");
  auto r = build(wasmfile);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(cached(), (B{true, true, false, false, false}));
  EXPECT_NE(first->image, r->image);
  EXPECT_EQ(first->manifest.layers[0], r->manifest.layers[0]);
  // The third layer's content is unchanged: a new key, the same layer.
  EXPECT_EQ(first->manifest.layers[2].digest, r->manifest.layers[2].digest);
  // A mode is an input too.
  ASSERT_EQ(::chmod((ctx + "/three/f").c_str(), 0600), 0);
  ASSERT_TRUE(build(wasmfile).ok());
  EXPECT_EQ(cached(), (B{true, true, false, true, false}));
}

TEST_F(BuildCache, ChangingTheInstructionTextRebuilds) {
  ASSERT_TRUE(build(wasmfile).ok());
  ASSERT_TRUE(build("FROM base.wasm\nCOPY one /one\nENV A=2\nCOPY two /two\nCOPY three /three\n").ok());
  EXPECT_EQ(cached(), (B{true, true, false, false, false}));
}

TEST_F(BuildCache, NoCacheRebuildsAllWithTheSameResult) {
  auto first = build(wasmfile);
  ASSERT_TRUE(first.ok());
  auto r = build(wasmfile, /*no_cache=*/true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(cached(), (B{false, false, false, false, false}));
  EXPECT_EQ(first->image, r->image);
}

TEST_F(BuildCache, CopyFromAStageIsKeyedByThatStage) {
  const std::string two_stages = "FROM base.wasm AS s\nCOPY one /one\nFROM base.wasm\nCOPY --from=s /one /o\n";
  ASSERT_TRUE(build(two_stages).ok());
  ASSERT_TRUE(build(two_stages).ok());
  EXPECT_EQ(cached(), (B{true, true, true, true}));
  write_file(ctx + "/one/f", "changed");
  auto r = build(two_stages);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(cached(), (B{true, false, true, false}));
  EXPECT_EQ(top_layer(*r), (std::vector<std::string>{"d 0755 o", "f 0644 o/f"}));
}

TEST_F(BuildCache, AMissingObjectIsAMiss) {
  auto first = build(wasmfile);
  ASSERT_TRUE(first.ok());
  // Entries whose object was pruned never hit.
  auto rep = image::prune(st, image::PruneOptions{});
  ASSERT_TRUE(rep.ok());
  EXPECT_GT(rep->cache_removed, 0u);
  ASSERT_TRUE(build(wasmfile).ok());
  EXPECT_EQ(cached(), (B{false, false, false, false, false}));
}

}  // namespace
}  // namespace wimg::recipe
