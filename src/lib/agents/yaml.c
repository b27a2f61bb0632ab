/*
 * yaml.c - YAML in and out for agent files and templates (internal.h).
 * Reading goes through libfyaml's event parser so that every value keeps
 * its line and column for messages; writing goes through its event emitter,
 * which quotes and folds correctly where pasting strings would not.
 */
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/utf8.h"
#include "lib/config/ydiag.h"

#include <libfyaml.h>
#include <string.h>
#include <strings.h>

#define YAML_DEPTH_MAX 32

struct yframe {
	json_t *v;
	char *key;        /* mapping: the key waiting for its value */
	size_t idx;       /* sequence: the next index */
	size_t path_len;  /* length of the path of this container */
};

struct yparse {
	const char *input;
	size_t input_len;
	const char *name;
	int line_offset;
	int bools;
	json_t *root, *marks;
	struct yframe st[YAML_DEPTH_MAX];
	int depth, docs;
	struct strbuf path;
};

int agent_utf8_check(const char *text, size_t len, int *line, int *col)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i, n;

	*line = 1;
	*col = 1;
	for (i = 0; i < len; i += n, (*col)++) {
		if (!p[i] || !(n = utf8_seq_len(p + i, len - i)))
			return -1;
		if (p[i] == '\n') {
			(*line)++;
			*col = 0;
		}
	}
	return 0;
}

static int yerror(struct yparse *y, const struct fy_mark *m, const char *what)
{
	return error_set(BOSUN_EDATA, "%s:%d:%d: %s", y->name,
			 (m ? m->line + 1 : 1) + y->line_offset,
			 m ? m->column + 1 : 1, what);
}

static void add_mark(struct yparse *y, const struct fy_mark *m)
{
	if (y->marks && m)
		json_object_set_new(y->marks, y->path.len ? y->path.buf : "",
				    json_pack("[ii]", m->line + 1 + y->line_offset,
					      m->column + 1));
}

/* The path of the value about to be placed, into y->path. */
static void child_path(struct yparse *y)
{
	struct yframe *f;
	const char *k;

	if (!y->depth) {
		strbuf_reset(&y->path);
		return;
	}
	f = &y->st[y->depth - 1];
	strbuf_setlen(&y->path, f->path_len);
	if (json_is_array(f->v)) {
		strbuf_addf(&y->path, "/%zu", f->idx);
		return;
	}
	strbuf_addch(&y->path, '/');
	for (k = f->key; *k; k++) {
		if (*k == '~')
			strbuf_addstr(&y->path, "~0");
		else if (*k == '/')
			strbuf_addstr(&y->path, "~1");
		else
			strbuf_addch(&y->path, *k);
	}
}

/* Place v (stolen) where the stack says; keys of mappings come here too. */
static int place(struct yparse *y, json_t *v, const struct fy_mark *m)
{
	struct yframe *f = y->depth ? &y->st[y->depth - 1] : NULL;

	if (!f) {
		if (y->root) {
			json_decref(v);
			return yerror(y, m, "only one document is allowed");
		}
		y->root = v;
		return 0;
	}
	if (json_is_array(f->v)) {
		json_array_append_new(f->v, v);
		f->idx++;
		return 0;
	}
	if (!f->key) {
		if (!json_is_string(v)) {
			json_decref(v);
			return yerror(y, m, "keys must be plain strings");
		}
		if (json_object_get(f->v, json_string_value(v))) {
			json_decref(v);
			return yerror(y, m, "duplicate key");
		}
		f->key = xstrdup(json_string_value(v));
		json_decref(v);
		return 0;
	}
	json_object_set_new(f->v, f->key, v);
	free(f->key);
	f->key = NULL;
	return 0;
}

/*
 * libfyaml before 0.9.5 misreads a single-quoted scalar holding two escaped
 * quotes in a row ('a''''b') and leaks memory doing it. Such a scalar is
 * read from the input instead (on one line, "''" is "'"). Returns 1 when
 * sb holds the text, 0 when libfyaml's reading can be used, or an error.
 */
static int single_quoted(struct yparse *y, struct fy_event *ev, struct strbuf *sb)
{
	const struct fy_mark *a = fy_event_start_mark(ev);
	const struct fy_mark *b = fy_event_end_mark(ev);
	const char *p, *end;

	if (!ev->scalar.value ||
	    fy_token_scalar_style(ev->scalar.value) != FYSS_SINGLE_QUOTED ||
	    !a || !b || a->input_pos > b->input_pos || b->input_pos > y->input_len)
		return 0;
	p = y->input + a->input_pos;
	end = y->input + b->input_pos;
	if (!memmem(p, (size_t)(end - p), "''''", 4))
		return 0;
	if (memchr(p, '\n', (size_t)(end - p)) || memchr(p, '\r', (size_t)(end - p)))
		return yerror(y, a, "a single-quoted string with '''' must be on "
			      "one line (or use double quotes)");
	for (; p < end; p++) {
		strbuf_addch(sb, *p);
		if (*p == '\'')
			p++;
	}
	return 1;
}

static int scalar(struct yparse *y, struct fy_event *ev)
{
	const struct fy_mark *m = fy_event_start_mark(ev);
	struct fy_token *tok = ev->scalar.value;
	struct strbuf own = STRBUF_INIT;
	const char *text = "";
	size_t len = 0;
	json_t *v;
	int is_key = y->depth && json_is_object(y->st[y->depth - 1].v) &&
		     !y->st[y->depth - 1].key;
	int r = single_quoted(y, ev, &own);

	if (r < 0)
		return r;
	if (r) {
		text = own.buf;
		len = own.len;
	} else if (tok && !(text = fy_token_get_text(tok, &len))) {
		return yerror(y, m, "cannot read a scalar");
	}
	if (memchr(text, '\0', len)) {
		strbuf_release(&own);
		return yerror(y, m, "NUL characters are not allowed");
	}
	if (!is_key) {
		child_path(y);
		add_mark(y, m);
	}
	if (y->bools && !is_key && tok && fy_token_scalar_style(tok) == FYSS_PLAIN &&
	    (!strncmp(text, "true", len) || !strncmp(text, "false", len)) &&
	    (len == 4 || len == 5))
		v = json_boolean(len == 4);
	else
		v = json_stringn(text, len);
	strbuf_release(&own);
	if (!v)
		return yerror(y, m, "not valid UTF-8");
	return place(y, v, m);
}

static int open_container(struct yparse *y, struct fy_event *ev, json_t *v)
{
	const struct fy_mark *m = fy_event_start_mark(ev);
	struct yframe *f;

	if (y->depth && json_is_object(y->st[y->depth - 1].v) &&
	    !y->st[y->depth - 1].key) {
		json_decref(v);
		return yerror(y, m, "keys must be plain strings");
	}
	if (y->depth == YAML_DEPTH_MAX) {
		json_decref(v);
		return yerror(y, m, "nested too deeply");
	}
	child_path(y);
	add_mark(y, m);
	f = &y->st[y->depth++];
	f->v = v;
	f->key = NULL;
	f->idx = 0;
	f->path_len = y->path.len;
	return 0;
}

static int close_container(struct yparse *y, struct fy_event *ev)
{
	struct yframe *f = &y->st[--y->depth];
	json_t *v = f->v;

	free(f->key);
	f->key = NULL;
	f->v = NULL;
	return place(y, v, fy_event_start_mark(ev));
}

static int on_event(struct yparse *y, struct fy_event *ev)
{
	switch (ev->type) {
	case FYET_DOCUMENT_START:
		if (y->docs++)
			return yerror(y, fy_event_start_mark(ev),
				      "only one document is allowed");
		return 0;
	case FYET_SCALAR:
		return scalar(y, ev);
	case FYET_MAPPING_START:
		return open_container(y, ev, json_object());
	case FYET_SEQUENCE_START:
		return open_container(y, ev, json_array());
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END:
		return close_container(y, ev);
	case FYET_ALIAS:
		return yerror(y, fy_event_start_mark(ev),
			      "aliases (*name) are not supported");
	default:
		return 0;
	}
}

static int diag_error(struct yparse *y, struct fy_diag *diag)
{
	struct fy_diag_error *e;
	void *it = NULL;

	while ((e = fy_diag_errors_iterate(diag, &it)))
		if (e->type >= FYET_ERROR && e->msg)
			return error_set(BOSUN_EDATA, "%s:%d:%d: %s", y->name,
					 e->line + y->line_offset,
					 e->column > 0 ? e->column : 1, e->msg);
	return error_set(BOSUN_EDATA, "%s: invalid YAML", y->name);
}

static void yparse_release(struct yparse *y)
{
	while (y->depth > 0) {
		struct yframe *f = &y->st[--y->depth];

		free(f->key);
		json_decref(f->v);
	}
	json_decref(y->root);
	json_decref(y->marks);
	strbuf_release(&y->path);
}

static int run_parser(struct yparse *y, const char *text, size_t len)
{
	struct fy_parse_cfg pcfg = { 0 };
	struct fy_parser *p = NULL;
	struct fy_event *ev;
	int r = 0;

	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	pcfg.diag = ydiag_quiet();
	if (pcfg.diag)
		p = fy_parser_create(&pcfg);
	if (!p || fy_parser_set_string(p, text, len)) {
		r = error_set(BOSUN_EINTERNAL, "cannot set up the YAML parser");
		goto out;
	}
	while (r >= 0 && (ev = fy_parser_parse(p))) {
		r = on_event(y, ev);
		fy_parser_event_free(p, ev);
	}
	if (r >= 0 && fy_parser_get_stream_error(p))
		r = diag_error(y, pcfg.diag);
out:
	if (p)
		fy_parser_destroy(p);
	if (pcfg.diag)
		fy_diag_destroy(pcfg.diag);
	return r;
}

int agent_yaml_parse(json_t **out, json_t **marks, const char *name,
		     const char *text, size_t len, int line_offset)
{
	struct yparse y;
	int line, col, r;

	memset(&y, 0, sizeof(y));
	y.input = text;
	y.input_len = len;
	y.name = name;
	y.line_offset = line_offset;
	y.bools = 1;
	strbuf_init(&y.path, 0);
	if (agent_utf8_check(text, len, &line, &col) < 0)
		return error_set(BOSUN_EDATA, "%s:%d:%d: not valid UTF-8 text",
				 name, line + line_offset, col);
	if (marks)
		y.marks = json_object();
	if ((r = run_parser(&y, text, len)) < 0)
		goto out;
	if (!y.root)
		y.root = json_null();
	*out = y.root;
	y.root = NULL;
	if (marks) {
		*marks = y.marks;
		y.marks = NULL;
	}
out:
	yparse_release(&y);
	return r;
}

/* ------------------------------------------------------------ emitting */

static int emit_out(struct fy_emitter *emit, enum fy_emitter_write_type type,
		    const char *str, int len, void *userdata)
{
	strbuf_add(userdata, str, (size_t)len);
	return len;
}

/* A string reads back as itself when plain only if it is made of safe
 * characters, starts with a letter and is none of YAML 1.1's or 1.2's
 * booleans and nulls (readers of either kind must agree). */
static int plain_safe(const char *s)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null",
		NULL,
	};
	const char *p;
	size_t i;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_./", *p))
			return 0;
	for (i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return 0;
	return 1;
}

static int emit_ev(struct fy_emitter *em, struct fy_event *ev)
{
	if (!ev || fy_emit_event(em, ev))
		return error_set(BOSUN_EINTERNAL, "the YAML emitter failed");
	return 0;
}

static int emit_value(struct fy_emitter *em, const json_t *v, int depth);

static int emit_string(struct fy_emitter *em, const char *s)
{
	enum fy_scalar_style style = plain_safe(s) ? FYSS_PLAIN : FYSS_DOUBLE_QUOTED;

	return emit_ev(em, fy_emit_event_create(em, FYET_SCALAR, style, s,
						strlen(s), NULL, NULL));
}

static int emit_map(struct fy_emitter *em, const json_t *v, int depth)
{
	const char *k;
	json_t *x;
	int r;

	if ((r = emit_ev(em, fy_emit_event_create(em, FYET_MAPPING_START,
						  FYNS_BLOCK, NULL, NULL))) < 0)
		return r;
	json_object_foreach((json_t *)v, k, x) {
		if ((r = emit_string(em, k)) < 0 ||
		    (r = emit_value(em, x, depth + 1)) < 0)
			return r;
	}
	return emit_ev(em, fy_emit_event_create(em, FYET_MAPPING_END));
}

static int emit_value(struct fy_emitter *em, const json_t *v, int depth)
{
	size_t i;
	int r;

	if (depth > YAML_DEPTH_MAX)
		return error_set(BOSUN_EINTERNAL, "frontmatter nested too deeply");
	if (json_is_object(v))
		return emit_map(em, v, depth);
	if (json_is_array(v)) {
		if ((r = emit_ev(em, fy_emit_event_create(em, FYET_SEQUENCE_START,
							  FYNS_BLOCK, NULL, NULL))) < 0)
			return r;
		for (i = 0; i < json_array_size(v); i++)
			if ((r = emit_value(em, json_array_get(v, i), depth + 1)) < 0)
				return r;
		return emit_ev(em, fy_emit_event_create(em, FYET_SEQUENCE_END));
	}
	if (json_is_boolean(v))
		return emit_ev(em, fy_emit_event_create(em, FYET_SCALAR, FYSS_PLAIN,
			json_is_true(v) ? "true" : "false", (size_t)FY_NT, NULL, NULL));
	if (json_is_string(v))
		return emit_string(em, json_string_value(v));
	return error_set(BOSUN_EINTERNAL, "cannot emit this JSON value as YAML");
}

int agent_yaml_emit(struct strbuf *out, const json_t *obj)
{
	struct fy_emitter_cfg ecfg;
	struct fy_emitter *em;
	int r;

	memset(&ecfg, 0, sizeof(ecfg));
	ecfg.flags = FYECF_MODE_BLOCK | FYECF_INDENT_2 | FYECF_WIDTH_INF |
		     FYECF_DOC_START_MARK_OFF | FYECF_DOC_END_MARK_OFF;
	ecfg.output = emit_out;
	ecfg.userdata = out;
	if (!(em = fy_emitter_create(&ecfg)))
		return error_set(BOSUN_EINTERNAL, "cannot create the YAML emitter");
	r = emit_ev(em, fy_emit_event_create(em, FYET_STREAM_START));
	if (r >= 0)
		r = emit_ev(em, fy_emit_event_create(em, FYET_DOCUMENT_START,
						     1, NULL, NULL));
	if (r >= 0)
		r = emit_value(em, obj, 0);
	if (r >= 0)
		r = emit_ev(em, fy_emit_event_create(em, FYET_DOCUMENT_END, 1));
	if (r >= 0)
		r = emit_ev(em, fy_emit_event_create(em, FYET_STREAM_END));
	fy_emitter_destroy(em);
	return r;
}
