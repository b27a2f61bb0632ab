/*
 * libFuzzer harness for bosun clean's size parser (--budget, clean.budget):
 * any text is a size of 0 or more bytes, or a usage error; a plain number
 * is that many bytes.
 */
#include "core/error.h"
#include "lib/clean/clean.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	long long out = -1;
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = clean_parse_size(s, &out);
	if (r < 0 && r != -BOSUN_EUSAGE)
		abort();
	if (r == 0 && out < 0)
		abort();
	if (r == 0 && size && size < 15 && strspn(s, "0123456789") == size &&
	    out != strtoll(s, NULL, 10))
		abort();
	error_clear();
	free(s);
	return 0;
}
