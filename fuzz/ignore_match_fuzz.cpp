// libFuzzer target: the .wimgignore matcher (a bit-parallel NFA) must agree
// with the former backtracking matcher on every pattern and path, for both
// questions a walk asks (does it apply to the path or a parent; could it
// apply below a directory). Input: "<pattern>\n<path>".
#include <cstdint>
#include <cstdlib>
#include <string>

#include "layers/ignore.h"

namespace ii = wimg::layers::ignore_internal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nl = text.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto tokens = ii::compile_pattern(text.substr(0, nl), nullptr);
  if (!tokens) return 0;
  std::u32string path = ii::decode_path(text.substr(nl + 1));
  if (path.size() > 512) return -1;  // the oracle is quadratic in the path
  const ii::Automaton nfa = ii::build_automaton(*tokens);
  for (auto goal : {ii::Goal::kPathOrParent, ii::Goal::kSomeContinuation}) {
    if (ii::match(nfa, path, goal) != ii::reference_match(*tokens, path, goal)) std::abort();
  }
  return 0;
}
