/* stdio: known output on stdout and stderr, then exit code 3.
 *
 * stdout gets buffered stdio lines, a raw write(1), a 100000-byte block (one
 * large fd_write) and a last line without a newline; stderr gets two lines.
 * The runner must pass both streams through unchanged and exit with 3. */
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

int main(void) {
  printf("stdout line 1\n");
  printf("stdout line 2: %d %s %.3f\n", 42, "ünïcödé", 2.5);
  fflush(stdout);
  if (write(1, "raw write to fd 1\n", 18) != 18) return 10;
  fputs("stderr line 1\n", stderr);
  static char block[100000];
  for (size_t i = 0; i < sizeof block; i++) block[i] = (i % 64 == 63) ? '\n' : 'a' + (char)(i % 26);
  if (fwrite(block, 1, sizeof block, stdout) != sizeof block) return 11;
  printf("last stdout line, no newline");
  fprintf(stderr, "stderr line 2: exiting with %d\n", 3);
  exit(3);
}
