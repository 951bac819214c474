/* bump FILE: a bump allocator of its own directly on memory.grow and
 * memory.size (__builtin_wasm_memory_grow/_size), no malloc. Checks that
 * memory.grow returns the old size and memory.size the new one, that every
 * newly grown page is entirely zero, writes a pattern into every
 * allocation and reads all of them back, interleaved with reads of FILE
 * (open/read/close, static buffer) whose FNV-1a hash must never change.
 *
 * Output: the initial memory size in pages (a packed module must present
 * the same one), one line per round, "bump: OK". Exit 0 only when every
 * check passed. */
#include "mem_common.h"

#define ROUNDS 24
#define ALLOCS_PER_ROUND 40
#define MAX_ALLOCS (ROUNDS * ALLOCS_PER_ROUND)

static uintptr_t arena_top;  /* first free byte */
static uintptr_t arena_end;  /* end of memory we grew */
static unsigned long pages_grown;
static unsigned long grow_calls;

struct alloc {
  uintptr_t addr;
  size_t size;
  uint32_t seed;
};
static struct alloc allocs[MAX_ALLOCS];
static int nallocs;

/* Grows memory by `pages`, checks the result and that the new pages are zero. */
static void grow(size_t pages) {
  size_t before = __builtin_wasm_memory_size(0);
  size_t old = __builtin_wasm_memory_grow(0, pages);
  CHECK(old != (size_t)-1, "memory.grow(%zu) failed at %zu pages", pages, before);
  CHECK(old == before, "memory.grow returned %zu, memory.size was %zu", old, before);
  size_t after = __builtin_wasm_memory_size(0);
  CHECK(after == old + pages, "memory.size %zu after growing %zu by %zu", after, old, pages);
  unsigned char *p = (unsigned char *)(old * PAGE);
  size_t nz = first_nonzero(p, pages * PAGE);
  CHECK(nz == pages * PAGE, "new page %zu of %zu not zero at byte %zu", nz / PAGE, pages, nz % PAGE);
  /* Our region must be contiguous: nobody else may have grown memory. */
  if (arena_end == 0) arena_top = arena_end = old * PAGE;
  CHECK(old * PAGE == arena_end, "memory grew behind our back (%zu pages, expected %zu)", old, arena_end / PAGE);
  arena_end = (old + pages) * PAGE;
  pages_grown += pages;
  grow_calls++;
}

static unsigned char *bump_alloc(size_t size, size_t align, lcg_t *r) {
  uintptr_t a = (arena_top + align - 1) & ~(uintptr_t)(align - 1);
  if (a + size > arena_end) {
    size_t need = (a + size - arena_end + PAGE - 1) / PAGE;
    grow(need + lcg_below(r, 4)); /* sometimes a little more than needed */
    a = (arena_top + align - 1) & ~(uintptr_t)(align - 1);
  }
  arena_top = a + size;
  return (unsigned char *)a;
}

static void check_all(const char *when) {
  for (int i = 0; i < nallocs; i++) {
    size_t bad = pattern_check((unsigned char *)allocs[i].addr, allocs[i].seed, allocs[i].size);
    CHECK(bad == allocs[i].size, "%s: allocation %d (%zu bytes) corrupt at %zu", when, i, allocs[i].size, bad);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bump FILE\n");
    return 2;
  }
  const char *file = argv[1];
  lcg_t r = {77};
  /* Before the first grow: do every lazy allocation wasi-libc makes for
   * file access and stdio (its own malloc), so that none happens later. */
  uint64_t fsize = 0, fhash = hash_file(file, 1000, &fsize);
  size_t initial = __builtin_wasm_memory_size(0);
  printf("bump: initial memory %zu pages; file size=%llu fnv=%016llx\n", initial, (unsigned long long)fsize,
         (unsigned long long)fhash);
  fflush(stdout);

  uint64_t total = 0;
  for (int round = 0; round < ROUNDS; round++) {
    for (int k = 0; k < ALLOCS_PER_ROUND; k++) {
      uint32_t c = lcg_below(&r, 10);
      size_t size = c < 6 ? 1 + lcg_below(&r, 2000) : c < 9 ? 1 + lcg_below(&r, 3 * PAGE) : 1 + lcg_below(&r, 40 * PAGE);
      size_t align = (size_t)1 << lcg_below(&r, 7);
      unsigned char *p = bump_alloc(size, align, &r);
      /* Bytes we have not written yet are still zero, also across page borders. */
      size_t nz = first_nonzero(p, size);
      CHECK(nz == size, "fresh allocation of %zu not zero at %zu", size, nz);
      struct alloc *a = &allocs[nallocs++];
      a->addr = (uintptr_t)p;
      a->size = size;
      a->seed = 0x5eed0000u + (uint32_t)nallocs;
      pattern_fill(p, a->seed, 0, size);
      total += size;
      if (k % 10 == 9) { /* a file read in the middle of the round */
        uint64_t s = 0, h = hash_file(file, 1 + lcg_below(&r, 65536), &s);
        CHECK(h == fhash && s == fsize, "round %d: file read back differently", round);
      }
    }
    check_all("end of round");
    /* The tail of the last grown page above the bump pointer is still zero. */
    size_t nz = first_nonzero((unsigned char *)arena_top, arena_end - arena_top);
    CHECK(nz == arena_end - arena_top, "memory above the bump pointer not zero at %zu", nz);
    printf("round %2d: allocs=%d bytes=%llu pages_grown=%lu grow_calls=%lu memory=%zu ok\n", round, nallocs,
           (unsigned long long)total, pages_grown, grow_calls, (size_t)__builtin_wasm_memory_size(0));
  }
  /* memory.grow(0) returns the size and changes nothing. */
  size_t sz = __builtin_wasm_memory_size(0);
  CHECK(__builtin_wasm_memory_grow(0, 0) == sz, "memory.grow(0) != memory.size");
  CHECK(__builtin_wasm_memory_size(0) == sz, "memory.grow(0) changed the size");
  /* A growth far beyond 4 GiB fails and changes nothing. */
  CHECK(__builtin_wasm_memory_grow(0, 70000) == (size_t)-1, "memory.grow(70000 pages) succeeded");
  CHECK(__builtin_wasm_memory_size(0) == sz, "a failed memory.grow changed the size");
  check_all("final");
  uint64_t s = 0, h = hash_file(file, 65536, &s);
  CHECK(h == fhash && s == fsize, "final file read differs");
  printf("bump: %llu bytes in %d allocations, %lu pages grown in %lu calls, final memory %zu pages\n",
         (unsigned long long)total, nallocs, pages_grown, grow_calls, sz);
  printf("bump: %lu checks, OK\n", mem_checks);
  return 0;
}
