// The registry of interpreters (interpreter.h): the one place entries are
// listed. A new interpreter is one entry here plus its own files.
#include "runtime/inject/interpreter.h"

#include <array>

#include "runtime/inject/ruby_base.h"
#include "runtime/wasm/abi.h"

namespace wimg::inject {

std::span<const Interpreter* const> interpreters() {
  static const std::array<const Interpreter*, 1> kAll = {&cruby_interpreter()};
  return kAll;
}

const Interpreter* recognise_interpreter(const wasm::Module& m) {
  if (wasm::is_command(m)) return nullptr;
  for (const Interpreter* i : interpreters()) {
    if (i->recognises(m)) return i;
  }
  return nullptr;
}

const Interpreter* interpreter_of_command_abi(std::string_view abi) {
  for (const Interpreter* i : interpreters()) {
    if (!abi.empty() && i->command_abi == abi) return i;
  }
  return nullptr;
}

std::string interpreter_hints() {
  std::string out;
  for (const Interpreter* i : interpreters()) {
    if (!out.empty()) out += " or ";
    out += i->base_hint;
  }
  return out;
}

}  // namespace wimg::inject
