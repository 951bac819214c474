#include <gtest/gtest.h>

#include "layers/path.h"

namespace wimg::layers {
namespace {

TEST(Path, CheckAcceptsCanonical) {
  EXPECT_TRUE(check_path("a", "a").ok());
  EXPECT_TRUE(check_path("a/b/c.txt", "x").ok());
  EXPECT_TRUE(check_path("caf\xc3\xa9/\xe2\x82\xac", "x").ok());
  EXPECT_TRUE(check_path(std::string(255, 'n'), "x").ok());
}

TEST(Path, CheckRejects) {
  for (std::string bad : {"", "/a", "a/", "a//b", "./a", "a/./b", "a/..", "../a", "..", "."}) {
    EXPECT_FALSE(check_path(bad, bad).ok()) << bad;
  }
  EXPECT_FALSE(check_path(std::string("a\0b", 3), "nul").ok());
  EXPECT_FALSE(check_path(std::string(256, 'n'), "long component").ok());
}

TEST(Path, LengthLimitIs4095) {
  std::string p;
  while (p.size() < 4095) p += (p.empty() ? "" : "/") + std::string(std::min<std::size_t>(200, 4095 - p.size() - (p.empty() ? 0 : 1)), 'x');
  ASSERT_EQ(p.size(), 4095u);
  EXPECT_TRUE(check_path(p, "p").ok());
  auto r = check_path(p + "y", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("4096 bytes"), std::string::npos);
}

TEST(Path, Utf8Validation) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong "/"
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe2\x82"));          // truncated
  auto r = check_path("bad\xff", "bad\xff");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("bad\\xff"), std::string::npos);
  EXPECT_NE(r.error().message.find("UTF-8"), std::string::npos);
}

TEST(Path, NormalizeMemberName) {
  EXPECT_EQ(*normalize_member_name("./a/b/"), "a/b");
  EXPECT_EQ(*normalize_member_name("a//b"), "a/b");
  EXPECT_EQ(*normalize_member_name("./"), "");
  EXPECT_EQ(*normalize_member_name("a/./b"), "a/b");
  EXPECT_FALSE(normalize_member_name("/etc/passwd").ok());
  EXPECT_FALSE(normalize_member_name("../x").ok());
  EXPECT_FALSE(normalize_member_name("a/../../x").ok());
  EXPECT_FALSE(normalize_member_name("a/../b").ok());  // never resolved: refused
}

TEST(Path, ParentAndBase) {
  EXPECT_EQ(parent_of("a/b/c"), "a/b");
  EXPECT_EQ(parent_of("a"), "");
  EXPECT_EQ(base_of("a/b/c"), "c");
  EXPECT_EQ(base_of("a"), "a");
}

}  // namespace
}  // namespace wimg::layers
