/*
 * commit.c - a Conventional Commits 1.0.0 parser.
 *
 * The message is cut into lines (CR and trailing blanks removed), the first
 * non-blank line is the header, and the rest splits into body and footers.
 * The footers are the trailing run of paragraphs that each begin with a
 * "Token: value" or "Token #value" line (spec items 8 to 10); in addition a
 * "BREAKING CHANGE:" line anywhere after the header starts the footers, so
 * that a breaking change written in the middle of the body is never missed
 * when computing the next version. As in conventional-commits-parser (what
 * semantic-release reads), that line may be indented or bulleted with '*'
 * (GitHub's squash messages list the squashed commits' lines as "* ...").
 */
#include "lib/release/commit.h"

#include "core/alloc.h"
#include "core/ascii.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct line {
	const char *p;
	size_t len;
};

struct lines {
	struct line *v;
	size_t nr;
};

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int has_prefix(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(p, prefix, n);
}

static size_t rtrim_len(const char *p, size_t len)
{
	while (len && ascii_is_blank((unsigned char)p[len - 1]))
		len--;
	return len;
}

/* Cut msg into lines without their CR and trailing blanks. */
static void split_lines(struct lines *out, const char *msg, size_t len)
{
	size_t i, start = 0, n = 1;

	for (i = 0; i < len; i++)
		n += msg[i] == '\n';
	out->v = xmalloc(n * sizeof(*out->v));
	out->nr = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && msg[i] != '\n')
			continue;
		out->v[out->nr].p = msg + start;
		out->v[out->nr].len = rtrim_len(msg + start, i - start);
		out->nr++;
		start = i + 1;
	}
}

/*
 * "feat(scope)!: description". Fills type, scope, description and the '!'
 * of c and returns 1, or returns 0 and leaves c alone.
 */
static int parse_header(struct cc_commit *c, const char *h, size_t len)
{
	size_t i = 0, ts, sc = 0, se = 0, d;
	int bang = 0;

	if (!len || !ascii_is_alpha((unsigned char)h[0]))
		return 0;
	while (i < len && (ascii_is_alnum((unsigned char)h[i]) || h[i] == '-' ||
			   h[i] == '_'))
		i++;
	ts = i;
	if (i < len && h[i] == '(') {
		sc = ++i;
		while (i < len && h[i] != ')' && h[i] != '(')
			i++;
		if (i == len || h[i] != ')')
			return 0;
		se = i++;
		if (se > sc && (ascii_is_blank((unsigned char)h[sc]) ||
				ascii_is_blank((unsigned char)h[se - 1])))
			return 0;
	}
	if (i < len && h[i] == '!') {
		bang = 1;
		i++;
	}
	if (i + 1 >= len || h[i] != ':' || h[i + 1] != ' ')
		return 0;
	for (d = i + 1; d < len && ascii_is_blank((unsigned char)h[d]); d++)
		;
	if (d == len)
		return 0;
	c->type = xstrndup(h, ts);
	c->scope = se > sc ? xstrndup(h + sc, se - sc) : NULL;
	c->description = xstrndup(h + d, len - d);
	c->breaking = bang;
	return 1;
}

static int is_breaking_token(const char *p, size_t len)
{
	return len == 15 && (!memcmp(p, "BREAKING CHANGE", 15) ||
			     !memcmp(p, "BREAKING-CHANGE", 15));
}

/*
 * A breaking change note at p: "BREAKING CHANGE" or "BREAKING-CHANGE" after
 * any blanks and '*' (an indented line, or a squash commit's "* " bullet),
 * then ':' with blanks around it. Returns the token's length (15) with *tok
 * at its start and *val where the value starts (it may be empty: the value
 * then follows on the next lines); else 0.
 */
static size_t breaking_note(const char *p, size_t len, size_t *tok,
			    size_t *val)
{
	size_t s = 0, i;

	while (s < len && (ascii_is_blank((unsigned char)p[s]) || p[s] == '*'))
		s++;
	if (len - s < 16 || !is_breaking_token(p + s, 15))
		return 0;
	for (i = s + 15; i < len && ascii_is_blank((unsigned char)p[i]); i++)
		;
	if (i == len || p[i] != ':')
		return 0;
	for (i++; i < len && ascii_is_blank((unsigned char)p[i]); i++)
		;
	*tok = s;
	*val = i;
	return 15;
}

/*
 * When l starts a footer, the length of its token, with *tok set to where
 * the token starts and *val to where the value starts (the '#' is kept:
 * "Closes #1" and "Closes: #1" both give "#1"); else 0. Other tokens start
 * the line and take ": " or " #" right after them.
 */
static size_t footer_token(const struct line *l, size_t *tok, size_t *val)
{
	const char *p = l->p;
	size_t len = l->len, t = 0;

	if ((t = breaking_note(p, len, tok, val)))
		return t;
	if (!len || !ascii_is_alnum((unsigned char)p[0]))
		return 0;
	while (t < len && (ascii_is_alnum((unsigned char)p[t]) || p[t] == '-'))
		t++;
	if (t + 2 >= len || ascii_is_blank((unsigned char)p[t + 2]))
		return 0;
	if (p[t] == ':' && p[t + 1] == ' ')
		*val = t + 2;
	else if (p[t] == ' ' && p[t + 1] == '#')
		*val = t + 1;
	else
		return 0;
	*tok = 0;
	return t;
}

static int is_footer_start(const struct line *l)
{
	size_t tok, val;

	return footer_token(l, &tok, &val) != 0;
}

static int is_breaking_line(const struct line *l)
{
	size_t tok, val;

	return breaking_note(l->p, l->len, &tok, &val) != 0;
}

/*
 * The first footer line among lines [b, n): the start of the trailing run
 * of paragraphs that each open with a footer, or an earlier BREAKING CHANGE
 * line. n when there are no footers.
 */
static size_t find_footers(const struct lines *ls, size_t b, size_t n)
{
	size_t f = n, i = n, s;

	for (;;) {
		while (i > b && !ls->v[i - 1].len)
			i--;
		if (i == b)
			break;
		for (s = i - 1; s > b && ls->v[s - 1].len; s--)
			;
		if (!is_footer_start(&ls->v[s]))
			break;
		f = s;
		i = s;
	}
	for (i = b; i < f; i++)
		if (is_breaking_line(&ls->v[i]))
			return i;
	return f;
}

static void add_footer(struct cc_commit *c, const char *token, size_t t,
		       int lineno, struct strbuf *value)
{
	struct cc_footer *ft;

	c->footers = xrealloc(c->footers, (c->nr_footers + 1) * sizeof(*ft));
	ft = &c->footers[c->nr_footers++];
	ft->token = xstrndup(token, t);
	strbuf_trim(value);
	ft->value = strbuf_detach(value, NULL);
	ft->line = lineno;
}

/* Footers from lines [f, n): a value runs until the next footer token. */
static void parse_footers(struct cc_commit *c, const struct lines *ls,
			  size_t f, size_t n)
{
	struct strbuf value = STRBUF_INIT;
	const char *tok = NULL;
	size_t i, t = 0, cur = 0;

	for (i = f; i < n; i++) {
		const struct line *l = &ls->v[i];
		size_t nt, ntok, nval;

		if ((nt = footer_token(l, &ntok, &nval))) {
			if (i > f)
				add_footer(c, tok, t, (int)cur + 1, &value);
			cur = i;
			tok = l->p + ntok;
			t = nt;
			strbuf_add(&value, l->p + nval, l->len - nval);
			continue;
		}
		strbuf_addch(&value, '\n');
		strbuf_add(&value, l->p, l->len);
	}
	if (n > f)
		add_footer(c, tok, t, (int)cur + 1, &value);
	strbuf_release(&value);
}

static void set_body(struct cc_commit *c, const struct lines *ls,
		     size_t b, size_t f)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	while (f > b && !ls->v[f - 1].len)
		f--;
	if (f == b)
		return;
	for (i = b; i < f; i++) {
		if (i > b)
			strbuf_addch(&sb, '\n');
		strbuf_add(&sb, ls->v[i].p, ls->v[i].len);
	}
	c->body = strbuf_detach(&sb, NULL);
}

static void set_breaking(struct cc_commit *c)
{
	size_t i;

	for (i = 0; i < c->nr_footers; i++) {
		const char *t = c->footers[i].token;

		if (strlen(t) == 15 && is_breaking_token(t, 15)) {
			c->breaking = 1;
			c->breaking_text = xstrdup(c->footers[i].value);
			return;
		}
	}
	if (c->breaking && c->description)
		c->breaking_text = xstrdup(c->description);
}

static const char *const merge_prefixes[] = {
	"Merge branch ", "Merge branches ", "Merge remote-tracking branch ",
	"Merge pull request ", "Merge tag ", "Merge commit ", NULL,
};

static const char *const fixup_prefixes[] = {
	"fixup! ", "squash! ", "amend! ", NULL,
};

static int has_any_prefix(const char *p, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (has_prefix(p, len, *list))
			return 1;
	return 0;
}

/* "This reverts commit <hex>." (git adds ", reversing" for merges). */
static char *find_reverts(const struct lines *ls, size_t from)
{
	static const char lead[] = "This reverts commit ";
	size_t i, h, k = sizeof(lead) - 1;

	for (i = from; i < ls->nr; i++) {
		const char *p = ls->v[i].p;
		size_t len = ls->v[i].len;

		if (!has_prefix(p, len, lead))
			continue;
		for (h = k; h < len && is_hex((unsigned char)p[h]); h++)
			;
		if (h - k >= 4 && h - k <= 64 &&
		    (h == len || p[h] == '.' || p[h] == ','))
			return xstrndup(p + k, h - k);
	}
	return NULL;
}

static void set_git_kinds(struct cc_commit *c, const struct line *h,
			  const struct lines *ls, size_t from)
{
	c->is_merge = has_any_prefix(h->p, h->len, merge_prefixes);
	c->is_fixup = has_any_prefix(h->p, h->len, fixup_prefixes);
	c->is_revert = has_prefix(h->p, h->len, "Revert \"") ||
		       cc_type_is(c, "revert");
	c->reverts = find_reverts(ls, from);
}

void cc_parse(struct cc_commit *out, const char *msg, size_t len)
{
	struct lines ls;
	size_t h = 0, b, f;

	memset(out, 0, sizeof(*out));
	if (!msg) {
		msg = "";
		len = 0;
	}
	/* git refuses NUL bytes in messages; one ends the message here. */
	len = strnlen(msg, len);
	split_lines(&ls, msg, len);
	while (h < ls.nr && !ls.v[h].len)
		h++;
	if (h == ls.nr) {
		out->header = xstrdup("");
		goto out;
	}
	out->header = xstrndup(ls.v[h].p, ls.v[h].len);
	out->conventional = parse_header(out, ls.v[h].p, ls.v[h].len);
	for (b = h + 1; b < ls.nr && !ls.v[b].len; b++)
		;
	f = find_footers(&ls, b, ls.nr);
	set_body(out, &ls, b, f);
	parse_footers(out, &ls, f, ls.nr);
	set_breaking(out);
	set_git_kinds(out, &ls.v[h], &ls, h + 1);
out:
	free(ls.v);
}

void cc_release(struct cc_commit *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr_footers; i++) {
		free(c->footers[i].token);
		free(c->footers[i].value);
	}
	free(c->footers);
	free(c->header);
	free(c->type);
	free(c->scope);
	free(c->description);
	free(c->body);
	free(c->breaking_text);
	free(c->reverts);
	memset(c, 0, sizeof(*c));
}

/* A bare header in a squash body: "feat: x" with a lowercase type. */
static int is_bare_header(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] >= 'a' && p[i] <= 'z')
		i++;
	return i > 0 && i < len && (p[i] == ':' || p[i] == '(' || p[i] == '!');
}

/* The header a squash body line holds, or NULL. */
static const char *squashed_header(const struct line *l, int para_start,
				   size_t *len)
{
	const char *p = l->p;
	size_t n = l->len;

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n >= 2 && (p[0] == '*' || p[0] == '-') && p[1] == ' ') {
		for (p += 2, n -= 2; n && *p == ' '; p++, n--)
			;
	} else if (!para_start || p != l->p || !is_bare_header(p, n)) {
		return NULL;
	}
	*len = n;
	return p;
}

size_t cc_parse_squashed(struct cc_commit *out, size_t max, const char *body)
{
	struct lines ls;
	size_t i, n = 0, hl;

	if (!body)
		return 0;
	split_lines(&ls, body, strlen(body));
	for (i = 0; i < ls.nr && n < max; i++) {
		int para_start = !i || !ls.v[i - 1].len;
		const char *h = squashed_header(&ls.v[i], para_start, &hl);
		struct cc_commit c;

		if (!h)
			continue;
		cc_parse(&c, h, hl);
		if (c.conventional)
			out[n++] = c;
		else
			cc_release(&c);
	}
	free(ls.v);
	return n;
}

int cc_type_is(const struct cc_commit *c, const char *t)
{
	return c->type && !strcasecmp(c->type, t);
}
