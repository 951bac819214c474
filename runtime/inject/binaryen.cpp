#include "runtime/inject/binaryen.h"

#include <cstdlib>
#include <memory>

#include "runtime/inject/isolate.h"
#include "runtime/wasm/module.h"

namespace wimg::inject {

namespace {

// Runs in the isolated child only.
Result<std::string> pass_in_child(std::string_view wasm, std::string_view shown, const ModulePass& pass,
                                  bool validate) {
  ModulePtr m = read_module(wasm);
  if (!m) return make_error(ErrorKind::Input, std::string(shown) + ": binaryen could not read the module");
  WIMG_TRY(pass(m.get()));
  if (validate && !BinaryenModuleValidate(m.get())) {
    return make_error(ErrorKind::Input, std::string(shown) + ": the module binaryen produced does not validate");
  }
  BinaryenModuleAllocateAndWriteResult out = BinaryenModuleAllocateAndWrite(m.get(), nullptr);
  std::string bytes(static_cast<const char*>(out.binary), out.binaryBytes);
  std::free(out.binary);
  std::free(out.sourceMap);
  return bytes;
}

}  // namespace

ModulePtr read_module(std::string_view wasm) {
  std::string copy(wasm);  // binaryen takes a mutable buffer
  ModulePtr m(BinaryenModuleRead(copy.data(), copy.size()));
  // Without bulk-memory binaryen drops the DataCount section and V8 then
  // rejects memory.init / data.drop (docs/ARCHITECTURE.md, "Injection").
  if (m) BinaryenModuleSetFeatures(m.get(), BinaryenFeatureAll());
  return m;
}

Status check_injectable(std::string_view wasm, std::string_view shown) {
  WIMG_ASSIGN(wasm::Module m, wasm::parse_module(wasm, shown));
  auto refuse = [&](const std::string& why) { return make_error(ErrorKind::Input, std::string(shown) + ": " + why); };
  for (const auto& mem : m.memories) {
    if (mem.shared) return refuse("shared memory (threads) is not supported: the guest runtime is single-threaded");
    if (mem.memory64) return refuse("64-bit memory (memory64) is not supported");
  }
  for (const auto& imp : m.imports) {
    if (imp.kind == wasm::ExternKind::Memory && imp.limits.shared) {
      return refuse("an imported shared memory is not supported: the guest runtime is single-threaded");
    }
    if (imp.kind == wasm::ExternKind::Memory && imp.limits.memory64) return refuse("64-bit memory (memory64) is not supported");
  }
  if (m.memory_count() > 1) return refuse("more than one memory (multi-memory) is not supported");
  return {};
}

Result<std::string> run_binaryen_pass(std::string_view wasm, std::string_view shown, const ModulePass& pass,
                                      bool validate) {
  WIMG_TRY(check_injectable(wasm, shown));
  return run_isolated([&] { return pass_in_child(wasm, shown, pass, validate); },
                      "binaryen processing " + std::string(shown));
}

Result<std::string> binaryen_roundtrip(std::string_view wasm, std::string_view shown) {
  return run_binaryen_pass(wasm, shown, [](BinaryenModuleRef) { return Status{}; });
}

}  // namespace wimg::inject
