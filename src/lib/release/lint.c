/*
 * lint.c - commit message rules for the commit-msg hook.
 *
 * The message is first reduced to what git will record: comment lines and
 * everything from the scissors line on are dropped, trailing blanks are cut,
 * and leading and trailing blank lines go. Line numbers stay those of the
 * message as written, so an editor can jump to them. This runs on every
 * commit, so the header is scanned in place; memory is only allocated for
 * the line index, the problems found, the description's case check, and,
 * when a line is long enough to matter, for parsing where the footers
 * start.
 */
#include "lib/release/lint.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/config/config.h"
#include "core/ascii.h"
#include "core/opts.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "lib/git/run.h"
#include "lib/release/commit.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const lint_default_types[] = {
	"build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor",
	"revert", "style", "test",
};
const size_t lint_default_types_nr = ARRAY_SIZE(lint_default_types);

static const struct lint_rules default_rules = LINT_RULES_INIT;

/* What follows the comment string on git's scissors line. */
static const char scissors_tail[] =
	" ------------------------ >8 ------------------------";

/* The characters `git commit` picks from, in order, for core.commentChar=auto. */
static const char auto_candidates[] = "#;@!$%^&|:";

/* The comment string of one message. */
struct comment {
	const char *s;
	size_t len;
};
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

static int is_scissors(const char *p, size_t len, const struct comment *c)
{
	len = rtrim_len(p, len);
	return len == c->len + sizeof(scissors_tail) - 1 &&
	       !memcmp(p, c->s, c->len) &&
	       !memcmp(p + c->len, scissors_tail, sizeof(scissors_tail) - 1);
}

/*
 * core.commentChar=auto: `git commit` took the first of auto_candidates that
 * starts no line of the message it wrote, and then added its comments with
 * it, so the hook sees lines starting with every candidate up to the chosen
 * one. The chosen one is in the run of candidates that start lines, before
 * the first that starts none: the one on a scissors line if any; else the
 * last whose lines are all shaped as git writes comments (the character
 * alone or followed by a blank); else the last of the run.
 */
static void auto_comment(struct comment *c, const char *msg, size_t len)
{
	enum { N = sizeof(auto_candidates) - 1 };
	int present[N] = { 0 }, odd[N] = { 0 }, scis[N] = { 0 };
	size_t i = 0, k, run;
	int pick = -1;

	while (i < len) {
		const char *p = msg + i, *nl = memchr(p, '\n', len - i);
		size_t n = nl ? (size_t)(nl - p) : len - i;
		const char *at = n ? strchr(auto_candidates, p[0]) : NULL;

		i += n + 1;
		if (!at || !*at)
			continue;
		k = (size_t)(at - auto_candidates);
		present[k] = 1;
		if (n > 1 && p[1] != ' ' && p[1] != '\t' && p[1] != '\r')
			odd[k] = 1;
		if (rtrim_len(p + 1, n - 1) == sizeof(scissors_tail) - 1 &&
		    !memcmp(p + 1, scissors_tail, sizeof(scissors_tail) - 1))
			scis[k] = 1;
	}
	for (run = 0; run < N && present[run]; run++)
		;
	for (k = 0; k < run && pick < 0; k++)
		if (scis[k])
			pick = (int)k;
	for (k = run; k-- > 0 && pick < 0;)
		if (!odd[k])
			pick = (int)k;
	if (pick < 0)
		pick = run ? (int)run - 1 : 0;
	c->s = auto_candidates + pick;
	c->len = 1;
}

static void comment_of(struct comment *c, const char *msg, size_t len,
		       const struct lint_rules *r)
{
	const char *s = r->comment;

	if (s && !strcasecmp(s, "auto")) {
		auto_comment(c, msg, len);
		return;
	}
	c->s = s && *s ? s : "#";
	c->len = strlen(c->s);
}

/*
 * Call fn on each line git keeps (not a comment, above the scissors), with
 * its 1-based number; stops early when fn returns non-zero.
 */
static void each_kept_line(const char *msg, size_t len,
			   const struct lint_rules *r,
			   int (*fn)(void *, const char *, size_t, int),
			   void *data)
{
	struct comment c;
	size_t i = 0;
	int no = 0;

	comment_of(&c, msg, len, r);
	while (i < len) {
		const char *p = msg + i, *nl = memchr(p, '\n', len - i);
		size_t n = nl ? (size_t)(nl - p) : len - i;

		i += n + 1;
		no++;
		if (n >= c.len && !memcmp(p, c.s, c.len)) {
			if (is_scissors(p, n, &c))
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

static void read_message(struct msg *m, const char *msg, size_t len,
			 const struct lint_rules *r)
{
	size_t i, n = 1;

	for (i = 0; i < len; i++)
		n += msg[i] == '\n';
	m->v = xmalloc(n * sizeof(*m->v));
	m->nr = 0;
	each_kept_line(msg, len, r, push_line, m);
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
	const struct lint_rules *r = rules ? rules : &default_rules;
	struct mline h = { NULL, 0, 0 };

	if (!msg)
		return NULL;
	each_kept_line(msg, strnlen(msg, len), r, first_line, &h);
	if (!h.p)
		return NULL;
	return skip_reason(h.p, h.len, r);
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

/* ---- subject-case ---- */

enum { CH_OTHER, CH_SPACE, CH_DIGIT, CH_LETTER, CH_UPPER, CH_LOWER };

/* The case of code point c in the Latin, Greek, Cyrillic and Armenian
 * blocks: CH_UPPER, CH_LOWER, or CH_LETTER for anything else (scripts
 * without case, such as Chinese or Arabic, and letters this table lacks). */
static int cp_class(uint32_t c)
{
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return CH_UPPER;
	if (c >= 0xdf && c <= 0xff && c != 0xf7)
		return CH_LOWER;
	if (c >= 0x100 && c <= 0x17f) {
		/* Latin Extended-A pairs upper and lower case, even first,
		 * except for two runs shifted by one and three loners. */
		if (c == 0x138 || c == 0x149 || c == 0x17f)
			return CH_LOWER;
		if (c == 0x178)
			return CH_UPPER;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return c & 1 ? CH_UPPER : CH_LOWER;
		return c & 1 ? CH_LOWER : CH_UPPER;
	}
	if (c == 0x386 || (c >= 0x388 && c <= 0x3ab))
		return CH_UPPER;
	if (c >= 0x3ac && c <= 0x3ce)
		return CH_LOWER;
	if (c >= 0x400 && c <= 0x42f)
		return CH_UPPER;
	if (c >= 0x430 && c <= 0x45f)
		return CH_LOWER;
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
	    (c >= 0x4d0 && c <= 0x52f))
		return c & 1 ? CH_LOWER : CH_UPPER;
	if (c == 0x4c0)
		return CH_UPPER;
	if (c >= 0x4c1 && c <= 0x4cf)
		return c & 1 ? CH_UPPER : CH_LOWER;
	if (c >= 0x531 && c <= 0x556)
		return CH_UPPER;
	if (c >= 0x561 && c <= 0x587)
		return CH_LOWER;
	return CH_LETTER;
}

/* The class of the character at p (of len bytes), its length in *n. */
static int char_class(const char *p, size_t len, size_t *n)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t c;
	size_t i;

	*n = 1;
	if (s[0] < 0x80) {
		if (s[0] >= 'A' && s[0] <= 'Z')
			return CH_UPPER;
		if (s[0] >= 'a' && s[0] <= 'z')
			return CH_LOWER;
		if (ascii_is_digit(s[0]))
			return CH_DIGIT;
		return s[0] == ' ' ? CH_SPACE : CH_OTHER;
	}
	if (!(*n = utf8_seq_len(s, len))) {
		*n = 1;
		return CH_OTHER;
	}
	c = s[0] & (0x7f >> *n);
	for (i = 1; i < *n; i++)
		c = (c << 6) | (s[i] & 0x3f);
	return cp_class(c);
}

/* The description without its `code`, "quoted" and 'quoted' parts (names
 * keep their case) and the blanks around it, as classes, one a character. */
static size_t desc_classes(const char *p, size_t len, char **out)
{
	char *cls = xmalloc(len + 1);
	size_t i = 0, n = 0, k;

	while (i < len) {
		const char *q;

		if ((p[i] == '`' || p[i] == '"' || p[i] == '\'') &&
		    (q = memchr(p + i + 1, p[i], len - i - 1))) {
			i = (size_t)(q - p) + 1;
			continue;
		}
		cls[n++] = (char)char_class(p + i, len - i, &k);
		i += k;
	}
	for (i = 0; i < n && cls[i] == CH_SPACE; i++)
		;
	while (n > i && cls[n - 1] == CH_SPACE)
		n--;
	memmove(cls, cls + i, n - i);
	*out = cls;
	return n - i;
}

static int is_wordish(int c)
{
	return c == CH_UPPER || c == CH_LOWER || c == CH_LETTER ||
	       c == CH_DIGIT;
}

/* A word boundary inside a run of letters and digits, where lodash's
 * words() (which commitlint's start-case and pascal-case use) splits:
 * between letters and digits, before an upper case letter that follows a
 * lower case one, and before the last of a run of upper case letters
 * followed by a lower case one ("HTTPServer"). */
static int is_inner_boundary(const char *c, size_t n, size_t i)
{
	if ((c[i] == CH_DIGIT) != (c[i - 1] == CH_DIGIT))
		return 1;
	if (c[i] != CH_UPPER)
		return 0;
	return c[i - 1] == CH_LOWER || c[i - 1] == CH_LETTER ||
	       (c[i - 1] == CH_UPPER && i + 1 < n && c[i + 1] == CH_LOWER);
}

/* "Add New X": words joined by single spaces, each starting upper case
 * (or with a digit) and with no boundary inside. */
static int is_start_case(const char *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int start = !i || c[i - 1] == CH_SPACE;

		if (c[i] == CH_SPACE) {
			if (start || i + 1 == n)
				return 0;
			continue;
		}
		if (!is_wordish(c[i]))
			return 0;
		if (start ? c[i] != CH_UPPER && c[i] != CH_DIGIT :
			    is_inner_boundary(c, n, i))
			return 0;
	}
	return n > 0;
}

/* "AddNewX": capitalised words run together, each upper case letter the
 * start of a word, each word after digits capitalised. */
static int is_pascal_case(const char *c, size_t n)
{
	size_t i;

	if (!n || c[0] != CH_UPPER)
		return 0;
	for (i = 1; i < n; i++) {
		if (!is_wordish(c[i]))
			return 0;
		if (c[i] == CH_UPPER && c[i - 1] == CH_UPPER)
			return 0;
		if ((c[i] == CH_LOWER || c[i] == CH_LETTER) &&
		    c[i - 1] == CH_DIGIT)
			return 0;
	}
	return 1;
}

static const struct {
	const char *name;
	unsigned bit;
} case_names[] = {
	{ "sentence-case", LINT_CASE_SENTENCE },
	{ "start-case", LINT_CASE_START },
	{ "pascal-case", LINT_CASE_PASCAL },
	{ "upper-case", LINT_CASE_UPPER },
	{ "lower-case", LINT_CASE_LOWER },
};

/* The LINT_CASE_* bits of the cases the description d is in. As in
 * commitlint, one that does not start with a letter that has case is in
 * none. */
static unsigned desc_cases(const char *d, size_t len)
{
	unsigned bits = 0;
	size_t n, k;
	int first;
	char *c;

	first = len ? char_class(d, len, &k) : CH_OTHER;
	if (first != CH_UPPER && first != CH_LOWER)
		return 0;
	n = desc_classes(d, len, &c);
	if (n && c[0] == CH_UPPER)
		bits |= LINT_CASE_SENTENCE;
	if (!memchr(c, CH_LOWER, n))
		bits |= LINT_CASE_UPPER;
	if (!memchr(c, CH_UPPER, n))
		bits |= LINT_CASE_LOWER;
	if (is_start_case(c, n))
		bits |= LINT_CASE_START;
	if (is_pascal_case(c, n))
		bits |= LINT_CASE_PASCAL;
	free(c);
	return bits;
}

static void check_subject_case(struct lint_result *res, const struct hdr *o,
			       int no, const struct lint_rules *r)
{
	unsigned bad = r->subject_case ?
		       desc_cases(o->desc, o->dlen) & r->subject_case : 0;
	struct strbuf list = STRBUF_INIT;
	size_t i;

	if (!bad)
		return;
	for (i = 0; i < ARRAY_SIZE(case_names); i++)
		if (bad & case_names[i].bit)
			strbuf_addf(&list, "%s%s", list.len ? ", " : "",
				    case_names[i].name);
	add_item(res, no, "subject-case",
		 bad & LINT_CASE_LOWER ?
		 "start the description with a capital letter" :
		 "start the description with a lowercase letter ('add x', "
		 "not 'Add x'); names in `backticks` or quotes keep their case",
		 "description must not be %s", list.buf);
	strbuf_release(&list);
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
		if (o.dlen)
			check_subject_case(res, &o, h->no, r);
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

/* ---- body and footer line lengths ---- */

/* commitlint's exception: a line with "http://" or "https://" (at a word's
 * start, something after it) may be longer. */
static int has_url(const char *p, size_t len)
{
	size_t i, k;

	for (i = 0; i + 7 < len; i++) {
		if (i && (ascii_is_alnum((unsigned char)p[i - 1]) || p[i - 1] == '_'))
			continue;
		k = has_prefix(p + i, len - i, "https://") ? 8 :
		    has_prefix(p + i, len - i, "http://") ? 7 : 0;
		if (k && i + k < len && !ascii_is_blank((unsigned char)p[i + k]))
			return 1;
	}
	return 0;
}

/* The index in m of the first footer line, as the commit parser finds the
 * footers (m->nr when there are none). */
static size_t footer_start(const struct msg *m)
{
	struct strbuf sb = STRBUF_INIT;
	struct cc_commit c = CC_COMMIT_INIT;
	size_t i, f = m->nr;

	for (i = 0; i < m->nr; i++) {
		strbuf_add(&sb, m->v[i].p, m->v[i].len);
		strbuf_addch(&sb, '\n');
	}
	cc_parse(&c, sb.buf, sb.len);
	if (c.nr_footers && c.footers[0].line >= 2)
		f = (size_t)c.footers[0].line - 1;
	cc_release(&c);
	strbuf_release(&sb);
	return f;
}

static void check_line_lengths(struct lint_result *res, const struct msg *m,
			       const struct lint_rules *r)
{
	int bmax = r->body_line_max > 0 ? r->body_line_max : 100;
	int fmax = r->footer_line_max > 0 ? r->footer_line_max : 100;
	size_t least = (size_t)(bmax < fmax ? bmax : fmax), i, f = 0;

	for (i = 1; i < m->nr; i++) {
		size_t n = display_len(m->v[i].p, m->v[i].len);
		int foot, max;

		if (n <= least || has_url(m->v[i].p, m->v[i].len))
			continue;
		/* Only now: most messages have no long line. */
		if (!f)
			f = footer_start(m);
		foot = i >= f;
		max = foot ? fmax : bmax;
		if (n <= (size_t)max)
			continue;
		if (foot)
			add_item(res, m->v[i].no, "footer-max-line-length",
				 "continue the footer's value on the next line",
				 "footer line is %zu characters long, more than %d",
				 n, max);
		else
			add_item(res, m->v[i].no, "body-max-line-length",
				 "wrap the body; a line with a URL may be longer",
				 "body line is %zu characters long, more than %d",
				 n, max);
	}
}

/* Header first, then by line: a stable insertion sort (few items). */
static void sort_items(struct lint_result *res)
{
	size_t i, j;

	for (i = 1; i < res->nr; i++) {
		struct lint_item it = res->items[i];

		for (j = i; j > 0 && res->items[j - 1].line > it.line; j--)
			res->items[j] = res->items[j - 1];
		res->items[j] = it;
	}
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
	read_message(&m, msg, len, r);
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
	check_line_lengths(out, &m, r);
	sort_items(out);
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
	const char **skip, **cases;

	rules->types = config_strlist(cfg, "commit.types", &n);
	rules->nr_types = n;
	rules->scopes = config_strlist(cfg, "commit.scopes", &n);
	rules->nr_scopes = n;
	rules->header_max = (int)config_int(cfg, "commit.header_max");
	rules->body_line_max = (int)config_int(cfg, "commit.body_line_max");
	rules->footer_line_max = (int)config_int(cfg, "commit.footer_line_max");
	cases = config_strlist(cfg, "commit.subject_case", &n);
	rules->subject_case = 0;
	for (i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(case_names); k++)
			if (!strcmp(cases[i], case_names[k].name))
				break;
		if (k == ARRAY_SIZE(case_names))
			return error_set(BOSUN_EDATA,
					 "commit.subject_case: unknown case '%s' (sentence-case, start-case, pascal-case, upper-case or lower-case)",
					 cases[i]);
		rules->subject_case |= case_names[k].bit;
	}
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

void lint_comment_from_git(struct lint_rules *rules, struct strbuf *buf,
			   const char *dir)
{
	int r = gitrun_config_last(buf, dir, "^core\\.comment(char|string)$");

	/* git itself refuses an empty value; so does the default here. */
	if (r > 0 && buf->len)
		rules->comment = buf->buf;
	else if (r < 0)
		error_clear();
}
