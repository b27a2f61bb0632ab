/*
 * yaml.c - YAML in and out for agent files and templates (internal.h).
 * Reading goes through lib/yaml's tree so that every value keeps its line
 * and column for messages; writing goes through libfyaml's event emitter,
 * which quotes and folds correctly where pasting strings would not.
 */
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/utf8.h"
#include "lib/yaml/ytree.h"

#include <libfyaml.h>
#include <string.h>
#include <strings.h>

/* Templates are flat; a generous bound keeps the recursion below short. */
#define YAML_DEPTH_MAX 32

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

/* ------------------------------------------------------------ reading */

struct conv {
	const struct ytree *t;
	json_t *marks;		/* NULL when not asked for */
	struct strbuf path;	/* the JSON pointer of the node being converted */
};

/* Plain true and false are booleans; every other scalar is a string. */
static int to_json(struct conv *c, const struct ynode *n, json_t **out);

static int seq_to_json(struct conv *c, const struct ynode *n, json_t *v)
{
	size_t base = c->path.len, i;
	json_t *x;
	int r;

	for (i = 0; i < n->nr; i++) {
		strbuf_addf(&c->path, "/%zu", i);
		r = to_json(c, n->kids[i], &x);
		strbuf_setlen(&c->path, base);
		if (r < 0)
			return r;
		json_array_append_new(v, x);
	}
	return 0;
}

static int map_to_json(struct conv *c, const struct ynode *n, json_t *v)
{
	size_t base = c->path.len, i;
	const char *p;
	json_t *x;
	int r;

	for (i = 0; i + 1 < n->nr; i += 2) {
		const struct ynode *k = n->kids[i];

		if (k->type != Y_SCALAR)
			return ytree_error(c->t, k, "keys must be strings");
		if (json_object_get(v, k->text))
			return ytree_error(c->t, k, "duplicate key");
		strbuf_addch(&c->path, '/');
		for (p = k->text; *p; p++) {
			if (*p == '~')
				strbuf_addstr(&c->path, "~0");
			else if (*p == '/')
				strbuf_addstr(&c->path, "~1");
			else
				strbuf_addch(&c->path, *p);
		}
		r = to_json(c, n->kids[i + 1], &x);
		strbuf_setlen(&c->path, base);
		if (r < 0)
			return r;
		json_object_set_new(v, k->text, x);
	}
	return 0;
}

static int to_json(struct conv *c, const struct ynode *n, json_t **out)
{
	json_t *v;
	int r;

	if (c->marks)
		json_object_set_new(c->marks, c->path.len ? c->path.buf : "",
				    json_pack("[ii]", n->line, n->col));
	if (n->type == Y_SCALAR) {
		if (n->plain && (!strcmp(n->text, "true") || !strcmp(n->text, "false")))
			v = json_boolean(n->text[0] == 't');
		else if (!(v = json_stringn(n->text, n->len)))
			return ytree_error(c->t, n, "not valid UTF-8");
		*out = v;
		return 0;
	}
	v = n->type == Y_SEQ ? json_array() : json_object();
	r = n->type == Y_SEQ ? seq_to_json(c, n, v) : map_to_json(c, n, v);
	if (r < 0) {
		json_decref(v);
		return r;
	}
	*out = v;
	return 0;
}

int agent_yaml_parse(json_t **out, json_t **marks, const char *name,
		     const char *text, size_t len, int line_offset)
{
	struct ytree t = { .line_offset = line_offset, .depth_max = YAML_DEPTH_MAX };
	struct conv c = { &t, NULL, STRBUF_INIT };
	json_t *v = NULL;
	int r;

	if ((r = ytree_parse(&t, name, text, len)) < 0)
		goto out;
	if (marks)
		c.marks = json_object();
	if (!t.root)
		v = json_null();
	else if ((r = to_json(&c, t.root, &v)) < 0)
		goto out;
	*out = v;
	if (marks) {
		*marks = c.marks;
		c.marks = NULL;
	}
out:
	json_decref(c.marks);
	strbuf_release(&c.path);
	ytree_release(&t);
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
