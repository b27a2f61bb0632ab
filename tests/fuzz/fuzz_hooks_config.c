/* libFuzzer harness for lib/hooks: the shape of hooks.<hook>.checks (as
 * JSON), and the glob matcher with the input split into pattern and path. */
#include "core/glob.h"
#include "lib/hooks/hooks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void globs(const char *s, size_t size)
{
	const char *nl = memchr(s, '\n', size);
	char *pat, *path;

	if (!nl)
		return;
	pat = strndup(s, (size_t)(nl - s));
	path = strndup(nl + 1, size - (size_t)(nl - s) - 1);
	glob_file_match(pat, path);
	free(pat);
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	json_error_t e;
	json_t *v = json_loadb(s, size, JSON_DECODE_ANY, &e);
	size_t i, j;

	globs(s, size);
	if (!v)
		return 0;
	for (i = 0; hooks_known[i]; i++) {
		struct hook_checks hc = HOOK_CHECKS_INIT;
		struct strbuf why = STRBUF_INIT;
		int r = hook_checks_parse(&hc, hooks_known[i], v, &why);

		if ((r < 0) != (why.len > 0) || (r < 0 && hc.nr))
			abort();
		for (j = 0; j < hc.nr; j++)
			if (!hc.items[j].name || !*hc.items[j].name ||
			    (hc.items[j].builtin == HB_NONE && !hc.items[j].run))
				abort();
		hook_checks_release(&hc);
		strbuf_release(&why);
	}
	json_decref(v);
	return 0;
}
