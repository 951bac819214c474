/* Benchmark guest: path lookup cost. argv[1] is a directory holding
 * argv[2] files named d<k/1000>/f<k> (k < N, made by bench/lookup.sh);
 * stats LOOKUPS pseudo-random existing paths (fixed LCG seed, so every run
 * looks up the same paths) and prints
 *   files=N lookups=L best_ns_per_lookup=X   (best of 5 rounds) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: lookup DIR N [LOOKUPS]\n"); return 2; }
  unsigned n = (unsigned)atoi(argv[2]);
  unsigned lookups = argc > 3 ? (unsigned)atoi(argv[3]) : 20000;
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    unsigned seed = 12345;
    double t0 = now_ns();
    for (unsigned i = 0; i < lookups; ++i) {
      seed = seed * 1103515245u + 12345u;
      unsigned k = (seed >> 4) % n;
      char p[256];
      snprintf(p, sizeof p, "%s/d%u/f%u", argv[1], k / 1000, k);
      struct stat st;
      if (stat(p, &st) != 0) { perror(p); return 1; }
    }
    double dt = (now_ns() - t0) / lookups;
    if (dt < best) best = dt;
  }
  printf("files=%u lookups=%u best_ns_per_lookup=%.1f\n", n, lookups, best);
  return 0;
}
