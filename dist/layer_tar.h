// A wimg layer as a reproducible OCI tar layer, and back.
//
// Writing: members in the layer index's order (sorted by path), pax
// (restricted) headers, uid/gid 0, no owner names, every mtime = the
// image's `created`; a whiteout becomes an empty file "<dir>/.wh.<name>",
// an opaque directory its directory member followed by
// "<dir>/.wh..wh..opq". The same entries and time give the same bytes.
// Reading goes through layers/archive.h (the ordinary archive importer,
// which turns .wh. names back into whiteouts), and the caller checks that
// the rebuilt index has the digest the image names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layers/entry.h"
#include "store/store.h"
#include "support/result.h"

namespace wimg::dist {

// The uncompressed tar of a layer; file contents are read (and verified)
// from the store.
Result<std::string> write_layer_tar(const store::Store& store, const std::vector<layers::Entry>& entries,
                                    std::int64_t mtime);

// gzip, deterministic for one libdeflate whatever `threads` is: the input in
// 1 MiB pieces, each one gzip member (RFC 1952 allows several; gunzip, Go,
// libarchive and zlib's inflate with a loop read them) compressed by
// libdeflate at level 6 on up to `threads` threads — 2.2x less CPU than
// zlib's level 6 at the same size (ruby:3.4's stdlib layer: 3.95 MB).
// gzip_recipe() names the scheme and library version (layer blob names).
std::string gzip_recipe();

// The bytes inside a gzip file (every member in turn, each CRC and size
// checked), decompressed whole by libdeflate — 3x faster than zlib's
// inflate, which libarchive streams through; nullopt when `gz` is not a
// valid gzip file or holds more than `limit` bytes: the caller then lets
// libarchive read it (streaming, with its own errors).
std::optional<std::string> gunzip(std::string_view gz, std::size_t limit);
Result<std::string> gzip(std::string_view bytes, unsigned threads = 1);

}  // namespace wimg::dist
