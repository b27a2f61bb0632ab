/*
 * manifest_toml.c - the version in pyproject.toml ([project] or
 * [tool.poetry]) and Cargo.toml ([package] or [workspace.package]). A
 * statement scanner understands just enough of TOML (tables, keys,
 * strings, arrays, inline tables) to never mistake a line inside a
 * multi-line value for a key.
 */
#include "lib/release/manifest.h"
#include "lib/release/internal.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

/* The tables that may hold the version. */
enum toml_table {
	TT_OTHER,
	TT_PROJECT,     /* pyproject.toml [project] */
	TT_POETRY,      /* pyproject.toml [tool.poetry] */
	TT_PACKAGE,     /* Cargo.toml [package] */
	TT_WS_PACKAGE,  /* Cargo.toml [workspace.package] */
	TT_NR,
};

static const char *const toml_table_names[] = {
	[TT_OTHER] = "", [TT_PROJECT] = "project", [TT_POETRY] = "tool.poetry",
	[TT_PACKAGE] = "package", [TT_WS_PACKAGE] = "workspace.package",
};

#define TOML_KEY_PARTS 4
#define TOML_MAX_DEPTH 64

struct toml_key {
	const char *part[TOML_KEY_PARTS];
	size_t len[TOML_KEY_PARTS];
	int nr; /* may exceed TOML_KEY_PARTS; the rest are not kept */
};

enum toml_type { TV_STRING, TV_ML_STRING, TV_ARRAY, TV_TABLE, TV_SCALAR };

struct toml_value {
	enum toml_type type;
	size_t off, len; /* a single-line string's bytes */
	int escaped;
	int lists_version; /* an array with the string "version" */
};

struct toml_scan {
	const struct manifest *m;
	const char *buf;
	size_t len, pos;
	enum toml_table table;
	/* Lexing errors are kept here rather than recorded at once: outside
	 * the tables we read, a line we do not understand is skipped. */
	const char *err;
	size_t err_off;
	int table_seen[TT_NR];
	size_t table_off[TT_NR];
	int ver_seen[TT_NR];
	size_t ver_off[TT_NR], ver_len[TT_NR];
	int dynamic, inherited;
	size_t dynamic_off, inherited_off;
};

static int toml_fail(struct toml_scan *ts, size_t off, const char *msg)
{
	ts->err = msg;
	ts->err_off = off;
	return -1;
}

static int toml_at(const struct toml_scan *ts, char c)
{
	return ts->pos < ts->len && ts->buf[ts->pos] == c;
}

static void toml_skip_blank(struct toml_scan *ts)
{
	while (ts->pos < ts->len &&
	       (ts->buf[ts->pos] == ' ' || ts->buf[ts->pos] == '\t'))
		ts->pos++;
}

static void toml_skip_comment(struct toml_scan *ts)
{
	if (toml_at(ts, '#'))
		while (ts->pos < ts->len && ts->buf[ts->pos] != '\n')
			ts->pos++;
}

/* Blanks, newlines and comments, as allowed between array elements. */
static void toml_skip_space(struct toml_scan *ts)
{
	while (ts->pos < ts->len) {
		char c = ts->buf[ts->pos];

		if (c == '#')
			toml_skip_comment(ts);
		else if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			ts->pos++;
		else
			break;
	}
}

/* The end of a statement: blanks, a comment, then a newline or the end. */
static int toml_eol(struct toml_scan *ts, const char *msg)
{
	toml_skip_blank(ts);
	toml_skip_comment(ts);
	if (ts->pos < ts->len && ts->buf[ts->pos] == '\r' &&
	    ts->pos + 1 < ts->len && ts->buf[ts->pos + 1] == '\n')
		ts->pos++;
	if (ts->pos >= ts->len)
		return 0;
	if (ts->buf[ts->pos] != '\n')
		return toml_fail(ts, ts->pos, msg);
	ts->pos++;
	return 0;
}

static int is_bare_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int is_scalar_char(char c)
{
	return is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

static int toml_triple(const struct toml_scan *ts, char q)
{
	return ts->len - ts->pos >= 3 && ts->buf[ts->pos] == q &&
	       ts->buf[ts->pos + 1] == q && ts->buf[ts->pos + 2] == q;
}

/* """...""" or '''...''': up to two more quotes belong to the content. */
static int toml_ml_string(struct toml_scan *ts, struct toml_value *v)
{
	size_t start = ts->pos;
	char q = ts->buf[ts->pos];
	int extra;

	v->type = TV_ML_STRING;
	ts->pos += 3;
	while (ts->pos < ts->len && !toml_triple(ts, q))
		ts->pos += q == '"' && ts->buf[ts->pos] == '\\' ? 2 : 1;
	if (ts->pos >= ts->len)
		return toml_fail(ts, start, "unterminated multi-line string");
	ts->pos += 3;
	for (extra = 0; extra < 2 && toml_at(ts, q); extra++)
		ts->pos++;
	return 0;
}

static int toml_string(struct toml_scan *ts, struct toml_value *v)
{
	size_t start = ts->pos;
	char q = ts->buf[ts->pos];

	if (toml_triple(ts, q))
		return toml_ml_string(ts, v);
	v->type = TV_STRING;
	v->off = ++ts->pos;
	v->escaped = 0;
	while (ts->pos < ts->len && ts->buf[ts->pos] != q &&
	       ts->buf[ts->pos] != '\n') {
		if (q == '"' && ts->buf[ts->pos] == '\\') {
			v->escaped = 1;
			/* Skip the escaped byte, unless it ends the line. */
			if (ts->len - ts->pos > 1 &&
			    ts->buf[ts->pos + 1] != '\n')
				ts->pos++;
		}
		ts->pos++;
	}
	if (!toml_at(ts, q))
		return toml_fail(ts, start, "unterminated string");
	v->len = ts->pos++ - v->off;
	return 0;
}

/* A dotted key: bare or quoted parts separated by dots. */
static int toml_key(struct toml_scan *ts, struct toml_key *k)
{
	struct toml_value v;

	k->nr = 0;
	for (;;) {
		toml_skip_blank(ts);
		v.off = ts->pos;
		if (toml_at(ts, '"') || toml_at(ts, '\'')) {
			if (toml_triple(ts, ts->buf[ts->pos]))
				return toml_fail(ts, ts->pos, "a key cannot "
						 "be a multi-line string");
			if (toml_string(ts, &v) < 0)
				return -1;
		} else {
			while (ts->pos < ts->len &&
			       is_bare_key_char(ts->buf[ts->pos]))
				ts->pos++;
			if (ts->pos == v.off)
				return toml_fail(ts, ts->pos, "expected a key");
			v.len = ts->pos - v.off;
		}
		if (k->nr < TOML_KEY_PARTS) {
			k->part[k->nr] = ts->buf + v.off;
			k->len[k->nr] = v.len;
		}
		k->nr++;
		toml_skip_blank(ts);
		if (!toml_at(ts, '.'))
			return 0;
		ts->pos++;
	}
}

static int toml_key_is(const struct toml_key *k, const char *a, const char *b)
{
	if (k->nr != (b ? 2 : 1))
		return 0;
	if (k->len[0] != strlen(a) || memcmp(k->part[0], a, k->len[0]))
		return 0;
	return !b ||
	       (k->len[1] == strlen(b) && !memcmp(k->part[1], b, k->len[1]));
}

static int toml_value(struct toml_scan *ts, struct toml_value *v, int depth);

static int toml_array(struct toml_scan *ts, struct toml_value *v, int depth)
{
	size_t start = ts->pos++;
	struct toml_value e;

	v->type = TV_ARRAY;
	v->lists_version = 0;
	for (;;) {
		toml_skip_space(ts);
		if (ts->pos >= ts->len)
			return toml_fail(ts, start, "unterminated array");
		if (toml_at(ts, ']'))
			break;
		if (toml_value(ts, &e, depth + 1) < 0)
			return -1;
		if (e.type == TV_STRING && e.len == 7 && !e.escaped &&
		    !memcmp(ts->buf + e.off, "version", 7))
			v->lists_version = 1;
		toml_skip_space(ts);
		if (toml_at(ts, ']'))
			break;
		if (!toml_at(ts, ','))
			return toml_fail(ts, ts->pos,
					 "expected ',' or ']' in the array");
		ts->pos++;
	}
	ts->pos++;
	return 0;
}

static int toml_inline_table(struct toml_scan *ts, struct toml_value *v,
			     int depth)
{
	struct toml_value e;
	struct toml_key k;

	v->type = TV_TABLE;
	ts->pos++;
	for (;;) {
		/* Newlines and a trailing comma are TOML 1.1; accept them. */
		toml_skip_space(ts);
		if (toml_at(ts, '}'))
			break;
		if (toml_key(ts, &k) < 0)
			return -1;
		if (!toml_at(ts, '='))
			return toml_fail(ts, ts->pos,
					 "expected '=' after the key");
		ts->pos++;
		toml_skip_blank(ts);
		if (toml_value(ts, &e, depth + 1) < 0)
			return -1;
		toml_skip_space(ts);
		if (toml_at(ts, '}'))
			break;
		if (!toml_at(ts, ','))
			return toml_fail(ts, ts->pos, "expected ',' or '}' "
					 "in the inline table");
		ts->pos++;
	}
	ts->pos++;
	return 0;
}

/* Numbers, booleans, dates and times: we only need to know where they end. */
static int toml_scalar(struct toml_scan *ts, struct toml_value *v)
{
	size_t start = ts->pos;

	v->type = TV_SCALAR;
	while (ts->pos < ts->len && is_scalar_char(ts->buf[ts->pos]))
		ts->pos++;
	/* "1979-05-27 07:32:00": a date and a time may be apart. */
	if (ts->pos - start == 10 && ts->buf[start + 4] == '-' &&
	    ts->len - ts->pos >= 2 && ts->buf[ts->pos] == ' ' &&
	    ts->buf[ts->pos + 1] >= '0' && ts->buf[ts->pos + 1] <= '9') {
		ts->pos++;
		while (ts->pos < ts->len && is_scalar_char(ts->buf[ts->pos]))
			ts->pos++;
	}
	if (ts->pos == start)
		return toml_fail(ts, start, "expected a value");
	return 0;
}

static int toml_value(struct toml_scan *ts, struct toml_value *v, int depth)
{
	if (depth > TOML_MAX_DEPTH)
		return toml_fail(ts, ts->pos, "values nested too deeply");
	if (toml_at(ts, '"') || toml_at(ts, '\''))
		return toml_string(ts, v);
	if (toml_at(ts, '['))
		return toml_array(ts, v, depth);
	if (toml_at(ts, '{'))
		return toml_inline_table(ts, v, depth);
	return toml_scalar(ts, v);
}

static enum toml_table toml_classify_table(const struct toml_scan *ts,
					   const struct toml_key *k)
{
	if (ts->m->kind == MANIFEST_PYPROJECT) {
		if (toml_key_is(k, "project", NULL))
			return TT_PROJECT;
		if (toml_key_is(k, "tool", "poetry"))
			return TT_POETRY;
	} else {
		if (toml_key_is(k, "package", NULL))
			return TT_PACKAGE;
		if (toml_key_is(k, "workspace", "package"))
			return TT_WS_PACKAGE;
	}
	return TT_OTHER;
}

/* [table] or [[array-table]]; the latter never holds the version. */
static int toml_header(struct toml_scan *ts)
{
	size_t start = ts->pos;
	int array = ts->len - ts->pos >= 2 && ts->buf[ts->pos + 1] == '[';
	struct toml_key k;

	ts->pos += array ? 2 : 1;
	if (toml_key(ts, &k) < 0)
		return -1;
	if (!toml_at(ts, ']') ||
	    (array && (ts->pos + 1 >= ts->len || ts->buf[ts->pos + 1] != ']')))
		return toml_fail(ts, ts->pos, array ?
				 "expected ']]' after the table name" :
				 "expected ']' after the table name");
	ts->pos += array ? 2 : 1;
	if (toml_eol(ts, "unexpected text after the table name") < 0)
		return -1;
	ts->table = array ? TT_OTHER : toml_classify_table(ts, &k);
	if (ts->table != TT_OTHER && !ts->table_seen[ts->table]) {
		ts->table_seen[ts->table] = 1;
		ts->table_off[ts->table] = start;
	}
	return 0;
}

/* version = "..." in a table we read. */
static int toml_version(struct toml_scan *ts, const struct toml_value *v,
			size_t key_off, size_t val_off)
{
	enum toml_table t = ts->table;

	if (v->type == TV_TABLE && t == TT_PACKAGE) {
		/* version = { workspace = true } */
		ts->inherited = 1;
		ts->inherited_off = key_off;
		return 0;
	}
	if (v->type == TV_ML_STRING)
		return toml_fail(ts, val_off,
				 "the version must be a one-line string");
	if (v->type != TV_STRING)
		return toml_fail(ts, val_off, "the version is not a string");
	if (v->escaped)
		return toml_fail(ts, val_off, "escape sequences in the "
				 "version are not supported");
	if (ts->ver_seen[t])
		return toml_fail(ts, key_off, "duplicate key 'version'");
	ts->ver_seen[t] = 1;
	ts->ver_off[t] = v->off;
	ts->ver_len[t] = v->len;
	return 0;
}

/* What a key = value line in one of our tables means for the version. */
static int toml_note(struct toml_scan *ts, const struct toml_key *k,
		     const struct toml_value *v, size_t key_off, size_t val_off)
{
	if (ts->table == TT_OTHER)
		return 0;
	if (toml_key_is(k, "version", NULL))
		return toml_version(ts, v, key_off, val_off);
	if (ts->table == TT_PACKAGE && toml_key_is(k, "version", "workspace")) {
		ts->inherited = 1;
		ts->inherited_off = key_off;
	} else if (ts->table == TT_PROJECT && toml_key_is(k, "dynamic", NULL) &&
		   v->type == TV_ARRAY && v->lists_version) {
		ts->dynamic = 1;
		ts->dynamic_off = key_off;
	}
	return 0;
}

static int toml_keyval(struct toml_scan *ts)
{
	size_t key_off = ts->pos, val_off;
	struct toml_value v = { 0 };
	struct toml_key k;

	if (toml_key(ts, &k) < 0)
		return -1;
	if (!toml_at(ts, '='))
		return toml_fail(ts, ts->pos, "expected '=' after the key");
	ts->pos++;
	toml_skip_blank(ts);
	val_off = ts->pos;
	if (toml_value(ts, &v, 0) < 0 ||
	    toml_eol(ts, "unexpected text after the value") < 0)
		return -1;
	return toml_note(ts, &k, &v, key_off, val_off);
}

/* Skip the rest of the line holding the error (outside our tables). */
static void toml_resync(struct toml_scan *ts)
{
	const char *nl = memchr(ts->buf + ts->err_off, '\n',
				ts->len - ts->err_off);

	ts->pos = nl ? (size_t)(nl - ts->buf) + 1 : ts->len;
	ts->err = NULL;
}

static int toml_statement(struct toml_scan *ts)
{
	char c;

	toml_skip_blank(ts);
	if (ts->pos >= ts->len)
		return 0;
	c = ts->buf[ts->pos];
	if (c == '\n' || c == '\r') {
		ts->pos++;
		return 0;
	}
	if (c == '#') {
		toml_skip_comment(ts);
		return 0;
	}
	if (c == '[')
		return toml_header(ts) < 0 ? -2 : 0;
	return toml_keyval(ts);
}

static int toml_walk(struct toml_scan *ts)
{
	int r;

	while (ts->pos < ts->len) {
		r = toml_statement(ts);
		if (!r)
			continue;
		/* A broken table header is always an error: we cannot tell
		 * which table the lines after it are in. */
		if (r == -2 || ts->table != TT_OTHER)
			return mf_error_at(ts->m, ts->err_off, "%s", ts->err);
		toml_resync(ts);
	}
	return 0;
}

static int toml_add(struct manifest *m, const struct toml_scan *ts,
		    enum toml_table t)
{
	if (!ts->ver_seen[t])
		return 0;
	return mf_add_text_span(m, ts->ver_off[t], ts->ver_len[t]);
}

static int toml_no_version(struct manifest *m, const struct toml_scan *ts,
			   enum toml_table a, enum toml_table b)
{
	if (ts->table_seen[a])
		return mf_error_at(m, ts->table_off[a], "no version in [%s]",
				toml_table_names[a]);
	if (ts->table_seen[b])
		return mf_error_at(m, ts->table_off[b], "no version in [%s]",
				toml_table_names[b]);
	return mf_error_at(m, mf_bom_len(ts->buf, ts->len), "no [%s] or [%s] table",
			toml_table_names[a], toml_table_names[b]);
}

static int pyproject_result(struct manifest *m, const struct toml_scan *ts)
{
	int r;

	if (ts->dynamic && ts->ver_seen[TT_PROJECT])
		return mf_error_at(m, ts->dynamic_off,
				"[project] has a version and lists "
				"\"version\" in dynamic");
	if ((r = toml_add(m, ts, TT_PROJECT)) < 0 ||
	    (r = toml_add(m, ts, TT_POETRY)) < 0)
		return r;
	if (m->nr_spans)
		return 0;
	if (ts->dynamic)
		return mf_error_at(m, ts->dynamic_off,
				"the version is dynamic ([project] dynamic "
				"lists \"version\"); it is set by the build "
				"backend, not here");
	return toml_no_version(m, ts, TT_PROJECT, TT_POETRY);
}

static int cargo_result(struct manifest *m, const struct toml_scan *ts)
{
	int r;

	if ((r = toml_add(m, ts, TT_PACKAGE)) < 0 ||
	    (r = toml_add(m, ts, TT_WS_PACKAGE)) < 0)
		return r;
	if (m->nr_spans)
		return 0;
	if (ts->inherited)
		return mf_error_at(m, ts->inherited_off,
				"the version is inherited from the workspace "
				"(version.workspace = true); it is set in the "
				"workspace's Cargo.toml, not here");
	return toml_no_version(m, ts, TT_PACKAGE, TT_WS_PACKAGE);
}

int mf_parse_toml(struct manifest *m)
{
	struct toml_scan ts = { 0 };
	int r;

	ts.m = m;
	ts.buf = m->content.buf;
	ts.len = m->content.len;
	ts.pos = mf_bom_len(ts.buf, ts.len);
	if ((r = toml_walk(&ts)) < 0)
		return r;
	if (m->kind == MANIFEST_PYPROJECT)
		return pyproject_result(m, &ts);
	return cargo_result(m, &ts);
}
