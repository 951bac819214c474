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
// list of pieces and the total size is known), then emit (one buffer of
// exactly that size, filled once). Large segments are copied once.
#pragma once

#include <cstdint>
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

// New bytes for an existing passive data segment, which keeps its index
// (wimg fills the reserved, empty slot segments of a prepared base).
struct SegmentReplacement {
  std::uint32_t index = 0;
  std::string_view bytes;  // must outlive write_module
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

}  // namespace wimg::wasm
