// A RapidCheck generator of canonical layers over a small namespace
// (adds, overwrites, whiteouts, opaque dirs, symlinks with relative,
// absolute, dangling and looping targets), with the files' contents, for
// the overlay properties: layers::Overlay against a naive model
// (overlay_test.cpp) and against a packed binary (packed/).
#pragma once

#include <rapidcheck.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "layers/entry.h"
#include "layers/path.h"
#include "support/digest.h"

namespace wimg::test {

using layers::Entry;
using layers::Kind;

struct Layer {
  std::vector<Entry> entries;          // canonical, sorted by path
  std::map<std::string, std::string> content;  // file path -> bytes
};

inline const char* kPaths[] = {"a", "a/b", "a/b/c", "a/d", "e", "e/f", "g", "a/b/h", "e/i", "a/b/c/j"};
inline const char* kTargets[] = {"a", "../e", "/a/b", "b/c", "missing", "a/b/c", "g", "."};

inline rc::Gen<Layer> gen_layer() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::tuple<int, int, int>>>(rc::gen::tuple(
          rc::gen::element(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), rc::gen::element(0, 1, 2, 3, 4), rc::gen::element(0, 1, 2, 3, 4, 5, 6, 7))),
      [](const std::vector<std::tuple<int, int, int>>& ops) {
        std::map<std::string, Entry> m;
        Layer l;
        for (auto [pi, kind, arg] : ops) {
          std::string p = kPaths[pi];
          bool blocked = false;
          for (std::string a(layers::parent_of(p)); !a.empty(); a = std::string(layers::parent_of(a))) {
            auto it = m.find(a);
            if (it != m.end() && it->second.kind != Kind::Dir && it->second.kind != Kind::Opaque) blocked = true;
          }
          auto below = m.lower_bound(p + "/");
          bool has_children = below != m.end() && below->first.compare(0, p.size() + 1, p + "/") == 0;
          Kind k = static_cast<Kind>(kind + 1);
          if (blocked || (has_children && k != Kind::Dir && k != Kind::Opaque)) continue;
          for (std::string a(layers::parent_of(p)); !a.empty(); a = std::string(layers::parent_of(a))) {
            if (!m.count(a)) m[a] = Entry{Kind::Dir, a, 0755, 0, {}, {}};
          }
          Entry e{k, p, k == Kind::File ? 0644u : k == Kind::Dir || k == Kind::Opaque ? 0755u : 0u, 0, {}, {}};
          if (k == Kind::File) {
            std::string c(static_cast<std::size_t>(arg) * 37, static_cast<char>('a' + arg));
            c += p;
            e.size = c.size();
            e.digest = sha256_of(c);
            l.content[p] = c;
          }
          if (k == Kind::Symlink) {
            e.mode = 0777;
            e.target = kTargets[arg];
            e.size = e.target.size();
          }
          m[p] = e;
        }
        for (auto& [p, e] : m) {
          if (e.kind != Kind::File) l.content.erase(p);
          l.entries.push_back(e);
        }
        return l;
      });
}

}  // namespace wimg::test
