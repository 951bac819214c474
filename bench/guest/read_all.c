/* Benchmark guest: walks the tree under argv[1] once to collect every
 * regular file, then, timed with the monotonic clock, opens, reads fully
 * and closes each of them argv[2] times (default 5). Prints
 *   files=N bytes=B rounds=R first_ms=F best_ms=X
 * (the first round and the best one). The walk is not timed: it measures
 * open/read/close, not readdir. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char **paths;
static size_t count, cap;

static void collect(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) { perror(dir); exit(1); }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(p, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      collect(p);
    } else if (S_ISREG(st.st_mode)) {
      if (count == cap) paths = realloc(paths, (cap = cap ? 2 * cap : 1024) * sizeof *paths);
      paths[count++] = strdup(p);
    }
  }
  closedir(d);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: read_all DIR [ROUNDS]\n"); return 2; }
  int rounds = argc > 2 ? atoi(argv[2]) : 5;
  collect(argv[1]);
  static char buf[65536];
  long long bytes = 0;
  double best = 1e30, first = 0;
  for (int r = 0; r < rounds; ++r) {
    bytes = 0;
    double t0 = now_ms();
    for (size_t i = 0; i < count; ++i) {
      int fd = open(paths[i], O_RDONLY);
      if (fd < 0) { perror(paths[i]); return 1; }
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) bytes += n;
      close(fd);
    }
    double dt = now_ms() - t0;
    if (r == 0) first = dt;
    if (dt < best) best = dt;
  }
  printf("files=%zu bytes=%lld rounds=%d first_ms=%.3f best_ms=%.3f\n", count, bytes, rounds, first, best);
  return 0;
}
