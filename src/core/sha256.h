/*
 * sha256.h - SHA-256 (FIPS 180-4), for content hashes: the agents'
 * ownership records and the stat cache's hashes, the pipeline's cache keys.
 *
 *	char hex[SHA256_HEX_LEN + 1];
 *	sha256_hex(hex, buf, len);                // one buffer
 *
 *	struct sha256 s;                          // or in pieces
 *	unsigned char d[SHA256_LEN];
 *	sha256_init(&s);
 *	sha256_update(&s, a, alen);
 *	sha256_update(&s, b, blen);
 *	sha256_final(&s, d);
 *	sha256_to_hex(hex, d);
 *
 * Nothing here fails or allocates. A struct sha256 is used again only
 * after another sha256_init().
 */
#ifndef BOSUN_CORE_SHA256_H
#define BOSUN_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, unsigned char digest[SHA256_LEN]);
/* 64 lowercase hex digits and a NUL. */
void sha256_to_hex(char out[SHA256_HEX_LEN + 1], const unsigned char digest[SHA256_LEN]);
/* The SHA-256 of buf as 64 lowercase hex digits and a NUL. */
void sha256_hex(char out[SHA256_HEX_LEN + 1], const void *buf, size_t len);

#endif
