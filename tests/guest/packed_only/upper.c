/* What only the runtime's writable upper layer answers (run with NO host
 * dir, upper cap 4 MiB: WIMG_UPPER=4194304), compared with
 * packed_only/expected/upper.*:
 *   - the cap: a write past it is short, then ENOSPC; other files keep
 *     working; unlinking gives the space back; ftruncate beyond it costs
 *     nothing (holes) and reads zeros;
 *   - the region moves: 3 MiB in /tmp, then the guest grows its memory by
 *     ~200 MiB in steps (each grow may move the runtime's region with the
 *     upper layer in it); the bytes in /tmp and the guest's own blocks stay
 *     intact;
 *   - bad guest pointers: EFAULT, never a trap;
 *   - readdir while unlinking (cookies are positions: every name once);
 *   - an unlinked file stays readable and writable through its open fd;
 *   - copy-up: writing an image file leaves the stat of others alone, a
 *     read-only fd opened before follows it to the copy (as on one host inode).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

#include "../common.h"

static unsigned char block[65536];

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)((i * 31u + seed * 7u) >> 3);
}

static int check(const unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != (unsigned char)((i * 31u + seed * 7u) >> 3)) return 0;
  return 1;
}

static void cap(void) {
  puts("== the cap (4 MiB)");
  int fd = open("/tmp/fill", O_CREAT | O_WRONLY, 0644);
  long total = 0;
  ssize_t n;
  fill(block, sizeof block, 1);
  while ((n = write(fd, block, sizeof block)) > 0) total += n;
  printf("write until full -> %s, wrote %s 3 MiB\n", n < 0 ? ERR : "0", total > 3L * 1048576 ? "more than" : "less than");
  int fd2 = open("/tmp/small", O_CREAT | O_RDWR, 0644);
  printf("another small file -> %s\n", fd2 >= 0 ? "ok" : ERR);
  printf("write 10 more bytes to it -> %s\n", fd2 >= 0 && write(fd2, "0123456789", 10) == 10 ? "ok" : ERR);
  printf("ftruncate to 1 GiB (a hole) -> %s\n", ftruncate(fd2, 1L << 30) == 0 ? "ok" : ERR);
  unsigned char z[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  printf("pread in the hole -> %zd", pread(fd2, z, 8, 500000000));
  printf(" zeros: %s\n", memcmp(z, "\0\0\0\0\0\0\0\0", 8) == 0 ? "yes" : "no");
  close(fd2);
  close(fd);
  printf("unlink the full one -> %s\n", unlink("/tmp/fill") == 0 ? "ok" : ERR);
  printf("unlink the hole -> %s\n", unlink("/tmp/small") == 0 ? "ok" : ERR);
  fd = open("/tmp/again", O_CREAT | O_WRONLY, 0644);
  total = 0;
  for (int i = 0; i < 32 && (n = write(fd, block, sizeof block)) > 0; i++) total += n;
  printf("2 MiB after freeing -> %ld\n", total);
  close(fd);
  unlink("/tmp/again");
}

static void moves(void) {
  puts("== the region moves while the guest grows");
  int fd = open("/tmp/keep", O_CREAT | O_RDWR, 0644);
  for (unsigned i = 0; i < 48; i++) {
    fill(block, sizeof block, i);
    if (write(fd, block, sizeof block) != (ssize_t)sizeof block) printf("write %u -> %s\n", i, ERR);
  }
  enum { STEPS = 50, SIZE = 4 << 20 };
  static unsigned char *blocks[STEPS];
  int ok = 1;
  for (unsigned s = 0; s < STEPS; s++) {
    blocks[s] = malloc(SIZE);
    if (!blocks[s]) { printf("malloc %u failed\n", s); ok = 0; break; }
    fill(blocks[s], SIZE, 100 + s);
    /* every few steps, read a /tmp block back through the runtime */
    if (s % 7 == 0) {
      if (pread(fd, block, sizeof block, (off_t)(s % 48) * 65536) != (ssize_t)sizeof block ||
          !check(block, sizeof block, s % 48))
        ok = 0;
    }
  }
  for (unsigned s = 0; s < STEPS && blocks[s]; s++) ok &= check(blocks[s], SIZE, 100 + s);
  int intact = 1;
  for (unsigned i = 0; i < 48; i++)
    if (pread(fd, block, sizeof block, (off_t)i * 65536) != (ssize_t)sizeof block || !check(block, sizeof block, i))
      intact = 0;
  printf("200 MiB of guest blocks intact: %s\n", ok ? "yes" : "no");
  printf("3 MiB in /tmp intact: %s\n", intact ? "yes" : "no");
  for (unsigned s = 0; s < STEPS; s++) free(blocks[s]);
  close(fd);
  unlink("/tmp/keep");
}

static void faults(void) {
  puts("== bad pointers");
  int fd = open("/tmp/f", O_CREAT | O_RDWR, 0644);
  __wasi_ciovec_t bad = {(const uint8_t *)0xFFFFFF00u, 4096};
  __wasi_size_t n = 0;
  printf("fd_write from beyond memory -> %s\n", errno_name(__wasi_fd_write(fd, &bad, 1, &n)));
  __wasi_iovec_t badr = {(uint8_t *)0xFFFFFF00u, 4096};
  write(fd, "abc", 3);
  printf("fd_pread into beyond memory -> %s\n", errno_name(__wasi_fd_pread(fd, &badr, 1, 0, &n)));
  printf("fd_write with iovs beyond memory -> %s\n",
         errno_name(__wasi_fd_write(fd, (const __wasi_ciovec_t *)0xFFFFFFF0u, 4, &n)));
  close(fd);
  unlink("/tmp/f");
}

static void readdir_unlink(void) {
  puts("== readdir while unlinking");
  mkdir("/tmp/many", 0755);
  char path[64];
  for (int i = 0; i < 300; i++) {
    snprintf(path, sizeof path, "/tmp/many/f%03d", i);
    close(open(path, O_CREAT | O_WRONLY, 0644));
  }
  DIR *d = opendir("/tmp/many");
  struct dirent *e;
  int seen = 0, removed = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    ++seen;
    snprintf(path, sizeof path, "/tmp/many/%s", e->d_name);
    if (unlink(path) == 0) ++removed;
  }
  closedir(d);
  printf("seen %d, removed %d\n", seen, removed);
  printf("rmdir -> %s\n", rmdir("/tmp/many") == 0 ? "ok" : ERR);
}

static void open_unlinked(void) {
  puts("== an open file outlives its name");
  int fd = open("/tmp/gone", O_CREAT | O_RDWR, 0644);
  write(fd, "still here", 10);
  printf("unlink -> %s\n", unlink("/tmp/gone") == 0 ? "ok" : ERR);
  struct stat st;
  printf("stat by name -> %s\n", stat("/tmp/gone", &st) == 0 ? "ok" : ERR);
  char buf[16] = {0};
  printf("pread -> %zd %s\n", pread(fd, buf, 10, 0), buf);
  printf("write more -> %zd\n", write(fd, "!", 1));
  fstat(fd, &st);
  printf("fstat size=%lld nlink=%lld\n", (long long)st.st_size, (long long)st.st_nlink);
  close(fd);
}

static void copy_up(void) {
  puts("== copy-up of an image file");
  int ro = open("/data/seven.txt", O_RDONLY);
  int rw = open("/data/seven.txt", O_RDWR);
  printf("open O_RDWR -> %s\n", rw >= 0 ? "ok" : ERR);
  pwrite(rw, "SEVEN", 5, 0);
  char a[8] = {0}, b[8] = {0};
  pread(ro, a, 7, 0);
  pread(rw, b, 7, 0);
  printf("old fd reads %.6s, new fd reads %.6s\n", a, b);
  int again = open("/data/seven.txt", O_RDONLY);
  memset(a, 0, sizeof a);
  pread(again, a, 7, 0);
  printf("a later open reads %.6s\n", a);
  close(ro);
  close(rw);
  close(again);
  int one = open("/data/one", O_RDONLY);
  struct timespec ts[2] = {{86400, 0}, {172800, 0}};
  printf("futimens on a read-only fd of an image file -> %s\n", futimens(one, ts) == 0 ? "ok" : ERR);
  struct stat st;
  stat("/data/one", &st);
  printf("its mtime by name: %lld\n", (long long)st.st_mtime);
  close(one);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  cap();
  moves();
  faults();
  readdir_unlink();
  open_unlinked();
  copy_up();
  puts("OK");
  return 0;
}
