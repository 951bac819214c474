// libFuzzer target: the host-side reader of packed binaries (what `wimg
// inspect`, `ls`, `cat` and `export` run on an untrusted .wasm) and the
// view decoder on its own. Any input must give a clean error or a packed
// image whose every check (verify, content reads, view lookups) stays in
// bounds; an accepted view's hash table must find every node.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/pack/packed.h"
#include "runtime/pack/view.h"

namespace {

void check_view(std::string_view bytes) {
  auto v = wimg::pack::decode_view(bytes, "fuzz");
  if (!v.ok()) return;
  for (std::uint32_t i = 1; i < v->nodes.size(); ++i) {
    if (v->lookup(v->nodes[i].parent, v->nodes[i].name) != i) std::abort();
  }
}

void check_packed(const std::uint8_t* data, std::size_t size) {
  auto file = std::make_shared<const std::string>(reinterpret_cast<const char*>(data), size);
  auto p = wimg::pack::open_packed(file, "fuzz");
  if (!p.ok()) return;
  (void)wimg::pack::verify_packed(*p, "fuzz");
  for (const auto& [path, m] : p->overlay.entries()) {
    if (m.entry.kind == wimg::layers::Kind::File) (void)p->content(m.layer, m.entry.digest, "fuzz");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_view(std::string_view(reinterpret_cast<const char*>(data), size));
  check_packed(data, size);
  return 0;
}
