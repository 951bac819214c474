/* A seeded random walk of file-system operations under one directory
 * (argv[1]), for tests/guest/random/test_upper_random.sh: the same seed
 * must print the same transcript on node's host directory and in the
 * image's writable upper layer. Only portable facts are printed: results
 * as errno names, types, sizes, FNV-1a of contents, sorted listings (no
 * inode numbers, times, modes or fd numbers). */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../common.h"

static unsigned long long rng;
static unsigned next(unsigned n) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(rng >> 33) % n;
}

static const char *names[] = {"f0", "f1", "f2", "d0", "d1", "d0/f0", "d0/f1", "d1/d2", "d1/d2/f0", "l0", "d0/l1"};
#define N_NAMES (sizeof names / sizeof names[0])
static char root[256];
static const char *at(const char *rel) {
  static char buf[2][512];
  static int k;
  k ^= 1;
  snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
  return buf[k];
}
static const char *res(int r) { return r < 0 ? ERR : "ok"; }

static void show_file(const char *rel) {
  int fd = open(at(rel), O_RDONLY);
  if (fd < 0) { printf("  read %s -> %s\n", rel, ERR); return; }
  fnv_t h; fnv_init(&h);
  unsigned char b[4096]; ssize_t n; long total = 0;
  while ((n = read(fd, b, sizeof b)) > 0) { fnv_add(&h, b, (size_t)n); total += n; }
  printf("  read %s -> %s %ld %016llx\n", rel, n < 0 ? ERR : "ok", total, (unsigned long long)h.h);
  close(fd);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static void listing(const char *rel) {
  DIR *d = opendir(rel[0] ? at(rel) : root);
  if (!d) { printf("  ls %s -> %s\n", rel, ERR); return; }
  char *items[64]; int n = 0; struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    items[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(items, (size_t)n, sizeof items[0], cmp);
  printf("  ls %s:", rel[0] ? rel : ".");
  for (int i = 0; i < n; i++) { printf(" %s", items[i]); free(items[i]); }
  printf("\n");
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: fs_ops DIR SEED OPS\n"); return 2; }
  snprintf(root, sizeof root, "%s", argv[1]);
  rng = strtoull(argv[2], 0, 10);
  int ops = atoi(argv[3]);
  static unsigned char data[70000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 131u + 7u);
  int fds[4] = {-1, -1, -1, -1};
  for (int i = 0; i < ops; i++) {
    const char *a = names[next(N_NAMES)], *b = names[next(N_NAMES)];
    struct stat st;
    int slot = (int)next(4);
    switch (next(16)) {
      case 12: /* open and keep (replacing what the slot held) */
        if (fds[slot] >= 0) close(fds[slot]);
        fds[slot] = open(at(a), next(2) ? O_RDWR : O_RDONLY);
        printf("%d keep %s -> %s\n", i, a, fds[slot] < 0 ? ERR : "ok");
        break;
      case 13: { /* write through a kept fd, at its position */
        if (fds[slot] < 0) break;
        size_t len = next(2000);
        ssize_t w = write(fds[slot], data + next(50), len);
        printf("%d fdwrite %zu -> %s\n", i, len, w < 0 ? ERR : "ok");
        break;
      }
      case 14: { /* read through a kept fd, from 0 (the name may be gone) */
        if (fds[slot] < 0) break;
        unsigned char buf[512];
        ssize_t r = pread(fds[slot], buf, sizeof buf, (off_t)next(1000));
        fnv_t h; fnv_init(&h);
        if (r > 0) fnv_add(&h, buf, (size_t)r);
        if (fstat(fds[slot], &st) < 0) printf("%d fdread -> %s\n", i, ERR);
        else { printf("%d fdread %zd %016llx ", i, r, (unsigned long long)h.h); print_stat(&st); printf("\n"); }
        break;
      }
      case 15:
        if (fds[slot] < 0) break;
        if (next(2)) printf("%d ftruncate -> %s\n", i, res(ftruncate(fds[slot], (off_t)next(3000))));
        else { close(fds[slot]); fds[slot] = -1; }
        break;
      case 0: case 1: {
        int flags = O_WRONLY | O_CREAT | (next(4) == 0 ? O_TRUNC : 0) | (next(4) == 0 ? O_APPEND : 0);
        int fd = open(at(a), flags, 0644);
        if (fd < 0) { printf("%d open %s %x -> %s\n", i, a, flags, ERR); break; }
        size_t len = next(3) == 0 ? next(70000) : next(300);
        off_t off = next(3) == 0 ? (off_t)next(100000) : 0;
        ssize_t w = (flags & O_APPEND) ? write(fd, data + next(100), len) : pwrite(fd, data + next(100), len, off);
        printf("%d write %s %zu -> %s\n", i, a, len, w < 0 ? ERR : "ok");
        close(fd);
        break;
      }
      case 2: show_file(a); break;
      case 3: printf("%d truncate %s -> %s\n", i, a, res(truncate(at(a), (off_t)next(80000)))); break;
      case 4: printf("%d unlink %s -> %s\n", i, a, res(unlink(at(a)))); break;
      case 5: printf("%d mkdir %s -> %s\n", i, a, res(mkdir(at(a), 0755))); break;
      case 6: printf("%d rmdir %s -> %s\n", i, a, res(rmdir(at(a)))); break;
      case 7: printf("%d rename %s %s -> %s\n", i, a, b, res(rename(at(a), at(b)))); break;
      case 8: printf("%d link %s %s -> %s\n", i, a, b, res(link(at(a), at(b)))); break;
      case 9: {
        /* relative targets that stay below the link's dir: WASI hosts
         * refuse absolute ones, and node checks "../x" as text against the
         * preopen, not the link's dir */
        const char *t = next(2) ? "f0" : "d1/d2";
        printf("%d symlink %s %s -> %s\n", i, t, a, res(symlink(t, at(a))));
        break;
      }
      case 10:
        if (lstat(at(a), &st) < 0) printf("%d lstat %s -> %s\n", i, a, ERR);
        else { printf("%d lstat %s -> ", i, a); print_stat(&st); printf("\n"); }
        break;
      default: listing(next(2) ? "" : (next(2) ? "d0" : "d1")); break;
    }
  }
  listing(""); listing("d0"); listing("d1"); listing("d1/d2");
  for (size_t k = 0; k < N_NAMES; k++) show_file(names[k]);
  return 0;
}
