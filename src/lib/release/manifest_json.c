/*
 * manifest_json.c - the version in package.json and package-lock.json. The
 * text is validated with jansson first and then walked by a tiny byte
 * scanner that knows only where keys are, so the version's bytes are found
 * without re-serialising anything.
 */
#include "lib/release/manifest.h"
#include "lib/release/internal.h"

#include "core/alloc.h"
#include "core/ascii.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

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
		return mf_error_at(m, js->pos, "unterminated string");
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
		return mf_error_at(m, start - 1, "duplicate \"version\" key");
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
	size_t i = mf_bom_len(m->content.buf, m->content.len);

	while (i < m->content.len && jscan_ws(m->content.buf[i]))
		i++;
	return i;
}

static int jscan_validate(struct manifest *m, json_t **root)
{
	size_t skip = mf_bom_len(m->content.buf, m->content.len);
	json_error_t err;

	*root = json_loadb(m->content.buf + skip, m->content.len - skip, 0,
			   &err);
	if (!*root)
		return error_set(BOSUN_EDATA, "%s:%d:%d: invalid JSON: %s",
				 mf_name(m), err.line < 1 ? 1 : err.line,
				 err.column < 1 ? 1 : err.column, err.text);
	if (!json_is_object(*root))
		return mf_error_at(m, jscan_top(m),
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
		return mf_error_at(m, f->off, "%s is not a string", what);
	if ((r = mf_check_version_text(m, f->off, f->len)) < 0)
		return r;
	/* The text of the value, escapes decoded, is the version. */
	if (mf_is_control(json_string_value(value), json_string_length(value)))
		return mf_error_at(m, f->off,
				"the version contains a control character");
	if (!m->version)
		m->version = xstrdup(json_string_value(value));
	mf_add_span(m, f->off, f->len);
	return 0;
}

int mf_parse_json(struct manifest *m)
{
	struct jscan js = { 0 };
	json_t *root = NULL;
	int r;

	if ((r = jscan_validate(m, &root)) < 0)
		goto out;
	js.buf = m->content.buf;
	js.len = m->content.len;
	js.pos = mf_bom_len(js.buf, js.len);
	js.lock = m->kind == MANIFEST_PACKAGE_LOCK;
	if ((r = jscan_walk(&js, m)) < 0)
		goto out;
	if (!js.found[JS_TOP].seen && !js.found[JS_ROOTPKG].seen) {
		r = mf_error_at(m, jscan_top(m), "no top-level \"version\"");
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
