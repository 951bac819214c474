// Builds a new module from a parsed one at the byte level, without
// decoding or re-encoding anything it does not change. wimg uses it to
// splice layers (passive data segments) and its manifest (a custom
// section) into a base module: a rebuild costs about as much as writing
// the file (docs/ARCHITECTURE.md, "Injection").
//
// Output layout: the header, then the input's sections in their order with
//   - custom sections named in Edits::remove_custom left out;
//   - when segments are added or replaced: the data section rewritten as
//       0x0b size:u32 count:u32 <old entries> *(0x01 len:u32 bytes)
//     where old entries are copied verbatim except the replaced ones, each
//     re-encoded as 0x01 len:u32 <new bytes> in its place (its index kept);
//     when segments are added, the datacount section (created if missing)
//     holds the new count;
//     a created section goes right after the last known section that must
//     precede it, so trailing custom sections (name, producers) stay last;
//   - then Edits::add_custom, in order.
// Every other byte is copied verbatim; with no edits the output equals the
// input. The output depends only on the inputs (deterministic).
//
// Phases, as in lld's wasm writer: plan (every section's bytes become a
// list of pieces and the total size is known), then emit: into one buffer
// of exactly that size (write_module), or streamed to a file piece by
// piece (plan_module + PlannedModule::write_to), where a segment's bytes
// may come from a ByteSource (a store object) that is never held whole.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/wasm/module.h"
#include "support/result.h"

namespace wimg::wasm {

struct NewCustomSection {
  std::string name;          // valid UTF-8
  std::string_view content;  // must outlive write_module
};

// Where emitted bytes go, in order.
using Sink = std::function<Status(std::string_view)>;

// Bytes copied from elsewhere at emit time: exactly size() bytes to `out`.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  virtual Status copy_to(const Sink& out) const = 0;
};

// New bytes for an existing passive data segment, which keeps its index
// (wimg fills the reserved, empty slot segments of a prepared base).
struct SegmentReplacement {
  std::uint32_t index = 0;
  std::string_view bytes;             // must outlive the write
  const ByteSource* source = nullptr;  // instead of bytes when set; must outlive the write
  std::uint64_t size() const { return source != nullptr ? source->size() : bytes.size(); }
};

struct Edits {
  std::vector<std::string> remove_custom;     // drop every custom section with one of these names
  std::vector<NewCustomSection> add_custom;   // appended at the end of the module, in order
  std::vector<std::string_view> add_passive;  // passive data segments to append; must outlive write_module
  std::vector<SegmentReplacement> replace_passive;  // at most one per index, each naming a passive segment
};

struct Written {
  std::string bytes;
  std::vector<std::uint32_t> new_segments;  // data segment index of each Edits::add_passive entry
};

// `m` must come from parse_module and its bytes must still be alive.
// Errors (ErrorKind::Input, naming `shown`): a section or segment that
// would exceed what a u32 size can say, a custom name that is not UTF-8, a
// replacement naming a missing or non-passive segment or one named twice.
Result<Written> write_module(const Module& m, const Edits& edits, std::string_view shown);

// Phase 1 alone: the output as pieces, its size known before any byte is
// copied. Views into `m`, the edits and the sources must outlive it.
class PlannedModule {
 public:
  PlannedModule();
  ~PlannedModule();
  PlannedModule(PlannedModule&&) noexcept;
  PlannedModule& operator=(PlannedModule&&) noexcept;
  std::uint64_t size() const;
  // Where the piece starting at `data` (a view the caller passed in, e.g.
  // a segment's or a custom section's bytes) lands in the output; nullopt
  // when no piece starts there.
  std::optional<std::uint64_t> offset_of(const char* data) const;
  // Every byte in order: runs of in-memory pieces as one call each (up to
  // a bounded batch), a source's bytes as the source delivers them.
  Status write_to(const Sink& out) const;

  struct Impl;  // writer.cpp's plan

 private:
  friend Result<PlannedModule> plan_module(const Module& m, const Edits& edits, std::string_view shown);
  std::unique_ptr<Impl> impl_;
};

Result<PlannedModule> plan_module(const Module& m, const Edits& edits, std::string_view shown);

}  // namespace wimg::wasm
