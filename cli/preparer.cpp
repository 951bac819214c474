#include "cli/preparer.h"

#include "cli/snapshot.h"

#include "runtime/guest/embedded.h"
#include "runtime/inject/injector.h"
#include "runtime/inject/prepare.h"

namespace wimg::cli {

image::Preparer guest_preparer(const Context* ctx) {
  const std::string_view runtime = guest::runtime_wasm();
  // Loaded on the first prepare only: no other command loads libbinaryen.
  auto injector = std::make_shared<std::shared_ptr<inject::Injector>>();
  auto prepare = [runtime, injector](std::string_view base, std::string_view shown,
                                     image::PrepareMode mode) -> Result<std::string> {
    if (!*injector) {
      WIMG_ASSIGN(*injector, inject::Injector::load());
    }
    inject::PrepareOptions opts;
    opts.command = mode == image::PrepareMode::Command;
    return (*injector)->prepare_base(base, runtime, shown, opts);
  };
  image::Preparer p{inject::preparer_digest(runtime), inject::command_preparer_digest(runtime), prepare, {}};
  if (ctx != nullptr) p.snapshotter = wizer_snapshotter(*ctx);
  return p;
}

std::string run_cache_key(const image::Preparer& prep) {
  return sha256_of(prep.digest.str() + prep.command_digest.str()).hex().substr(0, 16);
}

}  // namespace wimg::cli
