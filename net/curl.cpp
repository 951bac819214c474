#include "net/curl.h"

#include <dlfcn.h>

namespace wimg::net {

namespace {

Result<const Curl*> load() {
  void* lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    return make_error(ErrorKind::NotFound, std::string("cannot load libcurl (install Debian's libcurl4): ") + ::dlerror());
  }
  static Curl c;
  bool ok = true;
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(lib, name));
    ok = ok && fn != nullptr;
  };
  sym(c.easy_init, "curl_easy_init");
  sym(c.easy_cleanup, "curl_easy_cleanup");
  sym(c.easy_reset, "curl_easy_reset");
  sym(c.easy_setopt, "curl_easy_setopt");
  sym(c.easy_perform, "curl_easy_perform");
  sym(c.easy_getinfo, "curl_easy_getinfo");
  sym(c.easy_strerror, "curl_easy_strerror");
  sym(c.easy_escape, "curl_easy_escape");
  sym(c.free, "curl_free");
  sym(c.slist_append, "curl_slist_append");
  sym(c.slist_free_all, "curl_slist_free_all");
  CURLcode (*global_init)(long) = nullptr;
  sym(global_init, "curl_global_init");
  if (!ok) return make_error(ErrorKind::NotFound, "libcurl.so.4 lacks a curl_easy_*/curl_slist_* function wimg needs");
  // Once, before any thread makes a handle: curl_easy_init would otherwise
  // do it lazily, which is not thread-safe on every build of libcurl.
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return make_error(ErrorKind::Io, "libcurl: curl_global_init failed");
  return &c;
}

}  // namespace

Result<const Curl*> curl() {
  static const Result<const Curl*> loaded = load();  // thread-safe static init
  return loaded;
}

Result<Easy> easy() {
  WIMG_ASSIGN(const Curl* api, curl());
  CURL* h = api->easy_init();
  if (h == nullptr) return make_error(ErrorKind::Io, "libcurl: cannot create a transfer handle");
  return Easy(h, EasyDeleter{api});
}

std::string escape(const Curl& api, CURL* h, const std::string& s) {
  char* e = api.easy_escape(h, s.c_str(), static_cast<int>(s.size()));
  std::string out = e != nullptr ? e : "";
  api.free(e);
  return out;
}

}  // namespace wimg::net
