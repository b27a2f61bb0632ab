/*
 * libFuzzer harness for `bosun logs --since`: any text is a time, a
 * duration back from now (never in the future, never past a century), or
 * a usage error.
 */
#include "core/error.h"
#include "lib/logs/logs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1765000000000LL
#define CENTURY 3155760000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	long long out = 0;
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = logs_parse_since(s, NOW, &out);
	if (r < 0 && r != -BOSUN_EUSAGE)
		abort();
	if (r == 0 && logs_parse_time(s, strlen(s)) < 0 &&
	    (out > NOW || out < NOW - CENTURY))
		abort();
	error_clear();
	free(s);
	return 0;
}
