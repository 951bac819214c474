/* Path resolution inside the image.
 *
 * Physical, like Linux's namei and unlike uvwasi's lexical cleanup: `..` is
 * the parent of the directory actually reached (after symlinks), but never
 * above the directory the lookup started from (ENOTCAPABLE, WASI's
 * capability rule; the errno is node's for `..` above a preopen), so no
 * path leaves the image. Symlinks resolve inside
 * the image: an absolute target starts at the image root, a relative one at
 * the link's directory; more than WIMG_MAX_SYMLINK_HOPS expansions is ELOOP.
 * The last component is followed when asked (SYMLINK_FOLLOW) or when a slash
 * follows it ("link/" means the directory it names, as on Linux).
 *
 * The unresolved rest of the path lives in one of two buffers of the
 * context; a symlink expansion writes target + rest into the other one and
 * continues there, so a lookup is O(path length + expanded targets) with
 * one hash probe per component. */
#include "wrt.h"

#define C WRT_C

/* Copies a guest path into C.path. Absolute paths are ENOTCAPABLE as with
 * every WASI host (wasi-libc only ever passes paths relative to a preopen). */
u32 wrt_path_copy(u32 gpath, u32 len) {
  if (wrt_gcheck(gpath, len)) return WRT_EFAULT;
  if (len >= WRT_PATH_MAX) return WRT_ENAMETOOLONG; /* PATH_MAX counts the NUL */
  wimg_copy_in(C.path, gpath, len);
  C.path_len = len;
  if (len == 0) return WRT_ENOENT;
  if (C.path[0] == '/') return WRT_ENOTCAPABLE;
  for (u32 i = 0; i < len; ++i)
    if (C.path[i] == 0) return WRT_EINVAL; /* no C path can hold a NUL */
  return 0;
}

/* Skips slashes from *pos; 0 when nothing is left, else the next
 * component in c and *pos past it and its slashes. */
int wrt_next_comp(const u8 *buf, u32 len, u32 *pos, struct wrt_comp *c) {
  u32 p = *pos;
  while (p < len && buf[p] == '/') ++p;
  if (p == len) return *pos = p, 0;
  c->s = p;
  while (p < len && buf[p] != '/') ++p;
  c->end = p;
  c->n = p - c->s;
  c->slash_after = p < len;
  while (p < len && buf[p] == '/') ++p;
  c->is_last = p == len;
  c->dots = (c->n == 1 || c->n == 2) && buf[c->s] == '.' && (c->n == 1 || buf[c->s + 1] == '.') ? (int)c->n : 0;
  *pos = p;
  return 1;
}

/* Replaces the path being resolved by link's target + rest. */
static u32 expand(const struct wrt_node *link, u8 **buf, u32 *len, u32 rest, struct wrt_node *cur) {
  u32 err;
  u32 tlen = (u32)link->size;
  if (tlen == 0) return WRT_ENOENT; /* Linux: an empty target names nothing */
  u32 rest_len = *len - rest;
  if ((u64)tlen + rest_len >= WRT_PATH_MAX) return WRT_ENAMETOOLONG;
  u8 *other = *buf == C.path ? C.path_tmp : C.path;
  /* rest first: the target may be as long as the whole buffer's prefix */
  memmove(other + tlen, *buf + rest, rest_len);
  if ((err = wrt_fs_target(link, other))) return err;
  *buf = other;
  *len = tlen + rest_len;
  if (other[0] == '/') return wrt_fs_node(0, cur);
  return 0;
}

u32 wrt_resolve(u32 dir_node, u32 follow, struct wrt_lookup *out) {
  u8 *buf = C.path;
  u32 len = C.path_len, pos = 0, hops = 0, err;
  struct wrt_node cur, child;
  out->found = 0;
  out->parent_ok = 0;
  out->last = 0;
  out->last_len = 0;
  out->slash = 0;
  if ((err = wrt_fs_node(dir_node, &cur))) return err;
  u32 base = cur.index; /* canonical: a view dir copied up is its copy */
  struct wrt_comp c;
  for (;;) {
    if (!wrt_next_comp(buf, len, &pos, &c)) {
      /* Nothing (more) to look up: the path names the current directory,
       * e.g. "." or "dir/..". */
      out->node = cur;
      out->parent = cur;
      out->found = 1;
      return 0;
    }
    u32 s = c.s, e = c.end, n = c.n;
    int slash_after = c.slash_after, is_last = c.is_last;
    if (n > WRT_NAME_MAX) return WRT_ENAMETOOLONG;
    if (!wrt_is_dir(&cur)) return WRT_ENOTDIR;
    if (c.dots == 1) continue;
    if (c.dots == 2) {
      /* WASI's capability rule: never above the directory the lookup
       * started from (the image is a tree: leaving its subtree means
       * passing it), nor above the image root after an absolute target. */
      if (cur.index == base) return WRT_ENOTCAPABLE;
      if ((err = wrt_fs_node(cur.parent, &cur))) return err;
      continue;
    }
    /* The lookup compares against a copy: buf may be swapped by expand. */
    memcpy(C.name, buf + s, n);
    if (follow & WRT_LOOKUP_CROSS) {
      u32 m = wrt_mount_at(cur.image, C.name, n);
      if (m) { /* a host mount shadows this name: the rest is the mount's */
        out->cross = m;
        out->rest = buf + pos;
        out->rest_len = len - pos;
        return WRT_ECROSS;
      }
    }
    err = wrt_fs_lookup(&cur, C.name, n, &child);
    if (err == WRT_ENOENT && is_last) {
      out->parent = cur;
      out->last = C.name;
      out->last_len = n;
      out->slash = slash_after;
      out->parent_ok = 1;
      return WRT_ENOENT;
    }
    if (err) return err;
    if (wrt_is_link(&child) && (!is_last || (follow & WRT_LOOKUP_FOLLOW) || slash_after)) {
      if (++hops > WIMG_MAX_SYMLINK_HOPS) return WRT_ELOOP;
      if ((err = expand(&child, &buf, &len, e, &cur))) return err;
      if (buf[0] == '/') base = cur.index; /* an absolute target: from the image root */
      pos = 0;
      continue;
    }
    if (is_last) {
      if (slash_after && !wrt_is_dir(&child)) {
        /* "file/": the parent was found (a read-only mount answers EROFS
         * to unlink/rmdir/rename before it looks at the slash, as Linux) */
        out->parent = cur;
        out->last = C.name;
        out->last_len = n;
        out->slash = 1;
        out->parent_ok = 1;
        return WRT_ENOTDIR;
      }
      out->node = child;
      out->parent = cur;
      out->last = C.name;
      out->last_len = n;
      out->found = 1;
      return 0;
    }
    cur = child;
  }
}
