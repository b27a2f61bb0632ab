/*
 * manifest.c - find, change and write the version in the project's files.
 *
 * Each kind of file has a small locator that records where the version
 * text's bytes are (spans); nothing is re-serialised, so writing a new
 * version changes those bytes only. This file holds what every locator
 * shares (positions, errors, spans), the VERSION file, the choice of a
 * locator and the change of the version in the spans. The locators:
 * manifest_json.c (package.json and package-lock.json), manifest_toml.c
 * (pyproject.toml and Cargo.toml), manifest_pattern.c (release.files
 * patterns); manifest_files.c finds the files and writes them all or none.
 */
#include "lib/release/manifest.h"
#include "lib/release/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/release/semver.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MANIFEST_MAX_SIZE (16u << 20)

static const char *const kind_names[] = {
	[MANIFEST_VERSION_FILE] = "VERSION",
	[MANIFEST_PACKAGE_JSON] = "package.json",
	[MANIFEST_PACKAGE_LOCK] = "package-lock.json",
	[MANIFEST_PYPROJECT] = "pyproject.toml",
	[MANIFEST_CARGO] = "Cargo.toml",
	[MANIFEST_PATTERN] = "pattern",
};

const char *manifest_kind_name(enum manifest_kind kind)
{
	if ((size_t)kind >= ARRAY_SIZE(kind_names))
		return "unknown";
	return kind_names[kind];
}

const char *mf_name(const struct manifest *m)
{
	return m->path ? m->path : manifest_kind_name(m->kind);
}

/* ---- positions and errors ---- */

size_t mf_bom_len(const char *buf, size_t len)
{
	return len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;
}

/* 1-based line and byte column of off; a UTF-8 BOM is not a column. */
static void linecol_from(const char *buf, size_t from, size_t line_start,
			 int line, size_t off, int *out_line, int *out_col)
{
	const char *p;

	while (from < off && (p = memchr(buf + from, '\n', off - from))) {
		line++;
		from = line_start = (size_t)(p - buf) + 1;
	}
	*out_line = line;
	*out_col = (int)(off - line_start) + 1;
}

static void linecol(const struct manifest *m, size_t off, int *line, int *col)
{
	size_t start = mf_bom_len(m->content.buf, m->content.len);

	if (off < start)
		start = 0;
	linecol_from(m->content.buf, start, start, 1, off, line, col);
}

int mf_error_at(const struct manifest *m, size_t off, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	int line, col, r;
	va_list ap;

	linecol(m, off, &line, &col);
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	r = error_set(BOSUN_EDATA, "%s:%d:%d: %s", mf_name(m), line, col,
		      msg.buf);
	strbuf_release(&msg);
	return r;
}

/* ---- spans ---- */

static void clear_parse(struct manifest *m)
{
	free(m->spans);
	m->spans = NULL;
	m->nr_spans = 0;
	free(m->version);
	m->version = NULL;
}

void mf_add_span(struct manifest *m, size_t off, size_t len)
{
	size_t n = m->nr_spans;
	struct manifest_span *s;

	/* The capacity is the next power of two, at least 4. */
	if (n < 4 ? !n : !(n & (n - 1)))
		m->spans = xrealloc(m->spans,
				    (n < 4 ? 4 : 2 * n) * sizeof(*m->spans));
	s = &m->spans[n];
	s->off = off;
	s->len = len;
	if (n && off >= m->spans[n - 1].off) {
		/* Count lines from the previous span, not from the start:
		 * a pattern may match thousands of times. */
		const struct manifest_span *p = &m->spans[n - 1];
		size_t line_start = p->off - (size_t)(p->col - 1);

		linecol_from(m->content.buf, p->off, line_start, p->line, off,
			     &s->line, &s->col);
	} else {
		linecol(m, off, &s->line, &s->col);
	}
	m->nr_spans++;
}

int mf_is_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* The version text must be something a person could type on one line. */
int mf_check_version_text(const struct manifest *m, size_t off, size_t len)
{
	if (!len)
		return mf_error_at(m, off, "the version is empty");
	if (mf_is_control(m->content.buf + off, len))
		return mf_error_at(m, off,
				"the version contains a control character");
	return 0;
}

/* Record a span whose bytes are the version text itself. */
int mf_add_text_span(struct manifest *m, size_t off, size_t len)
{
	int r = mf_check_version_text(m, off, len);

	if (r < 0)
		return r;
	if (!m->version)
		m->version = xstrndup(m->content.buf + off, len);
	mf_add_span(m, off, len);
	return 0;
}

/* ---- VERSION ---- */

static int is_blank_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int parse_version_file(struct manifest *m)
{
	const char *buf = m->content.buf;
	size_t len = m->content.len;
	size_t b = mf_bom_len(buf, len), e;
	const char *nl = memchr(buf + b, '\n', len - b);

	e = nl ? (size_t)(nl - buf) : len;
	while (b < e && is_blank_byte(buf[b]))
		b++;
	while (e > b && is_blank_byte(buf[e - 1]))
		e--;
	if (b == e)
		return mf_error_at(m, b, "no version on the first line");
	return mf_add_text_span(m, b, e - b);
}

/* ---- parse ---- */

int manifest_parse(struct manifest *m, const char *pattern)
{
	int r;

	clear_parse(m);
	switch (m->kind) {
	case MANIFEST_VERSION_FILE:
		r = parse_version_file(m);
		break;
	case MANIFEST_PACKAGE_JSON:
	case MANIFEST_PACKAGE_LOCK:
		r = mf_parse_json(m);
		break;
	case MANIFEST_PYPROJECT:
	case MANIFEST_CARGO:
		r = mf_parse_toml(m);
		break;
	case MANIFEST_PATTERN:
		r = mf_parse_pattern(m, pattern);
		break;
	default:
		r = error_set(BOSUN_EINTERNAL, "unknown manifest kind %d",
			      (int)m->kind);
		break;
	}
	if (r < 0)
		clear_parse(m);
	return r;
}

/* ---- set ---- */

/* The span indices in the order of their offsets. */
static size_t *spans_by_offset(const struct manifest *m)
{
	size_t *ord = xcalloc(m->nr_spans, sizeof(*ord));
	size_t i, j;

	/* Insertion sort: there are one or two spans, rarely more. */
	for (i = 0; i < m->nr_spans; i++) {
		size_t off = m->spans[i].off;

		for (j = i; j > 0 && m->spans[ord[j - 1]].off > off; j--)
			ord[j] = ord[j - 1];
		ord[j] = i;
	}
	return ord;
}

/* Rebuild content with every span replaced, in one forward pass (the same
 * as splicing from the end, without moving the tail once per span), then
 * fix the spans' offsets and, on shared lines, their columns. */
static void manifest_replace(struct manifest *m, const char *version)
{
	struct strbuf nb = STRBUF_INIT;
	size_t vlen = strlen(version), prev = 0, k, *ord = spans_by_offset(m);
	long line_delta = 0;
	int line = 0;

	strbuf_grow(&nb, m->content.len + m->nr_spans * vlen);
	for (k = 0; k < m->nr_spans; k++) {
		struct manifest_span *s = &m->spans[ord[k]];

		strbuf_add(&nb, m->content.buf + prev, s->off - prev);
		prev = s->off + s->len;
		if (s->line != line) {
			line = s->line;
			line_delta = 0;
		}
		s->off = nb.len;
		s->col = (int)(s->col + line_delta);
		line_delta += (long)vlen - (long)s->len;
		s->len = vlen;
		strbuf_addstr(&nb, version);
	}
	strbuf_add(&nb, m->content.buf + prev, m->content.len - prev);
	strbuf_release(&m->content);
	m->content = nb;
	free(ord);
	free(m->version);
	m->version = xstrdup(version);
	m->changed = m->content.len != m->original.len ||
		     memcmp(m->content.buf, m->original.buf, m->content.len);
}

int manifest_set_version(struct manifest_set *ms, const char *version)
{
	struct semver v = SEMVER_INIT;
	size_t i;
	int r;

	/* A valid semver has only [0-9A-Za-z.+-], so it is safe inside any
	 * of the strings we replace. */
	r = semver_parse(&v, version, -1);
	semver_release(&v);
	if (r < 0)
		return r;
	for (i = 0; i < ms->nr; i++)
		manifest_replace(&ms->items[i], version);
	return 0;
}

/* ---- release ---- */

static void manifest_release(struct manifest *m)
{
	clear_parse(m);
	free(m->path);
	m->path = NULL;
	strbuf_release(&m->content);
	strbuf_release(&m->original);
	m->changed = 0;
}

void manifest_set_release(struct manifest_set *ms)
{
	size_t i;

	if (!ms)
		return;
	for (i = 0; i < ms->nr; i++)
		manifest_release(&ms->items[i]);
	free(ms->items);
	free(ms->root);
	free(ms->journal);
	memset(ms, 0, sizeof(*ms));
}
