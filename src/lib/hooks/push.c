/*
 * push.c - the pre-push hook's input: one line per ref being pushed.
 */
#include "lib/hooks/hooks.h"

#include "core/alloc.h"
#include "core/error.h"

#include <string.h>

void push_refs_release(struct push_refs *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr; i++) {
		free(p->items[i].local_ref);
		free(p->items[i].remote_ref);
	}
	free(p->items);
	p->items = NULL;
	p->nr = p->alloc = 0;
}

int push_oid_is_zero(const char *oid)
{
	for (; *oid; oid++)
		if (*oid != '0')
			return 0;
	return 1;
}

static int hex_oid(const char *s, size_t len)
{
	size_t i;

	if (len != 40 && len != 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return 1;
}

/* Split line (len bytes) at single spaces into exactly 4 words. */
static int words4(const char *line, size_t len, const char **w, size_t *wl)
{
	size_t n = 0, i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (n == 4 || i == start)
			return -1;
		w[n] = line + start;
		wl[n++] = i - start;
		start = i + 1;
	}
	return n == 4 ? 0 : -1;
}

static int parse_line(struct push_refs *out, const char *line, size_t len,
		      size_t lineno)
{
	const char *w[4];
	size_t wl[4];
	struct push_ref *pr;

	if (words4(line, len, w, wl) < 0 || !hex_oid(w[1], wl[1]) ||
	    !hex_oid(w[3], wl[3]) || wl[1] != wl[3] ||
	    memchr(line, '\0', len))
		return error_set(BOSUN_EDATA, "pre-push input line %zu: expected "
				 "'<local ref> <local oid> <remote ref> <remote oid>'",
				 lineno);
	ALLOC_GROW(out->items, out->nr + 1, out->alloc);
	pr = &out->items[out->nr++];
	pr->local_ref = xstrndup(w[0], wl[0]);
	pr->remote_ref = xstrndup(w[2], wl[2]);
	memcpy(pr->local_oid, w[1], wl[1]);
	pr->local_oid[wl[1]] = '\0';
	memcpy(pr->remote_oid, w[3], wl[3]);
	pr->remote_oid[wl[3]] = '\0';
	return 0;
}

int push_refs_parse(struct push_refs *out, const char *buf, size_t len)
{
	size_t pos = 0, lineno = 0;
	int r;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		if (l && (r = parse_line(out, buf + pos, l, lineno)) < 0) {
			push_refs_release(out);
			return r;
		}
		pos += l + 1;
	}
	return 0;
}
