/*
 * baseline.c - accepted findings, by fingerprint (see scan.h).
 *
 * The file is JSON written by `scan secrets --write-baseline`:
 *	{"version": 1, "findings": [{"fingerprint": "0123456789abcdef",
 *	  "rule": "github-pat", "file": "a.txt", "line": 3}, ...]}
 * Only the fingerprints matter; the rest is there for people reading it.
 */
#include "lib/scan/scan.h"

#include "core/alloc.h"
#include "core/error.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int valid_fp(const char *s)
{
	return strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16;
}

static int bad(const char *name, const char *what, size_t i)
{
	if (i == (size_t)-1)
		return error_set(BOSUN_EDATA, "%s: %s", name, what);
	return error_set(BOSUN_EDATA, "%s: findings[%zu]: %s", name, i, what);
}

int scan_baseline_parse(struct scan_baseline *b, const char *name,
			const char *text, size_t len)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *list, *v;
	size_t i;
	int r = 0;

	if (!root)
		return error_set(BOSUN_EDATA, "%s:%d:%d: %s", name, je.line, je.column,
				 je.text);
	v = json_object_get(root, "version");
	list = json_object_get(root, "findings");
	if (!json_is_object(root))
		r = bad(name, "a baseline must be a JSON object", (size_t)-1);
	else if (!json_is_integer(v) || json_integer_value(v) != 1)
		r = bad(name, "\"version\" must be 1", (size_t)-1);
	else if (!json_is_array(list))
		r = bad(name, "\"findings\" must be a list", (size_t)-1);
	json_array_foreach(r ? NULL : list, i, v) {
		const char *fp = json_string_value(json_object_get(v, "fingerprint"));

		if (!fp || !valid_fp(fp)) {
			r = bad(name, "\"fingerprint\" must be 16 hexadecimal digits", i);
			break;
		}
		ALLOC_GROW(b->fps, b->nr + 1, b->alloc);
		b->fps[b->nr++] = xstrdup(fp);
	}
	json_decref(root);
	if (b->nr > 1)
		qsort(b->fps, b->nr, sizeof(*b->fps), cmp_str);
	return r;
}

int scan_baseline_has(const struct scan_baseline *b, const char *fp)
{
	return b->nr && bsearch(&fp, b->fps, b->nr, sizeof(*b->fps), cmp_str) != NULL;
}

void scan_baseline_release(struct scan_baseline *b)
{
	size_t i;

	for (i = 0; i < b->nr; i++)
		free(b->fps[i]);
	free(b->fps);
	memset(b, 0, sizeof(*b));
}

void scan_baseline_format(struct strbuf *sb, const struct scan_report *rep)
{
	json_t *list = json_array();
	json_t *root;
	char *s;
	size_t i;

	for (i = 0; i < rep->nr; i++) {
		const struct scan_finding *f = &rep->items[i];
		struct strbuf file = STRBUF_INIT;
		json_t *o;

		strbuf_add_utf8_lossy(&file, f->file, strlen(f->file));
		o = json_pack("{s:s, s:s, s:s#, s:i}", "fingerprint", f->fingerprint,
			      "rule", f->rule->id, "file", file.buf, (int)file.len,
			      "line", (int)f->line);
		strbuf_release(&file);

		if (f->commit)
			json_object_set_new(o, "commit", json_string(f->commit));
		json_array_append_new(list, o);
	}
	root = json_pack("{s:i, s:o}", "version", 1, "findings", list);
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	strbuf_addstr(sb, s);
	strbuf_addch(sb, '\n');
	free(s);
	json_decref(root);
}
