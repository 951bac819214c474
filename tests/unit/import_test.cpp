#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "layers/import.h"
#include "layers/index.h"
#include "test_util.h"

namespace wimg::layers {
namespace {

using test::TempDir;
using test::write_file;

struct Fixture {
  TempDir dir;
  store::Store st = *store::Store::open(dir / "store");
  std::vector<std::string> warnings;
  ImportOptions opts() {
    ImportOptions o;
    o.warn = [this](const std::string& w) { warnings.push_back(w); };
    o.walk_start_ns = 4'000'000'000'000'000'000;  // far future: every file counts as racy
    return o;
  }
  // Files written now are "old" relative to a walk that starts 10 s from
  // now: outside the racy window, so the stat cache keeps them.
  ImportOptions cached_opts() {
    ImportOptions o = opts();
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    o.walk_start_ns = (static_cast<std::int64_t>(now.tv_sec) + 10) * 1'000'000'000;
    return o;
  }
  Result<ImportResult> add(const std::string& path) { return import_path(st, path, opts()); }
};

void set_mtime(const std::string& path, long sec) {
  struct timeval tv[2] = {{sec, 0}, {sec, 0}};
  ::lutimes(path.c_str(), tv);
}

TEST(ImportTree, BasicEntries) {
  Fixture f;
  write_file(f.dir / "t/bin/run", "#!/bin/sh\n", 0755);
  write_file(f.dir / "t/data.txt", "data");
  ::symlink("../etc/passwd", (f.dir / "t/bin/out").c_str());
  auto r = f.add(f.dir / "t");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->entries.size(), 4u);
  EXPECT_EQ(r->entries[0].path, "bin");
  EXPECT_EQ(r->entries[1].path, "bin/out");
  EXPECT_EQ(r->entries[1].kind, Kind::Symlink);
  EXPECT_EQ(r->entries[1].target, "../etc/passwd");  // stored, never followed
  EXPECT_EQ(r->entries[2].mode, 0755u);
  EXPECT_EQ(r->stats.files, 2u);
  EXPECT_EQ(r->stats.bytes, 14u);
  EXPECT_TRUE(f.st.has(r->digest));
  EXPECT_EQ(*f.st.get(r->entries[3].digest), "data");
}

TEST(ImportTree, DigestIgnoresMtimeAndLocation) {
  Fixture f;
  write_file(f.dir / "a/x/y", "1");
  write_file(f.dir / "a/z", "2");
  write_file(f.dir / "b/z", "2");
  write_file(f.dir / "b/x/y", "1");
  ::chmod((f.dir / "b/x").c_str(), 0755);
  ::chmod((f.dir / "a/x").c_str(), 0755);
  set_mtime(f.dir / "b/z", 12345);
  auto a = f.add(f.dir / "a");
  auto b = f.add(f.dir / "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->digest, b->digest);
}

TEST(ImportTree, SkipsFifoWithWarning) {
  Fixture f;
  write_file(f.dir / "t/a", "a");
  ASSERT_EQ(::mkfifo((f.dir / "t/pipe").c_str(), 0644), 0);
  auto r = f.add(f.dir / "t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->entries.size(), 1u);
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_NE(f.warnings[0].find("pipe"), std::string::npos);
}

TEST(ImportTree, WimgignoreApplies) {
  Fixture f;
  write_file(f.dir / "t/.wimgignore", "*.log\nbuild\n!build/keep.txt\n");
  write_file(f.dir / "t/app.rb", "x");
  write_file(f.dir / "t/debug.log", "x");
  write_file(f.dir / "t/build/out.o", "x");
  write_file(f.dir / "t/build/keep.txt", "k");
  auto r = f.add(f.dir / "t");
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<std::string> paths;
  for (const auto& e : r->entries) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{".wimgignore", "app.rb", "build", "build/keep.txt"}));
}

TEST(ImportTree, BadIgnoreFileNamesLine) {
  Fixture f;
  write_file(f.dir / "t/.wimgignore", "ok\n[bad\n");
  auto r = f.add(f.dir / "t");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(".wimgignore:2"), std::string::npos) << r.error().message;
}

TEST(ImportTree, NonUtf8NameRejectedStoreUnchanged) {
  Fixture f;
  write_file(f.dir / "t/good", "g");
  write_file(f.dir / "t/bad\xff", "b");
  auto before = test::snapshot(f.dir / "store");
  auto r = f.add(f.dir / "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Input);
  EXPECT_NE(r.error().message.find("bad\\xff"), std::string::npos) << r.error().message;
  EXPECT_EQ(test::snapshot(f.dir / "store"), before);
}

TEST(ImportTree, IgnoredBadNameIsNotAnError) {
  Fixture f;
  write_file(f.dir / "t/.wimgignore", "junk*\n");
  write_file(f.dir / "t/junk\xff", "b");
  write_file(f.dir / "t/good", "g");
  auto r = f.add(f.dir / "t");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->entries.size(), 2u);  // .wimgignore and good
}

TEST(ImportTree, OciWhiteoutsInTree) {
  Fixture f;
  write_file(f.dir / "t/etc/.wh.motd", "");
  write_file(f.dir / "t/var/.wh..wh..opq", "");
  auto r = f.add(f.dir / "t");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->entries.size(), 3u);
  EXPECT_EQ(r->entries[1].kind, Kind::Whiteout);
  EXPECT_EQ(r->entries[1].path, "etc/motd");
  EXPECT_EQ(r->entries[2].kind, Kind::Opaque);
}

TEST(ImportTree, StatCacheSkipsRehashButSeesChanges) {
  Fixture f;
  write_file(f.dir / "t/a", "one");
  write_file(f.dir / "t/b", "two");
  ImportOptions o = f.cached_opts();
  auto first = import_path(f.st, f.dir / "t", o);
  ASSERT_TRUE(first.ok());
  // Corrupt the cache's belief: replace a's content but keep size; mtime changes -> re-hash.
  write_file(f.dir / "t/a", "ONE");
  auto second = import_path(f.st, f.dir / "t", o);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->digest, second->digest);
  EXPECT_EQ(second->entries[0].digest, sha256_of("ONE"));
  EXPECT_EQ(second->entries[1].digest, sha256_of("two"));
}

TEST(ImportTree, StatCacheRechecksPrunedObjects) {
  Fixture f;
  write_file(f.dir / "t/a", "one");
  ImportOptions o = f.cached_opts();
  auto first = import_path(f.st, f.dir / "t", o);
  ASSERT_TRUE(first.ok());
  Digest obj = first->entries[0].digest;
  ASSERT_TRUE(f.st.remove_object(obj).ok());
  auto second = import_path(f.st, f.dir / "t", o);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(f.st.has(obj));  // re-stored, not trusted from the cache
}

TEST(ImportPath, NotAnArchive) {
  Fixture f;
  write_file(f.dir / "plain.txt", "just text, not an archive\n");
  auto r = f.add(f.dir / "plain.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Input);
  EXPECT_NE(r.error().message.find("plain.txt"), std::string::npos);
  auto missing = f.add(f.dir / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
}

}  // namespace
}  // namespace wimg::layers
