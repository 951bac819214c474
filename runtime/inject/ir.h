// Small helpers over binaryen 108's C API shared by the injection steps
// (merge.cpp, ruby_command.cpp, imports.cpp): building expressions and
// functions, forwarding parameters, listing function imports.
#pragma once

#include <binaryen-c.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wimg::inject {

struct Ir {
  BinaryenModuleRef m;
  BinaryenType i32 = BinaryenTypeInt32();
  BinaryenType none = BinaryenTypeNone();

  BinaryenExpressionRef c(std::uint32_t v) const {
    return BinaryenConst(m, BinaryenLiteralInt32(static_cast<std::int32_t>(v)));
  }
  // local.get of an i32 local
  BinaryenExpressionRef get(BinaryenIndex i) const { return BinaryenLocalGet(m, i, i32); }
  BinaryenExpressionRef block(std::vector<BinaryenExpressionRef> xs, const char* name = nullptr,
                              BinaryenType t = BinaryenTypeNone()) const {
    return BinaryenBlock(m, name, xs.data(), static_cast<BinaryenIndex>(xs.size()), t);
  }
  BinaryenExpressionRef call(const std::string& f, std::vector<BinaryenExpressionRef> args, BinaryenType result) const {
    return BinaryenCall(m, f.c_str(), args.data(), static_cast<BinaryenIndex>(args.size()), result);
  }
  void fn(const std::string& name, std::vector<BinaryenType> params, BinaryenType result, BinaryenExpressionRef body,
          std::vector<BinaryenType> vars = {}) const {
    BinaryenAddFunction(m, name.c_str(), BinaryenTypeCreate(params.data(), static_cast<BinaryenIndex>(params.size())),
                        result, vars.data(), static_cast<BinaryenIndex>(vars.size()), body);
  }
};

// The value types of a (tuple) type, in order.
std::vector<BinaryenType> expand_type(BinaryenType t);

// (local.get 0) ... (local.get n-1) over `params`: the arguments of a call
// that forwards a function's own parameters.
std::vector<BinaryenExpressionRef> forward_params(BinaryenModuleRef m, BinaryenType params);

struct FunctionImport {
  std::string internal;  // binaryen's internal name
  std::string module, base;
  BinaryenType params, results;
};

// Every function import from `module_name`, in import order.
std::vector<FunctionImport> function_imports(BinaryenModuleRef m, std::string_view module_name);

}  // namespace wimg::inject
