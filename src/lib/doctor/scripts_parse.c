/*
 * scripts_parse.c - the parsers of `bosun doctor scripts`: a script's
 * shebang, a Makefile's targets and their recipes (doctor.h). Both read
 * any bytes without failing; tests/fuzz/fuzz_doctor_scripts.c runs them.
 */
#include "lib/doctor/doctor.h"

#include "core/alloc.h"

#include <string.h>

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

int doctor_shebang(struct strbuf *interp, const char *text, size_t len)
{
	const char *p = text, *end, *w, *eol;

	if (len < 3 || text[0] != '#' || text[1] != '!')
		return 0;
	eol = memchr(text, '\n', len);
	end = eol ? eol : text + len;
	p += 2;
	while (p < end && blank(*p))
		p++;
	for (w = p; w < end && !blank(*w) && *w != '\r'; w++)
		;
	if (w == p)
		return 0;
	strbuf_reset(interp);
	strbuf_add(interp, p, (size_t)(w - p));
	/* "#!/usr/bin/env [-S] [NAME=v...] prog": the program is prog. */
	if (!strcmp(interp->buf, "env") ||
	    (interp->len >= 4 && !strcmp(interp->buf + interp->len - 4, "/env"))) {
		p = w;
		for (;;) {
			while (p < end && blank(*p))
				p++;
			for (w = p; w < end && !blank(*w) && *w != '\r'; w++)
				;
			if (w == p)
				return 1; /* env alone: env is the interpreter */
			if (*p != '-' && !memchr(p, '=', (size_t)(w - p)))
				break;
			p = w;
		}
		strbuf_reset(interp);
		strbuf_add(interp, p, (size_t)(w - p));
	}
	return 1;
}

/* Whether line (len n, no newline) starts a rule: "a b: deps", not a
 * variable ("A := x", "A = b:c"), not a recipe, comment or directive. */
static int rule_names(const char *line, size_t n, size_t *colon)
{
	size_t i;

	if (!n || line[0] == '\t' || line[0] == '#')
		return 0;
	for (i = 0; i < n; i++) {
		if (line[i] == '=' || line[i] == '$' || line[i] == '%' || line[i] == '(' ||
		    !line[i])
			return 0;
		if (line[i] == ':') {
			if (i + 1 < n && line[i + 1] == '=')
				return 0;
			if (i + 2 < n && line[i + 1] == ':' && line[i + 2] == '=')
				return 0;
			*colon = i;
			return i > 0;
		}
	}
	return 0;
}

static void add_target(struct doctor_make *mk, const char *name, size_t n)
{
	size_t i;

	if (!n || name[0] == '.')  /* .PHONY, .DEFAULT: not targets to run */
		return;
	for (i = 0; i < mk->nr; i++)
		if (strlen(mk->items[i].name) == n && !memcmp(mk->items[i].name, name, n))
			return;
	mk->items = xrealloc(mk->items, (mk->nr + 1) * sizeof(*mk->items));
	mk->items[mk->nr].name = xstrndup(name, n);
	strbuf_init(&mk->items[mk->nr].recipe, 0);
	mk->nr++;
}

void doctor_make_parse(struct doctor_make *mk, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t first = 0, last = 0; /* the targets of the rule being read */
	int in_rule = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p), colon, i, k;

		if (n && p[0] == '\t' && in_rule) {
			for (k = first; k < last; k++) {
				strbuf_add(&mk->items[k].recipe, p + 1, n - 1);
				strbuf_addch(&mk->items[k].recipe, '\n');
			}
		} else if (rule_names(p, n, &colon)) {
			first = mk->nr;
			for (i = 0; i < colon; ) {
				while (i < colon && blank(p[i]))
					i++;
				for (k = i; k < colon && !blank(p[k]); k++)
					;
				add_target(mk, p + i, k - i);
				i = k;
			}
			last = mk->nr;
			in_rule = 1;
		} else if (n && !blank(p[0]) && p[0] != '#') {
			in_rule = 0;
		}
		p += n + (eol ? 1 : 0);
	}
}

void doctor_make_release(struct doctor_make *mk)
{
	size_t i;

	for (i = 0; i < mk->nr; i++) {
		free(mk->items[i].name);
		strbuf_release(&mk->items[i].recipe);
	}
	free(mk->items);
	mk->items = NULL;
	mk->nr = 0;
}
