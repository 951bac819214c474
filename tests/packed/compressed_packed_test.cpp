// Compressed contents inside a real packed binary, read by the guest
// runtime under node (wimg_abi.h §6): the bytes come back exactly, and a
// damaged stored form makes the reads that need the damaged chunk fail
// with EIO while the others still work: never a trap, never bytes from
// outside the slot. The differential test (tests/guest) compares compressed
// reads with node's host preopen; this one covers what no host has.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "runtime/pack/packed.h"
#include "support/le.h"
#include "test_util.h"
#include "wasi_test_util.h"

namespace wimg {
namespace {

constexpr std::size_t kSize = 300000;  // 5 chunks: 4 x 64 KiB + 37856 bytes

std::string text(std::size_t size = kSize) {
  std::string out;
  char line[96];
  for (int i = 0; out.size() < size; ++i) {
    std::snprintf(line, sizeof line, "%06d: def method_%d(x) = x * %d  # the quick brown fox\n", i, i % 977,
                  (i * 37) % 1000);
    out += line;
  }
  out.resize(size);
  return out;
}

const std::vector<std::size_t> kOffsets{0, 65500, 131072, 196700, 299950};

// What read_chunks prints for `bytes`; "EIO" for the offsets in `bad`
// and a sequential read failing after `fail_after` bytes (npos: none).
std::string expected(const std::string& bytes, const std::vector<std::size_t>& bad, std::size_t fail_after) {
  std::string out = "stat -> " + std::to_string(bytes.size()) + "\n";
  for (std::size_t off : kOffsets) {
    out += "pread 100 @" + std::to_string(off) + " -> ";
    if (std::find(bad.begin(), bad.end(), off) != bad.end()) {
      out += "EIO\n";
    } else {
      const std::string got = bytes.substr(off, 100);
      out += std::to_string(got.size()) + " " + test::fnv_hex(got) + "\n";
    }
  }
  if (fail_after == std::string::npos) {
    out += "read 10000s -> " + std::to_string(bytes.size()) + " " + test::fnv_hex(bytes) + "\n";
  } else {
    out += "read 10000s -> EIO after " + std::to_string(fail_after) + "\n";
  }
  return out;
}

std::uint32_t u32_at(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  le::Reader(b, at).get(&v);
  return v;
}

void put_u32_at(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

TEST(PackedCompressed, GuestReadsAndDamage) {
  test::TempDir t;
  const std::string content = text();
  test::make_dirs(t / "layer/data");
  test::write_file(t / "layer/data/t.txt", content);
  test::write_file(t / "layer/data/small", "small\n");
  const std::string cc = test::wasi_cc(test::source_path("tests/guest/tools/read_chunks.c"), t / "rc.wasm");
  ASSERT_EQ(std::system(cc.c_str()), 0) << cc;
  const std::string pack = std::string(WIMG_BINARY) + " --store " + (t / "store") + " pack " + (t / "rc.wasm") +
                           " -o " + (t / "good.wasm") + " --layer " + (t / "layer") + " >/dev/null";
  ASSERT_EQ(std::system(pack.c_str()), 0) << pack;

  // Where t.txt's stored form lies in the file.
  const std::string good = test::read_file(t / "good.wasm");
  auto p = pack::open_packed(std::make_shared<const std::string>(good), "good.wasm");
  ASSERT_TRUE(p.ok()) << p.error().message;
  const pack::ContentRow* row = nullptr;
  for (const pack::ContentRow& r : p->segments[0].contents)
    if (r.at.size == kSize) row = &r;
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(row->at.lz4);
  const std::size_t base = static_cast<std::size_t>(p->slots[row->at.slot].data() - p->file->data()) + row->at.offset;
  ASSERT_EQ(u32_at(good, base), 5u);
  const std::size_t data = base + 4 + 4 * 5;
  const std::uint32_t end1 = u32_at(good, base + 8), end2 = u32_at(good, base + 12);

  struct Case {
    const char* what;
    std::string bytes;
    std::string want;
  };
  std::vector<Case> cases;
  cases.push_back({"intact", good, expected(content, {}, std::string::npos)});
  std::string b = good;
  b[data + end1] = '\0';  // chunk 2's first token: a match before any output
  cases.push_back({"chunk 2 not a valid block", b, expected(content, {131072}, 130000)});
  b = good;
  put_u32_at(b, base + 4 + 4 * 3, 0xfffffff0u);  // end[3]: chunk 3 past the slot, chunk 4 negative
  cases.push_back({"end[3] out of range", b, expected(content, {196700, 299950}, 190000)});
  b = good;
  put_u32_at(b, base, 4);  // chunk_count
  cases.push_back({"chunk count", b, expected(content, kOffsets, 0)});
  b = good;
  ASSERT_NE(b[data + end2 - 1], '#');
  b[data + end2 - 1] = '#';  // the last literal of chunk 2: other bytes, no error (no digests in the guest)
  std::string changed = content;
  changed[3 * 65536 - 1] = '#';
  cases.push_back({"a literal", b, expected(changed, {}, std::string::npos)});

  for (const Case& c : cases) {
    test::write_file(t / "case.wasm", c.bytes);
    int rc = -1;
    const std::string out =
        test::run_capture("cd " + t.path() + " && " + test::wasi_run() +
                              "case.wasm /data/t.txt 0 65500 131072 196700 299950 2>&1",
                          &rc);
    EXPECT_EQ(rc, 0) << c.what << ":\n" << out;
    EXPECT_EQ(out, c.want) << c.what;
  }
}

// What read_passes prints for one pass over `files` (their contents).
std::string pass_line(int k, const std::vector<std::string>& files) {
  std::string all;
  for (const std::string& c : files) {
    all += c;
    for (std::size_t off = 0; off < c.size(); off += 40000) all += c.substr(off, 100);
  }
  return "pass " + std::to_string(k) + ": " + std::to_string(files.size()) + " " + std::to_string(all.size()) + " " +
         test::fnv_hex(all) + "\n";
}

// The decoded-chunk cache (runtime/guest/content.c) under the reads that
// stress it: a 20 MiB file read three times (the second pass admits every
// chunk and the 16 MiB ring wraps, so the third finds overwritten entries)
// and 2,500 small files read three times (they fit the ring; more than 4
// land in a few of its 2,048 sets, which drop entries). Every pass must
// give the files' bytes.
TEST(PackedCompressed, DecodedChunkCacheAcrossPasses) {
  test::TempDir t;
  const std::string big = text(20u << 20);
  std::vector<std::string> small;
  test::make_dirs(t / "layer/data/s");
  test::write_file(t / "layer/data/big", big);
  for (int i = 0; i < 2500; ++i) {
    small.push_back(big.substr(static_cast<std::size_t>(i) * 997, 500 + static_cast<std::size_t>(i * 7919) % 4000));
    test::write_file(t / ("layer/data/s/" + std::to_string(i)), small.back());
  }
  const std::string cc = test::wasi_cc(test::source_path("tests/guest/tools/read_passes.c"), t / "rp.wasm");
  ASSERT_EQ(std::system(cc.c_str()), 0) << cc;
  const std::string pack = std::string(WIMG_BINARY) + " --store " + (t / "store") + " pack " + (t / "rp.wasm") +
                           " -o " + (t / "rp.packed.wasm") + " --layer " + (t / "layer") + " >/dev/null";
  ASSERT_EQ(std::system(pack.c_str()), 0) << pack;
  struct Case {
    std::string args;
    std::vector<std::string> files;
  };
  for (const Case& c : {Case{"/data/big", {big}}, Case{"@/data/s:2500", small}}) {
    int rc = -1;
    const std::string out = test::run_capture(
        "cd " + t.path() + " && " + test::wasi_run() + "rp.packed.wasm 3 " + c.args + " 2>&1", &rc);
    EXPECT_EQ(rc, 0) << c.args << ":\n" << out;
    EXPECT_EQ(out, pass_line(1, c.files) + pass_line(2, c.files) + pass_line(3, c.files)) << c.args;
  }
}

}  // namespace
}  // namespace wimg
