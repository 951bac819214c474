/* dup_import.c: reads a file, lists a directory sorted (with each entry's
   kind and size), then writes one line through a SECOND import of
   wasi_snapshot_preview1.fd_write: the shape AssemblyScript and some
   linkers emit (two internal names, one WASI function). wasm-ld merges two
   imports of the same name, so this one is declared as "fd_wrXte" and the
   test renames it to "fd_write" in the binary (same length, nothing else
   moves): tests/e2e/test_wasi_corpus.sh. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
struct ciov { const void *buf; unsigned long len; };
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_wrXte")))
int raw_fd_write(int fd, const struct ciov *iovs, unsigned long n, unsigned long *written);
static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror(argv[1]); return 3; }
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  printf("c: %s: %zu bytes: %.*s", argv[1], n, (int)n, buf);
  fflush(stdout);
  DIR *d = opendir(argv[2]);
  if (!d) { perror(argv[2]); return 4; }
  char *names[64]; int k = 0;
  for (struct dirent *e; (e = readdir(d)) && k < 64;)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[k++] = strdup(e->d_name);
  closedir(d);
  qsort(names, k, sizeof *names, by_name);
  for (int i = 0; i < k; ++i) {
    char p[512]; struct stat st;
    snprintf(p, sizeof p, "%s/%s", argv[2], names[i]);
    if (stat(p, &st) != 0) { perror(p); return 5; }
    printf("c: %s %s %lld\n", names[i], S_ISDIR(st.st_mode) ? "dir" : "file", S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
  }
  fflush(stdout);
  static const char line[] = "c: via the second fd_write import\n";
  struct ciov v = {line, sizeof line - 1};
  unsigned long w = 0;
  return raw_fd_write(1, &v, 1, &w) == 0 && w == sizeof line - 1 ? 0 : 6;
}
