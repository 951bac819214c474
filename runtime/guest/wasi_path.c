/* WASI path_* functions.
 *
 * A path whose directory fd is a host fd goes to the host untouched (only
 * the fd is translated). A path on an image directory stays in the image
 * (path.c) and the image is read-only: every modification is EROFS, with
 * the error precedence of a read-only Linux mount (tests/guest README,
 * item 8): errors of the parent's lookup first, then EEXIST for creating
 * an existing name, then EROFS; unlink/rmdir/rename do not look at the last
 * component at all before answering EROFS. */
#include "wrt.h"

#define C WRT_C

/* The image directory fd `fd` with `right`, or *host set for a host fd. */
static u32 dir_fd(u32 fd, u64 right, struct wrt_fd **e) {
  WRT_TRY(wrt_fd_get(fd, right, e));
  if ((*e)->kind == WRT_FD_IMAGE && !(*e)->is_dir) return WRT_ENOTDIR;
  return 0;
}

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

/* unlink/rmdir/rename: EROFS once the parent directory is found. */
static u32 remove_answer(struct wrt_fd *e, u32 path, u32 len) {
  struct wrt_lookup lk;
  u32 err = lookup(e, path, len, 0, &lk);
  if (!err || (err == WRT_ENOENT && lk.parent_ok)) return WRT_EROFS;
  return err;
}

WRT_EXPORT(path_open)
u32 wimg_wasi_path_open(u32 fd, u32 dirflags, u32 path, u32 len, u32 oflags, u64 base, u64 inh, u32 fdflags,
                        u32 fdp) {
  struct wrt_fd *e;
  struct wrt_lookup lk;
  u32 err, nfd;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(fd, WRT_R_PATH_OPEN, &e));
  WRT_TRY(wrt_gcheck(fdp, 4));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(path, len));
    /* The host writes its fd number into the runtime; the guest gets ours. */
    WRT_TRY(wrt_host_path_open(e->host_fd, dirflags, path, len, oflags, base, inh, fdflags, wrt_abs(&C.scratch[0])));
    u32 host_fd = C.scratch[0];
    if ((err = wrt_fd_add_host(host_fd, &nfd))) {
      (void)wrt_host_fd_close(host_fd);
      return err;
    }
    return wrt_put_u32(fdp, nfd);
  }
  if (oflags & ~0xFu) return WRT_EINVAL;
  if ((base & ~e->rights_inheriting) || (inh & ~e->rights_inheriting)) return WRT_ENOTCAPABLE;
  err = lookup(e, path, len, dirflags & WRT_LOOKUP_FOLLOW, &lk);
  if (err == WRT_ENOENT && lk.parent_ok && (oflags & WRT_O_CREAT)) return WRT_EROFS;
  if (err) return err;
  const struct wrt_node *n = &lk.node;
  int dir = wrt_is_dir(n);
  int write = (base & WRT_RIGHTS_WRITE) || (oflags & WRT_O_TRUNC);
  if ((oflags & WRT_O_CREAT) && (oflags & WRT_O_EXCL)) return WRT_EEXIST;
  if (wrt_is_link(n)) return WRT_ELOOP; /* O_NOFOLLOW on a symlink, as Linux */
  if ((oflags & WRT_O_DIRECTORY) && !dir) return WRT_ENOTDIR;
  if (dir && (write || (oflags & WRT_O_CREAT))) return WRT_EISDIR;
  if (write) return WRT_EROFS;
  WRT_TRY(wrt_fd_alloc(&nfd));
  struct wrt_fd *ne = &C.fds[nfd];
  ne->kind = WRT_FD_IMAGE;
  ne->is_dir = (u8)dir;
  ne->node = n->index;
  ne->fdflags = (u16)fdflags;
  /* Fewer rights than asked is allowed for rights that do not apply to
   * the file's type (WASI); a read-only file has no others. */
  ne->rights_base = base & (dir ? WRT_RIGHTS_DIR : WRT_RIGHTS_FILE);
  ne->rights_inheriting = inh;
  return wrt_put_u32(fdp, nfd);
}

WRT_EXPORT(path_filestat_get)
u32 wimg_wasi_path_filestat_get(u32 fd, u32 flags, u32 path, u32 len, u32 buf) {
  struct wrt_fd *e;
  struct wrt_lookup lk;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(fd, WRT_R_PATH_FILESTAT_GET, &e));
  WRT_TRY(wrt_gcheck(buf, 64));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(path, len));
    return wrt_host_path_filestat_get(e->host_fd, flags, path, len, buf);
  }
  WRT_TRY(lookup(e, path, len, flags & WRT_LOOKUP_FOLLOW, &lk));
  return wrt_put_filestat(buf, &lk.node);
}

WRT_EXPORT(path_filestat_set_times)
u32 wimg_wasi_path_filestat_set_times(u32 fd, u32 flags, u32 path, u32 len, u64 atim, u64 mtim, u32 fst) {
  struct wrt_fd *e;
  struct wrt_lookup lk;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(fd, WRT_R_PATH_FILESTAT_SET_TIMES, &e));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(path, len));
    return wrt_host_path_filestat_set_times(e->host_fd, flags, path, len, atim, mtim, fst);
  }
  if (fst & ~0xFu || (fst & 3u) == 3u || (fst & 12u) == 12u) return WRT_EINVAL;
  WRT_TRY(lookup(e, path, len, flags & WRT_LOOKUP_FOLLOW, &lk));
  return WRT_EROFS;
}

/* A buffer too small for the target truncates, as POSIX readlink and
 * wasmtime do (node answers ENOBUFS). */
WRT_EXPORT(path_readlink)
u32 wimg_wasi_path_readlink(u32 fd, u32 path, u32 len, u32 buf, u32 buf_len, u32 used) {
  struct wrt_fd *e;
  struct wrt_lookup lk;
  u32 toff;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(fd, WRT_R_PATH_READLINK, &e));
  WRT_TRY(wrt_gcheck(buf, buf_len));
  WRT_TRY(wrt_gcheck(used, 4));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(path, len));
    return wrt_host_path_readlink(e->host_fd, path, len, buf, buf_len, used);
  }
  WRT_TRY(lookup(e, path, len, 0, &lk));
  if (!wrt_is_link(&lk.node)) return WRT_EINVAL;
  WRT_TRY(wrt_view_target(&lk.node, &toff));
  u32 n = lk.node.size < buf_len ? (u32)lk.node.size : buf_len;
  if (n) wimg_image_read_guest(0, buf, toff, n);
  return wrt_put_u32(used, n);
}

WRT_EXPORT(path_create_directory) u32 wimg_wasi_path_create_directory(u32 fd, u32 path, u32 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(fd, WRT_R_PATH_CREATE_DIRECTORY, &e));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(path, len));
    return wrt_host_path_create_directory(e->host_fd, path, len);
  }
  return create_answer(e, path, len);
}

WRT_EXPORT(path_remove_directory) u32 wimg_wasi_path_remove_directory(u32 fd, u32 path, u32 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(fd, WRT_R_PATH_REMOVE_DIRECTORY, &e));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(path, len));
    return wrt_host_path_remove_directory(e->host_fd, path, len);
  }
  return remove_answer(e, path, len);
}

WRT_EXPORT(path_unlink_file) u32 wimg_wasi_path_unlink_file(u32 fd, u32 path, u32 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(fd, WRT_R_PATH_UNLINK_FILE, &e));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(path, len));
    return wrt_host_path_unlink_file(e->host_fd, path, len);
  }
  return remove_answer(e, path, len);
}

WRT_EXPORT(path_symlink) u32 wimg_wasi_path_symlink(u32 old, u32 old_len, u32 fd, u32 path, u32 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(fd, WRT_R_PATH_SYMLINK, &e));
  WRT_TRY(wrt_gcheck(old, old_len));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(path, len));
    return wrt_host_path_symlink(old, old_len, e->host_fd, path, len);
  }
  return create_answer(e, path, len);
}

/* Two directories: both host → the host; one of each → EXDEV (two
 * filesystems); both image → the read-only answers. */
WRT_EXPORT(path_link)
u32 wimg_wasi_path_link(u32 ofd, u32 oflags, u32 opath, u32 olen, u32 nfd, u32 npath, u32 nlen) {
  struct wrt_fd *a, *b;
  struct wrt_lookup lk;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(ofd, WRT_R_PATH_LINK_SOURCE, &a));
  WRT_TRY(dir_fd(nfd, WRT_R_PATH_LINK_TARGET, &b));
  if (a->kind == WRT_FD_HOST && b->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(opath, olen));
    WRT_TRY(wrt_gcheck(npath, nlen));
    return wrt_host_path_link(a->host_fd, oflags, opath, olen, b->host_fd, npath, nlen);
  }
  if (a->kind != b->kind) return WRT_EXDEV;
  WRT_TRY(lookup(a, opath, olen, oflags & WRT_LOOKUP_FOLLOW, &lk));
  return create_answer(b, npath, nlen);
}

WRT_EXPORT(path_rename) u32 wimg_wasi_path_rename(u32 ofd, u32 opath, u32 olen, u32 nfd, u32 npath, u32 nlen) {
  struct wrt_fd *a, *b;
  WRT_TRY(wrt_init());
  WRT_TRY(dir_fd(ofd, WRT_R_PATH_RENAME_SOURCE, &a));
  WRT_TRY(dir_fd(nfd, WRT_R_PATH_RENAME_TARGET, &b));
  if (a->kind == WRT_FD_HOST && b->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(opath, olen));
    WRT_TRY(wrt_gcheck(npath, nlen));
    return wrt_host_path_rename(a->host_fd, opath, olen, b->host_fd, npath, nlen);
  }
  if (a->kind != b->kind) return WRT_EXDEV;
  u32 err = remove_answer(a, opath, olen);
  if (err != WRT_EROFS) return err;
  return remove_answer(b, npath, nlen);
}
