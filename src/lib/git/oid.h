/*
 * oid.h - git object ids (SHA-1, 20 bytes) and their hex form: the one
 * piece that refs, the index and the history reader all need, so none of
 * them has to call another for it.
 *
 *	unsigned char oid[OID_RAWSZ];
 *	char hex[OID_HEXSZ + 1];
 *
 *	if (oid_parse_hex(text, len, oid) < 0)
 *		...                      // fewer than 40 hex digits
 *	oid_to_hex(oid, hex);
 */
#ifndef BOSUN_LIB_GIT_OID_H
#define BOSUN_LIB_GIT_OID_H

#include <stddef.h>

#define OID_RAWSZ 20
#define OID_HEXSZ (2 * OID_RAWSZ)

/* The 40 hex digits of oid and a NUL into buf (41 bytes). */
void oid_to_hex(const unsigned char *oid, char *buf);
/* The first 40 characters of hex (len of them readable) as an id: 0, or
 * -1 when there are fewer or one is not a hex digit. */
int oid_parse_hex(const char *hex, size_t len, unsigned char *oid);

#endif
