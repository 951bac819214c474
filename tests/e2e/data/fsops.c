/* fsops: file system operations named on the command line, one result line
 * each, for tests/e2e/test_host_mounts.sh. Each operation prints
 * "<op> <args>: ok [result]" or "<op> <args>: <errno name>".
 *   cat PATH | write PATH TEXT | append PATH TEXT | ls PATH | stat PATH
 *   lstat PATH | readlink PATH | symlink TARGET LINK | mkdir PATH
 *   rmdir PATH | unlink PATH | rename OLD NEW | link OLD NEW
 *   opendir PATH (keeps the fd as "the dir") | at PATH (cat relative to it)
 *   env (prints the environment)
 *   efault DIR (raw WASI calls on DIR's fd with pointers past the memory:
 *   each prints its errno number; 21 is EFAULT) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* The raw imports: wasi-libc's wrappers would strlen() a bad pointer first. */
#define RAW(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
int raw_path_open(int fd, int dirflags, int path, int len, int oflags, long long base, long long inh, int fdflags,
                  int fdp) RAW(path_open);
int raw_path_filestat_get(int fd, int flags, int path, int len, int buf) RAW(path_filestat_get);
int raw_path_readlink(int fd, int path, int len, int buf, int buf_len, int used) RAW(path_readlink);
int raw_path_symlink(int old, int old_len, int fd, int path, int len) RAW(path_symlink);
int raw_path_rename(int fd, int old, int old_len, int nfd, int path, int len) RAW(path_rename);

static void efault(const char *dir) {
  static int out[32];
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    printf("cannot open %s\n", dir);
    return;
  }
  const int bad = (int)0xFFFFFF00u;
  int good = (int)(long)"f.txt", link = (int)(long)"lx", o = (int)(long)out;
  printf("%d %d %d %d %d %d %d\n", raw_path_open(fd, 1, bad, 16, 0, 2, 0, 0, o),
         raw_path_open(fd, 1, good, 5, 0, 2, 0, 0, bad), raw_path_filestat_get(fd, 1, good, 5, bad),
         raw_path_readlink(fd, link, 2, bad, 64, o), raw_path_readlink(fd, link, 2, o, 64, bad),
         raw_path_symlink(bad, 8, fd, good, 5), raw_path_rename(fd, good, 5, fd, bad, 8));
  close(fd);
}

static const char *ename(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ELOOP: return "ELOOP";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EEXIST: return "EEXIST";
    case EROFS: return "EROFS";
    case EXDEV: return "EXDEV";
    case EINVAL: return "EINVAL";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EBADF: return "EBADF";
    default: return "E?";
  }
}

static int fail(void) {
  printf("%s\n", ename(errno));
  return 0;
}

static int cat_fd(int fd) {
  char buf[200];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) return fail();
  buf[n] = 0;
  char *nl = strchr(buf, '\n');
  if (nl) *nl = 0;
  printf("ok %s\n", buf);
  return 0;
}

static int write_file(const char *p, const char *text, int flags) {
  int fd = open(p, O_WRONLY | O_CREAT | flags, 0644);
  if (fd < 0) return fail();
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  if (n < 0) return fail();
  printf("ok\n");
  return 0;
}

static int list(const char *p) {
  DIR *d = opendir(p);
  if (!d) return fail();
  char names[1024] = "";
  struct dirent *e;
  /* sorted insertion keeps the output stable */
  char all[64][64];
  int n = 0;
  while ((e = readdir(d)) && n < 64) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(all[n++], 64, "%s", e->d_name);
  }
  closedir(d);
  qsort(all, n, 64, (int (*)(const void *, const void *))strcmp);
  for (int i = 0; i < n; ++i) {
    strcat(names, " ");
    strcat(names, all[i]);
  }
  printf("ok%s\n", names);
  return 0;
}

int main(int argc, char **argv) {
  int dirfd = -1;
  for (int i = 1; i < argc;) {
    const char *op = argv[i++];
    const char *a = i < argc ? argv[i] : "", *b = i + 1 < argc ? argv[i + 1] : "";
    struct stat st;
    char buf[256];
    if (!strcmp(op, "env")) {
      for (char **e = environ; *e; ++e) printf("env %s\n", *e);
      continue;
    }
    int two = !strcmp(op, "write") || !strcmp(op, "append") || !strcmp(op, "symlink") ||
              !strcmp(op, "rename") || !strcmp(op, "link");
    printf("%s %s%s%s: ", op, a, two ? " " : "", two ? b : "");
    i += two ? 2 : 1;
    errno = 0;
    if (!strcmp(op, "cat")) {
      int fd = open(a, O_RDONLY);
      if (fd < 0) fail(); else cat_fd(fd);
    } else if (!strcmp(op, "write")) {
      write_file(a, b, O_TRUNC);
    } else if (!strcmp(op, "append")) {
      write_file(a, b, O_APPEND);
    } else if (!strcmp(op, "ls")) {
      list(a);
    } else if (!strcmp(op, "stat") || !strcmp(op, "lstat")) {
      int r = op[0] == 's' ? stat(a, &st) : lstat(a, &st);
      if (r) fail();
      else printf("ok %s size %lld\n", S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : "file",
                  (long long)st.st_size);
    } else if (!strcmp(op, "readlink")) {
      ssize_t n = readlink(a, buf, sizeof buf - 1);
      if (n < 0) fail(); else printf("ok %.*s\n", (int)n, buf);
    } else if (!strcmp(op, "symlink")) {
      if (symlink(a, b)) fail(); else printf("ok\n");
    } else if (!strcmp(op, "mkdir")) {
      if (mkdir(a, 0755)) fail(); else printf("ok\n");
    } else if (!strcmp(op, "rmdir")) {
      if (rmdir(a)) fail(); else printf("ok\n");
    } else if (!strcmp(op, "unlink")) {
      if (unlink(a)) fail(); else printf("ok\n");
    } else if (!strcmp(op, "rename")) {
      if (rename(a, b)) fail(); else printf("ok\n");
    } else if (!strcmp(op, "link")) {
      if (link(a, b)) fail(); else printf("ok\n");
    } else if (!strcmp(op, "efault")) {
      efault(a);
    } else if (!strcmp(op, "opendir")) {
      if (dirfd >= 0) close(dirfd);
      dirfd = open(a, O_RDONLY | O_DIRECTORY);
      if (dirfd < 0) fail(); else printf("ok\n");
    } else if (!strcmp(op, "at")) {
      int fd = openat(dirfd, a, O_RDONLY);
      if (fd < 0) fail(); else cat_fd(fd);
    } else {
      printf("unknown operation\n");
      return 2;
    }
  }
  return 0;
}
