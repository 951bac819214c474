#include "image/base.h"

#include <string>

#include "runtime/pack/sections.h"
#include "runtime/wasm/abi.h"
#include "runtime/wasm/module.h"

namespace wimg::image {

Result<BaseKind> check_base(std::string_view bytes, std::string_view shown) {
  // The own reader's errors name the byte at fault ("byte 0: not a
  // WebAssembly module (magic ...)").
  WIMG_ASSIGN(const wasm::Module m, wasm::parse_module(bytes, shown));
  if (!m.custom_sections(pack::kManifestSectionName).empty()) {
    return make_error(ErrorKind::Input, std::string(shown) + ": is already a packed image; use its base instead");
  }
  return BaseKind{!m.custom_sections(pack::kRuntimeSectionName).empty(), wasm::is_ruby_reactor(m)};
}

}  // namespace wimg::image
