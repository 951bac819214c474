#include <gtest/gtest.h>
#include <unistd.h>

#include "layers/import.h"
#include "test_util.h"

namespace wimg::layers {
namespace {

using test::Member;
using test::TempDir;

struct Fixture {
  TempDir dir;
  store::Store st = *store::Store::open(dir / "store");
  std::vector<std::string> warnings;
  Result<ImportResult> add(const std::string& path) {
    ImportOptions o;
    o.warn = [this](const std::string& w) { warnings.push_back(w); };
    return import_path(st, path, o);
  }
  // Imports a hostile archive and checks: Input error, message names the
  // archive and `needle`, and the store is byte-for-byte unchanged.
  void expect_rejected(const std::vector<Member>& members, const std::string& needle,
                       const std::string& format = "pax") {
    std::string path = dir / ("hostile." + format);
    test::write_archive(path, members, format);
    auto before = test::snapshot(dir / "store");
    auto r = add(path);
    ASSERT_FALSE(r.ok()) << "accepted: " << needle;
    EXPECT_EQ(r.error().kind, ErrorKind::Input);
    EXPECT_NE(r.error().message.find("hostile"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    EXPECT_EQ(test::snapshot(dir / "store"), before) << r.error().message;
  }
};

Member file(std::string name, std::string data) { return Member{Member::File, std::move(name), std::move(data), {}, 0644}; }
Member dir(std::string name) { return Member{Member::Dir, std::move(name), {}, {}, 0755}; }
Member symlink(std::string name, std::string target) { return Member{Member::Symlink, std::move(name), {}, std::move(target), 0777}; }
Member hardlink(std::string name, std::string target) { return Member{Member::Hardlink, std::move(name), {}, std::move(target), 0644}; }

TEST(Archive, TarAndTreeGiveSameDigest) {
  Fixture f;
  test::write_file(f.dir / "t/a/x", "xx");
  test::write_file(f.dir / "t/b", "b");
  ::chmod((f.dir / "t/a").c_str(), 0755);
  ::symlink("a/x", (f.dir / "t/l").c_str());
  auto tree = f.add(f.dir / "t");
  ASSERT_TRUE(tree.ok());
  test::write_archive(f.dir / "t.tar", {dir("./"), dir("./a/"), file("./a/x", "xx"), file("./b", "b"), symlink("./l", "a/x")});
  auto tar = f.add(f.dir / "t.tar");
  ASSERT_TRUE(tar.ok()) << tar.error().message;
  EXPECT_EQ(tree->digest, tar->digest);
}

TEST(Archive, CompressedFormatsAndZip) {
  std::vector<Member> m{dir("d"), file("d/f", std::string(100000, 'q')), file("g", "g")};
  Fixture f;
  test::write_archive(f.dir / "ref.tar", m);
  auto ref = f.add(f.dir / "ref.tar");
  ASSERT_TRUE(ref.ok());
  for (std::string filter : {"gzip", "bzip2", "xz", "zstd"}) {
    std::string p = f.dir / ("x.tar." + filter);
    test::write_archive(p, m, "pax", filter);
    auto r = f.add(p);
    ASSERT_TRUE(r.ok()) << filter << ": " << r.error().message;
    EXPECT_EQ(r->digest, ref->digest) << filter;
  }
  for (std::string fmt : {"ustar", "gnutar", "zip"}) {
    std::string p = f.dir / ("x." + fmt);
    test::write_archive(p, m, fmt);
    auto r = f.add(p);
    ASSERT_TRUE(r.ok()) << fmt << ": " << r.error().message;
    EXPECT_EQ(r->digest, ref->digest) << fmt;
  }
}

TEST(Archive, LongPaxNamesAndUtf8) {
  Fixture f;
  std::string deep = std::string(150, 'a') + "/" + std::string(150, 'b') + "/caf\xc3\xa9-\xe2\x82\xac.txt";
  test::write_archive(f.dir / "p.tar", {file(deep, "x")});
  auto r = f.add(f.dir / "p.tar");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->entries.back().path, deep);  // byte-exact
}

TEST(Archive, HardLinksShareObject) {
  Fixture f;
  test::write_archive(f.dir / "h.tar", {file("a", "same"), hardlink("b", "a")});
  auto r = f.add(f.dir / "h.tar");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->entries.size(), 2u);
  EXPECT_EQ(r->entries[0].digest, r->entries[1].digest);
  EXPECT_EQ(r->entries[1].size, 4u);
}

TEST(Archive, OciWhiteouts) {
  Fixture f;
  test::write_archive(f.dir / "w.tar", {dir("etc"), file("etc/.wh.passwd", ""), dir("var"), file("var/.wh..wh..opq", "")});
  auto r = f.add(f.dir / "w.tar");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->entries.size(), 3u);
  EXPECT_EQ(r->entries[1].path, "etc/passwd");
  EXPECT_EQ(r->entries[1].kind, Kind::Whiteout);
  EXPECT_EQ(r->entries[2].kind, Kind::Opaque);
}

TEST(Archive, SkipsFifoWithWarning) {
  Fixture f;
  test::write_archive(f.dir / "f.tar", {file("a", "a"), Member{Member::Fifo, "p", {}, {}, 0644}});
  auto r = f.add(f.dir / "f.tar");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->entries.size(), 1u);
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_NE(f.warnings[0].find("\"p\""), std::string::npos);
}

// ---- hostile input: each rejected with a clear error, store unchanged ----

TEST(ArchiveHostile, DotDot) {
  Fixture f;
  f.expect_rejected({file("ok", "fine"), file("../escape", "x")}, "..");
  f.expect_rejected({file("ok", "fine"), file("a/../../escape", "x")}, "a/../../escape");
}

TEST(ArchiveHostile, AbsolutePath) {
  Fixture f;
  f.expect_rejected({file("ok", "fine"), file("/etc/passwd", "x")}, "/etc/passwd");
}

TEST(ArchiveHostile, FileWrittenThroughSymlink) {
  Fixture f;
  f.expect_rejected({file("ok", "fine"), symlink("etc", "/etc"), file("etc/passwd", "x")}, "etc/passwd");
  f.expect_rejected({symlink("up", ".."), file("up/x", "x")}, "up/x");
}

TEST(ArchiveHostile, HardLinkOutsideArchive) {
  Fixture f;
  f.expect_rejected({file("ok", "fine"), hardlink("stolen", "/etc/shadow")}, "/etc/shadow");
  f.expect_rejected({file("ok", "fine"), hardlink("stolen", "../outside")}, "..");
  f.expect_rejected({file("ok", "fine"), hardlink("stolen", "not-in-archive")}, "not-in-archive");
}

TEST(ArchiveHostile, NonUtf8Name) {
  Fixture f;
  f.expect_rejected({file("ok", "fine"), file("bad\xff\xfe", "x")}, "UTF-8", "ustar");
}

TEST(ArchiveHostile, PathOf4096Bytes) {
  Fixture f;
  std::string p;
  while (p.size() < 4100) p += std::string(100, 'd') + "/";
  p += "f";
  f.expect_rejected({file("ok", "fine"), file(p, "x")}, "limit is 4095");
}

TEST(ArchiveHostile, ComponentOver255) {
  Fixture f;
  f.expect_rejected({file("ok", "fine"), file(std::string(300, 'n'), "x")}, "limit is 255");
}

TEST(ArchiveHostile, TruncatedArchive) {
  Fixture f;
  test::write_archive(f.dir / "full.tar", {file("a", std::string(50000, 'a')), file("b", std::string(50000, 'b'))});
  std::string bytes = test::read_file(f.dir / "full.tar");
  test::write_file(f.dir / "hostile-trunc.tar", bytes.substr(0, 70000));
  auto before = test::snapshot(f.dir / "store");
  auto r = f.add(f.dir / "hostile-trunc.tar");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("hostile-trunc.tar"), std::string::npos);
  EXPECT_EQ(test::snapshot(f.dir / "store"), before);
}

TEST(ArchiveHostile, DirReplacedByFile) {
  Fixture f;
  f.expect_rejected({file("d/x", "x"), file("d", "now a file")}, "non-empty directory");
}

}  // namespace
}  // namespace wimg::layers
