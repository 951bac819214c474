// The assembler: splices a view, layer segments and the wimg.manifest
// section into a prepared base (base + guest runtime, runtime/inject/
// prepare.h) at the byte level. The base is read with the project's own
// reader (runtime/wasm/module.h), never with binaryen; the reserved empty
// passive segments first_slot..first_slot+n get the new bytes in place, so
// every index the runtime was compiled against stays valid.
//
// Knows no store: file contents come through a ContentReader.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/entry.h"
#include "runtime/pack/sections.h"
#include "runtime/pack/segment.h"
#include "runtime/wasm/module.h"
#include "runtime/wasm/writer.h"
#include "support/result.h"

namespace wimg::pack {

struct PackLayer {
  Digest digest;                       // checked against sha256(encode_index(entries))
  std::vector<layers::Entry> entries;  // canonical
  std::string created_by;
};

struct PackSpec {
  std::optional<std::uint64_t> base_size;  // of the original base, when known
  std::vector<PackLayer> layers;           // bottom first, at most WIMG_SLOTS - 1
  PackedConfig config;                     // mounts: absolute canonical dirs of the image
  std::int64_t created = 0;                // SOURCE_DATE_EPOCH or 0: every node's mtime
  // The image's history (instructions without a layer included); empty:
  // one item per layer, from its created_by.
  std::vector<PackedHistory> history;
  // The prepared base's digest when the caller knows it (the cache does):
  // saves hashing it again.
  std::optional<Digest> prepared_digest;
};

// `prepared`: the prepared base; `shown` names it in errors. Returns the
// packed binary's bytes: a deterministic function of the inputs.
// Errors: Input (a base that is not prepared or already packed, a bad
// mount, a layer over 4 GiB), Corrupt (a layer whose entries do not hash to
// its digest, a content of the wrong size).
Result<std::string> assemble(std::string_view prepared, const PackSpec& spec, const ContentReader& read,
                             std::string_view shown);

// A layer segment already built (build_segment): bytes in memory, or a
// source copied at emit time.
struct SegmentPiece {
  std::string_view bytes;
  const wasm::ByteSource* source = nullptr;
  std::uint64_t size() const { return source != nullptr ? source->size() : bytes.size(); }
};

// The packed module planned but not written: its size is known, its bytes
// are streamed by write_to, and nothing but the view and the manifest
// (small) is held beyond what the caller passed in. `prepared` and the
// segments must outlive it.
class AssembledModule {
 public:
  std::uint64_t size() const { return plan_.size(); }
  std::uint64_t data_segments() const { return module_.data.size(); }
  Status write_to(const wasm::Sink& out) const { return plan_.write_to(out); }
  // The bytes that tell one image from another, and where they land: the
  // view (slot 0) and the wimg.manifest section's content.
  std::string_view view() const { return view_; }
  std::string_view manifest() const { return manifest_; }
  std::optional<std::uint64_t> offset_of(std::string_view part) const { return plan_.offset_of(part.data()); }

 private:
  friend Result<std::unique_ptr<AssembledModule>> plan_assembly(std::string_view, const PackSpec&,
                                                                const std::vector<SegmentPiece>&, const Placements&,
                                                                std::string_view);
  wasm::Module module_;
  std::string view_;
  std::string manifest_;
  wasm::PlannedModule plan_;
};

// assemble's plan from segments built by the caller for spec.layers
// (`placements`: where they put every content). The caller vouches that
// each layer's entries are its digest's (read verified): they are not
// re-encoded and hashed here.
Result<std::unique_ptr<AssembledModule>> plan_assembly(std::string_view prepared, const PackSpec& spec,
                                                       const std::vector<SegmentPiece>& segments,
                                                       const Placements& placements, std::string_view shown);

// The prepared base a packed binary was spliced into, as the module says
// it: every slot emptied and every wimg.manifest section dropped, the data
// section re-encoded by the writer (minimal LEB128s, runtime/wasm/writer.h).
// The manifest's "prepared" digest and size are of this form, so
// `inspect --verify` recomputes them from the binary alone (docs/FORMATS.md).
// `first_slot` must name WIMG_SLOTS passive segments of `m`.
struct PreparedForm {
  Digest digest;
  std::uint64_t size = 0;
};
Result<wasm::PlannedModule> plan_prepared_form(const wasm::Module& m, std::uint32_t first_slot, std::string_view shown);
Result<PreparedForm> prepared_form(const wasm::Module& m, std::uint32_t first_slot, std::string_view shown);

// The checks of --mount: absolute, canonical, not "/", no repeats, an
// existing directory of the merged image (symlinks are not followed).
Status check_mounts(const std::vector<std::string>& mounts, const layers::Overlay& overlay);

// The checks of VOLUME: absolute, canonical, not "/", no repeats; missing
// is fine (the runtime creates it), but it and its parents must not be
// anything but directories in the image.
Status check_volumes(const std::vector<std::string>& volumes, const layers::Overlay& overlay);

// The view config of a packed image: preopens are "/" then the mounts; the
// upper layer's setting from the labels (upper.h; Input error if bad).
Result<ViewConfig> view_config(const PackedConfig& c);

}  // namespace wimg::pack
