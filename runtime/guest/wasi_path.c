/* WASI path_* functions.
 *
 * A path whose directory fd is a host fd is resolved by hostpath.c, and
 * the host gets one call on a path of real directories the runtime checked
 * (never one with a symlink or `..` for the host to resolve). A path on an image directory stays in the image
 * (path.c). With the writable upper layer (upper.c, the default) changes
 * go there with Linux's answers; with --read-only every modification is
 * EROFS, with the error precedence of a read-only Linux mount (tests/guest
 * README, item 8): errors of the parent's lookup first, then EEXIST for
 * creating an existing name, then EROFS; unlink/rmdir/rename do not look
 * at the last component at all before answering EROFS. */
#include "wrt.h"

#define C WRT_C
#define UP (C.up.enabled)
#define MODE_FILE (WRT_S_IFREG | 0644u)
#define MODE_DIR (WRT_S_IFDIR | 0755u)

/* The image directory fd `fd` with `right`, or *host set for a host fd. */
static u32 dir_fd(u32 fd, u64 right, struct wrt_fd **e) {
  WRT_TRY(wrt_fd_get(fd, right, e));
  if ((*e)->kind == WRT_FD_IMAGE && !(*e)->is_dir) return WRT_ENOTDIR;
  return 0;
}

/* The directory fd of path argument `slot` (0, or 1 for the new name of
 * link/rename). One mount table: an image path that enters a host mount
 * through the image's tree ("data/x" from the image root when /data is a
 * host mount, or an image symlink to /data/x) is redirected to that mount,
 * the rest of the path to be resolved there (hostpath.c), as docker run -v
 * shadows the image's directory. */
static u32 route(u32 fd, u64 right, u32 path, u32 len, u32 follow, u32 slot, struct wrt_fd **e) {
  struct wrt_lookup lk;
  WRT_TRY(dir_fd(fd, right, e));
  C.rest_len[slot] = WIMG_NONE;
  if ((*e)->kind != WRT_FD_IMAGE || !C.crossable) return 0;
  /* Errors other than a crossing come again from the image lookup proper. */
  if (wrt_path_copy(path, len) || wrt_resolve((*e)->node, follow | WRT_LOOKUP_CROSS, &lk) != WRT_ECROSS) return 0;
  memmove(C.rest[slot], lk.rest, lk.rest_len);
  C.rest_len[slot] = lk.rest_len;
  struct wrt_fd *m = &C.cross_fd[slot];
  memset(m, 0, sizeof *m);
  m->kind = WRT_FD_HOST;
  m->is_dir = 1;
  m->mount = lk.cross;
  m->host_fd = C.mounts[lk.cross - 1].host_fd;
  *e = m;
  return 0;
}

/* Resolves the guest path (or what route left of it) under a host dir fd
 * into C.hres[i]. */
static u32 hlookup(struct wrt_fd *e, u32 path, u32 len, u32 follow, u32 i, struct wrt_hres **r) {
  if (C.rest_len[i] != WIMG_NONE) {
    /* the mount point itself: its root */
    C.path_len = C.rest_len[i] ? C.rest_len[i] : 1;
    if (C.rest_len[i]) memcpy(C.path, C.rest[i], C.rest_len[i]);
    else C.path[0] = '.';
  } else {
    WRT_TRY(wrt_path_copy(path, len));
  }
  *r = &C.hres[i];
  return wrt_host_resolve(e, follow, *r);
}

/* unlink/rmdir/rename under a host fd: a read-only mount answers EROFS as
 * soon as the parent is found, "file/" included (Linux's order). */
static u32 hlookup_remove(struct wrt_fd *e, u32 path, u32 len, u32 i, struct wrt_hres **r) {
  u32 err = hlookup(e, path, len, 0, i, r);
  if (wrt_fd_ro(e) && (!err || (err == WRT_ENOTDIR && (*r)->exists))) return WRT_EROFS;
  return err;
}

/* A resolved path for the one host call: relative to the start fd. */
#define HNAME(r) wrt_abs((r)->path), (r)->path_len

/* Looks the guest path up under an image dir fd. */
static u32 lookup(struct wrt_fd *e, u32 path, u32 len, u32 follow, struct wrt_lookup *lk) {
  lk->found = lk->parent_ok = 0; /* a bad path (e.g. "" → ENOENT) names no parent */
  WRT_TRY(wrt_path_copy(path, len));
  return wrt_resolve(e->node, follow, lk);
}

/* mkdir/symlink/link targets: EEXIST if the name exists, EROFS if it could
 * be created, the lookup's error otherwise. */
static u32 create_answer(struct wrt_fd *e, u32 path, u32 len) {
  struct wrt_lookup lk;
  u32 err = lookup(e, path, len, 0, &lk);
  if (!err) return WRT_EEXIST;
  if (err == WRT_ENOENT && lk.parent_ok) return WRT_EROFS;
  return err;
}

/* unlink/rmdir/rename: EROFS once the parent directory is found (also for
 * "file/", whose ENOTDIR Linux checks after the mount's read-only flag). */
static u32 remove_answer(struct wrt_fd *e, u32 path, u32 len) {
  struct wrt_lookup lk;
  u32 err = lookup(e, path, len, 0, &lk);
  if (!err || ((err == WRT_ENOENT || err == WRT_ENOTDIR) && lk.parent_ok)) return WRT_EROFS;
  return err;
}

/* Linux's answers for the last component, then the host opens that one
 * name (it would follow a symlink there: checked not to be one). */
static u32 host_open_last(struct wrt_fd *e, struct wrt_hres *r, u32 oflags, u64 base, u64 inh, u32 fdflags) {
  int write = (base & WRT_RIGHTS_WRITE) || (oflags & WRT_O_TRUNC);
  u32 type = wrt_hres_type(r);
  if (!r->exists) {
    if (!(oflags & WRT_O_CREAT)) return WRT_ENOENT;
    if (wrt_fd_ro(e)) return WRT_EROFS;
    if (r->slash) return WRT_EISDIR;
  } else {
    if ((oflags & WRT_O_CREAT) && (oflags & WRT_O_EXCL)) return WRT_EEXIST;
    if (type == WRT_FT_SYMLINK) return WRT_ELOOP; /* O_NOFOLLOW on a symlink */
    if (wrt_fd_ro(e) && type == WRT_FT_DIR && (write || (oflags & WRT_O_CREAT))) return WRT_EISDIR;
    if (wrt_fd_ro(e) && write) return WRT_EROFS;
  }
  return wrt_host_path_open(r->dir, 0, HNAME(r), oflags, base, inh, fdflags, wrt_abs(&C.scratch[0]));
}

static u32 host_open(struct wrt_fd *e, u32 dirflags, u32 path, u32 len, u32 oflags, u64 base, u64 inh,
                     u32 fdflags, u32 fdp) {
  struct wrt_hres *r;
  u32 nfd, mount = e->mount;
  WRT_TRY(hlookup(e, path, len, dirflags & WRT_LOOKUP_FOLLOW, 0, &r));
  if (C.rest_len[0] != WIMG_NONE) {
    /* Routed from an image fd, whose rights were checked: ask the host
     * for what its mount grants of them, not for more (ENOTCAPABLE). */
    base &= r->rights;
    inh &= r->rights;
  } else if (e->vrights && ((base & ~e->rights_inheriting) || (inh & ~e->rights_inheriting))) {
    return WRT_ENOTCAPABLE;
  }
  /* A directory also gets the rights of the runtime's own lookups under it
   * (lstat, readlink), which the guest may not have asked for: the guest's
   * rights are kept and checked here (vrights). */
  int dir = (oflags & WRT_O_DIRECTORY) || (r->exists && wrt_hres_type(r) == WRT_FT_DIR);
  u64 walk = dir ? WRT_RIGHTS_WALK : 0;
  WRT_TRY(host_open_last(e, r, oflags, base | walk, inh | walk, fdflags));
  /* The host wrote its fd number into the runtime; the guest gets ours. */
  u32 host_fd = C.scratch[0], err = wrt_fd_add_host(host_fd, &nfd);
  if (err) {
    (void)wrt_host_fd_close(host_fd);
    return err;
  }
  struct wrt_fd *ne = &C.fds[nfd];
  ne->mount = mount;
  if (dir) {
    /* what the host granted (it drops what a directory cannot use, such
     * as FD_SEEK) of what the guest asked */
    u8 st[24];
    ne->vrights = 1;
    ne->is_dir = 1;
    ne->rights_base = base;
    ne->rights_inheriting = inh;
    if (wrt_host_fd_fdstat_get(host_fd, wrt_abs(st)) == 0) {
      ne->rights_base &= wrt_ld64(st + 8);
      ne->rights_inheriting &= wrt_ld64(st + 16);
    }
  }
  return wrt_put_u32(fdp, nfd);
}

/* A new fd on image node n (view or upper). Fewer rights than asked is
 * allowed for rights that do not apply to the node's type (WASI); a view
 * file has no write rights (opening it for writing copied it up). */
static u32 open_node(const struct wrt_node *n, u64 base, u64 inh, u32 fdflags, u32 fdp) {
  u32 nfd;
  int dir = wrt_is_dir(n);
  WRT_TRY(wrt_fd_alloc(&nfd));
  struct wrt_fd *ne = &C.fds[nfd];
  ne->kind = WRT_FD_IMAGE;
  ne->is_dir = (u8)dir;
  ne->node = n->index;
  ne->fdflags = (u16)fdflags;
  u64 file = wrt_is_up(n->index) ? WRT_RIGHTS_FILE | WRT_RIGHTS_WRITE : WRT_RIGHTS_FILE;
  ne->rights_base = base & (dir ? WRT_RIGHTS_DIR : file);
  ne->rights_inheriting = inh;
  if (wrt_is_up(n->index)) ++wrt_inode(n->index)->opens;
  return wrt_put_u32(fdp, nfd);
}

WRT_EXPORT(path_open)
u32 wimg_wasi_path_open(u32 fd, u32 dirflags, u32 path, u32 len, u32 oflags, u64 base, u64 inh, u32 fdflags,
                        u32 fdp) {
  struct wrt_fd *e;
  struct wrt_lookup lk;
  u32 err, id;
  WRT_TRY(wrt_init());
  WRT_TRY(route(fd, WRT_R_PATH_OPEN, path, len, dirflags & WRT_LOOKUP_FOLLOW, 0, &e));
  WRT_TRY(wrt_gcheck(fdp, 4));
  if (e->kind == WRT_FD_HOST) return host_open(e, dirflags, path, len, oflags, base, inh, fdflags, fdp);
  if (oflags & ~0xFu) return WRT_EINVAL;
  if ((base & ~e->rights_inheriting) || (inh & ~e->rights_inheriting)) return WRT_ENOTCAPABLE;
  /* what the dir fd must hold for O_CREAT and O_TRUNC (WASI) */
  if (((oflags & WRT_O_CREAT) && !(e->rights_base & WRT_R_PATH_CREATE_FILE)) ||
      ((oflags & WRT_O_TRUNC) && !(e->rights_base & WRT_R_PATH_FILESTAT_SET_SIZE)))
    return WRT_ENOTCAPABLE;
  err = lookup(e, path, len, dirflags & WRT_LOOKUP_FOLLOW, &lk);
  if (err == WRT_ENOENT && lk.parent_ok && (oflags & WRT_O_CREAT)) {
    if (!UP) return WRT_EROFS;
    if (lk.slash) return WRT_EISDIR;
    if (oflags & WRT_O_DIRECTORY) return WRT_EINVAL; /* Linux >= 6.4 */
    WRT_TRY(wrt_up_create(lk.parent.index, lk.last, lk.last_len, MODE_FILE, &id));
    WRT_TRY(wrt_fs_node(id, &lk.node));
    return open_node(&lk.node, base, inh, fdflags, fdp);
  }
  if (err) return err;
  struct wrt_node *n = &lk.node;
  int dir = wrt_is_dir(n);
  int write = (base & WRT_RIGHTS_WRITE) || (oflags & WRT_O_TRUNC);
  if ((oflags & WRT_O_CREAT) && (oflags & WRT_O_EXCL)) return WRT_EEXIST;
  if (wrt_is_link(n)) return WRT_ELOOP; /* O_NOFOLLOW on a symlink, as Linux */
  if ((oflags & WRT_O_DIRECTORY) && !dir) return WRT_ENOTDIR;
  if (dir && (write || (oflags & WRT_O_CREAT))) return WRT_EISDIR;
  if (write) {
    if (!UP) return WRT_EROFS;
    /* copy-up, without the bytes when they are truncated anyway */
    WRT_TRY(wrt_up_copy(lk.parent.index, lk.last, lk.last_len, n, !(oflags & WRT_O_TRUNC), &id));
    WRT_TRY(wrt_fs_node(id, n));
    if ((oflags & WRT_O_TRUNC) && n->size) WRT_TRY(wrt_up_resize(id, 0));
  }
  return open_node(n, base, inh, fdflags, fdp);
}

WRT_EXPORT(path_filestat_get)
u32 wimg_wasi_path_filestat_get(u32 fd, u32 flags, u32 path, u32 len, u32 buf) {
  struct wrt_fd *e;
  struct wrt_lookup lk;
  WRT_TRY(wrt_init());
  WRT_TRY(route(fd, WRT_R_PATH_FILESTAT_GET, path, len, flags & WRT_LOOKUP_FOLLOW, 0, &e));
  WRT_TRY(wrt_gcheck(buf, 64));
  if (e->kind == WRT_FD_HOST) {
    struct wrt_hres *r;
    WRT_TRY(hlookup(e, path, len, flags & WRT_LOOKUP_FOLLOW, 0, &r));
    if (r->exists) wimg_copy_out(buf, r->stat, 64);
    return r->exists ? 0 : WRT_ENOENT;
  }
  WRT_TRY(lookup(e, path, len, flags & WRT_LOOKUP_FOLLOW, &lk));
  return wrt_put_filestat(buf, &lk.node);
}

WRT_EXPORT(path_filestat_set_times)
u32 wimg_wasi_path_filestat_set_times(u32 fd, u32 flags, u32 path, u32 len, u64 atim, u64 mtim, u32 fst) {
  struct wrt_fd *e;
  struct wrt_lookup lk;
  WRT_TRY(wrt_init());
  WRT_TRY(route(fd, WRT_R_PATH_FILESTAT_SET_TIMES, path, len, flags & WRT_LOOKUP_FOLLOW, 0, &e));
  if (e->kind == WRT_FD_HOST) {
    struct wrt_hres *r;
    WRT_TRY(hlookup(e, path, len, flags & WRT_LOOKUP_FOLLOW, 0, &r));
    if (!r->exists) return WRT_ENOENT;
    if (wrt_fd_ro(e)) return WRT_EROFS;
    return wrt_host_path_filestat_set_times(r->dir, 0, HNAME(r), atim, mtim, fst);
  }
  if (fst & ~0xFu || (fst & 3u) == 3u || (fst & 12u) == 12u) return WRT_EINVAL;
  WRT_TRY(lookup(e, path, len, flags & WRT_LOOKUP_FOLLOW, &lk));
  if (!UP) return WRT_EROFS;
  u32 id;
  WRT_TRY(wrt_up_copy(lk.parent.index, lk.last, lk.last_len, &lk.node, 1, &id));
  return wrt_up_times(id, atim, mtim, fst);
}

/* A buffer too small for the target truncates, as POSIX readlink and
 * wasmtime do (node answers ENOBUFS). */
WRT_EXPORT(path_readlink)
u32 wimg_wasi_path_readlink(u32 fd, u32 path, u32 len, u32 buf, u32 buf_len, u32 used) {
  struct wrt_fd *e;
  struct wrt_lookup lk;
  u32 toff;
  WRT_TRY(wrt_init());
  WRT_TRY(route(fd, WRT_R_PATH_READLINK, path, len, 0, 0, &e));
  WRT_TRY(wrt_gcheck(buf, buf_len));
  WRT_TRY(wrt_gcheck(used, 4));
  if (e->kind == WRT_FD_HOST) {
    struct wrt_hres *r;
    WRT_TRY(hlookup(e, path, len, 0, 0, &r));
    if (!r->exists) return WRT_ENOENT;
    if (wrt_hres_type(r) != WRT_FT_SYMLINK) return WRT_EINVAL;
    WRT_TRY(wrt_host_path_readlink(r->dir, HNAME(r), wrt_abs(C.link), WRT_PATH_MAX, wrt_abs(&C.scratch[0])));
    u32 n = C.scratch[0] < buf_len ? C.scratch[0] : buf_len;
    wimg_copy_out(buf, C.link, n);
    return wrt_put_u32(used, n);
  }
  WRT_TRY(lookup(e, path, len, 0, &lk));
  if (!wrt_is_link(&lk.node)) return WRT_EINVAL;
  u32 n = lk.node.size < buf_len ? (u32)lk.node.size : buf_len;
  if (wrt_is_up(lk.node.index)) {
    if (n) wimg_copy_out(buf, wrt_ptr(wrt_inode(lk.node.index)->data), n);
    return wrt_put_u32(used, n);
  }
  WRT_TRY(wrt_view_target(&lk.node, &toff));
  if (n) wimg_image_read_guest(0, buf, toff, n);
  return wrt_put_u32(used, n);
}

WRT_EXPORT(path_create_directory) u32 wimg_wasi_path_create_directory(u32 fd, u32 path, u32 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(route(fd, WRT_R_PATH_CREATE_DIRECTORY, path, len, 0, 0, &e));
  if (e->kind == WRT_FD_HOST) {
    struct wrt_hres *r;
    WRT_TRY(hlookup(e, path, len, 0, 0, &r));
    if (r->exists) return WRT_EEXIST;
    if (wrt_fd_ro(e)) return WRT_EROFS;
    return wrt_host_path_create_directory(r->dir, HNAME(r));
  }
  if (!UP) return create_answer(e, path, len);
  struct wrt_lookup lk;
  u32 id, err = lookup(e, path, len, 0, &lk);
  if (!err) return WRT_EEXIST;
  if (err == WRT_ENOENT && lk.parent_ok) return wrt_up_create(lk.parent.index, lk.last, lk.last_len, MODE_DIR, &id);
  return err;
}

WRT_EXPORT(path_remove_directory) u32 wimg_wasi_path_remove_directory(u32 fd, u32 path, u32 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(route(fd, WRT_R_PATH_REMOVE_DIRECTORY, path, len, 0, 0, &e));
  if (e->kind == WRT_FD_HOST) {
    struct wrt_hres *r;
    WRT_TRY(hlookup_remove(e, path, len, 0, &r));
    if (!r->exists) return WRT_ENOENT;
    return wrt_host_path_remove_directory(r->dir, HNAME(r));
  }
  if (!UP) return remove_answer(e, path, len);
  struct wrt_lookup lk;
  int empty;
  WRT_TRY(lookup(e, path, len, 0, &lk));
  if (!lk.last) return WRT_EINVAL; /* "." or "a/..": Linux's rmdir(".") */
  if (!wrt_is_dir(&lk.node)) return WRT_ENOTDIR;
  WRT_TRY(wrt_fs_empty(&lk.node, &empty));
  if (!empty) return WRT_ENOTEMPTY;
  return wrt_up_remove(lk.parent.index, lk.last, lk.last_len);
}

WRT_EXPORT(path_unlink_file) u32 wimg_wasi_path_unlink_file(u32 fd, u32 path, u32 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(route(fd, WRT_R_PATH_UNLINK_FILE, path, len, 0, 0, &e));
  if (e->kind == WRT_FD_HOST) {
    struct wrt_hres *r;
    WRT_TRY(hlookup_remove(e, path, len, 0, &r));
    if (!r->exists) return WRT_ENOENT;
    return wrt_host_path_unlink_file(r->dir, HNAME(r));
  }
  if (!UP) return remove_answer(e, path, len);
  struct wrt_lookup lk;
  WRT_TRY(lookup(e, path, len, 0, &lk));
  if (!lk.last || wrt_is_dir(&lk.node)) return WRT_EISDIR; /* unlink(2) on a directory */
  return wrt_up_remove(lk.parent.index, lk.last, lk.last_len);
}

WRT_EXPORT(path_symlink) u32 wimg_wasi_path_symlink(u32 old, u32 old_len, u32 fd, u32 path, u32 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(route(fd, WRT_R_PATH_SYMLINK, path, len, 0, 0, &e));
  WRT_TRY(wrt_gcheck(old, old_len));
  if (e->kind == WRT_FD_HOST) {
    struct wrt_hres *r;
    WRT_TRY(hlookup(e, path, len, 0, 0, &r));
    if (r->exists) return WRT_EEXIST;
    if (r->slash) return WRT_ENOENT; /* a symlink's name ending in "/" */
    if (wrt_fd_ro(e)) return WRT_EROFS;
    /* Any target is fine as text: it is resolved here when followed. */
    return wrt_host_path_symlink(old, old_len, r->dir, HNAME(r));
  }
  if (!UP) return create_answer(e, path, len);
  struct wrt_lookup lk;
  u32 err = lookup(e, path, len, 0, &lk);
  if (!err) return WRT_EEXIST;
  if (err != WRT_ENOENT || !lk.parent_ok) return err;
  if (lk.slash) return WRT_ENOENT;
  if (old_len >= WRT_PATH_MAX) return WRT_ENAMETOOLONG;
  wimg_copy_in(C.link, old, old_len);
  /* WASI hosts (wasmtime, node) refuse absolute targets: so does the
   * image, though path.c would resolve one inside it (links that come
   * with the image's layers keep theirs). */
  if (old_len && C.link[0] == '/') return WRT_EPERM;
  return wrt_up_symlink(lk.parent.index, lk.last, lk.last_len, C.link, old_len);
}

/* Both names resolved, then one host call. */
static u32 host_link(struct wrt_fd *a, u32 oflags, u32 opath, u32 olen, struct wrt_fd *b, u32 npath, u32 nlen) {
  struct wrt_hres *s, *t;
  WRT_TRY(hlookup(a, opath, olen, oflags & WRT_LOOKUP_FOLLOW, 0, &s));
  if (!s->exists) return WRT_ENOENT;
  WRT_TRY(hlookup(b, npath, nlen, 0, 1, &t));
  if (t->exists) return WRT_EEXIST;
  if (t->slash) return WRT_ENOENT;
  if (wrt_fd_ro(a) || wrt_fd_ro(b)) return WRT_EROFS;
  return wrt_host_path_link(s->dir, 0, HNAME(s), t->dir, HNAME(t));
}

static u32 host_rename(struct wrt_fd *a, u32 opath, u32 olen, struct wrt_fd *b, u32 npath, u32 nlen) {
  struct wrt_hres *s, *t;
  WRT_TRY(hlookup_remove(a, opath, olen, 0, &s));
  WRT_TRY(hlookup_remove(b, npath, nlen, 1, &t));
  if (wrt_fd_ro(a) || wrt_fd_ro(b)) return WRT_EROFS;
  if (!s->exists) return WRT_ENOENT;
  return wrt_host_path_rename(s->dir, HNAME(s), t->dir, HNAME(t));
}

/* Is dir `d` (canonical) src or below it? (rename's subtree rule) */
static u32 inside(u32 d, u32 src, int *in) {
  struct wrt_node n;
  *in = 0;
  for (u32 hops = 0; hops < 65536; ++hops) {
    if (d == src) return *in = 1, 0;
    WRT_TRY(wrt_fs_node(d, &n));
    u32 up = wrt_fs_canon(n.parent);
    if (up == d) return 0; /* the root */
    d = up;
  }
  return WRT_ELOOP;
}

/* rename(2) in the upper layer: Linux's checks, then one move. */
static u32 upper_rename(struct wrt_fd *a, u32 opath, u32 olen, struct wrt_fd *b, u32 npath, u32 nlen) {
  struct wrt_lookup lk;
  int empty, in;
  u32 serr = lookup(a, opath, olen, 0, &lk);
  if (serr == WRT_ENOENT && lk.parent_ok) {
    /* Linux walks both parents before it looks at either last name: an
     * error on the way to the new name comes first. */
    u32 derr = lookup(b, npath, nlen, 0, &lk);
    if (derr && (derr != WRT_ENOENT || !lk.parent_ok)) return derr;
    return WRT_ENOENT;
  }
  WRT_TRY(serr);
  if (!lk.last) return WRT_EBUSY; /* "." or "..": Linux's EBUSY/EINVAL */
  struct wrt_node src = lk.node;
  u32 sdir = lk.parent.index, slen = lk.last_len;
  int isdir = wrt_is_dir(&src);
  memcpy(C.up.name, lk.last, slen);
  u32 err = lookup(b, npath, nlen, 0, &lk);
  if (err && (err != WRT_ENOENT || !lk.parent_ok)) return err;
  if (err && lk.slash && !isdir) return WRT_ENOTDIR;
  if (!err && !lk.last) return WRT_EBUSY;
  if (!err && wrt_fs_canon(lk.node.index) == wrt_fs_canon(src.index)) return 0; /* the same file: nothing */
  if (isdir) { /* Linux checks this before the types */
    WRT_TRY(inside(wrt_fs_canon(lk.parent.index), wrt_fs_canon(src.index), &in));
    if (in) return WRT_EINVAL; /* into its own subtree */
  }
  if (!err && wrt_is_dir(&lk.node)) { /* the new name an ancestor of the old: Linux's ENOTEMPTY */
    WRT_TRY(inside(wrt_fs_canon(sdir), wrt_fs_canon(lk.node.index), &in));
    if (in) return WRT_ENOTEMPTY;
  }
  if (!err) {
    if (isdir && !wrt_is_dir(&lk.node)) return WRT_ENOTDIR;
    if (!isdir && wrt_is_dir(&lk.node)) return WRT_EISDIR;
    if (isdir) {
      WRT_TRY(wrt_fs_empty(&lk.node, &empty));
      if (!empty) return WRT_ENOTEMPTY;
    }
  }
  return wrt_up_rename(sdir, C.up.name, slen, lk.parent.index, lk.last, lk.last_len);
}

/* Two directories: both host → the host; one of each → EXDEV (two
 * filesystems); both image → the upper layer, or the read-only answers. */
WRT_EXPORT(path_link)
u32 wimg_wasi_path_link(u32 ofd, u32 oflags, u32 opath, u32 olen, u32 nfd, u32 npath, u32 nlen) {
  struct wrt_fd *a, *b;
  struct wrt_lookup lk;
  WRT_TRY(wrt_init());
  WRT_TRY(route(ofd, WRT_R_PATH_LINK_SOURCE, opath, olen, oflags & WRT_LOOKUP_FOLLOW, 0, &a));
  WRT_TRY(route(nfd, WRT_R_PATH_LINK_TARGET, npath, nlen, 0, 1, &b));
  if (a->kind == WRT_FD_HOST && b->kind == WRT_FD_HOST) return host_link(a, oflags, opath, olen, b, npath, nlen);
  if (a->kind != b->kind) return WRT_EXDEV;
  WRT_TRY(lookup(a, opath, olen, oflags & WRT_LOOKUP_FOLLOW, &lk));
  if (!UP) return create_answer(b, npath, nlen);
  /* the source's name: the target's lookup reuses C.name */
  struct wrt_node src = lk.node;
  u32 sdir = lk.parent.index, slen = lk.last_len, id;
  int dir = !lk.last || wrt_is_dir(&lk.node);
  if (slen) memcpy(C.up.name, lk.last, slen);
  /* Linux's order: the new name's lookup and EEXIST, then EPERM for a
   * directory source */
  u32 err = lookup(b, npath, nlen, 0, &lk);
  if (!err) return WRT_EEXIST;
  if (err != WRT_ENOENT || !lk.parent_ok) return err;
  if (lk.slash) return WRT_ENOENT;
  if (dir) return WRT_EPERM; /* link(2) on a directory */
  WRT_TRY(wrt_up_copy(sdir, C.up.name, slen, &src, 1, &id));
  return wrt_up_link(lk.parent.index, lk.last, lk.last_len, id);
}

WRT_EXPORT(path_rename) u32 wimg_wasi_path_rename(u32 ofd, u32 opath, u32 olen, u32 nfd, u32 npath, u32 nlen) {
  struct wrt_fd *a, *b;
  WRT_TRY(wrt_init());
  WRT_TRY(route(ofd, WRT_R_PATH_RENAME_SOURCE, opath, olen, 0, 0, &a));
  WRT_TRY(route(nfd, WRT_R_PATH_RENAME_TARGET, npath, nlen, 0, 1, &b));
  if (a->kind == WRT_FD_HOST && b->kind == WRT_FD_HOST) return host_rename(a, opath, olen, b, npath, nlen);
  if (a->kind != b->kind) return WRT_EXDEV;
  if (!UP) {
    u32 err = remove_answer(a, opath, olen);
    if (err != WRT_EROFS) return err;
    return remove_answer(b, npath, nlen);
  }
  return upper_rename(a, opath, olen, b, npath, nlen);
}
