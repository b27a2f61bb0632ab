/*
 * libFuzzer harness for lib/release/manifest: the input is read as every
 * kind of version file. When it parses, a new version is set and the result
 * is parsed again: for the built-in kinds that must give the same spans
 * with the new text, since only the bytes inside a string changed.
 */
#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/release/manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NEW_VERSION "12.0.0-rc.1+b.7"
#define PATTERN "version *[=:] *\"?([^\"\n]*)"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_again(struct manifest *m, const struct manifest_span *want,
			size_t nr)
{
	if (manifest_parse(m, PATTERN) < 0)
		abort();
	if (m->kind == MANIFEST_PATTERN)
		return; /* a changed text may match differently */
	if (strcmp(m->version, NEW_VERSION) || m->nr_spans != nr ||
	    memcmp(m->spans, want, nr * sizeof(*want)))
		abort();
}

static void one_kind(enum manifest_kind kind, const uint8_t *data, size_t size)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	struct manifest_span *spans = NULL;
	struct manifest *m;
	size_t nr;

	ms.items = xcalloc(1, sizeof(*ms.items));
	ms.nr = ms.alloc = 1;
	m = &ms.items[0];
	m->kind = kind;
	strbuf_init(&m->content, size);
	strbuf_init(&m->original, size);
	strbuf_add(&m->content, data, size);
	strbuf_add(&m->original, data, size);
	if (manifest_parse(m, PATTERN) < 0)
		goto out;
	if (!m->version || !m->nr_spans)
		abort();
	if (manifest_set_version(&ms, NEW_VERSION) < 0)
		abort();
	nr = m->nr_spans;
	spans = xmalloc(nr * sizeof(*spans));
	memcpy(spans, m->spans, nr * sizeof(*spans));
	check_again(m, spans, nr);
out:
	free(spans);
	error_clear();
	manifest_set_release(&ms);
}

struct journal_walk {
	const uint8_t *data;
	size_t size, paths;
};

/* Each path the journal reader hands out is a non-empty string inside
 * the input. */
static void journal_path(const char *path, void *p)
{
	struct journal_walk *w = p;
	const char *base = (const char *)w->data;

	if (path < base || path >= base + w->size || !*path ||
	    path + strlen(path) >= base + w->size)
		abort();
	w->paths++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_walk w = { data, size, 0 };
	int commit = -1;
	static const enum manifest_kind kinds[] = {
		MANIFEST_VERSION_FILE, MANIFEST_PACKAGE_JSON,
		MANIFEST_PACKAGE_LOCK, MANIFEST_PYPROJECT, MANIFEST_CARGO,
		MANIFEST_PATTERN,
	};
	size_t i;

	if (size > 64 * 1024)
		return 0;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		one_kind(kinds[i], data, size);
	/* The same bytes as a multi-file write's journal record. */
	if (manifest_journal_parse((const char *)data, size, &commit,
				   journal_path, &w) == 0 && commit != 0 && commit != 1)
		abort();
	error_clear();
	return 0;
}
