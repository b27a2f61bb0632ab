/* libFuzzer harness for lib/release/commit: cc_parse and cc_parse_squashed. */
#include "core/alloc.h"
#include "lib/release/commit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct cc_commit *c, size_t size)
{
	size_t i;

	if (!c->header)
		abort();
	if (c->conventional && (!c->type || !*c->type || !c->description ||
				!*c->description))
		abort();
	if (!c->conventional && (c->type || c->scope || c->description))
		abort();
	if (!c->breaking != !c->breaking_text && c->conventional)
		abort();
	for (i = 0; i < c->nr_footers; i++) {
		const char *t = c->footers[i].token;

		if (!t || !c->footers[i].value ||
		    c->footers[i].line < 1 || (size_t)c->footers[i].line > size + 1)
			abort();
		/* An indented or bulleted note's token is still the bare word,
		 * and footers come in line order. */
		if (!*t || *t == ' ' || *t == '\t' || *t == '*' ||
		    (i && c->footers[i].line <= c->footers[i - 1].line))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cc_commit c = CC_COMMIT_INIT, parts[16];
	char *body;
	size_t i, n;

	cc_parse(&c, (const char *)data, size);
	check(&c, size);
	(void)cc_type_is(&c, "feat");
	cc_release(&c);

	body = xstrndup((const char *)data, size);
	n = cc_parse_squashed(parts, 16, body);
	if (n > 16)
		abort();
	for (i = 0; i < n; i++) {
		if (!parts[i].conventional || parts[i].nr_footers || parts[i].body)
			abort();
		cc_release(&parts[i]);
	}
	free(body);
	return 0;
}
