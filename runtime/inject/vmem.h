// "Software multi-memory", the memory half (docs/ARCHITECTURE.md, "Injection"): the guest keeps
// the module's one memory but sees only its first V pages. Every guest
// memory.size / memory.grow is replaced by a call to a function that
// presents V; the runtime's private region of R pages is the top of the
// memory, above V and some zeroed slack. A guest grow inside the slack
// only raises V; past it the region moves up (a copy of R pages) with new
// slack of max(R, V/8) pages, so the copies are amortised over the guest's
// growth even when the region holds a large upper layer. The pages the
// guest gains are zero. The runtime grows the region at the top
// (kVmemRegionGrow, the intrinsic wimg_region_grow): nothing moves. A
// guest therefore never sees, and its allocator (dlmalloc, a bump
// allocator) never corrupts, the region.
//
// Setup is lazy: the first virtualised memory op reserves the region (it
// may run in a start function, before any WASI call is allowed).
//
// Limit: V + R must stay below 65536 pages (4 GiB of i32 addressing). A
// declared maximum M is raised to 65536 by the injection (merge.h); the
// guest keeps all of its M pages and no more (grow checks M itself).
#pragma once

#include <binaryen-c.h>

#include <cstdint>
#include <optional>

#include "runtime/wasm/module.h"
#include "support/result.h"

namespace wimg::inject {

struct VmemOptions {
  std::uint32_t region_pages = 16;    // R
  std::uint32_t initial_pages = 0;    // the memory's declared initial size (read from the binary)
  // The guest's declared maximum M: its grows past M fail (the real
  // maximum is raised to 65536 pages so that the region can grow).
  std::optional<std::uint64_t> max_pages;
  // Self-check for tests: the region's first word holds a canary that every
  // move must carry along; a mismatch traps (unreachable).
  bool canary = false;
  // Called (no params, no results) at the end of the one-time setup, once
  // the region exists and is zeroed: the runtime's data goes in there.
  const char* on_init = nullptr;
};

// Names of the functions the pass adds (for the runtime to call).
inline constexpr const char* kVmemSize = "wimg$memory_size";
inline constexpr const char* kVmemGrow = "wimg$memory_grow";
inline constexpr const char* kVmemPages = "wimg$v_pages";           // global i32: V, the pages the guest sees
inline constexpr const char* kVmemInit = "wimg$vmem_init";          // () -> (), idempotent setup
inline constexpr const char* kVmemRegionGrow = "wimg$region_grow";  // (k) -> old R or -1: k more region pages
// Global (i32) holding the region's byte address once set up; the runtime's
// memory accesses add it (valid only after kVmemInit ran).
inline constexpr const char* kVmemRegionBaseGlobal = "wimg$rbase";

// The declared initial size of the module's one memory (defined or
// imported), as the own reader saw it; 0 without a memory.
std::uint32_t initial_pages_of(const wasm::Module& m);

// Rewrites every guest memory.size/memory.grow (call before adding any
// runtime functions) and adds the virtualising functions.
Status virtualize_memory(BinaryenModuleRef module, const VmemOptions& opts);

}  // namespace wimg::inject
