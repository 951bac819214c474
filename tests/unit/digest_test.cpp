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

// The writer's pattern: one buffer refilled after every add_copy, chunks
// of every size from short strings (stored inside the string) to more than
// the copy bound; the digest is the one-shot digest of everything added.
TEST(HashBehind, CopiedChunksFromAReusedBufferHashInOrder) {
  HashBehind h;
  std::string all, buf;
  std::uint32_t x = 7;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{4096},
                           HashBehind::kMaxCopied + 3, std::size_t{1} << 20, std::size_t{3}}) {
    buf.assign(size, '\0');
    for (char& c : buf) c = static_cast<char>(x = x * 1103515245u + 12345u);
    h.add_copy(buf);
    all += buf;
    buf.assign(buf.size(), 'z');  // reused at once
  }
  EXPECT_EQ(h.finish(), sha256_of(all));
}

TEST(HashBehind, BorrowedChunksAndWaitHashed) {
  HashBehind h;
  const std::string a(100000, 'a'), b = "bc";
  h.add(a);
  h.add(b);
  h.wait_hashed(2);
  h.add_copy("d");
  EXPECT_EQ(h.finish(), sha256_of(a + b + "d"));
}

}  // namespace
}  // namespace wimg
