/*
 * fuzz_merge.c - the entry merge of `bosun merge-driver` (lib/merge): the
 * input is base, ours and theirs separated by NUL bytes. It must not
 * crash, and a clean merge must keep its promises: every line written is
 * a line of ours or theirs (boxes aside), every entry either side added
 * is there, a box checked on either side stays checked, and the result
 * parses back.
 */
#include "core/strbuf.h"
#include "lib/merge/merge.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A line with its box and digits made neutral (dates may move). */
static void norm(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;

	strbuf_setlen(sb, 0);
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			c = '0';
		if ((c == 'x' || c == 'X') && i && s[i - 1] == '[' && i + 1 < n && s[i + 1] == ']')
			c = ' ';
		strbuf_addch(sb, c);
	}
	while (sb->len && (sb->buf[sb->len - 1] == '\r' || sb->buf[sb->len - 1] == ' ' ||
			   sb->buf[sb->len - 1] == '\t'))
		strbuf_setlen(sb, sb->len - 1);
}

/* Whether the normalised line l is a line of text t. */
static int has_line(const char *t, size_t n, const char *l)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0;
	int found = 0;

	while (i <= n && !found) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - t) : n;

		norm(&sb, t + i, e - i);
		found = !strcmp(sb.buf, l);
		i = e + 1;
	}
	strbuf_release(&sb);
	return found;
}

struct ctx {
	const struct merge_doc *other;
	const struct merge_doc *self; /* the side walked */
	const char *text;     /* the merged text */
	size_t len;
	const struct strbuf *base;
	struct strbuf tmp;
	int want_checked;     /* walk of a side: its checked entries must be */
	struct merge_doc *merged;
};

struct find { const char *key; int found, checked; };

static void find_fn(const char *key, int checked, const char *line, size_t len, void *data)
{
	struct find *f = data;

	(void)line;
	(void)len;
	if (!strcmp(key, f->key)) {
		f->found = 1;
		f->checked = checked;
	}
}

/* For each entry of a side: added (not in base) → its first line is in
 * the result; checked, with a key no repeat made → checked there. */
static void side_fn(const char *key, int checked, const char *line, size_t len, void *data)
{
	struct ctx *c = data;
	struct find f = { key, 0, -1 };

	if (checked == 1 && !strchr(key, '#')) {
		/* A key that repeats on this side ("KEY#1") may name another
		 * of its entries in the result: no check then. */
		struct strbuf k1 = STRBUF_INIT;
		struct find f1;

		strbuf_addf(&k1, "%s#1", key);
		f1.key = k1.buf;
		f1.found = 0;
		merge_doc_walk(c->self, find_fn, &f1);
		strbuf_release(&k1);
		if (!f1.found)
			merge_doc_walk(c->merged, find_fn, &f);
		if (f.found && f.checked == 0)
			abort();
	}
	f.found = 0;
	merge_doc_walk(c->other, find_fn, &f);
	if (!f.found) {
		norm(&c->tmp, line, len);
		if (!has_line(c->text, c->len, c->tmp.buf))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *a, *b;
	struct strbuf out = STRBUF_INIT, line = STRBUF_INIT;
	struct merge_doc *db, *dO, *dT, *dm;
	size_t bl, ol, tl, i = 0;
	struct ctx c;
	int conflicts;

	if (size > 1u << 16 || !(a = memchr(p, 0, size)) ||
	    !(b = memchr(a + 1, 0, size - (size_t)(a + 1 - p))))
		return 0;
	bl = (size_t)(a - p);
	ol = (size_t)(b - a - 1);
	tl = size - (size_t)(b + 1 - p);
	conflicts = merge_entries(&out, p, bl, a + 1, ol, b + 1, tl, NULL);
	dm = merge_doc_parse(out.buf, out.len);
	if (conflicts || memchr(p, 0, 0)) {
		merge_doc_free(dm);
		strbuf_release(&out);
		return 0;
	}
	/* Every line written is one of ours or theirs. */
	while (i < out.len) {
		const char *nl = memchr(out.buf + i, '\n', out.len - i);
		size_t e = nl ? (size_t)(nl - out.buf) : out.len;

		norm(&line, out.buf + i, e - i);
		if (line.len && !memchr(line.buf, 0, line.len) &&
		    !has_line(a + 1, ol, line.buf) && !has_line(b + 1, tl, line.buf))
			abort();
		i = e + 1;
	}
	db = merge_doc_parse(p, bl);
	dO = merge_doc_parse(a + 1, ol);
	dT = merge_doc_parse(b + 1, tl);
	memset(&c, 0, sizeof(c));
	strbuf_init(&c.tmp, 0);
	c.text = out.buf;
	c.len = out.len;
	c.merged = dm;
	c.other = db;
	/* NUL bytes inside a side make lines this check cannot compare. */
	if (!memchr(a + 1, 0, ol) && !memchr(b + 1, 0, tl)) {
		c.self = dO;
		merge_doc_walk(dO, side_fn, &c);
		c.self = dT;
		merge_doc_walk(dT, side_fn, &c);
	}
	strbuf_release(&c.tmp);
	merge_doc_free(db);
	merge_doc_free(dO);
	merge_doc_free(dT);
	merge_doc_free(dm);
	strbuf_release(&line);
	strbuf_release(&out);
	return 0;
}
