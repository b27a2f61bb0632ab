/*
 * rules.c - parse and hold the scanner's rules (see rules.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "lib/scan/rules.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/yaml/ytree.h"

#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

/* A regex longer than this is a mistake, and slow to compile. */
#define REGEX_MAX 4096

static void regexes_release(char **src, void **compiled, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(src[i]);
		pcre2_code_free(compiled ? compiled[i] : NULL);
	}
	free(src);
	free(compiled);
}

static void allow_release(struct scan_allow *a)
{
	size_t i;

	glob_list_release(&a->paths);
	regexes_release(a->regexes, a->compiled, a->nr_regexes);
	regexes_release(a->matches, a->matches_compiled, a->nr_matches);
	for (i = 0; i < a->nr_stopwords; i++)
		free(a->stopwords[i]);
	free(a->stopwords);
	memset(a, 0, sizeof(*a));
}

static void rule_free(struct scan_rule *rule)
{
	size_t i;

	if (!rule)
		return;
	free(rule->id);
	free(rule->description);
	free(rule->regex);
	for (i = 0; i < rule->nr_keywords; i++)
		free(rule->keywords[i]);
	free(rule->keywords);
	glob_list_release(&rule->paths);
	allow_release(&rule->allow);
	free(rule->origin);
	pcre2_code_free(rule->re);
	free(rule);
}

void scan_rules_release(struct scan_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		rule_free(rs->items[i]);
	free(rs->items);
	rs->items = NULL;
	rs->nr = rs->alloc = 0;
	allow_release(&rs->allow);
}

/* Compile re; on failure record "<where>: bad regex: <why> at offset N". */
static int compile_re(void **out, const char *re, unsigned options,
		      const struct ytree *t, const struct ynode *n, const char *id)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int code;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
				      options, &code, &off, NULL);

	if (c) {
		*out = c;
		return 0;
	}
	pcre2_get_error_message(code, msg, sizeof(msg));
	if (t)
		return ytree_error(t, n, "bad regex: %s at offset %zu", (char *)msg,
				   (size_t)off);
	return error_set(BOSUN_EDATA, "rule '%s': bad regex: %s at offset %zu", id,
			 (char *)msg, (size_t)off);
}

int scan_rule_compile(struct scan_rule *rule)
{
	if (rule->re)
		return 0;
	if (compile_re(&rule->re, rule->regex, PCRE2_MULTILINE, NULL, NULL, rule->id) < 0)
		return -BOSUN_EDATA;
	/* Without JIT (a platform without it) matching is slower, not wrong. */
	pcre2_jit_compile(rule->re, PCRE2_JIT_COMPLETE);
	return 0;
}

/* ---- parsing ------------------------------------------------------------- */

struct parse {
	const struct ytree *t;
	int check;      /* compile regexes now, to report errors with a place */
};

static int want_string(const struct parse *p, const struct ynode *n,
		       const char *what, char **out)
{
	if (!n || n->type != Y_SCALAR || ynode_is_null(n) || !n->len)
		return ytree_error(p->t, n, "%s must be a non-empty string", what);
	*out = xstrdup(n->text);
	return 0;
}

static char *lower(const char *s)
{
	char *d = xstrdup(s), *q;

	for (q = d; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return d;
}

/* A list of strings (a single string is a list of one). */
static int want_list(const struct parse *p, const struct ynode *n,
		     const char *what, char ***out, size_t *nr, int lc)
{
	size_t i, cnt = n->type == Y_SEQ ? n->nr : 1;
	char **v;

	if (n->type == Y_MAP || (n->type == Y_SCALAR && (ynode_is_null(n) || !n->len)))
		return ytree_error(p->t, n, "%s must be a list of strings", what);
	for (i = 0; n->type == Y_SEQ && i < n->nr; i++)
		if (n->kids[i]->type != Y_SCALAR || !n->kids[i]->len)
			return ytree_error(p->t, n->kids[i], "%s must be a list of "
					   "non-empty strings", what);
	v = xcalloc(cnt + 1, sizeof(*v));
	for (i = 0; i < cnt; i++) {
		const char *s = n->type == Y_SEQ ? n->kids[i]->text : n->text;

		v[i] = lc ? lower(s) : xstrdup(s);
	}
	*out = v;
	*nr = cnt;
	return 0;
}

static int want_globs(const struct parse *p, const struct ynode *n,
		      const char *what, struct glob_list *gl)
{
	char **v = NULL;
	size_t nr = 0, i;
	int r = want_list(p, n, what, &v, &nr, 0);

	for (i = 0; i < nr; i++) {
		glob_list_add(gl, v[i]);
		free(v[i]);
	}
	free(v);
	return r;
}

static int check_keys(const struct parse *p, const struct ynode *map,
		      const char *what, const char *const *keys)
{
	size_t i;
	const char *const *k;

	if (!map || map->type != Y_MAP)
		return ytree_error(p->t, map, "%s must be a mapping", what);
	for (i = 0; i + 1 < map->nr; i += 2) {
		const struct ynode *key = map->kids[i];

		for (k = keys; *k; k++)
			if (key->type == Y_SCALAR && !strcmp(key->text, *k))
				break;
		if (!*k)
			return ytree_error(p->t, key, "unknown key '%s' in %s",
					   key->type == Y_SCALAR ? key->text : "?", what);
	}
	return 0;
}

/* A list of regexes under `key` of an allowlist, compiled. */
static int want_regexes(const struct parse *p, const struct ynode *n,
			const char *key, char ***src, void ***compiled, size_t *nr)
{
	const struct ynode *v = ynode_get(n, key);
	struct strbuf what = STRBUF_INIT;
	size_t i;
	int r;

	if (!v)
		return 0;
	strbuf_addf(&what, "allowlist.%s", key);
	r = want_list(p, v, what.buf, src, nr, 0);
	strbuf_release(&what);
	if (r < 0)
		return r;
	*compiled = xcalloc(*nr + 1, sizeof(**compiled));
	for (i = 0; i < *nr; i++) {
		if ((r = compile_re(&(*compiled)[i], (*src)[i], 0, p->t,
				    v->type == Y_SEQ ? v->kids[i] : v, NULL)) < 0)
			return r;
		/* Tried on every candidate of their rule: interpreted, they
		 * cost a scan more than Vectorscan's search did. */
		pcre2_jit_compile((*compiled)[i], PCRE2_JIT_COMPLETE);
	}
	return 0;
}

static int parse_allow(const struct parse *p, const struct ynode *n,
		       struct scan_allow *a)
{
	static const char *const keys[] = {
		"paths", "regexes", "stopwords", "matches", NULL,
	};
	const struct ynode *v;
	int r;

	if ((r = check_keys(p, n, "allowlist", keys)) < 0)
		return r;
	if ((v = ynode_get(n, "paths")) &&
	    (r = want_globs(p, v, "allowlist.paths", &a->paths)) < 0)
		return r;
	if ((v = ynode_get(n, "stopwords")) &&
	    (r = want_list(p, v, "allowlist.stopwords", &a->stopwords,
			   &a->nr_stopwords, 1)) < 0)
		return r;
	if ((r = want_regexes(p, n, "regexes", &a->regexes, &a->compiled,
			      &a->nr_regexes)) < 0)
		return r;
	return want_regexes(p, n, "matches", &a->matches, &a->matches_compiled,
			    &a->nr_matches);
}

static int valid_id(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int parse_number(const struct parse *p, const struct ynode *n,
			const char *what, double lo, double hi, double *out)
{
	char *end;
	double d;

	if (n->type != Y_SCALAR || !n->len)
		return ytree_error(p->t, n, "%s must be a number", what);
	d = strtod(n->text, &end);
	if (*end || !(d >= lo && d <= hi))
		return ytree_error(p->t, n, "%s must be a number from %g to %g",
				   what, lo, hi);
	*out = d;
	return 0;
}

/* The regex, its secret group, and whether both work with PCRE2. */
static int parse_regex(const struct parse *p, const struct ynode *rn,
		       struct scan_rule *rule)
{
	const struct ynode *g = ynode_get(rn, "secret_group");
	uint32_t groups = 0;
	double d;
	int r;

	if ((r = want_string(p, ynode_get(rn, "regex"), "regex", &rule->regex)) < 0)
		return ytree_error(p->t, ynode_get(rn, "regex") ? ynode_get(rn, "regex") : rn,
				   "a rule needs a regex");
	if (strlen(rule->regex) > REGEX_MAX)
		return ytree_error(p->t, ynode_get(rn, "regex"),
				   "regex is longer than %d characters", REGEX_MAX);
	if (g && (r = parse_number(p, g, "secret_group", 0, 99, &d)) < 0)
		return r;
	rule->secret_group = g ? (int)d : -1;
	if (g && d != (int)d)
		return ytree_error(p->t, g, "secret_group must be a whole number");
	if (!p->check)
		return 0;
	if ((r = compile_re(&rule->re, rule->regex, PCRE2_MULTILINE, p->t,
			    ynode_get(rn, "regex"), NULL)) < 0)
		return r;
	pcre2_pattern_info(rule->re, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (rule->secret_group > (int)groups)
		return ytree_error(p->t, g, "secret_group %d, but the regex has %u "
				   "group%s", rule->secret_group, groups,
				   groups == 1 ? "" : "s");
	return 0;
}

static int parse_rule(const struct parse *p, const struct ynode *rn,
		      struct scan_rule *rule)
{
	static const char *const keys[] = {
		"id", "description", "regex", "secret_group", "keywords",
		"entropy", "paths", "allowlist", NULL,
	};
	const struct ynode *v;
	struct strbuf sb = STRBUF_INIT;
	int r;

	if ((r = check_keys(p, rn, "a rule", keys)) < 0)
		return r;
	if (!(v = ynode_get(rn, "id")))
		return ytree_error(p->t, rn, "a rule needs an id");
	if ((r = want_string(p, v, "id", &rule->id)) < 0)
		return r;
	if (!valid_id(rule->id))
		return ytree_error(p->t, v, "id '%s' must be lowercase letters, "
				   "digits and '-'", rule->id);
	strbuf_addf(&sb, "%s:%d:%d", p->t->name, rn->line, rn->col);
	rule->origin = strbuf_detach(&sb, NULL);
	v = ynode_get(rn, "description");
	if (v && (r = want_string(p, v, "description", &rule->description)) < 0)
		return r;
	if (!v)
		rule->description = xstrdup(rule->id);
	if ((r = parse_regex(p, rn, rule)) < 0)
		return r;
	if ((v = ynode_get(rn, "keywords")) &&
	    (r = want_list(p, v, "keywords", &rule->keywords, &rule->nr_keywords, 1)) < 0)
		return r;
	if ((v = ynode_get(rn, "entropy")) &&
	    (r = parse_number(p, v, "entropy", 0, 8, &rule->entropy)) < 0)
		return r;
	if ((v = ynode_get(rn, "paths")) &&
	    (r = want_globs(p, v, "paths", &rule->paths)) < 0)
		return r;
	if ((v = ynode_get(rn, "allowlist")))
		return parse_allow(p, v, &rule->allow);
	return 0;
}

static void rules_put(struct scan_rules *rs, struct scan_rule *rule)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		if (!strcmp(rs->items[i]->id, rule->id)) {
			rule_free(rs->items[i]);
			rs->items[i] = rule;
			return;
		}
	ALLOC_GROW(rs->items, rs->nr + 1, rs->alloc);
	rs->items[rs->nr++] = rule;
}

static int dup_id(const struct parse *p, const struct ynode *list, size_t upto)
{
	const struct ynode *a = ynode_get(list->kids[upto], "id");
	size_t i;

	for (i = 0; a && i < upto; i++) {
		const struct ynode *b = ynode_get(list->kids[i], "id");

		if (b && b->type == Y_SCALAR && a->type == Y_SCALAR &&
		    !strcmp(a->text, b->text))
			return ytree_error(p->t, a, "rule '%s' is defined twice "
					   "(first at line %d)", a->text, b->line);
	}
	return 0;
}

static int parse_doc(struct scan_rules *rs, const struct parse *p,
		     struct scan_rule ***out, size_t *nr)
{
	static const char *const keys[] = { "rules", "allowlist", NULL };
	const struct ynode *root = p->t->root, *list, *al;
	struct scan_rule **v;
	size_t i;
	int r;

	if (!root || ynode_is_null(root))
		return ytree_error(p->t, NULL, "a rule file needs 'rules:'");
	if ((r = check_keys(p, root, "a rule file", keys)) < 0)
		return r;
	list = ynode_get(root, "rules");
	if (!list || list->type != Y_SEQ)
		return ytree_error(p->t, list ? list : root, "'rules' must be a list");
	if ((al = ynode_get(root, "allowlist")) &&
	    (r = parse_allow(p, al, &rs->allow)) < 0)
		return r;
	v = xcalloc(list->nr + 1, sizeof(*v));
	*out = v;
	for (i = 0; i < list->nr; i++) {
		v[i] = xcalloc(1, sizeof(**v));
		*nr = i + 1;
		if ((r = parse_rule(p, list->kids[i], v[i])) < 0 ||
		    (r = dup_id(p, list, i)) < 0)
			return r;
	}
	return 0;
}

static int parse_text(struct scan_rules *rs, const char *name, const char *text,
		      size_t len, int check)
{
	struct ytree t = { 0 };
	struct parse p = { &t, check };
	struct scan_rule **v = NULL;
	size_t nr = 0, i;
	int r;

	if ((r = ytree_parse(&t, name, text, len)) >= 0)
		r = parse_doc(rs, &p, &v, &nr);
	for (i = 0; i < nr; i++) {
		if (r < 0)
			rule_free(v[i]);
		else
			rules_put(rs, v[i]);
	}
	free(v);
	ytree_release(&t);
	return r;
}

int scan_rules_parse(struct scan_rules *rs, const char *name, const char *text,
		     size_t len)
{
	return parse_text(rs, name, text, len, 1);
}

int scan_rules_add_default(struct scan_rules *rs)
{
	/* The built-in rules are checked by the tests; compiling their regexes
	 * waits until a candidate needs one, which keeps a hook's scan fast. */
	return parse_text(rs, "rules.yml", scan_default_rules,
			  scan_default_rules_len, 0);
}

int scan_rules_disable(struct scan_rules *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		if (!strcmp(rs->items[i]->id, id)) {
			rule_free(rs->items[i]);
			memmove(rs->items + i, rs->items + i + 1,
				(rs->nr - i - 1) * sizeof(*rs->items));
			rs->nr--;
			return 0;
		}
	return error_set(BOSUN_ENOTFOUND, "no rule '%s'", id);
}

const struct scan_rule *scan_rules_find(const struct scan_rules *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		if (!strcmp(rs->items[i]->id, id))
			return rs->items[i];
	return NULL;
}

/* ---- deciding ------------------------------------------------------------ */

double scan_entropy(const char *s, size_t len)
{
	size_t counts[256] = { 0 }, i;
	double h = 0;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		counts[(unsigned char)s[i]]++;
	for (i = 0; i < 256; i++)
		if (counts[i]) {
			double f = (double)counts[i] / (double)len;

			h -= f * log2(f);
		}
	return h;
}

static int contains_ci(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; n && i + n <= len; i++) {
		for (j = 0; j < n; j++)
			if (tolower((unsigned char)hay[i + j]) != needle[j])
				break;
		if (j == n)
			return 1;
	}
	return 0;
}

/* 1 when any of the nr compiled regexes matches s. */
static int any_matches(void *const *compiled, size_t nr, const char *s, size_t len)
{
	size_t i;
	int hit = 0;

	for (i = 0; i < nr && !hit; i++) {
		pcre2_match_data *md =
			pcre2_match_data_create_from_pattern(compiled[i], NULL);

		hit = pcre2_match(compiled[i], (PCRE2_SPTR)s, len, 0, 0, md, NULL) >= 0;
		pcre2_match_data_free(md);
	}
	return hit;
}

int scan_allow_secret(const struct scan_allow *a, const char *secret, size_t len)
{
	size_t i;

	for (i = 0; i < a->nr_stopwords; i++)
		if (contains_ci(secret, len, a->stopwords[i]))
			return 1;
	return any_matches(a->compiled, a->nr_regexes, secret, len);
}

int scan_allow_match(const struct scan_allow *a, const char *match, size_t len)
{
	return any_matches(a->matches_compiled, a->nr_matches, match, len);
}
