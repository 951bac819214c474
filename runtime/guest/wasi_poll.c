/* poll_oneoff and sock_*.
 *
 * poll_oneoff: an image fd is always ready (its bytes are in memory). When
 * no subscription names an image fd, the subscriptions are copied into the
 * runtime, their fds rewritten to host fds, and the host writes the events
 * straight into the guest's buffer (events carry no fd). Otherwise the
 * image fds' events are produced here and the host is polled for the rest
 * with an extra zero timeout, so that the call does not block while events
 * are ready. */
#include "wrt.h"

#define C WRT_C

#define SUB 48u
#define EVT 32u
#define POLL_ZERO_USERDATA 0x77696d67706f6c6cull /* our extra clock's userdata */

static void put_event(u8 *ev, u64 userdata, u32 error, u32 type, u64 nbytes) {
  memset(ev, 0, EVT);
  wrt_st64(ev, userdata);
  ev[8] = (u8)error;
  ev[9] = (u8)(error >> 8);
  ev[10] = (u8)type;
  wrt_st64(ev + 16, nbytes);
}

WRT_EXPORT(poll_oneoff) u32 wimg_wasi_poll_oneoff(u32 in, u32 out, u32 nsubs, u32 neventsp) {
  WRT_TRY(wrt_init());
  if (nsubs == 0) return WRT_EINVAL;
  WRT_TRY(wrt_gcheck_array(in, nsubs, SUB));
  WRT_TRY(wrt_gcheck_array(out, nsubs, EVT));
  WRT_TRY(wrt_gcheck(neventsp, 4));
  /* The runtime's copy has room for WRT_POLL_MAX subscriptions. */
  if (nsubs > WRT_POLL_MAX) return WRT_ENOTSUP;
  wimg_copy_in(C.subs, in, nsubs * SUB);
  u32 ready = 0, host = 0;
  for (u32 i = 0; i < nsubs; ++i) {
    u8 *s = C.subs + i * SUB;
    u32 type = s[8];
    if (type == WRT_EVENT_CLOCK) {
      memmove(C.subs + host * SUB, s, SUB);
      ++host;
      continue;
    }
    if (type != WRT_EVENT_FD_READ && type != WRT_EVENT_FD_WRITE) return WRT_EINVAL;
    struct wrt_fd *e;
    u32 fd = wrt_ld32(s + 16);
    u32 err = wrt_fd_get(fd, 0, &e);
    if (!err && e->kind == WRT_FD_HOST) {
      wrt_st32(s + 16, e->host_fd);
      memmove(C.subs + host * SUB, s, SUB);
      ++host;
      continue;
    }
    /* An unknown fd or an image fd: an event now. Reading an image file is
     * ready with what is left; writing it fails like fd_write (EBADF). */
    u64 nbytes = 0;
    if (!err && type == WRT_EVENT_FD_READ && !e->is_dir) {
      struct wrt_node node;
      WRT_TRY(wrt_fs_node(e->node, &node));
      nbytes = e->pos < node.size ? node.size - e->pos : 0;
    }
    if (!err && type == WRT_EVENT_FD_WRITE) err = WRT_EBADF;
    put_event(C.events + ready * EVT, wrt_ld64(s), err, type, nbytes);
    ++ready;
  }
  if (ready == 0) {
    /* Only host subscriptions: the host writes the events in place. */
    return wrt_host_poll_oneoff(wrt_abs(C.subs), out, host, neventsp);
  }
  if (host > 0) {
    u8 *z = C.subs + host * SUB; /* relative timeout 0 on the monotonic clock */
    memset(z, 0, SUB);
    wrt_st64(z, POLL_ZERO_USERDATA);
    z[8] = WRT_EVENT_CLOCK;
    wrt_st32(z + 16, 1);
    u32 err = wrt_host_poll_oneoff(wrt_abs(C.subs), wrt_abs(C.events + ready * EVT), host + 1,
                                   wrt_abs(&C.scratch[0]));
    if (err) return err;
    u32 got = C.scratch[0] > host + 1 ? host + 1 : C.scratch[0];
    for (u32 i = 0; i < got; ++i) {
      u8 *ev = C.events + (ready + i) * EVT;
      if (wrt_ld64(ev) == POLL_ZERO_USERDATA && ev[10] == WRT_EVENT_CLOCK) continue;
      memmove(C.events + ready * EVT, ev, EVT);
      ++ready;
    }
  }
  wimg_copy_out(out, C.events, ready * EVT);
  return wrt_put_u32(neventsp, ready);
}

/* A socket fd of the host, or ENOTSOCK: the runtime asks the host's
 * fdstat, since node answers ENOTSUP for sock_* on any fd (stdio too),
 * where Linux and wasmtime say ENOTSOCK. */
static u32 host_socket(u32 fd, struct wrt_fd **e) {
  u8 st[24];
  WRT_TRY(wrt_fd_get(fd, 0, e));
  if ((*e)->kind != WRT_FD_HOST) return WRT_ENOTSOCK;
  WRT_TRY(wrt_host_fd_fdstat_get((*e)->host_fd, wrt_abs(st)));
  return st[0] == 5 || st[0] == WRT_FT_SOCK_STREAM ? 0 : WRT_ENOTSOCK; /* DGRAM, STREAM */
}

WRT_EXPORT(sock_accept) u32 wimg_wasi_sock_accept(u32 fd, u32 flags, u32 fdp) {
  struct wrt_fd *e;
  u32 nfd, err;
  WRT_TRY(wrt_init());
  WRT_TRY(host_socket(fd, &e));
  WRT_TRY(wrt_gcheck(fdp, 4));
  WRT_TRY(wrt_host_sock_accept(e->host_fd, flags, wrt_abs(&C.scratch[0])));
  u32 host_fd = C.scratch[0];
  if ((err = wrt_fd_add_host(host_fd, &nfd))) {
    (void)wrt_host_fd_close(host_fd);
    return err;
  }
  return wrt_put_u32(fdp, nfd);
}

WRT_EXPORT(sock_recv) u32 wimg_wasi_sock_recv(u32 fd, u32 iovs, u32 n, u32 flags, u32 lenp, u32 oflagsp) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(host_socket(fd, &e));
  WRT_TRY(wrt_iovs_check(iovs, n));
  WRT_TRY(wrt_gcheck(lenp, 4));
  WRT_TRY(wrt_gcheck(oflagsp, 2));
  return wrt_host_sock_recv(e->host_fd, iovs, n, flags, lenp, oflagsp);
}

WRT_EXPORT(sock_send) u32 wimg_wasi_sock_send(u32 fd, u32 iovs, u32 n, u32 flags, u32 lenp) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(host_socket(fd, &e));
  WRT_TRY(wrt_iovs_check(iovs, n));
  WRT_TRY(wrt_gcheck(lenp, 4));
  return wrt_host_sock_send(e->host_fd, iovs, n, flags, lenp);
}

WRT_EXPORT(sock_shutdown) u32 wimg_wasi_sock_shutdown(u32 fd, u32 how) {
  struct wrt_fd *e;
  WRT_TRY(wrt_init());
  WRT_TRY(host_socket(fd, &e));
  return wrt_host_sock_shutdown(e->host_fd, how);
}
