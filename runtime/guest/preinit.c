/* Pre-initialised images (docs/WASMFILE.md, PREINIT): the module runs its
 * initialisation once at build time under a snapshotter (Wizer), and every
 * run starts from that memory. The runtime's part:
 *
 *   wimg_rt_preinit()   before the initialisation's first WASI call: marks
 *                       the image pre-initialised. Host preopens then never
 *                       get a guest fd nor answer fd_prestat_get: wasi-libc
 *                       reads its preopen list once, during the snapshot,
 *                       so the list must not depend on the host. They stay
 *                       mounts, reached through the image's tree (README,
 *                       "One mount table").
 *   wimg_rt_resume()    first thing of every run of the snapshot: the
 *                       build's host side is forgotten (its host fds above
 *                       2, mounts, argv/environ, WIMG_READONLY, WIMG_UPPER)
 *                       and read again from this run's host. The image
 *                       side (view, image fds, the upper layer) is kept.
 *                       ENOTSUP when a host directory cannot be reached
 *                       without a preopen of its own: a mount at "/", or
 *                       one whose mount point's parent is not an image
 *                       directory.
 *   wimg_rt_frozen_clock(id, precision, out), wimg_rt_frozen_random(buf, len)
 *                       what clock_time_get and random_get answer during the
 *                       snapshot (the injector routes them here while it
 *                       lasts): a clock that starts at 2000-01-01T00:00:00Z
 *                       (realtime; 0 for the others) and advances 1 us per
 *                       call, and a fixed SplitMix64 stream, so the same
 *                       inputs give the same snapshot. */
#include "wrt.h"

#define C WRT_C

#define FROZEN_EPOCH_NS 946684800000000000ull

__attribute__((export_name("wimg_rt_preinit"))) void wimg_rt_preinit(void) {
  C.preinit = 1;
  C.frozen = 1;
  C.frozen_ns = 0;
  C.frozen_rand = 0x77696d67u; /* "wimg" */
}

__attribute__((export_name("wimg_rt_resume"))) u32 wimg_rt_resume(void) {
  C.frozen = 0;
  if (C.state != 1) return wrt_init(); /* never initialised, or failed: say so */
  C.args_state = C.env_state = 0;
  for (u32 fd = 3; fd < WRT_MAX_FDS; ++fd) {
    if (C.fds[fd].kind == WRT_FD_HOST) wrt_fd_free(fd);
  }
  C.mount_count = 0;
  C.crossable = 0;
  int root = 0;
  WRT_TRY(wrt_host_mounts(&root));
  if (root) return WRT_ENOTSUP;
  WRT_TRY(wrt_host_side());
  for (u32 m = 0; m < C.mount_count; ++m) {
    if (C.mounts[m].parent_node == WIMG_NONE) return WRT_ENOTSUP;
  }
  return 0;
}

/* The frozen realtime clock (also the upper layer's, wrt_now). */
u64 wrt_frozen_now(void) {
  C.frozen_ns += 1000;
  return FROZEN_EPOCH_NS + C.frozen_ns;
}

__attribute__((export_name("wimg_rt_frozen_clock"))) u32 wimg_rt_frozen_clock(u32 id, u64 precision, u32 out) {
  (void)precision;
  u8 b[8];
  WRT_TRY(wrt_gcheck(out, 8));
  if (id > 3) return WRT_EINVAL;
  u64 t = wrt_frozen_now();
  wrt_st64(b, id == 0 ? t : t - FROZEN_EPOCH_NS);
  wimg_copy_out(out, b, 8);
  return 0;
}

__attribute__((export_name("wimg_rt_frozen_random"))) u32 wimg_rt_frozen_random(u32 buf, u32 len) {
  u8 b[8];
  WRT_TRY(wrt_gcheck(buf, len));
  for (u32 done = 0; done < len; done += 8) {
    u64 z = (C.frozen_rand += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    wrt_st64(b, z ^ (z >> 31));
    wimg_copy_out(buf + done, b, len - done < 8 ? len - done : 8);
  }
  return 0;
}
