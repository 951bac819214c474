/* args_* and environ_* (wimg_abi.h, config block rules).
 *
 *   argv    = [host argv[0]] + entrypoint + (host argv[1..] if any, else cmd)
 *   environ = the baked env, each "K=V" replaced by the host's variable of
 *             the same name if there is one, then PWD=<workdir> (below),
 *             then the host's other variables
 *
 * The host's lists are fetched once into runtime buffers (the host writes
 * absolute pointers; they are turned into offsets at once because the region
 * may move when the guest grows). The merged lists are never materialised:
 * one walk counts them (sizes_get) and the same walk writes them (get),
 * baked strings going from the image straight to the guest (memory.init). */
#include "wrt.h"

#define C WRT_C

/* Host strings: buf starts with count u32 offsets (rewritten from the
 * host's pointers), then the NUL-terminated strings. */
static u32 fetch(int env, u8 *buf, u32 cap, u32 *count) {
  u32 base = wimg_region_base();
  u32 err = env ? wrt_host_environ_sizes_get(wrt_abs(&C.scratch[0]), wrt_abs(&C.scratch[1]))
                : wrt_host_args_sizes_get(wrt_abs(&C.scratch[0]), wrt_abs(&C.scratch[1]));
  if (err) return err;
  u32 n = C.scratch[0], size = C.scratch[1];
  /* The runtime's buffer is static (no memory.grow): too much is E2BIG. */
  if ((u64)n * 4 + size > cap) return WRT_E2BIG;
  /* node's environ_get answers EINVAL for an empty environment: nothing to fetch anyway. */
  if (n == 0) {
    *count = 0;
    return 0;
  }
  u32 strings = n * 4;
  err = env ? wrt_host_environ_get(wrt_abs(buf), wrt_abs(buf + strings))
            : wrt_host_args_get(wrt_abs(buf), wrt_abs(buf + strings));
  if (err) return err;
  for (u32 i = 0; i < n; ++i) {
    u32 off = wrt_ld32(buf + i * 4) - base - (u32)(usize)buf;
    if (off < strings || off >= strings + size) return WRT_EIO;
    wrt_st32(buf + i * 4, off);
  }
  if (size > 0 && buf[strings + size - 1] != 0) return WRT_EIO; /* the last string ends */
  *count = n;
  return 0;
}

static u32 host_lists(int env) {
  u32 *state = env ? &C.env_state : &C.args_state;
  if (*state == 1) return 0;
  if (*state > 1) return *state - 2;
  u32 err = env ? fetch(1, C.host_env, WRT_HOST_ENV_BYTES, &C.host_envc)
                : fetch(0, C.host_args, WRT_HOST_ARGS_BYTES, &C.host_argc);
  *state = err ? err + 2 : 1;
  return err;
}

/* Host string i of a list: bytes and length (without the NUL). */
static const u8 *host_str(const u8 *buf, u32 i, u32 *len) {
  const u8 *s = buf + wrt_ld32(buf + i * 4);
  u32 n = 0;
  while (s[n]) ++n;
  *len = n;
  return s;
}

/* The key of "K=V" (all of it without '='). */
static u32 key_len(const u8 *s, u32 len) {
  u32 k = 0;
  while (k < len && s[k] != '=') ++k;
  return k;
}

/* Baked env string i's key, read into C.path_tmp (keys longer than the
 * buffer cannot match a host variable: they are compared truncated,
 * which only ever makes them differ). */
static u32 baked_key(u32 i, u32 *klen) {
  u32 off, len;
  WRT_TRY(wrt_view_string(WRT_CFG_ENV, i, &off, &len));
  u32 n = len < WRT_PATH_MAX ? len : WRT_PATH_MAX;
  wimg_image_read(0, C.path_tmp, off, n);
  *klen = key_len(C.path_tmp, n);
  if (*klen == WRT_PATH_MAX) *klen = WRT_PATH_MAX + 1; /* never equal to a host key */
  return 0;
}

/* The host variable with key k (-1 if none). */
static int host_var(const u8 *k, u32 klen) {
  for (u32 i = 0; i < C.host_envc; ++i) {
    u32 len;
    const u8 *s = host_str(C.host_env, i, &len);
    if (key_len(s, len) == klen && memcmp(s, k, klen) == 0) return (int)i;
  }
  return -1;
}

/* WIMG_READONLY (hostpath.c) and WIMG_UPPER (upper.c) are the runtime's,
 * not the guest's: the guest never sees the host's, and cannot turn a
 * mount writable through an ENV of its own (only the host's is read). */
static int reserved(const u8 *s, u32 klen) {
  u8 k[13];
  if (klen == wrt_upper_key(k) && memcmp(s, k, klen) == 0) return 1;
  return klen == wrt_readonly_key(k) && memcmp(s, k, klen) == 0;
}

/* The host variable `key` (ENOENT if unset), for the runtime itself. */
u32 wrt_host_env_value(const u8 *key, u32 klen, const u8 **val, u32 *vlen) {
  WRT_TRY(host_lists(1));
  int i = host_var(key, klen);
  if (i < 0) return WRT_ENOENT;
  u32 len;
  const u8 *s = host_str(C.host_env, (u32)i, &len);
  *val = s + klen + 1;
  *vlen = len - klen - 1;
  return 0;
}

/* The output walk: counts, and writes when ptrs != WIMG_NONE. */
struct emit {
  u32 ptrs, buf; /* guest arrays */
  u32 count, size;
};

static void emit_host(struct emit *o, const u8 *hbuf, u32 i) {
  u32 len;
  const u8 *s = host_str(hbuf, i, &len);
  if (o->ptrs != WIMG_NONE) {
    wrt_put_u32(o->ptrs + o->count * 4, o->buf + o->size);
    wimg_copy_out(o->buf + o->size, s, len + 1);
  }
  o->count += 1;
  o->size += len + 1;
}

static u32 emit_baked(struct emit *o, u32 list, u32 i) {
  u32 off, len;
  u8 nul = 0;
  WRT_TRY(wrt_view_string(list, i, &off, &len));
  if (o->ptrs != WIMG_NONE) {
    wrt_put_u32(o->ptrs + o->count * 4, o->buf + o->size);
    wimg_image_read_guest(0, o->buf + o->size, off, len);
    wimg_copy_out(o->buf + o->size + len, &nul, 1);
  }
  o->count += 1;
  o->size += len + 1;
  return 0;
}

static u32 walk_args(struct emit *o) {
  const struct wrt_list *ep = &C.view.lists[WRT_CFG_ENTRYPOINT], *cmd = &C.view.lists[WRT_CFG_CMD];
  if (C.host_argc > 0) emit_host(o, C.host_args, 0);
  for (u32 i = 0; i < ep->count; ++i) WRT_TRY(emit_baked(o, WRT_CFG_ENTRYPOINT, i));
  if (C.host_argc > 1) {
    for (u32 i = 1; i < C.host_argc; ++i) emit_host(o, C.host_args, i);
  } else {
    for (u32 i = 0; i < cmd->count; ++i) WRT_TRY(emit_baked(o, WRT_CFG_CMD, i));
  }
  return 0;
}

/* WORKDIR reaches the guest as PWD=<workdir>. wasi-libc starts every
 * program at cwd "/" and turns a relative path into "/path" before it looks
 * at the preopens, so the runtime cannot tell "foo" from "/foo" and preview1
 * has no call that sets the guest's cwd: PWD is the one channel. Programs
 * that start in $PWD (shells, chdir(getenv("PWD"))) then find WORKDIR. An
 * image's own ENV PWD=... or the host's PWD wins. README: "WORKDIR". */
static void pwd_key(u8 k[4]) { wrt_st32(k, 0x3D445750u); /* "PWD=" without a data segment */ }

static u32 workdir(u32 *off, u32 *len) {
  if (C.view.lists[WRT_CFG_WORKDIR].count != 1) return WRT_ENOENT;
  WRT_TRY(wrt_view_string(WRT_CFG_WORKDIR, 0, off, len));
  return *len > 0 ? 0 : WRT_ENOENT;
}

static void emit_pwd(struct emit *o, u32 off, u32 len) {
  u8 k[4];
  u8 nul = 0;
  pwd_key(k);
  if (o->ptrs != WIMG_NONE) {
    wrt_put_u32(o->ptrs + o->count * 4, o->buf + o->size);
    wimg_copy_out(o->buf + o->size, k, 4);
    wimg_image_read_guest(0, o->buf + o->size + 4, off, len);
    wimg_copy_out(o->buf + o->size + 4 + len, &nul, 1);
  }
  o->count += 1;
  o->size += 4 + len + 1;
}

static u32 walk_env(struct emit *o) {
  u32 baked = C.view.lists[WRT_CFG_ENV].count, klen, wd_off, wd_len;
  u8 pwd[4];
  pwd_key(pwd);
  int want_pwd = workdir(&wd_off, &wd_len) == 0 && host_var(pwd, 3) < 0;
  for (u32 i = 0; i < baked; ++i) {
    WRT_TRY(baked_key(i, &klen));
    if (klen == 3 && memcmp(C.path_tmp, pwd, 3) == 0) want_pwd = 0;
    int h = klen <= WRT_PATH_MAX && !reserved(C.path_tmp, klen) ? host_var(C.path_tmp, klen) : -1;
    if (h >= 0) {
      emit_host(o, C.host_env, (u32)h);
    } else {
      WRT_TRY(emit_baked(o, WRT_CFG_ENV, i));
    }
  }
  if (want_pwd) emit_pwd(o, wd_off, wd_len);
  for (u32 i = 0; i < C.host_envc; ++i) {
    u32 len;
    const u8 *s = host_str(C.host_env, i, &len);
    u32 hk = key_len(s, len);
    int overrides = reserved(s, hk);
    for (u32 j = 0; j < baked && !overrides; ++j) {
      WRT_TRY(baked_key(j, &klen));
      overrides = klen == hk && memcmp(C.path_tmp, s, hk) == 0;
    }
    if (!overrides) emit_host(o, C.host_env, i);
  }
  return 0;
}

static u32 sizes(int env, u32 countp, u32 sizep) {
  struct emit o;
  o.ptrs = WIMG_NONE, o.buf = o.count = o.size = 0;
  WRT_TRY(wrt_init());
  WRT_TRY(wrt_gcheck(countp, 4));
  WRT_TRY(wrt_gcheck(sizep, 4));
  WRT_TRY(host_lists(env));
  WRT_TRY(env ? walk_env(&o) : walk_args(&o));
  WRT_TRY(wrt_put_u32(countp, o.count));
  return wrt_put_u32(sizep, o.size);
}

static u32 get(int env, u32 ptrs, u32 buf) {
  struct emit o;
  o.ptrs = WIMG_NONE, o.buf = o.count = o.size = 0;
  WRT_TRY(wrt_init());
  WRT_TRY(host_lists(env));
  WRT_TRY(env ? walk_env(&o) : walk_args(&o));
  /* The caller sized its arrays with sizes_get: check them whole first. */
  WRT_TRY(wrt_gcheck_array(ptrs, o.count, 4));
  WRT_TRY(wrt_gcheck(buf, o.size));
  struct emit w;
  w.ptrs = ptrs, w.buf = buf, w.count = w.size = 0;
  return env ? walk_env(&w) : walk_args(&w);
}

WRT_EXPORT(args_sizes_get) u32 wimg_wasi_args_sizes_get(u32 argc, u32 size) { return sizes(0, argc, size); }
WRT_EXPORT(args_get) u32 wimg_wasi_args_get(u32 argv, u32 buf) { return get(0, argv, buf); }
WRT_EXPORT(environ_sizes_get) u32 wimg_wasi_environ_sizes_get(u32 count, u32 size) { return sizes(1, count, size); }
WRT_EXPORT(environ_get) u32 wimg_wasi_environ_get(u32 env, u32 buf) { return get(1, env, buf); }
