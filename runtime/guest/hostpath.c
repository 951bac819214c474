/* Host directories: the runtime resolves every path under a host fd itself.
 *
 * Hosts resolve a WASI path as text and let the kernel follow symlinks in
 * its middle: node's WASI (uvwasi) checks a symlink's target only as text
 * and opens even the last component without O_NOFOLLOW, so a chain such as
 * r -> ".", s1 -> "r/..", s2 -> "s1/.." or a host symlink e -> /etc leads a
 * guest to any host file. So the runtime resolves the path and the host is
 * only ever asked about directories the runtime checked plus one name:
 *
 *   - each component is lstat'ed (path_filestat_get without follow) as
 *     <directories walked>/<name> relative to the start fd; a directory is
 *     entered by appending its name, a symlink is read (path_readlink) and
 *     its target resolved here, component by component again;
 *   - `..` never climbs above the fd the lookup started from (WASI's
 *     capability rule: ENOTCAPABLE); it drops the last directory walked;
 *   - an absolute target is resolved from the mount's root when the lookup
 *     started there and the target lies under the mount's guest path
 *     ("/data/x" in the mount /data), else ENOTCAPABLE.
 *
 * The caller then makes one host call on that path, after checking that
 * its last name is not a symlink it should have followed. The host
 * resolves the checked directories again: what stays the host's is a
 * directory swapped for a symlink by ANOTHER host process between the
 * check and the call (uvwasi keeps paths even for directory fds, so no
 * dirfd walk could close that race on node; the guest itself is
 * single-threaded and cannot race its own calls). */
#include "wrt.h"

#define C WRT_C

/* WIMG_READONLY as a key, built without a data segment (the ABI has none). */
u32 wrt_readonly_key(u8 k[13]) {
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
  u32 err = wrt_host_env_value(key, wrt_readonly_key(key), &val, &vlen);
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

/* A mount at "/" (its guest path is only slashes). */
int wrt_mount_is_root(const struct wrt_mount *m) {
  if (m->name_len == WIMG_NONE || m->name_len == 0) return 0;
  for (u32 i = 0; i < m->name_len; ++i)
    if (m->name[i] != '/') return 0;
  return 1;
}

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

/* 1 + the mount whose mount point is `name` in image dir `dir_node` (a
 * view node, or what an upper dir copies: wrt_node.image), or 0. */
u32 wrt_mount_at(u32 dir_node, const u8 *name, u32 len) {
  if (dir_node == WIMG_NONE) return 0;
  for (u32 i = 0; i < C.mount_count; ++i) {
    const struct wrt_mount *m = &C.mounts[i];
    if (m->parent_node == dir_node && m->base_len == len && memcmp(m->name + m->base_off, name, len) == 0)
      return i + 1;
  }
  return 0;
}

/* ---- the walk ---- */

/* The walk is C.canon: the directories entered from the start fd, as a
 * path relative to it ('/'-separated, no "." or ".."), each one lstat'ed as
 * a real directory when entered. The host is asked about canon + one name;
 * it resolves the directories again, which is safe because they are the
 * ones just checked (the guest is single-threaded). */
struct walk {
  const struct wrt_fd *e;
};

/* r->path = canon + "/" + name: the path the host is asked about. */
static u32 join(struct wrt_hres *r, const u8 *name, u32 n) {
  u32 c = C.canon_len;
  if ((u64)c + 1 + n >= WRT_PATH_MAX) return WRT_ENAMETOOLONG;
  memcpy(r->path, C.canon, c);
  if (c) r->path[c++] = '/';
  memcpy(r->path + c, name, n);
  r->path_len = c + n;
  return 0;
}

/* lstat of r->path relative to the start fd. */
static u32 host_lstat(const struct walk *w, struct wrt_hres *r) {
  return wrt_host_path_filestat_get(w->e->host_fd, 0, wrt_abs(r->path), r->path_len, wrt_abs(r->stat));
}

/* `..`: the start's parent is out of reach; otherwise drop the last name. */
static u32 walk_up(void) {
  if (C.canon_len == 0) return WRT_ENOTCAPABLE;
  u32 keep = C.canon_len;
  while (keep && C.canon[keep - 1] != '/') --keep;
  C.canon_len = keep ? keep - 1 : 0;
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
 * the symlink r->path + the rest, in the other path buffer. */
static u32 expand(const struct walk *w, struct wrt_hres *r, u8 **buf, u32 *len, u32 rest) {
  WRT_TRY(wrt_host_path_readlink(w->e->host_fd, wrt_abs(r->path), r->path_len, wrt_abs(C.link), WRT_PATH_MAX,
                                 wrt_abs(&C.scratch[0])));
  u32 tlen = C.scratch[0], skip = 0;
  if (tlen >= WRT_PATH_MAX) return WRT_ENAMETOOLONG;
  if (tlen == 0) return WRT_ENOENT;
  if (C.link[0] == '/') {
    WRT_TRY(absolute_target(w, C.link, tlen, &skip));
    C.canon_len = 0;
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

static u32 resolve(const struct walk *w, u32 follow, struct wrt_hres *r) {
  u8 *buf = C.path;
  u32 len = C.path_len, pos = 0, hops = 0;
  struct wrt_comp c;
  for (;;) {
    if (!wrt_next_comp(buf, len, &pos, &c)) { /* the directory reached itself */
      if (C.canon_len) {
        memcpy(r->path, C.canon, C.canon_len);
        r->path_len = C.canon_len;
      } else {
        r->path[0] = '.';
        r->path_len = 1;
      }
      WRT_TRY(host_lstat(w, r));
      r->exists = 1;
      r->slash = 0;
      return 0;
    }
    if (c.n > WRT_NAME_MAX) return WRT_ENAMETOOLONG;
    if (c.dots == 1) continue;
    if (c.dots == 2) {
      WRT_TRY(walk_up());
      continue;
    }
    WRT_TRY(join(r, buf + c.s, c.n)); /* a copy: buf may be swapped by expand */
    u32 err = host_lstat(w, r);
    r->slash = c.slash_after;
    if (err == WRT_ENOENT && c.is_last) {
      r->exists = 0;
      return 0;
    }
    if (err) return err;
    u32 type = r->stat[16];
    if (type == WRT_FT_SYMLINK && (!c.is_last || follow || c.slash_after)) {
      if (++hops > WIMG_MAX_SYMLINK_HOPS) return WRT_ELOOP;
      WRT_TRY(expand(w, r, &buf, &len, c.end));
      pos = 0;
      continue;
    }
    if (c.is_last) {
      r->exists = 1;
      /* "file/": ENOTDIR, after a read-only mount's EROFS (wasi_path.c) */
      return c.slash_after && type != WRT_FT_DIR ? WRT_ENOTDIR : 0;
    }
    if (type != WRT_FT_DIR) return WRT_ENOTDIR;
    memcpy(C.canon, r->path, r->path_len); /* entered: canon += "/" name */
    C.canon_len = r->path_len;
  }
}

/* Resolves C.path (wrt_path_copy) under host fd e. On success r->path is
 * the path for the host call, relative to e's host fd, whose last
 * component may be missing (exists = 0: ENOENT at the last component only)
 * or, when !follow, a symlink. */
u32 wrt_host_resolve(const struct wrt_fd *e, u32 follow, struct wrt_hres *r) {
  struct walk w;
  w.e = e;
  C.canon_len = 0;
  r->dir = e->host_fd;
  r->exists = 0;
  /* fdstat: filetype u8, flags u16, base u64 at 8, inheriting u64 at 16 */
  WRT_TRY(wrt_host_fd_fdstat_get(e->host_fd, wrt_abs(r->stat)));
  r->rights = wrt_ld64(r->stat + 16);
  return resolve(&w, follow, r);
}
