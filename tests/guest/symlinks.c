/* symlinks DIR: symlinks and path resolution (DIR is expected at /data: the
 * fixture's absolute links name /data/...).
 *
 * 1. readlink of every link, with a full and a 4-byte buffer, and of things
 *    that are not links.
 * 2. open (following, and with O_NOFOLLOW), stat and lstat through every
 *    link and through paths with symlinks in the middle: dangling -> ENOENT,
 *    loops -> ELOOP, a link escaping the tree must not resolve.
 * 3. opendir through links.
 * 4. ".", ".." and "//" in paths, including ".." at the root of the preopen
 *    and ".." after a symlink (physical vs lexical resolution).
 * 5. chdir/getcwd (emulated inside wasi-libc) and relative paths. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

static const char *root;

static const char *at(const char *rel) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  return join(buf[k], sizeof buf[k], root, rel);
}

static void do_readlink(const char *rel, size_t size) {
  char buf[256];
  memset(buf, 0, sizeof buf);
  errno = 0;
  ssize_t n = readlink(at(rel), buf, size);
  printf("readlink %s buf=%zu -> ", rel, size);
  if (n < 0)
    printf("%s\n", ERR);
  else
    printf("%zd \"%.*s\"\n", n, (int)n, buf);
}

/* open + fstat + first bytes. */
static void do_open(const char *label, const char *path, int flags) {
  printf("open %s%s -> ", label, flags & O_NOFOLLOW ? " O_NOFOLLOW" : "");
  int fd = open(path, flags);
  if (fd < 0) {
    printf("%s\n", ERR);
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    printf("ok, fstat %s\n", ERR);
  } else {
    printf("ok ");
    print_stat(&st);
    if (S_ISREG(st.st_mode)) {
      char b[12];
      ssize_t n = read(fd, b, sizeof b);
      printf(" head=");
      print_hex(b, n > 0 ? (size_t)n : 0);
    }
    printf("\n");
  }
  close(fd);
}

static void do_stats(const char *label, const char *path) {
  struct stat st;
  printf("stat %s -> ", label);
  if (stat(path, &st) != 0)
    printf("%s", ERR);
  else
    print_stat(&st);
  printf(" | lstat -> ");
  if (lstat(path, &st) != 0)
    printf("%s", ERR);
  else
    print_stat(&st);
  printf("\n");
}

static void do_opendir(const char *label, const char *path) {
  printf("opendir %s -> ", label);
  DIR *d = opendir(path);
  if (!d) {
    printf("%s\n", ERR);
    return;
  }
  int n = 0;
  while (readdir(d)) n++;
  closedir(d);
  printf("ok, %d entries\n", n);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: symlinks DIR\n");
    return 2;
  }
  root = argv[1];

  static const char *const links[] = {
      "rel",    "chain",  "abs",  "dir/abs_dir", "dir/sub/up", "dirlink", "sublink",
      "dangling", "loop_a", "loop_b", "self",      "escape",
  };
  const size_t nlinks = sizeof links / sizeof links[0];

  printf("== readlink\n");
  for (size_t i = 0; i < nlinks; i++) do_readlink(links[i], 255);
  do_readlink("rel", 4);
  do_readlink("abs", 1);
  do_readlink("seven.txt", 255);
  do_readlink("dir", 255);
  do_readlink("missing", 255);
  do_readlink("dirlink/sub/up", 255);
  do_readlink("rel/", 255);
  do_readlink("dirlink/", 255);
  do_readlink("dangling/x", 255);

  printf("== open and stat through links\n");
  static const char *const through[] = {
      "dirlink/file.txt", "dirlink/sub/up",  "sublink/deep/leaf.txt", "dir/abs_dir/deep/leaf.txt",
      "dirlink/",         "rel/",            "rel/x",                 "dangling/x",
      "loop_a/x",         "self/x",          "escape/x",
  };
  for (size_t i = 0; i < nlinks; i++) {
    do_open(links[i], at(links[i]), O_RDONLY);
    do_open(links[i], at(links[i]), O_RDONLY | O_NOFOLLOW);
    do_stats(links[i], at(links[i]));
  }
  for (size_t i = 0; i < sizeof through / sizeof through[0]; i++) {
    do_open(through[i], at(through[i]), O_RDONLY);
    do_stats(through[i], at(through[i]));
  }
  do_open("dirlink O_DIRECTORY", at("dirlink"), O_RDONLY | O_DIRECTORY);
  do_open("rel O_DIRECTORY", at("rel"), O_RDONLY | O_DIRECTORY);

  printf("== opendir through links\n");
  do_opendir("dirlink", at("dirlink"));
  do_opendir("dir/abs_dir", at("dir/abs_dir"));
  do_opendir("rel", at("rel"));
  do_opendir("dangling", at("dangling"));
  do_opendir("loop_a", at("loop_a"));

  printf("== dot and dot-dot\n");
  char p[512];
  static const char *const suffixes[] = {
      "/..", "/../", "/../data/seven.txt", "/dir/../seven.txt", "/dir/../../data/seven.txt",
      "/dir/sub/../../seven.txt", "/./dir/./file.txt", "//dir//file.txt", "/dir/file.txt/..",
      "/missing/../seven.txt", "/sublink/../file.txt", "/sublink/../seven.txt",
      "/dirlink/../seven.txt",
  };
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    snprintf(p, sizeof p, "%s%s", root, suffixes[i]);
    do_open(p, p, O_RDONLY);
    do_stats(p, p);
  }
  static const char *const absolute[] = {"/", "/nonexistent", "/nonexistent/x", ""};
  for (size_t i = 0; i < sizeof absolute / sizeof absolute[0]; i++) {
    char label[64];
    snprintf(label, sizeof label, "\"%s\"", absolute[i]);
    do_open(label, absolute[i], O_RDONLY);
    do_stats(label, absolute[i]);
  }

  printf("== chdir and relative paths (cwd is emulated by wasi-libc)\n");
  char cwd[512];
  printf("getcwd -> %s\n", getcwd(cwd, sizeof cwd) ? cwd : ERR);
  do_open("data/seven.txt (from the initial cwd)", "data/seven.txt", O_RDONLY);
  printf("chdir %s -> %s\n", root, chdir(root) ? ERR : "ok");
  printf("getcwd -> %s\n", getcwd(cwd, sizeof cwd) ? cwd : ERR);
  do_open("seven.txt", "seven.txt", O_RDONLY);
  do_open("./dir/file.txt", "./dir/file.txt", O_RDONLY);
  do_open("..", "..", O_RDONLY);
  printf("chdir dirlink -> %s\n", chdir("dirlink") ? ERR : "ok");
  printf("getcwd -> %s\n", getcwd(cwd, sizeof cwd) ? cwd : ERR);
  do_open("file.txt", "file.txt", O_RDONLY);
  do_open("../seven.txt", "../seven.txt", O_RDONLY);
  printf("chdir sub/deep -> %s\n", chdir("sub/deep") ? ERR : "ok");
  printf("getcwd -> %s\n", getcwd(cwd, sizeof cwd) ? cwd : ERR);
  do_open("leaf.txt", "leaf.txt", O_RDONLY);
  printf("chdir missing -> %s\n", chdir("missing") ? ERR : "ok");
  printf("chdir leaf.txt -> %s\n", chdir("leaf.txt") ? ERR : "ok");
  printf("getcwd -> %s\n", getcwd(cwd, sizeof cwd) ? cwd : ERR);
  printf("chdir .. -> %s\n", chdir("..") ? ERR : "ok");
  printf("getcwd -> %s\n", getcwd(cwd, sizeof cwd) ? cwd : ERR);
  do_open("deep/leaf.txt", "deep/leaf.txt", O_RDONLY);
  printf("chdir / -> %s\n", chdir("/") ? ERR : "ok");
  printf("getcwd -> %s\n", getcwd(cwd, sizeof cwd) ? cwd : ERR);
  char small[4];
  printf("getcwd buf=4 -> %s\n", getcwd(small, sizeof small) ? small : ERR);
  return 0;
}
