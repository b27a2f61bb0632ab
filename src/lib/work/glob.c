/*
 * glob.c - whether two ownership patterns can match one path (work.h).
 *
 * A pattern is split into '/'-separated components; a "**" component
 * matches any number of components, and a pattern with no '/' matches its
 * last component at any depth (core/glob.h), so it reads as "**" first.
 * Within a component, a token is a star (any run of '*') or one
 * character: a literal, '\x', '?' or a class. Two token strings intersect
 * when a dynamic programme over (position in a, position in b) reaches
 * both ends; two one-character tokens agree when some byte matches both,
 * asked of glob_match() itself so that classes mean what they mean there.
 * The same programme runs over components. Both are quadratic in the
 * patterns' lengths, which plan.c caps.
 */
#include "lib/work/work.h"

#include "core/alloc.h"
#include "core/glob.h"

#include <stdlib.h>
#include <string.h>

struct tok {
	const char *s;   /* NULL: a star */
	size_t len;
};

/* The length of a class starting at p ('['), or 0 when it does not close
 * (then '[' is a literal, as in core/glob.h). */
static size_t class_len(const char *p, size_t n)
{
	size_t i = 1;

	if (i < n && (p[i] == '!' || p[i] == '^'))
		i++;
	if (i < n && p[i] == ']')
		i++;
	while (i < n && p[i] != ']') {
		if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
			const char *e = memmem(p + i + 2, n - i - 2, ":]", 2);
			if (e) {
				i = (size_t)(e - p) + 2;
				continue;
			}
		}
		i++;
	}
	return i < n ? i + 1 : 0;
}

static size_t tokenize(const char *p, size_t n, struct tok *out)
{
	size_t i = 0, nr = 0, l;

	while (i < n) {
		if (p[i] == '*') {
			while (i < n && p[i] == '*')
				i++;
			out[nr].s = NULL;
			out[nr++].len = 0;
			continue;
		}
		l = 1;
		if (p[i] == '\\' && i + 1 < n)
			l = 2;
		else if (p[i] == '[' && (l = class_len(p + i, n - i)) == 0)
			l = 1;
		out[nr].s = p + i;
		out[nr++].len = l;
		i += l;
	}
	return nr;
}

static int tok_match(const struct tok *t, char c)
{
	char pat[300], str[2] = { c, 0 };

	if (t->len == 1 && t->s[0] != '?' && t->s[0] != '[' && t->s[0] != '\\')
		return t->s[0] == c;
	if (t->len == 2 && t->s[0] == '\\')
		return t->s[1] == c;
	if (t->len >= sizeof(pat))
		return 1;
	memcpy(pat, t->s, t->len);
	pat[t->len] = 0;
	return glob_match(pat, str);
}

static int tok_agree(const struct tok *a, const struct tok *b)
{
	int c;

	for (c = 1; c < 256; c++)
		if (c != '/' && tok_match(a, (char)c) && tok_match(b, (char)c))
			return 1;
	return 0;
}

/* The programme shared by characters and components: cell(i, j) is 1
 * when a[i..] and b[j..] can match one string. */
typedef int agree_fn(const void *a, size_t i, const void *b, size_t j);
typedef int star_fn(const void *x, size_t i);

static int intersect(const void *a, size_t na, const void *b, size_t nb,
		     star_fn *star, agree_fn *agree)
{
	unsigned char *m = xcalloc((na + 1) * (nb + 1), 1);
	size_t i, j, w = nb + 1;
	int r;

	for (i = na + 1; i-- > 0;)
		for (j = nb + 1; j-- > 0;) {
			unsigned char v;
			if (i == na && j == nb)
				v = 1;
			else if (i < na && star(a, i))
				v = m[(i + 1) * w + j] || (j < nb && m[i * w + j + 1]);
			else if (j < nb && star(b, j))
				v = m[i * w + j + 1] || (i < na && m[(i + 1) * w + j]);
			else if (i == na || j == nb)
				v = 0;
			else
				v = m[(i + 1) * w + j + 1] && agree(a, i, b, j);
			m[i * w + j] = v;
		}
	r = m[0];
	free(m);
	return r;
}

static int tok_star(const void *x, size_t i)
{
	return !((const struct tok *)x)[i].s;
}

static int tok_agree_at(const void *a, size_t i, const void *b, size_t j)
{
	return tok_agree((const struct tok *)a + i, (const struct tok *)b + j);
}

struct comp {
	const char *s;
	size_t len;
};

static int comp_star(const void *x, size_t i)
{
	const struct comp *c = (const struct comp *)x + i;
	return c->len == 2 && !memcmp(c->s, "**", 2);
}

static int comp_agree(const void *a, size_t i, const void *b, size_t j)
{
	const struct comp *x = (const struct comp *)a + i;
	const struct comp *y = (const struct comp *)b + j;
	struct tok *tx = xcalloc(x->len + 1, sizeof(*tx));
	struct tok *ty = xcalloc(y->len + 1, sizeof(*ty));
	size_t nx = tokenize(x->s, x->len, tx), ny = tokenize(y->s, y->len, ty);
	int r = intersect(tx, nx, ty, ny, tok_star, tok_agree_at);

	free(tx);
	free(ty);
	return r;
}

static size_t split(const char *p, struct comp *out)
{
	static const char globstar[] = "**";
	size_t nr = 0;

	if (!strchr(p, '/')) {
		out[nr].s = globstar;
		out[nr++].len = 2;
	}
	while (*p) {
		size_t l = strcspn(p, "/");
		if (l) {
			out[nr].s = p;
			out[nr++].len = l;
		}
		p += l;
		if (*p)
			p++;
	}
	return nr;
}

int work_glob_overlap(const char *a, const char *b)
{
	struct comp *ca = xcalloc(strlen(a) + 2, sizeof(*ca));
	struct comp *cb = xcalloc(strlen(b) + 2, sizeof(*cb));
	size_t na = split(a, ca), nb = split(b, cb);
	int r = intersect(ca, na, cb, nb, comp_star, comp_agree);

	free(ca);
	free(cb);
	return r;
}
