#include "runtime/inject/imports.h"

#include "runtime/inject/ir.h"

namespace wimg::inject {

Result<std::vector<ReplacedImport>> replace_wasi_imports(BinaryenModuleRef module) {
  std::vector<ReplacedImport> done;
  for (const FunctionImport& imp : function_imports(module, kWasiModule)) {
    std::string host = "wimg$host$" + imp.base;
    if (BinaryenGetFunction(module, host.c_str()) != nullptr) {
      return make_error(ErrorKind::Input, "the module already defines " + host + "; was it processed by wimg twice?");
    }
    // Remove first: the definition takes over the very same internal name.
    BinaryenRemoveFunction(module, imp.internal.c_str());
    BinaryenAddFunctionImport(module, host.c_str(), kWasiModule, imp.base.c_str(), imp.params, imp.results);
    auto args = forward_params(module, imp.params);
    BinaryenExpressionRef body =
        BinaryenCall(module, host.c_str(), args.data(), static_cast<BinaryenIndex>(args.size()), imp.results);
    BinaryenAddFunction(module, imp.internal.c_str(), imp.params, imp.results, nullptr, 0, body);
    done.push_back({imp.base, imp.internal, host});
  }
  return done;
}

}  // namespace wimg::inject
