/* bench/upper.sh: the smallest program that makes the runtime initialise
 * (its first WASI call) and looks at /tmp without writing anything. */
#include <stdio.h>
#include <sys/stat.h>

int main(void) {
  struct stat st;
  printf("/tmp %s\n", stat("/tmp", &st) == 0 ? "exists" : "is missing");
  return 0;
}
