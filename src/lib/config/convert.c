/*
 * convert.c - YAML values to the normalised JSON shape of their schema type
 * (internal.h): scalars, lists, commands, steps, version files, changelog
 * sections and free-form JSON; a key's own check comes from its table. Every
 * message names the key and points at the value's FILE:LINE:COL.
 */
#include "lib/config/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/opts.h"
#include "core/strbuf.h"
#include "core/time.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define STEP_TIMEOUT_MS 600000LL
/* Limits on version patterns, which regcomp() can take ages over (below). */
#define PATTERN_LEN_MAX 512
#define PATTERN_BOUND_MAX 255LL
#define PATTERN_COPIES_MAX 400LL
#define PATTERN_SIZE_MAX 10000LL

/* ---- messages ------------------------------------------------------------ */

__attribute__((format(printf, 4, 0)))
static int vsrc_error(const struct src *s, int line, int col,
		      const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (s->env || line <= 0)
		strbuf_addf(&sb, "%s: ", s->name);
	else
		strbuf_addf(&sb, "%s:%d:%d: ", s->name, line, col);
	strbuf_vaddf(&sb, fmt, ap);
	r = error_set(BOSUN_EDATA, "%s", sb.buf);
	strbuf_release(&sb);
	return r;
}

/* Record "FILE:LINE:COL: message" for node n; returns -BOSUN_EDATA. */
__attribute__((format(printf, 3, 4)))
int cfg_yerr(const struct src *s, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsrc_error(s, n->line, n->col, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- scalars ------------------------------------------------------------- */

int cfg_is_string(const struct ynode *n)
{
	return n->type == Y_SCALAR && !ynode_is_null(n);
}

/* How a value looks in a message: "'maybe'", "a list", "empty". */
const char *cfg_describe(struct strbuf *sb, const struct ynode *n)
{
	if (n->type == Y_SEQ)
		return "a list";
	if (n->type == Y_MAP)
		return "a mapping";
	if (ynode_is_null(n))
		return n->len ? "null" : "empty";
	strbuf_addch(sb, '\'');
	if (n->len > 40)
		strbuf_addf(sb, "%.37s...", n->text);
	else
		strbuf_addstr(sb, n->text);
	strbuf_addch(sb, '\'');
	return sb->buf;
}

int cfg_type_err(const struct src *s, const char *path,
		 const struct ynode *n, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	r = cfg_yerr(s, n, "'%s' must be %s, not %s", path, what,
		     cfg_describe(&sb, n));
	strbuf_release(&sb);
	return r;
}

int cfg_parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

/* "90s", "10m", "1h30m", "250ms", or a bare number of seconds, into ms
 * (at most INT_MAX: callers keep milliseconds in an int; 24 days is
 * plenty). The grammar is core/time's, shared by every duration. */
int cfg_parse_duration(const char *s, long long *out)
{
	return time_parse_duration(s, INT_MAX, out);
}

int config_parse_duration(const char *s, long long *ms)
{
	return s ? cfg_parse_duration(s, ms) : -1;
}

/* ---- converting YAML values to their normalised JSON shape --------------- */

static int make_string(const struct src *s, const char *path,
		       const struct ynode *n, json_t **out)
{
	*out = json_stringn(n->text, n->len);
	if (!*out)
		return cfg_yerr(s, n, "'%s' is not valid UTF-8", path);
	return 0;
}

static int conv_string(const struct src *s, const char *path,
		       const struct ynode *n, json_t **out)
{
	if (!cfg_is_string(n))
		return cfg_type_err(s, path, n, "a string");
	return make_string(s, path, n, out);
}

static int conv_string_or_null(const struct src *s, const char *path,
			       const struct ynode *n, json_t **out)
{
	if (ynode_is_null(n)) {
		*out = json_null();
		return 0;
	}
	return conv_string(s, path, n, out);
}

static int conv_bool(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	size_t i;

	for (i = 0; n->type == Y_SCALAR && n->plain && i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(n->text, yes[i]) || !strcmp(n->text, no[i])) {
			*out = json_boolean(!strcmp(n->text, yes[i]));
			return 0;
		}
	}
	return cfg_type_err(s, path, n, "a boolean (true or false)");
}

static int conv_int(const struct src *s, const char *path,
		    const struct ynode *n, json_t **out)
{
	long long v;

	if (n->type != Y_SCALAR || !n->plain || cfg_parse_ll(n->text, &v) < 0)
		return cfg_type_err(s, path, n, "an integer");
	*out = json_integer(v);
	return 0;
}

static int conv_duration(const struct src *s, const char *path,
			 const struct ynode *n, json_t **out)
{
	long long ms;

	if (!cfg_is_string(n) || cfg_parse_duration(n->text, &ms) < 0)
		return cfg_type_err(s, path, n,
				    "a duration (seconds, or like 90s, 10m, 1h)");
	*out = json_integer(ms);
	return 0;
}

/* A sequence, each item converted by conv as "path[i]". */
static int conv_items(const struct src *s, const char *path,
		      const struct ynode *n, conv_fn conv, json_t *arr)
{
	struct strbuf sub = STRBUF_INIT;
	json_t *item;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i < n->nr; i++) {
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s[%zu]", path, i);
		r = conv(s, sub.buf, n->kids[i], &item);
		if (r >= 0)
			json_array_append_new(arr, item);
	}
	strbuf_release(&sub);
	return r;
}

/* Null is an empty list; anything else must be a sequence. */
static int conv_list(const struct src *s, const char *path,
		     const struct ynode *n, conv_fn conv, const char *what,
		     json_t **out)
{
	json_t *arr;
	int r;

	if (!ynode_is_null(n) && n->type != Y_SEQ)
		return cfg_type_err(s, path, n, what);
	arr = json_array();
	r = n->type == Y_SEQ ? conv_items(s, path, n, conv, arr) : 0;
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

/* A list of strings; one string is a list of one. */
static int conv_strlist(const struct src *s, const char *path,
			const struct ynode *n, json_t **out)
{
	json_t *str;
	int r;

	if (!cfg_is_string(n))
		return conv_list(s, path, n, conv_string, "a list of strings", out);
	if ((r = make_string(s, path, n, &str)) < 0)
		return r;
	*out = json_pack("[o]", str);
	return 0;
}

/* A command: a list of strings, or one string run by "sh -c". "Nothing"
 * (null, "", []) is json null when allow_none, else an error. */
static int argv_from(const struct src *s, const char *path,
		     const struct ynode *n, int allow_none, json_t **out)
{
	const char *what = "a command (a string or a list of strings)";
	json_t *v = NULL;
	int r;

	if (cfg_is_string(n))
		r = n->len ? make_string(s, path, n, &v) : 0;
	else if (n->type == Y_SEQ || ynode_is_null(n))
		r = conv_list(s, path, n, conv_string, what, &v);
	else
		return cfg_type_err(s, path, n, what);
	if (r < 0)
		return r;
	if (json_is_string(v))
		v = json_pack("[sso]", "sh", "-c", v);
	if (!v || !json_array_size(v)) {
		json_decref(v);
		if (!allow_none)
			return cfg_yerr(s, n, "'%s' must not be empty", path);
		v = json_null();
	}
	*out = v;
	return 0;
}

static int conv_argv(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	return argv_from(s, path, n, 1, out);
}

static int conv_run(const struct src *s, const char *path,
		    const struct ynode *n, json_t **out)
{
	return argv_from(s, path, n, 0, out);
}

/* Whether key i of map (a string) repeats an earlier key. Callers stop at
 * the first key they do not know, so the earlier keys are few. */
int cfg_dup_key(const struct ynode *map, size_t i)
{
	size_t j;

	for (j = 0; j < i; j += 2)
		if (!strcmp(map->kids[j]->text, map->kids[i]->text))
			return 1;
	return 0;
}

static int conv_strmap_pairs(const struct src *s, const char *path,
			     const struct ynode *n, json_t *obj)
{
	struct strbuf sub = STRBUF_INIT;
	const struct ynode *k, *v;
	json_t *val;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i + 1 < n->nr; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (!cfg_is_string(k))
			r = cfg_yerr(s, k, "keys of '%s' must be strings", path);
		else if (json_object_get(obj, k->text))
			r = cfg_yerr(s, k, "duplicate key '%s' in '%s'", k->text, path);
		if (r < 0)
			break;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s.%s", path, k->text);
		if ((r = conv_string(s, sub.buf, v, &val)) < 0)
			break;
		if (json_object_set_new(obj, k->text, val) < 0)
			r = cfg_yerr(s, k, "'%s' is not valid UTF-8", sub.buf);
	}
	strbuf_release(&sub);
	return r;
}

static int conv_strmap(const struct src *s, const char *path,
		       const struct ynode *n, json_t **out)
{
	json_t *obj;
	int r = 0;

	if (!ynode_is_null(n) && n->type != Y_MAP)
		return cfg_type_err(s, path, n, "a mapping of names to strings");
	obj = json_object();
	if (n->type == Y_MAP)
		r = conv_strmap_pairs(s, path, n, obj);
	if (r < 0) {
		json_decref(obj);
		return r;
	}
	*out = obj;
	return 0;
}

/* The keys an object in a list (a step, a file, a section) may have. */
struct field {
	const char *name;
	conv_fn conv;
	int required;
};

static const struct field *find_field(const struct field *f, const char *name)
{
	for (; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static int unknown_field(const struct src *s, const char *path,
			 const struct ynode *k, const struct field *fields)
{
	const char *cands[16];
	const char *best;
	size_t nr = 0;

	for (; fields->name && nr + 1 < ARRAY_SIZE(cands); fields++)
		cands[nr++] = fields->name;
	cands[nr] = NULL;
	best = opts_suggest(k->text, cands);
	if (best)
		return cfg_yerr(s, k, "unknown key '%s' in '%s' (did you mean '%s'?)",
				k->text, path, best);
	return cfg_yerr(s, k, "unknown key '%s' in '%s'", k->text, path);
}

static int conv_field(const struct src *s, const char *path,
		      const struct ynode *k, const struct ynode *v,
		      const struct field *fields, json_t *obj)
{
	struct strbuf sub = STRBUF_INIT;
	const struct field *f = find_field(fields, k->text);
	json_t *val;
	int r;

	if (!f)
		return unknown_field(s, path, k, fields);
	strbuf_addf(&sub, "%s.%s", path, f->name);
	r = f->conv(s, sub.buf, v, &val);
	if (r >= 0)
		json_object_set_new(obj, f->name, val);
	strbuf_release(&sub);
	return r;
}

/* Fill obj from mapping n, whose keys must be among fields. */
static int conv_fields(const struct src *s, const char *path,
		       const struct ynode *n, const struct field *fields,
		       json_t *obj)
{
	const struct field *f;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i + 1 < n->nr; i += 2) {
		const struct ynode *k = n->kids[i];

		if (!cfg_is_string(k))
			r = cfg_yerr(s, k, "keys of '%s' must be strings", path);
		else if (cfg_dup_key(n, i))
			r = cfg_yerr(s, k, "duplicate key '%s' in '%s'", k->text, path);
		else
			r = conv_field(s, path, k, n->kids[i + 1], fields, obj);
	}
	for (f = fields; r >= 0 && f->name; f++)
		if (f->required && !json_object_get(obj, f->name))
			r = cfg_yerr(s, n, "'%s' needs a '%s'", path, f->name);
	return r;
}

static int conv_object(const struct src *s, const char *path,
		       const struct ynode *n, const struct field *fields,
		       const char *what, json_t **out)
{
	json_t *obj;
	int r;

	if (n->type != Y_MAP)
		return cfg_type_err(s, path, n, what);
	obj = json_object();
	if ((r = conv_fields(s, path, n, fields, obj)) < 0) {
		json_decref(obj);
		return r;
	}
	*out = obj;
	return 0;
}

static const struct field step_fields[] = {
	{ "name", conv_string, 0 },
	{ "run", conv_run, 1 },
	{ "env", conv_strmap, 0 },
	{ "timeout", conv_duration, 0 },
	{ "dir", conv_string_or_null, 0 },
	{ NULL, NULL, 0 },
};

/* A step without a name is named after its command. */
static json_t *step_name(const json_t *run)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, nr = json_array_size(run);
	json_t *name;

	if (nr == 3 && !strcmp(json_string_value(json_array_get(run, 0)), "sh") &&
	    !strcmp(json_string_value(json_array_get(run, 1)), "-c"))
		return json_incref(json_array_get(run, 2));
	for (i = 0; i < nr; i++) {
		if (i)
			strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, json_string_value(json_array_get(run, i)));
	}
	name = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return name;
}

static void step_defaults(json_t *step)
{
	if (!json_object_get(step, "name"))
		json_object_set_new(step, "name",
				    step_name(json_object_get(step, "run")));
	if (!json_object_get(step, "env"))
		json_object_set_new(step, "env", json_object());
	if (!json_object_get(step, "timeout"))
		json_object_set_new(step, "timeout", json_integer(STEP_TIMEOUT_MS));
	if (!json_object_get(step, "dir"))
		json_object_set_new(step, "dir", json_null());
}

/* A step is a mapping with "run", or just a command string. */
static int conv_step(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	json_t *run;
	int r;

	if (cfg_is_string(n)) {
		if ((r = conv_run(s, path, n, &run)) < 0)
			return r;
		*out = json_pack("{so}", "run", run);
	} else if ((r = conv_object(s, path, n, step_fields,
				    "a step (a command, or a mapping with 'run')",
				    out)) < 0) {
		return r;
	}
	step_defaults(*out);
	return 0;
}

static int conv_steps(const struct src *s, const char *path,
		      const struct ynode *n, json_t **out)
{
	return conv_list(s, path, n, conv_step, "a list of steps", out);
}

/*
 * glibc's regcomp() takes exponential time and memory over some patterns:
 * it copies a subexpression for each '+' and {n,m}, and computes closures
 * over nested optional repetitions ("a+++++++++++++" or "((a?)?b?){31,}"
 * take seconds to minutes). A version pattern needs none of that, so before
 * regcomp() sees a pattern it must be short, repeat nothing that is itself
 * repeated more than one level up, and keep its bounds small.
 */
struct re_scan {
	const char *p;
	long long size;		/* atoms, each counted once per copy */
	int bad;
};

/* Past a bracket expression at p (just after its '['). */
static const char *re_bracket(const char *p)
{
	char close;

	p += *p == '^';
	p += *p == ']';
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			close = p[1];
			for (p += 2; *p && !(p[0] == close && p[1] == ']'); p++)
				;
			p += *p ? 2 : 0;
		} else {
			p++;
		}
	}
	return *p ? p + 1 : p;
}

/* Past the atom at p: a group, a bracket expression, an escape or a char. */
static const char *re_skip_atom(const char *p)
{
	int open = 0;

	do {
		if (*p == '[')
			p = re_bracket(p + 1);
		else if (*p == '\\' && p[1])
			p += 2;
		else
			open += (*p == '(') - (*p == ')' && open), p++;
	} while (open && *p);
	return p;
}

/* One quantifier at *p; *bound is how many copies it may make. */
static int re_quantifier(const char **p, long long *bound)
{
	long long n = 0;

	if (**p == '*' || **p == '?' || **p == '+') {
		(*p)++;
		*bound = 2;
		return 1;
	}
	if (**p != '{' || !((*p)[1] == ',' || ((*p)[1] >= '0' && (*p)[1] <= '9')))
		return 0;
	for (*bound = 1, (*p)++; (**p >= '0' && **p <= '9') || **p == ','; (*p)++) {
		n = **p == ',' ? 0 : n * 10 + (**p - '0');
		if (n > *bound)
			*bound = n > PATTERN_BOUND_MAX ? PATTERN_BOUND_MAX + 1 : n;
	}
	*p += **p == '}';
	return 1;
}

static void re_alt(struct re_scan *rs, int depth, long long copies);

/* An atom and its quantifier; depth quantifiers apply to it from outside,
 * which together make copies of it. */
static void re_piece(struct re_scan *rs, int depth, long long copies)
{
	const char *atom = rs->p, *q = re_skip_atom(atom);
	long long bound = 1, again;

	if (re_quantifier(&q, &bound)) {
		depth++;
		copies *= bound;
		if (re_quantifier(&q, &again))
			rs->bad = 1;	/* "a+*": a repetition of a repetition */
	}
	rs->size += copies;
	if (depth > 2 || bound > PATTERN_BOUND_MAX ||
	    copies > PATTERN_COPIES_MAX || rs->size > PATTERN_SIZE_MAX)
		rs->bad = 1;
	if (*atom == '(' && !rs->bad) {
		rs->p = atom + 1;
		re_alt(rs, depth, copies);
	}
	rs->p = q;
}

static void re_alt(struct re_scan *rs, int depth, long long copies)
{
	while (*rs->p && *rs->p != ')' && !rs->bad) {
		if (*rs->p == '|')
			rs->p++;
		else
			re_piece(rs, depth, copies);
	}
}

static int pattern_too_big(const char *p)
{
	struct re_scan rs = { p, 0, strlen(p) > PATTERN_LEN_MAX };

	/* A stray ')' is regcomp()'s to judge; keep measuring after it. */
	while (*rs.p && !rs.bad) {
		re_alt(&rs, 0, 1);
		rs.p += *rs.p == ')';
	}
	return rs.bad;
}

static int check_pattern(const struct src *s, const char *path,
			 const struct ynode *n)
{
	char msg[160];
	regex_t re;
	int rc, r = 0;

	if (pattern_too_big(n->text))
		return cfg_yerr(s, n, "'%s' is too complex a regular expression",
				path);
	rc = regcomp(&re, n->text, REG_EXTENDED);
	if (rc) {
		regerror(rc, &re, msg, sizeof(msg));
		return cfg_yerr(s, n, "'%s' is not a valid regular expression: %s",
				path, msg);
	}
	if (re.re_nsub < 1)
		r = cfg_yerr(s, n, "'%s' must have a group, '(...)', around "
			 "the version", path);
	regfree(&re);
	return r;
}

static int conv_pattern(const struct src *s, const char *path,
			const struct ynode *n, json_t **out)
{
	int r;

	if (cfg_is_string(n) && (r = check_pattern(s, path, n)) < 0)
		return r;
	return conv_string(s, path, n, out);
}

static const struct field file_fields[] = {
	{ "path", conv_string, 1 },
	{ "pattern", conv_pattern, 1 },
	{ NULL, NULL, 0 },
};

static int conv_file(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	return conv_object(s, path, n, file_fields,
			   "a mapping with 'path' and 'pattern'", out);
}

static int conv_files(const struct src *s, const char *path,
		      const struct ynode *n, json_t **out)
{
	return conv_list(s, path, n, conv_file, "a list of files", out);
}

static const struct field section_fields[] = {
	{ "type", conv_string, 1 },
	{ "title", conv_string, 1 },
	{ NULL, NULL, 0 },
};

static int conv_section(const struct src *s, const char *path,
			const struct ynode *n, json_t **out)
{
	return conv_object(s, path, n, section_fields,
			   "a mapping with 'type' and 'title'", out);
}

/* The mapping form "feat: Features", in the order written. */
static int conv_section_map(const struct src *s, const char *path,
			    const struct ynode *n, json_t **out)
{
	json_t *titles, *arr;
	void *it;
	int r;

	if ((r = conv_strmap(s, path, n, &titles)) < 0)
		return r;
	arr = json_array();
	for (it = json_object_iter(titles); it;
	     it = json_object_iter_next(titles, it))
		json_array_append_new(arr, json_pack("{sssO}",
			"type", json_object_iter_key(it),
			"title", json_object_iter_value(it)));
	json_decref(titles);
	*out = arr;
	return 0;
}

static int conv_sections(const struct src *s, const char *path,
			 const struct ynode *n, json_t **out)
{
	if (n->type == Y_MAP)
		return conv_section_map(s, path, n, out);
	return conv_list(s, path, n, conv_section,
			 "a list of {type, title}, or a mapping of type to title",
			 out);
}

/* Any value: sequences are arrays, mappings objects; a plain scalar that
 * reads as null, a boolean or an integer is that, anything else a string. */
static int conv_json(const struct src *s, const char *path,
		     const struct ynode *n, json_t **out)
{
	struct strbuf sub = STRBUF_INIT;
	long long ll;
	size_t i;
	int r = 0;

	if (n->type == Y_SCALAR) {
		if (ynode_is_null(n))
			*out = json_null();
		else if (n->plain && (!strcmp(n->text, "true") || !strcmp(n->text, "false")))
			*out = json_boolean(!strcmp(n->text, "true"));
		else if (n->plain && cfg_parse_ll(n->text, &ll) == 0)
			*out = json_integer(ll);
		else
			*out = json_string(n->text);
		return 0;
	}
	*out = n->type == Y_SEQ ? json_array() : json_object();
	for (i = 0; r >= 0 && i < n->nr; i += n->type == Y_SEQ ? 1 : 2) {
		json_t *item;

		strbuf_reset(&sub);
		if (n->type == Y_SEQ)
			strbuf_addf(&sub, "%s[%zu]", path, i);
		else if (!cfg_is_string(n->kids[i]))
			r = cfg_type_err(s, path, n->kids[i], "a mapping with string keys");
		else
			strbuf_addf(&sub, "%s.%s", path, n->kids[i]->text);
		if (r >= 0)
			r = conv_json(s, sub.buf, n->kids[n->type == Y_SEQ ? i : i + 1], &item);
		if (r >= 0 && n->type == Y_SEQ)
			json_array_append_new(*out, item);
		else if (r >= 0)
			json_object_set_new(*out, n->kids[i]->text, item);
	}
	strbuf_release(&sub);
	if (r < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

conv_fn cfg_type_conv(enum config_type type)
{
	switch (type) {
	case CFG_STRING: return conv_string;
	case CFG_BOOL: return conv_bool;
	case CFG_INT: return conv_int;
	case CFG_DURATION: return conv_duration;
	case CFG_STRLIST: return conv_strlist;
	case CFG_ARGV: return conv_argv;
	case CFG_STRMAP: return conv_strmap;
	case CFG_STEPS: return conv_steps;
	case CFG_FILES: return conv_files;
	case CFG_SECTIONS: return conv_sections;
	case CFG_JSON: return conv_json;
	}
	return conv_string;
}
