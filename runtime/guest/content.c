/* File contents. Raw bytes go from their slot straight into the guest's
 * buffers (memory.init). Compressed ones (wimg_abi.h §6) go a chunk at a
 * time through the context: the chunk's stored bytes into lz_in
 * (memory.init), decoded into lz_out (lz4.c), the needed part copied out.
 * lz_out is a one-chunk cache keyed by (node, chunk), so sequential small
 * reads decode each chunk once. The image never changes, so the cache
 * never goes stale; it is invalid only while (or after failing) decoding. */
#include "lz4.h"
#include "wrt.h"

#define C WRT_C

/* Makes lz_out hold chunk i of f, *len bytes. wrt_view_file checked the
 * count and that end[] lies in the slot; here each chunk's range is
 * checked against the slot and the LZ4 bound before it is read. */
static u32 load_chunk(const struct wrt_file *f, u64 i, u32 *len) {
  u8 b[8];
  if (i >= f->chunks) return WRT_EIO;
  u64 first = i * WIMG_LZ4_CHUNK; /* < size, as i < chunks */
  u32 want = f->size - first < WIMG_LZ4_CHUNK ? (u32)(f->size - first) : WIMG_LZ4_CHUNK;
  *len = want;
  if (C.lz_valid && C.lz_node == f->node && C.lz_chunk == (u32)i) return 0;
  /* end[i-1] and end[i]; for chunk 0 the first word is the count */
  wimg_image_read(f->slot, b, f->off + 4 * (u32)i, 8);
  u32 start = i == 0 ? 0 : wrt_ld32(b), end = wrt_ld32(b + 4);
  if (end <= start || end - start > WIMG_LZ4_BOUND(want)) return WRT_EIO;
  if (end > f->slot_size - f->data) return WRT_EIO;
  C.lz_valid = 0;
  wimg_image_read(f->slot, C.lz_in, f->data + start, end - start);
  if (wrt_lz4_block(C.lz_in, end - start, C.lz_out, want)) return WRT_EIO;
  C.lz_valid = 1;
  C.lz_node = f->node;
  C.lz_chunk = (u32)i;
  return 0;
}

/* To the guest (gdst) or, when rt is set, into runtime memory. */
static u32 read_to(const struct wrt_file *f, u32 gdst, u8 *rt, u64 off, u32 n) {
  if (!f->lz4) {
    if (n && rt) wimg_image_read(f->slot, rt, f->off + (u32)off, n);
    else if (n) wimg_image_read_guest(f->slot, gdst, f->off + (u32)off, n);
    return 0;
  }
  while (n > 0) {
    u32 len;
    WRT_TRY(load_chunk(f, off / WIMG_LZ4_CHUNK, &len));
    u32 in = (u32)(off % WIMG_LZ4_CHUNK);
    if (in >= len) return WRT_EIO; /* off >= size: the caller's bug */
    u32 k = len - in < n ? len - in : n;
    if (rt) {
      memcpy(rt, C.lz_out + in, k);
      rt += k;
    } else {
      wimg_copy_out(gdst, C.lz_out + in, k);
      gdst += k;
    }
    off += k;
    n -= k;
  }
  return 0;
}

u32 wrt_file_read_guest(const struct wrt_file *f, u32 gdst, u64 off, u32 n) { return read_to(f, gdst, 0, off, n); }

u32 wrt_file_read_rt(const struct wrt_file *f, u8 *dst, u64 off, u32 n) { return read_to(f, 0, dst, off, n); }
