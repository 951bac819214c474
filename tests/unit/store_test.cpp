#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "store/batch.h"
#include "store/store.h"
#include "test_util.h"

namespace wimg::store {
namespace {

using test::TempDir;

TEST(Store, ResolveRootOrder) {
  RootSources s;
  s.home = "/home/u";
  EXPECT_EQ(*resolve_root(s), "/home/u/.local/share/wimg");
  s.xdg_data_home = "/xdg";
  EXPECT_EQ(*resolve_root(s), "/xdg/wimg");
  s.wimg_store = "/ws";
  EXPECT_EQ(*resolve_root(s), "/ws");
  s.flag = "/flag";
  EXPECT_EQ(*resolve_root(s), "/flag");
  EXPECT_FALSE(resolve_root(RootSources{}).ok());
}

TEST(Store, PutGetRoundTripAndReadOnly) {
  TempDir t;
  auto st = Store::open(t / "s");
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto d = st->put("hello");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, sha256_of("hello"));
  EXPECT_TRUE(st->has(*d));
  EXPECT_EQ(*st->get(*d), "hello");
  struct stat sb;
  ASSERT_EQ(::stat(st->object_path(*d).c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0444u);
  // Storing again is a no-op success.
  EXPECT_EQ(*st->put("hello"), *d);
}

// stream() hands every byte on in order and fails as Corrupt after the
// last chunk when the object does not hash to its name — for objects small
// enough to hash in line and for those hashed on a second thread behind
// the stream (4 MiB and more), whichever chunk holds the flipped byte.
TEST(Store, StreamDeliversInOrderAndCatchesAFlippedByteInAnyChunk) {
  TempDir t;
  auto st = Store::open(t / "s");
  ASSERT_TRUE(st.ok()) << st.error().message;
  for (std::size_t size : {std::size_t{1000}, std::size_t{9} << 20}) {
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
    const Digest d = *st->put(data);
    std::string got;
    auto collect = [&got](std::string_view b) -> Status {
      got.append(b);
      return {};
    };
    ASSERT_TRUE(st->stream(d, collect, 1 << 20).ok());
    EXPECT_TRUE(got == data) << size;
    for (std::size_t at : {std::size_t{0}, size / 2, size - 1}) {
      std::string bad = data;
      bad[at] = static_cast<char>(bad[at] ^ 1);
      const std::string p = st->object_path(d);
      ::chmod(p.c_str(), 0644);
      test::write_file(p, bad);
      got.clear();
      Status r = st->stream(d, collect, 1 << 20);
      ASSERT_FALSE(r.ok()) << "size " << size << ", byte " << at;
      EXPECT_EQ(r.error().kind, ErrorKind::Corrupt);
      EXPECT_EQ(got.size(), size);  // every chunk was delivered before the verdict
      ASSERT_EQ(*st->put(data), d);  // moved aside: the next add restores it
    }
  }
}

// Issue 16: adding the same content again never repaired a corrupt object
// (writers skip content whose object exists). A read that finds it corrupt
// names it and moves it aside, so the next add stores it afresh.
TEST(Store, GetDetectsCorruptionAndTheNextAddRepairs) {
  TempDir t;
  auto st = Store::open(t / "s");
  Digest d = *st->put("payload");
  std::string p = st->object_path(d);
  ::chmod(p.c_str(), 0644);
  test::write_file(p, "paYload");
  auto r = st->get(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(r.error().message.find(d.str()), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("moved aside"), std::string::npos) << r.error().message;
  EXPECT_FALSE(st->has(d));
  EXPECT_EQ(*st->count_tmp(), 1u);  // the corrupt copy, for prune to remove
  Batch b(*st);
  ASSERT_TRUE(b.add_bytes("payload").ok());
  ASSERT_TRUE(b.commit().ok());
  auto again = st->get(d);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, "payload");
}

TEST(Store, MissingObjectIsNotFound) {
  TempDir t;
  auto st = Store::open(t / "s");
  auto r = st->get(sha256_of("absent"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::NotFound);
}

TEST(Store, RejectsForeignVersion) {
  TempDir t;
  test::write_file(t / "s/version", "something else\n");
  auto st = Store::open(t / "s");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::Corrupt);
}

TEST(Batch, NothingVisibleBeforeCommit) {
  TempDir t;
  auto st = Store::open(t / "s");
  Digest d;
  {
    Batch b(*st);
    d = *b.add_bytes("one");
    EXPECT_FALSE(st->has(d));
    ASSERT_TRUE(b.commit().ok());
    EXPECT_TRUE(st->has(d));
  }
  EXPECT_EQ(*st->get(d), "one");
}

TEST(Batch, DestructorDiscardsUncommitted) {
  TempDir t;
  auto st = Store::open(t / "s");
  auto before = test::snapshot(t / "s");
  {
    Batch b(*st);
    ASSERT_TRUE(b.add_bytes("lost").ok());
    auto w = b.begin();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->write("partial", 7).ok());
  }
  EXPECT_EQ(test::snapshot(t / "s"), before);
}

TEST(Batch, DedupsWithinBatchAndAgainstStore) {
  TempDir t;
  auto st = Store::open(t / "s");
  Digest existing = *st->put("shared");
  Batch b(*st);
  EXPECT_EQ(*b.add_bytes("shared"), existing);
  EXPECT_EQ(b.pending_objects(), 0u);
  EXPECT_TRUE(b.add_bytes("x").ok());
  EXPECT_TRUE(b.add_bytes("x").ok());
  EXPECT_EQ(b.pending_objects(), 1u);
  ASSERT_TRUE(b.commit().ok());
}

TEST(Batch, AutoCommitsAtLimit) {
  TempDir t;
  auto st = Store::open(t / "s");
  Batch b(*st, BatchLimits{3, 1ull << 30});
  Digest d1 = *b.add_bytes("1");
  (void)*b.add_bytes("2");
  EXPECT_FALSE(st->has(d1));
  (void)*b.add_bytes("3");  // third object triggers the commit
  EXPECT_TRUE(st->has(d1));
  EXPECT_EQ(b.pending_objects(), 0u);
}

TEST(Batch, StreamingLargeObject) {
  TempDir t;
  auto st = Store::open(t / "s");
  std::string big(3 << 20, 'z');
  big[12345] = 'q';
  test::write_file(t / "big", big);
  Batch b(*st);
  auto fd = fs::open_file(t / "big", O_RDONLY);
  std::uint64_t size = 0;
  auto d = b.add_fd(fd->get(), "big", 10, &size);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(size, big.size());
  EXPECT_EQ(*d, sha256_of(big));
  ASSERT_TRUE(b.commit().ok());
  EXPECT_EQ(*st->get(*d), big);
}

// Sparse archive members: holes are hashed as zeros and left as holes in
// the object file, never held in memory.
TEST(Batch, WriteZerosIsTheLogicalFile) {
  TempDir t;
  auto st = Store::open(t / "s");
  Batch b(*st);
  auto w = b.begin();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->write("ab", 2).ok());
  ASSERT_TRUE(w->write_zeros(3 << 20).ok());
  ASSERT_TRUE(w->write("c", 1).ok());
  ASSERT_TRUE(w->write_zeros(70000).ok());  // a trailing hole extends the file
  auto d = w->finish();
  ASSERT_TRUE(d.ok());
  std::string want = "ab" + std::string(3 << 20, '\0') + "c" + std::string(70000, '\0');
  EXPECT_EQ(*d, sha256_of(want));
  ASSERT_TRUE(b.commit().ok());
  EXPECT_EQ(*st->get(*d), want);
  struct stat sb;
  ASSERT_EQ(::stat(st->object_path(*d).c_str(), &sb), 0);
  EXPECT_LT(sb.st_blocks * 512, 1 << 20);  // the hole stayed a hole
}

TEST(Refs, UpdateAndRead) {
  TempDir t;
  auto st = Store::open(t / "s");
  Digest d = sha256_of("m");
  ASSERT_TRUE(st->update_refs([&](auto& refs) -> Status {
                  refs["app:1"] = d;
                  return {};
                }).ok());
  auto refs = st->read_refs();
  ASSERT_TRUE(refs.ok());
  EXPECT_EQ(refs->at("app:1"), d);
  // A failing update leaves the refs untouched.
  EXPECT_FALSE(st->update_refs([&](auto& r) -> Status {
                   r.clear();
                   return make_error(ErrorKind::Input, "no");
                 }).ok());
  EXPECT_EQ(st->read_refs()->size(), 1u);
}

TEST(Refs, CorruptRefsFileIsReported) {
  TempDir t;
  auto st = Store::open(t / "s");
  test::write_file(t / "s/refs.json", "{not json");
  auto r = st->read_refs();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(r.error().message.find("refs.json"), std::string::npos);
}

}  // namespace
}  // namespace wimg::store
