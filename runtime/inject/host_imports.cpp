#include "runtime/inject/host_imports.h"

#include <algorithm>
#include <map>
#include <set>

#include "runtime/inject/imports.h"
#include "runtime/inject/ir.h"
#include "runtime/inject/merge.h"
#include "runtime/inject/walker.h"

namespace wimg::inject {

namespace {

bool has_prefix(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

// The call targets in one body (calls and return calls share the kind).
Result<std::set<std::string>> callees(BinaryenFunctionRef f) {
  std::set<std::string> out;
  auto visit = [&](BinaryenExpressionRef e) {
    if (BinaryenExpressionGetId(e) == BinaryenCallId()) out.insert(BinaryenCallGetTarget(e));
    return e;
  };
  WIMG_TRY(walk_expression(BinaryenFunctionGetBody(f), visit, std::string("function ") + BinaryenFunctionGetName(f)));
  return out;
}

}  // namespace

Result<TrimmedImports> trim_host_imports(BinaryenModuleRef module) {
  // 1. The graph inside the runtime, and its roots: runtime functions that
  //    any other code calls. Host imports called from outside the runtime
  //    (the guest's pass-through definitions, the Ruby command) are kept as is.
  std::map<std::string, std::set<std::string>> graph;
  std::vector<std::string> work;
  std::set<std::string> host_used;
  std::vector<FunctionImport> hosts;
  for (const FunctionImport& imp : function_imports(module, kWasiModule)) {
    if (has_prefix(imp.internal, kHostPrefix)) hosts.push_back(imp);
  }
  BinaryenIndex n = BinaryenGetNumFunctions(module);
  for (BinaryenIndex i = 0; i < n; ++i) {
    BinaryenFunctionRef f = BinaryenGetFunctionByIndex(module, i);
    if (BinaryenFunctionGetBody(f) == nullptr) continue;
    std::string name = BinaryenFunctionGetName(f);
    WIMG_ASSIGN(std::set<std::string> calls, callees(f));
    if (has_prefix(name, kRuntimePrefix)) {
      graph[name] = std::move(calls);
      continue;
    }
    for (const std::string& c : calls) {
      if (has_prefix(c, kRuntimePrefix)) work.push_back(c);
      if (has_prefix(c, kHostPrefix)) host_used.insert(c);
    }
  }
  // 2. What the roots reach.
  std::set<std::string> reached;
  while (!work.empty()) {
    std::string f = std::move(work.back());
    work.pop_back();
    if (!reached.insert(f).second) continue;
    for (const std::string& c : graph[f]) {
      if (has_prefix(c, kRuntimePrefix)) work.push_back(c);
      if (has_prefix(c, kHostPrefix)) host_used.insert(c);
    }
  }
  // 3. Drop the rest: unreachable runtime functions, then the host
  //    imports only they called (every other caller was scanned above).
  TrimmedImports out;
  for (const auto& [name, calls] : graph) {
    if (reached.count(name) == 0) {
      BinaryenRemoveFunction(module, name.c_str());
      ++out.runtime_removed;
    }
  }
  for (const FunctionImport& imp : hosts) {
    if (host_used.count(imp.internal) != 0) {
      out.kept.push_back(imp.base);
      continue;
    }
    BinaryenRemoveFunction(module, imp.internal.c_str());
    out.dropped.push_back(imp.base);
  }
  std::sort(out.kept.begin(), out.kept.end());
  std::sort(out.dropped.begin(), out.dropped.end());
  return out;
}

}  // namespace wimg::inject
