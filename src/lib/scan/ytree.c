/*
 * ytree.c - see ytree.h. The same approach as the configuration loader: an
 * event parser feeding a tree of our own, because libfyaml 0.7's document
 * API cannot say where a collection starts.
 */
#include "lib/scan/ytree.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/config/ydiag.h"

#include <libfyaml.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int ytree_error(const struct ytree *t, const struct ynode *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int r;

	strbuf_addf(&sb, "%s:%d:%d: ", t->name, n ? n->line : t->line ? t->line : 1,
		    n ? n->col : t->col ? t->col : 1);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	r = error_set(BOSUN_EDATA, "%s", sb.buf);
	strbuf_release(&sb);
	return r;
}

static struct ynode *add(struct ytree *t, enum ytype type)
{
	struct ynode *n = xcalloc(1, sizeof(*n)), *parent;

	n->type = type;
	n->line = t->line;
	n->col = t->col;
	ALLOC_GROW(t->all, t->nr + 1, t->alloc);
	t->all[t->nr++] = n;
	if (!t->depth) {
		if (!t->root)
			t->root = n;
		return n;
	}
	parent = t->open[t->depth - 1];
	ALLOC_GROW(parent->kids, parent->nr + 1, parent->alloc);
	parent->kids[parent->nr++] = n;
	return n;
}

static void open_node(struct ytree *t, enum ytype type)
{
	struct ynode *n = add(t, type);

	ALLOC_GROW(t->open, t->depth + 1, t->open_alloc);
	t->open[t->depth++] = n;
}

static int scalar(struct ytree *t, struct fy_event *ev)
{
	struct fy_token *tok = ev->scalar.value;
	const char *text = "";
	size_t len = 0;
	struct ynode *n;

	if (tok && !(text = fy_token_get_text(tok, &len))) {
		text = "";
		len = 0;
	}
	if (memchr(text, '\0', len))
		return ytree_error(t, NULL, "NUL characters are not allowed");
	n = add(t, Y_SCALAR);
	n->plain = !tok || fy_token_scalar_style(tok) == FYSS_PLAIN;
	n->text = xstrndup(text, len);
	n->len = len;
	return 0;
}

static int event(struct ytree *t, struct fy_event *ev)
{
	const struct fy_mark *m = fy_event_start_mark(ev);

	if (m) {
		t->line = m->line + 1;
		t->col = m->column + 1;
	}
	switch (ev->type) {
	case FYET_DOCUMENT_START:
		if (t->docs++)
			return ytree_error(t, NULL, "only one YAML document is allowed");
		return 0;
	case FYET_MAPPING_START:
		open_node(t, Y_MAP);
		return 0;
	case FYET_SEQUENCE_START:
		open_node(t, Y_SEQ);
		return 0;
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

static int diag_error(struct ytree *t, struct fy_diag *diag)
{
	struct fy_diag_error *e;
	void *it = NULL;

	while ((e = fy_diag_errors_iterate(diag, &it)))
		if (e->type >= FYET_ERROR && e->msg) {
			t->line = e->line;
			t->col = e->column;
			return ytree_error(t, NULL, "%s", e->msg);
		}
	return ytree_error(t, NULL, "invalid YAML");
}

/* Valid UTF-8 and no NUL, checked first: libfyaml 0.7 loops forever on some
 * invalid input ("%\xff"). Also refuses a single-quoted "''''", which that
 * version garbles. */
static int check_text(struct ytree *t, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, n, k;

	t->line = 1;
	t->col = 1;
	while (i < len) {
		if (!p[i])
			return ytree_error(t, NULL, "NUL characters are not allowed");
		n = p[i] < 0x80 ? 1 : p[i] >= 0xc2 && p[i] <= 0xdf ? 2 :
		    p[i] >= 0xe0 && p[i] <= 0xef ? 3 : p[i] >= 0xf0 && p[i] <= 0xf4 ? 4 : 0;
		for (k = 1; n && k < n; k++)
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				n = 0;
		if (n == 3 && ((p[i] == 0xe0 && p[i + 1] < 0xa0) ||
			       (p[i] == 0xed && p[i + 1] > 0x9f)))
			n = 0;
		if (n == 4 && ((p[i] == 0xf0 && p[i + 1] < 0x90) ||
			       (p[i] == 0xf4 && p[i + 1] > 0x8f)))
			n = 0;
		if (!n)
			return ytree_error(t, NULL, "not valid UTF-8");
		if (p[i] == '\'' && i + 3 < len && !memcmp(p + i, "''''", 4))
			return ytree_error(t, NULL, "write \"''''\" in double quotes");
		if (p[i] == '\n') {
			t->line++;
			t->col = 0;
		}
		t->col++;
		i += n;
	}
	t->line = t->col = 0;
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
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	pcfg.diag = ydiag_quiet();
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
	return n->type == Y_SCALAR && n->plain &&
	       (!n->len || !strcmp(n->text, "~") || !strcmp(n->text, "null") ||
		!strcmp(n->text, "Null") || !strcmp(n->text, "NULL"));
}
