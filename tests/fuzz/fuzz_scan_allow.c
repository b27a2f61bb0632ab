/* libFuzzer harness for the `bosun:allow` comments and the engine: any
 * bytes scanned with the built-in rules must give findings inside the
 * buffer, redacted, with an allow comment honoured; and a baseline written
 * from those findings must accept every one of them, once (the findings
 * of several rules on one secret are merged before it decides). */
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/scan/scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scan_rules rules = SCAN_RULES_INIT;
static struct scan_engine *engine;
/* The same rules with a baseline, which each input replaces. */
static struct scan_baseline baseline = SCAN_BASELINE_INIT;
static struct scan_engine *with_baseline;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_report rep = SCAN_REPORT_INIT, again = SCAN_REPORT_INIT;
	struct scan_opts o = SCAN_OPTS_INIT;
	struct strbuf bl = STRBUF_INIT;
	size_t i;

	if (!engine) {
		if (scan_rules_add_default(&rules) < 0 ||
		    scan_engine_new(&engine, &rules, &o) < 0)
			abort();
		o.baseline = &baseline;
		if (scan_engine_new(&with_baseline, &rules, &o) < 0)
			abort();
	}
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
	scan_baseline_format(&bl, &rep);
	scan_baseline_release(&baseline);
	if (scan_baseline_parse(&baseline, "fuzz.json", bl.buf, bl.len) < 0 ||
	    scan_buffer(with_baseline, "fuzz.env", NULL, (const char *)data, size, &again) < 0)
		abort();
	scan_report_finish(&again);
	if (again.nr || again.st.baselined != rep.nr)
		abort();
	scan_report_release(&again);
	strbuf_release(&bl);
	scan_report_release(&rep);
	error_clear();
	return 0;
}
