/* read_chunks FILE OFFSET...: how a guest sees one file's bytes, for the
 * compressed-content tests (tests/packed/compressed_packed_test.cpp):
 *   stat -> <size>
 *   pread 100 @<off> -> <bytes> <fnv-1a 64, hex>      or  -> <ERRNO>
 *   read 10000s -> <bytes> <fnv>                       or  -> <ERRNO> after <bytes>
 * Exit 0 whatever the reads answer (a trap would be node's 134). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../common.h"

static char buf[10000];

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: read_chunks FILE OFFSET...\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    printf("open -> %s\n", ERR);
    return 0;
  }
  struct stat st;
  if (fstat(fd, &st) != 0)
    printf("stat -> %s\n", ERR);
  else
    printf("stat -> %lld\n", (long long)st.st_size);
  for (int i = 2; i < argc; i++) {
    long long off = atoll(argv[i]);
    ssize_t r = pread(fd, buf, 100, (off_t)off);
    if (r < 0) {
      printf("pread 100 @%lld -> %s\n", off, ERR);
      continue;
    }
    fnv_t f;
    fnv_init(&f);
    fnv_add(&f, buf, (size_t)r);
    printf("pread 100 @%lld -> %zd %016llx\n", off, r, (unsigned long long)f.h);
  }
  fnv_t f;
  fnv_init(&f);
  long long total = 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0) {
      printf("read 10000s -> %s after %lld\n", ERR, total);
      break;
    }
    if (r == 0) {
      printf("read 10000s -> %lld %016llx\n", total, (unsigned long long)f.h);
      break;
    }
    fnv_add(&f, buf, (size_t)r);
    total += r;
  }
  close(fd);
  return 0;
}
