#include "runtime/pack/compress.h"

#include <lz4.h>

#include "runtime/guest/wimg_abi.h"
#include "support/le.h"

namespace wimg::pack {

namespace {

static_assert(WIMG_LZ4_BOUND(WIMG_LZ4_CHUNK) == LZ4_COMPRESSBOUND(WIMG_LZ4_CHUNK),
              "the runtime's buffer must hold any chunk liblz4 writes");

std::uint64_t chunk_count(std::uint64_t size) {
  return size / WIMG_LZ4_CHUNK + (size % WIMG_LZ4_CHUNK != 0 ? 1 : 0);
}

// Uncompressed size of chunk i (i < chunk_count(size)).
std::uint32_t chunk_size(std::uint64_t size, std::uint64_t i) {
  const std::uint64_t left = size - i * WIMG_LZ4_CHUNK;
  return static_cast<std::uint32_t>(left < WIMG_LZ4_CHUNK ? left : WIMG_LZ4_CHUNK);
}

void put_u32_at(std::string& out, std::size_t at, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

bool lz4_worth(std::uint64_t size, std::uint64_t stored) {
  // stored <= size * 15 / 16 without the rounding (and no overflow:
  // contents and stored forms are below 4 GiB in a segment).
  return size >= kLz4MinSize && size <= 0xffffffffu && stored <= 0xffffffffu && 16 * stored <= 15 * size;
}

std::uint64_t lz4_chunk_count(std::uint64_t size) { return chunk_count(size); }

bool compress_chunk(std::string_view chunk, std::string& out) {
  const int n = static_cast<int>(chunk.size());
  const std::size_t at = out.size();
  out.resize(at + LZ4_COMPRESSBOUND(n));
  const int w = LZ4_compress_default(chunk.data(), out.data() + at, n, LZ4_COMPRESSBOUND(n));
  out.resize(w > 0 ? at + static_cast<std::size_t>(w) : at);
  return w > 0;
}

bool compress_content(std::string_view bytes, std::string& out) {
  const std::uint64_t size = bytes.size();
  if (size < kLz4MinSize || size > 0xffffffffu) return false;
  const std::uint64_t count = chunk_count(size);
  const std::uint64_t limit = 15 * size / 16;  // the largest stored form worth it
  const std::size_t start = out.size();
  const std::size_t table = start + 4;
  const std::uint64_t head = 4 + 4 * count;
  if (head > limit) return false;
  le::put(out, static_cast<std::uint32_t>(count));
  out.resize(start + head, '\0');
  const std::size_t data = out.size();
  for (std::uint64_t i = 0; i < count; ++i) {
    // Failure cannot happen with a bound-sized destination: store raw then.
    const bool ok = compress_chunk(bytes.substr(i * WIMG_LZ4_CHUNK, chunk_size(size, i)), out);
    if (!ok || out.size() - start > limit) {
      out.resize(start);
      return false;
    }
    put_u32_at(out, table + 4 * i, static_cast<std::uint32_t>(out.size() - data));
  }
  return true;
}

std::string check_stored_form(std::string_view stored, std::uint64_t size) {
  le::Reader r(stored);
  std::uint32_t count = 0;
  if (!r.get(&count)) return "stored form shorter than its chunk count";
  if (count != chunk_count(size)) {
    return "chunk count " + std::to_string(count) + " for " + std::to_string(size) + " bytes (want " +
           std::to_string(chunk_count(size)) + ")";
  }
  if (r.left() / 4 < count) return "chunk table is truncated";
  const std::uint64_t data = 4 + 4ull * count;
  std::uint64_t prev = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t end = 0;
    r.get(&end);
    const std::uint32_t n = chunk_size(size, i);
    // An LZ4 block turns one input byte into at most 255 output bytes (a
    // match length extension byte), so shorter chunks cannot be right:
    // refused before decoding allocates `size` bytes for them.
    const std::uint64_t min = (n + 254) / 255, max = WIMG_LZ4_BOUND(std::uint64_t{n});
    if (end <= prev || end - prev < min || end - prev > max) {
      return "chunk " + std::to_string(i) + " ends at " + std::to_string(end) + " after " + std::to_string(prev) +
             " (" + std::to_string(min) + ".." + std::to_string(max) + " bytes for " + std::to_string(n) + ")";
    }
    prev = end;
  }
  if (data + prev != stored.size()) {
    return "stored form is " + std::to_string(stored.size()) + " bytes, its chunks end at " +
           std::to_string(data + prev);
  }
  return "";
}

Result<std::string> decompress_content(std::string_view stored, std::uint64_t size, const std::string& who) {
  const std::string bad = check_stored_form(stored, size);
  if (!bad.empty()) return make_error(ErrorKind::Corrupt, who + ": " + bad);
  const std::uint64_t count = chunk_count(size);
  std::string out(size, '\0');
  le::Reader r(stored, 4);
  const std::uint64_t data = 4 + 4 * count;
  std::uint32_t prev = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint32_t end = 0;
    r.get(&end);
    const std::uint32_t n = chunk_size(size, i);
    const int got = LZ4_decompress_safe(stored.data() + data + prev, out.data() + i * WIMG_LZ4_CHUNK,
                                        static_cast<int>(end - prev), static_cast<int>(n));
    if (got != static_cast<int>(n)) {
      return make_error(ErrorKind::Corrupt, who + ": chunk " + std::to_string(i) + " of its LZ4 stored form " +
                                                (got < 0 ? std::string("is not a valid LZ4 block")
                                                         : "decodes to " + std::to_string(got) + " bytes, not " +
                                                               std::to_string(n)));
    }
    prev = end;
  }
  return out;
}

}  // namespace wimg::pack
