/*
 * glob.c - gitignore lists and file patterns (see glob.h). A pattern is
 * compiled to a list of tokens and matched with a set of reachable
 * positions, one pass per token, so a hostile pattern cannot make matching
 * exponential.
 */
#include "core/glob.h"

#include "core/alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
 * T_DSTAR_SLASH is "**" + "/" (nothing, or anything ending in '/');
 * T_SLASH_DSTAR is a file pattern's trailing "/" + "**" (nothing, or '/'
 * and anything). The _NODOT kinds are file patterns' wildcards, which do
 * not match a '.' that starts a component.
 */
enum tok_kind {
	T_LIT, T_ANY, T_CLASS, T_STAR, T_DSTAR, T_DSTAR_SLASH, T_SLASH_DSTAR,
	T_ANY_NODOT, T_CLASS_NODOT, T_STAR_NODOT,
};

/* How compile() reads "**": across directories (lists), or as '*'. */
enum { DSTAR_CROSSES, DSTAR_IS_STAR };

struct tok {
	enum tok_kind kind;
	unsigned char c;
	unsigned char *set;   /* T_CLASS: 256 flags */
};

struct glob_pat {
	struct tok *toks;
	size_t nr, alloc;
	int negate, dir_only;
};

static void add_tok(struct glob_pat *p, enum tok_kind k, unsigned char c)
{
	ALLOC_GROW(p->toks, p->nr + 1, p->alloc);
	p->toks[p->nr].kind = k;
	p->toks[p->nr].c = c;
	p->toks[p->nr].set = NULL;
	p->nr++;
}

static const struct {
	const char *name;
	int (*is)(int);
} posix_classes[] = {
	{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank },
	{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph },
	{ "lower", islower }, { "print", isprint }, { "punct", ispunct },
	{ "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
};

/* A "[:name:]" at s inside a class: its characters added to set and the
 * length used, or 0 when s holds no known class name. */
static size_t posix_class(unsigned char *set, const char *s, size_t n)
{
	const char *end;
	size_t len, k;
	int c;

	if (n < 2 || s[1] != ':' || !(end = memchr(s + 2, ':', n - 2)) ||
	    (size_t)(end - s) + 1 >= n || end[1] != ']')
		return 0;
	len = (size_t)(end - s) - 2;
	for (k = 0; k < ARRAY_SIZE(posix_classes); k++) {
		if (strlen(posix_classes[k].name) != len ||
		    memcmp(posix_classes[k].name, s + 2, len))
			continue;
		for (c = 0; c < 256; c++)
			if (posix_classes[k].is(c))
				set[c] = 1;
		return len + 4;
	}
	return 0;
}

/* Parse "[...]" at s (s[0] == '['); returns the length used, or 0 when
 * the class is not closed (then '[' is literal). */
static size_t parse_class(struct glob_pat *p, const char *s, size_t n, int nodot)
{
	unsigned char *set;
	size_t i = 1;
	int neg = 0, c, j;

	if (i < n && (s[i] == '!' || s[i] == '^')) {
		neg = 1;
		i++;
	}
	set = xcalloc(256, 1);
	for (j = 0; i < n && (s[i] != ']' || j == 0); j++) {
		unsigned char lo = (unsigned char)s[i], hi;
		size_t used;

		if (lo == '[' && (used = posix_class(set, s + i, n - i))) {
			i += used;
			continue;
		}
		if (lo == '\\' && i + 1 < n)
			lo = (unsigned char)s[++i];
		hi = lo;
		if (i + 2 < n && s[i + 1] == '-' && s[i + 2] != ']') {
			i += 2;
			if (s[i] == '\\' && i + 1 < n)
				i++;  /* "[a-\\z]": an escaped end, as fnmatch reads it */
			hi = (unsigned char)s[i];
		}
		for (c = lo; c <= hi; c++)
			set[c] = 1;
		i++;
	}
	if (i >= n) {
		free(set);
		return 0;
	}
	if (neg)
		for (c = 0; c < 256; c++)
			set[c] = !set[c];
	set['/'] = 0;
	add_tok(p, nodot ? T_CLASS_NODOT : T_CLASS, 0);
	p->toks[p->nr - 1].set = set;
	return i + 1;
}

/* Compile n bytes of pattern s; nodot: wildcards as a file pattern's. */
static void compile(struct glob_pat *p, const char *s, size_t n, int nodot)
{
	size_t i = 0, used;

	while (i < n) {
		if (s[i] == '*' && nodot) {
			while (i < n && s[i] == '*')
				i++;
			add_tok(p, T_STAR_NODOT, 0);
		} else if (s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
			while (i < n && s[i] == '*')
				i++;
			if (i < n && s[i] == '/') {
				add_tok(p, T_DSTAR_SLASH, 0);
				i++;
			} else {
				add_tok(p, T_DSTAR, 0);
			}
		} else if (s[i] == '*') {
			add_tok(p, T_STAR, 0);
			i++;
		} else if (s[i] == '?') {
			add_tok(p, nodot ? T_ANY_NODOT : T_ANY, 0);
			i++;
		} else if (s[i] == '[' && (used = parse_class(p, s + i, n - i, nodot))) {
			i += used;
		} else {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			add_tok(p, T_LIT, (unsigned char)s[i++]);
		}
	}
}

/* 1 when s[j] is a '.' that starts a component. */
static int lead_dot(const unsigned char *s, size_t j)
{
	return s[j] == '.' && (!j || s[j - 1] == '/');
}

/* One token over the reachable set cur (len + 1 flags) into next. */
static void step(const struct tok *t, const unsigned char *s, size_t len,
		 const char *cur, char *next)
{
	size_t j;
	int run = 0;

	memset(next, 0, len + 1);
	for (j = 0; j <= len; j++) {
		switch (t->kind) {
		case T_LIT:
			if (j < len && cur[j] && s[j] == t->c)
				next[j + 1] = 1;
			break;
		case T_ANY:
			if (j < len && cur[j] && s[j] != '/')
				next[j + 1] = 1;
			break;
		case T_CLASS:
			if (j < len && cur[j] && t->set[s[j]])
				next[j + 1] = 1;
			break;
		case T_STAR:
			next[j] = cur[j] || (j && next[j - 1] && s[j - 1] != '/');
			break;
		case T_DSTAR:
			next[j] = cur[j] || (j && next[j - 1]);
			break;
		case T_DSTAR_SLASH:
			next[j] = cur[j] || (run && s[j - 1] == '/');
			run |= cur[j];
			break;
		case T_SLASH_DSTAR:
			next[j] = cur[j] || run;
			run |= j < len && cur[j] && s[j] == '/';
			break;
		case T_ANY_NODOT:
			if (j < len && cur[j] && s[j] != '/' && !lead_dot(s, j))
				next[j + 1] = 1;
			break;
		case T_CLASS_NODOT:
			if (j < len && cur[j] && t->set[s[j]] && !lead_dot(s, j))
				next[j + 1] = 1;
			break;
		case T_STAR_NODOT:
			/* fnmatch's FNM_PERIOD: not even an empty star may
			 * stand where a component starts with '.' */
			next[j] = (cur[j] && !(j < len && lead_dot(s, j))) ||
				  (j && next[j - 1] && s[j - 1] != '/' && !lead_dot(s, j - 1));
			break;
		}
	}
}

static int pat_match(const struct glob_pat *p, const char *path)
{
	size_t len = strlen(path), i;
	char *a = xcalloc(2, len + 1), *b = a + len + 1, *t;
	int r;

	a[0] = 1;
	for (i = 0; i < p->nr; i++) {
		step(&p->toks[i], (const unsigned char *)path, len, a, b);
		t = a;
		a = b;
		b = t;
	}
	r = a[len];
	free(a < b ? a : b);
	return r;
}

static void pat_free(struct glob_pat *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr; i++)
		free(p->toks[i].set);
	free(p->toks);
	free(p);
}

int glob_match(const char *pat, const char *path)
{
	struct glob_pat p = { NULL, 0, 0, 0, 0 };
	size_t i;
	int r;

	compile(&p, pat, strlen(pat), 0);
	r = pat_match(&p, path);
	for (i = 0; i < p.nr; i++)
		free(p.toks[i].set);
	free(p.toks);
	return r;
}

static int is_dstar(const char *s, size_t n)
{
	return n == 2 && s[0] == '*' && s[1] == '*';
}

/*
 * A file pattern with a '/', component by component: empty components
 * are dropped, a run of "**" components is one T_DSTAR_SLASH (which
 * brings its own '/'), or at the end T_SLASH_DSTAR, or T_DSTAR when the
 * pattern is nothing else.
 */
static void compile_components(struct glob_pat *p, const char *s)
{
	int any = 0, sep = 0;

	while (*s) {
		size_t n = strcspn(s, "/");

		if (!n) {
			s++;
			continue;
		}
		if (!is_dstar(s, n)) {
			if (sep)
				add_tok(p, T_LIT, '/');
			compile(p, s, n, 1);
			s += n;
			any = sep = 1;
			continue;
		}
		while (*s == '/' || (is_dstar(s, n = strcspn(s, "/"))))
			s += *s == '/' ? 1 : n;
		if (!*s) {
			add_tok(p, any ? T_SLASH_DSTAR : T_DSTAR, 0);
			return;
		}
		if (sep)
			add_tok(p, T_LIT, '/');
		add_tok(p, T_DSTAR_SLASH, 0);
		any = 1;
		sep = 0;
	}
}

int glob_file_match(const char *pattern, const char *path)
{
	struct glob_pat p = { NULL, 0, 0, 0, 0 };
	size_t i;
	int r;

	if (strchr(pattern, '/')) {
		compile_components(&p, pattern);
	} else {
		add_tok(&p, T_DSTAR_SLASH, 0);
		compile(&p, pattern, strlen(pattern), 1);
	}
	r = pat_match(&p, path);
	for (i = 0; i < p.nr; i++)
		free(p.toks[i].set);
	free(p.toks);
	return r;
}

static void add_n(struct glob_list *gl, const char *s, size_t n)
{
	struct glob_pat *p;
	const char *slash;

	while (n && (s[n - 1] == '\r' || (s[n - 1] == ' ' &&
		     !(n >= 2 && s[n - 2] == '\\'))))
		n--;
	if (!n || s[0] == '#')
		return;
	p = xcalloc(1, sizeof(*p));
	if (s[0] == '!') {
		p->negate = 1;
		s++;
		n--;
	}
	if (n && s[n - 1] == '/') {
		p->dir_only = 1;
		n--;
	}
	slash = memchr(s, '/', n);
	if (slash == s) {
		s++;
		n--;
	} else if (!slash) {
		add_tok(p, T_DSTAR_SLASH, 0);
	}
	if (!n) {
		pat_free(p);
		return;
	}
	compile(p, s, n, 0);
	ALLOC_GROW(gl->items, gl->nr + 1, gl->alloc);
	gl->items[gl->nr++] = p;
}

void glob_list_add(struct glob_list *gl, const char *line)
{
	add_n(gl, line, strlen(line));
}

void glob_list_parse(struct glob_list *gl, const char *text, size_t len)
{
	size_t i = 0, j;

	while (i < len) {
		for (j = i; j < len && text[j] != '\n' && text[j]; j++)
			;
		add_n(gl, text + i, j - i);
		i = j + 1;
	}
}

/* The decision of the last pattern matching path: 1 ignored, 0 not. */
static int decide(const struct glob_list *gl, const char *path, int is_dir)
{
	size_t i = gl->nr;

	while (i--) {
		const struct glob_pat *p = gl->items[i];

		if (p->dir_only && !is_dir)
			continue;
		if (pat_match(p, path))
			return !p->negate;
	}
	return 0;
}

int glob_list_match(const struct glob_list *gl, const char *path)
{
	char *dir;
	size_t i;
	int r = 0;

	if (!gl->nr)
		return 0;
	dir = xstrdup(path);
	for (i = 0; dir[i] && !r; i++) {
		if (dir[i] != '/' || !i)
			continue;
		dir[i] = '\0';
		r = decide(gl, dir, 1);
		dir[i] = '/';
	}
	free(dir);
	return r || decide(gl, path, 0);
}

void glob_list_release(struct glob_list *gl)
{
	size_t i;

	for (i = 0; i < gl->nr; i++)
		pat_free(gl->items[i]);
	free(gl->items);
	gl->items = NULL;
	gl->nr = gl->alloc = 0;
}
