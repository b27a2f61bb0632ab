#include "core/opts.h"

#include "core/alloc.h"
#include "core/error.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void opt_list_release(struct opt_list *l)
{
	free(l->items);
	l->items = NULL;
	l->nr = l->alloc = 0;
}

/* Edit distance with adjacent transpositions ("nxet" is one edit from
 * "next"): the optimal string alignment distance. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int d[65][65];

	if (la > 64 || lb > 64)
		return INT_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *opts_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	int best_d = INT_MAX;
	size_t wl = strlen(word);

	for (; *candidates; candidates++) {
		int d = edit_distance(word, *candidates);

		/* A prefix of a candidate is a strong hint ("--dry" -> "--dry-run"). */
		if (wl >= 2 && !strncmp(*candidates, word, wl))
			d = d < 1 ? d : 1;
		if (d < best_d) {
			best_d = d;
			best = *candidates;
		}
	}
	if (!best)
		return NULL;
	/* Close enough: at most a third of the word's length, and at least 1. */
	if (best_d > 1 && (size_t)best_d * 3 > wl + 1)
		return NULL;
	return best;
}

static const struct option *find_long(const struct option *opts,
				      const char *name, size_t len, int *neg)
{
	const struct option *o;

	*neg = 0;
	for (o = opts; o->type != OPTT_END; o++)
		if (o->long_name && strlen(o->long_name) == len &&
		    !strncmp(o->long_name, name, len))
			return o;
	if (len > 3 && !strncmp(name, "no-", 3)) {
		for (o = opts; o->type != OPTT_END; o++)
			if (o->type == OPTT_BOOL && o->long_name &&
			    strlen(o->long_name) == len - 3 &&
			    !strncmp(o->long_name, name + 3, len - 3)) {
				*neg = 1;
				return o;
			}
	}
	return NULL;
}

static const struct option *find_short(const struct option *opts, int c)
{
	const struct option *o;

	for (o = opts; o->type != OPTT_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int unknown_long(const struct option *opts, const char *name, size_t len)
{
	const char *cands[128];
	char word[128];
	size_t n = 0;
	const struct option *o;
	const char *s;

	for (o = opts; o->type != OPTT_END && n < ARRAY_SIZE(cands) - 1; o++)
		if (o->long_name)
			cands[n++] = o->long_name;
	cands[n] = NULL;
	if (len >= sizeof(word))
		len = sizeof(word) - 1;
	memcpy(word, name, len);
	word[len] = '\0';
	s = opts_suggest(word, cands);
	if (s)
		return error_set(BOSUN_EUSAGE,
				 "unknown option '--%s' (did you mean '--%s'?)",
				 word, s);
	return error_set(BOSUN_EUSAGE, "unknown option '--%s'", word);
}

static int opt_name_err(const struct option *o, const char *what)
{
	if (o->long_name)
		return error_set(BOSUN_EUSAGE, "option '--%s' %s", o->long_name, what);
	return error_set(BOSUN_EUSAGE, "option '-%c' %s", o->short_name, what);
}

static int check_choice(const struct option *o, const char *arg)
{
	const char *p = o->argh;
	size_t al = strlen(arg);

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);

		if (l == al && !strncmp(p, arg, l))
			return 0;
		p = bar ? bar + 1 : NULL;
	}
	if (o->long_name)
		return error_set(BOSUN_EUSAGE, "option '--%s' takes one of %s, not '%s'",
				 o->long_name, o->argh, arg);
	return error_set(BOSUN_EUSAGE, "option '-%c' takes one of %s, not '%s'",
			 o->short_name, o->argh, arg);
}

static int apply(const struct option *o, const char *arg, int neg)
{
	switch (o->type) {
	case OPTT_BOOL:
		*(int *)o->value = !neg;
		return 0;
	case OPTT_COUNT:
		(*(int *)o->value)++;
		return 0;
	case OPTT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPTT_CHOICE:
		if (check_choice(o, arg) < 0)
			return -BOSUN_EUSAGE;
		*(const char **)o->value = arg;
		return 0;
	case OPTT_INT: {
		char *end;
		long v;

		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < INT_MIN || v > INT_MAX)
			return opt_name_err(o, "expects a whole number");
		*(int *)o->value = (int)v;
		return 0;
	}
	case OPTT_OPTINT: {
		char *end;
		long v;

		if (!arg) {
			*(int *)o->value = -1;
			return 0;
		}
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > INT_MAX)
			return opt_name_err(o, "expects a whole number, 1 or more");
		*(int *)o->value = (int)v;
		return 0;
	}
	case OPTT_LIST: {
		struct opt_list *l = o->value;

		ALLOC_GROW(l->items, l->nr + 1, l->alloc);
		l->items[l->nr++] = arg;
		return 0;
	}
	case OPTT_END:
		break;
	}
	return error_set(BOSUN_EINTERNAL, "bad option table");
}

static int takes_arg(const struct option *o)
{
	return o->type == OPTT_STRING || o->type == OPTT_INT ||
	       o->type == OPTT_LIST || o->type == OPTT_CHOICE;
}

static int parse_long(const struct option *opts, int argc, char **argv, int *i)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct option *o;
	int neg;

	if (len == 4 && !strncmp(name, "help", 4))
		return OPTS_HELP;
	o = find_long(opts, name, len, &neg);
	if (!o)
		return unknown_long(opts, name, len);
	if (o->type == OPTT_OPTINT)
		return apply(o, eq ? eq + 1 : NULL, 0);
	if (!takes_arg(o)) {
		if (eq)
			return opt_name_err(o, "takes no value");
		return apply(o, NULL, neg);
	}
	if (eq)
		return apply(o, eq + 1, 0);
	if (*i + 1 >= argc)
		return opt_name_err(o, "requires a value");
	return apply(o, argv[++*i], 0);
}

static int parse_short(const struct option *opts, int argc, char **argv, int *i)
{
	const char *p = argv[*i] + 1;

	for (; *p; p++) {
		const struct option *o = find_short(opts, *p);
		int r;

		if (!o) {
			if (*p == 'h')
				return OPTS_HELP;
			return error_set(BOSUN_EUSAGE, "unknown option '-%c'", *p);
		}
		if (!takes_arg(o)) {
			if ((r = apply(o, NULL, 0)) < 0)
				return r;
			continue;
		}
		if (p[1])
			return apply(o, p + 1, 0);
		if (*i + 1 >= argc)
			return opt_name_err(o, "requires a value");
		return apply(o, argv[++*i], 0);
	}
	return 0;
}

int opts_parse(const struct option *opts, int argc, char **argv, int flags)
{
	int i, out = 0, only_operands = 0;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		int r;

		if (only_operands || a[0] != '-' || !a[1]) {
			argv[out++] = a;
			if (flags & OPTS_STOP_AT_OPERAND)
				only_operands = 1;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_operands = 1;
			continue;
		}
		if (a[1] == '-')
			r = parse_long(opts, argc, argv, &i);
		else
			r = parse_short(opts, argc, argv, &i);
		if (r < 0 && (flags & OPTS_KEEP_UNKNOWN)) {
			error_clear();
			argv[out++] = a;
			continue;
		}
		if (r)
			return r;
	}
	argv[out] = NULL;
	return out;
}

void opts_help(struct strbuf *sb, const struct option *opts)
{
	const struct option *o;

	for (o = opts; o->type != OPTT_END; o++) {
		size_t start = sb->len, w;

		strbuf_addstr(sb, "    ");
		if (o->short_name)
			strbuf_addf(sb, "-%c", o->short_name);
		if (o->short_name && o->long_name)
			strbuf_addstr(sb, ", ");
		if (o->long_name)
			strbuf_addf(sb, "--%s", o->long_name);
		if (takes_arg(o) && o->argh)
			strbuf_addf(sb, " %s%s%s", o->type == OPTT_CHOICE ? "(" : "",
				    o->argh, o->type == OPTT_CHOICE ? ")" : "");
		else if (o->type == OPTT_OPTINT && o->argh)
			strbuf_addf(sb, "[=%s]", o->argh);
		w = sb->len - start;
		if (w < 28)
			strbuf_addchars(sb, ' ', 28 - w);
		else
			strbuf_addstr(sb, "\n                            ");
		strbuf_addstr(sb, o->help ? o->help : "");
		strbuf_addch(sb, '\n');
	}
}
