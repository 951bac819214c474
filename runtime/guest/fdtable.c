/* The guest fd table and lazy initialisation.
 *
 * Every fd the guest sees is a guest number: fds 0-2 and the host's
 * preopens (and whatever the host opens later) are virtualised host fds,
 * image fds name a view node. Numbers are allocated lowest-free like POSIX
 * and an entry is dropped on close (wasi-vfs leaks closed mappings). */
#include "wrt.h"

#define C WRT_C

u32 wrt_fd_alloc(u32 *fd) {
  for (u32 i = 0; i < WRT_MAX_FDS; ++i) {
    if (C.fds[i].kind == WRT_FD_FREE) {
      memset(&C.fds[i], 0, sizeof C.fds[i]);
      *fd = i;
      return 0;
    }
  }
  return WRT_EMFILE;
}

void wrt_fd_free(u32 fd) { memset(&C.fds[fd], 0, sizeof C.fds[fd]); }

u32 wrt_fd_add_host(u32 host_fd, u32 *guest_fd) {
  u32 err = wrt_fd_alloc(guest_fd);
  if (err) return err;
  C.fds[*guest_fd].kind = WRT_FD_HOST;
  C.fds[*guest_fd].host_fd = host_fd;
  return 0;
}

/* EBADF for an unknown fd; ENOTCAPABLE when an image fd (or a host dir fd
 * whose rights the runtime keeps: vrights) lacks `rights` (other host fds:
 * the host checks its own rights). */
u32 wrt_fd_get(u32 fd, u64 rights, struct wrt_fd **out) {
  if (fd >= WRT_MAX_FDS || C.fds[fd].kind == WRT_FD_FREE) return WRT_EBADF;
  struct wrt_fd *e = &C.fds[fd];
  if ((e->kind == WRT_FD_IMAGE || e->vrights) && (rights & ~e->rights_base) != 0) return WRT_ENOTCAPABLE;
  *out = e;
  return 0;
}

/* Image preopen i: its guest path (absolute, canonical) resolved from the
 * image root. A preopen that is not a directory of the image means the
 * packer and the runtime disagree: fail loudly (EIO) rather than hide it. */
static u32 add_image_preopen(u32 i) {
  u32 off, len, fd;
  u32 err = wrt_view_string(WRT_CFG_PREOPENS, i, &off, &len);
  if (err) return WRT_EIO;
  if (len > WRT_PATH_MAX) return WRT_EIO;
  wimg_image_read(0, C.path, off, len);
  u32 skip = 0;
  while (skip < len && C.path[skip] == '/') ++skip;
  memmove(C.path, C.path + skip, len - skip);
  C.path_len = len - skip;
  struct wrt_lookup lk;
  if (C.path_len == 0) {
    if ((err = wrt_fs_node(0, &lk.node))) return err;
  } else if ((err = wrt_resolve(0, 1, &lk))) {
    return WRT_EIO;
  }
  if (!wrt_is_dir(&lk.node)) return WRT_EIO;
  if ((err = wrt_fd_alloc(&fd))) return err;
  struct wrt_fd *e = &C.fds[fd];
  e->kind = WRT_FD_IMAGE;
  e->is_dir = 1;
  e->node = lk.node.index;
  e->preopen = i + 1;
  e->rights_base = WRT_RIGHTS_DIR;
  /* All rights inheritable: wasi-libc asks for (wanted & inheriting), so
   * this is how an O_WRONLY open shows its intent and gets EROFS. */
  e->rights_inheriting = WRT_R_ALL;
  return 0;
}

/* The host's side of the file system: its preopens as mounts (each also
 * a guest fd after the image's preopens, unless the image is
 * pre-initialised: preinit.c), their places in the image, and the upper
 * layer's settings (WIMG_UPPER). Run at init, and again by
 * wimg_rt_resume() when a snapshot starts on another host. */
u32 wrt_host_side(void) {
  u32 err;
  for (u32 m = 0; m < C.mount_count; ++m) {
    u32 fd;
    if (C.preinit) break;
    if ((err = wrt_fd_add_host(C.mounts[m].host_fd, &fd))) return err;
    C.fds[fd].mount = m + 1;
  }
  wrt_mounts_place();
  /* after the mounts: they are placed on view nodes */
  return wrt_upper_init();
}

/* Registers the host's preopens (fd 3.. until prestat fails) as mounts; 1
 * in *root when one is at "/". */
u32 wrt_host_mounts(int *root) {
  *root = 0;
  for (u32 host_fd = 3; host_fd < WRT_MAX_FDS; ++host_fd) {
    if (wrt_host_fd_prestat_get(host_fd, wrt_abs(C.scratch)) != 0) break;
    u32 mount;
    WRT_TRY(wrt_mount_add(host_fd, &mount));
    *root |= wrt_mount_is_root(&C.mounts[mount - 1]);
  }
  return 0;
}

static u32 init(void) {
  u32 err = wrt_view_load();
  if (err) return err;
  for (u32 fd = 0; fd < 3; ++fd) {
    C.fds[fd].kind = WRT_FD_HOST;
    C.fds[fd].host_fd = fd;
  }
  /* The host's preopens become mounts first: one at "/" replaces the
   * image's root preopen (--dir H::/ shadows the whole image, as a mount
   * shadows its subtree; the image's other preopens stay). */
  int root_mounted = 0;
  if ((err = wrt_host_mounts(&root_mounted))) return err;
  for (u32 i = 0; i < C.view.lists[WRT_CFG_PREOPENS].count; ++i) {
    u32 off, len;
    if (root_mounted && !wrt_view_string(WRT_CFG_PREOPENS, i, &off, &len) && len == 1) continue; /* "/" */
    if ((err = add_image_preopen(i))) return err;
  }
  /* The host's preopens, in its order, after the image's. */
  return wrt_host_side();
}

/* Lazy: the first WASI call initialises (docs/ARCHITECTURE.md, "Injection": a start function may
 * run before the host allows WASI calls, so not at instantiation). */
u32 wrt_init(void) {
  if (C.state == 1) return 0;
  if (C.state == 2) return C.init_err;
  /* The context must leave the stack its 64 KiB (link flags, wrt.h). */
  u32 ctx_end = (u32)(usize)&C + (u32)sizeof C;
  u32 top = (u32)(usize)&__heap_base;
  u32 err = ctx_end > top || top - ctx_end < WRT_STACK ? WRT_EIO : init();
  if (err) {
    C.state = 2;
    C.init_err = err;
    return err;
  }
  C.state = 1;
  return 0;
}

/* The end of the runtime's static memory (data, then the stack with the
 * context at its bottom): the size of the region the injector reserves. */
__attribute__((export_name("wimg_rt_static_bytes"))) u32 wimg_rt_static_bytes(void) {
  return (u32)(usize)&__heap_base;
}
