// What may be a base (the interpreter an image stacks its layers onto): the
// one check every caller uses (`image create --base`, `build FROM x.wasm`,
// `pack`, rendering, `import`), so a module refused by one is refused by
// all, at the first command that sees it.
#pragma once

#include <string_view>

#include "support/result.h"

namespace wimg::image {

struct BaseKind {
  bool prepared = false;      // carries a wimg runtime section already (prepared by a wimg)
  bool ruby_reactor = false;  // runtime/wasm/abi.h: wasm::is_ruby_reactor
};

// The own reader over the whole module; a packed image (a wimg.manifest
// section) is refused: its base is the base. Input error naming `shown`.
Result<BaseKind> check_base(std::string_view bytes, std::string_view shown);

}  // namespace wimg::image
