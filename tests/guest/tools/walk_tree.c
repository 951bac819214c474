/* Prints the whole tree under argv[1] as a guest sees it, one line per
 * entry, never following symlinks:
 *   <relative path> d
 *   <relative path> f <size> <fnv-1a 64 of the content, hex>
 *   <relative path> l <target>
 * in readdir order (the overlay property test sorts). Used by the packed
 * overlay property test: the view inside a packed binary must equal the
 * overlay model and `wimg ls -R`. Exit 0, or 1 with a message on any error. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common.h"

static int failed;

static void fail(const char *what, const char *path) {
  printf("ERROR %s %s: %s\n", what, path, errno_name(errno));
  failed = 1;
}

static void print_file(const char *path, const char *rel, long long size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return fail("open", path);
  fnv_t f;
  fnv_init(&f);
  char buf[4096];
  long long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) { fail("read", path); break; }
    if (n == 0) break;
    fnv_add(&f, buf, (size_t)n);
    total += n;
  }
  close(fd);
  if (total != size) printf("ERROR size %s: stat %lld read %lld\n", path, size, total), failed = 1;
  printf("%s f %lld %016llx\n", rel, size, (unsigned long long)f.h);
}

static void walk(const char *dir, const char *rel) {
  DIR *d = opendir(dir);
  if (!d) return fail("opendir", dir);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char path[4096], r[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
    struct stat st;
    if (lstat(path, &st) != 0) { fail("lstat", path); continue; }
    if (S_ISDIR(st.st_mode)) {
      printf("%s d\n", r);
      walk(path, r);
    } else if (S_ISREG(st.st_mode)) {
      print_file(path, r, (long long)st.st_size);
    } else if (S_ISLNK(st.st_mode)) {
      char t[4096];
      ssize_t n = readlink(path, t, sizeof t - 1);
      if (n < 0) { fail("readlink", path); continue; }
      t[n] = 0;
      printf("%s l %s\n", r, t);
    } else {
      printf("%s ? %o\n", r, (unsigned)st.st_mode);
    }
  }
  closedir(d);
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: walk_tree DIR\n"); return 2; }
  walk(argv[1], "");
  return failed;
}
