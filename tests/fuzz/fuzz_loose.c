/* libFuzzer harness for lib/git's loose-object reader: any bytes as a
 * deflated object file, and the same bytes deflated (to reach the header
 * parser); what it accepts has a short type and exactly its size. */
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/git/loose.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const unsigned char *z, size_t len, size_t cap)
{
	struct strbuf out = STRBUF_INIT;
	char type[8];

	strbuf_addstr(&out, "x");
	if (loose_parse(z, len, type, &out, cap) == 0) {
		if (strlen(type) > 7 || !*type || out.buf[0] != 'x' ||
		    (cap && out.len - 1 > cap))
			abort();
	} else if (out.len != 1) {
		abort();
	}
	strbuf_release(&out);
	error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uLongf n = compressBound((uLong)size);
	unsigned char *z = malloc(n ? n : 1);

	check(data, size, 0);
	if (z && compress(z, &n, data, (uLong)size) == Z_OK) {
		check(z, n, 0);
		check(z, n, 16);
	}
	free(z);
	return 0;
}
