/* File contents. Raw bytes go from their slot straight into the guest's
 * buffers (memory.init). Compressed ones (wimg_abi.h §6) go a chunk at a
 * time through the context: the chunk's stored bytes into lz_in
 * (memory.init), decoded into lz_out (lz4.c), the needed part copied out.
 *
 * Two caches, both keyed by (node, chunk); the image never changes, so
 * neither goes stale:
 * - lz_out holds the last chunk decoded, so sequential small reads decode
 *   each chunk once (invalid only while, or after failing, decoding);
 * - the decoded-chunk cache (struct wrt_lzc) keeps the chunks of files
 *   read again (chunk 0 decoded a second time): a program that reads a
 *   file once (Ruby's require) never fills it, one that reads the same
 *   files again (a second pass, a server's templates) copies them from it
 *   instead of decoding. Bounded: a ring of WRT_LZC_BYTES (16 MiB) of
 *   decoded bytes, oldest overwritten first, plus its table (192 KiB), both
 *   taken from the heap at the first admission and never more; the marks
 *   cost two bits per view node from the first decode. Not while a
 *   snapshot is taken (C.frozen), so a PREINIT snapshot does not carry it. */
#include "lz4.h"
#include "wrt.h"

#define C WRT_C
#define Z C.lzc

static u32 lzc_hash(u32 node, u32 chunk) {
  u32 h = node * 0x9E3779B1u ^ chunk * 0x85EBCA77u;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  return h ^ (h >> 13);
}

static struct wrt_lzc_entry *lzc_set(u32 h) {
  return (struct wrt_lzc_entry *)wrt_ptr(Z.table) + (h & (WRT_LZC_SETS - 1)) * WRT_LZC_WAYS;
}

/* An entry's bytes are intact until the ring's writer passes them by a
 * whole ring. */
static int lzc_live(const struct wrt_lzc_entry *e) { return e->len && Z.head - e->pos <= WRT_LZC_BYTES; }

/* The cached bytes of (node, chunk), moved to the front of its set, or 0. */
static const u8 *lzc_find(u32 node, u32 chunk) {
  if (!Z.table) return 0;
  struct wrt_lzc_entry *set = lzc_set(lzc_hash(node, chunk));
  for (u32 w = 0; w < WRT_LZC_WAYS; ++w) {
    if (set[w].node != node || set[w].chunk != chunk || !lzc_live(&set[w])) continue;
    struct wrt_lzc_entry e = set[w];
    for (; w > 0; --w) set[w] = set[w - 1];
    set[0] = e;
    return (const u8 *)wrt_ptr(Z.ring) + (u32)(e.pos % WRT_LZC_BYTES);
  }
  return 0;
}

/* Whether node's chunks go into the ring: once its chunk 0 is decoded a
 * second time (the file is read again). Marks are exact, two bits per view
 * node, so a program that reads each file once never makes the ring. */
static int lzc_wanted(u32 node, u32 chunk) {
  if (Z.off || C.frozen) return 0;
  if (!Z.marks && wrt_alloc_uncapped(C.view.node_count / 4 + 1, &Z.marks)) {
    Z.off = 1; /* no room: reads stay correct, they just decode */
    return 0;
  }
  u8 *m = (u8 *)wrt_ptr(Z.marks) + node / 4;
  u32 seen = 1u << (2 * (node % 4)), again = seen << 1;
  if (chunk == 0) *m |= (u8)(*m & seen ? again : seen);
  return (*m & again) != 0;
}

/* After a decode into lz_out: a wanted chunk goes into the ring, at the
 * front of its set (the set's last entry drops out). */
static void lzc_admit(u32 node, u32 chunk, u32 len) {
  if (!lzc_wanted(node, chunk)) return;
  if (!Z.table) {
    u32 ring, table;
    if (wrt_alloc_uncapped(WRT_LZC_BYTES, &ring) ||
        wrt_alloc_uncapped(WRT_LZC_SETS * WRT_LZC_WAYS * sizeof(struct wrt_lzc_entry), &table)) {
      Z.off = 1;
      return;
    }
    Z.ring = ring;
    Z.table = table;
  }
  /* a chunk's bytes never wrap around the ring's end: skip to its start */
  u32 at = (u32)(Z.head % WRT_LZC_BYTES);
  if (WRT_LZC_BYTES - at < len) Z.head += WRT_LZC_BYTES - at;
  struct wrt_lzc_entry *set = lzc_set(lzc_hash(node, chunk));
  for (u32 w = WRT_LZC_WAYS - 1; w > 0; --w) set[w] = set[w - 1];
  set[0].node = node;
  set[0].chunk = chunk;
  set[0].len = len;
  set[0].pos = Z.head;
  memcpy((u8 *)wrt_ptr(Z.ring) + (u32)(Z.head % WRT_LZC_BYTES), C.lz_out, len);
  Z.head += len;
}

/* Points *out at chunk i of f, *len bytes. wrt_view_file checked the
 * count and that end[] lies in the slot; here each chunk's range is
 * checked against the slot and the LZ4 bound before it is read. */
static u32 load_chunk(const struct wrt_file *f, u64 i, const u8 **out, u32 *len) {
  u8 b[8];
  if (i >= f->chunks) return WRT_EIO;
  u64 first = i * WIMG_LZ4_CHUNK; /* < size, as i < chunks */
  u32 want = f->size - first < WIMG_LZ4_CHUNK ? (u32)(f->size - first) : WIMG_LZ4_CHUNK;
  *len = want;
  *out = C.lz_out;
  if (C.lz_valid && C.lz_node == f->node && C.lz_chunk == (u32)i) return 0;
  if ((*out = lzc_find(f->node, (u32)i))) return 0;
  *out = C.lz_out;
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
  lzc_admit(f->node, (u32)i, want);
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
    const u8 *src;
    u32 len;
    WRT_TRY(load_chunk(f, off / WIMG_LZ4_CHUNK, &src, &len));
    u32 in = (u32)(off % WIMG_LZ4_CHUNK);
    if (in >= len) return WRT_EIO; /* off >= size: the caller's bug */
    u32 k = len - in < n ? len - in : n;
    if (rt) {
      memcpy(rt, src + in, k);
      rt += k;
    } else {
      wimg_copy_out(gdst, src + in, k);
      gdst += k;
    }
    off += k;
    n -= k;
  }
  return 0;
}

u32 wrt_file_read_guest(const struct wrt_file *f, u32 gdst, u64 off, u32 n) { return read_to(f, gdst, 0, off, n); }

u32 wrt_file_read_rt(const struct wrt_file *f, u8 *dst, u64 off, u32 n) { return read_to(f, 0, dst, off, n); }
