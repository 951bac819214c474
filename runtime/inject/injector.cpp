#include "runtime/inject/injector.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "support/fs.h"

namespace wimg::inject {

Result<std::shared_ptr<Injector>> Injector::load() {
  const std::string_view bytes = injector_module();
  fs::UniqueFd fd(::memfd_create("wimg-inject", MFD_CLOEXEC));
  if (!fd.valid()) return fs::os_error("cannot create", "a memfd for the injector", errno);
  WIMG_TRY(fs::write_all(fd.get(), bytes.data(), bytes.size(), "the injector's memfd"));
  const std::string path = "/proc/self/fd/" + std::to_string(fd.get());
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return make_error(ErrorKind::Io, std::string("cannot load the injector (it needs libbinaryen): ") +
                                         (why != nullptr ? why : "dlopen failed"));
  }
  auto fn = reinterpret_cast<wimg_inject_prepare_fn>(::dlsym(handle, kInjectorEntry));
  if (fn == nullptr) {
    ::dlclose(handle);
    return make_error(ErrorKind::Io, std::string("the injector has no ") + kInjectorEntry);
  }
  return std::shared_ptr<Injector>(new Injector(handle, fn));
}

Injector::~Injector() { ::dlclose(handle_); }

Result<std::string> Injector::prepare_base(std::string_view base_wasm, std::string_view runtime_wasm,
                                           std::string_view shown, const PrepareOptions& opts) const {
  char* out = nullptr;
  std::size_t len = 0;
  const int kind = fn_(base_wasm.data(), base_wasm.size(), runtime_wasm.data(), runtime_wasm.size(), shown.data(),
                       shown.size(), opts.command ? 1 : 0, &out, &len);
  std::string text(out != nullptr ? out : "", out != nullptr ? len : 0);
  std::free(out);
  if (kind != 0) return make_error(static_cast<ErrorKind>(kind), std::move(text));
  return text;
}

}  // namespace wimg::inject
