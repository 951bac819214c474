// libFuzzer target: the Wasmfile parser must never crash or hang, whatever
// the input; a parsed plan must render. The first line of the input, when
// it starts with "@", is "--target" (so pruning is fuzzed too).
#include <cstdint>
#include <string>

#include "recipe/wasmfile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  wimg::recipe::ParseOptions opts;
  opts.build_args["A"] = "a";
  opts.build_args["EMPTY"] = "";
  if (!text.empty() && text[0] == '@') {
    auto nl = text.find('\n');
    opts.target = std::string(text.substr(1, nl == std::string_view::npos ? std::string_view::npos : nl - 1));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  auto plan = wimg::recipe::parse_wasmfile(text, "fuzz", opts);
  if (plan.ok()) (void)wimg::recipe::render_plan(*plan);
  return 0;
}
