// The prepared-base cache (image/prepared.h): hits skip the prepare step,
// damaged entries or objects are misses, prune keeps the entries of bases
// that an image name still reaches, and verify stays clean.
#include <gtest/gtest.h>
#include <unistd.h>

#include "image/images.h"
#include "image/prepared.h"
#include "test_util.h"
#include "wasm_test_util.h"

namespace wimg::image {
namespace {

using test::TempDir;

struct Fixture {
  TempDir dir;
  store::Store st = *store::Store::open(dir / "store");
  const std::string base = test::module({test::sec(0, test::str("base") + "1")});
  PreparedKey key{sha256_of(base), sha256_of("runtime v1")};
  int prepares = 0;

  Result<PreparedBase> get(const std::string& prepared = "PREPARED") {
    return prepared_base(st, key, [&]() -> Result<std::string> {
      ++prepares;
      return prepared;
    });
  }
  std::string entry_path() const { return st.cache_dir() + "/prepared/" + key.base.hex() + "-" + key.runtime.hex(); }
  // An image whose base is `base`: makes the base reachable.
  void name_base() {
    test::write_file(dir / "base.wasm", base);
    auto b = put_base_wasm(st, dir / "base.wasm");
    ASSERT_TRUE(b.ok()) << b.error().message;
    Manifest m;
    m.base = *b;
    Digest d = *put_image(st, m);
    ASSERT_TRUE(tag_image(st, d, *parse_reference("app")).ok());
  }
};

TEST(PreparedCache, SecondLookupIsAHit) {
  Fixture f;
  auto a = f.get();
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_FALSE(a->cached);
  EXPECT_EQ(a->bytes.view, "PREPARED");
  EXPECT_EQ(a->digest, sha256_of("PREPARED"));
  EXPECT_EQ(test::read_file(f.entry_path()), sha256_of("PREPARED").str() + "\n");
  auto b = f.get();
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->cached);
  EXPECT_EQ(b->bytes.view, "PREPARED");
  EXPECT_EQ(f.prepares, 1);
}

TEST(PreparedCache, DamagedEntryOrMissingObjectIsAMiss) {
  Fixture f;
  ASSERT_TRUE(f.get().ok());
  test::write_file(f.entry_path(), "garbage");
  ASSERT_TRUE(f.get().ok());
  EXPECT_EQ(f.prepares, 2);
  ASSERT_EQ(::unlink(f.st.object_path(sha256_of("PREPARED")).c_str()), 0);
  auto r = f.get();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->cached);
  EXPECT_EQ(f.prepares, 3);
  EXPECT_TRUE(f.st.has(sha256_of("PREPARED")));
}

// Issue 16: a corrupt prepared base made binaries that passed `inspect
// --verify` and failed to instantiate. It is re-hashed on every hit: the
// lookup fails naming it, and the next one prepares it afresh.
TEST(PreparedCache, CorruptObjectIsDetectedThenPreparedAgain) {
  Fixture f;
  ASSERT_TRUE(f.get().ok());
  const std::string obj = f.st.object_path(sha256_of("PREPARED"));
  ::chmod(obj.c_str(), 0644);
  test::write_file(obj, "PREPARED but changed");
  auto r = f.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(r.error().message.find(sha256_of("PREPARED").str()), std::string::npos) << r.error().message;
  auto again = f.get();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->bytes.view, "PREPARED");
  EXPECT_EQ(f.prepares, 2);
}

TEST(PreparedCache, PrepareErrorsPassThroughAndLeaveNoEntry) {
  Fixture f;
  auto r = prepared_base(
      f.st, f.key, []() -> Result<std::string> { return make_error(ErrorKind::Input, "base.wasm: shared memory"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "base.wasm: shared memory");
  auto entries = list_prepared(f.st);
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

TEST(PreparedCache, PruneKeepsEntriesOfNamedBases) {
  Fixture f;
  f.name_base();
  ASSERT_TRUE(f.get().ok());
  auto rep = prune(f.st, PruneOptions{});
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->cache_removed, 0u);
  EXPECT_TRUE(f.st.has(sha256_of("PREPARED")));
  ASSERT_TRUE(f.get().ok());
  EXPECT_EQ(f.prepares, 1);  // still a hit after prune
  auto v = verify_store(f.st);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->problems.empty()) << v->problems.front();
}

TEST(PreparedCache, PruneDropsEntriesOfUnnamedBases) {
  Fixture f;
  ASSERT_TRUE(f.get().ok());
  test::write_file(f.st.cache_dir() + "/prepared/junk.tmp-1", "x");
  PruneOptions dry_opts;
  dry_opts.dry_run = true;
  auto dry = prune(f.st, dry_opts);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->cache_removed, 2u);
  EXPECT_TRUE(test::read_file(f.entry_path()).size() > 0);
  auto rep = prune(f.st, PruneOptions{});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->cache_removed, 2u);
  EXPECT_FALSE(f.st.has(sha256_of("PREPARED")));
  auto entries = list_prepared(f.st);
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

}  // namespace
}  // namespace wimg::image
