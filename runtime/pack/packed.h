// Reading a packed binary on the host (wimg inspect, ls/cat/export of a
// .wasm): the wasm structure with the project's own reader, the two custom
// sections, the view and every layer segment, all strictly decoded and
// cross-checked; then, on request, a full verification.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "layers/overlay.h"
#include "runtime/pack/sections.h"
#include "runtime/pack/segment.h"
#include "runtime/pack/view.h"
#include "runtime/wasm/module.h"
#include "support/result.h"

namespace wimg::pack {

struct PackedImage {
  std::shared_ptr<const std::string> file;  // every view below points into it
  wasm::Module module;
  RuntimeSection runtime;
  PackManifest manifest;
  std::vector<std::string_view> slots;  // slots[0] the view, slots[i] layer i-1
  DecodedView view;
  std::vector<DecodedSegment> segments;  // segments[i] is slot i + 1
  layers::Overlay overlay;               // merged from the embedded layer indexes

  // Bytes of a content named by layer `layer`, decompressed when stored
  // compressed (sizes checked strictly) and re-hashed: Corrupt on a
  // mismatch or a bad stored form, naming the file, layer and slot.
  Result<std::string> content(std::size_t layer, const Digest& d, std::string_view shown) const;
};

// True when `bytes` starts like a wasm module ("\0asm").
bool looks_like_wasm(std::string_view bytes);

// Errors name `shown`: Input for a file that is not a packed binary (not
// wasm, no wimg sections), Corrupt for one whose parts are malformed or
// disagree (sizes, slots, dedup rules, manifest vs segments).
Result<PackedImage> open_packed(std::shared_ptr<const std::string> file, std::string_view shown);

struct PackVerifyReport {
  std::uint64_t layers = 0;
  std::uint64_t contents = 0;  // contents re-hashed
  std::uint64_t bytes = 0;     // their bytes
  std::uint64_t prepared_bytes = 0;  // the prepared base's, re-hashed
};

// Re-derives every layer digest from its embedded index, re-hashes every
// content, rebuilds the view from the layers, comparing bytes, and
// re-hashes the prepared base (assemble.h: prepared_form), so every byte of
// the file outside the manifest is checked against it.
// The first mismatch is a Corrupt error naming the file and the layer.
Result<PackVerifyReport> verify_packed(const PackedImage& p, std::string_view shown);

}  // namespace wimg::pack
