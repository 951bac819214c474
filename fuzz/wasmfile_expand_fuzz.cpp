// libFuzzer target: variable expansion in a Wasmfile stays bounded. The
// input's lines become the values of chained ARG/ENV/LABEL instructions
// (each may use the earlier variables, "$V1$V1" doubles), so the fuzzer
// explores substitution rather than syntax. Whatever it finds, a plan that
// parses holds no word over the word limit and no more text than the plan
// limit, and a refused one is an Input error naming a Wasmfile line.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "recipe/lexer.h"
#include "recipe/wasmfile.h"

namespace r = wimg::recipe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static const char* const kinds[] = {"ARG", "ENV", "LABEL", "WORKDIR", "CMD", "COPY"};
  std::string w = "ARG B\nFROM base.wasm\nARG B\n";
  std::size_t n = 0;
  for (std::size_t p = 0; p < in.size() && n < 64; ++n) {
    auto nl = in.find('\n', p);
    std::string_view line = in.substr(p, nl == std::string_view::npos ? std::string_view::npos : nl - p);
    p = nl == std::string_view::npos ? in.size() : nl + 1;
    const char* kind = kinds[line.empty() ? 0 : static_cast<unsigned char>(line[0]) % 6];
    std::string value(line.empty() ? line : line.substr(1));
    std::string k(kind);
    if (k == "ARG" || k == "ENV" || k == "LABEL") {
      w += k + " V" + std::to_string(n) + "=" + value + "\n";
    } else if (k == "COPY") {
      w += "COPY " + value + " /d/\n";
    } else {
      w += k + " " + value + "\n";
    }
  }
  r::ParseOptions opts;
  opts.build_args["B"] = std::string(4096, 'b');
  auto plan = r::parse_wasmfile(w, "Wasmfile", opts);
  if (!plan.ok()) {
    const auto& e = plan.error();
    if (e.kind != wimg::ErrorKind::Input || e.message.rfind("Wasmfile:", 0) != 0) std::abort();
    return 0;
  }
  std::size_t total = 0;
  auto word = [&](const std::string& s) {
    if (s.size() > r::lex::WordOptions::kMaxWord) std::abort();
    total += s.size();
  };
  for (const auto& st : plan->stages) {
    for (const auto& ins : st.instructions) {
      for (const auto& a : ins.args) word(a);
      for (const auto& p : ins.pairs) {
        word(p.key);
        if (p.value) word(*p.value);
      }
      word(ins.path);
    }
  }
  if (total > r::kMaxExpandedBytes) std::abort();
  (void)r::render_plan(*plan);
  return 0;
}
