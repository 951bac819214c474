/* stat_walk DIR: directories and metadata.
 *
 * 1. stat of the root spelled several ways.
 * 2. A recursive walk (never following symlinks): per directory the raw
 *    readdir count and whether "." / ".." were returned, then the entries
 *    sorted bytewise (host readdir order is unspecified) with d_type, lstat
 *    and stat (type; size for files and symlinks only).
 * 3. rewinddir, telldir/seekdir cookies and readdir after the end, on the
 *    600-entry directory and a small one.
 * 4. Raw fd_readdir with tiny buffers (32 and 64 bytes, grown only when a
 *    single entry does not fit), which must list the same names as readdir.
 * Never prints inode numbers, times, nlink or permission bits. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

#include "common.h"

typedef struct {
  char *name;
  unsigned char type;
} entry_t;

typedef struct {
  entry_t *v;
  size_t n, cap;
  int dots; /* how many of "." and ".." readdir returned */
} list_t;

static void list_add(list_t *l, const char *name, unsigned char type) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 64;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
    if (!l->v) abort();
  }
  l->v[l->n].name = strdup(name);
  l->v[l->n].type = type;
  l->n++;
}

static void list_free(list_t *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i].name);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const entry_t *)a)->name, ((const entry_t *)b)->name);
}

static const char *dtype_name(unsigned char t) {
  switch (t) {
  case DT_REG: return "file";
  case DT_DIR: return "dir";
  case DT_LNK: return "symlink";
  case DT_CHR: return "chardev";
  case DT_BLK: return "blockdev";
  case DT_UNKNOWN: return "unknown";
  default: return "other";
  }
}

/* Reads every entry of an open DIR; "." and ".." are counted, not kept.
 * Returns the number of readdir calls that returned an entry, or -1. */
static long read_entries(DIR *d, list_t *out) {
  long raw = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    raw++;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      out->dots++;
    else
      list_add(out, e->d_name, e->d_type);
    errno = 0;
  }
  return errno ? -1 : raw;
}

static void print_lstat_stat(const char *path) {
  struct stat st;
  printf(" lstat=");
  if (lstat(path, &st) != 0)
    printf("%s", ERR);
  else
    print_stat(&st);
  printf(" stat=");
  if (stat(path, &st) != 0)
    printf("%s", ERR);
  else
    print_stat(&st);
}

static void walk(const char *path, const char *rel) {
  DIR *d = opendir(path);
  if (!d) {
    printf("opendir %s -> %s\n", rel, ERR);
    return;
  }
  list_t l = {0};
  long raw = read_entries(d, &l);
  if (raw < 0) printf("readdir %s -> %s\n", rel, ERR);
  closedir(d);
  qsort(l.v, l.n, sizeof *l.v, by_name);
  printf("dir %s: readdir returned %ld (%zu names + %d dot entries)\n", rel, raw, l.n, l.dots);
  for (size_t i = 0; i < l.n; i++) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", path, l.v[i].name);
    printf("  %s: d_type=%s", l.v[i].name, dtype_name(l.v[i].type));
    print_lstat_stat(p);
    printf("\n");
  }
  for (size_t i = 0; i < l.n; i++) {
    char p[1024], r[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", path, l.v[i].name);
    snprintf(r, sizeof r, "%s/%s", rel, l.v[i].name);
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) walk(p, r);
  }
  list_free(&l);
}

/* Names of the next n entries (dots included), joined by '|'. */
static void next_names(DIR *d, int n, char *out, size_t size) {
  out[0] = '\0';
  for (int i = 0; i < n; i++) {
    struct dirent *e = readdir(d);
    if (!e) {
      strncat(out, "<end>", size - strlen(out) - 1);
      return;
    }
    strncat(out, e->d_name, size - strlen(out) - 1);
    strncat(out, "|", size - strlen(out) - 1);
  }
}

static void cookies(const char *root, const char *rel) {
  char path[512];
  join(path, sizeof path, root, rel);
  printf("cookies %s\n", rel);
  DIR *d = opendir(path);
  if (!d) {
    printf("  opendir -> %s\n", ERR);
    return;
  }
  list_t a = {0}, b = {0};
  long n1 = read_entries(d, &a);
  errno = 0;
  struct dirent *e = readdir(d);
  printf("  readdir after end -> %s errno=%s\n", e ? "entry" : "NULL", errno ? ERR : "0");
  rewinddir(d);
  long n2 = read_entries(d, &b);
  int same = n1 == n2 && a.n == b.n;
  for (size_t i = 0; same && i < a.n; i++) same = !strcmp(a.v[i].name, b.v[i].name);
  printf("  rewinddir: second pass %ld entries, same sequence: %s\n", n2, same ? "yes" : "NO");
  list_free(&a);
  list_free(&b);

  rewinddir(d);
  long start = telldir(d);
  char first[4096], again[4096], skipped[4096], reread[4096];
  next_names(d, 10, first, sizeof first);
  long mid = telldir(d);
  next_names(d, 5, skipped, sizeof skipped);
  seekdir(d, mid);
  next_names(d, 5, reread, sizeof reread);
  printf("  read 10, telldir, read 5, seekdir back, read 5: same: %s\n",
         strcmp(skipped, reread) ? "NO" : "yes");
  seekdir(d, start);
  next_names(d, 10, again, sizeof again);
  printf("  seekdir to the start cookie, read 10: same as first 10: %s\n",
         strcmp(first, again) ? "NO" : "yes");
  /* The cookie at the end must give the end again. */
  list_t rest = {0};
  read_entries(d, &rest);
  long end = telldir(d);
  list_free(&rest);
  seekdir(d, mid);
  next_names(d, 5, reread, sizeof reread);
  printf("  seekdir back after reading to the end: same: %s\n",
         strcmp(skipped, reread) ? "NO" : "yes");
  seekdir(d, end);
  errno = 0;
  e = readdir(d);
  printf("  seekdir to the end cookie, readdir -> %s errno=%s\n", e ? "entry" : "NULL",
         errno ? ERR : "0");
  printf("  closedir -> %d\n", closedir(d));
}

/* Lists a directory with fd_readdir directly, starting with a buffer of
 * `size` bytes and doubling it only when not even one entry fits. */
static void raw_readdir(const char *root, const char *rel, size_t size) {
  char path[512];
  join(path, sizeof path, root, rel);
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    printf("fd_readdir %s buf=%zu: open -> %s\n", rel, size, ERR);
    return;
  }
  list_t got = {0};
  uint8_t *buf = malloc(size);
  __wasi_dircookie_t cookie = __WASI_DIRCOOKIE_START;
  for (;;) {
    __wasi_size_t used = 0;
    __wasi_errno_t err = __wasi_fd_readdir(fd, buf, size, cookie, &used);
    if (err) {
      printf("fd_readdir %s -> %s\n", rel, errno_name(err));
      break;
    }
    size_t off = 0;
    int complete = 0;
    while (off + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t de;
      memcpy(&de, buf + off, sizeof de);
      if (off + sizeof de + de.d_namlen > used) break; /* truncated */
      char name[512];
      size_t n = de.d_namlen < sizeof name - 1 ? de.d_namlen : sizeof name - 1;
      memcpy(name, buf + off + sizeof de, n);
      name[n] = '\0';
      if (strcmp(name, ".") && strcmp(name, "..")) list_add(&got, name, de.d_type);
      else got.dots++;
      cookie = de.d_next;
      off += sizeof de + de.d_namlen;
      complete++;
    }
    if (used < size) break; /* not full: the end of the directory */
    if (!complete) {
      size *= 2;
      buf = realloc(buf, size);
    }
  }
  free(buf);
  close(fd);

  /* Compare with readdir (sorted; with d_type). */
  list_t want = {0};
  DIR *d = opendir(path);
  if (d) {
    read_entries(d, &want);
    closedir(d);
  }
  qsort(got.v, got.n, sizeof *got.v, by_name);
  qsort(want.v, want.n, sizeof *want.v, by_name);
  int same = got.n == want.n && got.dots == want.dots;
  for (size_t i = 0; same && i < got.n; i++)
    same = !strcmp(got.v[i].name, want.v[i].name) && got.v[i].type == want.v[i].type;
  printf("fd_readdir %s: %zu names + %d dot entries, same as readdir: %s\n", rel, got.n,
         got.dots, same ? "yes" : "NO");
  list_free(&got);
  list_free(&want);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: stat_walk DIR\n");
    return 2;
  }
  const char *root = argv[1];
  const char *spellings[] = {"", "/", "/.", "/dir/..", "/dir/./sub/..", "//dir//sub"};
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
    char p[512];
    snprintf(p, sizeof p, "%s%s", root, spellings[i]);
    printf("root%s:", spellings[i]);
    print_lstat_stat(p);
    printf("\n");
  }

  walk(root, ".");

  cookies(root, "many");
  cookies(root, "dir");
  cookies(root, "dir/empty_dir");

  const char *dirs[] = {"many", "dir", "dir/empty_dir", "."};
  size_t sizes[] = {32, 64, 4096};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
      printf("[buf=%zu] ", sizes[j]);
      raw_readdir(root, dirs[i], sizes[j]);
    }
  return 0;
}
