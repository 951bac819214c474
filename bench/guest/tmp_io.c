/* bench/upper.sh: writes MB mebibytes to /tmp/f in 64 KiB writes, closes,
 * reads them back in 64 KiB reads, unlinks; prints an FNV-1a of what it
 * read (so both runs provably did the same work). Args: MB. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned char buf[65536];

int main(int argc, char **argv) {
  long mb = argc > 1 ? atol(argv[1]) : 100;
  int fd = open("/tmp/f", O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) { perror("open /tmp/f"); return 1; }
  for (long i = 0; i < mb * 16; i++) {
    for (size_t k = 0; k < sizeof buf; k += 4096) buf[k] = (unsigned char)(i + k);
    if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) { perror("write"); return 1; }
  }
  close(fd);
  fd = open("/tmp/f", O_RDONLY);
  uint64_t h = 0xcbf29ce484222325ULL;
  ssize_t n;
  long total = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    total += n;
    for (ssize_t k = 0; k < n; k += 4096) h = (h ^ buf[k]) * 0x100000001b3ULL;
  }
  close(fd);
  unlink("/tmp/f");
  printf("%ld bytes, fnv %016llx\n", total, (unsigned long long)h);
  return total == mb * 1048576 ? 0 : 1;
}
