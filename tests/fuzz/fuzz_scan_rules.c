/* libFuzzer harness for lib/scan/rules: rule files (YAML). A file that
 * parses must give rules whose regexes compile and whose ids are unique. */
#include "core/error.h"
#include "lib/scan/rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_rules rs = SCAN_RULES_INIT;
	size_t i, j;

	if (size > 65536)
		return 0;
	if (scan_rules_parse(&rs, "fuzz.yml", (const char *)data, size) == 0) {
		for (i = 0; i < rs.nr; i++) {
			if (!rs.items[i]->re || !*rs.items[i]->id)
				abort();
			for (j = 0; j < i; j++)
				if (!strcmp(rs.items[i]->id, rs.items[j]->id))
					abort();
		}
	} else if (!error_message()[0]) {
		abort(); /* an error without a message */
	}
	error_clear();
	scan_rules_release(&rs);
	return 0;
}
