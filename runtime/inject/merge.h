// The injection proper ("software multi-memory"; docs/ARCHITECTURE.md, "Injection"): copies the
// compiled guest VFS runtime (runtime/guest, contract in wimg_abi.h) into an
// unmodified WASI module that binaryen has read.
//
// Phases, each a small function in merge.cpp:
//   1. analyse the runtime: its region size R (the end of its static data
//      and stack), its data segments, its "wimg_wasi_X" exports;
//   2. virtualise the guest's memory with a region of R pages (vmem.h);
//   3. replace the guest's WASI imports (imports.h) and point each one the
//      runtime implements at it; the rest stay host pass-throughs;
//   4. add the intrinsics of wimg_abi.h (guest <-> region copies, reads of
//      image slots through memory.init);
//   5. copy the runtime's globals and functions in under "wimg$rt$" names,
//      rebasing every load/store/memory.copy/memory.fill onto the region and
//      retargeting its imports to intrinsics and host imports;
//   6. append its data segments (passive, copied into the region on setup)
//      and the image slots (empty passive segments the assembler fills).
// Everything the runtime could do to escape the region (memory.grow/size,
// call_indirect, atomics, SIMD memory ops, memory.init) is refused.
#pragma once

#include <binaryen-c.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace wimg::inject {

// The internal names of the runtime's functions and globals in a merged module.
inline constexpr std::string_view kRuntimePrefix = "wimg$rt$";

struct InjectOptions {
  std::uint32_t initial_pages = 0;          // the guest memory's declared initial size
  std::optional<std::uint64_t> max_pages;   // its declared maximum
  std::uint32_t slots = 128;                // image slots to reserve (WIMG_SLOTS)
  bool canary = false;                      // vmem self-check (tests)
  // The runtime's start function (function index, from the own reader):
  // wasm-ld emits one that zeroes .bss in an imported memory. It runs at
  // the end of the region setup, rebased like all runtime code.
  std::optional<std::uint32_t> runtime_start;
};

struct Injected {
  std::uint32_t first_slot = 0;    // data segment index of slot 0
  std::uint32_t region_pages = 0;  // R
  std::vector<std::string> implemented;  // WASI functions the runtime serves
  std::vector<std::string> passed;       // WASI functions passed to the host
  // Every WASI function the runtime serves ("args_get") -> its function in
  // the module; callers run kVmemInit first (the region may not exist yet).
  std::map<std::string, std::string> runtime_wasi;
  // The runtime's other entry points ("wimg_rt_resume", preinit.c) -> their
  // functions; the same kVmemInit rule.
  std::map<std::string, std::string> runtime_entries;
  // Every WASI import of the guest ("random_get") -> the function that now
  // defines it (served by the runtime or passed to the host).
  std::map<std::string, std::string> wasi_defs;
};

// `runtime` is the runtime module read by binaryen (trusted: built with wimg).
Result<Injected> inject_runtime(BinaryenModuleRef guest, BinaryenModuleRef runtime, const InjectOptions& opts);

}  // namespace wimg::inject
