// libFuzzer target: archive import (libarchive + LayerBuilder rules). Every
// accepted archive must yield a canonical layer; nothing is committed.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "layers/archive.h"
#include "layers/index.h"
#include "store/batch.h"

namespace {
// One scratch store per fuzzing process (batches are never committed),
// removed when the process exits.
struct ScratchStore {
  std::string dir;
  wimg::store::Store store;
  ScratchStore() : dir(make_dir()), store(*wimg::store::Store::open(dir + "/store")) {}
  ~ScratchStore() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  static std::string make_dir() {
    char tmpl[] = "/tmp/wimg-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    return tmpl;
  }
};

wimg::store::Store& fuzz_store() {
  static ScratchStore scratch;
  return scratch.store;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wimg::store::Batch batch(fuzz_store(), wimg::store::BatchLimits{1u << 30, 1ull << 40});
  wimg::layers::LayerBuilder builder("fuzz.tar");
  wimg::layers::ImportOptions opts;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (!wimg::layers::read_archive_memory(bytes, "fuzz.tar", batch, builder, opts).ok()) return 0;
  auto entries = builder.finish();
  if (!entries.ok()) return 0;
  auto index = wimg::layers::encode_index(*entries);
  if (!index.ok()) std::abort();  // the builder must only produce canonical layers
  auto back = wimg::layers::decode_index(*index, "fuzz");
  if (!back.ok() || *back != *entries) std::abort();
  return 0;
}
