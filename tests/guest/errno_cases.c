/* errno_cases DIR [writes SCRATCH | rofs]: error paths and fd handling.
 *
 *   errno_cases DIR                 read-only checks on the tree: ENOENT,
 *                                   ENOTDIR, EISDIR, EBADF, ENAMETOOLONG,
 *                                   write attempts through read-only fds,
 *                                   200 fds on one file and fd reuse.
 *   errno_cases DIR writes SCRATCH  then the write sequence (O_CREAT/O_EXCL,
 *                                   write/pwrite/O_APPEND/O_TRUNC/ftruncate,
 *                                   mkdir/rmdir/rename/unlink/symlink/link
 *                                   and their errors) inside SCRATCH, which
 *                                   must be an empty writable directory; it
 *                                   is left empty again.
 *   errno_cases DIR rofs            then every kind of write on the tree
 *                                   itself, which must be read-only
 *                                   (expected: EROFS, or the error that
 *                                   takes precedence), and checks that
 *                                   nothing changed. Never run it on a
 *                                   writable tree you care about.
 *
 * fd numbers are never printed, only compared. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

static const char *base;

static const char *at(const char *rel) {
  static char buf[4][600];
  static int k;
  k = (k + 1) % 4;
  return join(buf[k], sizeof buf[k], base, rel);
}

/* Prints "what -> ok" or "what -> ERRNO" for a 0/-1 style call. */
static void result(const char *what, int rc) {
  if (rc < 0)
    printf("%s -> %s\n", what, ERR);
  else
    printf("%s -> ok\n", what);
}

static void sresult(const char *what, ssize_t rc) {
  if (rc < 0)
    printf("%s -> %s\n", what, ERR);
  else
    printf("%s -> %zd\n", what, rc);
}

/* open and close again, printing the outcome (label: how to name rel). */
static void try_open_as(const char *label, const char *rel, int flags, const char *flagname) {
  char what[700];
  snprintf(what, sizeof what, "open %s %s", label, flagname);
  int fd = open(at(rel), flags, 0644);
  result(what, fd);
  if (fd >= 0) close(fd);
}

static void try_open(const char *rel, int flags, const char *flagname) {
  try_open_as(rel, rel, flags, flagname);
}

static void stat_line(const char *rel) {
  struct stat st;
  printf("stat %s -> ", rel);
  if (stat(at(rel), &st) != 0)
    printf("%s\n", ERR);
  else {
    print_stat(&st);
    printf("\n");
  }
}

static void read_back(const char *rel) {
  char buf[256];
  int fd = open(at(rel), O_RDONLY);
  if (fd < 0) {
    printf("read back %s -> %s\n", rel, ERR);
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf);
  printf("read back %s -> %zd ", rel, n);
  print_hex(buf, n > 0 ? (size_t)n : 0);
  printf("\n");
  close(fd);
}

static int count_entries(const char *path) {
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static void read_only_cases(void) {
  printf("== ENOENT / ENOTDIR / ENAMETOOLONG\n");
  try_open("missing", O_RDONLY, "O_RDONLY");
  try_open("missing/x", O_RDONLY, "O_RDONLY");
  try_open("dir/missing/x", O_RDONLY, "O_RDONLY");
  try_open("seven.txt/x", O_RDONLY, "O_RDONLY");
  try_open("seven.txt/", O_RDONLY, "O_RDONLY");
  try_open("seven.txt", O_RDONLY | O_DIRECTORY, "O_DIRECTORY");
  try_open("dir/file.txt/x/y", O_RDONLY, "O_RDONLY");
  stat_line("missing");
  stat_line("seven.txt/x");
  printf("opendir seven.txt -> %s\n", opendir(at("seven.txt")) ? "ok" : ERR);
  printf("opendir missing -> %s\n", opendir(at("missing")) ? "ok" : ERR);
  char longname[300];
  memset(longname, 'n', 299);
  longname[299] = '\0';
  try_open_as("<name of 299 bytes>", longname, O_RDONLY, "O_RDONLY");
  memset(longname, 'n', 255);
  longname[255] = '\0';
  try_open_as("<name of 255 bytes>", longname, O_RDONLY, "O_RDONLY");
  static char longpath[4300];
  for (int i = 0; i < 2100; i++) memcpy(longpath + 2 * i, "./", 2);
  strcpy(longpath + 4200, "seven.txt");
  try_open_as("<./ x 2100 + seven.txt: 4209 bytes>", longpath, O_RDONLY, "O_RDONLY");

  printf("== EISDIR\n");
  try_open("dir", O_WRONLY, "O_WRONLY");
  try_open("dir", O_RDWR, "O_RDWR");
  try_open("dir", O_RDONLY, "O_RDONLY");
  try_open("dir", O_RDONLY | O_DIRECTORY, "O_DIRECTORY");
  int dfd = open(at("dir"), O_RDONLY);
  if (dfd >= 0) {
    char b[16];
    sresult("read on a dir fd", read(dfd, b, sizeof b));
    sresult("pread on a dir fd", pread(dfd, b, sizeof b, 0));
    sresult("write on a dir fd", write(dfd, "x", 1));
    struct stat st;
    printf("fstat on a dir fd -> %s\n", fstat(dfd, &st) ? ERR : type_name(st.st_mode));
    close(dfd);
  }
  FILE *fp = fopen(at("dir"), "r");
  printf("fopen dir \"r\" -> %s\n", fp ? "ok" : ERR);
  if (fp) {
    errno = 0;
    int c = fgetc(fp);
    printf("fgetc on a dir -> %s ferror=%d errno=%s\n", c == EOF ? "EOF" : "char",
           ferror(fp) != 0, errno ? ERR : "0");
    fclose(fp);
  }

  printf("== writes through read-only fds (the tree is not changed)\n");
  int fd = open(at("seven.txt"), O_RDONLY);
  sresult("write on O_RDONLY fd", write(fd, "x", 1));
  sresult("pwrite on O_RDONLY fd", pwrite(fd, "x", 1, 0));
  result("ftruncate on O_RDONLY fd", ftruncate(fd, 0));
  close(fd);
  stat_line("seven.txt");

  printf("== EBADF\n");
  fd = open(at("seven.txt"), O_RDONLY);
  result("close", close(fd));
  char b[8];
  sresult("read on a closed fd", read(fd, b, sizeof b));
  sresult("pread on a closed fd", pread(fd, b, sizeof b, 0));
  printf("lseek on a closed fd -> %s\n", lseek(fd, 0, SEEK_SET) < 0 ? ERR : "ok");
  struct stat st;
  result("fstat on a closed fd", fstat(fd, &st));
  result("close again", close(fd));
  sresult("read fd -1", read(-1, b, sizeof b));
  sresult("read fd 1000", read(1000, b, sizeof b));
  result("close fd -1", close(-1));
  result("close fd 1000", close(1000));
  printf("fdopendir on a closed fd -> %s\n", fdopendir(fd) ? "ok" : ERR);
  printf("fdopendir on a file fd -> ");
  fd = open(at("seven.txt"), O_RDONLY);
  DIR *d = fdopendir(fd);
  printf("%s\n", d ? "ok" : ERR);
  if (d) closedir(d);
  else close(fd);

  printf("== 200 fds on one file\n");
  enum { N = 200 };
  int fds[N];
  int opened = 0, distinct = 1, readable = 0, minfd = -1;
  for (int i = 0; i < N; i++) {
    fds[i] = open(at("seven.txt"), O_RDONLY);
    if (fds[i] < 0) {
      printf("open #%d -> %s\n", i, ERR);
      break;
    }
    opened++;
    if (minfd < 0 || fds[i] < minfd) minfd = fds[i];
    for (int j = 0; j < i; j++)
      if (fds[j] == fds[i]) distinct = 0;
  }
  /* Read 1 byte from the first, then all of each: offsets are per fd. */
  char c1;
  sresult("read 1 byte from the first", opened ? read(fds[0], &c1, 1) : -1);
  for (int i = 0; i < opened; i++) {
    char buf[16];
    ssize_t n = read(fds[i], buf, sizeof buf);
    if ((i == 0 && n == 6 && !memcmp(buf, "even!\n", 6)) ||
        (i > 0 && n == 7 && !memcmp(buf, "seven!\n", 7)))
      readable++;
  }
  printf("opened %d, all distinct: %s, read as expected: %d\n", opened, distinct ? "yes" : "NO",
         readable);
  int closed = 0;
  for (int i = 0; i < opened; i++) closed += close(fds[i]) == 0;
  printf("closed %d\n", closed);
  fd = open(at("seven.txt"), O_RDONLY);
  printf("reopen gets the lowest fd of the 200: %s\n", fd == minfd ? "yes" : "NO");
  /* Close one in the middle: the next open takes exactly that slot. */
  int a = open(at("one"), O_RDONLY), bb = open(at("one"), O_RDONLY),
      cc = open(at("one"), O_RDONLY);
  close(bb);
  int again = open(at("empty"), O_RDONLY);
  printf("open after closing the middle of three gets its fd: %s\n", again == bb ? "yes" : "NO");
  close(a);
  close(cc);
  close(again);
  close(fd);
}

static void write_sequence(void) {
  char what[256];
  int fd;
  printf("entries before -> %d\n", count_entries(base));
  try_open("seven.txt", O_WRONLY, "O_WRONLY");
  try_open("seven.txt", O_RDWR, "O_RDWR");
  try_open("seven.txt", O_WRONLY | O_APPEND, "O_WRONLY|O_APPEND");

  fd = open(at("new.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644);
  result("open new.txt O_CREAT|O_EXCL|O_WRONLY", fd);
  sresult("write 6", write(fd, "hello\n", 6));
  sresult("pwrite 3 @10 (beyond EOF)", pwrite(fd, "end", 3, 10));
  printf("lseek 0 CUR -> %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  result("fsync", fsync(fd));
  result("fdatasync", fdatasync(fd));
  result("close", fd < 0 ? -1 : close(fd));
  stat_line("new.txt");
  read_back("new.txt");
  try_open("new.txt", O_CREAT | O_EXCL | O_WRONLY, "O_CREAT|O_EXCL");
  try_open("seven.txt", O_CREAT | O_EXCL | O_WRONLY, "O_CREAT|O_EXCL");

  fd = open(at("new.txt"), O_WRONLY | O_APPEND);
  result("open new.txt O_WRONLY|O_APPEND", fd);
  lseek(fd, 0, SEEK_SET);
  sresult("write 5 after lseek 0", write(fd, "more\n", 5));
  printf("lseek 0 CUR -> %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  close(fd);
  read_back("new.txt");

  fd = open(at("new.txt"), O_RDWR | O_TRUNC);
  result("open new.txt O_RDWR|O_TRUNC", fd);
  stat_line("new.txt");
  sresult("write 4", write(fd, "abcd", 4));
  result("ftruncate 9", ftruncate(fd, 9));
  stat_line("new.txt");
  result("ftruncate 2", ftruncate(fd, 2));
  sresult("pread 8 @0", pread(fd, what, 8, 0));
  result("ftruncate -1", ftruncate(fd, -1));
  close(fd);
  read_back("new.txt");

  printf("== directories\n");
  result("mkdir sub", mkdir(at("sub"), 0755));
  result("mkdir sub again", mkdir(at("sub"), 0755));
  result("mkdir new.txt/x", mkdir(at("new.txt/x"), 0755));
  result("mkdir missing/x", mkdir(at("missing/x"), 0755));
  result("mkdir seven.txt", mkdir(at("seven.txt"), 0755));
  result("rename new.txt sub/moved.txt", rename(at("new.txt"), at("sub/moved.txt")));
  stat_line("new.txt");
  stat_line("sub/moved.txt");
  result("rename missing x", rename(at("missing"), at("x")));
  result("rmdir sub (not empty)", rmdir(at("sub")));
  result("rmdir sub/moved.txt (a file)", rmdir(at("sub/moved.txt")));
  result("unlink sub (a dir)", unlink(at("sub")));
  result("unlink missing", unlink(at("missing")));
  result("rename sub sub/inner (into itself)", rename(at("sub"), at("sub/inner")));
  result("mkdir other", mkdir(at("other"), 0755));
  result("rename sub/moved.txt other (file over dir)",
         rename(at("sub/moved.txt"), at("other")));
  result("rename other sub/moved.txt (dir over file)",
         rename(at("other"), at("sub/moved.txt")));
  result("rename other sub (dir over non-empty dir)", rename(at("other"), at("sub")));
  fd = open(at("two.txt"), O_CREAT | O_WRONLY, 0644);
  sresult("create two.txt, write 4", write(fd, "two\n", 4));
  close(fd);
  result("rename two.txt sub/moved.txt (replaces a file)",
         rename(at("two.txt"), at("sub/moved.txt")));
  read_back("sub/moved.txt");

  printf("== links\n");
  result("symlink moved.txt sub/link", symlink("moved.txt", at("sub/link")));
  result("symlink again (exists)", symlink("x", at("sub/link")));
  char buf[64];
  ssize_t n = readlink(at("sub/link"), buf, sizeof buf);
  if (n < 0)
    printf("readlink sub/link -> %s\n", ERR);
  else
    printf("readlink sub/link -> %zd \"%.*s\"\n", n, (int)n, buf);
  read_back("sub/link");
  result("link sub/moved.txt sub/hard", link(at("sub/moved.txt"), at("sub/hard")));
  read_back("sub/hard");
  result("link sub/moved.txt sub/hard again", link(at("sub/moved.txt"), at("sub/hard")));
  result("link sub (a dir) sub2", link(at("sub"), at("sub2")));

  printf("== cleanup\n");
  result("unlink sub/link", unlink(at("sub/link")));
  result("unlink sub/hard", unlink(at("sub/hard")));
  result("unlink sub/moved.txt", unlink(at("sub/moved.txt")));
  result("rmdir sub", rmdir(at("sub")));
  result("rmdir other", rmdir(at("other")));
  result("rmdir missing", rmdir(at("missing")));
  printf("entries after -> %d\n", count_entries(base));
}

/* Every kind of write on existing and new names of a read-only tree, then
 * proof that nothing changed. Which error wins (EROFS or ENOENT/EEXIST/
 * ENOTEMPTY) is part of what is compared. */
static void rofs_sequence(void) {
  int before = count_entries(base);
  printf("entries before -> %d\n", before);
  try_open("seven.txt", O_WRONLY, "O_WRONLY");
  try_open("seven.txt", O_RDWR, "O_RDWR");
  try_open("seven.txt", O_WRONLY | O_APPEND, "O_WRONLY|O_APPEND");
  try_open("seven.txt", O_WRONLY | O_TRUNC, "O_WRONLY|O_TRUNC");
  try_open("seven.txt", O_RDONLY | O_CREAT, "O_RDONLY|O_CREAT (exists)");
  try_open("seven.txt", O_WRONLY | O_CREAT | O_EXCL, "O_CREAT|O_EXCL (exists)");
  try_open("new.txt", O_WRONLY | O_CREAT, "O_WRONLY|O_CREAT");
  try_open("new.txt", O_RDONLY | O_CREAT, "O_RDONLY|O_CREAT");
  try_open("missing/new.txt", O_WRONLY | O_CREAT, "O_WRONLY|O_CREAT");
  try_open("dir", O_WRONLY, "O_WRONLY");
  result("mkdir newdir", mkdir(at("newdir"), 0755));
  result("mkdir dir (exists)", mkdir(at("dir"), 0755));
  result("mkdir missing/x", mkdir(at("missing/x"), 0755));
  result("rmdir dir/empty_dir", rmdir(at("dir/empty_dir")));
  result("rmdir dir (not empty)", rmdir(at("dir")));
  result("rmdir missing", rmdir(at("missing")));
  result("unlink seven.txt", unlink(at("seven.txt")));
  result("unlink rel (a symlink)", unlink(at("rel")));
  result("unlink dir", unlink(at("dir")));
  result("unlink missing", unlink(at("missing")));
  result("rename seven.txt renamed.txt", rename(at("seven.txt"), at("renamed.txt")));
  result("rename seven.txt dir/file.txt", rename(at("seven.txt"), at("dir/file.txt")));
  result("rename dir/empty_dir newdir", rename(at("dir/empty_dir"), at("newdir")));
  result("rename missing x", rename(at("missing"), at("x")));
  result("symlink x newlink", symlink("x", at("newlink")));
  result("symlink x rel (exists)", symlink("x", at("rel")));
  result("link seven.txt hard", link(at("seven.txt"), at("hard")));
  printf("entries after -> %d (same: %s)\n", count_entries(base),
         count_entries(base) == before ? "yes" : "NO");
  stat_line("seven.txt");
  stat_line("dir/empty_dir");
  read_back("seven.txt");
}

int main(int argc, char **argv) {
  if (argc < 2 || (argc >= 3 && strcmp(argv[2], "writes") && strcmp(argv[2], "rofs")) ||
      (argc >= 3 && !strcmp(argv[2], "writes") && argc < 4)) {
    fprintf(stderr, "usage: errno_cases DIR [writes SCRATCH | rofs]\n");
    return 2;
  }
  base = argv[1];
  read_only_cases();
  if (argc >= 3 && !strcmp(argv[2], "writes")) {
    printf("== write sequence in the scratch directory\n");
    base = argv[3];
    /* seven.txt exists in the tree; give the scratch dir one too. */
    int fd = open(at("seven.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644);
    result("create seven.txt", fd);
    if (fd >= 0) {
      sresult("write 7", write(fd, "seven!\n", 7));
      close(fd);
    }
    write_sequence();
    result("unlink seven.txt", unlink(at("seven.txt")));
    printf("entries at the end -> %d\n", count_entries(base));
  } else if (argc >= 3) {
    printf("== writes on the tree (read-only expected)\n");
    rofs_sequence();
  }
  return 0;
}
