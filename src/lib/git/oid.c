/*
 * oid.c - object ids as hex; see oid.h.
 */
#include "lib/git/oid.h"

#include "core/ascii.h"

void oid_to_hex(const unsigned char *oid, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < OID_RAWSZ; i++) {
		buf[2 * i] = hex[oid[i] >> 4];
		buf[2 * i + 1] = hex[oid[i] & 15];
	}
	buf[2 * OID_RAWSZ] = '\0';
}

int oid_parse_hex(const char *hex, size_t len, unsigned char *oid)
{
	size_t i;

	if (len < 2 * OID_RAWSZ)
		return -1;
	for (i = 0; i < OID_RAWSZ; i++) {
		int a = ascii_hex_value(hex[2 * i]), b = ascii_hex_value(hex[2 * i + 1]);

		if (a < 0 || b < 0)
			return -1;
		oid[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}
