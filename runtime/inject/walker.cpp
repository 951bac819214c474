#include "runtime/inject/walker.h"

#include <vector>

namespace wimg::inject {

namespace {

// One child position of an expression: how to read and write it.
struct Slot {
  BinaryenExpressionRef (*get)(BinaryenExpressionRef, BinaryenIndex);
  void (*set)(BinaryenExpressionRef, BinaryenIndex, BinaryenExpressionRef);
  BinaryenIndex index;
};

// Adapters turning the C API's fixed-name accessors into indexed ones.
#define FIXED_SLOT(KIND, FIELD)                                                                              \
  Slot {                                                                                                     \
    [](BinaryenExpressionRef x, BinaryenIndex) { return Binaryen##KIND##Get##FIELD(x); },                    \
        [](BinaryenExpressionRef x, BinaryenIndex, BinaryenExpressionRef c) { Binaryen##KIND##Set##FIELD(x, c); }, \
        0                                                                                                    \
  }
#define LIST_SLOTS(KIND, NUM, GET_AT, SET_AT, OUT)                                                 \
  for (BinaryenIndex i = 0; i < Binaryen##KIND##GetNum##NUM(e); ++i) {                             \
    OUT.push_back(Slot{[](BinaryenExpressionRef x, BinaryenIndex at) { return Binaryen##KIND##GET_AT(x, at); }, \
                       [](BinaryenExpressionRef x, BinaryenIndex at, BinaryenExpressionRef c) {     \
                         Binaryen##KIND##SET_AT(x, at, c);                                          \
                       },                                                                          \
                       i});                                                                        \
  }

struct KindIds {
  BinaryenExpressionId block = BinaryenBlockId(), if_ = BinaryenIfId(), loop = BinaryenLoopId(),
                       br = BinaryenBreakId(), sw = BinaryenSwitchId(), call = BinaryenCallId(),
                       call_indirect = BinaryenCallIndirectId(), local_set = BinaryenLocalSetId(),
                       global_set = BinaryenGlobalSetId(), load = BinaryenLoadId(), store = BinaryenStoreId(),
                       rmw = BinaryenAtomicRMWId(), cmpxchg = BinaryenAtomicCmpxchgId(),
                       wait = BinaryenAtomicWaitId(), notify = BinaryenAtomicNotifyId(),
                       simd_extract = BinaryenSIMDExtractId(), simd_replace = BinaryenSIMDReplaceId(),
                       simd_shuffle = BinaryenSIMDShuffleId(), simd_ternary = BinaryenSIMDTernaryId(),
                       simd_shift = BinaryenSIMDShiftId(), simd_load = BinaryenSIMDLoadId(),
                       simd_lane = BinaryenSIMDLoadStoreLaneId(), memory_init = BinaryenMemoryInitId(),
                       memory_copy = BinaryenMemoryCopyId(), memory_fill = BinaryenMemoryFillId(),
                       unary = BinaryenUnaryId(), binary = BinaryenBinaryId(), select = BinaryenSelectId(),
                       drop = BinaryenDropId(), ret = BinaryenReturnId(), memory_grow = BinaryenMemoryGrowId(),
                       ref_is = BinaryenRefIsId(), ref_eq = BinaryenRefEqId(), table_get = BinaryenTableGetId(),
                       table_set = BinaryenTableSetId(), table_grow = BinaryenTableGrowId(), try_ = BinaryenTryId(),
                       throw_ = BinaryenThrowId(), tuple_make = BinaryenTupleMakeId(),
                       tuple_extract = BinaryenTupleExtractId(), i31_new = BinaryenI31NewId(),
                       i31_get = BinaryenI31GetId(), ref_as = BinaryenRefAsId();
  // Leaves: no children at all.
  std::vector<BinaryenExpressionId> leaves{
      BinaryenNopId(),       BinaryenLocalGetId(),  BinaryenGlobalGetId(),  BinaryenAtomicFenceId(),
      BinaryenDataDropId(),  BinaryenConstId(),     BinaryenMemorySizeId(), BinaryenUnreachableId(),
      BinaryenPopId(),       BinaryenRefNullId(),   BinaryenRefFuncId(),    BinaryenTableSizeId(),
      BinaryenRethrowId()};
};

// Fills `out` with the child slots of `e`; false if the kind has no C API.
bool slots_of(BinaryenExpressionRef e, const KindIds& k, std::vector<Slot>& out) {
  BinaryenExpressionId id = BinaryenExpressionGetId(e);
  for (auto leaf : k.leaves) {
    if (id == leaf) return true;
  }
  if (id == k.block) {
    LIST_SLOTS(Block, Children, GetChildAt, SetChildAt, out)
  } else if (id == k.if_) {
    out = {FIXED_SLOT(If, Condition), FIXED_SLOT(If, IfTrue), FIXED_SLOT(If, IfFalse)};
  } else if (id == k.loop) {
    out = {FIXED_SLOT(Loop, Body)};
  } else if (id == k.br) {
    out = {FIXED_SLOT(Break, Value), FIXED_SLOT(Break, Condition)};
  } else if (id == k.sw) {
    out = {FIXED_SLOT(Switch, Value), FIXED_SLOT(Switch, Condition)};
  } else if (id == k.call) {
    LIST_SLOTS(Call, Operands, GetOperandAt, SetOperandAt, out)
  } else if (id == k.call_indirect) {
    LIST_SLOTS(CallIndirect, Operands, GetOperandAt, SetOperandAt, out)
    out.push_back(FIXED_SLOT(CallIndirect, Target));
  } else if (id == k.local_set) {
    out = {FIXED_SLOT(LocalSet, Value)};
  } else if (id == k.global_set) {
    out = {FIXED_SLOT(GlobalSet, Value)};
  } else if (id == k.load) {
    out = {FIXED_SLOT(Load, Ptr)};
  } else if (id == k.store) {
    out = {FIXED_SLOT(Store, Ptr), FIXED_SLOT(Store, Value)};
  } else if (id == k.rmw) {
    out = {FIXED_SLOT(AtomicRMW, Ptr), FIXED_SLOT(AtomicRMW, Value)};
  } else if (id == k.cmpxchg) {
    out = {FIXED_SLOT(AtomicCmpxchg, Ptr), FIXED_SLOT(AtomicCmpxchg, Expected), FIXED_SLOT(AtomicCmpxchg, Replacement)};
  } else if (id == k.wait) {
    out = {FIXED_SLOT(AtomicWait, Ptr), FIXED_SLOT(AtomicWait, Expected), FIXED_SLOT(AtomicWait, Timeout)};
  } else if (id == k.notify) {
    out = {FIXED_SLOT(AtomicNotify, Ptr), FIXED_SLOT(AtomicNotify, NotifyCount)};
  } else if (id == k.simd_extract) {
    out = {FIXED_SLOT(SIMDExtract, Vec)};
  } else if (id == k.simd_replace) {
    out = {FIXED_SLOT(SIMDReplace, Vec), FIXED_SLOT(SIMDReplace, Value)};
  } else if (id == k.simd_shuffle) {
    out = {FIXED_SLOT(SIMDShuffle, Left), FIXED_SLOT(SIMDShuffle, Right)};
  } else if (id == k.simd_ternary) {
    out = {FIXED_SLOT(SIMDTernary, A), FIXED_SLOT(SIMDTernary, B), FIXED_SLOT(SIMDTernary, C)};
  } else if (id == k.simd_shift) {
    out = {FIXED_SLOT(SIMDShift, Vec), FIXED_SLOT(SIMDShift, Shift)};
  } else if (id == k.simd_load) {
    out = {FIXED_SLOT(SIMDLoad, Ptr)};
  } else if (id == k.simd_lane) {
    out = {FIXED_SLOT(SIMDLoadStoreLane, Ptr), FIXED_SLOT(SIMDLoadStoreLane, Vec)};
  } else if (id == k.memory_init) {
    out = {FIXED_SLOT(MemoryInit, Dest), FIXED_SLOT(MemoryInit, Offset), FIXED_SLOT(MemoryInit, Size)};
  } else if (id == k.memory_copy) {
    out = {FIXED_SLOT(MemoryCopy, Dest), FIXED_SLOT(MemoryCopy, Source), FIXED_SLOT(MemoryCopy, Size)};
  } else if (id == k.memory_fill) {
    out = {FIXED_SLOT(MemoryFill, Dest), FIXED_SLOT(MemoryFill, Value), FIXED_SLOT(MemoryFill, Size)};
  } else if (id == k.unary) {
    out = {FIXED_SLOT(Unary, Value)};
  } else if (id == k.binary) {
    out = {FIXED_SLOT(Binary, Left), FIXED_SLOT(Binary, Right)};
  } else if (id == k.select) {
    out = {FIXED_SLOT(Select, IfTrue), FIXED_SLOT(Select, IfFalse), FIXED_SLOT(Select, Condition)};
  } else if (id == k.drop) {
    out = {FIXED_SLOT(Drop, Value)};
  } else if (id == k.ret) {
    out = {FIXED_SLOT(Return, Value)};
  } else if (id == k.memory_grow) {
    out = {FIXED_SLOT(MemoryGrow, Delta)};
  } else if (id == k.ref_is) {
    out = {FIXED_SLOT(RefIs, Value)};
  } else if (id == k.ref_eq) {
    out = {FIXED_SLOT(RefEq, Left), FIXED_SLOT(RefEq, Right)};
  } else if (id == k.table_get) {
    out = {FIXED_SLOT(TableGet, Index)};
  } else if (id == k.table_set) {
    out = {FIXED_SLOT(TableSet, Index), FIXED_SLOT(TableSet, Value)};
  } else if (id == k.table_grow) {
    out = {FIXED_SLOT(TableGrow, Value), FIXED_SLOT(TableGrow, Delta)};
  } else if (id == k.try_) {
    out = {FIXED_SLOT(Try, Body)};
    LIST_SLOTS(Try, CatchBodies, GetCatchBodyAt, SetCatchBodyAt, out)
  } else if (id == k.throw_) {
    LIST_SLOTS(Throw, Operands, GetOperandAt, SetOperandAt, out)
  } else if (id == k.tuple_make) {
    LIST_SLOTS(TupleMake, Operands, GetOperandAt, SetOperandAt, out)
  } else if (id == k.tuple_extract) {
    out = {FIXED_SLOT(TupleExtract, Tuple)};
  } else if (id == k.i31_new) {
    out = {FIXED_SLOT(I31New, Value)};
  } else if (id == k.i31_get) {
    out = {FIXED_SLOT(I31Get, I31)};
  } else if (id == k.ref_as) {
    out = {FIXED_SLOT(RefAs, Value)};
  } else {
    return false;
  }
  return true;
}

struct Walker {
  const Rewrite& rewrite;
  const std::string& where;
  KindIds ids;
  std::string failure;

  BinaryenExpressionRef visit(BinaryenExpressionRef e) {
    std::vector<Slot> slots;
    if (!slots_of(e, ids, slots)) {
      failure = where + ": expression kind " + std::to_string(BinaryenExpressionGetId(e)) +
                " (a GC proposal instruction) cannot be walked with binaryen 108's C API; such guests are not supported";
      return e;
    }
    for (const Slot& s : slots) {
      BinaryenExpressionRef child = s.get(e, s.index);
      if (child == nullptr) continue;  // optional children (if without else, br without value...)
      BinaryenExpressionRef replaced = visit(child);
      if (!failure.empty()) return e;
      if (replaced != child) s.set(e, s.index, replaced);
    }
    return rewrite(e);
  }
};

}  // namespace

Result<BinaryenExpressionRef> walk_expression(BinaryenExpressionRef root, const Rewrite& rewrite,
                                              const std::string& where) {
  Walker w{rewrite, where, {}, {}};
  BinaryenExpressionRef out = w.visit(root);
  if (!w.failure.empty()) return make_error(ErrorKind::Input, w.failure);
  return out;
}

Status walk_module(BinaryenModuleRef module, const Rewrite& rewrite) {
  BinaryenIndex n = BinaryenGetNumFunctions(module);
  for (BinaryenIndex i = 0; i < n; ++i) {
    BinaryenFunctionRef f = BinaryenGetFunctionByIndex(module, i);
    BinaryenExpressionRef body = BinaryenFunctionGetBody(f);
    if (body == nullptr) continue;  // an import
    WIMG_ASSIGN(BinaryenExpressionRef out, walk_expression(body, rewrite, std::string("function ") + BinaryenFunctionGetName(f)));
    if (out != body) BinaryenFunctionSetBody(f, out);
  }
  return {};
}

}  // namespace wimg::inject
