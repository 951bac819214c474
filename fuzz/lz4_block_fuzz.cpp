// libFuzzer target: the guest runtime's LZ4 block decoder
// (runtime/guest/lz4.c), built for the host under ASan/UBSan. Input:
// mode byte, then
//   mode even: want:u16le (+ bit 0 of the mode byte's bit 1: +65536) and
//              a block; the decoder must stay inside both buffers, and a
//              block it accepts must decode identically with liblz4;
//   mode odd:  bytes to compress with liblz4; the decoder must give them
//              back exactly.
#include <lz4.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "runtime/guest/lz4.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  ++data;
  --size;
  if (mode & 1) {
    if (size > 65536) return 0;
    std::unique_ptr<char[]> block(new char[LZ4_COMPRESSBOUND(65536)]);
    const int n = LZ4_compress_default(reinterpret_cast<const char*>(data), block.get(), static_cast<int>(size),
                                       LZ4_COMPRESSBOUND(65536));
    if (n <= 0) std::abort();
    std::unique_ptr<unsigned char[]> in(new unsigned char[n]);
    std::memcpy(in.get(), block.get(), static_cast<std::size_t>(n));
    std::unique_ptr<unsigned char[]> out(new unsigned char[size + 1]);
    if (wrt_lz4_block(in.get(), static_cast<unsigned int>(n), out.get(), static_cast<unsigned int>(size)) != 0)
      std::abort();
    if (size != 0 && std::memcmp(out.get(), data, size) != 0) std::abort();
    return 0;
  }
  if (size < 2) return 0;
  const unsigned int want = (data[0] | data[1] << 8) + ((mode & 2) ? 65536u : 0u);
  data += 2;
  size -= 2;
  // Exactly sized heap copies: ASan flags any access outside them.
  std::unique_ptr<unsigned char[]> in(new unsigned char[size + 1]);
  std::memcpy(in.get(), data, size);
  std::unique_ptr<unsigned char[]> out(new unsigned char[want + 1]);
  if (wrt_lz4_block(in.get(), static_cast<unsigned int>(size), out.get(), want) != 0) return 0;
  std::unique_ptr<char[]> ref(new char[want + 1]);
  if (size == 0) std::abort();  // an empty input is never a block
  const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(in.get()), ref.get(), static_cast<int>(size),
                                      static_cast<int>(want));
  if (got != static_cast<int>(want) || std::memcmp(out.get(), ref.get(), want) != 0) std::abort();
  return 0;
}
