#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "runtime/wasm/leb128.h"

namespace wimg::wasm {
namespace {

std::string b(std::initializer_list<int> bytes) {
  std::string s;
  for (int x : bytes) s.push_back(static_cast<char>(x));
  return s;
}

template <typename T>
LebFault decode_any(std::string_view in, std::size_t* pos, T* out) {
  if constexpr (std::is_same_v<T, std::uint32_t>) return decode_u32(in, pos, out);
  if constexpr (std::is_same_v<T, std::uint64_t>) return decode_u64(in, pos, out);
  if constexpr (std::is_same_v<T, std::int32_t>) return decode_s32(in, pos, out);
  if constexpr (std::is_same_v<T, std::int64_t>) return decode_s64(in, pos, out);
}

template <typename T>
std::string encode_any(T v) {
  std::string s;
  if constexpr (std::is_same_v<T, std::uint32_t>) append_u32(&s, v);
  if constexpr (std::is_same_v<T, std::uint64_t>) append_u64(&s, v);
  if constexpr (std::is_same_v<T, std::int32_t>) append_s32(&s, v);
  if constexpr (std::is_same_v<T, std::int64_t>) append_s64(&s, v);
  return s;
}

template <typename T>
std::size_t size_any(T v) {
  if constexpr (std::is_same_v<T, std::uint32_t>) return size_u32(v);
  if constexpr (std::is_same_v<T, std::uint64_t>) return size_u64(v);
  if constexpr (std::is_same_v<T, std::int32_t>) return size_s32(v);
  if constexpr (std::is_same_v<T, std::int64_t>) return size_s64(v);
}

// Decodes all of `in`, expecting success and full consumption.
template <typename T>
T decode_all(const std::string& in) {
  std::size_t pos = 0;
  T v{};
  EXPECT_EQ(decode_any(in, &pos, &v), LebFault::None);
  EXPECT_EQ(pos, in.size());
  return v;
}

template <typename T>
LebFault fault_of(const std::string& in) {
  std::size_t pos = 0;
  T v{};
  LebFault f = decode_any(in, &pos, &v);
  if (f != LebFault::None) {
    EXPECT_EQ(pos, 0u) << "a failed decode must not advance";
  }
  return f;
}

TEST(WasmLeb128, KnownEncodings) {
  EXPECT_EQ(encode_any<std::uint32_t>(0), b({0x00}));
  EXPECT_EQ(encode_any<std::uint32_t>(127), b({0x7f}));
  EXPECT_EQ(encode_any<std::uint32_t>(128), b({0x80, 0x01}));
  EXPECT_EQ(encode_any<std::uint32_t>(624485), b({0xe5, 0x8e, 0x26}));
  EXPECT_EQ(encode_any<std::uint32_t>(0xffffffff), b({0xff, 0xff, 0xff, 0xff, 0x0f}));
  EXPECT_EQ(encode_any<std::uint64_t>(~std::uint64_t{0}),
            b({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  EXPECT_EQ(encode_any<std::int32_t>(-1), b({0x7f}));
  EXPECT_EQ(encode_any<std::int32_t>(63), b({0x3f}));
  EXPECT_EQ(encode_any<std::int32_t>(64), b({0xc0, 0x00}));
  EXPECT_EQ(encode_any<std::int32_t>(-64), b({0x40}));
  EXPECT_EQ(encode_any<std::int32_t>(-65), b({0xbf, 0x7f}));
  EXPECT_EQ(encode_any<std::int32_t>(-123456), b({0xc0, 0xbb, 0x78}));
  EXPECT_EQ(encode_any<std::int32_t>(std::numeric_limits<std::int32_t>::min()), b({0x80, 0x80, 0x80, 0x80, 0x78}));
  EXPECT_EQ(encode_any<std::int32_t>(std::numeric_limits<std::int32_t>::max()), b({0xff, 0xff, 0xff, 0xff, 0x07}));
  EXPECT_EQ(encode_any<std::int64_t>(std::numeric_limits<std::int64_t>::min()),
            b({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}));
}

TEST(WasmLeb128, DecodesBoundaryValues) {
  EXPECT_EQ(decode_all<std::uint32_t>(b({0xff, 0xff, 0xff, 0xff, 0x0f})), 0xffffffffu);
  EXPECT_EQ(decode_all<std::int32_t>(b({0x80, 0x80, 0x80, 0x80, 0x78})), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(decode_all<std::int32_t>(b({0xff, 0xff, 0xff, 0xff, 0x07})), std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(decode_all<std::int64_t>(b({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f})),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(decode_all<std::int64_t>(b({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00})),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(decode_all<std::uint64_t>(b({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})),
            ~std::uint64_t{0});
  EXPECT_EQ(decode_all<std::int32_t>(b({0x7f})), -1);
  EXPECT_EQ(decode_all<std::int32_t>(b({0x40})), -64);
  EXPECT_EQ(decode_all<std::int64_t>(b({0xbf, 0x7f})), -65);
}

TEST(WasmLeb128, AcceptsNonMinimalEncodingsWithinTheLengthLimit) {
  // The spec allows padding up to ceil(N/7) bytes; tools emit it for size slots.
  EXPECT_EQ(decode_all<std::uint32_t>(b({0x80, 0x00})), 0u);
  EXPECT_EQ(decode_all<std::uint32_t>(b({0x83, 0x80, 0x80, 0x80, 0x00})), 3u);
  EXPECT_EQ(decode_all<std::int32_t>(b({0xff, 0xff, 0xff, 0xff, 0x7f})), -1);
  EXPECT_EQ(decode_all<std::int32_t>(b({0xff, 0x7f})), -1);
  EXPECT_EQ(decode_all<std::int64_t>(b({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})), -1);
}

TEST(WasmLeb128, RejectsOverLongEncodings) {
  EXPECT_EQ(fault_of<std::uint32_t>(b({0x80, 0x80, 0x80, 0x80, 0x80, 0x00})), LebFault::TooLong);
  EXPECT_EQ(fault_of<std::int32_t>(b({0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})), LebFault::TooLong);
  EXPECT_EQ(fault_of<std::uint64_t>(b({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})),
            LebFault::TooLong);
  EXPECT_EQ(fault_of<std::int64_t>(b({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})),
            LebFault::TooLong);
}

TEST(WasmLeb128, RejectsUnusedBitsInTheLastByte) {
  // u32: the 5th byte carries 4 bits.
  EXPECT_EQ(fault_of<std::uint32_t>(b({0xff, 0xff, 0xff, 0xff, 0x1f})), LebFault::UnusedBits);
  EXPECT_EQ(fault_of<std::uint32_t>(b({0x80, 0x80, 0x80, 0x80, 0x10})), LebFault::UnusedBits);
  EXPECT_EQ(fault_of<std::uint32_t>(b({0x80, 0x80, 0x80, 0x80, 0x40})), LebFault::UnusedBits);
  // s32: bits 4..6 of the 5th byte must copy bit 3 (the sign).
  EXPECT_EQ(fault_of<std::int32_t>(b({0xff, 0xff, 0xff, 0xff, 0x0f})), LebFault::UnusedBits);
  EXPECT_EQ(fault_of<std::int32_t>(b({0x80, 0x80, 0x80, 0x80, 0x70})), LebFault::UnusedBits);
  EXPECT_EQ(fault_of<std::int32_t>(b({0x80, 0x80, 0x80, 0x80, 0x1f})), LebFault::UnusedBits);
  // u64: the 10th byte carries 1 bit; s64: its bits 1..6 copy bit 0.
  EXPECT_EQ(fault_of<std::uint64_t>(b({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02})),
            LebFault::UnusedBits);
  EXPECT_EQ(fault_of<std::int64_t>(b({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})),
            LebFault::UnusedBits);
  EXPECT_EQ(fault_of<std::int64_t>(b({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7e})),
            LebFault::UnusedBits);
}

TEST(WasmLeb128, RejectsTruncatedInput) {
  EXPECT_EQ(fault_of<std::uint32_t>(""), LebFault::Truncated);
  EXPECT_EQ(fault_of<std::uint32_t>(b({0x80})), LebFault::Truncated);
  EXPECT_EQ(fault_of<std::int64_t>(b({0xff, 0xff, 0xff})), LebFault::Truncated);
  // The cut can fall inside a larger buffer: decode sees only what it is given.
  std::string whole = b({0xe5, 0x8e, 0x26});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    EXPECT_EQ(fault_of<std::uint32_t>(whole.substr(0, n)), LebFault::Truncated) << n;
  }
}

TEST(WasmLeb128, DecodesFromTheMiddleAndAdvances) {
  std::string in = b({0xaa, 0xe5, 0x8e, 0x26, 0x7f});
  std::size_t pos = 1;
  std::uint32_t v = 0;
  ASSERT_EQ(decode_u32(in, &pos, &v), LebFault::None);
  EXPECT_EQ(v, 624485u);
  EXPECT_EQ(pos, 4u);
  std::int32_t s = 0;
  ASSERT_EQ(decode_s32(in, &pos, &s), LebFault::None);
  EXPECT_EQ(s, -1);
  EXPECT_EQ(pos, 5u);
}

TEST(WasmLeb128, ReadReportsOffsetAndWhat) {
  std::string in = b({0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  std::size_t pos = 1;
  auto r = read_u32(in, &pos, "m.wasm", "section size");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Input);
  EXPECT_EQ(r.error().message, "m.wasm: byte 1: section size: LEB128 is longer than 5 bytes");
  EXPECT_EQ(pos, 1u);

  std::string cut = b({0x00, 0x80});
  pos = 1;
  auto t = read_s64(cut, &pos, "m.wasm", "i64.const");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message, "m.wasm: byte 1: i64.const: LEB128 runs past the end of the input (2 bytes)");

  std::string bits = b({0x80, 0x80, 0x80, 0x80, 0x10});
  pos = 0;
  auto u = read_u32(bits, &pos, "m.wasm", "count");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().message, "m.wasm: byte 0: count: LEB128 sets unused bits in its last byte (value out of range)");

  pos = 0;
  auto ok = read_u64(b({0x05}), &pos, "m.wasm", "x");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5u);
  pos = 0;
  auto ok32 = read_s32(b({0x7f}), &pos, "m.wasm", "x");
  ASSERT_TRUE(ok32.ok());
  EXPECT_EQ(*ok32, -1);
}

template <typename T>
void round_trip_random(std::mt19937_64& rng) {
  for (int i = 0; i < 20000; ++i) {
    // Spread values over every encoded length, not just the large ones.
    const unsigned bits = static_cast<unsigned>(rng() % (sizeof(T) * 8)) + 1;
    std::uint64_t raw = rng();
    if (bits < 64) raw &= (std::uint64_t{1} << bits) - 1;
    T v = static_cast<T>(raw);
    if (std::is_signed_v<T> && (rng() & 1)) v = static_cast<T>(~raw);
    std::string enc = encode_any(v);
    ASSERT_EQ(enc.size(), size_any(v)) << +v;
    ASSERT_LE(enc.size(), (sizeof(T) * 8 + 6) / 7);
    ASSERT_EQ(decode_all<T>(enc), v);
  }
}

TEST(WasmLeb128, RandomRoundTrips) {
  std::mt19937_64 rng(20240611);
  round_trip_random<std::uint32_t>(rng);
  round_trip_random<std::uint64_t>(rng);
  round_trip_random<std::int32_t>(rng);
  round_trip_random<std::int64_t>(rng);
}

TEST(WasmLeb128, EncodingsAreMinimal) {
  // Minimal: the last byte never is pure padding (0x00 after a continuation
  // for unsigned; a redundant sign byte for signed).
  for (std::uint32_t v : {0u, 1u, 127u, 128u, 16383u, 16384u, 0x0fffffffu, 0x10000000u, 0xffffffffu}) {
    std::string e = encode_any(v);
    if (e.size() > 1) {
      EXPECT_NE(e.back(), 0) << v;
    }
  }
  for (std::int32_t v : {0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8192, -8193}) {
    std::string e = encode_any(v);
    if (e.size() > 1) {
      auto last = static_cast<std::uint8_t>(e.back());
      auto prev = static_cast<std::uint8_t>(e[e.size() - 2]);
      const bool redundant = (last == 0x00 && !(prev & 0x40)) || (last == 0x7f && (prev & 0x40));
      EXPECT_FALSE(redundant) << v;
    }
  }
}

TEST(WasmLeb128, PaddedU32IsFiveBytesAndDecodes) {
  for (std::uint32_t v : {0u, 3u, 127u, 128u, 0x12345678u, 0xffffffffu}) {
    std::string s;
    append_u32_padded(&s, v);
    ASSERT_EQ(s.size(), kMaxLeb32);
    EXPECT_EQ(decode_all<std::uint32_t>(s), v);
  }
  std::string three;
  append_u32_padded(&three, 3);
  EXPECT_EQ(three, b({0x83, 0x80, 0x80, 0x80, 0x00}));
  char buf[5];
  put_u32_padded(buf, 0xffffffffu);
  EXPECT_EQ(std::string(buf, 5), b({0xff, 0xff, 0xff, 0xff, 0x0f}));
}

TEST(WasmLeb128, PutReturnsTheSize) {
  char buf[kMaxLeb64];
  EXPECT_EQ(put_u32(buf, 300), 2u);
  EXPECT_EQ(put_u64(buf, std::uint64_t{1} << 63), 10u);
  EXPECT_EQ(put_s32(buf, -300), 2u);
  EXPECT_EQ(put_s64(buf, std::numeric_limits<std::int64_t>::min()), 10u);
}

}  // namespace
}  // namespace wimg::wasm
