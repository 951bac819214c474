/* LZ4 block decoder, written for this runtime from the public description
 * of the LZ4 block format:
 *
 *   block    = *sequence last
 *   sequence = token [lit_ext] literals offset [match_ext]
 *   last     = token [lit_ext] literals      ; the block ends right after
 *   token    = one byte: high nibble the literal count, low nibble the
 *              match length - 4; a nibble of 15 continues in extension
 *              bytes, each one added, until one below 255
 *   offset   = u16le, 1 .. bytes produced so far: the match copies from
 *              that far back, overlapping what it writes when offset is
 *              smaller than the length (a repeated pattern)
 *
 * plus its end-of-block rules: the last 5 bytes are literals (every match
 * ends at least 5 bytes before the end) and the last match starts at least
 * 12 bytes before the end. Blocks that break them are refused (liblz4's
 * decoder refuses them too, so host and guest agree on what is valid).
 *
 * Every length is checked against what is left of the input and of the
 * output before it is used. All arithmetic is u32 and cannot wrap: ip <= n
 * and op <= want hold throughout, and an extension sum stops as soon as it
 * exceeds `want`. No libc: only __builtin_memcpy, which the runtime defines
 * (mem.c) and the host's libc provides. */
#include "lz4.h"

typedef unsigned char u8;
typedef unsigned int u32;

#define LZ4_MIN_MATCH 4u
#define LZ4_LAST_LITERALS 5u
#define LZ4_MF_LIMIT 12u

/* Adds the extension bytes of a length to *len. 1 when the input ends
 * before the last one or the sum exceeds `limit`. */
static u32 lz4_ext(const u8 *src, u32 n, u32 *ip, u32 *len, u32 limit) {
  u32 b;
  do {
    if (*ip >= n) return 1;
    b = src[(*ip)++];
    *len += b;
    if (*len > limit) return 1;
  } while (b == 255u);
  return 0;
}

/* dst[op, op + len) = dst[op - off, ...), as if copied byte by byte.
 * [from, op) repeats with period `off`; copying a prefix of it right after
 * it keeps that so and doubles the run, and each copy's source ends at or
 * before its destination starts (no overlap). The caller checked
 * 1 <= off <= op and op + len <= the buffer's size. */
static void lz4_match(u8 *dst, u32 op, u32 off, u32 len) {
  const u32 from = op - off;
  while (len > 0) {
    u32 k = op - from;
    if (k > len) k = len;
    __builtin_memcpy(dst + op, dst + from, k);
    op += k;
    len -= k;
  }
}

/* Fast paths (liblz4's idea, with every bound checked first): when 16
 * bytes of room are left past what a sequence writes, literals and
 * matches go in fixed 16-byte copies, which may write up to 15 bytes too
 * many; the next sequence overwrites them. A fixed-size copy is two
 * 8-byte loads and stores; a memcpy of unknown length is a call (natively)
 * or a memory.copy (in wasm), costly for the few bytes most sequences
 * carry. Matches with an offset under 16 overlap their source: they keep
 * the exact copy. */
#define LZ4_WILD 16u
static void lz4_wild(u8 *d, const u8 *s, u32 n) {
  for (u32 k = 0; k < n; k += LZ4_WILD) __builtin_memcpy(d + k, s + k, LZ4_WILD);
}

unsigned int wrt_lz4_block(const unsigned char *src, unsigned int n, unsigned char *dst, unsigned int want) {
  u32 ip = 0, op = 0;
  if (want == 0) return n == 1 && src[0] == 0 ? 0 : 1; /* the empty block, as liblz4 writes it */
  for (;;) {
    if (ip >= n) return 1; /* a block ends with literals, never here */
    const u32 token = src[ip++];
    u32 lit = token >> 4;
    if (lit == 15u && lz4_ext(src, n, &ip, &lit, want)) return 1;
    if (lit > n - ip || lit > want - op) return 1;
    if (lit <= LZ4_WILD && n - ip >= LZ4_WILD && want - op >= LZ4_WILD) __builtin_memcpy(dst + op, src + ip, LZ4_WILD);
    else __builtin_memcpy(dst + op, src + ip, lit);
    ip += lit;
    op += lit;
    if (ip == n) return op == want ? 0 : 1; /* the last sequence */
    /* A match follows: it must start 12 bytes or more before the end. */
    if (want - op < LZ4_MF_LIMIT || n - ip < 2) return 1;
    const u32 off = (u32)src[ip] | (u32)src[ip + 1] << 8;
    ip += 2;
    if (off == 0 || off > op) return 1;
    u32 len = token & 15u;
    if (len == 15u && lz4_ext(src, n, &ip, &len, want)) return 1;
    len += LZ4_MIN_MATCH;
    /* want - op >= 12 here; the match must leave the last 5 bytes. */
    if (len > want - op - LZ4_LAST_LITERALS) return 1;
    if (off >= LZ4_WILD && want - op - len >= LZ4_WILD) lz4_wild(dst + op, dst + op - off, len);
    else lz4_match(dst, op, off, len);
    op += len;
  }
}
