/* imported_memory FILE: linked with -Wl,--import-memory, so its memory is
 * IMPORTED (env.memory) rather than defined; the host creates it (see
 * run.mjs, which reads the import's limits from the module). Does malloc
 * churn (freeing and re-checking blocks), direct memory.grow checks (old
 * size returned, new pages zero) and reads FILE between rounds.
 * Exit 0 only when every check passed. */
#include "mem_common.h"

#define SLOTS 32
#define ROUNDS 12

static unsigned char *slot[SLOTS];
static size_t slot_size[SLOTS];
static uint32_t slot_seed[SLOTS];
static size_t foreign_page[ROUNDS]; /* where each round's direct grow landed */

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: imported_memory FILE\n");
    return 2;
  }
  const char *file = argv[1];
  uint64_t fsize = 0, fhash = hash_file(file, 3000, &fsize);
  printf("imported_memory: initial %zu pages; file size=%llu fnv=%016llx\n", (size_t)__builtin_wasm_memory_size(0),
         (unsigned long long)fsize, (unsigned long long)fhash);
  lcg_t r = {4242};
  uint64_t total = 0;
  uint32_t seed = 1;
  for (int round = 0; round < ROUNDS; round++) {
    for (int k = 0; k < 60; k++) {
      int i = (int)lcg_below(&r, SLOTS);
      if (slot[i]) {
        size_t bad = pattern_check(slot[i], slot_seed[i], slot_size[i]);
        CHECK(bad == slot_size[i], "slot %d corrupt at %zu", i, bad);
        free(slot[i]);
      }
      size_t n = 1 + lcg_below(&r, lcg_below(&r, 4) == 0 ? 3 * 1024 * 1024 : 8192);
      slot[i] = malloc(n);
      CHECK(slot[i] != NULL, "malloc %zu failed", n);
      slot_size[i] = n;
      slot_seed[i] = seed++;
      pattern_fill(slot[i], slot_seed[i], 0, n);
      total += n;
    }
    /* A direct grow between dlmalloc's own: dlmalloc must treat the gap as
     * foreign (non-contiguous sbrk), and the pages must arrive zeroed. */
    size_t before = __builtin_wasm_memory_size(0);
    size_t old = __builtin_wasm_memory_grow(0, 2);
    CHECK(old == before, "memory.grow returned %zu, size was %zu", old, before);
    size_t nz = first_nonzero((unsigned char *)(old * PAGE), 2 * PAGE);
    CHECK(nz == 2 * PAGE, "grown pages not zero at %zu", nz);
    pattern_fill((unsigned char *)(old * PAGE), 0xabc00000u + (uint32_t)round, 0, 2 * PAGE);
    foreign_page[round] = old;
    uint64_t s = 0, h = hash_file(file, 1 + lcg_below(&r, 65536), &s);
    CHECK(h == fhash && s == fsize, "round %d: file read back differently", round);
    printf("round %2d: total=%llu grew 2 pages at page %zu ok\n", round, (unsigned long long)total, old);
  }
  /* dlmalloc never handed out (or wrote into) the pages we grew ourselves. */
  for (int round = 0; round < ROUNDS; round++) {
    size_t bad = pattern_check((unsigned char *)(foreign_page[round] * PAGE), 0xabc00000u + (uint32_t)round, 2 * PAGE);
    CHECK(bad == 2 * PAGE, "pages grown directly in round %d were overwritten at %zu", round, bad);
  }
  for (int i = 0; i < SLOTS; i++)
    if (slot[i]) {
      CHECK(pattern_check(slot[i], slot_seed[i], slot_size[i]) == slot_size[i], "final slot %d", i);
      free(slot[i]);
    }
  printf("imported_memory: %llu bytes allocated, %lu checks, OK\n", (unsigned long long)total, mem_checks);
  return 0;
}
