/* The heap of the writable upper layer.
 *
 * Power-of-two size classes (16 B .. 256 MiB) with one free list each; new
 * blocks come from a bump pointer that starts at the end of the runtime's
 * static memory and grows the region at its top (wimg_region_grow: the
 * region is the top of the memory, so nothing moves). Blocks are never
 * returned to the host. Every block counts its class size against the
 * upper layer's cap (C.up.cap): past it an allocation is ENOSPC and nothing
 * changes; the only exception are the decoded-chunk cache's blocks
 * (wrt_alloc_uncapped: its marks, ring and table, of fixed sizes).
 * Addresses are runtime addresses (u32), so they stay valid when the
 * guest's growth moves the region. */
#include "wrt.h"

#define C WRT_C
#define U C.up

static u32 class_of(u32 size) {
  u32 c = 4;
  while ((1u << c) < size) ++c;
  return c;
}

/* Makes [heap_top, heap_top + n) part of the region: grows it by at least
 * an eighth of the heap, so that a large file costs few grows. */
static u32 reserve(u32 n) {
  if (U.heap_end == 0) {
    u32 top = (u32)(usize)&__heap_base;
    U.heap_top = (top + 15u) & ~15u;
    U.heap_end = (top + 65535u) & ~65535u; /* the region's static pages */
  }
  if (U.heap_end - U.heap_top >= n) return 0;
  u32 need = (n - (U.heap_end - U.heap_top) + 65535u) >> 16;
  u32 more = need > (U.heap_end >> 19) ? need : (U.heap_end >> 19);
  u32 old = wimg_region_grow(more);
  if (old == WIMG_NONE) {
    more = need;
    old = wimg_region_grow(more);
  }
  if (old == WIMG_NONE) return WRT_ENOSPC;
  /* The runtime is the region's only grower: its end is where ours was. */
  if (old << 16 != U.heap_end) return WRT_EIO;
  U.heap_end = (old + more) << 16;
  return 0;
}

/* A zeroed block of class c (1 << c bytes), from its free list or the
 * bump pointer. */
static u32 take(u32 c, u32 *out) {
  u32 n = 1u << c;
  u32 p = U.free[c - 4];
  if (p) {
    U.free[c - 4] = *(u32 *)wrt_ptr(p);
    memset(wrt_ptr(p), 0, n);
  } else {
    /* class-aligned up to a page, so a block never straddles for no reason */
    u32 align = n < 4096 ? n : 4096;
    u32 pad = (align - (U.heap_top & (align - 1))) & (align - 1);
    WRT_TRY(reserve(pad + n));
    p = U.heap_top + pad;
    U.heap_top = p + n;
    /* fresh pages are zero (memory.grow, or the region's zeroed static
     * pages above __heap_base) */
  }
  *out = p;
  return 0;
}

u32 wrt_alloc(u32 size, u32 *out) {
  if (size == 0) size = 1;
  if (size > (1u << 28)) return WRT_ENOSPC;
  u32 c = class_of(size), n = 1u << c;
  if (U.used + n > U.cap) return WRT_ENOSPC;
  WRT_TRY(take(c, out));
  U.used += n;
  return 0;
}

/* Outside the cap: the decoded-chunk cache (content.c) takes its three
 * blocks once and bounds itself; the upper layer's space is the user's. */
u32 wrt_alloc_uncapped(u32 size, u32 *out) {
  if (size == 0 || size > (1u << 28)) return WRT_ENOSPC;
  return take(class_of(size), out);
}

void wrt_free(u32 p, u32 size) {
  if (!p) return;
  if (size == 0) size = 1;
  u32 c = class_of(size);
  *(u32 *)wrt_ptr(p) = U.free[c - 4];
  U.free[c - 4] = p;
  U.used -= 1u << c;
}
