#include "runtime/wasm/leb128.h"

#include <type_traits>

namespace wimg::wasm {
namespace {

// One decoder for all four types: T is the result type; the maximum length
// and the rule for the last byte follow from its width and signedness.
template <typename T>
LebFault decode(std::string_view in, std::size_t* pos, T* out) {
  using U = std::make_unsigned_t<T>;
  constexpr unsigned kBits = sizeof(T) * 8;
  constexpr unsigned kMaxBytes = (kBits + 6) / 7;
  U value = 0;
  unsigned shift = 0;
  std::size_t p = *pos;
  std::uint8_t byte = 0;
  for (unsigned i = 0; i < kMaxBytes; ++i) {
    if (p >= in.size()) return LebFault::Truncated;
    byte = static_cast<std::uint8_t>(in[p++]);
    if (i == kMaxBytes - 1) {
      if (byte & 0x80) return LebFault::TooLong;
      // Only kBits - shift bits of this byte carry value (4 for 32-bit,
      // 1 for 64-bit); the spec requires the rest to be zero or, for
      // signed types, copies of the sign bit.
      const unsigned used = kBits - shift;
      if constexpr (std::is_signed_v<T>) {
        const auto ext_mask = static_cast<std::uint8_t>(0x7f & ~((1u << (used - 1)) - 1));
        const auto ext = static_cast<std::uint8_t>(byte & ext_mask);
        if (ext != 0 && ext != ext_mask) return LebFault::UnusedBits;
      } else {
        if ((byte >> used) != 0) return LebFault::UnusedBits;
      }
    }
    value |= static_cast<U>(static_cast<U>(byte & 0x7f) << shift);
    shift += 7;
    if (!(byte & 0x80)) break;
  }
  if constexpr (std::is_signed_v<T>) {
    // Sign-extend a short encoding from bit 6 of its last byte.
    if (shift < kBits && (byte & 0x40)) value |= static_cast<U>(~U{0} << shift);
  }
  *out = static_cast<T>(value);
  *pos = p;
  return LebFault::None;
}

template <typename U>
std::size_t put_unsigned(char* out, U v) {
  std::size_t n = 0;
  do {
    auto byte = static_cast<std::uint8_t>(v & 0x7f);
    v >>= 7;
    if (v != 0) byte |= 0x80;
    out[n++] = static_cast<char>(byte);
  } while (v != 0);
  return n;
}

template <typename S>
std::size_t put_signed(char* out, S v) {
  std::size_t n = 0;
  for (;;) {
    auto byte = static_cast<std::uint8_t>(v & 0x7f);
    v >>= 7;  // arithmetic shift (guaranteed since C++20)
    // Done once the rest is pure sign and bit 6 already shows that sign.
    const bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
    if (!done) byte |= 0x80;
    out[n++] = static_cast<char>(byte);
    if (done) return n;
  }
}

template <typename T>
Result<T> read(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what) {
  T v{};
  const std::size_t start = *pos;
  LebFault f = decode(in, pos, &v);
  if (f == LebFault::None) return v;
  std::string msg = std::string(shown) + ": byte " + std::to_string(start) + ": " + std::string(what) + ": " +
                    std::string(describe(f, (sizeof(T) * 8 + 6) / 7));
  if (f == LebFault::Truncated) msg += " (" + std::to_string(in.size()) + " bytes)";
  return make_error(ErrorKind::Input, std::move(msg));
}

template <typename F, typename T>
void append_with(std::string* out, F put, T v) {
  char buf[kMaxLeb64];
  out->append(buf, put(buf, v));
}

}  // namespace

std::string_view describe(LebFault fault, std::size_t max_bytes) {
  switch (fault) {
    case LebFault::None:
      return "LEB128 is valid";
    case LebFault::Truncated:
      return "LEB128 runs past the end of the input";
    case LebFault::TooLong:
      return max_bytes == kMaxLeb32 ? "LEB128 is longer than 5 bytes" : "LEB128 is longer than 10 bytes";
    case LebFault::UnusedBits:
      return "LEB128 sets unused bits in its last byte (value out of range)";
  }
  return "LEB128 is invalid";
}

LebFault decode_u32(std::string_view in, std::size_t* pos, std::uint32_t* out) {
  return decode(in, pos, out);
}
LebFault decode_u64(std::string_view in, std::size_t* pos, std::uint64_t* out) {
  return decode(in, pos, out);
}
LebFault decode_s32(std::string_view in, std::size_t* pos, std::int32_t* out) {
  return decode(in, pos, out);
}
LebFault decode_s64(std::string_view in, std::size_t* pos, std::int64_t* out) {
  return decode(in, pos, out);
}

Result<std::uint32_t> read_u32(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what) {
  return read<std::uint32_t>(in, pos, shown, what);
}
Result<std::uint64_t> read_u64(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what) {
  return read<std::uint64_t>(in, pos, shown, what);
}
Result<std::int32_t> read_s32(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what) {
  return read<std::int32_t>(in, pos, shown, what);
}
Result<std::int64_t> read_s64(std::string_view in, std::size_t* pos, std::string_view shown, std::string_view what) {
  return read<std::int64_t>(in, pos, shown, what);
}

std::size_t put_u32(char* out, std::uint32_t v) {
  return put_unsigned(out, v);
}
std::size_t put_u64(char* out, std::uint64_t v) {
  return put_unsigned(out, v);
}
std::size_t put_s32(char* out, std::int32_t v) {
  return put_signed(out, v);
}
std::size_t put_s64(char* out, std::int64_t v) {
  return put_signed(out, v);
}

std::size_t size_u32(std::uint32_t v) {
  return size_u64(v);
}
std::size_t size_u64(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
std::size_t size_s32(std::int32_t v) {
  return size_s64(v);
}
std::size_t size_s64(std::int64_t v) {
  char buf[kMaxLeb64];
  return put_signed(buf, v);
}

void put_u32_padded(char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<char>(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out[4] = static_cast<char>(static_cast<std::uint8_t>(v));  // at most 0x0f: the top 4 bits
}

void append_u32(std::string* out, std::uint32_t v) {
  append_with(out, put_unsigned<std::uint32_t>, v);
}
void append_u64(std::string* out, std::uint64_t v) {
  append_with(out, put_unsigned<std::uint64_t>, v);
}
void append_s32(std::string* out, std::int32_t v) {
  append_with(out, put_signed<std::int32_t>, v);
}
void append_s64(std::string* out, std::int64_t v) {
  append_with(out, put_signed<std::int64_t>, v);
}
void append_u32_padded(std::string* out, std::uint32_t v) {
  char buf[kMaxLeb32];
  put_u32_padded(buf, v);
  out->append(buf, kMaxLeb32);
}

}  // namespace wimg::wasm
