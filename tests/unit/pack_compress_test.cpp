// Chunked LZ4 contents (runtime/pack/compress.h) and how segments and the
// host-side reader of packed binaries use them: the packer's policy, round
// trips at the chunk boundaries, strict checks of the stored form, and a
// corrupt chunk as a Corrupt error naming file, layer and slot.
#include <gtest/gtest.h>
#include <lz4.h>

#include <cstdio>

#include "layers/index.h"
#include "pack_test_util.h"
#include "runtime/pack/assemble.h"
#include "runtime/pack/compress.h"
#include "runtime/pack/packed.h"
#include "support/le.h"

namespace wimg::pack {
namespace {

using test::Contents;
using test::dir;

using test::noise;
using test::text;

std::uint32_t u32_at(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  le::Reader(b, at).get(&v);
  return v;
}

void put_u32_at(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

TEST(PackCompress, Policy) {
  EXPECT_TRUE(lz4_worth(256, 240));  // exactly 15/16
  EXPECT_FALSE(lz4_worth(256, 241));
  EXPECT_FALSE(lz4_worth(255, 10));  // too small to bother
  EXPECT_FALSE(lz4_worth(0, 0));
  EXPECT_TRUE(lz4_worth(1000000, 1));

  std::string out = "keep";
  EXPECT_FALSE(compress_content(std::string(255, 'a'), out));
  EXPECT_EQ(out, "keep");
  EXPECT_TRUE(compress_content(std::string(256, 'a'), out));
  EXPECT_EQ(out.substr(0, 4), "keep");
  out = "keep";
  EXPECT_FALSE(compress_content(noise(100000), out));  // left as it was
  EXPECT_EQ(out, "keep");
  // Mostly noise: compresses a little, not to 15/16.
  EXPECT_FALSE(compress_content(noise(60000) + std::string(3000, ' '), out));
  EXPECT_EQ(out, "keep");
}

TEST(PackCompress, RoundTripsAtChunkBoundaries) {
  struct Case {
    const char* what;
    std::string bytes;
    bool lz4;
  };
  const std::string mixed = noise(65536) + text(200000);  // one incompressible chunk among compressible ones
  for (const Case& c : std::vector<Case>{
           {"empty", "", false},
           {"small text", text(300), true},
           {"noise", noise(5000), false},
           {"exactly 64 KiB", text(65536), true},
           {"64 KiB + 1", text(65537), true},
           {"two full chunks", text(2 * 65536), true},
           {"300 KB of text", text(300000), true},
           {"1 MiB of zeros", std::string(1 << 20, '\0'), true},
           {"noise then text", mixed, true},
       }) {
    std::string out = "prefix";
    const bool z = compress_content(c.bytes, out);
    ASSERT_EQ(z, c.lz4) << c.what;
    if (!z) {
      EXPECT_EQ(out, "prefix") << c.what;
      continue;
    }
    const std::string_view stored = std::string_view(out).substr(6);
    const std::uint64_t chunks = (c.bytes.size() + 65535) / 65536;
    EXPECT_EQ(u32_at(stored, 0), chunks) << c.what;
    EXPECT_EQ(4 + 4 * chunks + u32_at(stored, 4 * chunks), stored.size()) << c.what;
    EXPECT_TRUE(lz4_worth(c.bytes.size(), stored.size())) << c.what;
    EXPECT_EQ(check_stored_form(stored, c.bytes.size()), "") << c.what;
    auto back = decompress_content(stored, c.bytes.size(), "x");
    ASSERT_TRUE(back.ok()) << c.what << ": " << back.error().message;
    EXPECT_TRUE(*back == c.bytes) << c.what;
    // Each chunk on its own is an LZ4 block of exactly its share.
    std::uint32_t prev = 0;
    for (std::uint64_t i = 0; i < chunks; ++i) {
      const std::uint32_t end = u32_at(stored, 4 + 4 * i);
      const std::size_t want = std::min<std::size_t>(65536, c.bytes.size() - i * 65536);
      std::string chunk(want, '\0');
      EXPECT_EQ(LZ4_decompress_safe(stored.data() + 4 + 4 * chunks + prev, chunk.data(), static_cast<int>(end - prev),
                                    static_cast<int>(want)),
                static_cast<int>(want))
          << c.what << " chunk " << i;
      prev = end;
    }
  }
  // The same bytes give the same stored form.
  std::string a, b;
  ASSERT_TRUE(compress_content(text(300000), a));
  ASSERT_TRUE(compress_content(text(300000), b));
  EXPECT_EQ(a, b);
}

TEST(PackCompress, StrictStoredForm) {
  std::string good;
  ASSERT_TRUE(compress_content(text(150000), good));  // 3 chunks
  ASSERT_EQ(check_stored_form(good, 150000), "");
  auto bad = [&](const char* what, std::string s, std::uint64_t size) {
    EXPECT_NE(check_stored_form(s, size), "") << what;
    auto r = decompress_content(s, size, "f.wasm: layer 0");
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().kind, ErrorKind::Corrupt) << what;
    EXPECT_EQ(r.error().message.rfind("f.wasm: layer 0: ", 0), 0u) << r.error().message;
  };
  // One byte more: the same structure, but the last chunk decodes short.
  EXPECT_EQ(check_stored_form(good, 150001), "");
  EXPECT_FALSE(decompress_content(good, 150001, "f.wasm").ok());
  bad("other chunk count", good, 200000);
  bad("trailing byte", good + "x", 150000);
  bad("cut", good.substr(0, good.size() - 1), 150000);
  bad("only the count", good.substr(0, 4), 150000);
  bad("nothing", "", 150000);
  std::string s = good;
  put_u32_at(s, 0, 2);
  bad("count field", s, 150000);
  s = good;
  put_u32_at(s, 8, u32_at(good, 4));  // chunk 1 empty
  bad("empty chunk", s, 150000);
  s = good;
  put_u32_at(s, 4, u32_at(good, 8) + 1);  // ends not increasing
  bad("decreasing ends", s, 150000);
  s = good;
  put_u32_at(s, 4, 1);  // chunk 0 a single byte: cannot give 64 KiB
  bad("too short for its size", s, 150000);
  // Well formed but not what the chunk should decode to.
  s = good;
  const std::size_t data = 16, chunk1 = data + u32_at(good, 4);
  s[chunk1] = '\0';  // chunk 1's first token: a match at output 0
  auto r = decompress_content(s, 150000, "f.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("chunk 1 of its LZ4 stored form is not a valid LZ4 block"), std::string::npos)
      << r.error().message;
  // A valid block of the wrong size: 10 bytes where 300 are due.
  std::string small(LZ4_COMPRESSBOUND(10), '\0');
  small.resize(static_cast<std::size_t>(
      LZ4_compress_default("0123456789", small.data(), 10, static_cast<int>(small.size()))));
  std::string form;
  le::put(form, std::uint32_t{1});
  le::put(form, static_cast<std::uint32_t>(small.size()));
  form += small;
  r = decompress_content(form, 300, "f.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("decodes to 10 bytes, not 300"), std::string::npos) << r.error().message;
}

// --- in layer segments ------------------------------------------------------

struct Stack {
  Contents c;
  std::vector<std::vector<layers::Entry>> layers;
  Stack() {
    layers.push_back({dir("lib"), c.file("lib/big.rb", text(300000)), c.file("lib/blob.bin", noise(70000)),
                      c.file("lib/empty", ""), c.file("lib/small.rb", "puts 1\n"), c.file("lib/x64k.rb", text(65536, 1)),
                      c.file("lib/x64k1.rb", text(65537, 2))});
    layers.push_back({c.file("app.rb", text(300000)), c.file("more.rb", text(1000, 3))});
  }
};

TEST(PackCompress, SegmentsStoreCompressibleContentsCompressed) {
  Stack s;
  auto b = build_segments(s.layers, s.c.reader(), 1, "out.wasm");
  ASSERT_TRUE(b.ok()) << b.error().message;
  std::uint64_t raw_total = 0;
  for (const auto& [d, bytes] : s.c.bytes) raw_total += bytes.size();
  EXPECT_LT(b->segments[0].size() + b->segments[1].size(), raw_total / 2);
  for (std::uint32_t slot = 1; slot <= 2; ++slot) {
    auto seg = decode_segment(b->segments[slot - 1], slot, "out.wasm");
    ASSERT_TRUE(seg.ok()) << seg.error().message;
    for (const ContentRow& row : seg->contents) {
      const std::string& bytes = s.c.bytes.at(row.digest);
      EXPECT_EQ(row.at, b->placements.at(row.digest));
      EXPECT_EQ(row.at.size, bytes.size());
      const bool want_lz4 = bytes.size() >= 256 && bytes != noise(70000);
      EXPECT_EQ(row.at.lz4, want_lz4) << bytes.size();
      if (!row.at.lz4) {
        EXPECT_EQ(row.at.stored, row.at.size);
      }
      const std::string_view stored =
          std::string_view(b->segments[row.at.slot - 1]).substr(row.at.offset, row.at.stored);
      if (row.at.lz4) {
        auto back = decompress_content(stored, row.at.size, "x");
        ASSERT_TRUE(back.ok()) << back.error().message;
        EXPECT_TRUE(*back == bytes);
      } else {
        EXPECT_TRUE(stored == bytes);
      }
    }
  }
  // Identical contents once per binary: app.rb is lib/big.rb, in slot 1.
  EXPECT_EQ(b->placements.at(sha256_of(text(300000))).slot, 1u);
}

TEST(PackCompress, DecodeSegmentChecksCompressedRows) {
  Contents c;
  const std::vector<std::vector<layers::Entry>> layers{{c.file("big.rb", text(300000))}};
  auto b = build_segments(layers, c.reader(), 1, "out.wasm");
  ASSERT_TRUE(b.ok()) << b.error().message;
  const std::string good = b->segments[0];
  const Placement p = b->placements.begin()->second;
  ASSERT_TRUE(p.lz4);
  const std::size_t row = p.offset - kContentRowSize;  // the only row, right before the blobs
  ASSERT_EQ(u32_at(good, row + 32), 1u | WIMG_NODE_LZ4);
  ASSERT_TRUE(decode_segment(good, 1, "out.wasm").ok());
  auto refused = [&](const char* what, std::size_t at, std::uint32_t v) {
    std::string s = good;
    put_u32_at(s, at, v);
    auto r = decode_segment(s, 1, "out.wasm");
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().kind, ErrorKind::Corrupt) << what;
    EXPECT_EQ(r.error().message.rfind("out.wasm: slot 1: layer segment: ", 0), 0u) << r.error().message;
  };
  refused("flag cleared: raw with stored != size", row + 32, 1);
  refused("unknown slot bits", row + 32, 1 | WIMG_NODE_LZ4 | 0x20000);
  refused("stored length", row + 44, p.stored - 1);
  refused("stored length above 15/16", row + 44, 300000);
  refused("chunk count", p.offset, 4);
  refused("a chunk end", p.offset + 8, u32_at(good, p.offset + 4));
  refused("the last end", p.offset + 4 * 5, u32_at(good, p.offset + 4 * 5) - 1);
}

// --- in packed binaries -----------------------------------------------------

struct Packed {
  Contents c;
  std::string bytes;
  Packed() {
    std::vector<layers::Entry> entries{dir("lib"), c.file("lib/big.rb", text(300000)), c.file("lib/small.rb", "x")};
    PackSpec spec;
    spec.layers.push_back(PackLayer{sha256_of(*layers::encode_index(entries)), entries, "layer add lib"});
    auto r = assemble(test::prepared_base(), spec, c.reader(), "app.wasm");
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (r.ok()) bytes = *r;
  }
};

PackedImage open_ok(const std::string& bytes) {
  auto p = open_packed(std::make_shared<const std::string>(bytes), "app.wasm");
  EXPECT_TRUE(p.ok()) << p.error().message;
  return p.ok() ? std::move(p).value() : PackedImage{};
}

// Where in the file the stored form of big.rb starts.
std::size_t stored_at(const PackedImage& p, Placement* out) {
  const ContentRow* row = nullptr;
  for (const ContentRow& r : p.segments[0].contents)
    if (r.at.lz4) row = &r;
  EXPECT_NE(row, nullptr);
  if (row == nullptr) return 0;
  *out = row->at;
  return static_cast<std::size_t>(p.slots[row->at.slot].data() - p.file->data()) + row->at.offset;
}

TEST(PackCompress, PackedContentsReadBackDecompressed) {
  Packed in;
  PackedImage p = open_ok(in.bytes);
  const layers::MergedEntry* e = p.overlay.find("lib/big.rb");
  ASSERT_NE(e, nullptr);
  auto bytes = p.content(e->layer, e->entry.digest, "app.wasm");
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_TRUE(*bytes == text(300000));
  // The view marks the node and points at the stored form.
  const auto node = p.view.lookup(*p.view.lookup(0, "lib"), "big.rb");
  ASSERT_TRUE(node.has_value());
  Placement at;
  stored_at(p, &at);
  EXPECT_TRUE(p.view.nodes[*node].lz4);
  EXPECT_EQ(p.view.nodes[*node].slot, 1u);
  EXPECT_EQ(p.view.nodes[*node].offset, at.offset);
  EXPECT_EQ(p.view.nodes[*node].size, 300000u);
  EXPECT_FALSE(p.view.nodes[*p.view.lookup(*p.view.lookup(0, "lib"), "small.rb")].lz4);
  auto rep = verify_packed(p, "app.wasm");
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->bytes, 300001u);  // uncompressed bytes re-hashed
}

TEST(PackCompress, ACorruptChunkIsCorruptOnTheHost) {
  Packed in;
  Placement at;
  const std::size_t base = stored_at(open_ok(in.bytes), &at);
  ASSERT_NE(base, 0u);
  const std::size_t data = base + 4 + 4 * 5;
  const std::uint32_t end1 = u32_at(in.bytes, base + 8), end2 = u32_at(in.bytes, base + 12);
  struct Damage {
    const char* what;
    std::size_t at;
    char value;
    const char* says;
  };
  for (const Damage& d : {
           // chunk 2's first token: no literals, a match at output 0
           Damage{"token", data + end1, '\0', "chunk 2 of its LZ4 stored form is not a valid LZ4 block"},
           // chunk 2's last byte, a literal (a block ends with 5): other bytes
           Damage{"literal", data + end2 - 1, '#', "hashes to"},
       }) {
    std::string bad = in.bytes;
    ASSERT_NE(bad[d.at], d.value);
    bad[d.at] = d.value;
    PackedImage p = open_ok(bad);  // the structure is intact: only chunk bytes changed
    const layers::MergedEntry* e = p.overlay.find("lib/big.rb");
    ASSERT_NE(e, nullptr);
    auto r = p.content(e->layer, e->entry.digest, "app.wasm");
    ASSERT_FALSE(r.ok()) << d.what;
    EXPECT_EQ(r.error().kind, ErrorKind::Corrupt);
    const std::string& m = r.error().message;
    EXPECT_EQ(m.rfind("app.wasm: layer 0", 0), 0u) << m;
    EXPECT_NE(m.find("content " + sha256_of(text(300000)).str() + " (slot 1)"), std::string::npos) << m;
    EXPECT_NE(m.find(d.says), std::string::npos) << m;
    auto rep = verify_packed(p, "app.wasm");
    ASSERT_FALSE(rep.ok()) << d.what;
    EXPECT_EQ(rep.error().kind, ErrorKind::Corrupt);
  }
  // A broken end array is refused when the file is opened.
  std::string bad = in.bytes;
  put_u32_at(bad, base + 8, end2);
  auto p = open_packed(std::make_shared<const std::string>(bad), "app.wasm");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, ErrorKind::Corrupt);
  EXPECT_EQ(p.error().message.rfind("app.wasm: slot 1: layer segment: ", 0), 0u) << p.error().message;
}

}  // namespace
}  // namespace wimg::pack
