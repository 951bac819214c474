/* Guest for the injector's tests: writes, churns memory so the runtime
 * region moves up several times, writes again, checks its data. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  write(1, "hello\n", 6);
  unsigned seed = 1;
  void *keep[64] = {0};
  for (int round = 0; round < 400; ++round) {
    seed = seed * 1103515245u + 12345u;
    int i = (int)(seed >> 8) % 64;
    size_t n = (seed >> 4) % (3u << 20);
    free(keep[i]);
    keep[i] = malloc(n + 1);
    if (!keep[i]) return 2;
    memset(keep[i], i, n + 1);
  }
  for (int i = 0; i < 64; ++i) {
    if (keep[i] && ((unsigned char *)keep[i])[0] != i) return 4;
  }
  write(1, "world\n", 6);
  return 0;
}
