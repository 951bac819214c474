// The injector as a shared object loaded on demand. libbinaryen (10 MB) is
// needed only to prepare a base, so wimg does not link it: the injection
// (prepare.h and everything under it, with libbinaryen as its dependency)
// is built as a module (runtime/inject/module.cpp) that is embedded in
// wimg and, the first time a base is prepared, written to a memfd and
// dlopen'ed. Every other command starts without loading libbinaryen.
//
// The module's one entry point, a C function so that nothing but bytes
// crosses the boundary:
//
//   int wimg_inject_prepare_v1(const char* base, size_t base_len,
//                              const char* runtime, size_t runtime_len,
//                              const char* shown, size_t shown_len, int command,
//                              char** out, size_t* out_len);
//
// returns 0 with the prepared module in *out, or an ErrorKind (as int)
// with the error message in *out; *out is malloc'ed (the caller frees it).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/inject/prepare.h"
#include "support/result.h"

extern "C" {
using wimg_inject_prepare_fn = int (*)(const char* base, std::size_t base_len, const char* runtime,
                                       std::size_t runtime_len, const char* shown, std::size_t shown_len,
                                       int command, char** out, std::size_t* out_len);
}

namespace wimg::inject {

inline constexpr const char* kInjectorEntry = "wimg_inject_prepare_v1";

// The loaded module; unloaded when the last copy goes.
class Injector {
 public:
  // Loads the module embedded in this binary. Errors: Io (no memfd, a
  // dlopen failure: libbinaryen missing, naming the library).
  static Result<std::shared_ptr<Injector>> load();
  ~Injector();
  Injector(const Injector&) = delete;
  Injector& operator=(const Injector&) = delete;

  Result<std::string> prepare_base(std::string_view base_wasm, std::string_view runtime_wasm, std::string_view shown,
                                   const PrepareOptions& opts) const;

 private:
  Injector(void* handle, wimg_inject_prepare_fn fn) : handle_(handle), fn_(fn) {}
  void* handle_;
  wimg_inject_prepare_fn fn_;
};

// The module's bytes (embedded at build time, injector_embedded.cpp).
std::string_view injector_module();

}  // namespace wimg::inject
