// The chunked LZ4 stored form of a file content (runtime/guest/wimg_abi.h
// §6; docs/FORMATS.md, "Layer segment"):
//
//   stored = chunk_count:u32le end:u32le{chunk_count} chunks
//
// 64 KiB chunks, each one LZ4 block (LZ4_compress_default, deterministic
// for a given liblz4), ends relative to the first chunk. The packer's
// policy: a content is stored compressed only when it has at least 256
// bytes and its stored form is at most 15/16 of its size; otherwise raw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "support/result.h"

namespace wimg::pack {

constexpr std::uint64_t kLz4MinSize = 256;

// The policy on sizes alone: size >= 256 and 16 * stored <= 15 * size.
bool lz4_worth(std::uint64_t size, std::uint64_t stored);

// Appends the stored form of `bytes` to `out` and returns true when the
// policy says to store it compressed; otherwise leaves `out` as it was and
// returns false (the caller stores the bytes raw).
bool compress_content(std::string_view bytes, std::string& out);

// The same in pieces, for contents too large to hold (segment.cpp streams
// them): the stored form's chunk count for `size` bytes, and one chunk
// (at most 64 KiB) as an LZ4 block appended to `out` (false: liblz4
// failed, store the content raw). compress_content is these two in a loop.
std::uint64_t lz4_chunk_count(std::uint64_t size);
bool compress_chunk(std::string_view chunk, std::string& out);

// Checks the structure of a stored form that is exactly `stored` for a
// content of `size` bytes: chunk_count = ceil(size / 64 KiB), each chunk of
// n bytes ceil(n / 255) .. LZ4_COMPRESSBOUND(n) bytes long (no LZ4 block
// expands more than 255-fold), the ends increasing and the last one at the
// end of `stored`. "" when it holds, else what is wrong.
std::string check_stored_form(std::string_view stored, std::uint64_t size);

// The content's bytes: the structure checked as above, every chunk
// decoded with LZ4_decompress_safe to exactly its size. Errors are
// ErrorKind::Corrupt, prefixed with `who`.
Result<std::string> decompress_content(std::string_view stored, std::uint64_t size, const std::string& who);

}  // namespace wimg::pack
