/*
 * ytree.c - see ytree.h.
 */
#include "lib/yaml/ytree.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/utf8.h"

#include <libfyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 4, 0)))
static int verror_at(const struct ytree *t, int line, int col,
		     const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (t->no_pos)
		strbuf_addf(&sb, "%s: ", t->name);
	else
		strbuf_addf(&sb, "%s:%d:%d: ", t->name, line > 0 ? line : 1,
			    col > 0 ? col : 1);
	strbuf_vaddf(&sb, fmt, ap);
	r = error_set(BOSUN_EDATA, "%s", sb.buf);
	strbuf_release(&sb);
	return r;
}

__attribute__((format(printf, 4, 5)))
static int error_at(const struct ytree *t, int line, int col, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = verror_at(t, line, col, fmt, ap);
	va_end(ap);
	return r;
}

int ytree_error(const struct ytree *t, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = verror_at(t, n ? n->line : t->line, n ? n->col : t->col, fmt, ap);
	va_end(ap);
	return r;
}

/* ------------------------------------------------------------ building */

static struct ynode *add(struct ytree *t, enum ytype type)
{
	struct ynode *n = xcalloc(1, sizeof(*n)), *parent;

	n->type = type;
	n->line = t->line;
	n->col = t->col;
	ALLOC_GROW(t->all, t->nr + 1, t->alloc);
	t->all[t->nr++] = n;
	if (!t->depth) {
		t->root = n;
		return n;
	}
	parent = t->open[t->depth - 1];
	ALLOC_GROW(parent->kids, parent->nr + 1, parent->alloc);
	parent->kids[parent->nr++] = n;
	return n;
}

/* Whoever walks the tree may recurse, so depth is bounded here, once. */
static int open_node(struct ytree *t, enum ytype type)
{
	int max = t->depth_max > 0 ? t->depth_max : YTREE_DEPTH_MAX;
	struct ynode *n;

	if (t->depth >= (size_t)max)
		return ytree_error(t, NULL, "nested more than %d levels deep", max);
	n = add(t, type);
	ALLOC_GROW(t->open, t->depth + 1, t->open_alloc);
	t->open[t->depth++] = n;
	return 0;
}

/*
 * libfyaml before 0.9.5 garbles a single-quoted scalar with two escaped
 * quotes in a row ('a''''b' reads as "a'''"), and leaks memory doing it
 * (fixed upstream by commits c0a716e and 0af6061). Such a scalar is read
 * from the input instead: on one line, "''" -> "'" is all there is to it.
 * Returns 1 when sb holds the text, 0 when libfyaml can be trusted.
 */
static int quoted_quotes(const struct ytree *t, struct fy_event *ev,
			 struct strbuf *sb)
{
	const struct fy_mark *a = fy_event_start_mark(ev);
	const struct fy_mark *b = fy_event_end_mark(ev);
	const char *p, *end;
	size_t len;

	if (fy_token_scalar_style(ev->scalar.value) != FYSS_SINGLE_QUOTED ||
	    !a || !b || a->input_pos > b->input_pos || b->input_pos > t->input_len)
		return 0;
	p = t->input + a->input_pos;
	end = t->input + b->input_pos;
	len = (size_t)(end - p);
	if (!memmem(p, len, "''''", 4))
		return 0;
	if (memchr(p, '\n', len) || memchr(p, '\r', len))
		return ytree_error(t, NULL, "a single-quoted string with '''' "
				   "must be on one line (or use double quotes)");
	for (; p < end; p++) {
		strbuf_addch(sb, *p);
		if (*p == '\'')
			p++;
	}
	return 1;
}

/* An empty value ("key:") has no token: it is a plain, empty scalar. */
static int scalar(struct ytree *t, struct fy_event *ev)
{
	struct fy_token *tok = ev->scalar.value;
	struct strbuf own = STRBUF_INIT;
	const char *text = "";
	size_t len = 0;
	struct ynode *n;
	int r = 0;

	if (tok && (r = quoted_quotes(t, ev, &own)) > 0) {
		text = own.buf;
		len = own.len;
	} else if (tok && !r && !(text = fy_token_get_text(tok, &len))) {
		text = "";
		len = 0;
	}
	if (r >= 0 && memchr(text, '\0', len))
		r = ytree_error(t, NULL, "NUL characters are not allowed");
	if (r < 0)
		goto out;
	n = add(t, Y_SCALAR);
	n->plain = !tok || fy_token_scalar_style(tok) == FYSS_PLAIN;
	n->text = xstrndup(text, len);
	n->len = len;
out:
	strbuf_release(&own);
	return r < 0 ? r : 0;
}

static int event(struct ytree *t, struct fy_event *ev)
{
	const struct fy_mark *m = fy_event_start_mark(ev);

	if (m) {
		t->line = m->line + 1 + t->line_offset;
		t->col = m->column + 1;
	}
	switch (ev->type) {
	case FYET_DOCUMENT_START:
		if (t->docs++)
			return ytree_error(t, NULL, "only one YAML document is allowed");
		return 0;
	case FYET_MAPPING_START:
		return open_node(t, Y_MAP);
	case FYET_SEQUENCE_START:
		return open_node(t, Y_SEQ);
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END:
		if (t->depth)
			t->depth--;
		return 0;
	case FYET_SCALAR:
		return scalar(t, ev);
	case FYET_ALIAS:
		return ytree_error(t, NULL, "aliases (*name) are not supported");
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ parsing */

static void discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

/* A diagnostic object that collects errors and never writes to stderr. */
static struct fy_diag *quiet_diag(void)
{
	struct fy_diag_cfg dc;
	struct fy_diag *diag;

	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.output_fn = discard;
	dc.user = NULL;
	dc.level = FYET_ERROR;
	dc.colorize = false;
	diag = fy_diag_create(&dc);
	if (diag)
		fy_diag_set_collect_errors(diag, true);
	return diag;
}

static int diag_error(const struct ytree *t, struct fy_diag *diag)
{
	struct fy_diag_error *e;
	void *it = NULL;

	while ((e = fy_diag_errors_iterate(diag, &it)))
		if (e->type >= FYET_ERROR && e->msg)
			return error_at(t, e->line + t->line_offset, e->column,
					"%s", e->msg);
	return ytree_error(t, NULL, "invalid YAML");
}

/* A line break as libfyaml counts them: LF, CR, and NEL, LS, PS. */
static size_t line_break(const unsigned char *p, size_t len)
{
	if (p[0] == '\n' || p[0] == '\r')
		return 1;
	if (len >= 2 && p[0] == 0xc2 && p[1] == 0x85)
		return 2;
	if (len >= 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return 3;
	return 0;
}

/* Whether the '?' at p[i] may be an explicit key's indicator: a blank or
 * a line start before it, a blank, a line break or the end after it. */
static int key_indicator(const unsigned char *p, size_t i, size_t len, int blank_before)
{
	return p[i] == '?' && blank_before &&
	       (i + 1 == len || p[i + 1] == ' ' || p[i + 1] == '\t' ||
		line_break(p + i + 1, len - i - 1));
}

/*
 * A YAML stream is Unicode text. Checking first also keeps libfyaml 0.7.12
 * away from input it loops forever on ("%\xff"), and from input it crashes
 * on: a tab before an indicator after a key inside an explicit key ("? a:\t:")
 * corrupts its indentation stack, and fy_parser_destroy() then faults. No
 * document bosun reads needs an explicit key, so a document with a tab and a
 * '?' that may be an explicit key's is refused here, at the '?'.
 */
static int check_text(const struct ytree *t, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	int line = 1 + t->line_offset, col = 1, key_line = 0, key_col = 0;
	int tab = 0, blank = 1;
	size_t i, n;

	for (i = 0; i < len; i += n, col++) {
		if (!p[i])
			return error_at(t, line, col, "NUL characters are not allowed");
		if (!(n = utf8_seq_len(p + i, len - i)))
			return error_at(t, line, col, "not valid UTF-8");
		if (!key_line && key_indicator(p, i, len, blank)) {
			key_line = line;
			key_col = col;
		}
		if (p[i] == '\t')
			tab = 1;
		if (p[i] == '\n') {
			line++;
			col = 0;
		}
		blank = p[i] == ' ' || p[i] == '\t' || line_break(p + i, len - i) ||
			(!i && n == 3 && !memcmp(p, "\xef\xbb\xbf", 3));
	}
	if (key_line && tab)
		return error_at(t, key_line, key_col, "an explicit key ('? ') "
				"cannot be used in a document with tabs; "
				"write 'key: value' or indent with spaces");
	return 0;
}

int ytree_parse(struct ytree *t, const char *name, const char *text, size_t len)
{
	struct fy_parse_cfg pcfg = { 0 };
	struct fy_parser *p = NULL;
	struct fy_event *ev;
	int r;

	t->name = name;
	if ((r = check_text(t, text, len)) < 0)
		return r;
	t->input = text;
	t->input_len = len;
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	pcfg.diag = quiet_diag();
	if (pcfg.diag)
		p = fy_parser_create(&pcfg);
	if (!p || fy_parser_set_string(p, text, len)) {
		r = error_set(BOSUN_EINTERNAL, "cannot set up the YAML parser");
		goto out;
	}
	while (r >= 0 && (ev = fy_parser_parse(p))) {
		r = event(t, ev);
		fy_parser_event_free(p, ev);
	}
	if (r >= 0 && fy_parser_get_stream_error(p))
		r = diag_error(t, pcfg.diag);
out:
	if (p)
		fy_parser_destroy(p);
	if (pcfg.diag)
		fy_diag_destroy(pcfg.diag);
	t->input = NULL;
	t->input_len = 0;
	return r;
}

void ytree_release(struct ytree *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		free(t->all[i]->text);
		free(t->all[i]->kids);
		free(t->all[i]);
	}
	free(t->all);
	free(t->open);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ reading */

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->type != Y_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nr; i += 2)
		if (map->kids[i]->type == Y_SCALAR && !strcmp(map->kids[i]->text, key))
			return map->kids[i + 1];
	return NULL;
}

int ynode_is_null(const struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (n->type != Y_SCALAR || !n->plain)
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
		if (!strcmp(n->text, nulls[i]))
			return 1;
	return 0;
}
