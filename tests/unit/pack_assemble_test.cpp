// The assembler and the host-side reader of packed binaries, on a
// hand-built prepared base (no binaryen): splice, round trip through
// open_packed, --verify catching flipped bytes, strict refusal of damaged
// files, determinism and the input checks.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "layers/index.h"
#include "pack_test_util.h"
#include "runtime/pack/assemble.h"
#include "runtime/pack/host_limits.h"
#include "runtime/pack/packed.h"
#include "runtime/wasm/module.h"

namespace wimg::pack {
namespace {

using test::Contents;
using test::dir;
using test::link;

PackLayer layer(std::vector<layers::Entry> entries, std::string created_by) {
  auto index = layers::encode_index(entries);
  EXPECT_TRUE(index.ok()) << index.error().message;
  Digest d = sha256_of(index.ok() ? *index : "");
  return PackLayer{d, std::move(entries), std::move(created_by)};
}

struct Input {
  Contents c;
  PackSpec spec;
  std::string prepared = test::prepared_base();
  Input() {
    // Entries in canonical (bytewise path) order.
    spec.layers.push_back(layer({link("lib", "usr/lib"), dir("usr"), dir("usr/lib"), c.file("usr/lib/a.rb", "puts 1\n"),
                                 c.file("usr/lib/b.rb", "shared")},
                                "layer add stdlib"));
    spec.layers.push_back(
        layer({dir("app"), c.file("app/copy", "shared"), c.file("app/main.rb", "require 'a'\n"), test::whiteout("lib")},
              "layer add app"));
    spec.config.entrypoint = std::vector<std::string>{"ruby"};
    spec.config.env = {"RUBYLIB=/usr/lib"};
    spec.config.mounts = {"/usr/lib"};
    spec.config.workdir = "/app";
    spec.base_size = 1234;
  }
  std::string assemble_ok() const {
    auto r = assemble(prepared, spec, c.reader(), "app.wasm");
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::string();
  }
};

PackedImage open_ok(const std::string& bytes) {
  auto p = open_packed(std::make_shared<const std::string>(bytes), "app.wasm");
  EXPECT_TRUE(p.ok()) << p.error().message;
  return p.ok() ? std::move(p).value() : PackedImage{};
}

TEST(PackAssemble, SplicesSlotsInPlaceAndRoundTrips) {
  Input in;
  const std::string out = in.assemble_ok();
  auto m = wasm::parse_module(out, "app.wasm");
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->data.size(), 1 + WIMG_SLOTS);  // same segment count: replaced, not appended
  EXPECT_EQ(m->data_count, 1 + WIMG_SLOTS);
  EXPECT_EQ(m->segment_bytes(m->data[0]), "act");
  EXPECT_EQ(m->segment_bytes(m->data[1]).substr(0, 8), "WIMGVIEW");
  EXPECT_EQ(m->segment_bytes(m->data[2]).substr(0, 8), "WIMGLSEG");
  EXPECT_EQ(m->data[4].data_size, 0u);

  PackedImage p = open_ok(out);
  EXPECT_EQ(p.manifest.layers.size(), 2u);
  EXPECT_EQ(p.manifest.layers[1].created_by, "layer add app");
  EXPECT_EQ(p.manifest.layers[1].slot, 2u);
  EXPECT_EQ(p.manifest.base, sha256_of("base"));
  EXPECT_EQ(p.manifest.base_size, 1234u);
  EXPECT_EQ(p.manifest.prepared, sha256_of(in.prepared));
  EXPECT_EQ(p.view.config.preopens, (std::vector<std::string>{"/", "/usr/lib"}));
  EXPECT_EQ(p.view.config.workdir, (std::vector<std::string>{"/app"}));
  EXPECT_EQ(p.overlay.find("lib"), nullptr);  // whited out
  const layers::MergedEntry* e = p.overlay.find("app/copy");
  ASSERT_NE(e, nullptr);
  auto bytes = p.content(e->layer, e->entry.digest, "app.wasm");
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(*bytes, "shared");
  auto rep = verify_packed(p, "app.wasm");
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->layers, 2u);
  EXPECT_EQ(rep->contents, 3u);  // "shared" is stored once
}

TEST(PackAssemble, Deterministic) {
  Input a, b;
  EXPECT_EQ(a.assemble_ok(), b.assemble_ok());
}

TEST(PackAssemble, VerifyCatchesAFlippedContentByte) {
  Input in;
  std::string out = in.assemble_ok();
  const std::size_t at = out.find("puts 1\n");
  ASSERT_NE(at, std::string::npos);
  out[at] = 'P';
  PackedImage p = open_ok(out);  // structure intact: only the bytes changed
  auto rep = verify_packed(p, "app.wasm");
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(rep.error().message.find("app.wasm: layer 0"), std::string::npos) << rep.error().message;
  EXPECT_NE(rep.error().message.find(sha256_of("puts 1\n").str()), std::string::npos) << rep.error().message;
}

TEST(PackAssemble, VerifyCatchesAFlippedIndexByte) {
  Input in;
  std::string out = in.assemble_ok();
  // The mode of usr/lib/a.rb inside the top layer's embedded index: still
  // canonical, but no longer the layer the manifest names.
  const std::size_t at = out.find("app/main.rb");
  ASSERT_NE(at, std::string::npos);
  out[at + 11] ^= 1;  // low byte of the mode 0644 -> 0645
  // Caught on open (issue 16: ls/cat showed a layer the manifest does not
  // name), not only by verify.
  auto p = open_packed(std::make_shared<const std::string>(out), "app.wasm");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(p.error().message.find("layer 1"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("index hashes to"), std::string::npos) << p.error().message;
}

// Issue 16: the manifest's prepared base was an unchecked claim (a false
// size passed --verify, and so did a damaged base's code). Verify now
// recomputes it from every byte outside the slots and the manifest.
TEST(PackAssemble, VerifyCatchesAFalsePreparedSize) {
  Input in;
  std::string out = in.assemble_ok();
  const std::string key = "\"prepared\":{\"digest\":\"" + sha256_of(in.prepared).str() + "\",\"size\":";
  const std::size_t at = out.find(key);
  ASSERT_NE(at, std::string::npos);
  char& digit = out[at + key.size()];
  digit = digit == '1' ? '2' : '1';  // same length: the file's structure is intact
  PackedImage p = open_ok(out);
  EXPECT_NE(p.manifest.prepared_size, in.prepared.size());
  auto rep = verify_packed(p, "app.wasm");
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.error().kind, ErrorKind::Corrupt);
  EXPECT_NE(rep.error().message.find("app.wasm: the prepared base"), std::string::npos) << rep.error().message;
}

TEST(PackAssemble, VerifyCatchesAFlippedByteOfThePreparedBase) {
  Input in;
  std::string out = in.assemble_ok();
  auto m = wasm::parse_module(out, "app.wasm");
  ASSERT_TRUE(m.ok()) << m.error().message;
  const wasm::Section* code = m->find(wasm::SectionId::Code);
  ASSERT_NE(code, nullptr);
  out[code->end() - 2] ^= 1;  // the function body's local count: code the reader does not decode
  PackedImage p = open_ok(out);
  auto rep = verify_packed(p, "app.wasm");
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("the prepared base"), std::string::npos) << rep.error().message;
}

// A prepared base with padded LEB128s (valid wasm, not what the writer
// emits): the manifest names its prepared form, which verify recomputes.
TEST(PackAssemble, ManifestNamesThePreparedFormOfAPaddedBase) {
  Input in;
  const std::string canonical = in.prepared;
  // The last slot's length 0 as the two-byte LEB128 0x80 0x00; the data
  // section grows by one byte (its size LEB128 keeps its length).
  auto m = wasm::parse_module(canonical, "base.wasm");
  ASSERT_TRUE(m.ok()) << m.error().message;
  const wasm::DataSegment& last = m->data.back();
  ASSERT_EQ(last.data_size, 0u);
  const wasm::Section* data = m->find(wasm::SectionId::Data);
  ASSERT_NE(data, nullptr);
  std::string padded = canonical.substr(0, last.data_offset - 1) + std::string("\x80\x00", 2) +
                       canonical.substr(last.data_offset);
  const std::string size = test::u32(static_cast<std::uint32_t>(data->payload_size + 1));
  ASSERT_EQ(size.size(), data->payload_offset - data->start - 1);
  padded.replace(data->start + 1, size.size(), size);
  ASSERT_TRUE(wasm::parse_module(padded, "base.wasm").ok());
  in.prepared = padded;
  PackedImage p = open_ok(in.assemble_ok());
  EXPECT_EQ(p.manifest.prepared, sha256_of(canonical));
  EXPECT_EQ(p.manifest.prepared_size, canonical.size());
  auto rep = verify_packed(p, "app.wasm");
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->prepared_bytes, canonical.size());
}

TEST(PackAssemble, OpenRefusesEveryTruncation) {
  Input in;
  const std::string out = in.assemble_ok();
  for (std::size_t n = 0; n < out.size(); ++n) {
    auto r = open_packed(std::make_shared<const std::string>(out.substr(0, n)), "app.wasm");
    ASSERT_FALSE(r.ok()) << "accepted a file cut to " << n;
    EXPECT_TRUE(r.error().kind == ErrorKind::Input || r.error().kind == ErrorKind::Corrupt);
    EXPECT_EQ(r.error().message.rfind("app.wasm", 0), 0u) << r.error().message;
  }
}

TEST(PackAssemble, RefusesBasesThatAreNotPrepared) {
  Input in;
  in.prepared = test::module({});
  auto r = assemble(in.prepared, in.spec, in.c.reader(), "base.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Input);
  EXPECT_NE(r.error().message.find("not a prepared base"), std::string::npos);

  Input packed;
  const std::string out = packed.assemble_ok();
  r = assemble(out, packed.spec, packed.c.reader(), "app.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("already a packed image"), std::string::npos);
}

TEST(PackAssemble, ChecksMounts) {
  for (const auto& [mount, kind] : std::vector<std::pair<std::string, ErrorKind>>{
           {"usr/lib", ErrorKind::Usage},
           {"/", ErrorKind::Usage},
           {"/usr/lib/", ErrorKind::Usage},
           {"/usr/./lib", ErrorKind::Usage},
           {"/usr/lib/a.rb", ErrorKind::Usage},
           {"/nope", ErrorKind::NotFound},
           {"/lib", ErrorKind::NotFound},  // whited out in the top layer
       }) {
    Input in;
    in.spec.config.mounts = {mount};
    auto r = assemble(in.prepared, in.spec, in.c.reader(), "app.wasm");
    ASSERT_FALSE(r.ok()) << mount;
    EXPECT_EQ(r.error().kind, kind) << mount << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(mount), std::string::npos) << r.error().message;
  }
}

TEST(PackAssemble, RefusesALayerWhoseEntriesDoNotMatchItsDigest) {
  Input in;
  in.spec.layers[0].digest = sha256_of("other");
  auto r = assemble(in.prepared, in.spec, in.c.reader(), "app.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Corrupt);
}

TEST(PackAssemble, SlotOffsetFollowsTheRuntimeSection) {
  Input in;
  in.prepared = test::prepared_base(3);
  PackedImage p = open_ok(in.assemble_ok());
  EXPECT_EQ(p.runtime.first_slot, 3u);
  EXPECT_EQ(p.slots[0].substr(0, 8), "WIMGVIEW");
}

// Any single damaged byte: open_packed refuses the file, or verify does
// (Corrupt), never a crash or an out-of-bounds read. Only the manifest's
// own text may change unnoticed where nothing else in the file repeats it
// (history, created_by, labels the runtime does not read): every other
// byte is checked against the manifest (its contents uncompressed here,
// so no two stored forms decode alike).
RC_GTEST_PROP(PackAssemble, RandomDamageIsHandled, (std::size_t pos, std::uint8_t x)) {
  static const std::string good = Input().assemble_ok();
  std::string bad = good;
  const std::size_t at = pos % bad.size();
  bad[at] = static_cast<char>(bad[at] ^ (x | 1));
  auto p = open_packed(std::make_shared<const std::string>(bad), "app.wasm");
  if (!p.ok()) {
    RC_ASSERT(p.error().message.rfind("app.wasm", 0) == 0u);
    return;
  }
  auto rep = verify_packed(*p, "app.wasm");
  if (!rep.ok()) {
    RC_ASSERT(rep.error().kind == ErrorKind::Corrupt);
    return;
  }
  const wasm::Section& manifest = *p->module.custom_sections(kManifestSectionName).at(0);
  RC_ASSERT(at >= manifest.payload_offset && at < manifest.end());
}

// Issue 16: outputs over V8's 1 GiB, node's 2 GiB read or V8's 100,000
// data segments were written without a word; each limit is named.
TEST(HostLimits, EachLimitIsNamedWhenCrossed) {
  EXPECT_TRUE(host_limit_warnings(std::uint64_t{1} << 30, 100000).empty());
  auto v8 = host_limit_warnings((std::uint64_t{1} << 30) + 1, 0);
  ASSERT_EQ(v8.size(), 1u);
  EXPECT_NE(v8[0].find("V8"), std::string::npos);
  EXPECT_NE(v8[0].find("1073741824"), std::string::npos);
  auto node = host_limit_warnings(std::uint64_t{1} << 31, 0);
  ASSERT_EQ(node.size(), 2u);
  EXPECT_NE(node[0].find("ERR_FS_FILE_TOO_LARGE"), std::string::npos);
  auto segs = host_limit_warnings(1000, 100001);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_NE(segs[0].find("100001 data segments"), std::string::npos);
}

}  // namespace
}  // namespace wimg::pack
