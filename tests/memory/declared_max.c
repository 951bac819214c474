/* declared_max FILE: linked with -Wl,--max-memory=16777216 (256 pages), so
 * its memory declares a maximum. Allocates 192 KiB blocks with malloc until
 * malloc fails (memory.grow hits the declared maximum), reading FILE every
 * 16 blocks; then checks every block's pattern, that memory.size is at most
 * the maximum, that memory.grow beyond it fails and changes nothing, frees
 * everything, and allocates again (the freed memory is reused: the same
 * count fits, with no further growth).
 *
 * How far it gets depends only on the maximum, the initial size and
 * wasi-libc's dlmalloc: the transcript is deterministic, and a packed module
 * must get exactly as far (its runtime may not eat into the guest's
 * maximum). Exit 0 only when every check passed. */
#include "mem_common.h"

#define MAX_PAGES 256
#define BLOCK (192 * 1024)
#define MAX_BLOCKS 200

static unsigned char *blocks[MAX_BLOCKS];

static int fill_until_failure(const char *file, uint64_t fhash, uint64_t fsize, uint32_t seed0) {
  int n = 0;
  while (n < MAX_BLOCKS) {
    unsigned char *p = malloc(BLOCK);
    if (!p) break;
    pattern_fill(p, seed0 + (uint32_t)n, 0, BLOCK);
    blocks[n++] = p;
    if (n % 16 == 0) {
      uint64_t s = 0, h = hash_file(file, 4096 + (size_t)n, &s);
      CHECK(h == fhash && s == fsize, "file read back differently after %d blocks", n);
    }
  }
  CHECK(n < MAX_BLOCKS, "malloc never failed: the maximum is not enforced");
  for (int i = 0; i < n; i++) {
    size_t bad = pattern_check(blocks[i], seed0 + (uint32_t)i, BLOCK);
    CHECK(bad == BLOCK, "block %d corrupt at %zu", i, bad);
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: declared_max FILE\n");
    return 2;
  }
  const char *file = argv[1];
  uint64_t fsize = 0, fhash = hash_file(file, 4096, &fsize);
  size_t initial = __builtin_wasm_memory_size(0);
  printf("declared_max: initial %zu pages, maximum %d pages; file size=%llu fnv=%016llx\n", initial, MAX_PAGES,
         (unsigned long long)fsize, (unsigned long long)fhash);

  int n = fill_until_failure(file, fhash, fsize, 1000);
  size_t at_max = __builtin_wasm_memory_size(0);
  printf("declared_max: malloc(%d) failed after %d blocks (%d KiB); memory %zu pages\n", BLOCK, n, n * (BLOCK / 1024),
         at_max);
  CHECK(at_max <= MAX_PAGES, "memory.size %zu beyond the declared maximum", at_max);
  CHECK(at_max + BLOCK / PAGE + 1 > MAX_PAGES, "malloc failed with %zu pages still free", MAX_PAGES - at_max);

  /* Beyond the maximum: fails, size unchanged. Up to the maximum: works. */
  CHECK(__builtin_wasm_memory_grow(0, MAX_PAGES - at_max + 1) == (size_t)-1, "grow beyond the maximum succeeded");
  CHECK(__builtin_wasm_memory_size(0) == at_max, "a failed grow changed memory.size");
  size_t rest = MAX_PAGES - at_max;
  size_t old = __builtin_wasm_memory_grow(0, rest);
  CHECK(old == at_max, "grow by the remaining %zu pages returned %zu", rest, old);
  CHECK(__builtin_wasm_memory_size(0) == MAX_PAGES, "memory.size is not the maximum");
  if (rest) {
    size_t nz = first_nonzero((unsigned char *)(at_max * PAGE), rest * PAGE);
    CHECK(nz == rest * PAGE, "the last %zu pages are not zero at %zu", rest, nz);
  }
  CHECK(__builtin_wasm_memory_grow(0, 1) == (size_t)-1, "grow at the maximum succeeded");
  printf("declared_max: grew the remaining %zu pages by hand; memory.grow(1) at %d pages fails\n", rest, MAX_PAGES);

  for (int i = 0; i < n; i++) free(blocks[i]);
  int again = fill_until_failure(file, fhash, fsize, 5000);
  printf("declared_max: after free, %d blocks fit again; memory %zu pages\n", again,
         (size_t)__builtin_wasm_memory_size(0));
  CHECK(again >= n, "only %d blocks fit after freeing %d", again, n);
  for (int i = 0; i < again; i++) free(blocks[i]);
  uint64_t s = 0, h = hash_file(file, 65536, &s);
  CHECK(h == fhash && s == fsize, "final file read differs");
  printf("declared_max: %lu checks, OK\n", mem_checks);
  return 0;
}
