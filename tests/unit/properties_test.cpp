// RapidCheck properties of layer digests and the store.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>

#include "layers/import.h"
#include "store/batch.h"
#include "test_util.h"

namespace wimg {
namespace {

using test::TempDir;

// A random tree: files and symlinks by path; directories implied (0755).
struct Node {
  bool symlink = false;
  std::string content;  // file content or link target
  int mode = 0644;
};
using Tree = std::map<std::string, Node>;

rc::Gen<std::string> gen_component() {
  return rc::gen::element<std::string>("a", "b", "c", "a-b", "A", "\xc3\xa9", "z.txt", ".hidden", "d d");
}

rc::Gen<Tree> gen_tree() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::tuple<std::vector<std::string>, bool, std::string, int>>>(
          rc::gen::tuple(rc::gen::resize(3, rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(gen_component()))),
                         rc::gen::weightedElement<bool>({{1, true}, {5, false}}),
                         rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'h')),
                         rc::gen::element(0644, 0600, 0755, 0444))),
      [](const auto& items) {
        Tree t;
        for (const auto& [parts, link, content, mode] : items) {
          std::string path;
          for (const auto& p : parts) path += (path.empty() ? "" : "/") + p;
          Node n{link, link && content.empty() ? std::string("x") : content, mode};
          t[path] = n;
        }
        // A path cannot be both a file and a directory: drop files that are
        // another entry's ancestor.
        for (auto it = t.begin(); it != t.end();) {
          auto next = t.lower_bound(it->first + "/");
          bool is_dir = next != t.end() && next->first.compare(0, it->first.size() + 1, it->first + "/") == 0;
          it = is_dir ? t.erase(it) : std::next(it);
        }
        return t;
      });
}

void materialize(const Tree& t, const std::string& root, std::uint32_t seed) {
  test::make_dirs(root);
  std::vector<std::pair<std::string, Node>> order(t.begin(), t.end());
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);  // creation order varies readdir order on tmpfs
  for (const auto& [path, n] : order) {
    std::string full = root + "/" + path;
    test::make_dirs(full.substr(0, full.rfind('/')));
    if (n.symlink) {
      RC_ASSERT(::symlink(n.content.c_str(), full.c_str()) == 0);
    } else {
      test::write_file(full, n.content, n.mode);
      struct timeval tv[2] = {{static_cast<time_t>(rng() % 2000000000), 0}, {static_cast<time_t>(rng() % 2000000000), 0}};
      ::utimes(full.c_str(), tv);
    }
  }
}

Digest digest_of_tree(store::Store& st, const std::string& root) {
  layers::ImportOptions o;
  o.use_stat_cache = false;
  auto r = layers::import_path(st, root, o);
  RC_ASSERT(r.ok());
  return r->digest;
}

RC_GTEST_PROP(LayerDigest, IndependentOfCreationOrderAndMtimes, ()) {
  Tree t = *gen_tree();
  TempDir dir;
  auto st = *store::Store::open(dir / "store");
  materialize(t, dir / "one", *rc::gen::arbitrary<std::uint32_t>());
  materialize(t, dir / "two", *rc::gen::arbitrary<std::uint32_t>());
  RC_ASSERT(digest_of_tree(st, dir / "one") == digest_of_tree(st, dir / "two"));
}

RC_GTEST_PROP(LayerDigest, AnyChangeChangesIt, ()) {
  Tree t = *rc::gen::suchThat(gen_tree(), [](const Tree& x) { return !x.empty(); });
  Tree u = t;
  auto idx = *rc::gen::inRange<std::size_t>(0, t.size());
  auto it = std::next(u.begin(), static_cast<long>(idx));
  int what = *rc::gen::element(0, 1, 2, 3);  // element(): uniform at every size
  RC_TAG(what);
  if (what == 0) {  // rename
    Node n = it->second;
    std::string p = it->first + "_renamed";
    u.erase(it);
    u[p] = n;
  } else if (what == 1) {  // content or link target
    it->second.content += "!";
  } else if (what == 2) {
    RC_PRE(!it->second.symlink);  // symlink modes are not meaningful
    it->second.mode = it->second.mode == 0644 ? 0600 : 0644;
  } else {  // file <-> symlink with the same bytes
    it->second.symlink = !it->second.symlink;
    if (it->second.content.empty()) it->second.content = "x";
  }
  TempDir dir;
  auto st = *store::Store::open(dir / "store");
  materialize(t, dir / "one", 1);
  materialize(u, dir / "two", 2);
  RC_ASSERT(digest_of_tree(st, dir / "one") != digest_of_tree(st, dir / "two"));
}

RC_GTEST_PROP(LayerDigest, TreeAndTarAgree, ()) {
  Tree t = *gen_tree();
  TempDir dir;
  auto st = *store::Store::open(dir / "store");
  materialize(t, dir / "tree", 7);
  // Directories in the tree are 0755 (write_file's mkdirs under umask 022),
  // so the tar may leave them implied; member order is shuffled.
  std::vector<test::Member> members;
  for (const auto& [path, n] : t) {
    test::Member m;
    m.type = n.symlink ? test::Member::Symlink : test::Member::File;
    m.name = *rc::gen::element<std::string>("", "./") + path;
    (n.symlink ? m.target : m.data) = n.content;
    m.mode = n.symlink ? 0777 : n.mode;
    members.push_back(m);
  }
  std::shuffle(members.begin(), members.end(), std::mt19937(*rc::gen::arbitrary<std::uint32_t>()));
  test::write_archive(dir / "t.tar", members, *rc::gen::element<std::string>("pax", "gnutar", "zip"));
  layers::ImportOptions o;
  auto tar = layers::import_path(st, dir / "t.tar", o);
  RC_ASSERT(tar.ok());
  RC_ASSERT(tar->digest == digest_of_tree(st, dir / "tree"));
}

RC_GTEST_PROP(Store, PutGetRoundTrip, (const std::vector<std::string>& blobs)) {
  TempDir dir;
  auto st = *store::Store::open(dir / "store");
  std::vector<Digest> ds;
  {
    store::Batch b(st, store::BatchLimits{3, 1 << 20});
    for (std::size_t i = 0; i < blobs.size(); ++i) {
      auto d = (i % 2 == 0) ? st.put(blobs[i]) : b.add_bytes(blobs[i]);
      RC_ASSERT(d.ok());
      ds.push_back(*d);
    }
    RC_ASSERT(b.commit().ok());
  }
  for (std::size_t i = 0; i < blobs.size(); ++i) {
    RC_ASSERT(ds[i] == sha256_of(blobs[i]));
    auto back = st.get(ds[i]);
    RC_ASSERT(back.ok());
    RC_ASSERT(*back == blobs[i]);
  }
}

}  // namespace
}  // namespace wimg
