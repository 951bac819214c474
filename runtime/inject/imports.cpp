#include "runtime/inject/imports.h"

#include <cstring>

namespace wimg::inject {

namespace {

struct ImportInfo {
  std::string internal, base;
  BinaryenType params, results;
};

std::vector<ImportInfo> wasi_imports(BinaryenModuleRef module) {
  std::vector<ImportInfo> out;
  BinaryenIndex n = BinaryenGetNumFunctions(module);
  for (BinaryenIndex i = 0; i < n; ++i) {
    BinaryenFunctionRef f = BinaryenGetFunctionByIndex(module, i);
    const char* mod = BinaryenFunctionImportGetModule(f);
    if (mod == nullptr || std::strcmp(mod, kWasiModule) != 0) continue;
    out.push_back({BinaryenFunctionGetName(f), BinaryenFunctionImportGetBase(f), BinaryenFunctionGetParams(f),
                   BinaryenFunctionGetResults(f)});
  }
  return out;
}

// (local.get 0) ... (local.get n-1) for the definition's forwarding call.
std::vector<BinaryenExpressionRef> forward_params(BinaryenModuleRef module, BinaryenType params) {
  std::vector<BinaryenType> types(BinaryenTypeArity(params));
  if (!types.empty()) BinaryenTypeExpand(params, types.data());
  std::vector<BinaryenExpressionRef> args;
  for (BinaryenIndex i = 0; i < types.size(); ++i) args.push_back(BinaryenLocalGet(module, i, types[i]));
  return args;
}

}  // namespace

Result<std::vector<ReplacedImport>> replace_wasi_imports(BinaryenModuleRef module) {
  std::vector<ReplacedImport> done;
  for (const ImportInfo& imp : wasi_imports(module)) {
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
