#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "layer_stack_gen.h"
#include "layers/index.h"
#include "layers/overlay.h"
#include "layers/path.h"

namespace wimg::layers {
namespace {

Entry D(std::string p, std::uint32_t mode = 0755) { return Entry{Kind::Dir, std::move(p), mode, 0, {}, {}}; }
Entry O(std::string p) { return Entry{Kind::Opaque, std::move(p), 0755, 0, {}, {}}; }
Entry F(std::string p, std::string c = "x") { return Entry{Kind::File, std::move(p), 0644, c.size(), sha256_of(c), {}}; }
Entry L(std::string p, std::string t) {
  auto n = t.size();
  return Entry{Kind::Symlink, std::move(p), 0777, n, {}, std::move(t)};
}
Entry W(std::string p) { return Entry{Kind::Whiteout, std::move(p), 0, 0, {}, {}}; }

std::vector<std::string> paths(const Overlay& o) {
  std::vector<std::string> out;
  for (const auto& [p, e] : o.entries()) out.push_back(p + ":" + kind_letter(e.entry.kind) + std::to_string(e.layer));
  return out;
}

using V = std::vector<std::string>;

TEST(Overlay, UpperReplacesAndDirsMerge) {
  auto o = Overlay::merge({{D("a"), F("a/x", "1"), F("b", "1")}, {D("a", 0700), F("a/y"), F("b", "2")}});
  EXPECT_EQ(paths(o), (V{"a:d1", "a/x:f0", "a/y:f1", "b:f1"}));
  EXPECT_EQ(o.find("a")->entry.mode, 0700u);
  EXPECT_EQ(o.find("b")->entry.digest, sha256_of("2"));
}

TEST(Overlay, WhiteoutHidesSubtreeOnlyFromLowerLayers) {
  auto o = Overlay::merge({{D("a"), F("a/x"), F("keep")}, {W("a")}});
  EXPECT_EQ(paths(o), (V{"keep:f0"}));
  // Re-adding in a later layer brings back only what that layer has.
  auto o2 = Overlay::merge({{D("a"), F("a/x")}, {W("a")}, {D("a"), F("a/y")}});
  EXPECT_EQ(paths(o2), (V{"a:d2", "a/y:f2"}));
}

TEST(Overlay, OpaqueHidesLowerChildrenKeepsOwn) {
  auto o = Overlay::merge({{D("a"), F("a/x"), D("a/s"), F("a/s/deep")}, {O("a"), F("a/y")}});
  EXPECT_EQ(paths(o), (V{"a:d1", "a/y:f1"}));
}

TEST(Overlay, FileReplacesDirAndDirReplacesFile) {
  auto o = Overlay::merge({{D("a"), F("a/x"), F("b")}, {F("a"), D("b"), F("b/z")}});
  EXPECT_EQ(paths(o), (V{"a:f1", "b:d1", "b/z:f1"}));
}

TEST(Overlay, Children) {
  auto o = Overlay::merge({{D("a"), F("a/x"), D("a/s"), F("a/s/t"), F("a-b"), F("c")}});
  std::vector<std::string> names;
  for (auto* e : o.children("a")) names.push_back(e->entry.path);
  EXPECT_EQ(names, (V{"a/s", "a/x"}));
  names.clear();
  for (auto* e : o.children("")) names.push_back(e->entry.path);
  EXPECT_EQ(names, (V{"a", "a-b", "c"}));
}

TEST(Overlay, ResolveSymlinks) {
  auto o = Overlay::merge({{D("usr"), D("usr/lib"), F("usr/lib/f"), L("lib", "usr/lib"), L("abs", "/usr/lib/f"),
                            L("up", "../../../usr"), L("dangling", "nope"), L("loop1", "loop2"), L("loop2", "loop1"),
                            L("self", "self"), F("file"), L("dir-link", "usr/")}});
  auto ok = [&](std::string_view p, bool follow, std::string want) {
    auto r = o.resolve(p, follow);
    EXPECT_EQ(r.error, LookupError::None) << p;
    EXPECT_EQ(r.path, want) << p;
  };
  auto err = [&](std::string_view p, bool follow, LookupError want) {
    EXPECT_EQ(o.resolve(p, follow).error, want) << p << " -> " << lookup_error_name(o.resolve(p, follow).error);
  };
  ok("lib/f", true, "usr/lib/f");
  ok("/abs", true, "usr/lib/f");
  ok("abs", false, "abs");
  ok("up/lib/f", true, "usr/lib/f");  // ".." clamps at the image root
  ok("/../../usr/./lib/../lib/f", true, "usr/lib/f");
  ok("lib/..", true, "usr");  // physical: the parent of the target
  ok("", true, "");
  ok("/", true, "");
  ok("dir-link/lib/f", true, "usr/lib/f");
  err("dangling", true, LookupError::NoEntry);
  ok("dangling", false, "dangling");
  err("loop1", true, LookupError::Loop);
  err("self/x", false, LookupError::Loop);
  err("file/x", true, LookupError::NotDir);
  err("file/..", true, LookupError::NotDir);
  err("file/", true, LookupError::NotDir);
  err("missing/x", true, LookupError::NoEntry);
  err(std::string(256, 'n'), true, LookupError::NameTooLong);
}

// ---- property: the merge equals an independent, top-down formulation ----

// Path p is visible iff some layer has a non-whiteout entry for it, and for
// the topmost such layer L no layer above L hides it: a whiteout of p or of
// an ancestor, an opaque ancestor, or a non-directory at an ancestor — and
// p's parent is itself visible as a directory.
std::set<std::string> naive_view(const std::vector<std::vector<Entry>>& layers) {
  auto entry_at = [&](std::size_t li, const std::string& p) -> const Entry* {
    for (const auto& e : layers[li]) {
      if (e.path == p) return &e;
    }
    return nullptr;
  };
  std::set<std::string> candidates;
  for (const auto& l : layers) {
    for (const auto& e : l) {
      if (e.kind != Kind::Whiteout) candidates.insert(e.path);
    }
  }
  std::map<std::string, std::pair<std::size_t, Kind>> visible;  // filled in path order: parents first
  for (const auto& p : candidates) {
    std::size_t top = layers.size();
    for (std::size_t li = layers.size(); li-- > 0;) {
      const Entry* e = entry_at(li, p);
      if (e != nullptr) {
        top = li;
        break;
      }
    }
    if (top == layers.size() || entry_at(top, p)->kind == Kind::Whiteout) continue;
    bool hidden = false;
    for (std::size_t li = top + 1; li < layers.size() && !hidden; ++li) {
      for (std::string a = p; !a.empty() && !hidden; a = std::string(parent_of(a))) {
        const Entry* e = entry_at(li, a);
        if (e == nullptr) continue;
        if (e->kind == Kind::Whiteout) hidden = true;
        if (a != p && e->kind == Kind::Opaque) hidden = true;
        if (a != p && e->kind != Kind::Dir && e->kind != Kind::Opaque) hidden = true;
      }
    }
    // A lower dir's child survives an upper non-dir at p itself? No: p is
    // then provided by the upper layer (top), so only ancestors matter here.
    std::string parent(parent_of(p));
    if (!parent.empty()) {
      auto it = visible.find(parent);
      if (it == visible.end() || it->second.second != Kind::Dir) hidden = true;
      // A dir provided by a layer above `top` that replaced a non-dir would
      // have dropped p; an upper non-dir at the parent is caught above.
    }
    if (!hidden) {
      Kind k = entry_at(top, p)->kind == Kind::Opaque ? Kind::Dir : entry_at(top, p)->kind;
      visible[p] = {top, k};
    }
  }
  std::set<std::string> out;
  for (const auto& [p, v] : visible) out.insert(p + ":" + kind_letter(v.second) + std::to_string(v.first));
  return out;
}

// The shared generator of canonical layers; only the entries matter here.
rc::Gen<std::vector<Entry>> gen_layer() {
  return rc::gen::map(test::gen_layer(), [](const test::Layer& l) { return l.entries; });
}

TEST(Overlay, NaiveModelSanity) {
  std::vector<std::vector<Entry>> l{{D("a"), F("a/x"), D("a/s"), F("a/s/deep")}, {O("a"), F("a/y")}};
  EXPECT_EQ(naive_view(l), (std::set<std::string>{"a:d1", "a/y:f1"}));
}

RC_GTEST_PROP(Overlay, MergeEqualsTopDownModel, ()) {
  const auto count = *rc::gen::element<std::size_t>(1, 2, 3, 4, 5, 6);
  auto layers = *rc::gen::container<std::vector<std::vector<Entry>>>(count, gen_layer());
  for (const auto& l : layers) RC_ASSERT(check_canonical(l, "gen").ok());
  std::size_t n = 0;
  for (const auto& l : layers) n += l.size();
  int opaque = 0, whiteout = 0, files = 0;
  for (const auto& l : layers)
    for (const auto& e : l) {
      opaque += e.kind == Kind::Opaque;
      whiteout += e.kind == Kind::Whiteout;
      files += e.kind == Kind::File;
    }
  RC_CLASSIFY(opaque > 0, "opaque");
  RC_CLASSIFY(whiteout > 0, "whiteout");
  RC_CLASSIFY(files > 0, "files");
  RC_CLASSIFY(n > 20, "over 20 entries");
  auto o = Overlay::merge(layers);
  std::set<std::string> got;
  for (const auto& s : paths(o)) got.insert(s);
  RC_ASSERT(got == naive_view(layers));
}

}  // namespace
}  // namespace wimg::layers
