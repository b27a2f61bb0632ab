/*
 * lint.c - commit message rules for the commit-msg hook.
 *
 * The message is first reduced to what git will record: comment lines and
 * everything from the scissors line on are dropped, trailing blanks are cut,
 * and leading and trailing blank lines go. Line numbers stay those of the
 * message as written, so an editor can jump to them. This runs on every
 * commit, so the header is scanned in place; memory is only allocated for
 * the line index and for the problems found.
 */
#include "lib/release/lint.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/config/config.h"
#include "core/ascii.h"
#include "core/opts.h"
#include "core/strbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const lint_default_types[] = {
	"build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor",
	"revert", "style", "test",
};
const size_t lint_default_types_nr = ARRAY_SIZE(lint_default_types);

static const struct lint_rules default_rules = LINT_RULES_INIT;

static const char scissors[] =
	"# ------------------------ >8 ------------------------";

#define FORMAT_HINT "write 'type(scope): description', e.g. " \
	"'fix(parser): handle CRLF line endings'"

struct mline {
	const char *p;
	size_t len;
	int no;
};

struct msg {
	struct mline *v;
	size_t nr;
};

/* The header split as "type(scope)!: description". */
struct hdr {
	const char *type, *scope, *desc;
	size_t tlen, slen, dlen;
	int has_scope;
};

static int is_token_char(int c)
{
	return ascii_is_alnum(c) || c == '-';
}

static size_t rtrim_len(const char *p, size_t len)
{
	while (len && ascii_is_blank((unsigned char)p[len - 1]))
		len--;
	return len;
}

static int has_prefix(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(p, prefix, n);
}

static int is_scissors(const char *p, size_t len)
{
	return rtrim_len(p, len) == sizeof(scissors) - 1 &&
	       !memcmp(p, scissors, sizeof(scissors) - 1);
}

/*
 * Call fn on each line git keeps (not a comment, above the scissors), with
 * its 1-based number; stops early when fn returns non-zero.
 */
static void each_kept_line(const char *msg, size_t len,
			   int (*fn)(void *, const char *, size_t, int),
			   void *data)
{
	size_t i = 0;
	int no = 0;

	while (i < len) {
		const char *p = msg + i, *nl = memchr(p, '\n', len - i);
		size_t n = nl ? (size_t)(nl - p) : len - i;

		i += n + 1;
		no++;
		if (n && p[0] == '#') {
			if (is_scissors(p, n))
				return;
			continue;
		}
		if (fn(data, p, rtrim_len(p, n), no))
			return;
	}
}

static int push_line(void *data, const char *p, size_t len, int no)
{
	struct msg *m = data;

	if (!len && !m->nr)
		return 0;
	m->v[m->nr].p = p;
	m->v[m->nr].len = len;
	m->v[m->nr].no = no;
	m->nr++;
	return 0;
}

static void read_message(struct msg *m, const char *msg, size_t len)
{
	size_t i, n = 1;

	for (i = 0; i < len; i++)
		n += msg[i] == '\n';
	m->v = xmalloc(n * sizeof(*m->v));
	m->nr = 0;
	each_kept_line(msg, len, push_line, m);
	while (m->nr && !m->v[m->nr - 1].len)
		m->nr--;
}

static void add_item(struct lint_result *res, int line, const char *rule,
		     const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add_item(struct lint_result *res, int line, const char *rule,
		     const char *hint, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	struct lint_item *it;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(res->items, res->nr + 1, res->alloc);
	it = &res->items[res->nr++];
	it->line = line;
	it->rule = rule;
	it->message = strbuf_detach(&sb, NULL);
	it->hint = hint ? xstrdup(hint) : NULL;
}

/* ---- skipping ---- */

/* "X.Y.Z" (or "vX.Y.Z") at p, followed by the end, a blank, '-' or '+'. */
static int is_version_word(const char *p, size_t len)
{
	size_t i = 0;
	int part;

	if (i < len && p[i] == 'v')
		i++;
	for (part = 0; part < 3; part++) {
		size_t s;

		if (part && (i == len || p[i++] != '.'))
			return 0;
		s = i;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == s)
			return 0;
	}
	return i == len || ascii_is_blank((unsigned char)p[i]) || p[i] == '-' ||
	       p[i] == '+';
}

static const char *skip_reason(const char *h, size_t len,
			       const struct lint_rules *r)
{
	static const char release[] = "chore(release): ";
	const size_t rl = sizeof(release) - 1;

	if (r->skip_merge && has_prefix(h, len, "Merge ") &&
	    (has_prefix(h, len, "Merge branch ") ||
	     has_prefix(h, len, "Merge branches ") ||
	     has_prefix(h, len, "Merge remote-tracking branch ") ||
	     has_prefix(h, len, "Merge pull request ") ||
	     has_prefix(h, len, "Merge tag ") ||
	     has_prefix(h, len, "Merge commit ")))
		return "merge commit";
	if (r->skip_revert && (has_prefix(h, len, "Revert \"") ||
			       has_prefix(h, len, "Reapply \"")))
		return "revert commit";
	if (r->skip_fixup && (has_prefix(h, len, "fixup! ") ||
			      has_prefix(h, len, "squash! ") ||
			      has_prefix(h, len, "amend! ")))
		return "fixup commit";
	if (r->skip_release && has_prefix(h, len, release) &&
	    is_version_word(h + rl, len - rl))
		return "release commit";
	return NULL;
}

static int first_line(void *data, const char *p, size_t len, int no)
{
	struct mline *l = data;

	if (!len)
		return 0;
	l->p = p;
	l->len = len;
	l->no = no;
	return 1;
}

const char *lint_skip(const char *msg, size_t len,
		      const struct lint_rules *rules)
{
	struct mline h = { NULL, 0, 0 };

	if (!msg)
		return NULL;
	each_kept_line(msg, strnlen(msg, len), first_line, &h);
	if (!h.p)
		return NULL;
	return skip_reason(h.p, h.len, rules ? rules : &default_rules);
}

/* ---- the header ---- */

/* Split h into o; NULL, or why it is not "type(scope)!: description". */
static const char *split_header(const char *h, size_t len, struct hdr *o)
{
	size_t i = 0, j, sc;

	memset(o, 0, sizeof(*o));
	if (ascii_is_blank((unsigned char)h[0]))
		return "it starts with a space";
	if (!ascii_is_alpha((unsigned char)h[0]))
		return "it does not start with a type";
	while (i < len && (ascii_is_alnum((unsigned char)h[i]) || h[i] == '-' ||
			   h[i] == '_'))
		i++;
	o->type = h;
	o->tlen = i;
	if (i < len && h[i] == '(') {
		sc = ++i;
		while (i < len && h[i] != ')' && h[i] != '(')
			i++;
		if (i == len || h[i] != ')')
			return "the scope's '(' is not closed";
		o->has_scope = 1;
		o->scope = h + sc;
		o->slen = i - sc;
		if (o->slen && (ascii_is_blank((unsigned char)h[sc]) ||
				ascii_is_blank((unsigned char)h[i - 1])))
			return "the scope has spaces around it";
		i++;
	}
	if (i < len && h[i] == '!')
		i++;
	for (j = i; j < len && ascii_is_blank((unsigned char)h[j]); j++)
		;
	if (j > i && j < len && h[j] == ':')
		return "there is a space before ':'";
	if (i == len || h[i] != ':')
		return "':' is missing after the type";
	i++;
	o->desc = h + i;
	if (i == len)
		return NULL;
	if (h[i] != ' ')
		return "':' is not followed by a space";
	while (i < len && ascii_is_blank((unsigned char)h[i]))
		i++;
	o->desc = h + i;
	o->dlen = len - i;
	return NULL;
}

static int has_upper(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			return 1;
	return 0;
}

static int in_list(const char *p, size_t len, const char *const *list,
		   size_t nr, int icase)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (strlen(list[i]) != len)
			continue;
		if (icase ? !strncasecmp(list[i], p, len) :
			    !memcmp(list[i], p, len))
			return 1;
	}
	return 0;
}

/* "fxi" for "fix": one swap of neighbours, which an edit distance counts
 * as two edits, too many for a short word. */
static int is_transposition(const char *a, const char *b)
{
	size_t i, n = strlen(a);

	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
	       !strcmp(a + i + 2, b + i + 2);
}

/* The candidate to suggest for word, or NULL. */
static const char *suggest(const char *word, const char **cands, size_t nr)
{
	const char *s = opts_suggest(word, cands);
	size_t i;

	for (i = 0; !s && i < nr; i++)
		if (is_transposition(word, cands[i]))
			s = cands[i];
	/* "feature" is too far from "feat" for an edit distance. */
	for (i = 0; !s && i < nr && strlen(word) >= 3; i++)
		if (!strncmp(word, cands[i], 3))
			s = cands[i];
	return s;
}

/* "use one of: a, b, c; did you mean 'x'?" */
static void list_hint(struct strbuf *sb, const char *word,
		      const char *const *list, size_t nr)
{
	const char **cands = xmalloc((nr + 1) * sizeof(*cands));
	const char *s;
	size_t i;

	strbuf_addstr(sb, "use one of: ");
	for (i = 0; i < nr; i++) {
		strbuf_addf(sb, "%s%s", i ? ", " : "", list[i]);
		cands[i] = list[i];
	}
	cands[nr] = NULL;
	s = suggest(word, cands, nr);
	if (s)
		strbuf_addf(sb, "; did you mean '%s'?", s);
	free(cands);
}

static void check_type(struct lint_result *res, const struct hdr *o, int no,
		       const struct lint_rules *r)
{
	const char *const *types = r->types ? r->types : lint_default_types;
	size_t nr = r->types ? r->nr_types : lint_default_types_nr;
	struct strbuf low = STRBUF_INIT, hint = STRBUF_INIT;
	size_t i;

	for (i = 0; i < o->tlen; i++)
		strbuf_addch(&low, o->type[i] >= 'A' && o->type[i] <= 'Z' ?
			     o->type[i] - 'A' + 'a' : o->type[i]);
	if (has_upper(o->type, o->tlen)) {
		strbuf_addf(&hint, "write '%s'", low.buf);
		add_item(res, no, "type-case", hint.buf,
			 "type '%.*s' is not lowercase", (int)o->tlen, o->type);
	}
	if (!in_list(o->type, o->tlen, types, nr, 1)) {
		strbuf_reset(&hint);
		list_hint(&hint, low.buf, types, nr);
		add_item(res, no, "type-enum", hint.buf,
			 "type '%.*s' is not allowed", (int)o->tlen, o->type);
	}
	strbuf_release(&low);
	strbuf_release(&hint);
}

static void check_one_scope(struct lint_result *res, const char *s, size_t len,
			    int no, const struct lint_rules *r)
{
	struct strbuf word = STRBUF_INIT, hint = STRBUF_INIT;

	if (in_list(s, len, r->scopes, r->nr_scopes, 0))
		return;
	strbuf_add(&word, s, len);
	list_hint(&hint, word.buf, r->scopes, r->nr_scopes);
	add_item(res, no, "scope-enum", hint.buf, "scope '%.*s' is not allowed",
		 (int)(len > 40 ? 40 : len), s);
	strbuf_release(&word);
	strbuf_release(&hint);
}

/* Several scopes are written "a,b" or "a/b"; each must be allowed. */
static void check_scope(struct lint_result *res, const struct hdr *o, int no,
			const struct lint_rules *r)
{
	size_t i = 0;

	if (!o->has_scope)
		return;
	if (!o->slen) {
		add_item(res, no, "scope-empty",
			 "name the part of the code, e.g. 'fix(parser): ...', "
			 "or drop the '()'", "scope is empty");
		return;
	}
	if (!r->scopes || !r->nr_scopes)
		return;
	while (i < o->slen) {
		size_t s, e;

		while (i < o->slen && o->scope[i] == ' ')
			i++;
		s = i;
		while (i < o->slen && o->scope[i] != ',' && o->scope[i] != '/')
			i++;
		e = rtrim_len(o->scope + s, i - s) + s;
		check_one_scope(res, o->scope + s, e - s, no, r);
		i++;
	}
}

/* Characters, not bytes: UTF-8 continuation bytes are not counted. */
static size_t display_len(const char *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)p[i] & 0xc0) != 0x80;
	return n;
}

static void check_header(struct lint_result *res, const struct mline *h,
			 const struct lint_rules *r)
{
	int max = r->header_max > 0 ? r->header_max : 100;
	size_t n = display_len(h->p, h->len);
	const char *why;
	struct hdr o;

	if ((why = split_header(h->p, h->len, &o))) {
		add_item(res, h->no, "header-format", FORMAT_HINT,
			 "header is not 'type(scope): description': %s", why);
	} else {
		check_type(res, &o, h->no, r);
		check_scope(res, &o, h->no, r);
		if (!o.dlen)
			add_item(res, h->no, "subject-empty",
				 "say what the commit does after the ': '",
				 "description is empty");
		else if (o.desc[o.dlen - 1] == '.')
			add_item(res, h->no, "subject-full-stop",
				 "drop the '.' at the end of the header",
				 "description ends with a full stop");
	}
	if (n > (size_t)max)
		add_item(res, h->no, "header-max-length",
			 "shorten the description; details belong in the body",
			 "header is %zu characters long, more than %d", n, max);
}

/* ---- footers ---- */

/* The length of "BREAKING CHANGE" written in any case, with '-' or ' ' and
 * an optional plural 's', followed by an optional space and ':'; else 0. */
static size_t breaking_attempt(const char *p, size_t len)
{
	size_t t = 15;

	if (len < 16 || strncasecmp(p, "breaking", 8) ||
	    (p[8] != ' ' && p[8] != '-') || strncasecmp(p + 9, "change", 6))
		return 0;
	if (p[t] == 's' || p[t] == 'S')
		t++;
	if (t < len && p[t] == ' ')
		t++;
	return t < len && p[t] == ':' ? t : 0;
}

/* After blanks and '*', as the parser reads a breaking change note
 * (lib/release/commit.c), so "* breaking change: x" is reported too. */
static void check_breaking(struct lint_result *res, const struct mline *l)
{
	const char *p = l->p;
	size_t s = 0, len, t;
	int plural;

	while (s < l->len && (ascii_is_blank((unsigned char)p[s]) || p[s] == '*'))
		s++;
	p += s;
	len = l->len - s;
	if (!(t = breaking_attempt(p, len)))
		return;
	plural = p[15] == 's' || p[15] == 'S';
	if (!plural && (!memcmp(p, "BREAKING CHANGE", 15) ||
			!memcmp(p, "BREAKING-CHANGE", 15))) {
		if (len > 17 && p[16] == ' ' &&
		    !ascii_is_blank((unsigned char)p[17]))
			return;
		add_item(res, l->no, "footer-format",
			 "write 'BREAKING CHANGE: what breaks and how to "
			 "migrate'",
			 "BREAKING CHANGE needs ': ' and a description");
		return;
	}
	add_item(res, l->no, "footer-format",
		 "write 'BREAKING CHANGE: ...' in capitals, singular; other "
		 "spellings are not recognised",
		 "'%.*s' is not a breaking change footer", plural ? 16 : 15, p);
}

/* 1 for a well-formed "Token: value" or "Token #value". */
static int is_footer(const char *p, size_t len)
{
	size_t t = 0;

	if (len > 15 && (!memcmp(p, "BREAKING CHANGE", 15) ||
			 !memcmp(p, "BREAKING-CHANGE", 15)))
		t = 15;
	else
		while (t < len && is_token_char((unsigned char)p[t]))
			t++;
	if (!t || !ascii_is_alnum((unsigned char)p[0]) || t + 2 >= len ||
	    ascii_is_blank((unsigned char)p[t + 2]))
		return 0;
	return (p[t] == ':' && p[t + 1] == ' ') ||
	       (p[t] == ' ' && p[t + 1] == '#');
}

/* "//host": the rest of a URL's "scheme://host", not a footer's value. */
static int is_url(const char *p, size_t len)
{
	return len >= 2 && p[0] == '/' && p[1] == '/';
}

/* Why l looks like a footer that is badly written, or NULL. */
static const char *near_footer(const char *p, size_t len, size_t *tlen)
{
	size_t t = 0, words = 1;

	if (!len || !ascii_is_alpha((unsigned char)p[0]) || breaking_attempt(p, len))
		return NULL;
	for (;;) {
		while (t < len && is_token_char((unsigned char)p[t]))
			t++;
		if (t + 1 < len && p[t] == ' ' && words < 3 &&
		    ascii_is_alnum((unsigned char)p[t + 1])) {
			t++;
			words++;
			continue;
		}
		break;
	}
	*tlen = t;
	if (t >= len)
		return NULL;
	if (words > 1 && t + 1 < len && p[t] == ':' && p[t + 1] == ' ')
		return "has spaces; write them as '-' (only BREAKING CHANGE "
		       "may contain a space)";
	if (words == 1 && p[t] == ':' && t + 1 < len &&
	    !ascii_is_blank((unsigned char)p[t + 1]) &&
	    !is_url(p + t + 1, len - t - 1))
		return "needs a space after ':'";
	if (words == 1 && p[t] == '#')
		return "needs a space before '#'";
	return NULL;
}

static void check_near_footer(struct lint_result *res, const struct mline *l)
{
	size_t t;
	const char *why = near_footer(l->p, l->len, &t);

	if (why)
		add_item(res, l->no, "footer-format",
			 "write footers as 'Token: value' or 'Token #value', "
			 "e.g. 'Reviewed-by: Z' or 'Closes #123'",
			 "footer '%.*s' %s", (int)t, l->p, why);
}

/* Footers live in the last paragraph; only there are odd ones reported. */
static void check_footers(struct lint_result *res, const struct msg *m)
{
	size_t i, last = m->nr;
	size_t t;

	for (i = 1; i < m->nr; i++)
		check_breaking(res, &m->v[i]);
	while (last > 1 && m->v[last - 1].len)
		last--;
	if (last <= 1 || last >= m->nr)
		return;
	if (!is_footer(m->v[last].p, m->v[last].len) &&
	    !near_footer(m->v[last].p, m->v[last].len, &t))
		return;
	for (i = last; i < m->nr; i++)
		check_near_footer(res, &m->v[i]);
}

void lint_message(struct lint_result *out, const char *msg, size_t len,
		  const struct lint_rules *rules)
{
	const struct lint_rules *r = rules ? rules : &default_rules;
	struct msg m;

	memset(out, 0, sizeof(*out));
	if (!msg) {
		msg = "";
		len = 0;
	}
	/* git refuses NUL bytes in messages; one ends the message here. */
	len = strnlen(msg, len);
	read_message(&m, msg, len);
	if (!m.nr) {
		add_item(out, 1, "message-empty", FORMAT_HINT,
			 "message is empty");
		goto out;
	}
	out->skip_reason = skip_reason(m.v[0].p, m.v[0].len, r);
	if (out->skip_reason) {
		out->skipped = 1;
		goto out;
	}
	check_header(out, &m.v[0], r);
	if (m.nr > 1 && m.v[1].len)
		add_item(out, m.v[1].no, "body-leading-blank",
			 "leave the line after the header empty",
			 "no blank line between the header and the body");
	check_footers(out, &m);
out:
	free(m.v);
}

void lint_result_release(struct lint_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->nr; i++) {
		free(res->items[i].message);
		free(res->items[i].hint);
	}
	free(res->items);
	memset(res, 0, sizeof(*res));
}

int lint_rules_from_config(struct lint_rules *rules, const struct config *cfg)
{
	size_t n, i;
	const char **skip;

	rules->types = config_strlist(cfg, "commit.types", &n);
	rules->nr_types = n;
	rules->scopes = config_strlist(cfg, "commit.scopes", &n);
	rules->nr_scopes = n;
	rules->header_max = (int)config_int(cfg, "commit.header_max");
	skip = config_strlist(cfg, "commit.skip", &n);
	rules->skip_merge = rules->skip_revert = rules->skip_fixup =
		rules->skip_release = 0;
	for (i = 0; i < n; i++) {
		if (!strcmp(skip[i], "merge"))
			rules->skip_merge = 1;
		else if (!strcmp(skip[i], "revert"))
			rules->skip_revert = 1;
		else if (!strcmp(skip[i], "fixup"))
			rules->skip_fixup = 1;
		else if (!strcmp(skip[i], "release"))
			rules->skip_release = 1;
		else
			return error_set(BOSUN_EDATA,
					 "commit.skip: unknown kind '%s' (merge, revert, fixup or release)",
					 skip[i]);
	}
	return 0;
}
