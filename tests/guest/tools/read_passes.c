/* read_passes PASSES FILE...: reads every FILE fully (10000-byte reads),
 * where FILE may be @DIR:N for DIR/0 .. DIR/N-1 (argv is limited to 32 KiB),
 * then 100 bytes at a few offsets of each, PASSES times over, and prints
 *   pass <k>: <files> <bytes> <fnv-1a 64 of everything read, hex>
 * per pass, or the first error. For the decoded-chunk cache
 * (tests/packed/compressed_packed_test.cpp): later passes read from it,
 * and must give the first pass's bytes. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common.h"

static char buf[10000];

static int read_one(const char *path, fnv_t *f, long long *bytes) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t r;
  while ((r = read(fd, buf, sizeof buf)) > 0) {
    fnv_add(f, buf, (size_t)r);
    *bytes += r;
  }
  if (r < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  /* preads inside chunks again: from lz_out, the ring or a new decode */
  for (long long off = 0; off < (long long)st.st_size; off += 40000) {
    r = pread(fd, buf, 100, (off_t)off);
    if (r < 0) return -1;
    fnv_add(f, buf, (size_t)r);
    *bytes += r;
  }
  return close(fd);
}

/* One argument: a file, or @DIR:N. Counts the files read. */
static int read_arg(const char *arg, fnv_t *f, long long *bytes, int *files) {
  if (arg[0] != '@') {
    ++*files;
    return read_one(arg, f, bytes);
  }
  char path[4096];
  const char *colon = strrchr(arg, ':');
  if (!colon || (size_t)(colon - arg) >= sizeof path - 16) return -1;
  int n = atoi(colon + 1);
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%.*s/%d", (int)(colon - arg - 1), arg + 1, i);
    ++*files;
    if (read_one(path, f, bytes) != 0) return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: read_passes PASSES FILE...\n");
    return 2;
  }
  int passes = atoi(argv[1]);
  for (int k = 1; k <= passes; k++) {
    fnv_t f;
    fnv_init(&f);
    long long bytes = 0;
    int files = 0;
    for (int i = 2; i < argc; i++) {
      if (read_arg(argv[i], &f, &bytes, &files) != 0) {
        printf("pass %d: %s: %s\n", k, argv[i], ERR);
        return 0;
      }
    }
    printf("pass %d: %d %lld %016llx\n", k, files, bytes, (unsigned long long)f.h);
  }
  return 0;
}
