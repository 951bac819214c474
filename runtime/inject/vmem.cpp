#include "runtime/inject/vmem.h"

#include <vector>

#include "runtime/inject/walker.h"

namespace wimg::inject {

namespace {

constexpr const char* kV = kVmemPages;
constexpr const char* kReady = "wimg$ready";    // region reserved?
constexpr const char* kInit = kVmemInit;
constexpr const char* kRbase = kVmemRegionBaseGlobal;
constexpr const char* kRpages = "wimg$r_pages";  // R: the region's pages (grows)
constexpr std::int32_t kCanary = 0x57494d47;    // "WIMG"

// A tiny expression builder over the C API, so the functions below read
// like the pseudo-code in vmem.h.
struct B {
  BinaryenModuleRef m;
  BinaryenType i32 = BinaryenTypeInt32();
  BinaryenExpressionRef c(std::int32_t v) const { return BinaryenConst(m, BinaryenLiteralInt32(v)); }
  BinaryenExpressionRef g(const char* n) const { return BinaryenGlobalGet(m, n, i32); }
  BinaryenExpressionRef gset(const char* n, BinaryenExpressionRef v) const { return BinaryenGlobalSet(m, n, v); }
  BinaryenExpressionRef l(BinaryenIndex i) const { return BinaryenLocalGet(m, i, i32); }
  BinaryenExpressionRef lset(BinaryenIndex i, BinaryenExpressionRef v) const { return BinaryenLocalSet(m, i, v); }
  BinaryenExpressionRef op(BinaryenOp o, BinaryenExpressionRef a, BinaryenExpressionRef b) const {
    return BinaryenBinary(m, o, a, b);
  }
  BinaryenExpressionRef pages_to_bytes(BinaryenExpressionRef p) const { return op(BinaryenShlInt32(), p, c(16)); }
  BinaryenExpressionRef call(const char* f, std::vector<BinaryenExpressionRef> args, BinaryenType t) const {
    return BinaryenCall(m, f, args.data(), static_cast<BinaryenIndex>(args.size()), t);
  }
  BinaryenExpressionRef block(std::vector<BinaryenExpressionRef> xs, BinaryenType t = BinaryenTypeAuto()) const {
    return BinaryenBlock(m, nullptr, xs.data(), static_cast<BinaryenIndex>(xs.size()), t);
  }
  BinaryenExpressionRef trap_unless(BinaryenExpressionRef cond) const {
    return BinaryenIf(m, BinaryenUnary(m, BinaryenEqZInt32(), cond), BinaryenUnreachable(m), nullptr);
  }
  BinaryenExpressionRef load(BinaryenExpressionRef addr) const { return BinaryenLoad(m, 4, false, 0, 4, i32, addr); }
  BinaryenExpressionRef store(BinaryenExpressionRef addr, BinaryenExpressionRef v) const {
    return BinaryenStore(m, 4, 0, 4, addr, v, i32);
  }
};

// init(): once, make room for the region above V (and plant the canary).
void add_init(const B& b, const VmemOptions& o) {
  std::int32_t r = static_cast<std::int32_t>(o.region_pages);
  // local 0: pages missing
  std::vector<BinaryenExpressionRef> body{
      b.lset(0, b.op(BinaryenSubInt32(), b.op(BinaryenAddInt32(), b.g(kV), b.c(r)), BinaryenMemorySize(b.m))),
      BinaryenIf(b.m, b.op(BinaryenGtSInt32(), b.l(0), b.c(0)),
                 b.trap_unless(b.op(BinaryenNeInt32(), BinaryenMemoryGrow(b.m, b.l(0)), b.c(-1))), nullptr),
      b.gset(kReady, b.c(1)),
      b.gset(kRbase, b.pages_to_bytes(b.g(kV))),
      // The region's pages are fresh (zero) unless an imported memory came
      // larger than declared: make sure.
      BinaryenMemoryFill(b.m, b.g(kRbase), b.c(0), b.c(static_cast<std::int32_t>(static_cast<std::uint32_t>(r) << 16)))};
  if (o.on_init != nullptr) body.push_back(b.call(o.on_init, {}, BinaryenTypeNone()));
  if (o.canary) body.push_back(b.store(b.pages_to_bytes(b.g(kV)), b.c(kCanary)));
  BinaryenType locals[] = {b.i32};
  BinaryenAddFunction(b.m, kInit, BinaryenTypeNone(), BinaryenTypeNone(), locals, 1,
                      BinaryenIf(b.m, b.g(kReady), BinaryenNop(b.m), b.block(body, BinaryenTypeNone())));
}

void add_size(const B& b) {
  BinaryenAddFunction(b.m, kVmemSize, BinaryenTypeNone(), b.i32, nullptr, 0,
                      b.block({b.call(kInit, {}, BinaryenTypeNone()), b.g(kV)}, b.i32));
}

// Where the region starts after the guest grows to v2 pages: above v2 by
// max(R, v2 / 8) pages of zeroed slack, so that the guest grows into the
// slack for a while before the region (R pages, possibly holding a large
// upper layer) moves again. The moves' copies then add up to at most the
// bytes the guest grew by (amortised O(1)). Without room for the slack,
// right above v2. Sets local `slack`, then local `start` (a page number).
std::vector<BinaryenExpressionRef> region_start(const B& b, BinaryenIndex v2, BinaryenIndex r, BinaryenIndex slack,
                                                BinaryenIndex start) {
  BinaryenExpressionRef eighth = b.op(BinaryenShrUInt32(), b.l(v2), b.c(3));
  BinaryenExpressionRef r_wins = b.op(BinaryenGtUInt32(), b.l(r), b.op(BinaryenShrUInt32(), b.l(v2), b.c(3)));
  // v2 + R <= 65536 was checked and slack <= max(R, 8192): no overflow.
  BinaryenExpressionRef fits = b.op(
      BinaryenLeUInt32(), b.op(BinaryenAddInt32(), b.op(BinaryenAddInt32(), b.l(v2), b.l(r)), b.l(slack)), b.c(65536));
  return {b.lset(slack, BinaryenSelect(b.m, r_wins, b.l(r), eighth, b.i32)),
          b.lset(start, BinaryenSelect(b.m, fits, b.op(BinaryenAddInt32(), b.l(v2), b.l(slack)), b.l(v2), b.i32))};
}

// grow(d): old V, or -1. Inside the slack below the region only V moves
// (those pages are zero: fresh, or zeroed when the region left them).
// Otherwise the region moves up to region_start(V + d): the real memory
// grows if needed, memory.copy moves the R pages (it handles the overlap
// of an upward move) and what the region left below its new start is
// zeroed.
void add_grow(const B& b, const VmemOptions& o) {
  // params: 0 = d; locals: 1 = old V, 2 = new V, 3 = missing pages,
  // 4 = R, 5 = old region page, 6 = new region page, 7 = slack
  std::vector<BinaryenExpressionRef> body{
      b.call(kInit, {}, BinaryenTypeNone()),
      b.lset(1, b.g(kV)),
      b.lset(4, b.g(kRpages)),
      b.lset(5, b.op(BinaryenShrUInt32(), b.g(kRbase), b.c(16))),
      // d larger than the address space, or V + d + R past 65536 pages: fail like memory.grow.
      BinaryenIf(b.m, b.op(BinaryenGtUInt32(), b.l(0), b.op(BinaryenSubInt32(), b.op(BinaryenSubInt32(), b.c(65536), b.l(4)), b.l(1))),
                 BinaryenReturn(b.m, b.c(-1)), nullptr),
      b.lset(2, b.op(BinaryenAddInt32(), b.l(1), b.l(0))),
  };
  if (o.max_pages) {
    // The guest's declared maximum stays its limit (the real one was raised
    // for the region).
    body.push_back(BinaryenIf(b.m, b.op(BinaryenGtUInt32(), b.l(2), b.c(static_cast<std::int32_t>(*o.max_pages))),
                              BinaryenReturn(b.m, b.c(-1)), nullptr));
  }
  std::vector<BinaryenExpressionRef> move = region_start(b, 2, 4, 7, 6);
  move.insert(move.end(), {
      b.lset(3, b.op(BinaryenSubInt32(), b.op(BinaryenAddInt32(), b.l(6), b.l(4)), BinaryenMemorySize(b.m))),
      BinaryenIf(b.m, b.op(BinaryenGtSInt32(), b.l(3), b.c(0)),
                 BinaryenIf(b.m, b.op(BinaryenEqInt32(), BinaryenMemoryGrow(b.m, b.l(3)), b.c(-1)),
                            BinaryenReturn(b.m, b.c(-1)), nullptr),
                 nullptr),
      BinaryenMemoryCopy(b.m, b.pages_to_bytes(b.l(6)), b.g(kRbase), b.pages_to_bytes(b.l(4))),
      // zero [old start, min(old end, new start))
      BinaryenMemoryFill(b.m, b.g(kRbase), b.c(0),
                         b.pages_to_bytes(BinaryenSelect(b.m, b.op(BinaryenLtUInt32(), b.op(BinaryenSubInt32(), b.l(6), b.l(5)), b.l(4)),
                                                         b.op(BinaryenSubInt32(), b.l(6), b.l(5)), b.l(4), b.i32))),
      b.gset(kRbase, b.pages_to_bytes(b.l(6)))});
  if (o.canary) move.push_back(b.trap_unless(b.op(BinaryenEqInt32(), b.load(b.g(kRbase)), b.c(kCanary))));
  body.push_back(BinaryenIf(b.m, b.op(BinaryenGtUInt32(), b.l(2), b.l(5)), b.block(move, BinaryenTypeNone()), nullptr));
  body.push_back(b.gset(kV, b.l(2)));
  body.push_back(b.l(1));
  BinaryenType locals[] = {b.i32, b.i32, b.i32, b.i32, b.i32, b.i32, b.i32};
  BinaryenAddFunction(b.m, kVmemGrow, b.i32, b.i32, locals, 7, b.block(body, b.i32));
}

// region_grow(k): old R, or -1. The region is always the top of the
// memory, so it grows in place: nothing moves. The new pages are zeroed
// (an imported memory may have come larger than declared).
void add_region_grow(const B& b) {
  // params: 0 = k; locals: 1 = region end page, 2 = missing pages
  std::vector<BinaryenExpressionRef> body{
      b.call(kInit, {}, BinaryenTypeNone()),
      b.lset(1, b.op(BinaryenAddInt32(), b.op(BinaryenShrUInt32(), b.g(kRbase), b.c(16)), b.g(kRpages))),
      BinaryenIf(b.m, b.op(BinaryenGtUInt32(), b.l(0), b.op(BinaryenSubInt32(), b.c(65536), b.l(1))),
                 BinaryenReturn(b.m, b.c(-1)), nullptr),
      b.lset(2, b.op(BinaryenSubInt32(), b.op(BinaryenAddInt32(), b.l(1), b.l(0)), BinaryenMemorySize(b.m))),
      BinaryenIf(b.m, b.op(BinaryenGtSInt32(), b.l(2), b.c(0)),
                 BinaryenIf(b.m, b.op(BinaryenEqInt32(), BinaryenMemoryGrow(b.m, b.l(2)), b.c(-1)),
                            BinaryenReturn(b.m, b.c(-1)), nullptr),
                 nullptr),
      BinaryenMemoryFill(b.m, b.pages_to_bytes(b.l(1)), b.c(0), b.pages_to_bytes(b.l(0))),
      b.lset(2, b.g(kRpages)),
      b.gset(kRpages, b.op(BinaryenAddInt32(), b.l(2), b.l(0))),
      b.l(2)};
  BinaryenType locals[] = {b.i32, b.i32};
  BinaryenAddFunction(b.m, kVmemRegionGrow, b.i32, b.i32, locals, 2, b.block(body, b.i32));
}

}  // namespace

std::uint32_t initial_pages_of(const wasm::Module& m) {
  for (const auto& imp : m.imports) {
    if (imp.kind == wasm::ExternKind::Memory) return static_cast<std::uint32_t>(imp.limits.min);
  }
  return m.memories.empty() ? 0 : static_cast<std::uint32_t>(m.memories[0].min);
}

Status virtualize_memory(BinaryenModuleRef module, const VmemOptions& opts) {
  if (opts.region_pages == 0 || opts.region_pages > 65535 || opts.initial_pages + opts.region_pages > 65536) {
    return make_error(ErrorKind::Input, "memory virtualisation: region of " + std::to_string(opts.region_pages) +
                                            " pages does not fit above " + std::to_string(opts.initial_pages));
  }
  B b{module};
  // First the guest's own code, before anything of ours exists.
  WIMG_TRY(walk_module(module, [&](BinaryenExpressionRef e) {
    BinaryenExpressionId id = BinaryenExpressionGetId(e);
    if (id == BinaryenMemorySizeId()) return b.call(kVmemSize, {}, b.i32);
    if (id == BinaryenMemoryGrowId()) return b.call(kVmemGrow, {BinaryenMemoryGrowGetDelta(e)}, b.i32);
    return e;
  }));
  BinaryenAddGlobal(module, kV, b.i32, true, b.c(static_cast<std::int32_t>(opts.initial_pages)));
  BinaryenAddGlobal(module, kReady, b.i32, true, b.c(0));
  BinaryenAddGlobal(module, kRbase, b.i32, true, b.c(0));
  BinaryenAddGlobal(module, kRpages, b.i32, true, b.c(static_cast<std::int32_t>(opts.region_pages)));
  add_init(b, opts);
  add_size(b);
  add_grow(b, opts);
  add_region_grow(b);
  return {};
}

}  // namespace wimg::inject
