#include <gtest/gtest.h>

#include "layers/index.h"

namespace wimg::layers {
namespace {

Entry dir(std::string p, std::uint32_t mode = 0755) { return Entry{Kind::Dir, std::move(p), mode, 0, {}, {}}; }
Entry file(std::string p, std::string content, std::uint32_t mode = 0644) {
  return Entry{Kind::File, std::move(p), mode, content.size(), sha256_of(content), {}};
}
Entry link(std::string p, std::string target) {
  auto n = target.size();
  return Entry{Kind::Symlink, std::move(p), 0777, n, {}, std::move(target)};
}

std::vector<Entry> sample() {
  return {dir("a"), file("a/x", "hello"), link("a/y", "../z"), Entry{Kind::Whiteout, "b", 0, 0, {}, {}},
          Entry{Kind::Opaque, "c", 0700, 0, {}, {}}, file("z", "")};
}

TEST(Index, RoundTrip) {
  auto bytes = encode_index(sample());
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto back = decode_index(*bytes, "t");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, sample());
}

TEST(Index, GoldenBytesForEmptyAndOneFile) {
  // The encoding is a published format: pin it.
  auto empty = encode_index({});
  EXPECT_EQ(*empty, std::string("WIMGLAYR\x01\0\0\0\0\0\0\0\0\0\0\0", 20));
  EXPECT_EQ(sha256_of(*empty).hex(), sha256_of(std::string("WIMGLAYR\x01\0\0\0\0\0\0\0\0\0\0\0", 20)).hex());
  auto one = encode_index({file("f", "")});
  std::string expect("WIMGLAYR\x01\0\0\0\x01\0\0\0\0\0\0\0", 20);
  expect += std::string("\x02\x01\0\0\0f\xa4\x01\0\0\0\0\0\0\0\0\0\0", 18);
  Digest d = sha256_of("");
  expect.append(reinterpret_cast<const char*>(d.bytes.data()), 32);
  EXPECT_EQ(*one, expect);
}

TEST(Index, EncodeRejectsNonCanonical) {
  EXPECT_FALSE(encode_index({file("b", ""), file("a", "")}).ok());          // unsorted
  EXPECT_FALSE(encode_index({file("a", ""), file("a", "")}).ok());          // duplicate
  EXPECT_FALSE(encode_index({file("a/b", "")}).ok());                       // no parent
  EXPECT_FALSE(encode_index({file("a", ""), file("a/b", "")}).ok());        // parent is a file
  EXPECT_FALSE(encode_index({file("a", "", 01755)}).ok());                  // mode bits
  EXPECT_FALSE(encode_index({link("a", "")}).ok());                         // empty target
  EXPECT_FALSE(encode_index({Entry{Kind::Whiteout, "w", 0644, 0, {}, {}}}).ok());
}

TEST(Index, SortIsBytewise) {
  // '-' (0x2d) sorts before '/' (0x2f): "a-b" comes before "a/b".
  std::vector<Entry> e{dir("a"), file("a-b", ""), file("a/b", ""), file("\xc3\xa9", "")};
  EXPECT_TRUE(encode_index(e).ok());
}

TEST(Index, DecodeRejectsCorruption) {
  std::string good = *encode_index(sample());
  EXPECT_FALSE(decode_index("", "t").ok());
  EXPECT_FALSE(decode_index(good.substr(0, good.size() - 1), "t").ok());
  EXPECT_FALSE(decode_index(good + "x", "t").ok());
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_FALSE(decode_index(bad_magic, "t").ok());
  std::string huge_count = good;
  huge_count[19] = '\x7f';  // count's top byte
  auto r = decode_index(huge_count, "layer.bin");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(r.error().message.find("layer.bin"), std::string::npos);
  // Every single-byte truncation fails cleanly.
  for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode_index(good.substr(0, n), "t").ok()) << n;
}

TEST(Index, SmallestEntriesRoundTrip) {
  // Found by the archive fuzzer: a layer of one whiteout is 18 bytes an entry.
  std::vector<Entry> e{Entry{Kind::Whiteout, "x", 0, 0, {}, {}}, Entry{Kind::Whiteout, "y", 0, 0, {}, {}}};
  auto bytes = encode_index(e);
  ASSERT_TRUE(bytes.ok());
  auto back = decode_index(*bytes, "t");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, e);
}

TEST(Index, Stats) {
  auto s = stats_of(sample());
  EXPECT_EQ(s.files, 2u);
  EXPECT_EQ(s.bytes, 5u);
}

}  // namespace
}  // namespace wimg::layers
