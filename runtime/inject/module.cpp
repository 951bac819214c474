// The injector module's entry point (injector.h): prepare_base behind a C
// function. Built as a shared object linking libbinaryen, embedded in wimg.
#include <cstdlib>
#include <cstring>

#include "runtime/inject/injector.h"

namespace {

char* copy_out(std::string_view s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p != nullptr) {
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
  }
  return p;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int wimg_inject_prepare_v1(
    const char* base, std::size_t base_len, const char* runtime, std::size_t runtime_len, const char* shown,
    std::size_t shown_len, int command, char** out, std::size_t* out_len) {
  wimg::inject::PrepareOptions opts;
  opts.command = command != 0;
  auto r = wimg::inject::prepare_base(std::string_view(base, base_len), std::string_view(runtime, runtime_len),
                                      std::string_view(shown, shown_len), opts);
  const std::string_view text = r.ok() ? std::string_view(*r) : std::string_view(r.error().message);
  *out = copy_out(text);
  *out_len = *out != nullptr ? text.size() : 0;
  if (*out == nullptr) return static_cast<int>(wimg::ErrorKind::Io);
  return r.ok() ? 0 : static_cast<int>(r.error().kind);
}
