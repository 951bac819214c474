#include <gtest/gtest.h>
#include <sys/stat.h>

#include "image/images.h"
#include "layers/import.h"
#include "test_util.h"

namespace wimg::image {
namespace {

using test::TempDir;

struct Fixture {
  TempDir dir;
  store::Store st = *store::Store::open(dir / "store");
  LayerRef layer(const std::string& name, const std::string& content) {
    test::write_file(dir / (name + "/f"), content);
    auto r = layers::import_path(st, dir / name, {});
    EXPECT_TRUE(r.ok());
    return {r->digest, r->stats.files, r->stats.bytes, "test " + name};
  }
  Digest image(const std::string& ref, std::vector<LayerRef> layers) {
    Manifest m;
    m.layers = std::move(layers);
    Digest d = *put_image(st, m);
    EXPECT_TRUE(tag_image(st, d, *parse_reference(ref)).ok());
    return d;
  }
};

TEST(Manifest, RoundTripAndCanonical) {
  Manifest m;
  m.created = 42;
  m.base = BaseRef{sha256_of("b"), 10};
  m.layers.push_back({sha256_of("l"), 3, 99, "COPY . /app"});
  m.config.env = {"A=1"};
  m.config.cmd = std::vector<std::string>{"ruby", "app.rb"};
  m.config.labels["k"] = "v";
  m.history.push_back({"ENV A=1", true});
  std::string j = encode_manifest(m);
  auto back = decode_manifest(j, "t");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_EQ(encode_manifest(*back), j);
  EXPECT_FALSE(decode_manifest("{}", "t").ok());
  EXPECT_FALSE(decode_manifest("[", "t").ok());
}

TEST(Images, TagResolveUntag) {
  Fixture f;
  Digest d = f.image("app:1", {f.layer("l1", "x")});
  EXPECT_EQ(*resolve_image(f.st, "app:1"), d);
  EXPECT_EQ(*resolve_image(f.st, d.str()), d);
  EXPECT_EQ(*resolve_image(f.st, d.hex().substr(0, 12)), d);
  EXPECT_EQ(resolve_image(f.st, "app:2").error().kind, ErrorKind::NotFound);
  ASSERT_TRUE(tag_image(f.st, d, *parse_reference("other")).ok());
  EXPECT_EQ(*resolve_image(f.st, "other:latest"), d);
  EXPECT_EQ(list_images(f.st)->size(), 2u);
  ASSERT_TRUE(untag(f.st, {*parse_reference("app:1")}).ok());
  EXPECT_FALSE(untag(f.st, {*parse_reference("app:1")}).ok());
  EXPECT_EQ(list_images(f.st)->size(), 1u);
}

TEST(Images, PutImageRequiresLayers) {
  Fixture f;
  Manifest m;
  m.layers.push_back({sha256_of("absent"), 0, 0, ""});
  auto r = put_image(f.st, m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::NotFound);
}

TEST(Images, PruneKeepsReachableOnly) {
  Fixture f;
  LayerRef shared = f.layer("shared", "common");
  LayerRef only_a = f.layer("a", "only in a");
  f.image("a:1", {shared, only_a});
  f.image("b:1", {shared});
  LayerRef loose = f.layer("loose", "nobody uses me");
  auto rep = prune(f.st, PruneOptions{});
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_FALSE(f.st.has(loose.digest));
  EXPECT_TRUE(f.st.has(only_a.digest));
  EXPECT_EQ(rep->objects_removed, 2u);  // loose layer index + its file
  ASSERT_TRUE(untag(f.st, {*parse_reference("a:1")}).ok());
  rep = prune(f.st, PruneOptions{});
  EXPECT_FALSE(f.st.has(only_a.digest));
  EXPECT_TRUE(f.st.has(shared.digest));
  EXPECT_TRUE(verify_store(f.st)->problems.empty());
}

TEST(Images, PruneRefusesOnBrokenGraph) {
  Fixture f;
  LayerRef l = f.layer("l", "content");
  f.image("a:1", {l});
  f.layer("loose", "x");
  ASSERT_TRUE(f.st.remove_object(l.digest).ok());
  auto n = 0;
  (void)f.st.for_each_object([&](const Digest&, const std::string&) -> Status {
    ++n;
    return {};
  });
  auto rep = prune(f.st, PruneOptions{});
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("nothing removed"), std::string::npos);
  auto m = 0;
  (void)f.st.for_each_object([&](const Digest&, const std::string&) -> Status {
    ++m;
    return {};
  });
  EXPECT_EQ(n, m);
}

TEST(Images, VerifyFindsCorruptAndMissing) {
  Fixture f;
  LayerRef l = f.layer("l", "content");
  f.image("a:1", {l});
  EXPECT_TRUE(verify_store(f.st)->problems.empty());
  std::string p = f.st.object_path(sha256_of("content"));
  ::chmod(p.c_str(), 0644);
  test::write_file(p, "CONTENT");
  auto rep = verify_store(f.st);
  ASSERT_EQ(rep->problems.size(), 1u);
  EXPECT_NE(rep->problems[0].find(sha256_of("content").str() + " (" + p + ") is corrupt"), std::string::npos) << rep->problems[0];
  EXPECT_FALSE(f.st.has(sha256_of("content")));  // moved aside: a re-add restores it
  ::unlink(p.c_str());
  rep = verify_store(f.st);
  ASSERT_EQ(rep->problems.size(), 1u);
  EXPECT_NE(rep->problems[0].find("missing"), std::string::npos);
}

TEST(Images, BaseWasmHeaderChecked) {
  Fixture f;
  test::write_file(f.dir / "not.wasm", "hello world");
  auto r = put_base_wasm(f.st, f.dir / "not.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not.wasm"), std::string::npos);
  test::write_file(f.dir / "min.wasm", std::string("\0asm\x01\0\0\0", 8));
  EXPECT_TRUE(put_base_wasm(f.st, f.dir / "min.wasm").ok());
}

}  // namespace
}  // namespace wimg::image
