/* Host directories: the runtime resolves every path under a host fd itself.
 *
 * Hosts resolve a WASI path as text and let the kernel follow symlinks in
 * its middle: node's WASI (uvwasi) checks a symlink's target only as text
 * and opens even the last component without O_NOFOLLOW, so a chain such as
 * r -> ".", s1 -> "r/..", s2 -> "s1/.." or a host symlink e -> /etc leads a
 * guest to any host file. So the host is only ever asked about ONE name in a
 * directory the runtime has reached itself:
 *
 *   - each component is lstat'ed (path_filestat_get without follow) in the
 *     current directory; a directory is entered by opening that one name
 *     with O_DIRECTORY, a symlink is read (path_readlink) and its target
 *     resolved here, component by component again;
 *   - `..` never climbs above the fd the lookup started from (WASI's
 *     capability rule: ENOTCAPABLE); the directories walked are kept as
 *     names, and `..` re-walks them from the start fd;
 *   - an absolute target is resolved from the mount's root when the lookup
 *     started there and the target lies under the mount's guest path
 *     ("/data/x" in the mount /data), else ENOTCAPABLE.
 *
 * The caller then makes one host call on (parent fd, last name), after
 * checking that name is not a symlink it should have followed. What stays
 * the host's: a directory swapped for a symlink by ANOTHER host process
 * between the check and the call (uvwasi keeps paths, not dirfds: no host
 * built on it can close that race; the guest itself is single-threaded
 * and cannot). */
#include "wrt.h"

#define C WRT_C

/* WIMG_READONLY as a key, built without a data segment (the ABI has none). */
static u32 ro_key(u8 k[13]) {
  wrt_st32(k, 0x474D4957u);     /* "WIMG" */
  wrt_st32(k + 4, 0x4145525Fu); /* "_REA" */
  wrt_st32(k + 8, 0x4C4E4F44u); /* "DONL" */
  k[12] = 0x59u;                /* "Y" */
  return 13;
}

/* A guest path without its leading and trailing slashes ("/" is empty). */
static void trim(const u8 **s, u32 *len) {
  while (*len && (*s)[0] == '/') ++*s, --*len;
  while (*len && (*s)[*len - 1] == '/') --*len;
}

/* Is the mount named in WIMG_READONLY (guest paths separated by ':')? */
static u32 mount_is_ro(const struct wrt_mount *m, u32 *ro) {
  u8 key[13];
  const u8 *val, *name = m->name;
  u32 vlen, nlen = m->name_len;
  *ro = 0;
  u32 err = wrt_host_env_value(key, ro_key(key), &val, &vlen);
  if (err == WRT_ENOENT) return 0;
  if (err) return err;
  /* A name too long to compare is read-only if anything is: never wider. */
  if (nlen == WIMG_NONE) return *ro = vlen > 0, 0;
  trim(&name, &nlen);
  for (u32 s = 0, i = 0; i <= vlen; ++i) {
    if (i < vlen && val[i] != ':') continue;
    const u8 *p = val + s;
    u32 plen = i - s;
    trim(&p, &plen);
    if (i > s && plen == nlen && memcmp(p, name, nlen) == 0) *ro = 1;
    s = i + 1;
  }
  return 0;
}

/* Registers host preopen `host_fd` (its prestat was read into C.scratch). */
u32 wrt_mount_add(u32 host_fd, u32 *mount) {
  if (C.mount_count == WRT_MAX_MOUNTS) return WRT_EMFILE;
  struct wrt_mount *m = &C.mounts[C.mount_count];
  u32 len = C.scratch[1];
  m->host_fd = host_fd;
  m->name_len = WIMG_NONE;
  m->parent_node = WIMG_NONE; /* wrt_mounts_place, once all are known */
  if (len <= WRT_NAME_MAX && wrt_host_fd_prestat_dir_name(host_fd, wrt_abs(m->name), len) == 0) m->name_len = len;
  WRT_TRY(mount_is_ro(m, &m->ro));
  *mount = ++C.mount_count;
  return 0;
}

u32 wrt_fd_ro(const struct wrt_fd *e) { return e->mount && C.mounts[e->mount - 1].ro; }

/* Where each mount shadows the image (docker run -v): the image directory
 * that holds its mount point, looked up in the image (symlinks followed, as
 * docker resolves a mount point in the rootfs). A mount at "/", a mount
 * point whose parent is not an image directory (or lies in another mount)
 * is reachable through its own preopen only. */
void wrt_mounts_place(void) {
  for (u32 i = 0; i < C.mount_count; ++i) {
    struct wrt_mount *m = &C.mounts[i];
    m->parent_node = WIMG_NONE;
    if (m->name_len == WIMG_NONE) continue;
    const u8 *p = m->name;
    u32 len = m->name_len, cut;
    trim(&p, &len);
    for (cut = len; cut && p[cut - 1] != '/';) --cut;
    u32 base = (u32)(p - m->name) + cut, blen = len - cut;
    if (blen == 0 || (blen == 1 && m->name[base] == '.') ||
        (blen == 2 && m->name[base] == '.' && m->name[base + 1] == '.'))
      continue;
    struct wrt_lookup lk;
    if (cut == 0) {
      if (wrt_view_node(0, &lk.node)) continue;
    } else {
      memcpy(C.path, p, cut);
      C.path_len = cut;
      if (wrt_resolve(0, WRT_LOOKUP_FOLLOW | WRT_LOOKUP_CROSS, &lk)) continue;
    }
    if (!wrt_is_dir(&lk.node)) continue;
    m->parent_node = lk.node.index;
    m->base_off = base;
    m->base_len = blen;
    C.crossable = 1;
  }
}

/* 1 + the mount whose mount point is `name` in image dir `dir_node`, or 0. */
u32 wrt_mount_at(u32 dir_node, const u8 *name, u32 len) {
  for (u32 i = 0; i < C.mount_count; ++i) {
    const struct wrt_mount *m = &C.mounts[i];
    if (m->parent_node == dir_node && m->base_len == len && memcmp(m->name + m->base_off, name, len) == 0)
      return i + 1;
  }
  return 0;
}

/* ---- the walk ---- */

struct walk {
  const struct wrt_fd *e;
  u32 cur;    /* host fd of the directory reached */
  u32 owned;  /* cur was opened here */
  u64 rights; /* the start fd's inheriting rights: given to every dir opened */
};

static void walk_reset(struct walk *w) {
  if (w->owned) (void)wrt_host_fd_close(w->cur);
  w->cur = w->e->host_fd;
  w->owned = 0;
  C.canon_len = 0;
}

static u32 host_lstat(u32 dir, const u8 *name, u32 len, u8 *stat) {
  return wrt_host_path_filestat_get(dir, 0, wrt_abs(name), len, wrt_abs(stat));
}

/* Enters the directory `name` of the current one: lstat says it is a real
 * directory (not a symlink), then that one name is opened. */
static u32 walk_enter(struct walk *w, const u8 *name, u32 len, u8 *stat) {
  WRT_TRY(host_lstat(w->cur, name, len, stat));
  if (stat[16] != WRT_FT_DIR) return WRT_ENOTDIR;
  /* Not FD_DATASYNC: uvwasi counts it as a write right and would open the
   * directory O_RDWR (EISDIR). */
  u64 base = w->rights & WRT_RIGHTS_DIR & ~WRT_R_FD_DATASYNC;
  WRT_TRY(wrt_host_path_open(w->cur, 0, wrt_abs(name), len, WRT_O_DIRECTORY, base, w->rights, 0,
                             wrt_abs(&C.scratch[0])));
  if (w->owned) (void)wrt_host_fd_close(w->cur);
  w->cur = C.scratch[0];
  w->owned = 1;
  return 0;
}

/* Records an entered name (C.canon: the names from the start, '/'-separated). */
static void canon_push(const u8 *name, u32 len) {
  if (C.canon_len) C.canon[C.canon_len++] = '/';
  memcpy(C.canon + C.canon_len, name, len);
  C.canon_len += len;
}

/* `..`: the start's parent is out of reach; otherwise drop the last name
 * and walk the others again from the start fd. */
static u32 walk_up(struct walk *w, u8 *stat) {
  if (C.canon_len == 0) return WRT_ENOTCAPABLE;
  u32 keep = C.canon_len;
  while (keep && C.canon[keep - 1] != '/') --keep;
  keep = keep ? keep - 1 : 0;
  walk_reset(w);
  for (u32 s = 0, i = 0; i <= keep && keep; ++i) {
    if (i < keep && C.canon[i] != '/') continue;
    WRT_TRY(walk_enter(w, C.canon + s, i - s, stat));
    s = i + 1;
  }
  C.canon_len = keep;
  return 0;
}

/* The lookup started at the mount root and `t` (absolute, tlen bytes) lies
 * under its guest path: *skip = bytes of t that name the root. */
static u32 absolute_target(const struct walk *w, const u8 *t, u32 tlen, u32 *skip) {
  if (!w->e->mount) return WRT_ENOTCAPABLE;
  const struct wrt_mount *m = &C.mounts[w->e->mount - 1];
  if (m->host_fd != w->e->host_fd || m->name_len == WIMG_NONE) return WRT_ENOTCAPABLE;
  const u8 *name = m->name;
  u32 nlen = m->name_len, p = 0;
  trim(&name, &nlen);
  while (p < tlen && t[p] == '/') ++p;
  if (tlen - p < nlen || memcmp(t + p, name, nlen) != 0) return WRT_ENOTCAPABLE;
  if (p + nlen < tlen && t[p + nlen] != '/' && nlen) return WRT_ENOTCAPABLE;
  *skip = p + nlen;
  return 0;
}

/* Replaces the path being resolved (*buf, from `rest` on) by the target of
 * symlink r->name + the rest, in the other path buffer. */
static u32 expand(struct walk *w, struct wrt_hres *r, u8 **buf, u32 *len, u32 rest) {
  WRT_TRY(wrt_host_path_readlink(w->cur, wrt_abs(r->name), r->name_len, wrt_abs(C.link), WRT_PATH_MAX,
                                 wrt_abs(&C.scratch[0])));
  u32 tlen = C.scratch[0], skip = 0;
  if (tlen >= WRT_PATH_MAX) return WRT_ENAMETOOLONG;
  if (tlen == 0) return WRT_ENOENT;
  if (C.link[0] == '/') {
    WRT_TRY(absolute_target(w, C.link, tlen, &skip));
    walk_reset(w);
  }
  u32 rest_len = *len - rest;
  if ((u64)(tlen - skip) + rest_len >= WRT_PATH_MAX) return WRT_ENAMETOOLONG;
  u8 *other = *buf == C.path ? C.path_tmp : C.path;
  memmove(other, C.link + skip, tlen - skip);
  memcpy(other + tlen - skip, *buf + rest, rest_len);
  *buf = other;
  *len = tlen - skip + rest_len;
  return 0;
}

static void set_last(struct wrt_hres *r, const struct walk *w, u32 exists, u32 slash) {
  r->dir = w->cur;
  r->owned = w->owned;
  r->exists = exists;
  r->slash = slash;
}

static u32 resolve(struct walk *w, u32 follow, struct wrt_hres *r) {
  u8 *buf = C.path;
  u32 len = C.path_len, pos = 0, hops = 0;
  struct wrt_comp c;
  for (;;) {
    if (!wrt_next_comp(buf, len, &pos, &c)) { /* the directory reached: "." in it */
      r->name[0] = '.';
      r->name_len = 1;
      WRT_TRY(host_lstat(w->cur, r->name, 1, r->stat));
      set_last(r, w, 1, 0);
      return 0;
    }
    u32 s = c.s, e = c.end, n = c.n;
    int slash_after = c.slash_after, is_last = c.is_last;
    if (n > WRT_NAME_MAX) return WRT_ENAMETOOLONG;
    if (c.dots == 1) continue;
    if (c.dots == 2) {
      WRT_TRY(walk_up(w, r->stat));
      continue;
    }
    memcpy(r->name, buf + s, n); /* buf may be swapped by expand */
    r->name_len = n;
    u32 err = host_lstat(w->cur, r->name, n, r->stat);
    if (err == WRT_ENOENT && is_last) {
      set_last(r, w, 0, slash_after);
      return 0;
    }
    if (err) return err;
    u32 type = r->stat[16];
    if (type == WRT_FT_SYMLINK && (!is_last || follow || slash_after)) {
      if (++hops > WIMG_MAX_SYMLINK_HOPS) return WRT_ELOOP;
      WRT_TRY(expand(w, r, &buf, &len, e));
      pos = 0;
      continue;
    }
    if (is_last) {
      if (slash_after && type != WRT_FT_DIR) return WRT_ENOTDIR;
      set_last(r, w, 1, slash_after);
      return 0;
    }
    if (type != WRT_FT_DIR) return WRT_ENOTDIR;
    WRT_TRY(walk_enter(w, r->name, n, r->stat));
    canon_push(r->name, n);
  }
}

/* Resolves C.path (wrt_path_copy) under host fd e. On success r names the
 * parent directory and the last component, which may be missing (exists =
 * 0: ENOENT at the last component only) or, when !follow, a symlink; the
 * caller ends with wrt_hres_done. */
u32 wrt_host_resolve(const struct wrt_fd *e, u32 follow, struct wrt_hres *r) {
  struct walk w;
  w.e = e;
  w.cur = e->host_fd;
  w.owned = 0;
  C.canon_len = 0;
  r->owned = 0;
  /* fdstat: filetype u8, flags u16, base u64 at 8, inheriting u64 at 16 */
  WRT_TRY(wrt_host_fd_fdstat_get(e->host_fd, wrt_abs(r->stat)));
  w.rights = r->rights = wrt_ld64(r->stat + 16);
  u32 err = resolve(&w, follow, r);
  if (err) walk_reset(&w);
  return err;
}

void wrt_hres_done(struct wrt_hres *r) {
  if (r->owned) (void)wrt_host_fd_close(r->dir);
  r->owned = 0;
}
