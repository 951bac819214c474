/* WASI fd_* functions.
 *
 * Each one: init, look the fd up (EBADF / rights), then either pass the
 * call to the host with the host's fd number, or answer from the image.
 * Guest pointers handed to the host are checked first: the host can reach
 * the whole memory, the runtime region above the guest's size included. */
#include "wrt.h"

#define C WRT_C

u32 wrt_put_filestat(u32 gbuf, const struct wrt_node *n) {
  u8 b[64];
  if (wrt_gcheck(gbuf, 64)) return WRT_EFAULT;
  memset(b, 0, sizeof b);
  wrt_st64(b + 0, WRT_DEVICE_ID);
  wrt_st64(b + 8, wrt_fs_ino(n)); /* a view node's index + 1 (wimg_abi.h), kept by its copy */
  b[16] = (u8)wrt_node_filetype(n);
  wrt_st64(b + 24, n->nlink); /* 1 for view nodes and dirs; hard links count on upper files */
  wrt_st64(b + 32, wrt_is_dir(n) ? 0 : n->size);
  wrt_st64(b + 40, n->atim);
  wrt_st64(b + 48, n->mtime_ns);
  wrt_st64(b + 56, n->ctim);
  wimg_copy_out(gbuf, b, 64);
  return 0;
}

/* Reads an image file (view or upper) at `off` into the guest's iovecs;
 * *total = bytes. Corrupt compressed data is EIO for the whole call (bytes
 * already copied into earlier iovecs are not reported, as for a failing
 * read(2)). */
static u32 image_read(struct wrt_fd *e, u32 iovs, u32 n, u64 off, u32 *total) {
  struct wrt_node node;
  struct wrt_file f;
  struct wrt_iov_walk w = {iovs, n, 0, {0}};
  u32 buf, len;
  WRT_TRY(wrt_iovs_check(iovs, n));
  WRT_TRY(wrt_fs_node(e->node, &node));
  int up = wrt_is_up(node.index);
  if (!up) WRT_TRY(wrt_view_file(&node, &f));
  *total = 0;
  while (wrt_iov_next(&w, &buf, &len)) {
    u64 avail = off < node.size ? node.size - off : 0;
    u32 m = len < avail ? len : (u32)avail;
    /* Overlapping iovecs could add up past what nread can say: stop
     * there, a short read the caller retries. */
    if ((u64)*total + m > 0xFFFFFFFFu) return 0;
    if (m) WRT_TRY(up ? wrt_up_read(node.index, buf, off, m) : wrt_file_read_guest(&f, buf, off, m));
    off += m;
    *total += m;
    if (m < len) return 0;
  }
  return 0;
}

WRT_EXPORT(fd_read) u32 wimg_wasi_fd_read(u32 fd, u32 iovs, u32 n, u32 nread) {
  struct wrt_fd *e;
  u32 total;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_READ, &e));
  WRT_TRY(wrt_gcheck(nread, 4));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_iovs_check(iovs, n));
    return wrt_host_fd_read(e->host_fd, iovs, n, nread);
  }
  WRT_TRY(image_read(e, iovs, n, e->pos, &total));
  e->pos += total;
  return wrt_put_u32(nread, total);
}

WRT_EXPORT(fd_pread) u32 wimg_wasi_fd_pread(u32 fd, u32 iovs, u32 n, u64 off, u32 nread) {
  struct wrt_fd *e;
  u32 total;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_READ | WRT_R_FD_SEEK, &e));
  WRT_TRY(wrt_gcheck(nread, 4));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_iovs_check(iovs, n));
    return wrt_host_fd_pread(e->host_fd, iovs, n, off, nread);
  }
  WRT_TRY(image_read(e, iovs, n, off, &total));
  return wrt_put_u32(nread, total);
}

/* Writes the guest's iovecs into an upper file at `off`; *total = bytes.
 * Out of space after some bytes: a short write (write(2)'s rule). */
static u32 upper_write(struct wrt_fd *e, u32 iovs, u32 n, u64 off, u32 *total) {
  struct wrt_iov_walk w = {iovs, n, 0, {0}};
  u32 buf, len;
  WRT_TRY(wrt_iovs_check(iovs, n));
  *total = 0;
  while (wrt_iov_next(&w, &buf, &len)) {
    if ((u64)*total + len > 0x7FFFFFFFu) return 0;
    u32 err = wrt_up_write(e->node, buf, off, len);
    if (err) return *total ? 0 : err;
    off += len;
    *total += len;
  }
  return 0;
}

/* A writable image fd: an upper file opened with FD_WRITE. Others are
 * EBADF, as write(2) on an O_RDONLY fd. */
static int writable(const struct wrt_fd *e) {
  return wrt_is_up(e->node) && !e->is_dir && (e->rights_base & WRT_R_FD_WRITE);
}

WRT_EXPORT(fd_write) u32 wimg_wasi_fd_write(u32 fd, u32 iovs, u32 n, u32 nwritten) {
  struct wrt_fd *e;
  u32 total;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, 0, &e));
  if (e->kind != WRT_FD_HOST && !writable(e)) return WRT_EBADF;
  WRT_TRY(wrt_gcheck(nwritten, 4));
  WRT_TRY(wrt_iovs_check(iovs, n));
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_write(e->host_fd, iovs, n, nwritten);
  if (e->fdflags & WRT_FDFLAG_APPEND) e->pos = wrt_inode(e->node)->size;
  WRT_TRY(upper_write(e, iovs, n, e->pos, &total));
  e->pos += total;
  return wrt_put_u32(nwritten, total);
}

WRT_EXPORT(fd_pwrite) u32 wimg_wasi_fd_pwrite(u32 fd, u32 iovs, u32 n, u64 off, u32 nwritten) {
  struct wrt_fd *e;
  u32 total;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, 0, &e));
  if (e->kind != WRT_FD_HOST && !writable(e)) return WRT_EBADF;
  WRT_TRY(wrt_gcheck(nwritten, 4));
  WRT_TRY(wrt_iovs_check(iovs, n));
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_pwrite(e->host_fd, iovs, n, off, nwritten);
  WRT_TRY(upper_write(e, iovs, n, off, &total));
  return wrt_put_u32(nwritten, total);
}

WRT_EXPORT(fd_seek) u32 wimg_wasi_fd_seek(u32 fd, i64 off, u32 whence, u32 newoff) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  /* seek(0, CUR) only tells: WASI asks for FD_TELL then, not FD_SEEK */
  u64 need = whence == WRT_WHENCE_CUR && off == 0 ? WRT_R_FD_TELL : WRT_R_FD_SEEK;
  WRT_TRY(wrt_fd_get(fd, need, &e));
  WRT_TRY(wrt_gcheck(newoff, 8));
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_seek(e->host_fd, off, whence, newoff);
  struct wrt_node node;
  WRT_TRY(wrt_fs_node(e->node, &node));
  i64 base;
  switch (whence) {
    case WRT_WHENCE_SET: base = 0; break;
    case WRT_WHENCE_CUR: base = (i64)e->pos; break;
    case WRT_WHENCE_END: base = (i64)node.size; break;
    default: return WRT_EINVAL;
  }
  i64 pos;
  if (__builtin_add_overflow(base, off, &pos)) return WRT_EOVERFLOW;
  if (pos < 0) return WRT_EINVAL;
  e->pos = (u64)pos;
  return wrt_put_u64(newoff, e->pos);
}

WRT_EXPORT(fd_tell) u32 wimg_wasi_fd_tell(u32 fd, u32 offp) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_TELL, &e));
  WRT_TRY(wrt_gcheck(offp, 8));
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_tell(e->host_fd, offp);
  return wrt_put_u64(offp, e->pos);
}

/* The entry goes whatever the host says: close(2) always releases the fd. */
WRT_EXPORT(fd_close) u32 wimg_wasi_fd_close(u32 fd) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, 0, &e));
  u32 err = e->kind == WRT_FD_HOST ? wrt_host_fd_close(e->host_fd) : 0;
  if (e->kind == WRT_FD_IMAGE) wrt_up_release(e->node);
  wrt_fd_free(fd);
  return err;
}

WRT_EXPORT(fd_renumber) u32 wimg_wasi_fd_renumber(u32 from, u32 to) {
  struct wrt_fd *a, *b;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(from, 0, &a));
  WRT_TRY(wrt_fd_get(to, 0, &b));
  if (from == to) return 0;
  if (b->kind == WRT_FD_HOST) (void)wrt_host_fd_close(b->host_fd); /* like dup2: a failed close is ignored */
  if (b->kind == WRT_FD_IMAGE) wrt_up_release(b->node);
  *b = *a;
  wrt_fd_free(from);
  return 0;
}

WRT_EXPORT(fd_fdstat_get) u32 wimg_wasi_fd_fdstat_get(u32 fd, u32 buf) {
  struct wrt_fd *e;
  u8 b[24];
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, 0, &e));
  WRT_TRY(wrt_gcheck(buf, 24));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_host_fd_fdstat_get(e->host_fd, buf));
    if (!e->vrights) return 0;
    wrt_st64(b, e->rights_base); /* the guest's rights, not the walk's */
    wrt_st64(b + 8, e->rights_inheriting);
    wimg_copy_out(buf + 8, b, 16);
    return 0;
  }
  struct wrt_node node;
  WRT_TRY(wrt_fs_node(e->node, &node));
  memset(b, 0, sizeof b);
  b[0] = (u8)wrt_node_filetype(&node);
  b[2] = (u8)e->fdflags;
  b[3] = (u8)(e->fdflags >> 8);
  wrt_st64(b + 8, e->rights_base);
  wrt_st64(b + 16, e->rights_inheriting);
  wimg_copy_out(buf, b, 24);
  return 0;
}

WRT_EXPORT(fd_fdstat_set_flags) u32 wimg_wasi_fd_fdstat_set_flags(u32 fd, u32 flags) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_FDSTAT_SET_FLAGS, &e));
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_fdstat_set_flags(e->host_fd, flags);
  if (flags & ~0x1Fu) return WRT_EINVAL;
  /* Kept for fdstat; APPEND acts on writes, the others change nothing in memory. */
  e->fdflags = (u16)flags;
  return 0;
}

/* Rights can only be dropped (WASI: "cannot be used to gain rights"). */
WRT_EXPORT(fd_fdstat_set_rights) u32 wimg_wasi_fd_fdstat_set_rights(u32 fd, u64 base, u64 inh) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, 0, &e));
  if (e->kind == WRT_FD_HOST && !e->vrights) return wrt_host_fd_fdstat_set_rights(e->host_fd, base, inh);
  if ((base & ~e->rights_base) || (inh & ~e->rights_inheriting)) return WRT_ENOTCAPABLE;
  e->rights_base = base;
  e->rights_inheriting = inh;
  return 0;
}

WRT_EXPORT(fd_filestat_get) u32 wimg_wasi_fd_filestat_get(u32 fd, u32 buf) {
  struct wrt_fd *e;
  struct wrt_node node;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_FILESTAT_GET, &e));
  if (e->kind == WRT_FD_HOST) {
    WRT_TRY(wrt_gcheck(buf, 64));
    return wrt_host_fd_filestat_get(e->host_fd, buf);
  }
  WRT_TRY(wrt_fs_node(e->node, &node));
  return wrt_put_filestat(buf, &node);
}

/* Only an upper file opened for writing holds FD_FILESTAT_SET_SIZE or
 * FD_ALLOCATE; without them the rights check answers ENOTCAPABLE, as node
 * does for ftruncate on an O_RDONLY fd. */
WRT_EXPORT(fd_filestat_set_size) u32 wimg_wasi_fd_filestat_set_size(u32 fd, u64 size) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_FILESTAT_SET_SIZE, &e));
  if (e->kind == WRT_FD_HOST) return wrt_fd_ro(e) ? WRT_EROFS : wrt_host_fd_filestat_set_size(e->host_fd, size);
  if (!writable(e)) return WRT_EROFS;
  return wrt_up_resize(e->node, size);
}

WRT_EXPORT(fd_allocate) u32 wimg_wasi_fd_allocate(u32 fd, u64 off, u64 len) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_ALLOCATE, &e));
  if (e->kind == WRT_FD_HOST) return wrt_fd_ro(e) ? WRT_EROFS : wrt_host_fd_allocate(e->host_fd, off, len);
  if (!writable(e)) return WRT_EROFS;
  if (len == 0) return WRT_EINVAL; /* posix_fallocate's rule */
  u64 end;
  if (__builtin_add_overflow(off, len, &end)) return 22; /* EFBIG */
  /* Growing costs nothing until written: the bytes read as zero. */
  return end > wrt_inode(e->node)->size ? wrt_up_resize(e->node, end) : 0;
}

/* Upper nodes and (copied up) dirs take times. A view file opened
 * read-only is copied up under the name its view node carries, when its
 * parent still lists it there (else, moved or removed, EROFS); the fd then
 * refers to the copy. */
WRT_EXPORT(fd_filestat_set_times) u32 wimg_wasi_fd_filestat_set_times(u32 fd, u64 atim, u64 mtim, u32 fst) {
  struct wrt_fd *e;
  u32 id;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_FILESTAT_SET_TIMES, &e));
  if (e->kind == WRT_FD_HOST) return wrt_fd_ro(e) ? WRT_EROFS : wrt_host_fd_filestat_set_times(e->host_fd, atim, mtim, fst);
  if (fst & ~0xFu || (fst & 3u) == 3u || (fst & 12u) == 12u) return WRT_EINVAL; /* X and X_NOW */
  if (!WRT_C.up.enabled) return WRT_EROFS;
  if (e->is_dir) WRT_TRY(wrt_up_dir(e->node, &id));
  else if (wrt_is_up(e->node)) id = e->node;
  else {
    struct wrt_node n;
    WRT_TRY(wrt_fs_node(e->node, &n));
    wimg_image_read(0, C.name, C.view.strings_off + n.name_off, n.name_len);
    if (wrt_up_copy(n.parent, C.name, n.name_len, &n, 1, &id)) return WRT_EROFS;
    e->node = id;
    ++wrt_inode(id)->opens;
  }
  return wrt_up_times(id, atim, mtim, fst);
}

WRT_EXPORT(fd_advise) u32 wimg_wasi_fd_advise(u32 fd, u64 off, u64 len, u32 advice) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_ADVISE, &e));
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_advise(e->host_fd, off, len, advice);
  if (advice > 5) return WRT_EINVAL;
  return 0; /* a hint; the bytes are in memory already */
}

WRT_EXPORT(fd_datasync) u32 wimg_wasi_fd_datasync(u32 fd) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_DATASYNC, &e));
  return e->kind == WRT_FD_HOST ? wrt_host_fd_datasync(e->host_fd) : 0;
}

WRT_EXPORT(fd_sync) u32 wimg_wasi_fd_sync(u32 fd) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_SYNC, &e));
  return e->kind == WRT_FD_HOST ? wrt_host_fd_sync(e->host_fd) : 0;
}

WRT_EXPORT(fd_prestat_get) u32 wimg_wasi_fd_prestat_get(u32 fd, u32 buf) {
  struct wrt_fd *e;
  u32 off, len;
  u8 b[8];
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, 0, &e));
  WRT_TRY(wrt_gcheck(buf, 8));
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_prestat_get(e->host_fd, buf);
  if (e->preopen == 0) return WRT_EBADF; /* not a preopen: what hosts answer */
  WRT_TRY(wrt_view_string(WRT_CFG_PREOPENS, e->preopen - 1, &off, &len));
  memset(b, 0, sizeof b);
  wrt_st32(b + 4, len); /* tag 0 = dir, then pr_name_len */
  wimg_copy_out(buf, b, 8);
  return 0;
}

WRT_EXPORT(fd_prestat_dir_name) u32 wimg_wasi_fd_prestat_dir_name(u32 fd, u32 path, u32 path_len) {
  struct wrt_fd *e;
  u32 off, len;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, 0, &e));
  WRT_TRY(wrt_gcheck(path, path_len));
  /* A buffer too small: ENAMETOOLONG, as wasmtime (node says ENOBUFS) */
  if (e->kind == WRT_FD_HOST && e->mount && C.mounts[e->mount - 1].host_fd == e->host_fd &&
      C.mounts[e->mount - 1].name_len != WIMG_NONE && path_len < C.mounts[e->mount - 1].name_len)
    return WRT_ENAMETOOLONG;
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_prestat_dir_name(e->host_fd, path, path_len);
  if (e->preopen == 0) return WRT_EBADF;
  WRT_TRY(wrt_view_string(WRT_CFG_PREOPENS, e->preopen - 1, &off, &len));
  if (path_len < len) return WRT_ENAMETOOLONG;
  wimg_image_read_guest(0, path, off, len);
  return 0;
}

/* One directory entry, cut at the end of the buffer (WASI: a truncated
 * last entry tells the caller to retry with a bigger buffer). name_off is
 * in slot 0, or name points at runtime bytes for "." and "..". */
static u32 put_dirent(u32 buf, u32 room, u64 next, u64 ino, u32 type, const u8 *name, u32 name_off,
                      u32 name_len) {
  u8 h[24];
  memset(h, 0, sizeof h);
  wrt_st64(h, next);
  wrt_st64(h + 8, ino);
  wrt_st32(h + 16, name_len);
  h[20] = (u8)type;
  u32 n = room < 24 ? room : 24;
  wimg_copy_out(buf, h, n);
  if (n < 24) return n;
  room -= 24;
  u32 m = room < name_len ? room : name_len;
  if (m && name) wimg_copy_out(buf + 24, name, m);
  if (m && !name) wimg_image_read_guest(0, buf + 24, name_off, m);
  return 24 + m;
}

/* Entries: cookie 0 ".", 1 "..", 2+i the i-th child in the view's sorted
 * order, or the i-th slot of an upper dir (creation order; freed slots
 * are skipped). d_next of entry k is k+1, so a cookie is a stable
 * position. */
WRT_EXPORT(fd_readdir) u32 wimg_wasi_fd_readdir(u32 fd, u32 buf, u32 buf_len, u64 cookie, u32 used) {
  struct wrt_fd *e;
  struct wrt_node dir, ent;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_fd_get(fd, WRT_R_FD_READDIR, &e));
  WRT_TRY(wrt_gcheck(buf, buf_len));
  WRT_TRY(wrt_gcheck(used, 4));
  if (e->kind == WRT_FD_HOST) return wrt_host_fd_readdir(e->host_fd, buf, buf_len, cookie, used);
  WRT_TRY(wrt_fs_node(e->node, &dir));
  u64 count = 2 + (u64)wrt_fs_count(&dir);
  u32 pos = 0;
  for (u64 k = cookie; k < count && pos < buf_len; ++k) {
    u32 room = buf_len - pos;
    if (k < 2) {
      u8 dots[2] = {'.', '.'}; /* on the stack: no data segment */
      if (k == 1) WRT_TRY(wrt_fs_node(dir.parent, &ent));
      u64 ino = wrt_fs_ino(k == 0 ? &dir : &ent);
      pos += put_dirent(buf + pos, room, k + 1, ino, WRT_FT_DIR, dots, 0, (u32)k + 1);
      continue;
    }
    const u8 *name;
    u32 name_off;
    u32 err = wrt_fs_entry(&dir, (u32)(k - 2), &ent, &name, &name_off);
    if (err == WRT_ENOENT) continue; /* a freed slot */
    if (err) return err;
    pos += put_dirent(buf + pos, room, k + 1, wrt_fs_ino(&ent), wrt_node_filetype(&ent), name, name_off,
                      ent.name_len);
  }
  return wrt_put_u32(used, pos);
}
