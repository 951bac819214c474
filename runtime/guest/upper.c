/* The writable upper layer: an in-memory file system over the read-only
 * view, as a container's writable layer over its image.
 *
 * Node ids: below WRT_UP a view node, else an upper inode. A view
 * directory that must change is copied up whole (one level: an upper dir
 * whose entries name the view's children), its ancestors first; from then
 * on C.up.redirect sends every id of it to the copy (wrt_fs_canon), so fds
 * opened before (the preopens) see the changes. A view file is copied up
 * (with its bytes unless truncated) when it is opened for writing, linked
 * or has its times set; fds opened on it before follow it to the copy.
 * Removing a name drops its entry (no whiteouts are needed: a copied-up
 * dir lists everything). Inodes live in chunks that never move, entry
 * arrays and buffers in the heap (heap.c), so runtime pointers into them
 * are valid until the next allocation in the same dir or file. */
#include "wrt.h"

#define C WRT_C
#define U C.up
#define TOMB WIMG_NONE

/* ---- inodes ---- */

struct wrt_inode *wrt_inode(u32 id) {
  u32 i = id & ~WRT_UP;
  return (struct wrt_inode *)wrt_ptr(U.chunks[i / WRT_INODE_CHUNK]) + i % WRT_INODE_CHUNK;
}

u64 wrt_now(void) {
  /* realtime, 1 ns precision; a host without a clock gives 0 */
  if (C.frozen) return wrt_frozen_now();
  u32 err = wrt_host_clock_time_get(0, 1, wrt_abs(&C.now));
  return err ? 0 : C.now;
}

static u32 inode_new(u32 mode, u32 *id) {
  u32 i;
  if (U.inode_free) {
    i = U.inode_free - 1;
    U.inode_free = wrt_inode(WRT_UP | i)->parent;
  } else {
    i = U.inode_count;
    if (i / WRT_INODE_CHUNK >= WRT_INODE_CHUNKS) return WRT_ENOSPC;
    if (i % WRT_INODE_CHUNK == 0 && !U.chunks[i / WRT_INODE_CHUNK])
      WRT_TRY(wrt_alloc(WRT_INODE_CHUNK * sizeof(struct wrt_inode), &U.chunks[i / WRT_INODE_CHUNK]));
    ++U.inode_count;
  }
  struct wrt_inode *d = wrt_inode(WRT_UP | i);
  memset(d, 0, sizeof *d);
  d->mode = mode;
  d->nlink = 1;
  d->image = WIMG_NONE;
  d->atim = d->mtim = d->ctim = wrt_now();
  *id = WRT_UP | i;
  return 0;
}

static struct wrt_entry *ents(const struct wrt_inode *d) { return (struct wrt_entry *)wrt_ptr(d->ents); }
static u32 *htab(const struct wrt_inode *d) { return (u32 *)wrt_ptr(d->hash); }

static void file_free(struct wrt_inode *d) {
  if (!d->big) {
    wrt_free(d->data, d->cap);
    return;
  }
  u32 *blocks = (u32 *)wrt_ptr(d->data);
  for (u32 i = 0; i < d->cap; ++i) wrt_free(blocks[i], WRT_BLOCK);
  wrt_free(d->data, d->cap * 4);
}

static void dir_clear(struct wrt_inode *d) {
  for (u32 s = 0; s < d->used; ++s)
    if (ents(d)[s].node != TOMB) wrt_free(ents(d)[s].name, ents(d)[s].len);
  wrt_free(d->ents, d->ecap * sizeof(struct wrt_entry));
  wrt_free(d->hash, d->hcap * 4);
  d->ents = d->ecap = d->used = d->live = d->fslot = d->hash = d->hcap = d->tombs = 0;
}

static void inode_free(u32 id) {
  struct wrt_inode *d = wrt_inode(id);
  u32 type = d->mode & WRT_S_IFMT;
  if (type == WRT_S_IFDIR) {
    dir_clear(d);
    /* A copied-up view dir stays (removed, empty): the redirect keeps fds
     * that hold the view node (a preopen) from seeing the view again. */
    if (d->image != WIMG_NONE) return;
  } else if (type == WRT_S_IFLNK) {
    wrt_free(d->data, (u32)d->size);
  } else {
    file_free(d);
  }
  memset(d, 0, sizeof *d);
  d->parent = U.inode_free;
  U.inode_free = (id & ~WRT_UP) + 1;
}

/* A name lost its link to an upper inode (unlink, rmdir, replaced by a
 * rename): it goes when nothing names it and no fd holds it. */
static void unlinked(u32 id) {
  if (!wrt_is_up(id)) return;
  struct wrt_inode *d = wrt_inode(id);
  d->nlink = (d->mode & WRT_S_IFMT) == WRT_S_IFDIR || d->nlink == 0 ? 0 : d->nlink - 1;
  d->ctim = wrt_now();
  if (d->nlink == 0 && d->opens == 0) inode_free(id);
}

/* An fd on it was closed. */
void wrt_up_release(u32 id) {
  if (!wrt_is_up(id)) return;
  struct wrt_inode *d = wrt_inode(id);
  if (d->opens) --d->opens;
  if (d->nlink == 0 && d->opens == 0) inode_free(id);
}

/* ---- directory entries: slots in creation order, hashed by name ---- */

static u32 name_hash(const u8 *name, u32 len) { return wimg_hash(0, name, len); }

/* The slot holding `name` (and its bucket), or WIMG_NONE. */
static u32 find(const struct wrt_inode *d, const u8 *name, u32 len, u32 *bucket) {
  if (!d->hcap) return WIMG_NONE;
  u32 mask = d->hcap - 1, b = name_hash(name, len) & mask;
  for (u32 i = 0; i < d->hcap; ++i, b = (b + 1) & mask) {
    u32 v = htab(d)[b];
    if (v == 0) return WIMG_NONE;
    if (v == TOMB) continue;
    const struct wrt_entry *e = &ents(d)[v - 1];
    if (e->len == len && memcmp(wrt_ptr(e->name), name, len) == 0) {
      if (bucket) *bucket = b;
      return v - 1;
    }
  }
  return WIMG_NONE;
}

static void hash_put(struct wrt_inode *d, u32 slot) {
  const struct wrt_entry *e = &ents(d)[slot];
  u32 mask = d->hcap - 1, b = name_hash(wrt_ptr(e->name), e->len) & mask;
  while (htab(d)[b] != 0 && htab(d)[b] != TOMB) b = (b + 1) & mask;
  htab(d)[b] = slot + 1;
}

static void rehash(struct wrt_inode *d) {
  memset(htab(d), 0, d->hcap * 4);
  d->tombs = 0;
  for (u32 s = 0; s < d->used; ++s)
    if (ents(d)[s].node != TOMB) hash_put(d, s);
}

/* Room for one more slot: doubles the entry array and the hash. */
static u32 dir_room(struct wrt_inode *d) {
  if (d->fslot || d->used < d->ecap) return 0;
  u32 ecap = d->ecap ? d->ecap * 2 : 8, ne, nh;
  WRT_TRY(wrt_alloc(ecap * sizeof(struct wrt_entry), &ne));
  u32 err = wrt_alloc(ecap * 2 * 4, &nh);
  if (err) {
    wrt_free(ne, ecap * sizeof(struct wrt_entry));
    return err;
  }
  memcpy(wrt_ptr(ne), wrt_ptr(d->ents), d->used * sizeof(struct wrt_entry));
  wrt_free(d->ents, d->ecap * sizeof(struct wrt_entry));
  wrt_free(d->hash, d->hcap * 4);
  d->ents = ne;
  d->ecap = ecap;
  d->hash = nh;
  d->hcap = ecap * 2;
  rehash(d);
  return 0;
}

static u32 dir_insert(struct wrt_inode *d, const u8 *name, u32 len, u32 node) {
  u32 np, slot;
  WRT_TRY(wrt_alloc(len, &np));
  u32 err = dir_room(d);
  if (err) {
    wrt_free(np, len);
    return err;
  }
  memcpy(wrt_ptr(np), name, len);
  if (d->fslot) {
    slot = d->fslot - 1;
    d->fslot = ents(d)[slot].len;
  } else {
    slot = d->used++;
  }
  struct wrt_entry *e = &ents(d)[slot];
  e->name = np;
  e->len = len;
  e->node = node;
  ++d->live;
  hash_put(d, slot);
  if ((d->live + d->tombs) * 4 > d->hcap * 3) rehash(d);
  return 0;
}

static void dir_remove(struct wrt_inode *d, u32 slot, u32 bucket) {
  struct wrt_entry *e = &ents(d)[slot];
  wrt_free(e->name, e->len);
  e->name = 0;
  e->node = TOMB;
  e->len = d->fslot;
  d->fslot = slot + 1;
  --d->live;
  htab(d)[bucket] = TOMB;
  ++d->tombs;
}

/* ---- the merged view ---- */

u32 wrt_fs_canon(u32 id) {
  if (wrt_is_up(id) || !U.redirect || id >= C.view.node_count) return id;
  if (!(((const u8 *)wrt_ptr(U.redirected))[id / 8] & (1u << (id % 8)))) return id;
  u32 r = ((u32 *)wrt_ptr(U.redirect))[id];
  return r ? WRT_UP | (r - 1) : id;
}

/* The merged fields of a view node that was not copied up. */
static void view_fill(struct wrt_node *n) {
  n->image = n->index;
  n->nlink = 1;
  n->atim = n->ctim = n->mtime_ns;
}

u32 wrt_fs_node(u32 id, struct wrt_node *n) {
  id = wrt_fs_canon(id);
  if (!wrt_is_up(id)) {
    WRT_TRY(wrt_view_node(id, n));
    view_fill(n);
    return 0;
  }
  if ((id & ~WRT_UP) >= U.inode_count) return WRT_EIO;
  const struct wrt_inode *d = wrt_inode(id);
  if (!d->mode) return WRT_EIO;
  memset(n, 0, sizeof *n);
  n->index = id;
  n->parent = d->parent;
  n->image = d->image;
  n->mode = d->mode;
  n->nlink = d->nlink;
  n->size = (d->mode & WRT_S_IFMT) == WRT_S_IFDIR ? 0 : d->size;
  n->mtime_ns = d->mtim;
  n->atim = d->atim;
  n->ctim = d->ctim;
  return 0;
}

/* st_ino: a view node's index + 1, kept by its copy; new inodes above 2^32. */
u64 wrt_fs_ino(const struct wrt_node *n) {
  if (n->image != WIMG_NONE) return (u64)n->image + 1;
  return ((u64)1 << 32) + (n->index & ~WRT_UP);
}

u32 wrt_fs_lookup(const struct wrt_node *dir, const u8 *name, u32 len, struct wrt_node *out) {
  if (!wrt_is_up(dir->index)) {
    WRT_TRY(wrt_view_lookup(dir, name, len, out));
    if (wrt_fs_canon(out->index) != out->index) return wrt_fs_node(out->index, out); /* copied up */
    view_fill(out);
    return 0;
  }
  const struct wrt_inode *d = wrt_inode(dir->index);
  u32 slot = find(d, name, len, 0);
  if (slot == WIMG_NONE) return WRT_ENOENT;
  return wrt_fs_node(ents(d)[slot].node, out);
}

/* Copies a symlink's target (link->size bytes) to dst. */
u32 wrt_fs_target(const struct wrt_node *link, u8 *dst) {
  if (wrt_is_up(link->index)) {
    memcpy(dst, wrt_ptr(wrt_inode(link->index)->data), (u32)link->size);
    return 0;
  }
  u32 off;
  WRT_TRY(wrt_view_target(link, &off));
  wimg_image_read(0, dst, off, (u32)link->size);
  return 0;
}

/* readdir positions: a view dir's children, an upper dir's slots. */
u32 wrt_fs_count(const struct wrt_node *dir) {
  return wrt_is_up(dir->index) ? wrt_inode(dir->index)->used : dir->child_count;
}

/* Entry k: ENOENT for a freed slot (skipped). The name is at *name
 * (runtime memory) or, when *name is 0, at *name_off in slot 0. */
u32 wrt_fs_entry(const struct wrt_node *dir, u32 k, struct wrt_node *out, const u8 **name, u32 *name_off) {
  if (!wrt_is_up(dir->index)) {
    WRT_TRY(wrt_view_child(dir, k, out));
    out->image = out->index;
    *name = 0;
    *name_off = C.view.strings_off + out->name_off;
    return 0;
  }
  const struct wrt_inode *d = wrt_inode(dir->index);
  if (k >= d->used || ents(d)[k].node == TOMB) return WRT_ENOENT;
  const struct wrt_entry *e = &ents(d)[k];
  WRT_TRY(wrt_fs_node(e->node, out));
  *name = (const u8 *)wrt_ptr(e->name);
  out->name_len = e->len;
  return 0;
}

u32 wrt_fs_empty(const struct wrt_node *dir, int *empty) {
  *empty = wrt_is_up(dir->index) ? wrt_inode(dir->index)->live == 0 : dir->child_count == 0;
  return 0;
}

/* ---- copy-up ---- */

static u32 redirect_table(void) {
  if (U.redirect) return 0;
  u32 bits;
  WRT_TRY(wrt_alloc(C.view.node_count / 8 + 1, &bits));
  u32 err = wrt_alloc(C.view.node_count * 4, &U.redirect);
  if (err) {
    wrt_free(bits, C.view.node_count / 8 + 1);
    return err;
  }
  U.redirected = bits;
  return 0;
}

/* Copies view dir `v` up (its ancestors first): an upper dir listing its
 * children, put in its parent's entry in place of the view node. */
static u32 copy_dir(u32 v, u32 *up) {
  struct wrt_node n, c;
  u32 parent = 0, id, err;
  WRT_TRY(wrt_view_node(v, &n));
  if (!wrt_is_dir(&n)) return WRT_ENOTDIR;
  if (v != 0) WRT_TRY(wrt_up_dir(n.parent, &parent));
  WRT_TRY(redirect_table());
  WRT_TRY(inode_new(n.mode, &id));
  struct wrt_inode *d = wrt_inode(id);
  d->image = v;
  d->parent = v == 0 ? id : parent;
  d->atim = d->mtim = d->ctim = n.mtime_ns;
  for (u32 i = 0; i < n.child_count; ++i) {
    if ((err = wrt_view_child(&n, i, &c))) break;
    wimg_image_read(0, U.cname, C.view.strings_off + c.name_off, c.name_len);
    if ((err = dir_insert(d, U.cname, c.name_len, c.index))) break;
  }
  if (err) {
    inode_free(id);
    return err;
  }
  ((u32 *)wrt_ptr(U.redirect))[v] = (id & ~WRT_UP) + 1;
  ((u8 *)wrt_ptr(U.redirected))[v / 8] |= (u8)(1u << (v % 8));
  if (v != 0) {
    struct wrt_inode *p = wrt_inode(parent);
    wimg_image_read(0, U.cname, C.view.strings_off + n.name_off, n.name_len);
    u32 slot = find(p, U.cname, n.name_len, 0);
    if (slot != WIMG_NONE && ents(p)[slot].node == v) ents(p)[slot].node = id;
  }
  *up = id;
  return 0;
}

/* The upper dir for dir node `dir`, copying it up if needed. */
u32 wrt_up_dir(u32 dir, u32 *up) {
  dir = wrt_fs_canon(dir);
  if (!wrt_is_up(dir)) return copy_dir(dir, up);
  if ((wrt_inode(dir)->mode & WRT_S_IFMT) != WRT_S_IFDIR) return WRT_ENOTDIR;
  *up = dir;
  return 0;
}

/* The upper dir in which a name is to change: ENOENT once it was removed
 * (as Linux answers for a deleted cwd). */
static u32 live_dir(u32 dir, struct wrt_inode **d) {
  u32 up;
  WRT_TRY(wrt_up_dir(dir, &up));
  *d = wrt_inode(up);
  return (*d)->nlink ? 0 : WRT_ENOENT;
}

static void touch_dir(struct wrt_inode *d) { d->mtim = d->ctim = wrt_now(); }

u32 wrt_up_create(u32 dir, const u8 *name, u32 len, u32 mode, u32 *id) {
  struct wrt_inode *d;
  u32 pid;
  WRT_TRY(live_dir(dir, &d));
  pid = wrt_fs_canon(dir);
  WRT_TRY(inode_new(mode, id));
  if ((mode & WRT_S_IFMT) == WRT_S_IFDIR) wrt_inode(*id)->parent = pid;
  u32 err = dir_insert(d, name, len, *id);
  if (err) {
    inode_free(*id);
    return err;
  }
  touch_dir(d);
  return 0;
}

u32 wrt_up_symlink(u32 dir, const u8 *name, u32 len, const u8 *target, u32 tlen) {
  u32 id, buf;
  WRT_TRY(wrt_alloc(tlen, &buf));
  u32 err = wrt_up_create(dir, name, len, WRT_S_IFLNK | 0777u, &id);
  if (err) {
    wrt_free(buf, tlen);
    return err;
  }
  memcpy(wrt_ptr(buf), target, tlen);
  wrt_inode(id)->data = buf;
  wrt_inode(id)->size = tlen;
  return 0;
}

/* Storage for bytes [0, end) of a file: a buffer up to one block, then
 * an array of blocks (allocated as they are written). */
static u32 file_room(struct wrt_inode *d, u64 end) {
  if (end > ((u64)1 << 32)) return 22; /* EFBIG: 4 GiB per file */
  if (!d->big && end <= WRT_BLOCK) {
    if (end <= d->cap) return 0;
    u32 cap = 64, nb;
    while (cap < end) cap *= 2;
    WRT_TRY(wrt_alloc(cap, &nb));
    memcpy(wrt_ptr(nb), wrt_ptr(d->data), d->cap);
    wrt_free(d->data, d->cap);
    d->data = nb;
    d->cap = cap;
    return 0;
  }
  u32 need = (u32)((end + WRT_BLOCK - 1) / WRT_BLOCK), arr;
  if (d->big && need <= d->cap) return 0;
  u32 cap = d->big ? d->cap : 1;
  while (cap < need) cap *= 2;
  WRT_TRY(wrt_alloc(cap * 4, &arr));
  u32 *blocks = (u32 *)wrt_ptr(arr);
  if (d->big) {
    memcpy(blocks, wrt_ptr(d->data), d->cap * 4);
    wrt_free(d->data, d->cap * 4);
  } else if (d->cap) {
    /* the small buffer becomes block 0 */
    u32 b0;
    u32 err = wrt_alloc(WRT_BLOCK, &b0);
    if (err) {
      wrt_free(arr, cap * 4);
      return err;
    }
    memcpy(wrt_ptr(b0), wrt_ptr(d->data), d->cap);
    wrt_free(d->data, d->cap);
    blocks[0] = b0;
  }
  d->data = arr;
  d->cap = cap;
  d->big = 1;
  return 0;
}

/* Copies n bytes between a file's storage at off and the guest: reads
 * into the guest (`to_guest`, holes as zeros) or writes from it
 * (allocating blocks; file_room made the array large enough). */
static u32 file_io(struct wrt_inode *d, u32 gaddr, u64 off, u32 n, int to_guest) {
  while (n > 0) {
    u32 in = d->big ? (u32)(off % WRT_BLOCK) : (u32)off;
    u32 room = d->big ? WRT_BLOCK - in : (u32)(d->cap > off ? d->cap - off : 0);
    u32 k = n < room ? n : room;
    u8 *at = 0;
    if (d->big && off / WRT_BLOCK < d->cap) { /* past the array: a hole (reads only) */
      u32 *slot = (u32 *)wrt_ptr(d->data) + off / WRT_BLOCK;
      if (!*slot && !to_guest) WRT_TRY(wrt_alloc(WRT_BLOCK, slot));
      if (*slot) at = (u8 *)wrt_ptr(*slot) + in;
    } else if (k) {
      at = (u8 *)wrt_ptr(d->data) + in;
    }
    if (!k) k = n; /* reading past a small buffer: zeros */
    if (to_guest) {
      for (u32 done = 0; done < k;) {
        u32 m = k - done < sizeof U.zero ? k - done : (u32)sizeof U.zero;
        wimg_copy_out(gaddr + done, at ? at + done : U.zero, m);
        done += m;
      }
    } else {
      wimg_copy_in(at, gaddr, k);
    }
    gaddr += k;
    off += k;
    n -= k;
  }
  return 0;
}

/* Copies the bytes of view file n into upper file d, a block at a time
 * straight into its storage. */
static u32 copy_bytes(struct wrt_inode *d, const struct wrt_node *n) {
  struct wrt_file f;
  WRT_TRY(wrt_view_file(n, &f));
  WRT_TRY(file_room(d, n->size));
  for (u64 off = 0; off < n->size;) {
    u32 k = n->size - off < WRT_BLOCK ? (u32)(n->size - off) : WRT_BLOCK;
    u8 *at = (u8 *)wrt_ptr(d->data) + off;
    if (d->big) {
      u32 *slot = (u32 *)wrt_ptr(d->data) + off / WRT_BLOCK;
      WRT_TRY(wrt_alloc(WRT_BLOCK, slot));
      at = (u8 *)wrt_ptr(*slot);
    }
    WRT_TRY(wrt_file_read_rt(&f, at, off, k));
    off += k;
  }
  d->size = n->size;
  return 0;
}

/* The upper inode for node n named `name` in dir: n itself, or its copy
 * (with its bytes when `data`), put in place of the view node. */
u32 wrt_up_copy(u32 dir, const u8 *name, u32 len, const struct wrt_node *n, int data, u32 *id) {
  struct wrt_inode *d, *p;
  if (wrt_is_up(n->index)) return *id = n->index, 0;
  if (wrt_is_dir(n)) return wrt_up_dir(n->index, id);
  WRT_TRY(live_dir(dir, &p));
  u32 slot = find(p, name, len, 0);
  if (slot == WIMG_NONE || ents(p)[slot].node != n->index) return WRT_EIO;
  WRT_TRY(inode_new(n->mode, id));
  d = wrt_inode(*id);
  d->image = n->index;
  d->atim = d->mtim = d->ctim = n->mtime_ns;
  u32 err = 0;
  if (wrt_is_link(n)) {
    if (!(err = wrt_alloc((u32)n->size, &d->data))) {
      d->size = n->size;
      err = wrt_fs_target(n, wrt_ptr(d->data));
    }
  } else if (data) {
    err = copy_bytes(d, n);
  }
  if (err) {
    inode_free(*id);
    return err;
  }
  ents(p)[slot].node = *id;
  /* fds opened on the view file before follow it to the copy, as fds on
   * the one inode of a host file would (with the same rights) */
  for (u32 fd = 0; fd < WRT_MAX_FDS; ++fd) {
    struct wrt_fd *e = &C.fds[fd];
    if (e->kind == WRT_FD_IMAGE && e->node == n->index) {
      e->node = *id;
      ++d->opens;
    }
  }
  return 0;
}

u32 wrt_up_remove(u32 dir, const u8 *name, u32 len) {
  struct wrt_inode *p;
  u32 bucket;
  WRT_TRY(live_dir(dir, &p));
  u32 slot = find(p, name, len, &bucket);
  if (slot == WIMG_NONE) return WRT_ENOENT;
  u32 node = ents(p)[slot].node;
  dir_remove(p, slot, bucket);
  touch_dir(p);
  unlinked(node);
  return 0;
}

u32 wrt_up_link(u32 dir, const u8 *name, u32 len, u32 id) {
  struct wrt_inode *p;
  WRT_TRY(live_dir(dir, &p));
  WRT_TRY(dir_insert(p, name, len, id));
  touch_dir(p);
  ++wrt_inode(id)->nlink;
  wrt_inode(id)->ctim = wrt_now();
  return 0;
}

/* Moves entry sname of sdir to dname of ddir, replacing what is there
 * (the caller checked the types, emptiness and the subtree rule). */
u32 wrt_up_rename(u32 sdir, const u8 *sname, u32 slen, u32 ddir, const u8 *dname, u32 dlen) {
  struct wrt_inode *s, *t;
  u32 bucket, up;
  WRT_TRY(live_dir(sdir, &s));
  WRT_TRY(live_dir(ddir, &t));
  u32 slot = find(s, sname, slen, 0);
  if (slot == WIMG_NONE) return WRT_ENOENT;
  u32 node = wrt_fs_canon(ents(s)[slot].node);
  /* a moved view dir is copied up: its `..` must follow it */
  struct wrt_node n;
  WRT_TRY(wrt_fs_node(node, &n));
  if (wrt_is_dir(&n) && !wrt_is_up(node)) {
    WRT_TRY(wrt_up_dir(node, &up));
    node = up;
  }
  u32 dslot = find(t, dname, dlen, 0);
  u32 old = WIMG_NONE;
  if (dslot != WIMG_NONE) {
    old = ents(t)[dslot].node;
    ents(t)[dslot].node = node;
  } else {
    WRT_TRY(dir_insert(t, dname, dlen, node));
  }
  slot = find(s, sname, slen, &bucket); /* the insert may have moved it */
  dir_remove(s, slot, bucket);
  if (wrt_is_up(node) && wrt_is_dir(&n)) wrt_inode(node)->parent = wrt_fs_canon(ddir);
  if (wrt_is_up(node)) wrt_inode(node)->ctim = wrt_now();
  touch_dir(s);
  touch_dir(t);
  if (old != WIMG_NONE) unlinked(old);
  return 0;
}

/* ---- file contents ---- */

u32 wrt_up_read(u32 id, u32 gdst, u64 off, u32 n) {
  struct wrt_inode *d = wrt_inode(id);
  return file_io(d, gdst, off, n, 1);
}

u32 wrt_up_write(u32 id, u32 gsrc, u64 off, u32 n) {
  struct wrt_inode *d = wrt_inode(id);
  if (!n) return 0;
  WRT_TRY(file_room(d, off + n));
  WRT_TRY(file_io(d, gsrc, off, n, 0));
  if (off + n > d->size) d->size = off + n;
  d->mtim = d->ctim = wrt_now();
  return 0;
}

/* Bytes past the size stay zero: shrinking clears them (frees whole
 * blocks); growing then needs no storage until written. */
u32 wrt_up_resize(u32 id, u64 size) {
  struct wrt_inode *d = wrt_inode(id);
  if (size > ((u64)1 << 32)) return 22; /* EFBIG */
  if (size < d->size) {
    if (!d->big) {
      if (size < d->cap) memset((u8 *)wrt_ptr(d->data) + size, 0, d->cap - (u32)size);
    } else {
      u32 *blocks = (u32 *)wrt_ptr(d->data);
      for (u32 i = (u32)((size + WRT_BLOCK - 1) / WRT_BLOCK); i < d->cap; ++i) {
        wrt_free(blocks[i], WRT_BLOCK);
        blocks[i] = 0;
      }
      u32 in = (u32)(size % WRT_BLOCK), b = (u32)(size / WRT_BLOCK);
      if (in && b < d->cap && blocks[b]) memset((u8 *)wrt_ptr(blocks[b]) + in, 0, WRT_BLOCK - in);
    }
  }
  d->size = size;
  d->mtim = d->ctim = wrt_now();
  return 0;
}

/* fst: ATIM 1, ATIM_NOW 2, MTIM 4, MTIM_NOW 8 (checked by the caller). */
u32 wrt_up_times(u32 id, u64 atim, u64 mtim, u32 fst) {
  struct wrt_inode *d = wrt_inode(id);
  u64 now = wrt_now();
  if (fst & 1u) d->atim = atim;
  if (fst & 2u) d->atim = now;
  if (fst & 4u) d->mtim = mtim;
  if (fst & 8u) d->mtim = now;
  d->ctim = now;
  return 0;
}

/* ---- setup ---- */

/* "" (the default), "ro" (read-only) or a decimal byte count; EINVAL
 * otherwise. */
static u32 parse_cap(const u8 *s, u32 len, u32 *enabled, u64 *cap) {
  if (len == 0) return 0;
  if (len == 2 && s[0] == 'r' && s[1] == 'o') return *enabled = 0, 0;
  if (len > 19) return WRT_EINVAL;
  u64 v = 0;
  for (u32 i = 0; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9') return WRT_EINVAL;
    v = v * 10 + (u64)(s[i] - '0');
  }
  *enabled = 1;
  *cap = v;
  return 0;
}

/* VOLUME i (the fs list's string i, an absolute path): its missing
 * directories are created (0755), as docker creates a volume's mount
 * point. A component that is not a directory stops it (the packer refuses
 * that for the image's own files). */
static void make_volume(u32 i) {
  struct wrt_node cur, child;
  u32 off, len, pos = 0, id;
  struct wrt_comp c;
  if (wrt_view_string(WRT_CFG_FS, i, &off, &len) || len > WRT_PATH_MAX) return;
  wimg_image_read(0, C.path_tmp, off, len);
  if (wrt_fs_node(0, &cur)) return;
  while (wrt_next_comp(C.path_tmp, len, &pos, &c)) {
    if (c.dots || c.n > WRT_NAME_MAX) return;
    u32 err = wrt_fs_lookup(&cur, C.path_tmp + c.s, c.n, &child);
    if (err == WRT_ENOENT) {
      if (wrt_up_create(cur.index, C.path_tmp + c.s, c.n, WRT_S_IFDIR | 0755u, &id) || wrt_fs_node(id, &child)) return;
    } else if (err || !wrt_is_dir(&child)) {
      return;
    }
    cur = child;
  }
}

/* WIMG_UPPER, built without a data segment (the ABI has none). */
u32 wrt_upper_key(u8 k[10]) {
  wrt_st32(k, 0x474D4957u);     /* "WIMG" */
  wrt_st32(k + 4, 0x5050555Fu); /* "_UPP" */
  k[8] = 'E';
  k[9] = 'R';
  return 10;
}

/* The image's setting (the config's fs list: "ro" or the cap in bytes;
 * none: writable, WIMG_UPPER_DEFAULT), overridden by the host's
 * WIMG_UPPER (wimg run --read-only / --tmpfs-size). Then /tmp, unless the
 * image has one: 1777 like every Linux /tmp. */
u32 wrt_upper_init(void) {
  u8 key[10], tmp[3];
  const u8 *val;
  u32 off, len, vlen, id;
  U.enabled = 1;
  U.cap = WIMG_UPPER_DEFAULT;
  if (C.view.lists[WRT_CFG_FS].count > 0) {
    WRT_TRY(wrt_view_string(WRT_CFG_FS, 0, &off, &len));
    if (len > WRT_NAME_MAX) return WRT_EIO;
    wimg_image_read(0, U.cname, off, len);
    if (parse_cap(U.cname, len, &U.enabled, &U.cap)) return WRT_EIO;
  }
  u32 err = wrt_host_env_value(key, wrt_upper_key(key), &val, &vlen);
  if (!err && parse_cap(val, vlen, &U.enabled, &U.cap)) return WRT_EIO;
  if (!U.enabled) return 0;
  for (u32 i = 1; i < C.view.lists[WRT_CFG_FS].count; ++i) make_volume(i);
  struct wrt_node root, t;
  WRT_TRY(wrt_fs_node(0, &root));
  tmp[0] = 't';
  tmp[1] = 'm';
  tmp[2] = 'p';
  if (wrt_fs_lookup(&root, tmp, 3, &t) == WRT_ENOENT) {
    /* no room for /tmp (a tiny cap) is not an error: writes will say so */
    if (wrt_up_create(0, tmp, 3, WRT_S_IFDIR | 01777u, &id) == 0) {
      struct wrt_inode *d = wrt_inode(id);
      d->atim = d->mtim = d->ctim = root.mtime_ns;
    }
  }
  return 0;
}
