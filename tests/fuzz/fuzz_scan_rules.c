/* libFuzzer harness for lib/scan/rules: rule files (YAML). A file that
 * parses must give rules whose regexes compile and whose ids are unique;
 * and a few such rules scan the input itself through the engine's PCRE2
 * path (the one without Vectorscan, cheap to set up: no database), whose
 * findings must lie inside the buffer, redacted. */
#include "core/error.h"
#include "lib/scan/rules.h"
#include "lib/scan/scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Few rules: each is compiled (JIT) for the scan. */
#define SCAN_RULES_MAX 8

static void scan_self(struct scan_rules *rs, const uint8_t *data, size_t size)
{
	struct scan_opts o = SCAN_OPTS_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;
	struct scan_engine *e = NULL;
	size_t i, n;

	if (scan_engine_new(&e, rs, &o) < 0)
		abort(); /* without Vectorscan nothing can fail here */
	if (strcmp(scan_engine_kind(e), "pcre2"))
		abort();
	if (scan_buffer(e, "fuzz.txt", NULL, (const char *)data, size, &rep) < 0)
		error_clear(); /* a buffer it refuses (too large) */
	scan_report_finish(&rep);
	for (i = 0; i < rep.nr; i++) {
		const struct scan_finding *f = &rep.items[i];

		n = strlen(f->redacted);
		if (f->offset > size || !f->line || !f->column || n < 4 ||
		    strcmp(f->redacted + n - 4, "****"))
			abort();
	}
	scan_report_release(&rep);
	scan_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_rules rs = SCAN_RULES_INIT;
	size_t i, j;

	if (size > 65536)
		return 0;
	/* The scan below goes without Vectorscan, and logs nowhere. */
	setenv("BOSUN_DL_DENY", "vectorscan", 1);
	setenv("BOSUN_LOG", "0", 1);
	if (scan_rules_parse(&rs, "fuzz.yml", (const char *)data, size) == 0) {
		for (i = 0; i < rs.nr; i++) {
			if (!rs.items[i]->re || !*rs.items[i]->id)
				abort();
			for (j = 0; j < i; j++)
				if (!strcmp(rs.items[i]->id, rs.items[j]->id))
					abort();
		}
		if (rs.nr && rs.nr <= SCAN_RULES_MAX)
			scan_self(&rs, data, size);
	} else if (!error_message()[0]) {
		abort(); /* an error without a message */
	}
	error_clear();
	scan_rules_release(&rs);
	return 0;
}
