#include "runtime/inject/prepare.h"

#include <nlohmann/json.hpp>

#include "runtime/guest/wimg_abi.h"
#include "runtime/inject/binaryen.h"
#include "runtime/inject/host_imports.h"
#include "runtime/inject/interpreter.h"
#include "runtime/inject/merge.h"
#include "runtime/inject/ruby_command.h"
#include "runtime/inject/vmem.h"
#include "runtime/wasm/module.h"
#include "support/digest.h"

namespace wimg::inject {

namespace {

// What the own reader knows and binaryen 108 cannot tell (docs/ARCHITECTURE.md, "Injection").
struct BaseFacts {
  InjectOptions inject;
  const Interpreter* command = nullptr;  // PrepareOptions::command: the interpreter made one
};

// The binaryen half of each interpreter entry (interpreter.h), by id.
Status make_command(const Interpreter& interp, BinaryenModuleRef guest, const Injected& injected,
                    std::string_view shown) {
  if (interp.id == cruby_interpreter().id) return make_ruby_command(guest, injected, shown);
  return make_error(ErrorKind::Internal, std::string(shown) + ": no command maker for interpreter " +
                                             std::string(interp.id));
}

Result<BaseFacts> base_facts(std::string_view base, std::string_view shown, bool command) {
  WIMG_ASSIGN(wasm::Module m, wasm::parse_module(base, shown));
  if (!m.custom_sections(kRuntimeSection).empty()) {
    return make_error(ErrorKind::Input, std::string(shown) + ": already holds a wimg runtime (a packed or prepared module); pack onto the original base");
  }
  if (m.memory_count() == 0) return make_error(ErrorKind::Input, std::string(shown) + ": has no memory; a WASI module exports one");
  BaseFacts f;
  if (command) {
    f.command = recognise_interpreter(m);
    if (f.command == nullptr) {
      return make_error(ErrorKind::Input, std::string(shown) + ": is not the reactor of " + interpreter_hints() +
                                              "; cannot make it a command");
    }
  }
  f.inject.initial_pages = initial_pages_of(m);
  for (const auto& imp : m.imports) {
    if (imp.kind == wasm::ExternKind::Memory) f.inject.max_pages = imp.limits.max;
  }
  if (!m.memories.empty()) f.inject.max_pages = m.memories[0].max;
  return f;
}

// The runtime is wimg's own build output, but a broken build must still
// fail cleanly; its start function (if any) is found here (binaryen has no getter).
Result<std::optional<std::uint32_t>> runtime_start(std::string_view rt) {
  auto m = wasm::parse_module(rt, "the embedded guest runtime");
  if (!m) return make_error(ErrorKind::Internal, m.error().message);
  return m->start;
}

}  // namespace

Result<std::string> prepare_base(std::string_view base_wasm, std::string_view runtime_wasm, std::string_view shown,
                                 const PrepareOptions& opts) {
  WIMG_ASSIGN(BaseFacts facts, base_facts(base_wasm, shown, opts.command));
  WIMG_ASSIGN(facts.inject.runtime_start, runtime_start(runtime_wasm));
  facts.inject.slots = WIMG_SLOTS;
  facts.inject.canary = opts.canary;
  std::string base_digest = sha256_of(base_wasm).str();
  std::string rt_digest = sha256_of(runtime_wasm).str();
  auto pass = [&](BinaryenModuleRef guest) -> Status {
    ModulePtr rt = read_module(runtime_wasm);
    if (!rt) return make_error(ErrorKind::Internal, "binaryen could not read the embedded guest runtime");
    auto injected = inject_runtime(guest, rt.get(), facts.inject);
    if (!injected) return Error{injected.error().kind, std::string(shown) + ": " + injected.error().message};
    if (facts.command != nullptr) WIMG_TRY(make_command(*facts.command, guest, *injected, shown));
    auto trimmed = trim_host_imports(guest);
    if (!trimmed) return Error{trimmed.error().kind, std::string(shown) + ": " + trimmed.error().message};
    nlohmann::json j = {{"base", base_digest},       {"first_slot", injected->first_slot},
                        {"region_pages", injected->region_pages}, {"runtime", rt_digest},
                        {"slots", facts.inject.slots}, {"version", kPreparedVersion}};
    if (facts.command != nullptr) j["abi"] = std::string(facts.command->command_abi);
    std::string text = j.dump();
    BinaryenAddCustomSection(guest, kRuntimeSection, text.data(), static_cast<BinaryenIndex>(text.size()));
    return {};
  };
  return run_binaryen_pass(base_wasm, shown, pass, opts.validate);
}

}  // namespace wimg::inject
