/* libFuzzer harness for lib/release/lint. */
#include "lib/release/commit.h"
#include "lib/release/lint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_items(const struct lint_result *r, size_t lines)
{
	size_t i;

	if (r->skipped && (r->nr || !r->skip_reason))
		abort();
	for (i = 0; i < r->nr; i++)
		if (!r->items[i].rule || !r->items[i].message ||
		    r->items[i].line < 1 || (size_t)r->items[i].line > lines ||
		    (i && r->items[i].line < r->items[i - 1].line))
			abort();
}

/* A message lint passes (no comments to strip) is one the parser reads as
 * conventional. */
static void check_agrees(const struct lint_result *r, const char *msg,
			 size_t size)
{
	struct cc_commit c = CC_COMMIT_INIT;

	if (r->nr || r->skipped || memchr(msg, '#', size))
		return;
	cc_parse(&c, msg, size);
	if (!c.conventional)
		abort();
	cc_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const scopes[] = { "api", "cli", "parser" };
	const char *msg = (const char *)data;
	struct lint_rules rules = LINT_RULES_INIT;
	struct lint_result r = LINT_RESULT_INIT;
	size_t i, lines = 1;

	for (i = 0; i < size; i++)
		lines += msg[i] == '\n';
	lint_message(&r, msg, size, NULL);
	check_items(&r, lines);
	check_agrees(&r, msg, size);
	if (!r.skip_reason != !lint_skip(msg, size, NULL))
		abort();
	lint_result_release(&r);

	rules.scopes = scopes;
	rules.nr_scopes = 3;
	rules.header_max = 20;
	rules.skip_merge = 0;
	/* every case, and short lines, so the case and footer code runs */
	rules.subject_case = LINT_CASE_DEFAULT | LINT_CASE_LOWER;
	rules.body_line_max = 8;
	rules.footer_line_max = 12;
	lint_message(&r, msg, size, &rules);
	check_items(&r, lines);
	lint_result_release(&r);

	/* git's other comment strings: one of several characters, and auto
	 * (found again from the message). */
	rules.comment = size && (data[0] & 1) ? "auto" : "//";
	lint_message(&r, msg, size, &rules);
	check_items(&r, lines);
	if (!r.skip_reason != !lint_skip(msg, size, &rules))
		abort();
	lint_result_release(&r);
	return 0;
}
