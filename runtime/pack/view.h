// The VIEW: slot 0 of a packed binary, the merged file system as the guest
// runtime reads it. The byte format is the contract in
// runtime/guest/wimg_abi.h (header, 64-byte nodes sorted by path hash,
// bucket starts, children, strings, config block, slot sizes); this is its host-side encoder and a
// strict decoder.
//
// Encoding decisions the contract leaves open (all deterministic):
//   - nodes: node 0 is the root; the others sorted by path hash (the
//     contract's order), equal hashes by path; the children array lists
//     the nodes breadth-first (the root's children sorted by name, then
//     each directory's children in that order), so a directory's children
//     are consecutive in the children array, not in the node table;
//   - bucket_count = the smallest power of two >= node_count / 2: runs of
//     about two nodes, and a start table of 4 bytes per two nodes that
//     stays cached;
//   - strings: per node in index order its name, then a symlink's target;
//   - regions in header order, each directly after the previous one except
//     that the config block and the slot sizes start 4-aligned (zero pad);
//   - root mode 040755; files and symlinks point (slot, offset) at their
//     content placement (segment.h), a compressed one with WIMG_NODE_LZ4
//     in the slot field; mtime_ns of every node is the same.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/overlay.h"
#include "support/digest.h"
#include "support/result.h"

namespace wimg::pack {

// The string lists of the config block, in block order.
struct ViewConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;       // "K=V"
  std::vector<std::string> preopens;  // absolute, canonical; "/" first
  std::vector<std::string> workdir;   // 0 or 1 string
  std::vector<std::string> fs;        // the upper layer: none, or its setting ("", "ro" or the cap in bytes: upper.h) then the volumes
  bool operator==(const ViewConfig&) const = default;
};

// Where one content's bytes lie in the binary: `stored` bytes at `offset`
// in `slot`, the content itself (size bytes) when raw, or its chunked LZ4
// stored form when lz4 (wimg_abi.h §6).
struct Placement {
  std::uint32_t slot = 0;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  std::uint32_t stored = 0;
  bool lz4 = false;
  bool operator==(const Placement&) const = default;
};
using Placements = std::map<Digest, Placement>;

struct ViewInput {
  const layers::Overlay* overlay = nullptr;
  const Placements* placements = nullptr;  // every file of the overlay
  ViewConfig config;
  std::vector<std::uint32_t> layer_slot_sizes;  // slots 1..n
  std::uint64_t mtime_ns = 0;
};

// Errors: a file without a placement (Input), a view over u32 (Input).
Result<std::string> encode_view(const ViewInput& in);

struct ViewNode {
  std::uint32_t parent = 0;
  std::string_view name;
  std::uint32_t mode = 0;  // st_mode: type bits | permission bits
  std::uint32_t first_child = 0;
  std::uint32_t child_count = 0;
  std::uint32_t slot = 0;  // files: bits 0..15 of the field (the slot)
  std::uint32_t hash = 0;  // the path hash
  bool lz4 = false;        // files: WIMG_NODE_LZ4, offset is a stored form
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint64_t mtime_ns = 0;
  std::string_view target;  // symlinks
};

constexpr std::uint32_t kModeDir = 0040000;
constexpr std::uint32_t kModeFile = 0100000;
constexpr std::uint32_t kModeSymlink = 0120000;
constexpr std::uint32_t kModeTypeMask = 0170000;

struct DecodedView {
  std::vector<ViewNode> nodes;
  std::vector<std::uint32_t> starts;  // bucket_count + 1 bucket starts
  std::vector<std::uint32_t> children;
  ViewConfig config;
  std::vector<std::uint32_t> slot_sizes;  // slot_sizes[0] is the view itself

  // A name under a directory node through the hash table, as the runtime
  // looks it up; nullopt when absent.
  std::optional<std::uint32_t> lookup(std::uint32_t dir, std::string_view name) const;
  // "" for the root, else the canonical path ("usr/lib/x.rb").
  std::string path_of(std::uint32_t node) const;
};

// Strict: every offset, count and index is bounds-checked, the tree is
// connected and each directory's children are sorted, every node's
// name_head matches its name and its hash its parent's and name, the
// non-root nodes are sorted by hash and the bucket starts are their runs, slot_sizes[0] equals
// bytes.size() (so any truncation is refused). Views point into `bytes`.
// Errors are ErrorKind::Corrupt naming `shown`.
Result<DecodedView> decode_view(std::string_view bytes, std::string_view shown);
Result<DecodedView> decode_view(std::string&& bytes, std::string_view shown) = delete;  // would dangle

}  // namespace wimg::pack
