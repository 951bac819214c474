/* The view (slot 0, wimg_abi.h §5): header, nodes, hash lookup, config.
 *
 * The view is read on demand with memory.init (wimg_image_read) instead of
 * being copied into the runtime: a big image's view (ruby's stdlib: ~2000
 * nodes) would not fit a small static region, and memory.init of a 64-byte
 * node is cheap. The packer is trusted to be right but not assumed to be: every
 * offset is checked against the slot sizes before it is read, because
 * image_read traps on an out-of-range read and a corrupt view must be an
 * EIO, not a trap. */
#include "wrt.h"

#define V (WRT_C.view)

/* [off, off+len) inside slot 0. */
static int in_view(u64 off, u64 len) { return off + len <= V.size; }

static u32 rd32(u32 off) {
  u8 b[4];
  wimg_image_read(0, b, off, 4);
  return wrt_ld32(b);
}

/* Reads one config string list header and skips its strings. */
static u32 read_list(u32 *cursor, u32 end, struct wrt_list *list) {
  if (*cursor + 4 > end) return WRT_EIO;
  list->count = rd32(*cursor);
  *cursor += 4;
  list->first = *cursor;
  for (u32 i = 0; i < list->count; ++i) {
    if (*cursor + 4 > end) return WRT_EIO;
    u32 len = rd32(*cursor);
    if ((u64)*cursor + 4 + len > end) return WRT_EIO;
    *cursor += 4 + len;
  }
  return 0;
}

u32 wrt_view_load(void) {
  u8 h[WIMG_VIEW_HEADER_SIZE];
  wimg_image_read(0, h, 0, WIMG_VIEW_HEADER_SIZE);
  /* the magic as a number: a string literal would need a data segment */
  if (wrt_ld64(h) != 0x57454956474d4957ull /* "WIMGVIEW" */ || wrt_ld32(h + 8) != WIMG_VIEW_VERSION) return WRT_EIO;
  V.slot_count = wrt_ld32(h + 12);
  V.node_count = wrt_ld32(h + 16);
  V.bucket_count = wrt_ld32(h + 20);
  V.nodes_off = wrt_ld32(h + 24);
  V.buckets_off = wrt_ld32(h + 28);
  V.children_off = wrt_ld32(h + 32);
  V.strings_off = wrt_ld32(h + 36);
  V.strings_len = wrt_ld32(h + 40);
  V.config_off = wrt_ld32(h + 44);
  V.config_len = wrt_ld32(h + 48);
  V.slot_sizes_off = wrt_ld32(h + 52);
  if (V.slot_count < 1 || V.slot_count > WIMG_SLOTS || V.node_count < 1) return WRT_EIO;
  if (V.bucket_count == 0 || (V.bucket_count & (V.bucket_count - 1)) != 0) return WRT_EIO;
  if (V.bucket_count > 0x10000000u) return WRT_EIO; /* (bucket_count + 1) * 4 fits a u32 */
  /* The slot sizes first: slot 0's own size bounds everything else. Reading
   * them may trap if the header lies, which is as good as it gets. */
  V.size = rd32(V.slot_sizes_off);
  if (V.size < WIMG_VIEW_HEADER_SIZE) return WRT_EIO;
  if (!in_view(V.slot_sizes_off, (u64)V.slot_count * 4)) return WRT_EIO;
  if (!in_view(V.nodes_off, (u64)V.node_count * WIMG_VIEW_NODE_SIZE)) return WRT_EIO;
  if (!in_view(V.buckets_off, ((u64)V.bucket_count + 1) * 4)) return WRT_EIO;
  if (!in_view(V.strings_off, V.strings_len)) return WRT_EIO;
  if (!in_view(V.config_off, V.config_len)) return WRT_EIO;
  /* The children array has no length field: it ends where the next table
   * starts, so bound it by the slot and check each dir's range against it. */
  if (V.children_off > V.size) return WRT_EIO;
  V.children_count = (V.size - V.children_off) / 4;
  struct wrt_node root;
  u32 err = wrt_view_node(0, &root);
  if (err) return err;
  if (!wrt_is_dir(&root)) return WRT_EIO;
  u32 cursor = V.config_off, end = V.config_off + V.config_len;
  for (u32 i = 0; i < WRT_CFG_LISTS; ++i)
    if ((err = read_list(&cursor, end, &V.lists[i]))) return err;
  return 0;
}

u32 wrt_view_slot_size(u32 slot, u32 *size) {
  if (slot >= V.slot_count) return WRT_EIO;
  *size = rd32(V.slot_sizes_off + slot * 4);
  return 0;
}

/* Node `index`'s 64 bytes (index < node_count, checked by the callers). */
static void node_bytes(u32 index, u8 *b) {
  wimg_image_read(0, b, V.nodes_off + index * WIMG_VIEW_NODE_SIZE, WIMG_VIEW_NODE_SIZE);
}

static u32 decode_node(u32 index, const u8 *b, struct wrt_node *n) {
  n->index = index;
  n->parent = wrt_ld32(b);
  n->name_off = wrt_ld32(b + 4);
  n->name_len = wrt_ld32(b + 8);
  n->mode = wrt_ld32(b + 12);
  n->first_child = wrt_ld32(b + 16);
  n->child_count = wrt_ld32(b + 20);
  u32 slot = wrt_ld32(b + 24);
  n->slot = slot & WIMG_NODE_SLOT_MASK;
  n->lz4 = (slot & WIMG_NODE_LZ4) != 0;
  n->hash = wrt_ld32(b + 28); /* b + 32: name_head, only compared by lookup */
  n->offset = wrt_ld64(b + 40);
  n->size = wrt_ld64(b + 48);
  n->mtime_ns = wrt_ld64(b + 56);
  if (n->parent >= V.node_count) return WRT_EIO;
  if (slot & ~(WIMG_NODE_SLOT_MASK | WIMG_NODE_LZ4)) return WRT_EIO;
  if ((u64)n->name_off + n->name_len > V.strings_len) return WRT_EIO;
  if (wrt_is_dir(n) && (u64)n->first_child + n->child_count > V.children_count) return WRT_EIO;
  return 0;
}

u32 wrt_view_node(u32 index, struct wrt_node *n) {
  u8 b[WIMG_VIEW_NODE_SIZE];
  if (index >= V.node_count) return WRT_EIO;
  node_bytes(index, b);
  return decode_node(index, b, n);
}

/* Whether node bytes `b` name `name` under `dir`: parent, length and the
 * inline head first, strings only for a name longer than the head. */
static u32 node_names(const u8 *b, u32 dir, const u8 *name, u32 len, u32 *match) {
  u8 rest[WRT_NAME_MAX];
  *match = 0;
  if (wrt_ld32(b) != dir || wrt_ld32(b + 8) != len) return 0;
  u32 head = len < WIMG_NAME_HEAD ? len : WIMG_NAME_HEAD;
  if (memcmp(b + 32, name, head) != 0) return 0;
  if (len > head) {
    u32 name_off = wrt_ld32(b + 4);
    if ((u64)name_off + len > V.strings_len) return WRT_EIO;
    wimg_image_read(0, rest, V.strings_off + name_off + head, len - head);
    if (memcmp(rest, name + head, len - head) != 0) return 0;
  }
  *match = 1;
  return 0;
}

/* Nodes read per memory.init while scanning a bucket's run: a run has
 * about two nodes (view.h), so one read nearly always covers it. */
#define RUN_BATCH 4u

u32 wrt_view_lookup(const struct wrt_node *dir, const u8 *name, u32 len, struct wrt_node *out) {
  u8 run[RUN_BATCH * WIMG_VIEW_NODE_SIZE], se[8];
  u32 h = wimg_hash(dir->hash, name, len);
  u32 b = wimg_bucket(h, V.bucket_count);
  /* The bucket's run of nodes, sorted by hash: one read of two starts
   * (a small table that stays cached), then contiguous nodes. */
  wimg_image_read(0, se, V.buckets_off + b * 4, 8);
  u32 lo = wrt_ld32(se), hi = wrt_ld32(se + 4);
  if (lo == 0 || lo > hi || hi > V.node_count) return WRT_EIO;
  for (u32 i = lo; i < hi;) {
    u32 n = hi - i < RUN_BATCH ? hi - i : RUN_BATCH;
    wimg_image_read(0, run, V.nodes_off + i * WIMG_VIEW_NODE_SIZE, n * WIMG_VIEW_NODE_SIZE);
    for (u32 k = 0; k < n; ++k) {
      const u8 *nb = run + k * WIMG_VIEW_NODE_SIZE;
      u32 nh = wrt_ld32(nb + 28);
      if (nh > h) return WRT_ENOENT; /* sorted: the name's hash is behind */
      if (nh != h) continue;
      u32 match, err = node_names(nb, dir->index, name, len, &match);
      if (err) return err;
      if (match) return decode_node(i + k, nb, out);
    }
    i += n;
  }
  return WRT_ENOENT;
}

u32 wrt_view_child(const struct wrt_node *dir, u32 i, struct wrt_node *out) {
  if (i >= dir->child_count) return WRT_ENOENT;
  return wrt_view_node(rd32(V.children_off + (dir->first_child + i) * 4), out);
}

/* A file's bytes: checks the slot and the range (raw), or the stored
 * form's count and end array (compressed), once per read; the chunks'
 * ends are checked as they are read (content.c). */
u32 wrt_view_file(const struct wrt_node *n, struct wrt_file *f) {
  u32 size;
  if (wrt_view_slot_size(n->slot, &size)) return WRT_EIO;
  if (n->offset > size) return WRT_EIO;
  memset(f, 0, sizeof *f);
  f->node = n->index;
  f->slot = n->slot;
  f->slot_size = size;
  f->off = (u32)n->offset;
  f->size = n->size;
  if (!n->lz4) return n->size > size - n->offset ? WRT_EIO : 0;
  /* chunk_count and end[] inside the slot (u64: cannot wrap) */
  u64 chunks = n->size / WIMG_LZ4_CHUNK + (n->size % WIMG_LZ4_CHUNK != 0);
  if (4 + 4 * chunks > size - n->offset) return WRT_EIO;
  u8 b[4];
  wimg_image_read(f->slot, b, f->off, 4);
  if (wrt_ld32(b) != chunks) return WRT_EIO;
  f->lz4 = 1;
  f->chunks = (u32)chunks;
  f->data = f->off + 4 + 4 * (u32)chunks;
  return 0;
}

/* A symlink's target: strings + offset, size bytes. */
u32 wrt_view_target(const struct wrt_node *n, u32 *off) {
  if (n->offset > V.strings_len || n->size > V.strings_len - n->offset) return WRT_EIO;
  *off = V.strings_off + (u32)n->offset;
  return 0;
}

/* String i of a config list: its bytes are at *off in slot 0. */
u32 wrt_view_string(u32 list, u32 i, u32 *off, u32 *len) {
  const struct wrt_list *l = &V.lists[list];
  if (i >= l->count) return WRT_EINVAL;
  u32 cursor = l->first;
  for (u32 k = 0; k < i; ++k) cursor += 4 + rd32(cursor); /* bounds checked at load */
  *len = rd32(cursor);
  *off = cursor + 4;
  return 0;
}

u32 wrt_node_filetype(const struct wrt_node *n) {
  switch (n->mode & WRT_S_IFMT) {
    case WRT_S_IFDIR: return WRT_FT_DIR;
    case WRT_S_IFREG: return WRT_FT_REG;
    case WRT_S_IFLNK: return WRT_FT_SYMLINK;
    case WRT_S_IFCHR: return WRT_FT_CHAR;
    case WRT_S_IFBLK: return WRT_FT_BLOCK;
    case WRT_S_IFSOCK: return WRT_FT_SOCK_STREAM;
    default: return WRT_FT_UNKNOWN;
  }
}
