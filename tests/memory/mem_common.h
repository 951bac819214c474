/* Shared helpers for the memory robustness guests (header-only).
 *
 * Each program prints a deterministic transcript and exits 0 only when all
 * of its own checks passed; a failed check prints "FAIL: ..." and exits 1.
 * Transcripts never contain addresses: only counts, sizes and hashes that
 * any correct host gives. File reads use open/read/close with a static
 * buffer (no malloc), so they can interleave with a guest's own use of
 * memory.grow without touching the heap. */
#ifndef WIMG_MEMORY_COMMON_H
#define WIMG_MEMORY_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 65536u

static unsigned long mem_checks;

#define CHECK(cond, ...)                                             \
  do {                                                               \
    mem_checks++;                                                    \
    if (!(cond)) {                                                   \
      printf("FAIL: %s:%d: %s: ", __FILE__, __LINE__, #cond);        \
      printf(__VA_ARGS__);                                           \
      printf("\n");                                                  \
      fflush(stdout);                                                \
      exit(1);                                                       \
    }                                                                \
  } while (0)

/* A 64-bit LCG (Knuth's MMIX constants); the high bits are the output. */
typedef struct { uint64_t s; } lcg_t;
static inline uint32_t lcg_next(lcg_t *r) {
  r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(r->s >> 33);
}
/* Uniform-ish in [0, n) for n > 0. */
static inline uint32_t lcg_below(lcg_t *r, uint32_t n) { return (uint32_t)(((uint64_t)lcg_next(r) << 1 >> 1) % n); }

static inline uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

/* Reads the whole file at `path` in chunks of `chunk` bytes (1..65536)
 * into a static buffer; returns its FNV-1a hash and stores its size. */
static uint64_t hash_file(const char *path, size_t chunk, uint64_t *size_out) {
  static unsigned char buf[65536];
  if (chunk == 0 || chunk > sizeof buf) chunk = sizeof buf;
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0, "open %s: errno %d", path, errno);
  uint64_t h = FNV_INIT, size = 0;
  for (;;) {
    ssize_t n = read(fd, buf, chunk);
    CHECK(n >= 0, "read %s: errno %d", path, errno);
    if (n == 0) break;
    h = fnv1a(h, buf, (size_t)n);
    size += (uint64_t)n;
  }
  CHECK(close(fd) == 0, "close %s: errno %d", path, errno);
  *size_out = size;
  return h;
}

/* The pattern of a block: 32-bit words derived from (seed, word index), so
 * any prefix of a block stays valid when the block is resized. */
static inline uint32_t pattern_word(uint32_t seed, size_t i) {
  uint32_t x = seed ^ (uint32_t)(i * 0x9E3779B1u);
  x ^= x >> 15;
  x *= 0x2C1B3C6Du;
  x ^= x >> 12;
  return x;
}
/* Fills bytes [from, to) of p with the pattern (byte k = byte k%4 of word k/4). */
static void pattern_fill(unsigned char *p, uint32_t seed, size_t from, size_t to) {
  size_t i = from;
  for (; i < to && (i & 3); i++) p[i] = (unsigned char)(pattern_word(seed, i >> 2) >> (8 * (i & 3)));
  for (; i + 4 <= to; i += 4) {
    uint32_t w = pattern_word(seed, i >> 2);
    memcpy(p + i, &w, 4); /* little-endian, like the byte loop */
  }
  for (; i < to; i++) p[i] = (unsigned char)(pattern_word(seed, i >> 2) >> (8 * (i & 3)));
}
/* Returns the first offset in [0, n) that does not hold the pattern, or n. */
static size_t pattern_check(const unsigned char *p, uint32_t seed, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t w;
    memcpy(&w, p + i, 4);
    if (w != pattern_word(seed, i >> 2)) break;
  }
  for (; i < n; i++)
    if (p[i] != (unsigned char)(pattern_word(seed, i >> 2) >> (8 * (i & 3)))) return i;
  return n;
}
/* Returns the first nonzero offset in [0, n), or n. */
static size_t first_nonzero(const unsigned char *p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    if (w) break;
  }
  for (; i < n; i++)
    if (p[i]) return i;
  return n;
}

#endif
