#include "cli/preparer.h"

#include "runtime/guest/embedded.h"
#include "runtime/inject/prepare.h"

namespace wimg::cli {

image::Preparer guest_preparer() {
  const std::string_view runtime = guest::runtime_wasm();
  auto prepare = [runtime](std::string_view base, std::string_view shown, image::PrepareMode mode) {
    inject::PrepareOptions opts;
    opts.ruby_command = mode == image::PrepareMode::RubyCommand;
    return inject::prepare_base(base, runtime, shown, opts);
  };
  return image::Preparer{inject::preparer_digest(runtime), inject::ruby_command_preparer_digest(runtime), prepare};
}

std::string run_cache_key(const image::Preparer& prep) {
  return sha256_of(prep.digest.str() + prep.ruby_command_digest.str()).hex().substr(0, 16);
}

}  // namespace wimg::cli
