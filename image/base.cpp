#include "image/base.h"

#include <string>

#include "runtime/pack/sections.h"
#include "runtime/wasm/abi.h"

namespace wimg::image {

BaseInfo classify_base(const wasm::Module& m) {
  // A packed module carries a wimg.runtime section too: packed first.
  if (!m.custom_sections(pack::kManifestSectionName).empty()) return {BaseClass::Packed};
  if (!m.custom_sections(pack::kRuntimeSectionName).empty()) return {BaseClass::Prepared};
  if (wasm::is_command(m)) return {BaseClass::Command};
  if (const inject::Interpreter* i = inject::recognise_interpreter(m)) return {BaseClass::InterpreterReactor, i};
  return {BaseClass::Reactor};
}

Result<BaseInfo> check_base(std::string_view bytes, std::string_view shown, BaseUse use) {
  // The own reader's errors name the byte at fault ("byte 0: not a
  // WebAssembly module (magic ...)").
  WIMG_ASSIGN(const wasm::Module m, wasm::parse_module(bytes, shown));
  const BaseInfo info = classify_base(m);
  if (info.cls == BaseClass::Packed) {
    return make_error(ErrorKind::Input, std::string(shown) + ": is already a packed image; use its base instead");
  }
  if (info.cls == BaseClass::Prepared && use == BaseUse::Import) {
    return make_error(ErrorKind::Input, std::string(shown) +
                                            ": already carries a wimg runtime (a prepared base); import the original module");
  }
  return info;
}

}  // namespace wimg::image
