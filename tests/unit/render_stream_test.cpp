// Streamed rendering (image::write_wasm, issue 15): the file equals the
// in-memory assembly byte for byte, large contents are compressed in
// chunks exactly as compress_content does, layer segments are cached per
// layer stack and re-hashed when copied out, prune keeps the segments of
// named layers, and an output that already holds the image is not
// rewritten.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/images.h"
#include "image/packing.h"
#include "image/segments.h"
#include "image/reference.h"
#include "layers/index.h"
#include "pack_test_util.h"
#include "runtime/pack/assemble.h"
#include "runtime/pack/compress.h"
#include "runtime/pack/packed.h"
#include "test_util.h"

namespace wimg::image {
namespace {

using test::TempDir;

using test::noise;
using test::text;

struct Fixture {
  TempDir dir;
  store::Store st = *store::Store::open(dir / "store");
  test::Contents c;
  std::vector<std::vector<layers::Entry>> layers;
  Manifest m;
  std::string prepared = test::prepared_base();
  const std::string out = dir / "out.wasm";
  Preparer prep{sha256_of("p"), sha256_of("q"), [](std::string_view, std::string_view, PrepareMode) {
                  return Result<std::string>(make_error(ErrorKind::Input, "the test base is already prepared"));
                }, {}};

  Fixture() {
    // Bottom: over 1 MiB of its own (cached), a 5 MiB text and 5 MiB of
    // noise (both over the 4 MiB read-whole limit); top: small (in memory),
    // sharing one content with the bottom.
    layers.push_back({test::dir("lib"), c.file("lib/big.rb", text(5 << 20, 1)), c.file("lib/mid.rb", text(300000, 2)),
                      c.file("lib/noise.bin", noise(5 << 20, 7)), c.file("lib/small.rb", "puts 1\n")});
    layers.push_back({test::dir("app"), c.file("app/main.rb", "puts 2\n"), c.file("app/same.rb", "puts 1\n")});
    test::write_file(dir / "base.wasm", prepared);
    auto base = put_base_wasm(st, dir / "base.wasm");
    EXPECT_TRUE(base.ok()) << base.error().message;
    if (base.ok()) m.base = *base;
    for (const auto& [d, bytes] : c.bytes) EXPECT_TRUE(st.put(bytes).ok());
    for (const auto& l : layers) {
      const std::string index = *layers::encode_index(l);
      m.layers.push_back({*st.put(index), 0, 0, "COPY"});
    }
    m.config.cmd = std::vector<std::string>{"run"};
  }
  // What assemble makes in memory of the same image.
  std::string expected() const {
    pack::PackSpec spec;
    for (std::size_t i = 0; i < layers.size(); ++i) spec.layers.push_back({m.layers[i].digest, layers[i], "COPY"});
    spec.config.cmd = m.config.cmd;
    spec.base_size = std::nullopt;  // an already prepared base: its size is not recorded
    spec.prepared_digest = m.base->digest;
    auto r = pack::assemble(prepared, spec, c.reader(), "out.wasm");
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : "";
  }
  Result<WrittenWasm> write() { return write_wasm(st, m, prep, "app", out); }
  std::vector<SegmentEntry> entries() const { return *list_segment_entries(st); }
};

TEST(RenderStream, FileEqualsInMemoryAssemblyAndLargeContentsCompressAsWhole) {
  Fixture f;
  auto w = f.write();
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_FALSE(w->unchanged);
  const std::string got = test::read_file(f.out);
  EXPECT_EQ(got.size(), w->size);
  EXPECT_TRUE(got == f.expected());
  // The streamed 64 KiB-chunk path gives compress_content's bytes.
  auto p = pack::open_packed(std::make_shared<const std::string>(got), "out.wasm");
  ASSERT_TRUE(p.ok()) << p.error().message;
  for (const auto& row : p->segments[0].contents) {
    const std::string& bytes = f.c.bytes.at(row.digest);
    std::string stored;
    const bool lz4 = pack::compress_content(bytes, stored);
    EXPECT_EQ(row.at.lz4, lz4) << row.digest.str();
    const std::string_view blob = p->slots[1].substr(row.at.offset, row.at.stored);
    EXPECT_TRUE(blob == (lz4 ? std::string_view(stored) : std::string_view(bytes))) << row.digest.str();
  }
  ASSERT_TRUE(pack::verify_packed(*p, "out.wasm").ok());
  // Only the large bottom layer is cached.
  ASSERT_EQ(f.entries().size(), 1u);
  EXPECT_EQ(*f.entries()[0].key, f.m.layers[0].digest);
}

TEST(RenderStream, AHitGivesTheSameBytesAndAnUnchangedOutputIsNotRewritten) {
  Fixture f;
  ASSERT_TRUE(f.write().ok());
  const std::string first = test::read_file(f.out);
  struct stat a, b;
  ASSERT_EQ(::stat(f.out.c_str(), &a), 0);
  auto again = f.write();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->unchanged);
  ASSERT_EQ(::stat(f.out.c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);  // not replaced
  // Another image (one more config word) changes the manifest: rewritten,
  // with the bottom segment from the cache.
  f.m.config.cmd->push_back("x");
  auto other = f.write();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->unchanged);
  f.m.config.cmd->pop_back();
  ASSERT_EQ(::unlink(f.out.c_str()), 0);
  ASSERT_TRUE(f.write().ok());
  EXPECT_TRUE(test::read_file(f.out) == first);
  // A file of the same size whose view differs is rewritten.
  std::string damaged = first;
  auto p = pack::open_packed(std::make_shared<const std::string>(first), "out.wasm");
  ASSERT_TRUE(p.ok());
  damaged[static_cast<std::size_t>(p->slots[0].data() - p->file->data()) + 100] ^= 1;
  test::write_file(f.out, damaged);
  auto fixed = f.write();
  ASSERT_TRUE(fixed.ok());
  EXPECT_FALSE(fixed->unchanged);
  EXPECT_TRUE(test::read_file(f.out) == first);
}

TEST(RenderStream, ACorruptCachedSegmentFailsTheRenderThenIsRenderedAgain) {
  Fixture f;
  ASSERT_TRUE(f.write().ok());
  const std::string first = test::read_file(f.out);
  ASSERT_EQ(::unlink(f.out.c_str()), 0);
  const std::string obj = f.st.object_path(*f.entries()[0].object);
  std::string bytes = test::read_file(obj);
  bytes[bytes.size() - 10] ^= 1;  // a blob byte: the head still checks out
  ::chmod(obj.c_str(), 0644);
  test::write_file(obj, bytes);
  auto bad = f.write();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(bad.error().message.find(f.entries()[0].object->str()), std::string::npos) << bad.error().message;
  EXPECT_FALSE(fs::exists(f.out));  // nothing unverified reached the output
  auto again = f.write();  // the object was moved aside: a miss
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(test::read_file(f.out) == first);
}

TEST(RenderStream, PruneKeepsTheSegmentsOfNamedLayersOnly) {
  Fixture f;
  ASSERT_TRUE(f.write().ok());
  const Digest obj = *f.entries()[0].object;
  const Digest image = *put_image(f.st, f.m);
  ASSERT_TRUE(tag_image(f.st, image, *parse_reference("app")).ok());
  ASSERT_TRUE(prune(f.st, PruneOptions{}).ok());
  EXPECT_EQ(f.entries().size(), 1u);
  EXPECT_TRUE(f.st.has(obj));
  ASSERT_TRUE(untag(f.st, {*parse_reference("app")}).ok());
  ASSERT_TRUE(prune(f.st, PruneOptions{}).ok());
  EXPECT_TRUE(f.entries().empty());
  EXPECT_FALSE(f.st.has(obj));
}

}  // namespace
}  // namespace wimg::image
