/*
 * glob.c - file patterns for checks: fnmatch(3) per path component, with
 * "**" for any number of directories, and the pre-push hook's input.
 */
#include "lib/hooks/hooks.h"

#include "core/alloc.h"
#include "core/error.h"

#include <fnmatch.h>
#include <string.h>

/* Path components are compared one by one; a "**" component tries every
 * split. The recursion is bounded by the number of components in the
 * pattern, and each "**" costs at most one pass over the path. */
#define MAX_COMPONENTS 128

struct comps {
	const char *p[MAX_COMPONENTS];
	size_t len[MAX_COMPONENTS];
	size_t nr;
};

static int split(struct comps *c, const char *s)
{
	c->nr = 0;
	while (*s) {
		size_t n = strcspn(s, "/");

		if (n) {
			if (c->nr == MAX_COMPONENTS)
				return -1;
			c->p[c->nr] = s;
			c->len[c->nr++] = n;
		}
		s += n;
		if (*s)
			s++;
	}
	return 0;
}

static int comp_match(const struct comps *pat, size_t i,
		      const struct comps *path, size_t j)
{
	char pb[4096], sb[4096];

	if (pat->len[i] >= sizeof(pb) || path->len[j] >= sizeof(sb))
		return 0;
	memcpy(pb, pat->p[i], pat->len[i]);
	pb[pat->len[i]] = '\0';
	memcpy(sb, path->p[j], path->len[j]);
	sb[path->len[j]] = '\0';
	return fnmatch(pb, sb, FNM_PERIOD) == 0;
}

static int is_starstar(const struct comps *c, size_t i)
{
	return c->len[i] == 2 && c->p[i][0] == '*' && c->p[i][1] == '*';
}

static int match_from(const struct comps *pat, size_t i,
		      const struct comps *path, size_t j, unsigned *budget)
{
	if (!(*budget)--)
		return 0;
	for (; i < pat->nr; i++, j++) {
		if (is_starstar(pat, i)) {
			/* Collapse runs of "**" and try each split point. */
			while (i + 1 < pat->nr && is_starstar(pat, i + 1))
				i++;
			if (i + 1 == pat->nr)
				return 1;
			for (; j < path->nr; j++)
				if (match_from(pat, i + 1, path, j, budget))
					return 1;
			return 0;
		}
		if (j >= path->nr || !comp_match(pat, i, path, j))
			return 0;
	}
	return j == path->nr;
}

int hook_glob_match(const char *pattern, const char *path)
{
	struct comps pat, p;
	unsigned budget = 100000;

	if (!strchr(pattern, '/')) {
		const char *base = strrchr(path, '/');

		return fnmatch(pattern, base ? base + 1 : path, FNM_PERIOD) == 0;
	}
	if (split(&pat, pattern) < 0 || split(&p, path) < 0)
		return 0;
	return match_from(&pat, 0, &p, 0, &budget);
}

/* ---- the pre-push hook's stdin ------------------------------------------- */

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
