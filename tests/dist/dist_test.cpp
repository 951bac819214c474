// dist/: the OCI layer tar of any layer reads back (through the ordinary
// archive importer) to exactly the same entries, so the layer digest
// survives save/load and push/pull; writing is reproducible; remote
// references and the credentials file.
#include <zlib.h>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "dist/auth.h"
#include "dist/layer_tar.h"
#include "dist/registry.h"
#include "layer_stack_gen.h"
#include "layers/archive.h"
#include "layers/builder.h"
#include "store/batch.h"
#include "test_util.h"

namespace wimg {
namespace {

using test::gen_layer;
using test::Layer;

TEST(LayerTar, RoundTripsEveryLayer) {
  test::TempDir dir;
  store::Store store = store::Store::open(dir / "store").value();
  bool ok = rc::check("entries -> tar -> importer == entries", [&] {
    Layer l = *gen_layer();
    for (const auto& [path, bytes] : l.content) RC_ASSERT(store.put(bytes).ok());
    auto tar = dist::write_layer_tar(store, l.entries, 1700000000);
    RC_ASSERT(tar.ok());
    auto again = dist::write_layer_tar(store, l.entries, 1700000000);
    RC_ASSERT(again.ok() && *again == *tar);
    store::Batch batch(store);
    layers::LayerBuilder builder("layer.tar");
    auto read = layers::read_archive_memory(*tar, "layer.tar", batch, builder, {});
    if (!read.ok()) RC_FAIL(read.error().message);
    auto entries = builder.finish();
    RC_ASSERT(entries.ok());
    RC_ASSERT(*entries == l.entries);
  });
  EXPECT_TRUE(ok);
}

TEST(LayerTar, GzipIsDeterministicAndReadable) {
  std::string data(100000, 'x');
  auto a = dist::gzip(data);
  auto b = dist::gzip(data);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_LT(a->size(), data.size() / 10);
  EXPECT_EQ(static_cast<unsigned char>((*a)[0]), 0x1f);
  EXPECT_EQ(a->substr(4, 4), std::string(4, '\0'));  // gzip mtime 0
}

// Several 1 MiB members, compressible and not: the same bytes on 1 and 4
// threads, and zlib inflates them back member by member (each CRC and size
// checked), whole.
TEST(LayerTar, ParallelGzipIsReadableMembers) {
  std::string data;
  std::uint32_t x = 12345;
  for (int i = 0; i < 2500000; ++i) {
    x = x * 1103515245u + 12345u;
    data += (i / 300000) % 2 == 0 ? static_cast<char>('a' + (i % 7)) : static_cast<char>(x >> 24);
  }
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1 << 20}, std::size_t{(1 << 20) + 1}, data.size()}) {
    std::string_view in(data.data(), size);
    auto one = dist::gzip(in, 1);
    auto four = dist::gzip(in, 4);
    ASSERT_TRUE(one.ok() && four.ok());
    EXPECT_EQ(*one, *four) << size;
    EXPECT_EQ(one->substr(4, 4), std::string(4, '\0')) << size;  // mtime 0
    std::string back;
    std::size_t used = 0, members = 0;
    while (used < one->size()) {
      z_stream z{};
      ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
      std::string buf((1 << 20) + 1, '\0');
      z.next_in = reinterpret_cast<Bytef*>(one->data() + used);
      z.avail_in = static_cast<uInt>(one->size() - used);
      z.next_out = reinterpret_cast<Bytef*>(buf.data());
      z.avail_out = static_cast<uInt>(buf.size());
      ASSERT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END) << size;
      used = one->size() - z.avail_in;
      back.append(buf.data(), z.total_out);
      inflateEnd(&z);
      ++members;
    }
    EXPECT_EQ(members, size == 0 ? 1 : (size + (1 << 20) - 1) >> 20) << size;
    EXPECT_EQ(back, in) << size;
  }
}

// gunzip: wimg's members (the first guess of the output size, the last
// member's, is too small: the buffer grows), and one member zlib made; a
// limit, a wrong size field or a flipped byte gives nullopt (libarchive
// then reads the blob itself).
TEST(LayerTar, GunzipReadsMembersAndRefusesWhatItCannot) {
  std::string data;
  for (int i = 0; i < 3000000; ++i) data += static_cast<char>('a' + (i / 1000) % 3);
  auto ours = dist::gzip(data, 2);
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(dist::gunzip(*ours, data.size()), data);
  EXPECT_EQ(dist::gunzip(*ours, data.size() - 1), std::nullopt);
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string one(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(one.data());
  z.avail_out = static_cast<uInt>(one.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  one.resize(z.total_out);
  deflateEnd(&z);
  EXPECT_EQ(dist::gunzip(one.substr(0, one.size() - 4) + std::string(4, '\0'), data.size()), std::nullopt);  // size 0
  EXPECT_EQ(dist::gunzip(one, data.size()), data);
  std::string flipped = *ours;
  flipped[flipped.size() / 2] ^= 0x40;
  EXPECT_EQ(dist::gunzip(flipped, data.size()), std::nullopt);
  EXPECT_EQ(dist::gunzip("not gzip", 100), std::nullopt);
}

TEST(RemoteRef, Parses) {
  auto r = dist::parse_remote("localhost:5000/team/app:1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->host, "localhost:5000");
  EXPECT_EQ(r->repo, "team/app");
  EXPECT_EQ(r->reference, "1");
  r = dist::parse_remote("registry.example/app");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reference, "latest");
  std::string hex(64, 'a');
  r = dist::parse_remote("127.0.0.1:1/x/y@sha256:" + hex);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reference, "sha256:" + hex);
  EXPECT_EQ(r->str(), "127.0.0.1:1/x/y@sha256:" + hex);
  EXPECT_FALSE(dist::parse_remote("team/app:1").ok());  // no registry host
  EXPECT_FALSE(dist::parse_remote("app:1").ok());
  EXPECT_FALSE(dist::parse_remote("localhost/Bad:1").ok());
  EXPECT_FALSE(dist::parse_remote("localhost/x@sha256:12").ok());
}

TEST(Auth, SavesAndLoadsPerHost) {
  test::TempDir dir;
  const std::string file = dir / "cfg/wimg/auth.json";
  EXPECT_FALSE(dist::load_credentials(file, "h:1").value().has_value());
  ASSERT_TRUE(dist::save_credentials(file, "h:1", {"alice", "pa:ss"}).ok());
  ASSERT_TRUE(dist::save_credentials(file, "h:2", {"bob", "x"}).ok());
  auto c = dist::load_credentials(file, "h:1").value();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "pa:ss");
  EXPECT_EQ(dist::load_credentials(file, "h:2").value()->user, "bob");
  EXPECT_FALSE(dist::load_credentials(file, "h:3").value().has_value());
  test::write_file(file, R"({"auths":{"h:1":{"auth":"!!"}}})");
  EXPECT_FALSE(dist::load_credentials(file, "h:1").ok());
  EXPECT_EQ(dist::auth_file("/x", "/home/u"), "/x/wimg/auth.json");
  EXPECT_EQ(dist::auth_file(nullptr, "/home/u"), "/home/u/.config/wimg/auth.json");
}

}  // namespace
}  // namespace wimg
