/* extra: runtime-specific cases the conformance programs do not reach,
 * through raw WASI calls (wasi/api.h). Run packed (run_packed.sh) over the fixture with
 * the image preopens "/" and "/data" (fds 3 and 4). One line per case. */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#include "../common.h"

/* the raw import: api.h's wrapper takes a C string and would strlen it */
int32_t raw_path_open(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t, int32_t)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")));

static void r(const char *what, __wasi_errno_t e) { printf("%s -> %s\n", what, e ? errno_name(e) : "ok"); }

int main(void) {
  char name[64];
  __wasi_prestat_t ps;
  for (__wasi_fd_t fd = 3; fd < 6; fd++) {
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
    if (e) { printf("prestat %u -> %s\n", fd, errno_name(e)); continue; }
    memset(name, 0, sizeof name);
    e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, ps.u.dir.pr_name_len);
    printf("prestat %u -> len=%u name=%s (%s)\n", fd, (unsigned)ps.u.dir.pr_name_len, name, e ? errno_name(e) : "ok");
  }
  r("prestat_dir_name short buffer", __wasi_fd_prestat_dir_name(4, (uint8_t *)name, 2));

  __wasi_fdstat_t st;
  r("fdstat /data", __wasi_fd_fdstat_get(4, &st));
  printf("fdstat /data: type=%u base=%llx inheriting=%llx\n", st.fs_filetype, (unsigned long long)st.fs_rights_base,
         (unsigned long long)st.fs_rights_inheriting);

  __wasi_fd_t f = 0, g = 0;
  r("open seven.txt", __wasi_path_open(4, 0, "seven.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0, 0, &f));
  r("fdstat seven.txt", __wasi_fd_fdstat_get(f, &st));
  printf("fdstat seven.txt: type=%u base=%llx\n", st.fs_filetype, (unsigned long long)st.fs_rights_base);
  r("path_open on a file fd", __wasi_path_open(f, 0, "x", 0, 0, 0, 0, &g));
  r("open absolute path", __wasi_path_open(4, 0, "/data/seven.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &g));
  r("open via / preopen", __wasi_path_open(3, 0, "data/dir/../seven.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &g));
  r("open .. at the image root", __wasi_path_open(3, 0, "../../data/one", 0, __WASI_RIGHTS_FD_READ, 0, 0, &g));

  /* fd_write on an image fd, and the rights answers */
  __wasi_ciovec_t civ = {(const uint8_t *)"x", 1};
  __wasi_size_t n = 0;
  r("fd_write image file", __wasi_fd_write(f, &civ, 1, &n));
  r("fd_pwrite image file", __wasi_fd_pwrite(f, &civ, 1, 0, &n));
  r("fd_allocate image file", __wasi_fd_allocate(f, 0, 10));
  r("fd_filestat_set_size image file", __wasi_fd_filestat_set_size(f, 0));
  r("fd_filestat_set_times image file", __wasi_fd_filestat_set_times(f, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  r("fd_advise image file", __wasi_fd_advise(f, 0, 0, __WASI_ADVICE_SEQUENTIAL));
  r("fd_sync image file", __wasi_fd_sync(f));
  r("fd_readdir on a file", __wasi_fd_readdir(f, (uint8_t *)name, sizeof name, 0, &n));
  r("sock_shutdown image file", __wasi_sock_shutdown(f, __WASI_SDFLAGS_WR));
  r("fd_fdstat_set_rights drop seek", __wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ, 0));
  __wasi_filesize_t pos = 0;
  r("fd_seek without the right", __wasi_fd_seek(f, 1, __WASI_WHENCE_SET, &pos));
  r("fd_fdstat_set_rights regain seek", __wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0));

  /* path operations on the image */
  r("path_filestat_set_times", __wasi_path_filestat_set_times(4, 0, "seven.txt", 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
  r("path_filestat_set_times missing", __wasi_path_filestat_set_times(4, 0, "missing", 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
  r("path_create_directory \"\"", __wasi_path_create_directory(4, ""));
  r("path_create_directory new", __wasi_path_create_directory(4, "newdir"));
  r("path_link within the image", __wasi_path_link(4, 0, "seven.txt", 4, "hard"));
  r("path_link missing source", __wasi_path_link(4, 0, "missing", 4, "hard"));
  r("path_rename within the image", __wasi_path_rename(4, "seven.txt", 4, "eight.txt"));
  r("path_rename missing parent", __wasi_path_rename(4, "nope/seven.txt", 4, "eight.txt"));
  r("path_rename via two preopens", __wasi_path_rename(3, "data/seven.txt", 4, "x"));
  /* Linux checks a read-only mount before the slash of "file/" */
  r("path_unlink_file seven.txt/", __wasi_path_unlink_file(4, "seven.txt/"));
  r("path_remove_directory seven.txt/", __wasi_path_remove_directory(4, "seven.txt/"));
  r("path_rename seven.txt/", __wasi_path_rename(4, "seven.txt/", 4, "x"));
  r("path_unlink_file seven.txt/x", __wasi_path_unlink_file(4, "seven.txt/x"));
  r("path_open O_CREAT|O_TRUNC existing", __wasi_path_open(4, 0, "one", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC,
                                                            __WASI_RIGHTS_FD_READ, 0, 0, &g));

  /* fd_renumber: image onto image, then the source is gone */
  __wasi_fd_t h = 0;
  r("open one", __wasi_path_open(4, 0, "one", 0, __WASI_RIGHTS_FD_READ, 0, 0, &h));
  r("fd_renumber image -> image", __wasi_fd_renumber(f, h));
  r("read the old fd", __wasi_fd_read(f, NULL, 0, &n));
  char buf[16] = {0};
  __wasi_iovec_t iv = {(uint8_t *)buf, sizeof buf};
  __wasi_errno_t e = __wasi_fd_read(h, &iv, 1, &n);
  printf("read renumbered fd -> %s %u \"%.*s\"\n", e ? errno_name(e) : "ok", (unsigned)n, (int)n - 1, buf);
  r("fd_renumber onto a closed fd", __wasi_fd_renumber(h, 40));
  r("fd_renumber stdout -> 40 (not open)", __wasi_fd_renumber(1, 40));

  /* poll_oneoff: an image fd is ready at once */
  __wasi_subscription_t subs[2];
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 11;
  subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  subs[0].u.u.fd_read.file_descriptor = h;
  subs[1].userdata = 22;
  subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[1].u.u.clock.timeout = 10ull * 1000 * 1000 * 1000;
  __wasi_event_t ev[2];
  memset(ev, 0, sizeof ev);
  e = __wasi_poll_oneoff(subs, ev, 1, &n);
  printf("poll image fd -> %s n=%u userdata=%llu error=%u type=%u nbytes=%llu\n", e ? errno_name(e) : "ok",
         (unsigned)n, (unsigned long long)ev[0].userdata, ev[0].error, ev[0].type,
         (unsigned long long)ev[0].fd_readwrite.nbytes);
  subs[0].u.u.fd_read.file_descriptor = 99;
  e = __wasi_poll_oneoff(subs, ev, 1, &n);
  printf("poll bad fd -> %s n=%u error=%s\n", e ? errno_name(e) : "ok", (unsigned)n, errno_name(ev[0].error));

  subs[0].u.u.fd_read.file_descriptor = h;
  e = __wasi_poll_oneoff(subs, ev, 2, &n);
  printf("poll image fd + 10 s clock -> %s n=%u first userdata=%llu\n", e ? errno_name(e) : "ok", (unsigned)n,
         (unsigned long long)ev[0].userdata);

  /* passed through to the host: node answers EPERM when stdout is a
   * regular file (the test redirects it to one), ok for a pipe */
  subs[0].u.tag = __WASI_EVENTTYPE_FD_WRITE;
  subs[0].u.u.fd_write.file_descriptor = 1;
  memset(ev, 0, sizeof ev);
  e = __wasi_poll_oneoff(subs, ev, 1, &n);
  printf("poll stdout (host only) -> %s n=%u userdata=%llu type=%u\n", e ? errno_name(e) : "ok", (unsigned)n,
         (unsigned long long)ev[0].userdata, ev[0].type);

  /* fd_readdir: ".", "..", then the sorted children; cookies are positions */
  static uint8_t dbuf[4096];
  __wasi_fd_t d = 0;
  r("open dir", __wasi_path_open(4, 0, "dir", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &d));
  for (__wasi_dircookie_t cookie = 0; cookie < 7; cookie += 3) {
    e = __wasi_fd_readdir(d, dbuf, sizeof dbuf, cookie, &n);
    printf("readdir dir cookie=%llu -> %s used=%u:", (unsigned long long)cookie, e ? errno_name(e) : "ok", (unsigned)n);
    for (size_t at = 0; at + sizeof(__wasi_dirent_t) <= n;) {
      __wasi_dirent_t de;
      memcpy(&de, dbuf + at, sizeof de);
      printf(" %.*s(next=%llu type=%u)", (int)de.d_namlen, (char *)dbuf + at + sizeof de,
             (unsigned long long)de.d_next, de.d_type);
      at += sizeof de + de.d_namlen;
    }
    printf("\n");
  }
  e = __wasi_fd_readdir(d, dbuf, 30, 2, &n);
  printf("readdir buf=30 cookie=2 -> %s used=%u (truncated entry)\n", e ? errno_name(e) : "ok", (unsigned)n);

  /* EFAULT: pointers beyond the guest's memory */
  uint32_t far = __builtin_wasm_memory_size(0) * 65536u;
  r("fd_read into memory end", __wasi_fd_read(h, (const __wasi_iovec_t *)far, 1, &n));
  __wasi_iovec_t bad = {(uint8_t *)(far - 4), 8};
  r("fd_read iovec crossing the end", __wasi_fd_read(h, &bad, 1, &n));
  r("fd_write stdout iovec crossing the end", __wasi_fd_write(1, (const __wasi_ciovec_t *)&bad, 1, &n));
  r("path_open path crossing the end", (__wasi_errno_t)raw_path_open(4, 0, (int32_t)(far - 2), 4, 0, 0, 0, 0,
                                                                     (int32_t)(uintptr_t)&g));
  r("fd_fdstat_get into the end", __wasi_fd_fdstat_get(4, (__wasi_fdstat_t *)(far - 8)));
  r("fd_close 4000", __wasi_fd_close(4000));

  /* closing a preopen frees its number for the next open */
  r("close fd 3 (preopen /)", __wasi_fd_close(3));
  r("open one", __wasi_path_open(4, 0, "one", 0, __WASI_RIGHTS_FD_READ, 0, 0, &g));
  printf("next open gets fd %u\n", g);
  r("prestat of the reused fd", __wasi_fd_prestat_get(g, &ps));
  return 0;
}
