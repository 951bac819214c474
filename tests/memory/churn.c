/* churn FILE: malloc/realloc/calloc/free churn through wasi-libc's dlmalloc,
 * at least 200 MiB allocated in total, block sizes from a few bytes to
 * 6 MiB, driven by a fixed LCG. Every live block carries a pattern derived
 * from its own seed; a block is verified completely before it is freed or
 * resized (the kept prefix after realloc) and every live block is verified
 * after each round. Between rounds FILE is read whole (open/read/close with
 * a chunk size that varies) and its FNV-1a hash must never change: the
 * heap grows (memory.grow) between and around WASI file calls.
 *
 * Output: one line per round (counts and byte totals, never addresses) and
 * "churn: OK" at the end. Exit 0 only when every check passed. */
#include "mem_common.h"

#define SLOTS 48
#define ROUNDS 40
#define OPS_PER_ROUND 100

struct block {
  unsigned char *p;
  size_t size;
  uint32_t seed;
};
static struct block slots[SLOTS];

static size_t pick_size(lcg_t *r) {
  uint32_t k = lcg_below(r, 100);
  if (k < 55) return 1 + lcg_below(r, 4096);               /* small */
  if (k < 85) return 4096 + lcg_below(r, 256 * 1024);      /* medium */
  return 256 * 1024 + lcg_below(r, 6 * 1024 * 1024 - 256 * 1024); /* up to 6 MiB */
}

static void verify(const struct block *b, const char *when) {
  size_t bad = pattern_check(b->p, b->seed, b->size);
  CHECK(bad == b->size, "%s: block of %zu bytes (seed %u) corrupt at offset %zu", when, b->size, b->seed, bad);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: churn FILE\n");
    return 2;
  }
  const char *file = argv[1];
  lcg_t r = {20240601};
  uint64_t fsize = 0, fhash = hash_file(file, 4096, &fsize);
  printf("churn: file %s size=%llu fnv=%016llx\n", file, (unsigned long long)fsize, (unsigned long long)fhash);

  uint64_t total = 0, peak_live = 0;
  unsigned long n_malloc = 0, n_calloc = 0, n_realloc = 0, n_free = 0;
  uint32_t next_seed = 1;
  for (int round = 0; round < ROUNDS; round++) {
    for (int op = 0; op < OPS_PER_ROUND; op++) {
      struct block *b = &slots[lcg_below(&r, SLOTS)];
      uint32_t kind = lcg_below(&r, 10);
      if (b->p && kind < 3) { /* free */
        verify(b, "before free");
        free(b->p);
        b->p = NULL;
        b->size = 0;
        n_free++;
      } else if (b->p && kind < 6) { /* realloc: grow or shrink */
        verify(b, "before realloc");
        size_t ns = pick_size(&r);
        unsigned char *np = realloc(b->p, ns);
        CHECK(np != NULL, "realloc %zu -> %zu failed", b->size, ns);
        size_t keep = ns < b->size ? ns : b->size;
        size_t bad = pattern_check(np, b->seed, keep);
        CHECK(bad == keep, "realloc %zu -> %zu lost the prefix at %zu", b->size, ns, bad);
        pattern_fill(np, b->seed, keep, ns);
        b->p = np;
        b->size = ns;
        total += ns;
        n_realloc++;
      } else { /* (re)allocate this slot */
        if (b->p) {
          verify(b, "before replace");
          free(b->p);
          n_free++;
        }
        size_t ns = pick_size(&r);
        if (kind == 9) {
          b->p = calloc(1, ns);
          CHECK(b->p != NULL, "calloc %zu failed", ns);
          size_t nz = first_nonzero(b->p, ns);
          CHECK(nz == ns, "calloc(%zu) not zero at %zu", ns, nz);
          n_calloc++;
        } else {
          b->p = malloc(ns);
          CHECK(b->p != NULL, "malloc %zu failed", ns);
          n_malloc++;
        }
        b->size = ns;
        b->seed = next_seed++;
        pattern_fill(b->p, b->seed, 0, ns);
        total += ns;
      }
    }
    uint64_t live = 0;
    unsigned nlive = 0;
    for (int i = 0; i < SLOTS; i++)
      if (slots[i].p) {
        verify(&slots[i], "end of round");
        live += slots[i].size;
        nlive++;
      }
    if (live > peak_live) peak_live = live;
    /* The file between rounds, with a different chunk size each time. */
    size_t chunk = 1 + lcg_below(&r, 65536);
    uint64_t s = 0, h = hash_file(file, chunk, &s);
    CHECK(h == fhash && s == fsize, "round %d: file read back differently (chunk %zu)", round, chunk);
    printf("round %2d: live=%2u live_bytes=%llu total=%llu file_chunk=%zu ok\n", round, nlive,
           (unsigned long long)live, (unsigned long long)total, chunk);
  }
  for (int i = 0; i < SLOTS; i++)
    if (slots[i].p) {
      verify(&slots[i], "final");
      free(slots[i].p);
      n_free++;
    }
  CHECK(total >= 200ull * 1024 * 1024, "only %llu bytes allocated", (unsigned long long)total);
  printf("churn: malloc=%lu calloc=%lu realloc=%lu free=%lu total=%llu peak_live=%llu\n", n_malloc, n_calloc,
         n_realloc, n_free, (unsigned long long)total, (unsigned long long)peak_live);
  printf("churn: %lu checks, OK\n", mem_checks);
  return 0;
}
