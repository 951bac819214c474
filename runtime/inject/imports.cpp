#include "runtime/inject/imports.h"

#include <map>

#include "runtime/inject/ir.h"

namespace wimg::inject {

Result<std::vector<ReplacedImport>> replace_wasi_imports(BinaryenModuleRef module) {
  std::vector<ReplacedImport> done;
  // A module may import one WASI function twice under two internal names
  // (AssemblyScript and some linkers do): the second one shares the first
  // one's host import, which must then have the same signature.
  std::map<std::string, const FunctionImport*> added;  // base -> the import that added its host
  const std::vector<FunctionImport> imports = function_imports(module, kWasiModule);
  for (const FunctionImport& imp : imports) {
    std::string host = std::string(kHostPrefix) + imp.base;
    auto first = added.find(imp.base);
    if (first == added.end() && BinaryenGetFunction(module, host.c_str()) != nullptr) {
      return make_error(ErrorKind::Input, "the module already defines " + host + "; was it processed by wimg twice?");
    }
    if (first != added.end() && (first->second->params != imp.params || first->second->results != imp.results)) {
      return make_error(ErrorKind::Input, "the module imports " + std::string(kWasiModule) + "." + imp.base +
                                              " twice with different signatures");
    }
    // Remove first: the definition takes over the very same internal name.
    BinaryenRemoveFunction(module, imp.internal.c_str());
    if (first == added.end()) {
      BinaryenAddFunctionImport(module, host.c_str(), kWasiModule, imp.base.c_str(), imp.params, imp.results);
      added.emplace(imp.base, &imp);
    }
    auto args = forward_params(module, imp.params);
    BinaryenExpressionRef body =
        BinaryenCall(module, host.c_str(), args.data(), static_cast<BinaryenIndex>(args.size()), imp.results);
    BinaryenAddFunction(module, imp.internal.c_str(), imp.params, imp.results, nullptr, 0, body);
    done.push_back({imp.base, imp.internal, host});
  }
  return done;
}

}  // namespace wimg::inject
