#include <gtest/gtest.h>

#include "support/digest.h"
#include "support/hash_behind.h"

namespace wimg {
namespace {

TEST(Digest, KnownVectors) {
  EXPECT_EQ(sha256_of("").str(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_of("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, StreamingEqualsOneShot) {
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.finish(), sha256_of("abc"));
  // finish() resets the context.
  h.update("");
  EXPECT_EQ(h.finish(), sha256_of(""));
}

TEST(Digest, ParseRoundTrip) {
  Digest d = sha256_of("x");
  auto p = Digest::parse(d.str());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, d);
  EXPECT_TRUE(Digest::parse(d.hex(), true).ok());
  EXPECT_FALSE(Digest::parse(d.hex()).ok());
}

TEST(Digest, ParseRejectsBadInput) {
  EXPECT_FALSE(Digest::parse("sha256:").ok());
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(63, 'a')).ok());
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(64, 'A')).ok());  // upper case
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(64, 'g')).ok());
  EXPECT_FALSE(Digest::parse("md5:" + std::string(64, 'a')).ok());
  auto e = Digest::parse("nope");
  EXPECT_EQ(e.error().kind, ErrorKind::Input);
  EXPECT_NE(e.error().message.find("nope"), std::string::npos);
}

TEST(HashBehind, BorrowedChunksAndWaitHashed) {
  HashBehind h;
  const std::string a(100000, 'a'), b = "bc";
  h.add(a);
  h.add(b);
  h.wait_hashed(2);
  const std::string d = "d";
  h.add(d);
  EXPECT_EQ(h.finish(), sha256_of(a + b + d));
}

}  // namespace
}  // namespace wimg
