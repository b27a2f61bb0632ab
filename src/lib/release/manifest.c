/*
 * manifest.c - find, change and write the version in the project's files.
 *
 * Each kind of file has a small locator that records where the version
 * text's bytes are (spans); nothing is re-serialised, so writing a new
 * version changes those bytes only. JSON is validated with jansson first and
 * then walked by a tiny byte scanner that knows only where keys are; TOML is
 * read by a statement scanner that understands just enough of the syntax
 * (tables, keys, strings, arrays, inline tables) to never mistake a line
 * inside a multi-line value for a key.
 */
#include "lib/release/manifest.h"

#include "core/alloc.h"
#include "core/ascii.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "lib/release/semver.h"

#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Manifests are small; anything this big is not one. */
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

static const char *manifest_name(const struct manifest *m)
{
	return m->path ? m->path : manifest_kind_name(m->kind);
}

/* ---- positions and errors ---- */

static size_t bom_len(const char *buf, size_t len)
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
	size_t start = bom_len(m->content.buf, m->content.len);

	if (off < start)
		start = 0;
	linecol_from(m->content.buf, start, start, 1, off, line, col);
}

static int error_at(const struct manifest *m, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int error_at(const struct manifest *m, size_t off, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	int line, col, r;
	va_list ap;

	linecol(m, off, &line, &col);
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	r = error_set(BOSUN_EDATA, "%s:%d:%d: %s", manifest_name(m), line, col,
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

static void add_span(struct manifest *m, size_t off, size_t len)
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

static int is_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* The version text must be something a person could type on one line. */
static int check_version_text(const struct manifest *m, size_t off, size_t len)
{
	if (!len)
		return error_at(m, off, "the version is empty");
	if (is_control(m->content.buf + off, len))
		return error_at(m, off,
				"the version contains a control character");
	return 0;
}

/* Record a span whose bytes are the version text itself. */
static int add_text_span(struct manifest *m, size_t off, size_t len)
{
	int r = check_version_text(m, off, len);

	if (r < 0)
		return r;
	if (!m->version)
		m->version = xstrndup(m->content.buf + off, len);
	add_span(m, off, len);
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
	size_t b = bom_len(buf, len), e;
	const char *nl = memchr(buf + b, '\n', len - b);

	e = nl ? (size_t)(nl - buf) : len;
	while (b < e && is_blank_byte(buf[b]))
		b++;
	while (e > b && is_blank_byte(buf[e - 1]))
		e--;
	if (b == e)
		return error_at(m, b, "no version on the first line");
	return add_text_span(m, b, e - b);
}

/* ---- JSON ---- */

/* The values we look for: the top-level "version" and, in a lock file,
 * packages[""].version. */
enum jscan_slot { JS_TOP, JS_ROOTPKG, JS_NR };

enum jscan_pending {
	JP_NONE,
	JP_VERSION_TOP,
	JP_PACKAGES,
	JP_ROOTPKG,
	JP_VERSION_ROOTPKG,
};

struct jscan_found {
	int seen, is_string;
	size_t off, len; /* the string's bytes, or where the value starts */
};

struct jscan {
	const char *buf;
	size_t len, pos;
	int depth;
	int path; /* how far along root -> packages -> "" we are */
	int lock;
	enum jscan_pending pending;
	struct jscan_found found[JS_NR];
};

static int jscan_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The character of the escape at s[*i] (after the backslash), or -1 when
 * it is not a plain ASCII one. */
static int jscan_unescape(const char *s, size_t n, size_t *i)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p;
	int c = 0, k, d;

	if (*i >= n)
		return -1;
	if (s[*i] != 'u') {
		p = s[*i] ? strchr(from, s[*i]) : NULL;
		(*i)++;
		return p ? to[p - from] : -1;
	}
	if (n - *i < 5)
		return -1;
	for (k = 1; k <= 4; k++) {
		if ((d = ascii_hex_value(s[*i + (size_t)k])) < 0)
			return -1;
		c = c * 16 + d;
	}
	*i += 5;
	return c > 0 && c < 0x80 ? c : -1;
}

/* Whether the raw key bytes s[0..n) decode to want. */
static int jscan_key_is(const char *s, size_t n, const char *want)
{
	size_t i = 0;

	while (i < n) {
		int c = (unsigned char)s[i++];

		if (c == '\\' && (c = jscan_unescape(s, n, &i)) < 0)
			return 0;
		if (!*want || (unsigned char)*want++ != c)
			return 0;
	}
	return !*want;
}

static enum jscan_pending jscan_classify_key(const struct jscan *js,
					     const char *key, size_t n)
{
	if (js->path != js->depth)
		return JP_NONE;
	if (js->depth == 1 && jscan_key_is(key, n, "version"))
		return JP_VERSION_TOP;
	if (js->depth == 1 && js->lock && jscan_key_is(key, n, "packages"))
		return JP_PACKAGES;
	if (js->depth == 2 && jscan_key_is(key, n, ""))
		return JP_ROOTPKG;
	if (js->depth == 3 && jscan_key_is(key, n, "version"))
		return JP_VERSION_ROOTPKG;
	return JP_NONE;
}

static struct jscan_found *jscan_pending_slot(struct jscan *js)
{
	if (js->pending == JP_VERSION_TOP)
		return &js->found[JS_TOP];
	if (js->pending == JP_VERSION_ROOTPKG)
		return &js->found[JS_ROOTPKG];
	return NULL;
}

/* A value starts at js->pos: record it when it is one we want. */
static void jscan_value_at(struct jscan *js, int is_string, size_t off,
			   size_t len)
{
	struct jscan_found *f = jscan_pending_slot(js);

	js->pending = JP_NONE;
	if (!f)
		return;
	f->seen = 1;
	f->is_string = is_string;
	f->off = off;
	f->len = len;
}

static void jscan_open(struct jscan *js, int is_object)
{
	int d = js->depth;
	int follow = is_object && js->path == d &&
		     ((d == 0) || (d == 1 && js->pending == JP_PACKAGES) ||
		      (d == 2 && js->pending == JP_ROOTPKG));

	jscan_value_at(js, 0, js->pos, 0);
	js->depth++;
	if (follow)
		js->path = js->depth;
	js->pos++;
}

static void jscan_close(struct jscan *js)
{
	if (js->depth > 0) {
		if (js->path == js->depth)
			js->path--;
		js->depth--;
	}
	js->pos++;
}

static int jscan_string(struct jscan *js, const struct manifest *m)
{
	size_t start = js->pos + 1, i = start, j;
	enum jscan_pending p;

	while (i < js->len && js->buf[i] != '"')
		i += js->buf[i] == '\\' ? 2 : 1;
	if (i >= js->len)
		return error_at(m, js->pos, "unterminated string");
	js->pos = i + 1;
	for (j = js->pos; j < js->len && jscan_ws(js->buf[j]); j++)
		;
	if (j >= js->len || js->buf[j] != ':') {
		jscan_value_at(js, 1, start, i - start);
		return 0;
	}
	p = jscan_classify_key(js, js->buf + start, i - start);
	if ((p == JP_VERSION_TOP && js->found[JS_TOP].seen) ||
	    (p == JP_VERSION_ROOTPKG && js->found[JS_ROOTPKG].seen))
		return error_at(m, start - 1, "duplicate \"version\" key");
	js->pending = p;
	js->pos = j + 1;
	return 0;
}

static int jscan_delim(char c)
{
	return jscan_ws(c) || (c && strchr(",:[]{}\"", c));
}

/* A number, true, false or null: at least one byte. */
static void jscan_scalar(struct jscan *js)
{
	jscan_value_at(js, 0, js->pos, 0);
	do
		js->pos++;
	while (js->pos < js->len && !jscan_delim(js->buf[js->pos]));
}

/* Walk the (already validated) bytes once, noting where the wanted values
 * are. Only depth and the path to packages[""] are tracked. */
static int jscan_walk(struct jscan *js, const struct manifest *m)
{
	int r;

	while (js->pos < js->len) {
		char c = js->buf[js->pos];

		if (c == '{' || c == '[') {
			jscan_open(js, c == '{');
		} else if (c == '}' || c == ']') {
			jscan_close(js);
		} else if (c == '"') {
			if ((r = jscan_string(js, m)) < 0)
				return r;
		} else if (c == ',' || c == ':' || jscan_ws(c)) {
			js->pos++;
		} else {
			jscan_scalar(js);
		}
	}
	return 0;
}

/* Where the top-level value starts, for messages about it. */
static size_t jscan_top(const struct manifest *m)
{
	size_t i = bom_len(m->content.buf, m->content.len);

	while (i < m->content.len && jscan_ws(m->content.buf[i]))
		i++;
	return i;
}

static int jscan_validate(struct manifest *m, json_t **root)
{
	size_t skip = bom_len(m->content.buf, m->content.len);
	json_error_t err;

	*root = json_loadb(m->content.buf + skip, m->content.len - skip, 0,
			   &err);
	if (!*root)
		return error_set(BOSUN_EDATA, "%s:%d:%d: invalid JSON: %s",
				 manifest_name(m), err.line < 1 ? 1 : err.line,
				 err.column < 1 ? 1 : err.column, err.text);
	if (!json_is_object(*root))
		return error_at(m, jscan_top(m),
				"the top level is not an object");
	return 0;
}

static const json_t *jscan_slot_value(const json_t *root, enum jscan_slot slot)
{
	if (slot == JS_ROOTPKG)
		root = json_object_get(json_object_get(root, "packages"), "");
	return json_object_get(root, "version");
}

static int jscan_add_slot(struct manifest *m, const struct jscan_found *f,
			  const json_t *value, const char *what)
{
	int r;

	if (!f->seen)
		return 0;
	if (!f->is_string || !json_is_string(value))
		return error_at(m, f->off, "%s is not a string", what);
	if ((r = check_version_text(m, f->off, f->len)) < 0)
		return r;
	/* The text of the value, escapes decoded, is the version. */
	if (is_control(json_string_value(value), json_string_length(value)))
		return error_at(m, f->off,
				"the version contains a control character");
	if (!m->version)
		m->version = xstrdup(json_string_value(value));
	add_span(m, f->off, f->len);
	return 0;
}

static int parse_json(struct manifest *m)
{
	struct jscan js = { 0 };
	json_t *root = NULL;
	int r;

	if ((r = jscan_validate(m, &root)) < 0)
		goto out;
	js.buf = m->content.buf;
	js.len = m->content.len;
	js.pos = bom_len(js.buf, js.len);
	js.lock = m->kind == MANIFEST_PACKAGE_LOCK;
	if ((r = jscan_walk(&js, m)) < 0)
		goto out;
	if (!js.found[JS_TOP].seen && !js.found[JS_ROOTPKG].seen) {
		r = error_at(m, jscan_top(m), "no top-level \"version\"");
		goto out;
	}
	r = jscan_add_slot(m, &js.found[JS_TOP], jscan_slot_value(root, JS_TOP),
			   "\"version\"");
	if (r < 0)
		goto out;
	r = jscan_add_slot(m, &js.found[JS_ROOTPKG],
			   jscan_slot_value(root, JS_ROOTPKG),
			   "packages[\"\"].version");
out:
	json_decref(root);
	return r;
}

/* ---- TOML ---- */

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
			return error_at(ts->m, ts->err_off, "%s", ts->err);
		toml_resync(ts);
	}
	return 0;
}

static int toml_add(struct manifest *m, const struct toml_scan *ts,
		    enum toml_table t)
{
	if (!ts->ver_seen[t])
		return 0;
	return add_text_span(m, ts->ver_off[t], ts->ver_len[t]);
}

static int toml_no_version(struct manifest *m, const struct toml_scan *ts,
			   enum toml_table a, enum toml_table b)
{
	if (ts->table_seen[a])
		return error_at(m, ts->table_off[a], "no version in [%s]",
				toml_table_names[a]);
	if (ts->table_seen[b])
		return error_at(m, ts->table_off[b], "no version in [%s]",
				toml_table_names[b]);
	return error_at(m, bom_len(ts->buf, ts->len), "no [%s] or [%s] table",
			toml_table_names[a], toml_table_names[b]);
}

static int pyproject_result(struct manifest *m, const struct toml_scan *ts)
{
	int r;

	if (ts->dynamic && ts->ver_seen[TT_PROJECT])
		return error_at(m, ts->dynamic_off,
				"[project] has a version and lists "
				"\"version\" in dynamic");
	if ((r = toml_add(m, ts, TT_PROJECT)) < 0 ||
	    (r = toml_add(m, ts, TT_POETRY)) < 0)
		return r;
	if (m->nr_spans)
		return 0;
	if (ts->dynamic)
		return error_at(m, ts->dynamic_off,
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
		return error_at(m, ts->inherited_off,
				"the version is inherited from the workspace "
				"(version.workspace = true); it is set in the "
				"workspace's Cargo.toml, not here");
	return toml_no_version(m, ts, TT_PACKAGE, TT_WS_PACKAGE);
}

static int parse_toml(struct manifest *m)
{
	struct toml_scan ts = { 0 };
	int r;

	ts.m = m;
	ts.buf = m->content.buf;
	ts.len = m->content.len;
	ts.pos = bom_len(ts.buf, ts.len);
	if ((r = toml_walk(&ts)) < 0)
		return r;
	if (m->kind == MANIFEST_PYPROJECT)
		return pyproject_result(m, &ts);
	return cargo_result(m, &ts);
}

/* ---- release.files patterns ---- */

static int pattern_compile(regex_t *re, const struct manifest *m,
			   const char *pattern)
{
	char msg[256];
	int rc;

	if (!pattern)
		return error_set(BOSUN_EUSAGE, "%s: no pattern given",
				 manifest_name(m));
	/* REG_NEWLINE: '.' and '^'/'$' work per line, as in every other
	 * regex dialect people know. */
	rc = regcomp(re, pattern, REG_EXTENDED | REG_NEWLINE);
	if (rc) {
		regerror(rc, re, msg, sizeof(msg));
		return error_set(BOSUN_EDATA, "%s: invalid pattern '%s': %s",
				 manifest_name(m), pattern, msg);
	}
	if (re->re_nsub < 1) {
		regfree(re);
		return error_set(BOSUN_EDATA,
				 "%s: pattern '%s' has no group for the "
				 "version", manifest_name(m), pattern);
	}
	return 0;
}

/* Every non-overlapping match's group 1 is a span. */
static int pattern_scan(struct manifest *m, regex_t *re, const char *pattern)
{
	size_t pos = 0, len = m->content.len;
	regmatch_t pm[2];
	int r;

	while (pos <= len) {
		/* REG_STARTEND: the content may hold NUL bytes. */
		pm[0].rm_so = (regoff_t)pos;
		pm[0].rm_eo = (regoff_t)len;
		if (regexec(re, m->content.buf, 2, pm, REG_STARTEND))
			break;
		if (pm[1].rm_so < 0)
			return error_at(m, (size_t)pm[0].rm_so,
					"group 1 of pattern '%s' did not match",
					pattern);
		r = add_text_span(m, (size_t)pm[1].rm_so,
				  (size_t)(pm[1].rm_eo - pm[1].rm_so));
		if (r < 0)
			return r;
		pos = (size_t)pm[0].rm_eo + (pm[0].rm_eo == pm[0].rm_so);
	}
	if (!m->nr_spans)
		return error_at(m, 0, "no match for pattern '%s'", pattern);
	return 0;
}

static int parse_pattern(struct manifest *m, const char *pattern)
{
	regex_t re;
	int r;

	if (m->content.len > INT_MAX)
		return error_set(BOSUN_EDATA, "%s: file too large",
				 manifest_name(m));
	if ((r = pattern_compile(&re, m, pattern)) < 0)
		return r;
	r = pattern_scan(m, &re, pattern);
	regfree(&re);
	return r;
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
		r = parse_json(m);
		break;
	case MANIFEST_PYPROJECT:
	case MANIFEST_CARGO:
		r = parse_toml(m);
		break;
	case MANIFEST_PATTERN:
		r = parse_pattern(m, pattern);
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

/* ---- discover ---- */

static const struct {
	const char *name;
	enum manifest_kind kind;
} known_files[] = {
	{ "VERSION", MANIFEST_VERSION_FILE },
	{ "package.json", MANIFEST_PACKAGE_JSON },
	{ "package-lock.json", MANIFEST_PACKAGE_LOCK },
	{ "pyproject.toml", MANIFEST_PYPROJECT },
	{ "Cargo.toml", MANIFEST_CARGO },
};

static const char *skip_dot_slash(const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return path;
}

static int has_dotdot(const char *path)
{
	const char *p = path;

	for (;;) {
		if (p[0] == '.' && p[1] == '.' && (!p[2] || p[2] == '/'))
			return 1;
		if (!(p = strchr(p, '/')))
			return 0;
		p++;
	}
}

static const char *extra_field(const json_t *e, const char *key)
{
	return json_string_value(json_object_get(e, key));
}

/* The index of the release.files entry for path, or -1. */
static ssize_t extra_find(const json_t *extra, const char *path, size_t before)
{
	size_t i;

	for (i = 0; i < before && i < json_array_size(extra); i++)
		if (!strcmp(skip_dot_slash(extra_field(json_array_get(extra, i),
							"path")), path))
			return (ssize_t)i;
	return -1;
}

static int extra_check_one(const json_t *extra, size_t i)
{
	const json_t *e = json_array_get(extra, i);
	const char *path = extra_field(e, "path");

	if (!json_is_object(e) || !path || !extra_field(e, "pattern"))
		return error_set(BOSUN_EDATA, "release.files[%zu]: expected "
				 "{ path, pattern } with two strings", i);
	path = skip_dot_slash(path);
	if (!*path || *path == '/' || has_dotdot(path))
		return error_set(BOSUN_EDATA, "release.files[%zu]: '%s' is not "
				 "a path inside the repository", i, path);
	if (extra_find(extra, path, i) >= 0)
		return error_set(BOSUN_EDATA, "release.files[%zu]: '%s' is "
				 "listed twice", i, path);
	return 0;
}

/* Check the whole list before reading anything. */
static int extra_check(const json_t *extra)
{
	size_t i;
	int r;

	if (!extra || json_is_null(extra))
		return 0;
	if (!json_is_array(extra))
		return error_set(BOSUN_EDATA, "release.files: expected a list");
	for (i = 0; i < json_array_size(extra); i++)
		if ((r = extra_check_one(extra, i)) < 0)
			return r;
	return 0;
}

static struct manifest *set_append(struct manifest_set *ms,
				   enum manifest_kind kind, const char *path)
{
	struct manifest *m;

	ALLOC_GROW(ms->items, ms->nr + 1, ms->alloc);
	m = &ms->items[ms->nr++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->path = xstrdup(path);
	strbuf_init(&m->content, 0);
	strbuf_init(&m->original, 0);
	return m;
}

/* Read and parse root/path; a missing file is skipped unless required. */
static int read_one(struct manifest_set *ms, const char *path,
		    enum manifest_kind kind, const char *pattern, int required)
{
	struct strbuf full = STRBUF_INIT, data = STRBUF_INIT;
	struct manifest *m;
	int r;

	fs_path_join(&full, ms->root, path);
	r = fs_read_file(&data, full.buf, MANIFEST_MAX_SIZE);
	if (r == -BOSUN_ENOTFOUND && !required) {
		error_clear();
		r = 0;
		goto out;
	}
	if (r == -BOSUN_ENOTFOUND) {
		r = error_set(BOSUN_ENOTFOUND,
			      "'%s' (release.files) does not exist", path);
		goto out;
	}
	if (r < 0)
		goto out;
	m = set_append(ms, kind, path);
	strbuf_addbuf(&m->original, &data);
	m->content = data;
	strbuf_init(&data, 0);
	r = manifest_parse(m, pattern);
out:
	strbuf_release(&data);
	strbuf_release(&full);
	return r;
}

static int discover_known(struct manifest_set *ms, const json_t *extra)
{
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(known_files); i++) {
		/* A pattern given for a known file replaces our reader. */
		if (extra && extra_find(extra, known_files[i].name,
					json_array_size(extra)) >= 0)
			continue;
		r = read_one(ms, known_files[i].name, known_files[i].kind,
			     NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int discover_extra(struct manifest_set *ms, const json_t *extra)
{
	size_t i;
	int r;

	for (i = 0; i < json_array_size(extra); i++) {
		const json_t *e = json_array_get(extra, i);

		r = read_one(ms, skip_dot_slash(extra_field(e, "path")),
			     MANIFEST_PATTERN, extra_field(e, "pattern"), 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int manifest_discover(struct manifest_set *out, const char *root,
		      const json_t *extra_files)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	int r;

	if ((r = extra_check(extra_files)) < 0)
		return r;
	if (json_is_null(extra_files))
		extra_files = NULL;
	ms.root = xstrdup(root ? root : "");
	if ((r = discover_known(&ms, extra_files)) < 0 ||
	    (r = discover_extra(&ms, extra_files)) < 0)
		goto out;
	*out = ms;
	memset(&ms, 0, sizeof(ms));
out:
	manifest_set_release(&ms);
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

/* ---- write ---- */

static void manifest_full_path(struct strbuf *sb, const struct manifest_set *ms,
			       const struct manifest *m)
{
	strbuf_reset(sb);
	fs_path_join(sb, ms->root ? ms->root : "", m->path ? m->path : "");
}

static int lock_one(struct lockfile *lk, const char *path,
		    const struct strbuf *content)
{
	struct stat st;
	int r;

	if ((r = lock_acquire(lk, path, 0)) < 0)
		return r;
	/* Keep the file's mode: the lock is created with the default one. */
	if (!stat(path, &st) && fchmod(lk->fd, st.st_mode & 07777) < 0)
		return error_errno(BOSUN_EIO, "cannot set the mode of '%s'",
				   lk->lock_path);
	return lock_write(lk, content->buf, content->len);
}

/* A rename failed after files [0, upto) were replaced: put those back.
 * The error that got us here stays the one reported. */
static void restore_written(const struct manifest_set *ms, size_t upto)
{
	struct strbuf msg = STRBUF_INIT, path = STRBUF_INIT;
	int kind = error_kind();
	size_t i;

	strbuf_addstr(&msg, error_message());
	for (i = 0; i < upto; i++) {
		const struct manifest *m = &ms->items[i];

		if (!m->changed)
			continue;
		manifest_full_path(&path, ms, m);
		/* write_file_atomic() keeps the mode of the file in place. */
		if (write_file_atomic(path.buf, m->original.buf,
				      m->original.len, 0666) < 0)
			strbuf_addf(&msg, "; '%s' could not be put back",
				    m->path);
	}
	error_set(kind, "%s", msg.buf);
	strbuf_release(&path);
	strbuf_release(&msg);
}

/* changed and original are left as they are, so that a caller whose later
 * step fails can still put the files back. */
int manifest_write(struct manifest_set *ms)
{
	struct lockfile *locks = xcalloc(ms->nr, sizeof(*locks));
	struct strbuf path = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < ms->nr; i++)
		locks[i].fd = -1;
	for (i = 0; i < ms->nr; i++) {
		if (!ms->items[i].changed)
			continue;
		manifest_full_path(&path, ms, &ms->items[i]);
		r = lock_one(&locks[i], path.buf, &ms->items[i].content);
		if (r < 0)
			goto out;
	}
	for (i = 0; i < ms->nr; i++) {
		if (!ms->items[i].changed)
			continue;
		if ((r = lock_commit(&locks[i])) < 0) {
			restore_written(ms, i);
			goto out;
		}
	}
out:
	for (i = 0; i < ms->nr; i++)
		lock_rollback(&locks[i]);
	strbuf_release(&path);
	free(locks);
	return r;
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
	memset(ms, 0, sizeof(*ms));
}
