// libFuzzer target: .wimgignore parsing and matching must never crash or hang.
#include <cstdint>
#include <string>

#include "layers/ignore.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nl = text.find('\n');
  auto rules = wimg::layers::IgnoreRules::parse(text.substr(nl == std::string_view::npos ? 0 : nl + 1), "fuzz");
  if (!rules.ok()) return 0;
  std::string path(text.substr(0, nl == std::string_view::npos ? 0 : nl));
  (void)rules->excluded(path);
  (void)rules->must_descend(path);
  return 0;
}
