/* A minimal guest runtime for the injector's tests (merge.h): it serves
 * fd_write by copying the guest's iovecs into its own region, prefixing each
 * call's bytes with "[rt N] " (N counts calls; its start value lives in a
 * data segment) and writing through the host with absolute pointers. Built
 * like runtime/guest: freestanding, non-PIC, imported memory. */
#define IMPORT(m, n) __attribute__((import_module(m), import_name(n)))
IMPORT("wimg", "wimg_copy_in") void wimg_copy_in(void *dst, unsigned gsrc, unsigned n);
IMPORT("wimg", "wimg_copy_out") void wimg_copy_out(unsigned gdst, const void *src, unsigned n);
IMPORT("wimg", "wimg_guest_bytes") unsigned wimg_guest_bytes(void);
IMPORT("wimg", "wimg_region_base") unsigned wimg_region_base(void);
IMPORT("wimg_host", "fd_write") int host_fd_write(int fd, unsigned iovs, unsigned n, unsigned nwritten);

struct iov { unsigned buf, len; };
static volatile unsigned calls = 41; /* data, not bss */
static char out[1 << 16];
static struct iov host_iov;
static unsigned host_written;

__attribute__((export_name("wimg_wasi_fd_write"))) int rt_fd_write(int fd, unsigned iovs, unsigned n,
                                                                     unsigned nwritten) {
  unsigned limit = wimg_guest_bytes();
#ifdef MINI_GROW
  if (__builtin_wasm_memory_grow(0, 1) < 0) return 48;
#endif
  if (n > 64 || iovs > limit || n * 8 > limit - iovs) return 21; /* EFAULT */
  unsigned len = 0;
  unsigned c = ++calls;
  char prefix[16] = "[rt ";
  unsigned p = 4;
  char digits[10];
  unsigned d = 0;
  do { digits[d++] = (char)('0' + c % 10); c /= 10; } while (c);
  while (d) prefix[p++] = digits[--d];
  prefix[p++] = ']';
  prefix[p++] = ' ';
  for (unsigned i = 0; i < p; ++i) out[len++] = prefix[i];
  unsigned total = 0;
  for (unsigned i = 0; i < n; ++i) {
    struct iov v;
    wimg_copy_in(&v, iovs + 8 * i, 8);
    if (v.buf > limit || v.len > limit - v.buf || v.len > sizeof out - len) return 21;
    wimg_copy_in(out + len, v.buf, v.len);
    len += v.len;
    total += v.len;
  }
  host_iov.buf = wimg_region_base() + (unsigned)out;
  host_iov.len = len;
  int r = host_fd_write(fd, wimg_region_base() + (unsigned)&host_iov, 1, wimg_region_base() + (unsigned)&host_written);
  if (r != 0) return r;
  if (nwritten > limit - 4) return 21;
  wimg_copy_out(nwritten, &total, 4);
  return 0;
}
