#include "runtime/inject/ir.h"

namespace wimg::inject {

std::vector<BinaryenType> expand_type(BinaryenType t) {
  std::vector<BinaryenType> v(BinaryenTypeArity(t));
  if (!v.empty()) BinaryenTypeExpand(t, v.data());
  return v;
}

std::vector<BinaryenExpressionRef> forward_params(BinaryenModuleRef m, BinaryenType params) {
  const std::vector<BinaryenType> types = expand_type(params);
  std::vector<BinaryenExpressionRef> args;
  for (BinaryenIndex i = 0; i < types.size(); ++i) args.push_back(BinaryenLocalGet(m, i, types[i]));
  return args;
}

std::vector<FunctionImport> function_imports(BinaryenModuleRef m, std::string_view module_name) {
  std::vector<FunctionImport> out;
  for (BinaryenIndex i = 0; i < BinaryenGetNumFunctions(m); ++i) {
    BinaryenFunctionRef f = BinaryenGetFunctionByIndex(m, i);
    const char* mod = BinaryenFunctionImportGetModule(f);
    if (mod == nullptr || module_name != mod) continue;
    out.push_back({BinaryenFunctionGetName(f), mod, BinaryenFunctionImportGetBase(f), BinaryenFunctionGetParams(f),
                   BinaryenFunctionGetResults(f)});
  }
  return out;
}

}  // namespace wimg::inject
