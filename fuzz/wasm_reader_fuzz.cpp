// libFuzzer target: the wasm module reader and writer. Anything the reader
// accepts must be written back byte for byte with no edits, and must still
// be a readable module after the edits wimg makes (a custom section and
// passive data segments appended, passive segments' bytes replaced).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/wasm/module.h"
#include "runtime/wasm/writer.h"

namespace {

using wimg::wasm::Edits;
using wimg::wasm::Module;

void check_round_trip(const Module& m, std::string_view bytes) {
  auto same = wimg::wasm::write_module(m, Edits{}, "fuzz");
  if (!same.ok() || same->bytes != bytes || !same->new_segments.empty()) std::abort();
}

void check_edited(const Module& m) {
  const std::string segment(300, 's');  // a two-byte length
  Edits e;
  e.remove_custom = {"name"};
  e.add_custom = {{"wimg.manifest", "{}"}};
  e.add_passive = {segment, ""};
  auto w = wimg::wasm::write_module(m, e, "fuzz");
  if (!w.ok()) std::abort();
  auto back = wimg::wasm::parse_module(w->bytes, "fuzz");
  if (!back.ok()) std::abort();
  const std::size_t n = m.data.size() + 2;
  if (back->data.size() != n || back->data_count != n) std::abort();
  if (w->new_segments.size() != 2 || w->new_segments[0] != m.data.size()) std::abort();
  if (back->segment_bytes(back->data[n - 2]) != segment || back->data[n - 1].data_size != 0) std::abort();
  if (back->custom_sections("wimg.manifest").size() != m.custom_sections("wimg.manifest").size() + 1) std::abort();
  if (!back->custom_sections("name").empty()) std::abort();
  if (back->sections.back().name != "wimg.manifest") std::abort();
}

// The assembler's edit: every passive segment's bytes replaced in place.
void check_replaced(const Module& m) {
  const std::string bytes(200, 'r');
  Edits e;
  for (std::uint32_t i = 0; i < m.data.size(); ++i) {
    if (m.data[i].mode == wimg::wasm::DataMode::Passive) e.replace_passive.push_back({i, bytes});
  }
  if (e.replace_passive.empty()) return;
  auto w = wimg::wasm::write_module(m, e, "fuzz");
  if (!w.ok()) std::abort();
  auto back = wimg::wasm::parse_module(w->bytes, "fuzz");
  if (!back.ok() || back->data.size() != m.data.size()) std::abort();
  for (const auto& r : e.replace_passive) {
    if (back->segment_bytes(back->data[r.index]) != bytes) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto m = wimg::wasm::parse_module(bytes, "fuzz");
  if (!m.ok()) {
    if (m.error().kind != wimg::ErrorKind::Input) std::abort();
    return 0;
  }
  check_round_trip(*m, bytes);
  check_edited(*m);
  check_replaced(*m);
  return 0;
}
