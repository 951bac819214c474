// Helpers for the packer tests: layer entries with their contents, and a
// hand-built "prepared base" (what runtime/inject/prepare.h produces: empty
// passive slot segments and a wimg.runtime section) so the assembler is
// tested without binaryen.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "layers/entry.h"
#include "runtime/guest/wimg_abi.h"
#include "runtime/pack/sections.h"
#include "runtime/pack/segment.h"
#include "wasm_test_util.h"

namespace wimg::test {

// Contents by digest, filled as entries are made.
struct Contents {
  std::map<Digest, std::string> bytes;

  layers::Entry file(std::string path, const std::string& content, std::uint32_t mode = 0644) {
    Digest d = sha256_of(content);
    bytes[d] = content;
    return layers::Entry{layers::Kind::File, std::move(path), mode, content.size(), d, {}};
  }
  pack::ContentReader reader() const {
    return [this](const Digest& d, std::uint64_t) -> Result<std::string> {
      auto it = bytes.find(d);
      if (it == bytes.end()) return make_error(ErrorKind::NotFound, "no content " + d.str());
      return it->second;
    };
  }
};

inline layers::Entry dir(std::string p, std::uint32_t mode = 0755) {
  return layers::Entry{layers::Kind::Dir, std::move(p), mode, 0, {}, {}};
}
inline layers::Entry opaque(std::string p) {
  return layers::Entry{layers::Kind::Opaque, std::move(p), 0755, 0, {}, {}};
}
inline layers::Entry link(std::string p, std::string t) {
  auto n = t.size();
  return layers::Entry{layers::Kind::Symlink, std::move(p), 0777, n, {}, std::move(t)};
}
inline layers::Entry whiteout(std::string p) {
  return layers::Entry{layers::Kind::Whiteout, std::move(p), 0, 0, {}, {}};
}

// Ruby-source-like text: compresses well.
inline std::string text(std::size_t n, int seed = 0) {
  std::string out;
  char line[96];
  for (int i = 0; out.size() < n; ++i) {
    std::snprintf(line, sizeof line, "  def method_%06d(x) = x * %d # the quick brown fox jumps over the lazy dog\n",
                  i, (i * 37 + seed) % 1000);
    out += line;
  }
  out.resize(n);
  return out;
}

// LCG bytes: do not compress.
inline std::string noise(std::size_t n, std::uint32_t x = 1) {
  std::string out(n, '\0');
  for (auto& c : out) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 23);
  }
  return out;
}

// A module shaped like a prepared base: one memory, `before` active
// segments, then WIMG_SLOTS empty passive ones (slot 0 at index `before`),
// a DataCount, and the runtime section.
inline std::string prepared_base(std::uint32_t before = 1, const std::string& extra_custom = "") {
  std::string data = u32(before + WIMG_SLOTS);
  for (std::uint32_t i = 0; i < before; ++i) data += b({0, 0x41, 8, 0x0b}) + str("act");
  for (std::uint32_t i = 0; i < WIMG_SLOTS; ++i) data += b({1}) + str("");
  pack::RuntimeSection rt;
  rt.base = sha256_of("base");
  rt.runtime = sha256_of("runtime");
  rt.first_slot = before;
  rt.region_pages = 2;
  rt.slots = WIMG_SLOTS;
  const std::string runtime = pack::encode_runtime_section(rt);
  return module({sec(1, u32(1) + b({0x60, 0, 0})), sec(3, u32(1) + b({0})), sec(5, u32(1) + b({0, 1})),
                 sec(12, u32(before + WIMG_SLOTS)), sec(10, u32(1) + b({2, 0, 0x0b})), sec(11, data),
                 sec(0, str("wimg.runtime") + runtime) + extra_custom});
}

}  // namespace wimg::test
