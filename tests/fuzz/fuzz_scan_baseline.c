/* libFuzzer harness for lib/scan/baseline: baseline files. What parses
 * holds only well-formed fingerprints, each findable. */
#include "core/error.h"
#include "lib/scan/scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_baseline b = SCAN_BASELINE_INIT;
	size_t i;

	if (scan_baseline_parse(&b, "fuzz.json", (const char *)data, size) == 0)
		for (i = 0; i < b.nr; i++)
			if (strlen(b.fps[i]) != 16 || !scan_baseline_has(&b, b.fps[i]))
				abort();
	error_clear();
	scan_baseline_release(&b);
	return 0;
}
