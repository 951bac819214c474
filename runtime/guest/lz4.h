/* The guest runtime's LZ4 block decoder (lz4.c). Self-contained C with no
 * other header, so that the host's unit tests and fuzz target compile the
 * very same code and compare it with liblz4. */
#ifndef WRT_LZ4_H
#define WRT_LZ4_H

#ifdef __cplusplus
extern "C" {
#endif

/* Decodes the LZ4 block src[0, n) into dst[0, want). Returns 0 when the
 * block is well formed and produces exactly `want` bytes, else 1 (dst then
 * holds garbage). Never reads outside src[0, n) nor writes outside
 * dst[0, want), whatever the input. */
unsigned int wrt_lz4_block(const unsigned char *src, unsigned int n, unsigned char *dst, unsigned int want);

#ifdef __cplusplus
}
#endif

#endif
