/* host_paths N: N times stat() and open/read/close of /data/a/b/c/d/f.txt
 * (depth 5), for bench/host_mounts.sh. Prints the bytes read. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  const char *p = "/data/a/b/c/d/f.txt";
  struct stat st;
  char buf[64];
  long sum = 0;
  for (int i = 0; i < n; ++i) {
    if (stat(p, &st)) return perror(p), 1;
    int fd = open(p, O_RDONLY);
    if (fd < 0) return perror(p), 2;
    sum += read(fd, buf, sizeof buf);
    close(fd);
  }
  printf("%ld\n", sum);
  return 0;
}
