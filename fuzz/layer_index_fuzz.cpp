// libFuzzer target: the layer index decoder. Anything it accepts must
// re-encode to the identical bytes (the canonical-form guarantee).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "layers/index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto entries = wimg::layers::decode_index(bytes, "fuzz");
  if (!entries.ok()) return 0;
  auto again = wimg::layers::encode_index(*entries);
  if (!again.ok() || *again != bytes) std::abort();
  return 0;
}
