/* Runtime memory helpers and guest-memory access.
 *
 * There is no libc: clang lowers struct copies and zeroing to calls of
 * memcpy/memset (with -mbulk-memory mostly to memory.copy/fill), so they are
 * defined here. The guest's memory is reached only through the injector's
 * intrinsics, which do not bounds-check: every guest range is checked here
 * first against [0, wimg_guest_bytes()) and answers EFAULT (think
 * copy_from_user). */
#include "wrt.h"

void *memcpy(void *dst, const void *src, usize n) {
  __builtin_memcpy(dst, src, n); /* memory.copy with -mbulk-memory */
  return dst;
}

void *memmove(void *dst, const void *src, usize n) {
  __builtin_memmove(dst, src, n); /* memory.copy handles overlap */
  return dst;
}

void *memset(void *dst, int c, usize n) {
  __builtin_memset(dst, c, n);
  return dst;
}

int memcmp(const void *a, const void *b, usize n) {
  const u8 *x = a, *y = b;
  for (usize i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/* [ptr, ptr+len) inside the guest's memory; u64 arithmetic cannot wrap. */
u32 wrt_gcheck(u32 ptr, u64 len) {
  u64 end = (u64)ptr + len;
  if (end > (u64)wimg_guest_bytes()) return WRT_EFAULT;
  return 0;
}

u32 wrt_gcheck_array(u32 ptr, u32 count, u32 size) { return wrt_gcheck(ptr, (u64)count * size); }

u32 wrt_put_u32(u32 gptr, u32 v) {
  u8 b[4];
  if (wrt_gcheck(gptr, 4)) return WRT_EFAULT;
  wrt_st32(b, v);
  wimg_copy_out(gptr, b, 4);
  return 0;
}

u32 wrt_put_u64(u32 gptr, u64 v) {
  u8 b[8];
  if (wrt_gcheck(gptr, 8)) return WRT_EFAULT;
  wrt_st64(b, v);
  wimg_copy_out(gptr, b, 8);
  return 0;
}

/* Checks an iovec array and every buffer it names. Needed before handing
 * it to the host too: the host sees the whole memory, runtime region
 * included, so an iovec pointing above the guest's size must not pass. */
/* The next (buf, len) of a guest iovec array, copied in 16 entries at a
 * time (one wimg_copy_in per 16, not per entry); 0 past the last. The
 * array's range was checked (wrt_iovs_check, or wrt_gcheck_array). */
int wrt_iov_next(struct wrt_iov_walk *w, u32 *buf, u32 *len) {
  if (w->i == w->n) return 0;
  u32 j = w->i % WRT_IOV_BATCH;
  if (j == 0) {
    u32 k = w->n - w->i < WRT_IOV_BATCH ? w->n - w->i : WRT_IOV_BATCH;
    wimg_copy_in(w->chunk, w->iovs + w->i * 8, k * 8);
  }
  *buf = wrt_ld32(w->chunk + j * 8);
  *len = wrt_ld32(w->chunk + j * 8 + 4);
  ++w->i;
  return 1;
}

u32 wrt_iovs_check(u32 iovs, u32 n) {
  struct wrt_iov_walk w = {iovs, n, 0, {0}};
  u32 buf, len;
  if (wrt_gcheck_array(iovs, n, 8)) return WRT_EFAULT;
  while (wrt_iov_next(&w, &buf, &len))
    if (wrt_gcheck(buf, len)) return WRT_EFAULT;
  return 0;
}

/* Little-endian loads/stores that do not assume alignment. */
void wrt_st32(u8 *p, u32 v) {
  for (int i = 0; i < 4; ++i) p[i] = (u8)(v >> (8 * i));
}
void wrt_st64(u8 *p, u64 v) {
  for (int i = 0; i < 8; ++i) p[i] = (u8)(v >> (8 * i));
}
u32 wrt_ld32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }
u64 wrt_ld64(const u8 *p) { return (u64)wrt_ld32(p) | (u64)wrt_ld32(p + 4) << 32; }
