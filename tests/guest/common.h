/* Shared helpers for the guest conformance programs (header-only).
 *
 * Every program prints a transcript: one line per operation, with the result
 * and, on failure, the errno NAME (numbers differ between wasi-libc and
 * Linux). Transcripts must never contain inode numbers, times, nlink,
 * permission bits or fd numbers: those legitimately differ between a host
 * preopen and wimg's embedded tree. */
#ifndef WIMG_GUEST_COMMON_H
#define WIMG_GUEST_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static inline const char *errno_name(int e) {
  /* A table, not a switch: some names are aliases (EWOULDBLOCK, EOPNOTSUPP);
   the first match wins. All of wasi-libc's <errno.h>, usual ones first. */
  static const struct { int value; const char *name; } names[] = {
#define E_(x) {x, #x}
      E_(EPERM), E_(ENOENT), E_(EIO), E_(EBADF), E_(EAGAIN), E_(ENOMEM), E_(EACCES),
      E_(EFAULT), E_(EBUSY), E_(EEXIST), E_(EXDEV), E_(ENODEV), E_(ENOTDIR),
      E_(EISDIR), E_(EINVAL), E_(ENFILE), E_(EMFILE), E_(ENOTTY), E_(EFBIG),
      E_(ENOSPC), E_(ESPIPE), E_(EROFS), E_(EMLINK), E_(ERANGE), E_(ENAMETOOLONG),
      E_(ENOSYS), E_(ENOTEMPTY), E_(ELOOP), E_(EOVERFLOW), E_(EILSEQ), E_(ENOTSUP),
      E_(ENOTCAPABLE), E_(ENOBUFS), E_(E2BIG), E_(EADDRINUSE), E_(EADDRNOTAVAIL),
      E_(EAFNOSUPPORT), E_(EALREADY), E_(EBADMSG), E_(ECANCELED), E_(ECHILD),
      E_(ECONNABORTED), E_(ECONNREFUSED), E_(ECONNRESET), E_(EDEADLK),
      E_(EDESTADDRREQ), E_(EDOM), E_(EDQUOT), E_(EHOSTUNREACH), E_(EIDRM),
      E_(EINPROGRESS), E_(EINTR), E_(EISCONN), E_(EMSGSIZE), E_(EMULTIHOP),
      E_(ENETDOWN), E_(ENETRESET), E_(ENETUNREACH), E_(ENOEXEC), E_(ENOLCK),
      E_(ENOLINK), E_(ENOMSG), E_(ENOPROTOOPT), E_(ENOTCONN), E_(ENOTRECOVERABLE),
      E_(ENOTSOCK), E_(ENXIO), E_(EOWNERDEAD), E_(EPIPE), E_(EPROTO),
      E_(EPROTONOSUPPORT), E_(EPROTOTYPE), E_(ESRCH), E_(ESTALE), E_(ETIMEDOUT),
      E_(ETXTBSY), E_(EOPNOTSUPP), E_(EWOULDBLOCK),
#undef E_
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].value == e) return names[i].name;
  static char buf[32];
  snprintf(buf, sizeof buf, "errno%d", e);
  return buf;
}

/* "ok" style result helpers: print " -> ERRNAME" for a failed call. */
#define ERR (errno_name(errno))

static inline const char *type_name(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "dir";
  if (S_ISLNK(m)) return "symlink";
  if (S_ISCHR(m)) return "chardev";
  if (S_ISBLK(m)) return "blockdev";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISSOCK(m)) return "socket";
  return "unknown";
}

/* Type, and size only where it is meaningful across hosts: directory sizes
 * are filesystem-specific (4096 on ext4, entry counts elsewhere). */
static inline void print_stat(const struct stat *st) {
  if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
    printf("%s size=%lld", type_name(st->st_mode), (long long)st->st_size);
  else
    printf("%s", type_name(st->st_mode));
}

typedef struct { uint64_t h; } fnv_t;
static inline void fnv_init(fnv_t *f) { f->h = 0xcbf29ce484222325ULL; }
static inline void fnv_add(fnv_t *f, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    f->h ^= b[i];
    f->h *= 0x100000001b3ULL;
  }
}

/* Prints up to n bytes as hex ("-" for none). */
static inline void print_hex(const void *p, size_t n) {
  const unsigned char *b = p;
  if (n == 0) fputs("-", stdout);
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

/* Joins dir and rel into buf ("dir/rel"). */
static inline const char *join(char *buf, size_t size, const char *dir, const char *rel) {
  snprintf(buf, size, "%s/%s", dir, rel);
  return buf;
}

#endif
