// The view codec (runtime/pack/view.h) against the contract in
// runtime/guest/wimg_abi.h: round trip, hash lookups, determinism and a
// strict decoder that refuses every truncation.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "layers/overlay.h"
#include "pack_test_util.h"
#include "runtime/pack/view.h"
#include "runtime/guest/wimg_abi.h"
#include "support/le.h"

namespace wimg::pack {
namespace {

using test::Contents;
using test::dir;
using test::link;

struct Fixture {
  Contents c;
  layers::Overlay overlay;
  Placements placements;
  ViewConfig config;

  Fixture() {
    overlay = layers::Overlay::merge({
        {dir("etc"), c.file("etc/motd", "hello\n"), dir("usr"), dir("usr/lib"), c.file("usr/lib/a.rb", "a"),
         c.file("usr/lib/a.rb.bak", "b", 0600), c.file("usr/lib/z", ""), link("lib", "usr/lib"), dir("empty", 0700),
         c.file("usr/lib/a_name_longer_than_the_head.rb", "long")},
        {test::whiteout("usr/lib/a.rb.bak"), c.file("etc/motd", "new\n", 0444), dir("a.b"), c.file("a.b/c", "a")},
    });
    std::uint32_t off = 100;
    for (const auto& [d, bytes] : c.bytes) {
      placements[d] = Placement{1, off, static_cast<std::uint32_t>(bytes.size())};
      off += static_cast<std::uint32_t>(bytes.size());
    }
    config.entrypoint = {"ruby"};
    config.cmd = {"-e", "puts 1"};
    config.env = {"A=1", "EMPTY="};
    config.preopens = {"/", "/usr/lib"};
    config.workdir = {"/usr"};
  }
  ViewInput input() const {
    ViewInput in;
    in.overlay = &overlay;
    in.placements = &placements;
    in.config = config;
    in.layer_slot_sizes = {1000};
    in.mtime_ns = 7;
    return in;
  }
};

std::string encode_ok(const ViewInput& in) {
  auto r = encode_view(in);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::string();
}

TEST(PackView, RoundTripMatchesTheOverlay) {
  Fixture f;
  const std::string bytes = encode_ok(f.input());
  auto v = decode_view(bytes, "app.wasm");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->nodes.size(), f.overlay.entries().size() + 1);
  EXPECT_EQ(v->config, f.config);
  EXPECT_EQ(v->slot_sizes, (std::vector<std::uint32_t>{static_cast<std::uint32_t>(bytes.size()), 1000}));
  EXPECT_EQ(v->nodes[0].mode, kModeDir | 0755);
  for (std::uint32_t i = 1; i < v->nodes.size(); ++i) {
    const ViewNode& n = v->nodes[i];
    const layers::MergedEntry* e = f.overlay.find(v->path_of(i));
    ASSERT_NE(e, nullptr) << v->path_of(i);
    EXPECT_EQ(n.mtime_ns, 7u);
    EXPECT_EQ(n.mode & 07777, e->entry.mode) << e->entry.path;
    switch (e->entry.kind) {
      case layers::Kind::Dir:
        EXPECT_EQ(n.mode & kModeTypeMask, kModeDir);
        break;
      case layers::Kind::Symlink:
        EXPECT_EQ(n.mode & kModeTypeMask, kModeSymlink);
        EXPECT_EQ(n.target, e->entry.target);
        break;
      default: {
        EXPECT_EQ(n.mode & kModeTypeMask, kModeFile);
        const Placement& p = f.placements.at(e->entry.digest);
        EXPECT_EQ(n.slot, p.slot);
        EXPECT_EQ(n.offset, p.offset);
        EXPECT_EQ(n.size, e->entry.size);
      }
    }
  }
  // Whiteouts are applied: the runtime knows no layer semantics.
  EXPECT_EQ(v->lookup(*v->lookup(*v->lookup(0, "usr"), "lib"), "a.rb.bak"), std::nullopt);
}

TEST(PackView, HeaderAndLayoutFollowTheContract) {
  Fixture f;
  const std::string bytes = encode_ok(f.input());
  le::Reader r(bytes, 8);
  std::uint32_t h[14];
  for (auto& x : h) ASSERT_TRUE(r.get(&x));
  EXPECT_EQ(bytes.substr(0, 8), "WIMGVIEW");
  EXPECT_EQ(h[0], 4u);  // version
  EXPECT_EQ(h[1], 2u);  // slot_count: view + 1 layer
  const std::uint32_t nodes = h[2];
  EXPECT_EQ(nodes, f.overlay.entries().size() + 1);
  EXPECT_EQ(h[3], 8u);                      // 12 nodes -> smallest 2^k >= 12 / 2
  EXPECT_EQ(h[4], 64u);                     // nodes right after the header
  EXPECT_EQ(h[5], 64u + 64u * nodes);       // bucket starts
  EXPECT_EQ(h[6], h[5] + 4 * (h[3] + 1));   // children
  EXPECT_EQ(h[7], h[6] + 4 * (nodes - 1));  // strings
  EXPECT_EQ(h[9] % 4, 0u);                  // config 4-aligned
  EXPECT_EQ(h[11] % 4, 0u);                 // slot sizes 4-aligned
  EXPECT_EQ(h[11] + 4 * h[1], bytes.size());
  EXPECT_EQ(h[12], 0u);
  EXPECT_EQ(h[13], 0u);
}

TEST(PackView, ChildrenAreSortedBytewiseAndBreadthFirst) {
  Fixture f;
  const std::string bytes = encode_ok(f.input());
  auto v = decode_view(bytes, "v");
  ASSERT_TRUE(v.ok());
  std::vector<std::string> top;
  const ViewNode& root = v->nodes[0];
  for (std::uint32_t k = 0; k < root.child_count; ++k)
    top.emplace_back(v->nodes[v->children[root.first_child + k]].name);
  EXPECT_EQ(top, (std::vector<std::string>{"a.b", "empty", "etc", "lib", "usr"}));
  // Breadth-first in the children array: the root's children first.
  EXPECT_EQ(root.first_child, 0u);
  EXPECT_EQ(v->path_of(v->children[4]), "usr");
  EXPECT_EQ(v->path_of(v->children[5]), "a.b/c");
}

TEST(PackView, NodesAreSortedByPathHash) {
  Fixture f;
  const std::string bytes = encode_ok(f.input());
  auto v = decode_view(bytes, "v");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->nodes[0].hash, 0u);
  for (std::uint32_t i = 1; i < v->nodes.size(); ++i) {
    const ViewNode& n = v->nodes[i];
    const std::uint32_t parent_hash = v->nodes[n.parent].hash;
    EXPECT_EQ(n.hash, wimg_hash(parent_hash, reinterpret_cast<const unsigned char*>(n.name.data()),
                                static_cast<unsigned int>(n.name.size())));
    if (i > 1) {
      EXPECT_LE(v->nodes[i - 1].hash, n.hash);
    }
    const std::uint32_t b = wimg_bucket(n.hash, static_cast<std::uint32_t>(v->starts.size() - 1));
    EXPECT_LE(v->starts[b], i);
    EXPECT_LT(i, v->starts[b + 1]);
  }
  EXPECT_EQ(v->starts.front(), 1u);
  EXPECT_EQ(v->starts.back(), v->nodes.size());
}

TEST(PackView, HashLookupFindsEveryNode) {
  Fixture f;
  const std::string bytes = encode_ok(f.input());
  auto v = decode_view(bytes, "v");
  ASSERT_TRUE(v.ok());
  for (std::uint32_t i = 1; i < v->nodes.size(); ++i) {
    EXPECT_EQ(v->lookup(v->nodes[i].parent, v->nodes[i].name), i) << v->path_of(i);
    EXPECT_EQ(v->lookup(v->nodes[i].parent, std::string(v->nodes[i].name) + "x"), std::nullopt);
  }
  EXPECT_EQ(v->lookup(0, ""), std::nullopt);  // the root is never found by name
}

TEST(PackView, Deterministic) {
  Fixture f, g;
  EXPECT_EQ(encode_ok(f.input()), encode_ok(g.input()));
}

TEST(PackView, EmptyImageHasJustTheRoot) {
  layers::Overlay empty;
  Placements none;
  ViewInput in;
  in.overlay = &empty;
  in.placements = &none;
  in.config.preopens = {"/"};
  const std::string bytes = encode_ok(in);
  auto v = decode_view(bytes, "v");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->nodes.size(), 1u);
  EXPECT_EQ(v->starts, (std::vector<std::uint32_t>{1, 1}));  // one bucket, empty: the root is in none
  EXPECT_EQ(v->slot_sizes.size(), 1u);
}

TEST(PackView, AFileWithoutPlacementIsAnError) {
  Fixture f;
  f.placements.erase(sha256_of("a"));
  auto r = encode_view(f.input());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("a.b/c"), std::string::npos) << r.error().message;
}

TEST(PackView, StrictDecodeRefusesEveryTruncation) {
  Fixture f;
  const std::string bytes = encode_ok(f.input());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_view(std::string_view(bytes).substr(0, n), "app.wasm");
    ASSERT_FALSE(r.ok()) << "accepted a view cut to " << n << " bytes";
    EXPECT_EQ(r.error().kind, ErrorKind::Corrupt);
    EXPECT_EQ(r.error().message.rfind("app.wasm: view: ", 0), 0u) << r.error().message;
  }
}

TEST(PackView, StrictDecodeRefusesBrokenStructure) {
  Fixture f;
  const std::string good = encode_ok(f.input());
  auto patched = [&](std::size_t off, std::uint32_t v) {
    std::string b = good;
    for (int i = 0; i < 4; ++i) b[off + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
    return b;
  };
  auto v = decode_view(good, "v");
  ASSERT_TRUE(v.ok());
  // node1: the dir a.b; node6: the 1-byte file a.b/c.
  const std::uint32_t ab = *v->lookup(0, "a.b");
  const std::size_t node1 = 64 + 64 * ab;
  const std::size_t node6 = 64 + 64 * *v->lookup(ab, "c");
  std::uint32_t h[14];
  le::Reader header(good, 8);
  for (auto& x : h) ASSERT_TRUE(header.get(&x));
  const std::size_t starts = h[5];
  for (const auto& [what, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"magic", "X" + good.substr(1)},
           {"version", patched(8, 1)},
           {"bucket count", patched(20, 3)},
           {"parent", patched(node1, 999)},
           {"parent not the lister", patched(node1, v->children[1])},
           {"name", patched(node1 + 8, 1 << 20)},
           {"mode", patched(node1 + 12, 0010644)},
           {"name head", patched(node1 + 32, 0x41414141)},
           {"name head padding", patched(node1 + 36, 1)},
           {"hash", patched(node1 + 28, 1)},
           {"root hash", patched(64 + 28, 1)},
           {"first start", patched(starts, 0)},
           {"a start", patched(starts + 4, 999)},
           {"last start", patched(starts + 4 * h[3], 11)},
           {"child range", patched(64 + 20, 999)},
           {"reserved", patched(60, 1)},
           {"a directory with the LZ4 flag", patched(node1 + 24, WIMG_NODE_LZ4)},
           {"unknown slot field bits", patched(node6 + 24, 1 | 0x20000)},
           {"slot 0 with the LZ4 flag", patched(node6 + 24, WIMG_NODE_LZ4)},
       }) {
    auto r = decode_view(bytes, "v");
    EXPECT_FALSE(r.ok()) << what;
  }
}

TEST(PackView, CompressedFilesCarryTheFlagInTheSlotField) {
  Fixture f;
  Placement& p = f.placements.at(sha256_of("new\n"));
  p.stored = 30;
  p.lz4 = true;
  const std::string bytes = encode_ok(f.input());
  auto v = decode_view(bytes, "v");
  ASSERT_TRUE(v.ok()) << v.error().message;
  const std::uint32_t motd = *v->lookup(*v->lookup(0, "etc"), "motd");
  EXPECT_TRUE(v->nodes[motd].lz4);
  EXPECT_EQ(v->nodes[motd].slot, 1u);
  EXPECT_EQ(v->nodes[motd].offset, p.offset);  // the stored form
  EXPECT_EQ(v->nodes[motd].size, 4u);          // the content
  std::uint32_t field = 0;
  le::Reader(bytes, 64 + 64 * motd + 24).get(&field);
  EXPECT_EQ(field, 1u | WIMG_NODE_LZ4);
  EXPECT_FALSE(v->nodes[*v->lookup(0, "lib")].lz4);

  // A compressed node needs its chunk count and end array (8 bytes for
  // 4 bytes of content) inside the slot; a raw one only its bytes.
  auto at = [&](std::string b, std::uint64_t off) {
    for (int i = 0; i < 8; ++i) b[64 + 64 * motd + 40 + static_cast<std::size_t>(i)] = static_cast<char>(off >> (8 * i));
    return b;
  };
  const std::string fits = at(bytes, 992), outside = at(bytes, 993);
  EXPECT_TRUE(decode_view(fits, "v").ok());
  EXPECT_FALSE(decode_view(outside, "v").ok());
  f.placements.at(sha256_of("new\n")).lz4 = false;
  const std::string raw = at(encode_ok(f.input()), 996);
  EXPECT_TRUE(decode_view(raw, "v").ok());
}

// Random flips never crash the decoder; if it accepts, lookups stay in bounds.
RC_GTEST_PROP(PackView, RandomCorruptionIsSafe, (std::size_t pos, std::uint8_t x)) {
  Fixture f;
  std::string bytes = encode_ok(f.input());
  bytes[pos % bytes.size()] = static_cast<char>(bytes[pos % bytes.size()] ^ (x | 1));
  auto v = decode_view(bytes, "v");
  if (!v.ok()) return;
  for (std::uint32_t i = 1; i < v->nodes.size(); ++i) RC_ASSERT(v->lookup(v->nodes[i].parent, v->nodes[i].name) == i);
}

}  // namespace
}  // namespace wimg::pack
