/* libFuzzer harness for what `work status` parses (lib/work/parse.c): the
 * first byte picks the parser, the rest is its input. The checklist count
 * never exceeds its lines; git status's porcelain v2 gives as many paths as
 * it says, each non-empty, or fails with BOSUN_EDATA; git merge-tree's
 * --stdin -z records each move forward within the input and end at its end,
 * or fail with BOSUN_EDATA; a git config value is never longer than the
 * text it came from. */
#include "core/error.h"
#include "lib/work/work.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void config(const char *s, size_t n)
{
	struct strbuf v = STRBUF_INIT;
	int r = work_config_find(s, n, "bosun", "workstream", &v);

	if (r < -1 || r > 1 || (r != 1 && v.len && r != -1) || v.len > n)
		abort();
	strbuf_release(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void checklist(const char *s, size_t n)
{
	int done, total;
	size_t lines = 1, i;

	for (i = 0; i < n; i++)
		lines += s[i] == '\n';
	work_checklist_count(s, n, &done, &total);
	if (done < 0 || done > total || (size_t)total > lines)
		abort();
}

static void status(const char *s, size_t n)
{
	struct strbuf head = STRBUF_INIT, paths = STRBUF_INIT;
	int r = work_status_parse(s, n, &head, &paths);
	size_t pos, k = 0;

	if (r < 0 && error_kind() != BOSUN_EDATA)
		abort();
	for (pos = 0; r >= 0 && pos < paths.len; pos += strlen(paths.buf + pos) + 1, k++)
		if (!paths.buf[pos])
			abort();
	if (r >= 0 && k != (size_t)r)
		abort();
	strbuf_release(&head);
	strbuf_release(&paths);
}

static void merge_tree(const char *s, size_t n)
{
	struct strbuf tree = STRBUF_INIT, files = STRBUF_INIT;
	size_t pos = 0, last, nr;
	int clean, r;

	do {
		last = pos;
		r = work_merge_tree_next(s, n, &pos, &clean, &tree, &files, &nr);
		if (r == 0 && (pos <= last || pos > n || !tree.len || (clean && nr)))
			abort();
	} while (r == 0);
	if ((r == 1 && pos < n) || (r < 0 && error_kind() != BOSUN_EDATA))
		abort();
	strbuf_release(&tree);
	strbuf_release(&files);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;

	if (!size || size > 65536)
		return 0;
	switch (data[0] % 4) {
	case 0: checklist(s, size - 1); break;
	case 1: status(s, size - 1); break;
	case 3: config(s, size - 1); break;
	default: merge_tree(s, size - 1); break;
	}
	error_clear();
	return 0;
}
