/* libFuzzer harness for the `bosun:allow` comments and the engine: any
 * bytes scanned with the built-in rules must give findings inside the
 * buffer, redacted, with an allow comment honoured. */
#include "core/error.h"
#include "lib/scan/scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scan_rules rules = SCAN_RULES_INIT;
static struct scan_engine *engine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_report rep = SCAN_REPORT_INIT;
	struct scan_opts o = SCAN_OPTS_INIT;
	size_t i;

	if (!engine && (scan_rules_add_default(&rules) < 0 ||
			scan_engine_new(&engine, &rules, &o) < 0))
		abort();
	(void)scan_line_allows((const char *)data, size, "github-pat");
	if (scan_buffer(engine, "fuzz.env", NULL, (const char *)data, size, &rep) < 0)
		abort();
	scan_report_finish(&rep);
	for (i = 0; i < rep.nr; i++) {
		const struct scan_finding *f = &rep.items[i];

		if (f->offset >= size || !f->line || !f->column ||
		    strlen(f->redacted) > 16 + 4 || strcmp(f->redacted + strlen(f->redacted) - 4, "****"))
			abort();
	}
	scan_report_release(&rep);
	error_clear();
	return 0;
}
