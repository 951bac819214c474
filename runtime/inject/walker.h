// A generic, child-replacing walker over binaryen 108's C API.
//
// binaryen's C++ walkers are not in Debian's package, so wimg walks
// expression trees itself: for each of the 56 expression kinds that have a
// C API for their children, a table gives the child slots (get and set).
// The 15 GC kinds (struct/array/rtt/...) have no child getters in 108: a
// guest using them is refused with a clear error rather than half-walked.
//
// The walk is post-order: children first, then the visitor sees the node
// and may return a replacement, which is stored into the parent's slot.
// Recursion follows the expression depth (628 on ruby.wasm), so callers run
// it on a large stack (isolate.h).
#pragma once

#include <binaryen-c.h>

#include <functional>
#include <string>

#include "support/result.h"

namespace wimg::inject {

// Returns the replacement for `expr`, or `expr` itself to keep it.
using Rewrite = std::function<BinaryenExpressionRef(BinaryenExpressionRef expr)>;

// Walks one expression tree; returns the (possibly replaced) root. Fails on
// an expression kind the C API cannot traverse, naming it and `where`.
Result<BinaryenExpressionRef> walk_expression(BinaryenExpressionRef root, const Rewrite& rewrite,
                                              const std::string& where);

// Walks every defined function's body in the module, storing back replaced roots.
Status walk_module(BinaryenModuleRef module, const Rewrite& rewrite);

}  // namespace wimg::inject
