// The overlay, three ways (issue 3, "Overlay"): random layer stacks with
// adds, overwrites, whiteouts, opaque dirs and symlinks are written as OCI
// layer tars and packed with `wimg pack` onto a guest walker
// (tests/guest/tools/walk_tree.c). Then
//   the tree the walker prints from INSIDE the packed binary (node 24)
//   == `wimg ls -R -l` of the binary (read host-side)
//   == layers::Overlay::merge of the same stack (the model in layers/).
// RC_PARAMS sets the number of stacks (ctest: 200).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "layer_stack_gen.h"
#include "layers/overlay.h"
#include "layers/path.h"
#include "test_util.h"
#include "wasi_test_util.h"

namespace wimg {
namespace {

using layers::Entry;
using layers::Kind;
using test::Layer;
using test::gen_layer;

// The layer as an OCI layer tar: whiteouts as .wh.<name>, opaque dirs as a
// dir holding .wh..wh..opq.
void write_layer_tar(const Layer& l, const std::string& path) {
  std::vector<test::Member> ms;
  for (const Entry& e : l.entries) {
    std::string parent(layers::parent_of(e.path));
    std::string prefix = parent.empty() ? "" : parent + "/";
    switch (e.kind) {
      case Kind::Dir: ms.push_back({test::Member::Dir, e.path + "/", "", "", 0755}); break;
      case Kind::Opaque:
        ms.push_back({test::Member::Dir, e.path + "/", "", "", 0755});
        ms.push_back({test::Member::File, e.path + "/.wh..wh..opq", "", "", 0644});
        break;
      case Kind::File: ms.push_back({test::Member::File, e.path, l.content.at(e.path), "", 0644}); break;
      case Kind::Symlink: ms.push_back({test::Member::Symlink, e.path, "", e.target, 0777}); break;
      case Kind::Whiteout:
        ms.push_back({test::Member::File, prefix + ".wh." + std::string(layers::base_of(e.path)), "", "", 0644});
        break;
    }
  }
  test::write_archive(path, ms, "pax");
}

// stdout, with "EXIT n" appended when the command failed.
std::string run(const std::string& cmd) {
  int rc = 0;
  std::string out = test::run_capture(cmd, &rc);
  if (rc != 0) out += "\nEXIT " + std::to_string(rc);
  return out;
}

std::set<std::string> lines(const std::string& s) {
  std::set<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.insert(l);
  return out;
}

// `wimg ls -R -l` lines ("drwxr-xr-x       0  L0  /a/b[ -> t]") in the
// walker's format minus the content hash.
std::set<std::string> ls_view(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.empty()) continue;
    std::istringstream f(l);
    std::string mode, size, layer, path;
    f >> mode >> size >> layer >> path;
    std::string rest;
    std::getline(f, rest);
    std::string p = path.substr(1);
    if (mode[0] == 'd') out.insert(p + " d");
    if (mode[0] == '-') out.insert(p + " f " + size);
    if (mode[0] == 'l') out.insert(p + " l " + rest.substr(rest.find("-> ") + 3));
  }
  return out;
}

std::string join(const std::set<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += x + "\n";
  return out;
}

struct Views {
  std::set<std::string> with_hash, without_hash;
};

Views model_view(const std::vector<Layer>& stack) {
  std::vector<std::vector<Entry>> ls;
  std::map<Digest, std::string> bytes;
  for (const Layer& l : stack) {
    ls.push_back(l.entries);
    for (const auto& [p, c] : l.content) bytes[sha256_of(c)] = c;
  }
  Views v;
  const layers::Overlay overlay = layers::Overlay::merge(ls);
  for (const auto& [p, m] : overlay.entries()) {
    const Entry& e = m.entry;
    if (e.kind == Kind::Dir || e.kind == Kind::Opaque) {
      v.with_hash.insert(p + " d");
      v.without_hash.insert(p + " d");
    } else if (e.kind == Kind::File) {
      v.with_hash.insert(p + " f " + std::to_string(e.size) + " " + test::fnv_hex(bytes.at(e.digest)));
      v.without_hash.insert(p + " f " + std::to_string(e.size));
    } else {
      v.with_hash.insert(p + " l " + e.target);
      v.without_hash.insert(p + " l " + e.target);
    }
  }
  return v;
}

class PackedOverlay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    std::string cc = test::wasi_cc(test::source_path("tests/guest/tools/walk_tree.c"), *dir_ / "walk.wasm");
    ASSERT_EQ(std::system(cc.c_str()), 0) << cc;
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
};
test::TempDir* PackedOverlay::dir_ = nullptr;

TEST_F(PackedOverlay, GuestViewEqualsLsEqualsModel) {
  const std::string wimg = WIMG_BINARY;
  const std::string store = " --store " + (*dir_ / "store");
  int cases = 0;
  bool ok = rc::check("guest walker == wimg ls -R == overlay model", [&] {
    const auto count = *rc::gen::element<std::size_t>(1, 2, 3, 4, 5);
    auto stack = *rc::gen::container<std::vector<Layer>>(count, gen_layer());
    int n = cases++;
    int wh = 0, op = 0, ln = 0, total = 0;
    for (const Layer& l : stack)
      for (const Entry& e : l.entries) {
        wh += e.kind == Kind::Whiteout;
        op += e.kind == Kind::Opaque;
        ln += e.kind == Kind::Symlink;
        ++total;
      }
    RC_CLASSIFY(wh > 0, "whiteouts");
    RC_CLASSIFY(op > 0, "opaque dirs");
    RC_CLASSIFY(ln > 0, "symlinks");
    RC_CLASSIFY(stack.size() > 2, "3+ layers");
    RC_CLASSIFY(total > 15, "16+ entries");
    std::string work = *dir_ / ("c" + std::to_string(n));
    test::make_dirs(work);
    std::string pack = wimg + store + " pack " + (*dir_ / "walk.wasm") + " -o " + work + "/app.wasm";
    for (std::size_t i = 0; i < stack.size(); ++i) {
      std::string tar = work + "/l" + std::to_string(i) + ".tar";
      write_layer_tar(stack[i], tar);
      pack += " --layer " + tar;
    }
    std::string packed = run(pack + " 2>&1 >/dev/null");
    if (!packed.empty()) RC_FAIL("wimg pack failed: " + packed);
    Views model = model_view(stack);
    // read-only: the image exactly, without the /tmp the upper layer adds
    std::string guest = run(test::wasi_run("--env WIMG_UPPER=ro") + work + "/app.wasm /");
    if (lines(guest) != model.with_hash) RC_FAIL("guest view:\n" + guest + "model:\n" + join(model.with_hash));
    std::string ls = run(wimg + store + " ls -R -l " + work + "/app.wasm");
    if (ls_view(ls) != model.without_hash) RC_FAIL("wimg ls -R -l:\n" + ls + "model:\n" + join(model.without_hash));
    std::system(("rm -rf " + work).c_str());
  });
  EXPECT_TRUE(ok);
  EXPECT_GE(cases, 1);
}

}  // namespace
}  // namespace wimg
