#include <gtest/gtest.h>

#include "layers/builder.h"

namespace wimg::layers {
namespace {

Digest D(const std::string& s) { return sha256_of(s); }

TEST(Builder, ImpliesParents) {
  LayerBuilder b("src");
  ASSERT_TRUE(b.add_file("a/b/c", 0644, D("x"), 1).ok());
  auto e = b.finish();
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->size(), 3u);
  EXPECT_EQ((*e)[0].path, "a");
  EXPECT_EQ((*e)[0].kind, Kind::Dir);
  EXPECT_EQ((*e)[0].mode, 0755u);
  EXPECT_EQ((*e)[2].path, "a/b/c");
}

TEST(Builder, WhiteoutsAndOpaque) {
  LayerBuilder b("src");
  ASSERT_TRUE(b.add_dir("d", 0700).ok());
  ASSERT_TRUE(b.add_file("d/.wh.gone", 0644, D(""), 0).ok());
  ASSERT_TRUE(b.add_file("e/.wh..wh..opq", 0644, D(""), 0).ok());
  auto e = *b.finish();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].path, "d");
  EXPECT_EQ(e[1].path, "d/gone");
  EXPECT_EQ(e[1].kind, Kind::Whiteout);
  EXPECT_EQ(e[1].mode, 0u);
  EXPECT_EQ(e[2].path, "e");
  EXPECT_EQ(e[2].kind, Kind::Opaque);
}

TEST(Builder, OpaqueKeptWhenDirSeenAgain) {
  LayerBuilder b("src");
  ASSERT_TRUE(b.add_file("e/.wh..wh..opq", 0644, D(""), 0).ok());
  ASSERT_TRUE(b.add_dir("e", 0711).ok());
  auto e = *b.finish();
  EXPECT_EQ(e[0].kind, Kind::Opaque);
  EXPECT_EQ(e[0].mode, 0711u);
}

TEST(Builder, RejectsWriteThroughSymlink) {
  LayerBuilder b("evil.tar");
  ASSERT_TRUE(b.add_symlink("etc", "/etc").ok());
  auto s = b.add_file("etc/passwd", 0644, D("x"), 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::Input);
  EXPECT_NE(s.error().message.find("evil.tar"), std::string::npos);
  EXPECT_NE(s.error().message.find("etc/passwd"), std::string::npos);
  EXPECT_NE(s.error().message.find("symlink"), std::string::npos);
}

TEST(Builder, LaterEntryReplacesEarlier) {
  LayerBuilder b("src");
  ASSERT_TRUE(b.add_file("f", 0644, D("1"), 1).ok());
  ASSERT_TRUE(b.add_file("f", 0600, D("22"), 2).ok());
  auto e = *b.finish();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].digest, D("22"));
  EXPECT_EQ(e[0].mode, 0600u);
}

TEST(Builder, NonEmptyDirCannotBecomeFile) {
  LayerBuilder b("src");
  ASSERT_TRUE(b.add_file("d/x", 0644, D("1"), 1).ok());
  EXPECT_FALSE(b.add_file("d", 0644, D("1"), 1).ok());
  EXPECT_FALSE(b.add_symlink("d", "x").ok());
}

TEST(Builder, WhiteoutConflictsWithEntry) {
  LayerBuilder b("src");
  ASSERT_TRUE(b.add_file("f", 0644, D("1"), 1).ok());
  EXPECT_FALSE(b.add_file(".wh.f", 0644, D(""), 0).ok());
  EXPECT_FALSE(b.add_file("x/.wh.", 0644, D(""), 0).ok());
  EXPECT_FALSE(b.add_file(".wh..wh..opq", 0644, D(""), 0).ok());  // root cannot be opaque
}

TEST(Builder, Hardlinks) {
  LayerBuilder b("a.tar");
  ASSERT_TRUE(b.add_file("orig", 0640, D("data"), 4).ok());
  ASSERT_TRUE(b.add_hardlink("copy", "orig").ok());
  auto e = *b.finish();
  EXPECT_EQ(e[0].digest, e[1].digest);
  EXPECT_EQ(e[0].mode, 0640u);
  auto s = b.add_hardlink("bad", "nowhere");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("nowhere"), std::string::npos);
  ASSERT_TRUE(b.add_dir("d", 0755).ok());
  EXPECT_FALSE(b.add_hardlink("bad2", "d").ok());
}

}  // namespace
}  // namespace wimg::layers
