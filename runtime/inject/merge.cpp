#include "runtime/inject/merge.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string_view>

#include "runtime/inject/imports.h"
#include "runtime/inject/ir.h"
#include "runtime/inject/vmem.h"
#include "runtime/inject/walker.h"

namespace wimg::inject {

namespace {

constexpr const char* kIntrinsicPrefix = "wimg$i$";
constexpr const char* kDataInit = "wimg$rt_data_init";
constexpr std::string_view kExportPrefix = "wimg_wasi_";
constexpr std::string_view kRtExportPrefix = "wimg_rt_";

// binaryen 108 answers "" (not null) for a definition's import module.
bool is_import(const char* module) { return module != nullptr && *module != 0; }

Error refuse(const std::string& why) { return make_error(ErrorKind::Internal, "guest runtime: " + why); }

struct RtSegment {
  std::uint32_t offset = 0;
  std::string bytes;
};

struct RtImport {
  std::string module, base;
  BinaryenType params, results;
};

// Phase 1: what the runtime module brings.
struct RuntimeInfo {
  std::uint32_t region_pages = 0;
  std::vector<RtSegment> segments;
  std::map<std::string, RtImport> imports;      // internal name -> import
  std::map<std::string, std::string> wasi;      // "fd_read" -> internal function name
  std::map<std::string, std::string> entries;   // "wimg_rt_resume" -> internal function name
  std::vector<BinaryenFunctionRef> functions;   // defined ones
};

std::uint32_t const_i32(BinaryenExpressionRef e, bool* ok) {
  *ok = BinaryenExpressionGetId(e) == BinaryenConstId() && BinaryenExpressionGetType(e) == BinaryenTypeInt32();
  return *ok ? static_cast<std::uint32_t>(BinaryenConstGetValueI32(e)) : 0;
}

Result<RuntimeInfo> analyse(BinaryenModuleRef rt) {
  RuntimeInfo info;
  std::uint64_t end = 0;
  for (BinaryenIndex i = 0; i < BinaryenGetNumMemorySegments(rt); ++i) {
    if (BinaryenGetMemorySegmentPassive(rt, i)) return refuse("passive data segments are not supported");
    RtSegment s;
    s.offset = BinaryenGetMemorySegmentByteOffset(rt, i);
    s.bytes.resize(BinaryenGetMemorySegmentByteLength(rt, i));
    BinaryenCopyMemorySegmentData(rt, i, s.bytes.data());
    end = std::max<std::uint64_t>(end, std::uint64_t{s.offset} + s.bytes.size());
    info.segments.push_back(std::move(s));
  }
  for (BinaryenIndex i = 0; i < BinaryenGetNumGlobals(rt); ++i) {
    BinaryenGlobalRef g = BinaryenGetGlobalByIndex(rt, i);
    if (is_import(BinaryenGlobalImportGetModule(g))) return refuse("imported globals are not supported");
    bool ok = false;
    std::uint32_t v = const_i32(BinaryenGlobalGetInitExpr(g), &ok);
    // The stack pointer's start (and __heap_base) bound the static memory.
    if (ok) end = std::max<std::uint64_t>(end, v);
  }
  info.region_pages = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, (end + 65535) / 65536));
  for (BinaryenIndex i = 0; i < BinaryenGetNumFunctions(rt); ++i) {
    BinaryenFunctionRef f = BinaryenGetFunctionByIndex(rt, i);
    if (const char* mod = BinaryenFunctionImportGetModule(f); is_import(mod)) {
      info.imports[BinaryenFunctionGetName(f)] = {mod, BinaryenFunctionImportGetBase(f), BinaryenFunctionGetParams(f),
                                                  BinaryenFunctionGetResults(f)};
    } else {
      info.functions.push_back(f);
    }
  }
  for (BinaryenIndex i = 0; i < BinaryenGetNumExports(rt); ++i) {
    BinaryenExportRef e = BinaryenGetExportByIndex(rt, i);
    std::string_view name = BinaryenExportGetName(e);
    if (BinaryenExportGetKind(e) != BinaryenExternalFunction() || !name.starts_with(kExportPrefix)) continue;
    info.wasi[std::string(name.substr(kExportPrefix.size()))] = BinaryenExportGetValue(e);
  }
  for (BinaryenIndex i = 0; i < BinaryenGetNumExports(rt); ++i) {
    BinaryenExportRef e = BinaryenGetExportByIndex(rt, i);
    std::string_view name = BinaryenExportGetName(e);
    if (BinaryenExportGetKind(e) == BinaryenExternalFunction() && name.starts_with(kRtExportPrefix)) {
      info.entries[std::string(name)] = BinaryenExportGetValue(e);
    }
  }
  if (info.wasi.empty()) return refuse("exports no wimg_wasi_* function");
  return info;
}

// Expression helpers for runtime code, whose addresses are region-relative.
struct B : Ir {
  BinaryenExpressionRef rbase() const { return BinaryenGlobalGet(m, kVmemRegionBaseGlobal, i32); }
  BinaryenExpressionRef rebase(BinaryenExpressionRef ptr) const { return BinaryenBinary(m, BinaryenAddInt32(), ptr, rbase()); }
};

// memory.init of slot `local 0` (one arm per slot: memory.init takes its
// segment as an immediate) to `dest`, reading (local 2, local 3).
BinaryenExpressionRef slot_switch(const B& b, std::uint32_t first_slot, std::uint32_t slots, bool dest_in_region) {
  std::vector<std::string> labels;
  for (std::uint32_t k = 0; k < slots; ++k) labels.push_back("wimg$slot" + std::to_string(k));
  std::vector<const char*> names;
  for (const auto& s : labels) names.push_back(s.c_str());
  auto init = [&](std::uint32_t k) {
    BinaryenExpressionRef dest = dest_in_region ? b.rebase(b.get(1)) : b.get(1);
    return BinaryenMemoryInit(b.m, first_slot + k, dest, b.get(2), b.get(3));
  };
  BinaryenExpressionRef sw = BinaryenSwitch(b.m, names.data(), static_cast<BinaryenIndex>(names.size()), "wimg$slot_bad",
                                            b.get(0), nullptr);
  // (block $slot0 (block $bad (br_table ...)) unreachable) init0 return ...
  BinaryenExpressionRef cur = b.block({b.block({sw}, "wimg$slot_bad"), BinaryenUnreachable(b.m)}, names[0]);
  for (std::uint32_t k = 0; k + 1 < slots; ++k) {
    cur = b.block({cur, init(k), BinaryenReturn(b.m, nullptr)}, names[k + 1]);
  }
  return b.block({cur, init(slots - 1)});
}

// Phase 4: the intrinsics of wimg_abi.h. They do not bounds-check: the
// runtime does, against wimg_guest_bytes().
void add_intrinsics(const B& b, std::uint32_t first_slot, std::uint32_t slots) {
  const std::string p = kIntrinsicPrefix;
  BinaryenType i32 = b.i32, none = BinaryenTypeNone();
  b.fn(p + "guest_bytes", {}, i32, BinaryenBinary(b.m, BinaryenShlInt32(), BinaryenGlobalGet(b.m, kVmemPages, i32), b.c(16)));
  b.fn(p + "region_base", {}, i32, b.rbase());
  b.fn(p + "region_grow", {i32}, i32, b.call(kVmemRegionGrow, {b.get(0)}, i32));
  b.fn(p + "copy_in", {i32, i32, i32}, none, BinaryenMemoryCopy(b.m, b.rebase(b.get(0)), b.get(1), b.get(2)));
  b.fn(p + "copy_out", {i32, i32, i32}, none, BinaryenMemoryCopy(b.m, b.get(0), b.rebase(b.get(1)), b.get(2)));
  b.fn(p + "image_read", {i32, i32, i32, i32}, none, slot_switch(b, first_slot, slots, true));
  b.fn(p + "image_read_guest", {i32, i32, i32, i32}, none, slot_switch(b, first_slot, slots, false));
}

// "wimg_copy_in" and "copy_in" name the same intrinsic.
std::string intrinsic_name(std::string_view base) {
  if (base.starts_with("wimg_")) base.remove_prefix(5);
  return std::string(kIntrinsicPrefix) + std::string(base);
}

// Phase 5 for one body: rebase memory accesses, rename calls and globals.
Result<BinaryenExpressionRef> rewrite_body(const B& b, BinaryenExpressionRef body, const std::string& where,
                                           const std::map<std::string, std::string>& call_map) {
  static const std::set<BinaryenExpressionId> refused = {
      BinaryenMemoryGrowId(),   BinaryenMemorySizeId(),       BinaryenMemoryInitId(),    BinaryenDataDropId(),
      BinaryenCallIndirectId(), BinaryenAtomicRMWId(),        BinaryenAtomicCmpxchgId(), BinaryenAtomicWaitId(),
      BinaryenAtomicNotifyId(), BinaryenSIMDLoadId(),         BinaryenSIMDLoadStoreLaneId(), BinaryenRefFuncId(),
      BinaryenTableGetId(),     BinaryenTableSetId(),         BinaryenTableGrowId()};
  std::string bad;
  auto rw = [&](BinaryenExpressionRef e) -> BinaryenExpressionRef {
    BinaryenExpressionId id = BinaryenExpressionGetId(e);
    if (refused.count(id) != 0) {
      bad = "expression kind " + std::to_string(id);
    } else if (id == BinaryenCallId()) {
      std::string t = BinaryenCallGetTarget(e);
      auto it = call_map.find(t);
      BinaryenCallSetTarget(e, it != call_map.end() ? it->second.c_str() : (std::string(kRuntimePrefix) + t).c_str());
    } else if (id == BinaryenGlobalGetId()) {
      BinaryenGlobalGetSetName(e, (std::string(kRuntimePrefix) + std::string(BinaryenGlobalGetGetName(e))).c_str());
    } else if (id == BinaryenGlobalSetId()) {
      BinaryenGlobalSetSetName(e, (std::string(kRuntimePrefix) + std::string(BinaryenGlobalSetGetName(e))).c_str());
    } else if (id == BinaryenLoadId()) {
      if (BinaryenLoadIsAtomic(e)) bad = "an atomic load";
      BinaryenLoadSetPtr(e, b.rebase(BinaryenLoadGetPtr(e)));
    } else if (id == BinaryenStoreId()) {
      if (BinaryenStoreIsAtomic(e)) bad = "an atomic store";
      BinaryenStoreSetPtr(e, b.rebase(BinaryenStoreGetPtr(e)));
    } else if (id == BinaryenMemoryCopyId()) {
      BinaryenMemoryCopySetDest(e, b.rebase(BinaryenMemoryCopyGetDest(e)));
      BinaryenMemoryCopySetSource(e, b.rebase(BinaryenMemoryCopyGetSource(e)));
    } else if (id == BinaryenMemoryFillId()) {
      BinaryenMemoryFillSetDest(e, b.rebase(BinaryenMemoryFillGetDest(e)));
    }
    return e;
  };
  WIMG_ASSIGN(BinaryenExpressionRef out, walk_expression(body, rw, where));
  if (!bad.empty()) return refuse(where + " uses " + bad + ", which could escape its memory region");
  return out;
}

// Phase 5: globals and functions, and the host imports the runtime calls.
Status copy_runtime(const B& b, BinaryenModuleRef rt, const RuntimeInfo& info) {
  for (BinaryenIndex i = 0; i < BinaryenGetNumGlobals(rt); ++i) {
    BinaryenGlobalRef g = BinaryenGetGlobalByIndex(rt, i);
    std::string name = std::string(kRuntimePrefix) + std::string(BinaryenGlobalGetName(g));
    BinaryenAddGlobal(b.m, name.c_str(), BinaryenGlobalGetType(g), BinaryenGlobalIsMutable(g),
                      BinaryenExpressionCopy(BinaryenGlobalGetInitExpr(g), b.m));
  }
  std::map<std::string, std::string> call_map;
  for (const auto& [internal, imp] : info.imports) {
    if (imp.module == "wimg") {
      call_map[internal] = intrinsic_name(imp.base);
      if (BinaryenGetFunction(b.m, call_map[internal].c_str()) == nullptr) {
        return refuse("imports unknown intrinsic wimg." + imp.base);
      }
    } else if (imp.module == "wimg_host") {
      std::string host = std::string(kHostPrefix) + imp.base;
      if (BinaryenGetFunction(b.m, host.c_str()) == nullptr) {
        BinaryenAddFunctionImport(b.m, host.c_str(), kWasiModule, imp.base.c_str(), imp.params, imp.results);
      }
      call_map[internal] = host;
    } else {
      return refuse("imports " + imp.module + "." + imp.base + " (only wimg.* and wimg_host.* are allowed)");
    }
  }
  for (BinaryenFunctionRef f : info.functions) {
    std::string name = std::string(kRuntimePrefix) + std::string(BinaryenFunctionGetName(f));
    std::vector<BinaryenType> vars;
    for (BinaryenIndex v = 0; v < BinaryenFunctionGetNumVars(f); ++v) vars.push_back(BinaryenFunctionGetVar(f, v));
    BinaryenExpressionRef body = BinaryenExpressionCopy(BinaryenFunctionGetBody(f), b.m);
    WIMG_ASSIGN(body, rewrite_body(b, body, "runtime function " + std::string(BinaryenFunctionGetName(f)), call_map));
    BinaryenAddFunction(b.m, name.c_str(), BinaryenFunctionGetParams(f), BinaryenFunctionGetResults(f), vars.data(),
                        static_cast<BinaryenIndex>(vars.size()), body);
  }
  return {};
}

// Phase 3 (second half): point each replaced import the runtime serves at it.
Status route_imports(const B& b, BinaryenModuleRef rt, const RuntimeInfo& info,
                     const std::vector<ReplacedImport>& replaced, Injected* out) {
  for (const ReplacedImport& r : replaced) {
    auto it = info.wasi.find(r.name);
    if (it == info.wasi.end()) {
      out->passed.push_back(r.name);
      continue;
    }
    BinaryenFunctionRef def = BinaryenGetFunction(b.m, r.internal_name.c_str());
    BinaryenFunctionRef impl = BinaryenGetFunction(rt, it->second.c_str());
    if (BinaryenFunctionGetParams(def) != BinaryenFunctionGetParams(impl) ||
        BinaryenFunctionGetResults(def) != BinaryenFunctionGetResults(impl)) {
      return make_error(ErrorKind::Input, "the module imports wasi_snapshot_preview1." + r.name +
                                              " with a signature that is not WASI preview1's");
    }
    BinaryenType res = BinaryenFunctionGetResults(def);
    BinaryenExpressionRef call =
        b.call(std::string(kRuntimePrefix) + it->second, forward_params(b.m, BinaryenFunctionGetParams(def)), res);
    // The region must exist before the runtime touches its memory.
    BinaryenFunctionSetBody(def, b.block({BinaryenCall(b.m, kVmemInit, nullptr, 0, BinaryenTypeNone()), call},
                                         nullptr, res));
    out->implemented.push_back(r.name);
  }
  return {};
}

// Phase 6: runtime data (passive, copied into the region by the setup) and
// the empty image slots, appended after the guest's own segments.
std::uint32_t add_segments(const B& b, BinaryenModuleRef rt, const RuntimeInfo& info, const InjectOptions& opts) {
  std::uint32_t guest_segments = BinaryenGetNumMemorySegments(b.m);
  std::vector<const char*> data;
  std::vector<BinaryenIndex> sizes;
  for (const RtSegment& s : info.segments) {
    data.push_back(s.bytes.data());
    sizes.push_back(static_cast<BinaryenIndex>(s.bytes.size()));
  }
  data.resize(data.size() + opts.slots, "");
  sizes.resize(data.size(), 0);
  // All passive (no offsets); not a vector<bool>, which has no data().
  std::unique_ptr<bool[]> passive(new bool[data.size()]);
  std::fill_n(passive.get(), data.size(), true);
  std::vector<BinaryenExpressionRef> offsets(data.size(), nullptr);
  // A declared maximum M becomes 65536: the region grows (the upper layer)
  // and keeps slack below it; the virtual grow still fails exactly when V
  // would pass M (vmem.h).
  std::uint32_t max = 0xFFFFFFFFu;
  if (opts.max_pages) max = 65536;
  // binaryen 108 appends these to the existing segments and keeps an
  // imported memory imported; limits must be restated (no getters).
  BinaryenSetMemory(b.m, opts.initial_pages, max, nullptr, data.data(), passive.get(), offsets.data(), sizes.data(),
                    static_cast<BinaryenIndex>(data.size()), false);
  std::vector<BinaryenExpressionRef> init;
  for (std::uint32_t i = 0; i < info.segments.size(); ++i) {
    init.push_back(BinaryenMemoryInit(b.m, guest_segments + i, b.rebase(b.c(info.segments[i].offset)), b.c(0),
                                      b.c(static_cast<std::uint32_t>(info.segments[i].bytes.size()))));
  }
  if (opts.runtime_start) {
    BinaryenFunctionRef start = BinaryenGetFunctionByIndex(rt, *opts.runtime_start);
    init.push_back(BinaryenCall(b.m, (std::string(kRuntimePrefix) + std::string(BinaryenFunctionGetName(start))).c_str(), nullptr, 0,
                                BinaryenTypeNone()));
  }
  init.push_back(BinaryenNop(b.m));
  BinaryenAddFunction(b.m, kDataInit, BinaryenTypeNone(), BinaryenTypeNone(), nullptr, 0, b.block(init));
  return guest_segments + static_cast<std::uint32_t>(info.segments.size());
}

}  // namespace

Result<Injected> inject_runtime(BinaryenModuleRef guest, BinaryenModuleRef runtime, const InjectOptions& opts) {
  if (opts.slots == 0) return make_error(ErrorKind::Usage, "at least one image slot is needed");
  WIMG_ASSIGN(RuntimeInfo info, analyse(runtime));
  if (opts.runtime_start && (*opts.runtime_start >= BinaryenGetNumFunctions(runtime) ||
                             is_import(BinaryenFunctionImportGetModule(BinaryenGetFunctionByIndex(runtime, *opts.runtime_start))))) {
    return refuse("its start function is not a defined function");
  }
  Injected out;
  out.region_pages = info.region_pages;
  VmemOptions vo;
  vo.region_pages = info.region_pages;
  vo.initial_pages = opts.initial_pages;
  vo.max_pages = opts.max_pages;
  vo.canary = opts.canary;
  vo.on_init = kDataInit;
  WIMG_TRY(virtualize_memory(guest, vo));
  WIMG_ASSIGN(std::vector<ReplacedImport> replaced, replace_wasi_imports(guest));
  B b{{guest}};
  out.first_slot = add_segments(b, runtime, info, opts);
  add_intrinsics(b, out.first_slot, opts.slots);
  WIMG_TRY(copy_runtime(b, runtime, info));
  WIMG_TRY(route_imports(b, runtime, info, replaced, &out));
  for (const auto& [name, fn] : info.wasi) out.runtime_wasi[name] = std::string(kRuntimePrefix) + fn;
  for (const auto& [name, fn] : info.entries) out.runtime_entries[name] = std::string(kRuntimePrefix) + fn;
  for (const ReplacedImport& r : replaced) out.wasi_defs[r.name] = r.internal_name;
  return out;
}

}  // namespace wimg::inject
