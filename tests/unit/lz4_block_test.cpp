// The guest runtime's own LZ4 block decoder (runtime/guest/lz4.c, compiled
// here from the very same source) against liblz4: it decodes every block
// liblz4's compressors write, refuses wrong sizes and malformed blocks,
// and on damaged input never reads or writes out of bounds (guard bytes
// here, ASan in the sanitizer build, libFuzzer in fuzz/lz4_block_fuzz.cpp)
// and never accepts a block liblz4 would decode differently.
#include <gtest/gtest.h>
#include <lz4.h>
#include <lz4hc.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/guest/lz4.h"
#include "runtime/guest/wimg_abi.h"

namespace {

using Bytes = std::vector<unsigned char>;

std::uint32_t lcg(std::uint32_t& x) {
  x = x * 1103515245u + 12345u;
  return (x >> 16) & 0x7fff;
}

// Ruby-like text, random bytes, or a mix of runs, near and far repeats
// (overlapping matches with offsets 1..3 included) and noise.
Bytes make_data(int kind, std::size_t n, std::uint32_t seed) {
  static const char* const words[] = {"def ", "end\n", "require ", "self", ".each ", "do |x|", "  ", "# comment ",
                                      "module ", "class Foo", " < Bar\n", "@value", "return ", "nil", "true"};
  Bytes out;
  std::uint32_t x = seed;
  while (out.size() < n) {
    if (kind == 0) {
      const char* w = words[lcg(x) % 15];
      out.insert(out.end(), w, w + std::strlen(w));
    } else if (kind == 1) {
      out.push_back(static_cast<unsigned char>(lcg(x)));
    } else {
      const std::uint32_t what = lcg(x) % 4, len = 1 + lcg(x) % 300;
      if (what == 0) out.insert(out.end(), len, static_cast<unsigned char>(lcg(x)));
      if (what == 1 && !out.empty()) {
        const std::size_t off = 1 + lcg(x) % std::min<std::size_t>(out.size(), lcg(x) % 2 ? 3 : 65535);
        for (std::uint32_t i = 0; i < len; ++i) out.push_back(out[out.size() - off]);
      }
      if (what >= 2)
        for (std::uint32_t i = 0; i < len % 40; ++i) out.push_back(static_cast<unsigned char>(lcg(x)));
    }
  }
  out.resize(n);
  return out;
}

Bytes compress(const Bytes& in, int how) {
  Bytes out(LZ4_COMPRESSBOUND(in.size()));
  static const char nothing = 0;  // liblz4's HC path dereferences a null source even for 0 bytes
  const char* src = in.empty() ? &nothing : reinterpret_cast<const char*>(in.data());
  char* dst = reinterpret_cast<char*>(out.data());
  const int n = static_cast<int>(in.size()), cap = static_cast<int>(out.size());
  int w = how == 0   ? LZ4_compress_default(src, dst, n, cap)
          : how == 1 ? LZ4_compress_HC(src, dst, n, cap, LZ4HC_CLEVEL_MAX)
                     : LZ4_compress_fast(src, dst, n, cap, 9);
  EXPECT_GT(w, 0);
  out.resize(static_cast<std::size_t>(std::max(w, 0)));
  return out;
}

constexpr std::size_t kGuard = 64;

struct Decoded {
  unsigned int rc = 1;
  Bytes out;
  bool guard_ok = true;
};

// The decoder on an exactly sized heap copy of `src` (ASan sees any read
// past it) into `want` bytes followed by guard bytes.
Decoded guest_decode(const Bytes& src, std::size_t want) {
  auto in = std::make_unique<unsigned char[]>(src.size() + 1);
  if (!src.empty()) std::memcpy(in.get(), src.data(), src.size());  // data() may be null
  Bytes dst(want + kGuard, 0xA5);
  Decoded d;
  d.rc = wrt_lz4_block(in.get(), static_cast<unsigned int>(src.size()), dst.data(), static_cast<unsigned int>(want));
  for (std::size_t i = want; i < dst.size(); ++i) d.guard_ok = d.guard_ok && dst[i] == 0xA5;
  dst.resize(want);
  d.out = std::move(dst);
  return d;
}

// liblz4's answer: the bytes when it decodes `src` to exactly `want`.
bool liblz4_decode(const Bytes& src, std::size_t want, Bytes* out) {
  out->assign(want, 0);
  if (src.empty()) return false;
  const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(src.data()), reinterpret_cast<char*>(out->data()),
                                      static_cast<int>(src.size()), static_cast<int>(want));
  return got == static_cast<int>(want);
}

TEST(Lz4Block, DecodesWhatLiblz4Writes) {
  for (std::size_t n : {0u, 1u, 5u, 12u, 13u, 17u, 100u, 255u, 256u, 4096u, 65535u, 65536u}) {
    for (int kind = 0; kind < 3; ++kind) {
      for (int how = 0; how < 3; ++how) {
        const Bytes data = make_data(kind, n, static_cast<std::uint32_t>(n * 7 + kind));
        const Bytes block = compress(data, how);
        const Decoded d = guest_decode(block, n);
        EXPECT_EQ(d.rc, 0u) << "n=" << n << " kind=" << kind << " how=" << how;
        EXPECT_TRUE(d.guard_ok);
        EXPECT_TRUE(d.out == data) << "n=" << n << " kind=" << kind << " how=" << how;
      }
    }
  }
}

TEST(Lz4Block, ALongRunOfOneByte) {
  // offset 1, one match with ~257 extension bytes: the most compressed a
  // 64 KiB chunk gets (the host's ceil(n/255) lower bound must admit it).
  const Bytes zeros(WIMG_LZ4_CHUNK, 0);
  const Bytes block = compress(zeros, 0);
  EXPECT_GE(block.size(), (WIMG_LZ4_CHUNK + 254) / 255);
  const Decoded d = guest_decode(block, zeros.size());
  EXPECT_EQ(d.rc, 0u);
  EXPECT_TRUE(d.out == zeros);
}

TEST(Lz4Block, RefusesAnyOtherSize) {
  const Bytes data = make_data(0, 5000, 1);
  const Bytes block = compress(data, 0);
  EXPECT_EQ(guest_decode(block, 5000).rc, 0u);
  for (std::size_t want : {0u, 1u, 4999u, 5001u, 65536u}) {
    const Decoded d = guest_decode(block, want);
    EXPECT_NE(d.rc, 0u) << want;
    EXPECT_TRUE(d.guard_ok) << want;
  }
}

// token literals [offset:u16le] ... with lengths below 15 (no extensions).
Bytes seq(std::uint8_t lits, std::uint8_t match_nibble, std::uint16_t offset, bool last = false) {
  Bytes b{static_cast<unsigned char>(lits << 4 | (last ? 0 : match_nibble))};
  for (std::uint8_t i = 0; i < lits; ++i) b.push_back(static_cast<unsigned char>('a' + i));
  if (!last) {
    b.push_back(static_cast<unsigned char>(offset & 0xff));
    b.push_back(static_cast<unsigned char>(offset >> 8));
  }
  return b;
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Lz4Block, HandMadeBlocks) {
  // 8 literals, a 4-byte match 8 back, 8 last literals: 20 bytes, valid.
  const Bytes good = cat(seq(8, 0, 8), seq(8, 0, 0, true));
  Bytes want;
  ASSERT_TRUE(liblz4_decode(good, 20, &want));
  Decoded d = guest_decode(good, 20);
  EXPECT_EQ(d.rc, 0u);
  EXPECT_TRUE(d.out == want);
  EXPECT_EQ(std::string(d.out.begin(), d.out.end()), "abcdefghabcdabcdefgh");

  // Overlapping matches: offset 1, 2, 3 repeat a pattern (as liblz4 does).
  for (std::uint16_t off : {1, 2, 3, 5, 7}) {
    const Bytes b = cat(seq(8, 14, off), seq(8, 0, 0, true));  // match of 18
    ASSERT_TRUE(liblz4_decode(b, 34, &want)) << off;
    d = guest_decode(b, 34);
    EXPECT_EQ(d.rc, 0u) << off;
    EXPECT_TRUE(d.out == want) << off;
  }

  struct Bad {
    const char* what;
    Bytes block;
    std::size_t want;
  };
  Bytes many_255{0xF0};
  many_255.insert(many_255.end(), 4000, 0xFF);
  for (const Bad& b : std::vector<Bad>{
           {"empty input", {}, 0},
           {"empty input, want 1", {}, 1},
           {"offset 0", cat(seq(8, 0, 0), seq(8, 0, 0, true)), 20},
           {"offset before the start", cat(seq(8, 0, 9), seq(8, 0, 0, true)), 20},
           {"match into the last 5 bytes", cat(seq(8, 6, 8), seq(4, 0, 0, true)), 22},
           {"match starting 11 bytes before the end", cat(seq(8, 0, 8), seq(7, 0, 0, true)), 19},
           {"block ending after a match", seq(8, 0, 8), 12},
           {"no last literals", seq(8, 0, 8), 20},
           {"one offset byte", Bytes{0x80, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 8}, 20},
           {"literals past the input", Bytes{0x50, 'a', 'b'}, 5},
           {"literals past the output", seq(8, 0, 0, true), 7},
           {"literal extension past the input", Bytes{0xF0, 0xFF, 0xFF}, 600},
           {"literal extension beyond want", many_255, 65536},
           {"trailing byte", cat(seq(8, 0, 0, true), Bytes{0}), 8},
           {"match extension past the input", Bytes{0x8F, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 8, 0, 0xFF}, 600},
       }) {
    d = guest_decode(b.block, b.want);
    EXPECT_NE(d.rc, 0u) << b.what;
    EXPECT_TRUE(d.guard_ok) << b.what;
    // liblz4 refuses them too (offset 0 aside: the format calls it invalid).
    if (std::string(b.what) != "offset 0") {
      EXPECT_FALSE(liblz4_decode(b.block, b.want, &want)) << b.what;
    }
  }
}

// Any valid block round-trips.
RC_GTEST_PROP(Lz4Block, RoundTripsRandomData, (std::uint32_t seed, std::uint16_t size, std::uint8_t kind)) {
  const Bytes data = make_data(kind % 3, size, seed);
  const Bytes block = compress(data, seed % 3);
  const Decoded d = guest_decode(block, data.size());
  RC_ASSERT(d.rc == 0u);
  RC_ASSERT(d.guard_ok);
  RC_ASSERT(d.out == data);
}

// Damaged blocks: refused, or decoded exactly as liblz4 decodes them;
// never a byte outside the buffers.
RC_GTEST_PROP(Lz4Block, DamageIsRefusedOrAgreesWithLiblz4,
              (std::uint32_t seed, std::uint16_t size, std::vector<std::pair<std::uint32_t, std::uint8_t>> flips,
               std::uint8_t cut, std::int8_t want_delta)) {
  const Bytes data = make_data(2, size % 8192, seed);
  Bytes block = compress(data, seed % 3);
  for (const auto& [pos, x] : flips) block[pos % block.size()] ^= static_cast<unsigned char>(x | 1);
  if (cut % 4 == 0) block.resize(block.size() - std::min<std::size_t>(block.size(), cut / 4));
  const std::size_t want = want_delta % 3 == 0 ? data.size() : data.size() + static_cast<std::size_t>(want_delta & 7);
  const Decoded d = guest_decode(block, want);
  RC_ASSERT(d.guard_ok);
  if (d.rc == 0) {
    Bytes ref;
    RC_ASSERT(liblz4_decode(block, want, &ref));
    RC_ASSERT(d.out == ref);
  }
}

}  // namespace
