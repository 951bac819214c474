#include "cli/preparer.h"

#include "runtime/guest/embedded.h"
#include "runtime/inject/prepare.h"

namespace wimg::cli {

image::Preparer guest_preparer() {
  const std::string_view runtime = guest::runtime_wasm();
  return image::Preparer{inject::preparer_digest(runtime), [runtime](std::string_view base, std::string_view shown) {
                           return inject::prepare_base(base, runtime, shown);
                         }};
}

}  // namespace wimg::cli
