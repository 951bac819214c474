/* fsops: file system operations named on the command line, one result line
 * each, for tests/e2e/test_host_mounts.sh. Each operation prints
 * "<op> <args>: ok [result]" or "<op> <args>: <errno name>".
 *   cat PATH | write PATH TEXT | append PATH TEXT | ls PATH | stat PATH
 *   lstat PATH | readlink PATH | symlink TARGET LINK | mkdir PATH
 *   rmdir PATH | unlink PATH | rename OLD NEW | link OLD NEW
 *   opendir PATH (keeps the fd as "the dir") | at PATH (cat relative to it)
 *   env (prints the environment) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

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
