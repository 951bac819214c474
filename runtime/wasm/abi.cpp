#include "runtime/wasm/abi.h"

namespace wimg::wasm {

const Export* find_function_export(const Module& m, std::string_view name, bool prefix) {
  for (const Export& e : m.exports) {
    if (e.kind != ExternKind::Func) continue;
    if (prefix ? e.name.starts_with(name) : e.name == name) return &e;
  }
  return nullptr;
}

bool is_command(const Module& m) { return find_function_export(m, "_start") != nullptr; }

}  // namespace wimg::wasm
