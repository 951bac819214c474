// The prepared-base cache key's second half (prepare.h). Apart from the
// injection itself: every render computes it, and wimg links this without
// libbinaryen (the injector is loaded only to prepare, injector.h).
#include "runtime/inject/interpreter.h"
#include "runtime/inject/prepare.h"

namespace wimg::inject {

Digest preparer_digest(std::string_view runtime_wasm) {
  Sha256 h;
  h.update(runtime_wasm);
  h.update(std::string_view("\0", 1));
  h.update(kInjectorRevision);
  return h.finish();
}

Digest command_preparer_digest(std::string_view runtime_wasm) {
  Sha256 h;
  h.update(preparer_digest(runtime_wasm).str());
  for (const Interpreter* i : interpreters()) {
    h.update(std::string_view("\0", 1));
    i->command_digest_parts(h);
  }
  return h.finish();
}

}  // namespace wimg::inject
