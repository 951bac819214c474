// The two custom sections of a packed binary (docs/FORMATS.md):
//
// "wimg.runtime" — written by the injector (runtime/inject/prepare.h) into
// the prepared base, canonical JSON:
//   {"base":"sha256:<hex>","first_slot":S,"region_pages":R,
//    "runtime":"sha256:<hex>","slots":128,"version":1}
// plus "abi":A when an interpreter's reactor was made a command, A being
// that interpreter entry's command_abi (runtime/inject/interpreter.h).
//
// "wimg.manifest" — written by the packer, canonical JSON (keys sorted, no
// whitespace), so the same inputs give byte-identical binaries:
//   {"base":{"digest":D[,"size":N]},          original base module (size when known)
//    "config":{"cmd":[..]|null,"entrypoint":[..]|null,"env":["K=V"..],
//              "labels":{..},"mounts":["/guest/dir"..],"workdir":""},
//    "created":<SOURCE_DATE_EPOCH or 0>,       never the wall clock
//    "history":[{"created_by":"..","empty_layer":false}..],
//    "layers":[{"bytes":N,"created_by":"..","digest":D,"files":N,"slot":S}..],
//    "mediaType":"application/vnd.wimg.packed.v1+json",
//    "prepared":{"digest":D,"size":N},          the prepared base it was spliced into
//    "runtime":D,                               sha256 of the guest runtime wasm
//    "schemaVersion":1}
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/digest.h"
#include "support/result.h"

namespace wimg::pack {

constexpr std::string_view kRuntimeSectionName = "wimg.runtime";
constexpr std::string_view kManifestSectionName = "wimg.manifest";
constexpr std::string_view kPackedMediaType = "application/vnd.wimg.packed.v1+json";

struct RuntimeSection {
  std::uint32_t version = 1;
  Digest base;                   // the unmodified base module
  Digest runtime;                // the guest runtime wasm
  std::uint32_t first_slot = 0;  // data segment index of slot 0
  std::uint32_t region_pages = 0;
  std::uint32_t slots = 0;  // WIMG_SLOTS
  std::string abi;          // "" (the base's own) or a registered interpreter's command_abi
  bool operator==(const RuntimeSection&) const = default;
};

std::string encode_runtime_section(const RuntimeSection& r);
// Errors (Corrupt) name `shown`; only version 1 with slots == WIMG_SLOTS.
Result<RuntimeSection> decode_runtime_section(std::string_view json, std::string_view shown);

struct PackedLayer {
  Digest digest;
  std::uint32_t slot = 0;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;  // total file bytes of the layer
  std::string created_by;
  bool operator==(const PackedLayer&) const = default;
};

struct PackedConfig {
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;
  std::vector<std::string> env;
  std::string workdir;
  std::vector<std::string> mounts;  // extra preopens after "/"
  std::vector<std::string> volumes; // dirs the runtime creates when missing (encoded when not empty)
  std::map<std::string, std::string> labels;
  bool operator==(const PackedConfig&) const = default;
};

struct PackedHistory {
  std::string created_by;
  bool empty_layer = false;
  bool operator==(const PackedHistory&) const = default;
};

struct PackManifest {
  Digest base;
  std::optional<std::uint64_t> base_size;
  Digest prepared;
  std::uint64_t prepared_size = 0;
  Digest runtime;
  std::int64_t created = 0;
  std::vector<PackedLayer> layers;  // bottom first
  PackedConfig config;
  std::vector<PackedHistory> history;
  bool operator==(const PackManifest&) const = default;
};

// Input error when a string is not UTF-8 (JSON cannot carry it).
Result<std::string> encode_pack_manifest(const PackManifest& m);
Result<PackManifest> decode_pack_manifest(std::string_view json, std::string_view shown);

}  // namespace wimg::pack
