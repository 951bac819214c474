// LEB128, the variable-length integer encoding of the WebAssembly binary
// format (spec 5.2.2 "Integers"):
//
//   uN  = byte                     ; byte < 0x80, value = byte
//       / byte uN'                 ; byte >= 0x80, value = (byte & 0x7f) + 128 * uN'
//   sN  = the same, two's complement; bit 6 of the last byte is the sign
//
// Limits the spec imposes (and that decode_* enforce):
//   - at most ceil(N / 7) bytes (5 for 32-bit, 10 for 64-bit values);
//   - in a maximal-length encoding the bits of the last byte beyond N must
//     be zero (unsigned) or copies of the sign bit (signed).
// Non-minimal encodings within that length (0x80 0x00 for 0) are valid
// wasm, so they are accepted; that is why the writer copies unchanged
// bytes instead of re-encoding them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/result.h"

namespace wimg::wasm {

constexpr std::size_t kMaxLeb32 = 5;
constexpr std::size_t kMaxLeb64 = 10;

// Why a decode failed. Kept allocation-free so the module reader can word
// the message with its own context (which section, where it ends).
enum class LebFault {
  None,
  Truncated,   // the input ended before the last byte (one without bit 7)
  TooLong,     // more bytes than the type allows
  UnusedBits,  // the last byte sets bits the type has no room for
};

// Plain words for a fault, e.g. "is longer than 5 bytes".
std::string_view describe(LebFault fault, std::size_t max_bytes);

// Decode at in[*pos]; on success store the value and advance *pos. On a
// fault *pos and *out are unchanged. Never reads outside `in`.
LebFault decode_u32(std::string_view in, std::size_t* pos, std::uint32_t* out);
LebFault decode_u64(std::string_view in, std::size_t* pos, std::uint64_t* out);
LebFault decode_s32(std::string_view in, std::size_t* pos, std::int32_t* out);
LebFault decode_s64(std::string_view in, std::size_t* pos, std::int64_t* out);

// Result-returning forms for callers that need no extra context. Errors are
// ErrorKind::Input: "<shown>: byte <offset>: <what>: LEB128 ...".
Result<std::uint32_t> read_u32(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what);
Result<std::uint64_t> read_u64(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what);
Result<std::int32_t> read_s32(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what);
Result<std::int64_t> read_s64(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what);

// Minimal encodings. size_* is the byte count put_* writes, so a writer can
// size its output before filling it; put_* returns that count.
std::size_t size_u32(std::uint32_t v);
std::size_t size_u64(std::uint64_t v);
std::size_t size_s32(std::int32_t v);
std::size_t size_s64(std::int64_t v);
std::size_t put_u32(char* out, std::uint32_t v);
std::size_t put_u64(char* out, std::uint64_t v);
std::size_t put_s32(char* out, std::int32_t v);
std::size_t put_s64(char* out, std::int64_t v);

// Always 5 bytes (continuation bits on the first four), e.g. 3 is
// 83 80 80 80 00. Lets a size slot be written before its value is known
// and patched in place later without moving what follows.
void put_u32_padded(char* out, std::uint32_t v);

// Appending conveniences over put_*.
void append_u32(std::string* out, std::uint32_t v);
void append_u64(std::string* out, std::uint64_t v);
void append_s32(std::string* out, std::int32_t v);
void append_s64(std::string* out, std::int64_t v);
void append_u32_padded(std::string* out, std::uint32_t v);

}  // namespace wimg::wasm
