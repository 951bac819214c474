/* read_files DIR: reading regular files every way wasi-libc offers.
 *
 * Per file: fstat; whole-file reads with a 7-byte and a 64 KiB buffer
 * (byte count, read() calls, FNV-1a); a zero-length read; read at EOF;
 * lseek SEEK_SET/CUR/END, beyond EOF and invalid; pread at edge offsets
 * (and that it leaves the offset alone); readv with a zero-length iovec;
 * two fds on one file with independent offsets; stdio fopen/fread/fseek/
 * ftell/fgetc/ungetc/fgets/feof.
 *
 * Then text.txt (300,007 bytes; a packed image stores it as 5 LZ4 chunks
 * of 64 KiB) across its chunk boundaries: sequential reads of odd sizes,
 * pread at and around every boundary and at pseudo-random offsets and
 * lengths, a readv spanning three chunks, and reads alternating between
 * two compressed files. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"

static const char *const FILES[] = {
    "empty",          "one",       "seven.txt",    "page.bin",
    "big.bin",        "huge.bin",  "lines.txt",    ".hidden",
    "with space.txt", "ünïcödé 日本.txt", "dir/file.txt", "dir/sub/deep/leaf.txt",
    "many/entry-xx019", "text.txt",
};

static char big_buf[65536];
static char span_buf[200000];

/* Reads fd to EOF in chunks of n; prints bytes, calls and FNV-1a. */
static void read_all(int fd, size_t n) {
  fnv_t f;
  fnv_init(&f);
  long long total = 0, calls = 0;
  for (;;) {
    ssize_t r = read(fd, big_buf, n);
    calls++;
    if (r < 0) {
      printf("  read buf=%zu -> %s after %lld bytes\n", n, ERR, total);
      return;
    }
    if (r == 0) break;
    fnv_add(&f, big_buf, (size_t)r);
    total += r;
  }
  printf("  read buf=%zu -> bytes=%lld calls=%lld fnv=%016llx\n", n, total, calls,
         (unsigned long long)f.h);
}

static void seek(int fd, const char *what, off_t off, int whence) {
  errno = 0;
  off_t r = lseek(fd, off, whence);
  if (r < 0)
    printf("  lseek %s -> %s\n", what, ERR);
  else
    printf("  lseek %s -> %lld\n", what, (long long)r);
}

static void pread_at(int fd, long long off) {
  unsigned char b[16];
  off_t before = lseek(fd, 0, SEEK_CUR);
  ssize_t r = pread(fd, b, sizeof b, (off_t)off);
  off_t after = lseek(fd, 0, SEEK_CUR);
  printf("  pread 16 @%lld -> ", off);
  if (r < 0)
    printf("%s", ERR);
  else {
    printf("%zd ", r);
    print_hex(b, (size_t)r);
  }
  printf("%s\n", before == after ? "" : " (MOVED THE OFFSET)");
}

static void fseek_p(FILE *fp, const char *what, long off, int whence) {
  if (fseek(fp, off, whence) != 0)
    printf("  fseek %s -> %s", what, ERR);
  else
    printf("  fseek %s -> 0", what);
  printf(" ftell -> %ld\n", ftell(fp));
}

static void one_file(const char *root, const char *rel) {
  char path[512];
  join(path, sizeof path, root, rel);
  printf("file %s\n", rel);
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("  open -> %s\n", ERR);
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    printf("  fstat -> %s\n", ERR);
  } else {
    printf("  fstat -> ");
    print_stat(&st);
    printf("\n");
  }
  long long size = (long long)st.st_size;

  read_all(fd, 7);
  ssize_t r = read(fd, big_buf, 10);
  printf("  read at EOF -> %zd\n", r);
  seek(fd, "0 SET", 0, SEEK_SET);
  read_all(fd, sizeof big_buf);
  seek(fd, "0 SET", 0, SEEK_SET);
  r = read(fd, big_buf, 0);
  printf("  read 0 bytes -> %zd\n", r);

  seek(fd, "0 END", 0, SEEK_END);
  seek(fd, "3 SET", 3, SEEK_SET);
  seek(fd, "2 CUR", 2, SEEK_CUR);
  seek(fd, "0 CUR (tell)", 0, SEEK_CUR);
  r = read(fd, big_buf, 4);
  printf("  read 4 @5 -> %zd ", r);
  print_hex(big_buf, r > 0 ? (size_t)r : 0);
  printf("\n");
  seek(fd, "0 CUR (tell)", 0, SEEK_CUR);
  seek(fd, "-1 END", -1, SEEK_END);
  r = read(fd, big_buf, 4);
  printf("  read 4 @size-1 -> %zd ", r);
  print_hex(big_buf, r > 0 ? (size_t)r : 0);
  printf("\n");
  seek(fd, "100 END (past EOF)", 100, SEEK_END);
  r = read(fd, big_buf, 4);
  printf("  read past EOF -> %zd\n", r);
  seek(fd, "-1 SET", -1, SEEK_SET);
  seek(fd, "0 CUR after failed seek", 0, SEEK_CUR);
  seek(fd, "-(size+1) END", -(off_t)(size + 1), SEEK_END);
  seek(fd, "0 whence=77", 0, 77);

  seek(fd, "1 SET", 1, SEEK_SET);
  long long offs[] = {0, 1, size / 2, size - 1, size, size + 10, -1};
  for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
    pread_at(fd, offs[i]);

  seek(fd, "0 SET", 0, SEEK_SET);
  unsigned char a[3], b[5];
  struct iovec iov[3] = {{a, sizeof a}, {NULL, 0}, {b, sizeof b}};
  r = readv(fd, iov, 3);
  printf("  readv 3+0+5 -> %zd ", r);
  unsigned char both[8];
  memcpy(both, a, 3);
  memcpy(both + 3, b, 5);
  print_hex(both, r > 0 ? (size_t)r : 0);
  printf("\n");

  int fd2 = open(path, O_RDONLY);
  if (fd2 < 0) {
    printf("  second open -> %s\n", ERR);
  } else {
    off_t o1 = lseek(fd, 0, SEEK_CUR), o2 = lseek(fd2, 0, SEEK_CUR);
    printf("  second fd offsets independent -> fd1=%lld fd2=%lld\n", (long long)o1,
           (long long)o2);
    close(fd2);
  }
  printf("  close -> %d\n", close(fd));

  FILE *fp = fopen(path, "r");
  if (!fp) {
    printf("  fopen -> %s\n", ERR);
    return;
  }
  fseek_p(fp, "0 END", 0, SEEK_END);
  rewind(fp);
  fnv_t f;
  fnv_init(&f);
  size_t n, total = 0;
  while ((n = fread(big_buf, 1, 1000, fp)) > 0) {
    fnv_add(&f, big_buf, n);
    total += n;
  }
  printf("  fread 1000s -> bytes=%zu fnv=%016llx feof=%d ferror=%d\n", total,
         (unsigned long long)f.h, feof(fp) != 0, ferror(fp) != 0);
  fseek_p(fp, "size/2 SET", (long)(size / 2), SEEK_SET);
  int c = fgetc(fp);
  printf("  fgetc -> %d ftell -> %ld\n", c, ftell(fp));
  if (c != EOF) printf("  ungetc -> %d ftell -> %ld\n", ungetc(c, fp), ftell(fp));
  fseek_p(fp, "-3 CUR", -3, SEEK_CUR);
  rewind(fp);
  char line[64];
  if (fgets(line, sizeof line, fp)) {
    size_t len = strlen(line);
    printf("  fgets -> len=%zu ", len);
    print_hex(line, len < 12 ? len : 12);
    printf("\n");
  } else {
    printf("  fgets -> NULL feof=%d\n", feof(fp) != 0);
  }
  printf("  fclose -> %d\n", fclose(fp));
}

/* pread of n bytes at off: result and FNV-1a of what came back. */
static void pread_span(int fd, long long off, size_t n) {
  fnv_t f;
  fnv_init(&f);
  ssize_t r = pread(fd, span_buf, n, (off_t)off);
  printf("  pread %zu @%lld -> ", n, off);
  if (r < 0) {
    printf("%s\n", ERR);
    return;
  }
  fnv_add(&f, span_buf, (size_t)r);
  printf("%zd fnv=%016llx\n", r, (unsigned long long)f.h);
}

static void chunked(const char *root, const char *rel, const char *other) {
  char path[512], path2[512];
  join(path, sizeof path, root, rel);
  join(path2, sizeof path2, root, other);
  printf("chunks %s\n", rel);
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("  open -> %s\n", ERR);
    return;
  }
  /* Sequential reads whose sizes never line up with 64 KiB. */
  static const size_t sizes[] = {1, 7, 100, 4093, 65535, 65537, 12345, 3, 70001, 65536};
  fnv_t f;
  fnv_init(&f);
  long long total = 0, calls = 0;
  for (size_t i = 0;; i++) {
    size_t n = sizes[i % (sizeof sizes / sizeof sizes[0])];
    ssize_t r = read(fd, span_buf, n);
    calls++;
    if (r < 0) {
      printf("  odd-sized reads -> %s after %lld bytes\n", ERR, total);
      break;
    }
    if (r == 0) break;
    fnv_add(&f, span_buf, (size_t)r);
    total += r;
  }
  printf("  odd-sized reads -> bytes=%lld calls=%lld fnv=%016llx\n", total, calls, (unsigned long long)f.h);
  /* Around each chunk boundary, and spans of several chunks. */
  for (long long k = 1; k <= 5; k++) {
    pread_span(fd, k * 65536 - 5, 10);
    pread_span(fd, k * 65536 - 1, 1);
    pread_span(fd, k * 65536, 1);
  }
  pread_span(fd, 65000, 140000);
  pread_span(fd, 0, 200000);
  pread_span(fd, 299990, 100);
  /* Pseudo-random offsets (a few past EOF) and lengths. */
  unsigned x = 12345;
  for (int i = 0; i < 40; i++) {
    x = x * 1103515245u + 12345u;
    long long off = (long long)((x >> 8) % 300100u);
    x = x * 1103515245u + 12345u;
    size_t n = 1 + (size_t)((x >> 8) % 140000u);
    pread_span(fd, off, n);
  }
  /* readv over chunks 0..2 from offset 60000. */
  lseek(fd, 60000, SEEK_SET);
  struct iovec iov[3] = {{span_buf, 40000}, {span_buf + 40000, 1}, {span_buf + 40001, 40000}};
  ssize_t r = readv(fd, iov, 3);
  fnv_init(&f);
  if (r > 0) fnv_add(&f, span_buf, (size_t)r);
  printf("  readv 40000+1+40000 @60000 -> %zd fnv=%016llx\n", r, (unsigned long long)f.h);
  /* Two compressed files read alternately, 1000 bytes at a time. */
  int fd2 = open(path2, O_RDONLY);
  if (fd2 < 0) {
    printf("  open %s -> %s\n", other, ERR);
  } else {
    fnv_t a, b;
    fnv_init(&a);
    fnv_init(&b);
    long long na = 0, nb = 0;
    lseek(fd, 0, SEEK_SET);
    for (int done = 0; done != 3;) {
      ssize_t ra = read(fd, big_buf, 1000);
      if (ra > 0) fnv_add(&a, big_buf, (size_t)ra), na += ra;
      ssize_t rb = read(fd2, big_buf, 1000);
      if (rb > 0) fnv_add(&b, big_buf, (size_t)rb), nb += rb;
      done = (ra <= 0) | (rb <= 0) << 1;
      if (ra < 0 || rb < 0) break;
    }
    printf("  alternating with %s -> %lld fnv=%016llx, %lld fnv=%016llx\n", other, na,
           (unsigned long long)a.h, nb, (unsigned long long)b.h);
    close(fd2);
  }
  printf("  close -> %d\n", close(fd));
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: read_files DIR\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++) one_file(argv[1], FILES[i]);
  chunked(argv[1], "text.txt", "lines.txt");
  return 0;
}
