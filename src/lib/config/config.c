/*
 * config.c - load bosun's layered configuration (see config.h).
 *
 * YAML is read through libfyaml's event parser into a small tree of our own
 * that remembers where every node starts: libfyaml 0.7's document API has no
 * public way to ask where a mapping or a sequence begins, and every message
 * about a bad value must point at it. The tree is then checked against
 * config_schema and turned into jansson values in their normalised shape.
 *
 * Nothing here prints: libfyaml's diagnostics are collected, not written to
 * stderr, and the first one becomes the recorded error.
 */
#include "lib/config/config.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/opts.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "lib/config/ydiag.h"

#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* bosun.yml is written by people; anything larger is a mistake. */
#define CONFIG_FILE_CAP (1024 * 1024)
#define STEP_TIMEOUT_MS 600000LL
/* Deeper than any configuration needs; see ydoc_open(). */
#define YAML_DEPTH_MAX 64
/* Limits on version patterns, which regcomp() can take ages over (below). */
#define PATTERN_LEN_MAX 512
#define PATTERN_BOUND_MAX 255LL
#define PATTERN_COPIES_MAX 400LL
#define PATTERN_SIZE_MAX 10000LL

/* ---- the schema ---------------------------------------------------------- */

static int schema_find(const char *key)
{
	int i;

	for (i = 0; config_schema[i].key; i++)
		if (!strcmp(config_schema[i].key, key))
			return i;
	return -1;
}

/* Whether path names a group of keys ("release") rather than a key. */
static int is_section(const char *path)
{
	size_t len = strlen(path);
	int i;

	for (i = 0; config_schema[i].key; i++)
		if (!strncmp(config_schema[i].key, path, len) &&
		    config_schema[i].key[len] == '.')
			return 1;
	return 0;
}

/* The key or section closest to path, appended to sb; 0 when none is close. */
static int suggest_key(struct strbuf *sb, const char *path)
{
	char **cands = NULL;
	size_t nr = 0, alloc = 0, i;
	const char *best, *key, *dot;

	for (i = 0; (key = config_schema[i].key); i++) {
		for (dot = strchr(key, '.'); dot; dot = strchr(dot + 1, '.')) {
			ALLOC_GROW(cands, nr + 1, alloc);
			cands[nr++] = xstrndup(key, (size_t)(dot - key));
		}
		ALLOC_GROW(cands, nr + 1, alloc);
		cands[nr++] = xstrdup(key);
	}
	ALLOC_GROW(cands, nr + 1, alloc);
	cands[nr] = NULL;
	best = opts_suggest(path, (const char *const *)cands);
	if (best)
		strbuf_addstr(sb, best);
	for (i = 0; i < nr; i++)
		free(cands[i]);
	free(cands);
	return sb->len > 0;
}

/* ---- a YAML tree that knows where its nodes are -------------------------- */

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	int line, col;		/* 1-based */
	int plain;		/* unquoted: may mean null, a bool, a number */
	char *text;		/* a scalar's text, NUL-terminated, no NUL inside */
	size_t len;
	struct ynode **kids;	/* items; a mapping's keys and values alternate */
	size_t nr, alloc;
};

struct ydoc {
	struct ynode *root;	/* NULL for an empty stream */
	struct ynode **all;	/* every node, so that freeing needs no recursion */
	size_t nr, alloc;
	struct ynode **open;	/* collections being filled while parsing */
	size_t depth, open_alloc;
	int line, col;		/* the last position the parser reported */
	int docs;
	const char *input;	/* the text being parsed */
	size_t input_len;
};

/* Where text came from, for messages. */
struct src {
	const char *name;	/* "bosun.yml", a path as given, or "BOSUN_X" */
	int env;		/* a variable's value: no line:col in messages */
};

__attribute__((format(printf, 4, 0)))
static int vsrc_error(const struct src *s, int line, int col,
		      const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (s->env || line <= 0)
		strbuf_addf(&sb, "%s: ", s->name);
	else
		strbuf_addf(&sb, "%s:%d:%d: ", s->name, line, col);
	strbuf_vaddf(&sb, fmt, ap);
	r = error_set(BOSUN_EDATA, "%s", sb.buf);
	strbuf_release(&sb);
	return r;
}

__attribute__((format(printf, 4, 5)))
static int src_error(const struct src *s, int line, int col, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsrc_error(s, line, col, fmt, ap);
	va_end(ap);
	return r;
}

/* Record "FILE:LINE:COL: message" for node n; returns -BOSUN_EDATA. */
__attribute__((format(printf, 3, 4)))
static int yerr(const struct src *s, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsrc_error(s, n->line, n->col, fmt, ap);
	va_end(ap);
	return r;
}

static struct ynode *ydoc_add(struct ydoc *d, enum ytype type)
{
	struct ynode *n = xcalloc(1, sizeof(*n)), *parent;

	n->type = type;
	n->line = d->line;
	n->col = d->col;
	ALLOC_GROW(d->all, d->nr + 1, d->alloc);
	d->all[d->nr++] = n;
	if (!d->depth) {
		d->root = n;
		return n;
	}
	parent = d->open[d->depth - 1];
	ALLOC_GROW(parent->kids, parent->nr + 1, parent->alloc);
	parent->kids[parent->nr++] = n;
	return n;
}

/* Converting a value walks it recursively and names every level in its
 * messages ("x[0][0]..."), so depth is bounded here, once for all types. */
static int ydoc_open(struct ydoc *d, const struct src *s, enum ytype type)
{
	struct ynode *n;

	if (d->depth >= YAML_DEPTH_MAX)
		return src_error(s, d->line, d->col, "nested more than %d "
				 "levels deep", YAML_DEPTH_MAX);
	n = ydoc_add(d, type);
	ALLOC_GROW(d->open, d->depth + 1, d->open_alloc);
	d->open[d->depth++] = n;
	return 0;
}

/*
 * libfyaml before 0.9.5 garbles a single-quoted scalar with two escaped
 * quotes in a row ('a''''b' reads as "a'''"), and leaks memory doing it
 * (fixed upstream by commits c0a716e and 0af6061). Such a scalar is read
 * from the input instead: on one line, "''" -> "'" is all there is to it.
 * Returns 1 when sb holds the text, 0 when libfyaml can be trusted.
 */
static int quoted_quotes(const struct ydoc *d, const struct src *s,
			 struct fy_event *ev, struct strbuf *sb)
{
	const struct fy_mark *a = fy_event_start_mark(ev);
	const struct fy_mark *b = fy_event_end_mark(ev);
	const char *p, *end;
	size_t len;

	if (fy_token_scalar_style(ev->scalar.value) != FYSS_SINGLE_QUOTED ||
	    !a || !b || a->input_pos > b->input_pos || b->input_pos > d->input_len)
		return 0;
	p = d->input + a->input_pos;
	end = d->input + b->input_pos;
	len = (size_t)(end - p);
	if (!memmem(p, len, "''''", 4))
		return 0;
	if (memchr(p, '\n', len) || memchr(p, '\r', len))
		return src_error(s, d->line, d->col, "a single-quoted string "
				 "with '''' must be on one line (or use double "
				 "quotes)");
	for (; p < end; p++) {
		strbuf_addch(sb, *p);
		if (*p == '\'')
			p++;
	}
	return 1;
}

/* An empty value ("key:") has no token: it is a plain, empty scalar. */
static int ydoc_scalar(struct ydoc *d, const struct src *s, struct fy_event *ev)
{
	struct fy_token *tok = ev->scalar.value;
	struct strbuf own = STRBUF_INIT;
	const char *text = "";
	size_t len = 0;
	struct ynode *n;
	int r = 0;

	if (tok && (r = quoted_quotes(d, s, ev, &own)) > 0) {
		text = own.buf;
		len = own.len;
	} else if (tok && !r && !(text = fy_token_get_text(tok, &len))) {
		text = "";
		len = 0;
	}
	if (r >= 0 && memchr(text, '\0', len))
		r = src_error(s, d->line, d->col, "NUL characters are not allowed");
	if (r < 0)
		goto out;
	n = ydoc_add(d, Y_SCALAR);
	n->plain = !tok || fy_token_scalar_style(tok) == FYSS_PLAIN;
	n->text = xstrndup(text, len);
	n->len = len;
out:
	strbuf_release(&own);
	return r < 0 ? r : 0;
}

static int ydoc_event(struct ydoc *d, const struct src *s, struct fy_event *ev)
{
	const struct fy_mark *m = fy_event_start_mark(ev);

	if (m) {
		d->line = m->line + 1;
		d->col = m->column + 1;
	}
	switch (ev->type) {
	case FYET_DOCUMENT_START:
		if (d->docs++)
			return src_error(s, d->line, d->col,
					 "only one YAML document is allowed");
		return 0;
	case FYET_MAPPING_START:
		return ydoc_open(d, s, Y_MAP);
	case FYET_SEQUENCE_START:
		return ydoc_open(d, s, Y_SEQ);
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END:
		if (d->depth)
			d->depth--;
		return 0;
	case FYET_SCALAR:
		return ydoc_scalar(d, s, ev);
	case FYET_ALIAS:
		return src_error(s, d->line, d->col,
				 "aliases (*name) are not supported");
	default:
		return 0;
	}
}

static int diag_error(const struct src *s, struct fy_diag *diag,
		      const struct ydoc *d)
{
	struct fy_diag_error *e;
	void *it = NULL;

	while ((e = fy_diag_errors_iterate(diag, &it)))
		if (e->type >= FYET_ERROR && e->msg)
			return src_error(s, e->line, e->column, "%s", e->msg);
	return src_error(s, d->line, d->col, "invalid YAML");
}

/* A YAML stream is Unicode text. Checking first also keeps libfyaml 0.7.12
 * away from input it loops forever on ("%\xff"). */
static int check_text(const struct src *s, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	int line = 1, col = 1;
	size_t i, n;

	for (i = 0; i < len; i += n, col++) {
		if (!p[i])
			return src_error(s, line, col,
					 "NUL characters are not allowed");
		if (!(n = utf8_seq_len(p + i, len - i)))
			return src_error(s, line, col, "not valid UTF-8");
		if (p[i] == '\n') {
			line++;
			col = 0;
		}
	}
	return 0;
}

static int ydoc_parse(struct ydoc *d, const struct src *s,
		      const char *text, size_t len)
{
	struct fy_parse_cfg pcfg = { 0 };
	struct fy_parser *p = NULL;
	struct fy_event *ev;
	int r;

	if ((r = check_text(s, text, len)) < 0)
		return r;
	d->input = text;
	d->input_len = len;
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	pcfg.diag = ydiag_quiet();
	if (pcfg.diag)
		p = fy_parser_create(&pcfg);
	if (!p || fy_parser_set_string(p, text, len)) {
		r = error_set(BOSUN_EINTERNAL, "cannot set up the YAML parser");
		goto out;
	}
	while (r >= 0 && (ev = fy_parser_parse(p))) {
		r = ydoc_event(d, s, ev);
		fy_parser_event_free(p, ev);
	}
	if (r >= 0 && fy_parser_get_stream_error(p))
		r = diag_error(s, pcfg.diag, d);
out:
	if (p)
		fy_parser_destroy(p);
	if (pcfg.diag)
		fy_diag_destroy(pcfg.diag);
	return r;
}

static void ydoc_release(struct ydoc *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		free(d->all[i]->text);
		free(d->all[i]->kids);
		free(d->all[i]);
	}
	free(d->all);
	free(d->open);
	memset(d, 0, sizeof(*d));
}

/* ---- scalars ------------------------------------------------------------- */

static int is_null(const struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (n->type != Y_SCALAR || !n->plain)
		return 0;
	for (i = 0; i < ARRAY_SIZE(nulls); i++)
		if (!strcmp(n->text, nulls[i]))
			return 1;
	return 0;
}

static int is_string(const struct ynode *n)
{
	return n->type == Y_SCALAR && !is_null(n);
}

/* How a value looks in a message: "'maybe'", "a list", "empty". */
static const char *describe(struct strbuf *sb, const struct ynode *n)
{
	if (n->type == Y_SEQ)
		return "a list";
	if (n->type == Y_MAP)
		return "a mapping";
	if (is_null(n))
		return n->len ? "null" : "empty";
	strbuf_addch(sb, '\'');
	if (n->len > 40)
		strbuf_addf(sb, "%.37s...", n->text);
	else
		strbuf_addstr(sb, n->text);
	strbuf_addch(sb, '\'');
	return sb->buf;
}

static int type_err(const struct src *s, const char *path,
		    const struct ynode *n, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	r = yerr(s, n, "'%s' must be %s, not %s", path, what, describe(&sb, n));
	strbuf_release(&sb);
	return r;
}

static int parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int duration_unit(const char **p, long long *mult)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(units); i++) {
		len = strlen(units[i].unit);
		if (!strncmp(*p, units[i].unit, len)) {
			*p += len;
			*mult = units[i].ms;
			return 0;
		}
	}
	return -1;
}

/* "90s", "10m", "1h30m", "250ms", or a bare number of seconds, into ms
 * (at most INT_MAX). */
static int parse_duration(const char *s, long long *out)
{
	int bare = *s && !s[strspn(s, "0123456789")];
	const char *p = s;
	long long total = 0, n, mult = 1000;

	if (!*p)
		return -1;
	while (*p) {
		if (*p < '0' || *p > '9')
			return -1;
		for (n = 0; *p >= '0' && *p <= '9'; p++) {
			if (n > (LLONG_MAX - 9) / 10)
				return -1;
			n = n * 10 + (*p - '0');
		}
		if (!bare && duration_unit(&p, &mult) < 0)
			return -1;
		if (n > (LLONG_MAX - total) / mult)
			return -1;
		total += n * mult;
	}
	/* Callers keep milliseconds in an int; 24 days is plenty. */
	if (total > INT_MAX)
		return -1;
	*out = total;
	return 0;
}

/* Digits without a leading zero; returns the end, or NULL. */
static const char *semver_num(const char *p)
{
	const char *start = p;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == start || (*start == '0' && p - start > 1))
		return NULL;
	return p;
}

/* Dot-separated identifiers of [0-9A-Za-z-]; returns the end, or NULL. */
static const char *semver_ids(const char *p)
{
	const char *start;

	for (;;) {
		start = p;
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
		if (p == start)
			return NULL;
		if (*p != '.')
			return p;
		p++;
	}
}

/* A light check of MAJOR.MINOR.PATCH[-PRE][+BUILD]. */
static int semver_ok(const char *s)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (i && *s++ != '.')
			return 0;
		if (!(s = semver_num(s)))
			return 0;
	}
	if (*s == '-' && !(s = semver_ids(s + 1)))
		return 0;
	if (*s == '+' && !(s = semver_ids(s + 1)))
		return 0;
	return !*s;
}

/* ---- checks on particular keys ------------------------------------------ */

static int check_version(const json_t *v, struct strbuf *why)
{
	const char *s = json_string_value(v);

	if (semver_ok(s))
		return 0;
	strbuf_addf(why, "must be a version like 1.2.3, not '%s'", s);
	return -1;
}

static int check_tag(const json_t *v, struct strbuf *why)
{
	const char *s = json_string_value(v);

	if (strstr(s, "{version}"))
		return 0;
	strbuf_addf(why, "must contain '{version}', not '%s'", s);
	return -1;
}

static int check_level(const json_t *v, struct strbuf *why)
{
	static const char *const levels[] = { "debug", "info", "warn", "error" };
	const char *s = json_string_value(v);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(levels); i++)
		if (!strcmp(s, levels[i]))
			return 0;
	strbuf_addf(why, "must be one of debug, info, warn or error, not '%s'", s);
	return -1;
}

static int check_not_negative(const json_t *v, struct strbuf *why)
{
	if (json_integer_value(v) >= 0)
		return 0;
	strbuf_addf(why, "must not be negative, not %lld",
		    (long long)json_integer_value(v));
	return -1;
}

static const struct {
	const char *key;
	int (*check)(const json_t *v, struct strbuf *why);
} key_checks[] = {
	{ "release.tag", check_tag },
	{ "release.initial", check_version },
	{ "commit.header_max", check_not_negative },
	{ "log.level", check_level },
};

/* 0, or -1 with "must be ..., not ..." in why. */
static int check_value(int idx, const json_t *v, struct strbuf *why)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(key_checks); i++)
		if (!strcmp(key_checks[i].key, config_schema[idx].key))
			return key_checks[i].check(v, why);
	if (config_schema[idx].check)
		return config_schema[idx].check(v, why);
	return 0;
}

/* ---- converting YAML values to their normalised JSON shape --------------- */

typedef int (*conv_fn)(const struct src *s, const char *path,
		       const struct ynode *n, json_t **out);

static int make_string(const struct src *s, const char *path,
		       const struct ynode *n, json_t **out)
{
	*out = json_stringn(n->text, n->len);
	if (!*out)
		return yerr(s, n, "'%s' is not valid UTF-8", path);
	return 0;
}

static int conv_string(const struct src *s, const char *path,
		       const struct ynode *n, json_t **out)
{
	if (!is_string(n))
		return type_err(s, path, n, "a string");
	return make_string(s, path, n, out);
}

static int conv_string_or_null(const struct src *s, const char *path,
			       const struct ynode *n, json_t **out)
{
	if (is_null(n)) {
		*out = json_null();
		return 0;
	}
	return conv_string(s, path, n, out);
}

static int conv_bool(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	size_t i;

	for (i = 0; n->type == Y_SCALAR && n->plain && i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(n->text, yes[i]) || !strcmp(n->text, no[i])) {
			*out = json_boolean(!strcmp(n->text, yes[i]));
			return 0;
		}
	}
	return type_err(s, path, n, "a boolean (true or false)");
}

static int conv_int(const struct src *s, const char *path,
		    const struct ynode *n, json_t **out)
{
	long long v;

	if (n->type != Y_SCALAR || !n->plain || parse_ll(n->text, &v) < 0)
		return type_err(s, path, n, "an integer");
	*out = json_integer(v);
	return 0;
}

static int conv_duration(const struct src *s, const char *path,
			 const struct ynode *n, json_t **out)
{
	long long ms;

	if (!is_string(n) || parse_duration(n->text, &ms) < 0)
		return type_err(s, path, n,
				"a duration (seconds, or like 90s, 10m, 1h)");
	*out = json_integer(ms);
	return 0;
}

/* A sequence, each item converted by conv as "path[i]". */
static int conv_items(const struct src *s, const char *path,
		      const struct ynode *n, conv_fn conv, json_t *arr)
{
	struct strbuf sub = STRBUF_INIT;
	json_t *item;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i < n->nr; i++) {
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s[%zu]", path, i);
		r = conv(s, sub.buf, n->kids[i], &item);
		if (r >= 0)
			json_array_append_new(arr, item);
	}
	strbuf_release(&sub);
	return r;
}

/* Null is an empty list; anything else must be a sequence. */
static int conv_list(const struct src *s, const char *path,
		     const struct ynode *n, conv_fn conv, const char *what,
		     json_t **out)
{
	json_t *arr;
	int r;

	if (!is_null(n) && n->type != Y_SEQ)
		return type_err(s, path, n, what);
	arr = json_array();
	r = n->type == Y_SEQ ? conv_items(s, path, n, conv, arr) : 0;
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

/* A list of strings; one string is a list of one. */
static int conv_strlist(const struct src *s, const char *path,
			const struct ynode *n, json_t **out)
{
	json_t *str;
	int r;

	if (!is_string(n))
		return conv_list(s, path, n, conv_string, "a list of strings", out);
	if ((r = make_string(s, path, n, &str)) < 0)
		return r;
	*out = json_pack("[o]", str);
	return 0;
}

/* A command: a list of strings, or one string run by "sh -c". "Nothing"
 * (null, "", []) is json null when allow_none, else an error. */
static int argv_from(const struct src *s, const char *path,
		     const struct ynode *n, int allow_none, json_t **out)
{
	const char *what = "a command (a string or a list of strings)";
	json_t *v = NULL;
	int r;

	if (is_string(n))
		r = n->len ? make_string(s, path, n, &v) : 0;
	else if (n->type == Y_SEQ || is_null(n))
		r = conv_list(s, path, n, conv_string, what, &v);
	else
		return type_err(s, path, n, what);
	if (r < 0)
		return r;
	if (json_is_string(v))
		v = json_pack("[sso]", "sh", "-c", v);
	if (!v || !json_array_size(v)) {
		json_decref(v);
		if (!allow_none)
			return yerr(s, n, "'%s' must not be empty", path);
		v = json_null();
	}
	*out = v;
	return 0;
}

static int conv_argv(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	return argv_from(s, path, n, 1, out);
}

static int conv_run(const struct src *s, const char *path,
		    const struct ynode *n, json_t **out)
{
	return argv_from(s, path, n, 0, out);
}

/* Whether key i of map (a string) repeats an earlier key. Callers stop at
 * the first key they do not know, so the earlier keys are few. */
static int dup_key(const struct ynode *map, size_t i)
{
	size_t j;

	for (j = 0; j < i; j += 2)
		if (!strcmp(map->kids[j]->text, map->kids[i]->text))
			return 1;
	return 0;
}

static int conv_strmap_pairs(const struct src *s, const char *path,
			     const struct ynode *n, json_t *obj)
{
	struct strbuf sub = STRBUF_INIT;
	const struct ynode *k, *v;
	json_t *val;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i + 1 < n->nr; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (!is_string(k))
			r = yerr(s, k, "keys of '%s' must be strings", path);
		else if (json_object_get(obj, k->text))
			r = yerr(s, k, "duplicate key '%s' in '%s'", k->text, path);
		if (r < 0)
			break;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s.%s", path, k->text);
		if ((r = conv_string(s, sub.buf, v, &val)) < 0)
			break;
		if (json_object_set_new(obj, k->text, val) < 0)
			r = yerr(s, k, "'%s' is not valid UTF-8", sub.buf);
	}
	strbuf_release(&sub);
	return r;
}

static int conv_strmap(const struct src *s, const char *path,
		       const struct ynode *n, json_t **out)
{
	json_t *obj;
	int r = 0;

	if (!is_null(n) && n->type != Y_MAP)
		return type_err(s, path, n, "a mapping of names to strings");
	obj = json_object();
	if (n->type == Y_MAP)
		r = conv_strmap_pairs(s, path, n, obj);
	if (r < 0) {
		json_decref(obj);
		return r;
	}
	*out = obj;
	return 0;
}

/* The keys an object in a list (a step, a file, a section) may have. */
struct field {
	const char *name;
	conv_fn conv;
	int required;
};

static const struct field *find_field(const struct field *f, const char *name)
{
	for (; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static int unknown_field(const struct src *s, const char *path,
			 const struct ynode *k, const struct field *fields)
{
	const char *cands[16];
	const char *best;
	size_t nr = 0;

	for (; fields->name && nr + 1 < ARRAY_SIZE(cands); fields++)
		cands[nr++] = fields->name;
	cands[nr] = NULL;
	best = opts_suggest(k->text, cands);
	if (best)
		return yerr(s, k, "unknown key '%s' in '%s' (did you mean '%s'?)",
			    k->text, path, best);
	return yerr(s, k, "unknown key '%s' in '%s'", k->text, path);
}

static int conv_field(const struct src *s, const char *path,
		      const struct ynode *k, const struct ynode *v,
		      const struct field *fields, json_t *obj)
{
	struct strbuf sub = STRBUF_INIT;
	const struct field *f = find_field(fields, k->text);
	json_t *val;
	int r;

	if (!f)
		return unknown_field(s, path, k, fields);
	strbuf_addf(&sub, "%s.%s", path, f->name);
	r = f->conv(s, sub.buf, v, &val);
	if (r >= 0)
		json_object_set_new(obj, f->name, val);
	strbuf_release(&sub);
	return r;
}

/* Fill obj from mapping n, whose keys must be among fields. */
static int conv_fields(const struct src *s, const char *path,
		       const struct ynode *n, const struct field *fields,
		       json_t *obj)
{
	const struct field *f;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i + 1 < n->nr; i += 2) {
		const struct ynode *k = n->kids[i];

		if (!is_string(k))
			r = yerr(s, k, "keys of '%s' must be strings", path);
		else if (dup_key(n, i))
			r = yerr(s, k, "duplicate key '%s' in '%s'", k->text, path);
		else
			r = conv_field(s, path, k, n->kids[i + 1], fields, obj);
	}
	for (f = fields; r >= 0 && f->name; f++)
		if (f->required && !json_object_get(obj, f->name))
			r = yerr(s, n, "'%s' needs a '%s'", path, f->name);
	return r;
}

static int conv_object(const struct src *s, const char *path,
		       const struct ynode *n, const struct field *fields,
		       const char *what, json_t **out)
{
	json_t *obj;
	int r;

	if (n->type != Y_MAP)
		return type_err(s, path, n, what);
	obj = json_object();
	if ((r = conv_fields(s, path, n, fields, obj)) < 0) {
		json_decref(obj);
		return r;
	}
	*out = obj;
	return 0;
}

static const struct field step_fields[] = {
	{ "name", conv_string, 0 },
	{ "run", conv_run, 1 },
	{ "env", conv_strmap, 0 },
	{ "timeout", conv_duration, 0 },
	{ "dir", conv_string_or_null, 0 },
	{ NULL, NULL, 0 },
};

/* A step without a name is named after its command. */
static json_t *step_name(const json_t *run)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, nr = json_array_size(run);
	json_t *name;

	if (nr == 3 && !strcmp(json_string_value(json_array_get(run, 0)), "sh") &&
	    !strcmp(json_string_value(json_array_get(run, 1)), "-c"))
		return json_incref(json_array_get(run, 2));
	for (i = 0; i < nr; i++) {
		if (i)
			strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, json_string_value(json_array_get(run, i)));
	}
	name = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return name;
}

static void step_defaults(json_t *step)
{
	if (!json_object_get(step, "name"))
		json_object_set_new(step, "name",
				    step_name(json_object_get(step, "run")));
	if (!json_object_get(step, "env"))
		json_object_set_new(step, "env", json_object());
	if (!json_object_get(step, "timeout"))
		json_object_set_new(step, "timeout", json_integer(STEP_TIMEOUT_MS));
	if (!json_object_get(step, "dir"))
		json_object_set_new(step, "dir", json_null());
}

/* A step is a mapping with "run", or just a command string. */
static int conv_step(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	json_t *run;
	int r;

	if (is_string(n)) {
		if ((r = conv_run(s, path, n, &run)) < 0)
			return r;
		*out = json_pack("{so}", "run", run);
	} else if ((r = conv_object(s, path, n, step_fields,
				    "a step (a command, or a mapping with 'run')",
				    out)) < 0) {
		return r;
	}
	step_defaults(*out);
	return 0;
}

static int conv_steps(const struct src *s, const char *path,
		      const struct ynode *n, json_t **out)
{
	return conv_list(s, path, n, conv_step, "a list of steps", out);
}

/*
 * glibc's regcomp() takes exponential time and memory over some patterns:
 * it copies a subexpression for each '+' and {n,m}, and computes closures
 * over nested optional repetitions ("a+++++++++++++" or "((a?)?b?){31,}"
 * take seconds to minutes). A version pattern needs none of that, so before
 * regcomp() sees a pattern it must be short, repeat nothing that is itself
 * repeated more than one level up, and keep its bounds small.
 */
struct re_scan {
	const char *p;
	long long size;		/* atoms, each counted once per copy */
	int bad;
};

/* Past a bracket expression at p (just after its '['). */
static const char *re_bracket(const char *p)
{
	char close;

	p += *p == '^';
	p += *p == ']';
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			close = p[1];
			for (p += 2; *p && !(p[0] == close && p[1] == ']'); p++)
				;
			p += *p ? 2 : 0;
		} else {
			p++;
		}
	}
	return *p ? p + 1 : p;
}

/* Past the atom at p: a group, a bracket expression, an escape or a char. */
static const char *re_skip_atom(const char *p)
{
	int open = 0;

	do {
		if (*p == '[')
			p = re_bracket(p + 1);
		else if (*p == '\\' && p[1])
			p += 2;
		else
			open += (*p == '(') - (*p == ')' && open), p++;
	} while (open && *p);
	return p;
}

/* One quantifier at *p; *bound is how many copies it may make. */
static int re_quantifier(const char **p, long long *bound)
{
	long long n = 0;

	if (**p == '*' || **p == '?' || **p == '+') {
		(*p)++;
		*bound = 2;
		return 1;
	}
	if (**p != '{' || !((*p)[1] == ',' || ((*p)[1] >= '0' && (*p)[1] <= '9')))
		return 0;
	for (*bound = 1, (*p)++; (**p >= '0' && **p <= '9') || **p == ','; (*p)++) {
		n = **p == ',' ? 0 : n * 10 + (**p - '0');
		if (n > *bound)
			*bound = n > PATTERN_BOUND_MAX ? PATTERN_BOUND_MAX + 1 : n;
	}
	*p += **p == '}';
	return 1;
}

static void re_alt(struct re_scan *rs, int depth, long long copies);

/* An atom and its quantifier; depth quantifiers apply to it from outside,
 * which together make copies of it. */
static void re_piece(struct re_scan *rs, int depth, long long copies)
{
	const char *atom = rs->p, *q = re_skip_atom(atom);
	long long bound = 1, again;

	if (re_quantifier(&q, &bound)) {
		depth++;
		copies *= bound;
		if (re_quantifier(&q, &again))
			rs->bad = 1;	/* "a+*": a repetition of a repetition */
	}
	rs->size += copies;
	if (depth > 2 || bound > PATTERN_BOUND_MAX ||
	    copies > PATTERN_COPIES_MAX || rs->size > PATTERN_SIZE_MAX)
		rs->bad = 1;
	if (*atom == '(' && !rs->bad) {
		rs->p = atom + 1;
		re_alt(rs, depth, copies);
	}
	rs->p = q;
}

static void re_alt(struct re_scan *rs, int depth, long long copies)
{
	while (*rs->p && *rs->p != ')' && !rs->bad) {
		if (*rs->p == '|')
			rs->p++;
		else
			re_piece(rs, depth, copies);
	}
}

static int pattern_too_big(const char *p)
{
	struct re_scan rs = { p, 0, strlen(p) > PATTERN_LEN_MAX };

	/* A stray ')' is regcomp()'s to judge; keep measuring after it. */
	while (*rs.p && !rs.bad) {
		re_alt(&rs, 0, 1);
		rs.p += *rs.p == ')';
	}
	return rs.bad;
}

static int check_pattern(const struct src *s, const char *path,
			 const struct ynode *n)
{
	char msg[160];
	regex_t re;
	int rc, r = 0;

	if (pattern_too_big(n->text))
		return yerr(s, n, "'%s' is too complex a regular expression",
			    path);
	rc = regcomp(&re, n->text, REG_EXTENDED);
	if (rc) {
		regerror(rc, &re, msg, sizeof(msg));
		return yerr(s, n, "'%s' is not a valid regular expression: %s",
			    path, msg);
	}
	if (re.re_nsub < 1)
		r = yerr(s, n, "'%s' must have a group, '(...)', around "
			 "the version", path);
	regfree(&re);
	return r;
}

static int conv_pattern(const struct src *s, const char *path,
			const struct ynode *n, json_t **out)
{
	int r;

	if (is_string(n) && (r = check_pattern(s, path, n)) < 0)
		return r;
	return conv_string(s, path, n, out);
}

static const struct field file_fields[] = {
	{ "path", conv_string, 1 },
	{ "pattern", conv_pattern, 1 },
	{ NULL, NULL, 0 },
};

static int conv_file(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	return conv_object(s, path, n, file_fields,
			   "a mapping with 'path' and 'pattern'", out);
}

static int conv_files(const struct src *s, const char *path,
		      const struct ynode *n, json_t **out)
{
	return conv_list(s, path, n, conv_file, "a list of files", out);
}

static const struct field section_fields[] = {
	{ "type", conv_string, 1 },
	{ "title", conv_string, 1 },
	{ NULL, NULL, 0 },
};

static int conv_section(const struct src *s, const char *path,
			const struct ynode *n, json_t **out)
{
	return conv_object(s, path, n, section_fields,
			   "a mapping with 'type' and 'title'", out);
}

/* The mapping form "feat: Features", in the order written. */
static int conv_section_map(const struct src *s, const char *path,
			    const struct ynode *n, json_t **out)
{
	json_t *titles, *arr;
	void *it;
	int r;

	if ((r = conv_strmap(s, path, n, &titles)) < 0)
		return r;
	arr = json_array();
	for (it = json_object_iter(titles); it;
	     it = json_object_iter_next(titles, it))
		json_array_append_new(arr, json_pack("{sssO}",
			"type", json_object_iter_key(it),
			"title", json_object_iter_value(it)));
	json_decref(titles);
	*out = arr;
	return 0;
}

static int conv_sections(const struct src *s, const char *path,
			 const struct ynode *n, json_t **out)
{
	if (n->type == Y_MAP)
		return conv_section_map(s, path, n, out);
	return conv_list(s, path, n, conv_section,
			 "a list of {type, title}, or a mapping of type to title",
			 out);
}

/* Any value: sequences are arrays, mappings objects; a plain scalar that
 * reads as null, a boolean or an integer is that, anything else a string. */
static int conv_json(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	struct strbuf sub = STRBUF_INIT;
	long long ll;
	size_t i;
	int r = 0;

	if (n->type == Y_SCALAR) {
		if (is_null(n))
			*out = json_null();
		else if (n->plain && (!strcmp(n->text, "true") || !strcmp(n->text, "false")))
			*out = json_boolean(!strcmp(n->text, "true"));
		else if (n->plain && parse_ll(n->text, &ll) == 0)
			*out = json_integer(ll);
		else
			*out = json_string(n->text);
		return 0;
	}
	*out = n->type == Y_SEQ ? json_array() : json_object();
	for (i = 0; r >= 0 && i < n->nr; i += n->type == Y_SEQ ? 1 : 2) {
		json_t *item;

		strbuf_reset(&sub);
		if (n->type == Y_SEQ)
			strbuf_addf(&sub, "%s[%zu]", path, i);
		else if (!is_string(n->kids[i]))
			r = type_err(s, path, n->kids[i], "a mapping with string keys");
		else
			strbuf_addf(&sub, "%s.%s", path, n->kids[i]->text);
		if (r >= 0)
			r = conv_json(s, sub.buf, n->kids[n->type == Y_SEQ ? i : i + 1], &item);
		if (r >= 0 && n->type == Y_SEQ)
			json_array_append_new(*out, item);
		else if (r >= 0)
			json_object_set_new(*out, n->kids[i]->text, item);
	}
	strbuf_release(&sub);
	if (r < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

static conv_fn type_conv(enum config_type type)
{
	switch (type) {
	case CFG_STRING: return conv_string;
	case CFG_BOOL: return conv_bool;
	case CFG_INT: return conv_int;
	case CFG_DURATION: return conv_duration;
	case CFG_STRLIST: return conv_strlist;
	case CFG_ARGV: return conv_argv;
	case CFG_STRMAP: return conv_strmap;
	case CFG_STEPS: return conv_steps;
	case CFG_FILES: return conv_files;
	case CFG_SECTIONS: return conv_sections;
	case CFG_JSON: return conv_json;
	}
	return conv_string;
}

/* ---- the configuration --------------------------------------------------- */

struct config_entry {
	json_t *value;		/* NULL until a layer or the default sets it */
	char *origin;		/* NULL means "default" */
	const char **list;	/* CFG_STRLIST: the strings, NULL-terminated */
	size_t list_nr;
};

struct config {
	size_t nr;
	struct config_entry *e;
	unsigned char *seen;	/* keys the layer being read has set */
};

static struct config *config_new(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	while (config_schema[cfg->nr].key)
		cfg->nr++;
	cfg->e = xcalloc(cfg->nr, sizeof(*cfg->e));
	cfg->seen = xcalloc(cfg->nr, 1);
	return cfg;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nr; i++) {
		json_decref(cfg->e[i].value);
		free(cfg->e[i].origin);
		free(cfg->e[i].list);
	}
	free(cfg->e);
	free(cfg->seen);
	free(cfg);
}

static int load_default(struct config *cfg, int idx)
{
	json_t *v = json_loads(config_schema[idx].def, JSON_DECODE_ANY, NULL);

	if (!v)
		return error_set(BOSUN_EINTERNAL, "bad default for '%s'",
				 config_schema[idx].key);
	cfg->e[idx].value = v;
	return 0;
}

/* Set key idx to v (stolen) from origin (stolen). A mapping is merged into
 * the one below it, key by key; anything else replaces it. */
static int set_value(struct config *cfg, int idx, json_t *v, char *origin)
{
	struct config_entry *e = &cfg->e[idx];
	int r = 0;

	if (config_schema[idx].type == CFG_STRMAP) {
		if (!e->value)
			r = load_default(cfg, idx);
		if (r >= 0)
			json_object_update(e->value, v);
		json_decref(v);
	} else {
		json_decref(e->value);
		e->value = v;
	}
	free(e->origin);
	e->origin = origin;
	return r;
}

static char *xstrfmt_origin(const struct src *s, const struct ynode *k)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s:%d:%d", s->name, k->line, k->col);
	return strbuf_detach(&sb, NULL);
}

/* One schema key from a file: k is its key node, v its value. */
static int set_from_yaml(struct config *cfg, const struct src *s, int idx,
			 const struct ynode *k, const struct ynode *v)
{
	const struct config_key *ck = &config_schema[idx];
	struct strbuf why = STRBUF_INIT;
	json_t *val = NULL;
	int r;

	if (cfg->seen[idx])
		return yerr(s, k, "duplicate key '%s'", ck->key);
	cfg->seen[idx] = 1;
	if ((r = type_conv(ck->type)(s, ck->key, v, &val)) < 0)
		goto out;
	if (check_value(idx, val, &why) < 0) {
		r = yerr(s, v, "'%s' %s", ck->key, why.buf);
		goto out;
	}
	r = set_value(cfg, idx, val, xstrfmt_origin(s, k));
	val = NULL;
out:
	json_decref(val);
	strbuf_release(&why);
	return r;
}

static int walk_map(struct config *cfg, const struct src *s,
		    const struct ynode *map, const char *prefix);

static int unknown_key(const struct src *s, const struct ynode *k,
		       const char *path)
{
	struct strbuf hint = STRBUF_INIT;
	int r;

	if (suggest_key(&hint, path))
		r = yerr(s, k, "unknown key '%s' (did you mean '%s'?)",
			 path, hint.buf);
	else
		r = yerr(s, k, "unknown key '%s'", path);
	strbuf_release(&hint);
	return r;
}

/* Pair i of map, whose key is path: a key, a section, or a mistake. */
static int walk_pair(struct config *cfg, const struct src *s,
		     const struct ynode *map, size_t i, const char *path)
{
	const struct ynode *k = map->kids[i], *v = map->kids[i + 1];
	int idx = schema_find(path);

	if (idx >= 0)
		return set_from_yaml(cfg, s, idx, k, v);
	if (!is_section(path))
		return unknown_key(s, k, path);
	if (v->type == Y_MAP)
		return walk_map(cfg, s, v, path);
	if (is_null(v))
		return 0;
	return type_err(s, path, v, "a mapping");
}

/* Sections nest only as deep as the schema's keys, so this recursion is
 * bounded by the schema, not by the input. */
static int walk_map(struct config *cfg, const struct src *s,
		    const struct ynode *map, const char *prefix)
{
	struct strbuf path = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i + 1 < map->nr; i += 2) {
		const struct ynode *k = map->kids[i];

		if (!is_string(k)) {
			r = yerr(s, k, "keys must be strings, not %s",
				 describe(&path, k));
			break;
		}
		strbuf_reset(&path);
		if (*prefix)
			strbuf_addf(&path, "%s.", prefix);
		strbuf_addstr(&path, k->text);
		if (dup_key(map, i))
			r = yerr(s, k, "duplicate key '%s'", path.buf);
		else
			r = walk_pair(cfg, s, map, i, path.buf);
	}
	strbuf_release(&path);
	return r;
}

static int layer_text(struct config *cfg, const char *name,
		      const char *text, size_t len)
{
	const struct src s = { name, 0 };
	struct ydoc d = { 0 };
	struct strbuf sb = STRBUF_INIT;
	int r;

	memset(cfg->seen, 0, cfg->nr);
	r = ydoc_parse(&d, &s, text, len);
	if (r < 0 || !d.root || is_null(d.root))
		goto out;
	if (d.root->type != Y_MAP)
		r = yerr(&s, d.root, "the top level must be a mapping, not %s",
			 describe(&sb, d.root));
	else
		r = walk_map(cfg, &s, d.root, "");
out:
	strbuf_release(&sb);
	ydoc_release(&d);
	return r;
}

/* A file that does not exist is an empty layer. */
static int layer_file(struct config *cfg, const char *path, const char *name)
{
	struct strbuf text = STRBUF_INIT;
	int r;

	r = fs_read_file(&text, path, CONFIG_FILE_CAP);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
	} else if (r >= 0) {
		r = layer_text(cfg, name, text.buf, text.len);
	}
	strbuf_release(&text);
	return r;
}

/* ---- environment variables ---------------------------------------------- */

/* Whether name (len bytes, after "BOSUN_") is key upper-cased, '.' as '_'. */
static int env_name_is(const char *key, const char *name, size_t len)
{
	size_t i;
	int c;

	for (i = 0; i < len; i++) {
		if (!key[i])
			return 0;
		c = key[i] == '.' ? '_' : toupper((unsigned char)key[i]);
		if (c != name[i])
			return 0;
	}
	return !key[len];
}

static int env_find(const char *name, size_t len)
{
	int i;

	for (i = 0; config_schema[i].key; i++)
		if (env_name_is(config_schema[i].key, name, len))
			return i;
	return -1;
}

static int env_string(const char *var, const char *text, json_t **out)
{
	*out = json_string(text);
	if (!*out)
		return error_set(BOSUN_EDATA, "%s: is not valid UTF-8", var);
	return 0;
}

static int env_bool(const char *var, const char *text, json_t **out)
{
	static const char *const yes[] = { "1", "true", "yes" };
	static const char *const no[] = { "0", "false", "no" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(text, yes[i]) || !strcasecmp(text, no[i])) {
			*out = json_boolean(!strcasecmp(text, yes[i]));
			return 0;
		}
	}
	return error_set(BOSUN_EDATA, "%s: must be a boolean, not '%s'", var, text);
}

static int env_int(const char *var, const char *text, json_t **out)
{
	long long v;

	if (parse_ll(text, &v) < 0)
		return error_set(BOSUN_EDATA, "%s: must be an integer, not '%s'",
				 var, text);
	*out = json_integer(v);
	return 0;
}

static int env_duration(const char *var, const char *text, json_t **out)
{
	long long ms;

	if (parse_duration(text, &ms) < 0)
		return error_set(BOSUN_EDATA, "%s: must be a duration "
				 "(seconds, or like 90s, 10m, 1h), not '%s'",
				 var, text);
	*out = json_integer(ms);
	return 0;
}

/* The next comma-separated item of *p, trimmed, into sb; 0 at the end. */
static int env_next_item(const char **p, struct strbuf *sb)
{
	const char *comma;

	if (!**p)
		return 0;
	comma = strchrnul(*p, ',');
	strbuf_reset(sb);
	strbuf_add(sb, *p, (size_t)(comma - *p));
	strbuf_trim(sb);
	*p = *comma ? comma + 1 : comma;
	return 1;
}

static int env_list(const char *var, const char *text, json_t **out)
{
	struct strbuf item = STRBUF_INIT;
	json_t *arr = json_array(), *str;
	int r = 0;

	while (r >= 0 && env_next_item(&text, &item)) {
		if (!item.len)
			continue;
		if ((r = env_string(var, item.buf, &str)) >= 0)
			json_array_append_new(arr, str);
	}
	strbuf_release(&item);
	if (r < 0)
		json_decref(arr);
	else
		*out = arr;
	return r;
}

/* "alpha=alpha,rc=next" */
static int env_map(const char *var, const char *text, json_t **out)
{
	struct strbuf item = STRBUF_INIT;
	json_t *obj = json_object(), *str;
	const char *value;
	char *eq;
	int r = 0;

	while (r >= 0 && env_next_item(&text, &item)) {
		if (!item.len)
			continue;
		eq = strchr(item.buf, '=');
		if (!eq || eq == item.buf) {
			r = error_set(BOSUN_EDATA, "%s: '%s' is not NAME=VALUE",
				      var, item.buf);
			break;
		}
		/* "a = b" is a and b. */
		value = eq + 1 + strspn(eq + 1, " \t");
		strbuf_setlen(&item, (size_t)(eq - item.buf));
		strbuf_rtrim(&item);
		if ((r = env_string(var, value, &str)) >= 0 &&
		    json_object_set_new(obj, item.buf, str) < 0)
			r = error_set(BOSUN_EDATA, "%s: is not valid UTF-8", var);
	}
	strbuf_release(&item);
	if (r < 0)
		json_decref(obj);
	else
		*out = obj;
	return r;
}

static int env_argv(const char *var, const char *text, json_t **out)
{
	json_t *str;
	int r;

	if (!text[strspn(text, " \t\n")]) {
		*out = json_null();
		return 0;
	}
	if ((r = env_string(var, text, &str)) < 0)
		return r;
	*out = json_pack("[sso]", "sh", "-c", str);
	return 0;
}

/* Structured values (steps, files, sections, JSON) are YAML or JSON text;
 * an empty one is an empty list (null for JSON). */
static int env_yaml(const char *var, int idx, const char *text, json_t **out)
{
	const struct src s = { var, 1 };
	struct ydoc d = { 0 };
	int r;

	r = ydoc_parse(&d, &s, text, strlen(text));
	if (r >= 0 && !d.root)
		*out = config_schema[idx].type == CFG_JSON ? json_null()
							   : json_array();
	else if (r >= 0)
		r = type_conv(config_schema[idx].type)(&s, config_schema[idx].key,
						       d.root, out);
	ydoc_release(&d);
	return r;
}

static int env_convert(const char *var, int idx, const char *text, json_t **out)
{
	switch (config_schema[idx].type) {
	case CFG_STRING: return env_string(var, text, out);
	case CFG_BOOL: return env_bool(var, text, out);
	case CFG_INT: return env_int(var, text, out);
	case CFG_DURATION: return env_duration(var, text, out);
	case CFG_STRLIST: return env_list(var, text, out);
	case CFG_ARGV: return env_argv(var, text, out);
	case CFG_STRMAP: return env_map(var, text, out);
	default: return env_yaml(var, idx, text, out);
	}
}

/* One "BOSUN_X=value" entry whose name is a key's. */
static int env_apply(struct config *cfg, int idx, const char *entry,
		     size_t name_len)
{
	struct strbuf var = STRBUF_INIT, why = STRBUF_INIT;
	json_t *val = NULL;
	int r;

	strbuf_add(&var, entry, name_len);
	if ((r = env_convert(var.buf, idx, entry + name_len + 1, &val)) < 0)
		goto out;
	if (check_value(idx, val, &why) < 0) {
		r = error_set(BOSUN_EDATA, "%s: %s", var.buf, why.buf);
		goto out;
	}
	strbuf_insert(&var, 0, "env ", 4);
	r = set_value(cfg, idx, val, strbuf_detach(&var, NULL));
	val = NULL;
out:
	json_decref(val);
	strbuf_release(&why);
	strbuf_release(&var);
	return r;
}

/* BOSUN_* variables that are not keys (BOSUN_HOME, BOSUN_LOG...) are not
 * ours to judge. */
static int layer_env(struct config *cfg, const char *const *envp)
{
	const char *eq;
	int idx, r = 0;

	for (; envp && *envp && r >= 0; envp++) {
		if (strncmp(*envp, "BOSUN_", 6) || !(eq = strchr(*envp, '=')))
			continue;
		idx = env_find(*envp + 6, (size_t)(eq - *envp - 6));
		if (idx >= 0)
			r = env_apply(cfg, idx, *envp, (size_t)(eq - *envp));
	}
	return r;
}

/* ---- loading ------------------------------------------------------------- */

static void build_list(struct config_entry *e)
{
	size_t i;

	e->list_nr = json_array_size(e->value);
	e->list = xcalloc(e->list_nr + 1, sizeof(*e->list));
	for (i = 0; i < e->list_nr; i++)
		e->list[i] = json_string_value(json_array_get(e->value, i));
}

/* Defaults for what no layer set; string lists for config_strlist(). */
static int config_finish(struct config *cfg)
{
	size_t i;
	int r;

	for (i = 0; i < cfg->nr; i++) {
		if (!cfg->e[i].value && (r = load_default(cfg, (int)i)) < 0)
			return r;
		if (config_schema[i].type == CFG_STRLIST)
			build_list(&cfg->e[i]);
	}
	return 0;
}

/* The user file as people write it: "~/.config/bosun/config.yml". */
static void user_file_name(struct strbuf *sb, const char *path)
{
	const char *home = getenv("HOME");
	size_t len = home ? strlen(home) : 0;

	if (len > 1 && !strncmp(path, home, len) && path[len] == '/')
		strbuf_addf(sb, "~%s", path + len);
	else
		strbuf_addstr(sb, path);
}

static int load(struct config **out, const char *user_file,
		const char *user_name, const char *repo_file,
		const char *repo_name, const char *const *envp)
{
	struct config *cfg = config_new();
	int r = 0;

	if (user_file)
		r = layer_file(cfg, user_file, user_name);
	if (r >= 0 && repo_file)
		r = layer_file(cfg, repo_file, repo_name);
	if (r >= 0)
		r = layer_env(cfg, envp);
	if (r >= 0)
		r = config_finish(cfg);
	if (r < 0) {
		config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

int config_load(struct config **out, const char *repo_root)
{
	struct strbuf user = STRBUF_INIT, user_name = STRBUF_INIT;
	struct strbuf repo = STRBUF_INIT;
	int r;

	fs_user_dir(&user, "config");
	strbuf_addstr(&user, "/config.yml");
	user_file_name(&user_name, user.buf);
	if (repo_root)
		fs_path_join(&repo, repo_root, "bosun.yml");
	r = load(out, user.buf, user_name.buf, repo_root ? repo.buf : NULL,
		 "bosun.yml", (const char *const *)environ);
	strbuf_release(&repo);
	strbuf_release(&user_name);
	strbuf_release(&user);
	return r;
}

int config_load_from(struct config **out, const char *user_file,
		     const char *repo_file, const char *const *envp)
{
	return load(out, user_file, user_file, repo_file, repo_file, envp);
}

int config_load_from_string(struct config **out, const char *name,
			    const char *yaml, size_t len)
{
	struct config *cfg = config_new();
	int r;

	r = layer_text(cfg, name, yaml, len);
	if (r >= 0)
		r = config_finish(cfg);
	if (r < 0) {
		config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

/* ---- reading values ------------------------------------------------------ */

static const struct config_entry *entry(const struct config *cfg,
					const char *key)
{
	int i = cfg && key ? schema_find(key) : -1;

	return i < 0 ? NULL : &cfg->e[i];
}

json_t *config_get(const struct config *cfg, const char *key)
{
	const struct config_entry *e = entry(cfg, key);

	return e ? e->value : NULL;
}

const char *config_str(const struct config *cfg, const char *key)
{
	return json_string_value(config_get(cfg, key));
}

int config_bool(const struct config *cfg, const char *key)
{
	return json_is_true(config_get(cfg, key));
}

long long config_int(const struct config *cfg, const char *key)
{
	return (long long)json_integer_value(config_get(cfg, key));
}

const char **config_strlist(const struct config *cfg, const char *key,
			    size_t *nr)
{
	const struct config_entry *e = entry(cfg, key);

	if (nr)
		*nr = e && e->list ? e->list_nr : 0;
	return e ? e->list : NULL;
}

const char *config_origin(const struct config *cfg, const char *key)
{
	const struct config_entry *e = entry(cfg, key);

	if (!e)
		return NULL;
	return e->origin ? e->origin : "default";
}

json_t *config_dump(const struct config *cfg)
{
	json_t *all = json_object();
	size_t i;

	for (i = 0; cfg && i < cfg->nr; i++)
		json_object_set_new(all, config_schema[i].key,
			json_pack("{s:o,s:s}",
				  "value", json_deep_copy(cfg->e[i].value),
				  "origin", cfg->e[i].origin ? cfg->e[i].origin
							     : "default"));
	return all;
}
