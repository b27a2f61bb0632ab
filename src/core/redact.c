#include "core/redact.h"

#include "core/alloc.h"

#include <string.h>
#include <strings.h>

/*
 * A hand-written scanner: one pass over the text, trying at each position
 * the few shapes a credential takes. Every attempt either consumes what it
 * matched or looks at a bounded number of bytes, so the whole pass stays
 * linear even on hostile input (redact() also sees captured output).
 */

#define REDACTED "[REDACTED]"
#define REDACTED_LEN (sizeof(REDACTED) - 1)
#define MAX_QUOTED_KEY 64
#define MAX_AUTHORITY 2048
#define MAX_PEM_HEADER 100

/* Copy s[from, keep) as it is, write REDACTED, continue at end. */
struct match {
	size_t start, keep, end;
	const char *kind;
};

struct token_prefix {
	const char *prefix;
	size_t min_body; /* characters after the prefix */
	const char *kind;
};

static const struct token_prefix token_prefixes[] = {
	{ "ghp_", 20, "github-pat" }, { "gho_", 20, "github-token" },
	{ "ghu_", 20, "github-token" }, { "ghs_", 20, "github-token" },
	{ "ghr_", 20, "github-token" }, { "github_pat_", 20, "github-pat" },
	{ "glpat-", 20, "gitlab-pat" },
	{ "xoxb-", 10, "slack-token" }, { "xoxp-", 10, "slack-token" },
	{ "xoxa-", 10, "slack-token" }, { "xoxr-", 10, "slack-token" },
	{ "xoxs-", 10, "slack-token" }, { "xoxe-", 10, "slack-token" },
	{ "sk-ant-", 16, "anthropic-key" }, { "sk-", 20, "openai-key" },
	{ "sk_live_", 16, "stripe-key" }, { "sk_test_", 16, "stripe-key" },
	{ "rk_live_", 16, "stripe-key" }, { "rk_test_", 16, "stripe-key" },
	{ "npm_", 20, "npm-token" }, { "pypi-", 16, "pypi-token" },
	{ "AIza", 30, "google-api-key" },
};

/* Key words (lowercase, '-' read as '_') whose values are secret. */
static const char *const secret_keys[] = {
	"password", "passwd", "passphrase", "secret", "token", "api_key",
	"apikey", "access_key", "private_key", "credential",
};

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int is_token_char(int c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

static int is_key_char(int c)
{
	return is_token_char(c) || c == '.';
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int is_space(int c)
{
	return is_blank(c) || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int starts(const char *s, size_t len, size_t i, const char *p)
{
	size_t n = strlen(p);

	return len - i >= n && !memcmp(s + i, p, n);
}

static int starts_icase(const char *s, size_t len, size_t i, const char *p)
{
	size_t n = strlen(p);

	return len - i >= n && !strncasecmp(s + i, p, n);
}

/* AKIA/ASIA and exactly 16 upper-case letters or digits. */
static int match_aws(const char *s, size_t len, size_t i, struct match *m)
{
	size_t j;

	if (!starts(s, len, i, "AKIA") && !starts(s, len, i, "ASIA"))
		return 0;
	if (len - i < 20)
		return 0;
	for (j = i + 4; j < i + 20; j++)
		if (!((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= '0' && s[j] <= '9')))
			return 0;
	if (j < len && is_alnum(s[j]))
		return 0;
	m->keep = i;
	m->end = j;
	m->kind = "aws-access-key-id";
	return 1;
}

static int match_token(const char *s, size_t len, size_t i, struct match *m)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(token_prefixes); k++) {
		const struct token_prefix *t = &token_prefixes[k];
		size_t j;

		/* The first byte first: most calls end here, cheaply. */
		if (t->prefix[0] != s[i] || !starts(s, len, i, t->prefix))
			continue;
		j = i + strlen(t->prefix);
		while (j < len && is_token_char(s[j]))
			j++;
		if (j - i - strlen(t->prefix) < t->min_body)
			continue;
		m->keep = i;
		m->end = j;
		m->kind = t->kind;
		return 1;
	}
	return s[i] == 'A' && match_aws(s, len, i, m);
}

static int is_b64token_char(int c)
{
	return is_alnum(c) || (c && strchr("-._~+/=", c));
}

/* "Bearer x": the word stays, the credential goes. */
static int match_bearer(const char *s, size_t len, size_t i, struct match *m)
{
	size_t j = i + 6, v;

	if (!starts_icase(s, len, i, "bearer") || j >= len || !is_blank(s[j]))
		return 0;
	while (j < len && is_blank(s[j]))
		j++;
	for (v = j; v < len && is_b64token_char(s[v]); v++)
		;
	if (v - j < 8)
		return 0;
	m->keep = j;
	m->end = v;
	m->kind = "bearer-token";
	return 1;
}

/* A PEM private key block, whole. */
static int match_pem(const char *s, size_t len, size_t i, struct match *m)
{
	size_t j = i, e;
	const char *end;

	if (!starts(s, len, i, "-----BEGIN "))
		return 0;
	while (j < len && j - i < MAX_PEM_HEADER && s[j] != '\n' &&
	       !starts(s, len, j, "PRIVATE KEY-----"))
		j++;
	if (!starts(s, len, j, "PRIVATE KEY-----"))
		return 0;
	end = memmem(s + j, len - j, "-----END ", 9);
	e = end ? (size_t)(end - s) + 9 : len;
	end = end ? memmem(s + e, len - e, "-----", 5) : NULL;
	m->keep = i;
	m->end = end ? (size_t)(end - s) + 5 : len;
	m->kind = "private-key";
	return 1;
}

/* "scheme://user:password@host": the password goes. */
static int match_userinfo(const char *s, size_t len, size_t i, struct match *m)
{
	size_t j, at = 0, colon = 0;

	if (!starts(s, len, i, "://"))
		return 0;
	for (j = i + 3; j < len && j - i < MAX_AUTHORITY; j++) {
		char c = s[j];

		if (c == '/' || c == '?' || c == '#' || is_space(c) ||
		    c == '"' || c == '\'' || c == '<' || c == '>')
			break;
		if (c == '@')
			at = j;
		if (c == ':' && !colon && !at)
			colon = j;
	}
	if (!at || !colon || colon > at || colon + 1 == at)
		return 0;
	m->keep = colon + 1;
	m->end = at;
	m->kind = "url-password";
	return 1;
}

/* 0: not secret, 1: a secret value, 2: secret to the end of the line. */
static int key_kind(const char *key, size_t n)
{
	char low[256];
	size_t i;

	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (i = 0; i < n; i++) {
		char c = key[i];

		low[i] = c == '-' ? '_' : (c >= 'A' && c <= 'Z') ? c + 32 : c;
	}
	low[n] = '\0';
	if (strstr(low, "authorization"))
		return 2;
	for (i = 0; i < ARRAY_SIZE(secret_keys); i++)
		if (strstr(low, secret_keys[i]))
			return 1;
	return 0;
}

/* The key at i (bare or quoted): [*k0, *k1) and the position after it. */
static size_t scan_key(const char *s, size_t len, size_t i, size_t *k0,
		       size_t *k1)
{
	size_t j;

	if (s[i] == '"' || s[i] == '\'') {
		for (j = i + 1; j < len && j - i <= MAX_QUOTED_KEY; j++) {
			if (s[j] == s[i])
				break;
			if (s[j] == '\n')
				return 0;
		}
		if (j >= len || s[j] != s[i])
			return 0;
		*k0 = i + 1;
		*k1 = j;
		return j + 1;
	}
	if (!is_key_char(s[i]) || (i && is_key_char(s[i - 1])))
		return 0;
	for (j = i; j < len && is_key_char(s[j]); j++)
		;
	*k0 = i;
	*k1 = j;
	return j;
}

/* End of a quoted value starting at v; esc: the quotes are \" in the text. */
static size_t scan_quoted(const char *s, size_t len, size_t v, char q, int esc)
{
	for (; v < len && s[v] != '\n'; v++) {
		if (esc && s[v] == '\\' && v + 1 < len && s[v + 1] == q)
			return v;
		if (!esc && s[v] == q)
			return v;
		if (!esc && s[v] == '\\' && v + 1 < len)
			v++;
	}
	return v;
}

static size_t scan_bare(const char *s, size_t len, size_t v, int to_eol)
{
	for (; v < len; v++) {
		char c = s[v];

		if (c == '\n' || c == '\r' || !c)
			break;
		if (!to_eol && (is_space(c) || strchr("\"',;&})]<>", c)))
			break;
	}
	return v;
}

/* key=value, key: value, "key":"value" with a secret-sounding key. */
static int match_keyvalue(const char *s, size_t len, size_t i, struct match *m)
{
	size_t k0, k1, j, v0, v;
	int kind, esc = 0;
	char q = 0;

	if (!(j = scan_key(s, len, i, &k0, &k1)) || !(kind = key_kind(s + k0, k1 - k0)))
		return 0;
	while (j < len && is_blank(s[j]))
		j++;
	if (j >= len || (s[j] != ':' && s[j] != '='))
		return 0;
	for (j++; j < len && is_blank(s[j]); j++)
		;
	if (j + 1 < len && s[j] == '\\' && (s[j + 1] == '"' || s[j + 1] == '\''))
		esc = 1;
	if (esc || (j < len && (s[j] == '"' || s[j] == '\'')))
		q = s[j + esc];
	v0 = j + esc + (q ? 1 : 0);
	if (starts(s, len, v0, REDACTED))
		return 0;
	v = q ? scan_quoted(s, len, v0, q, esc) : scan_bare(s, len, v0, kind == 2);
	if (v == v0)
		return 0;
	m->keep = v0;
	m->end = v;
	m->kind = "secret-value";
	return 1;
}

/*
 * Where a REDACT_SHAPES match can start: 1 for the first letters of the
 * token prefixes above (g x s r n p A), of AKIA/ASIA and of Bearer, which
 * count only at the start of a word (try_match()); 2 for '-' (PEM) and ':'
 * (URL userinfo), anywhere. Everything else is passed over without trying
 * a match, so text without candidates costs a table look-up per byte. A
 * constant table: hooks redact from several threads at once.
 */
static const unsigned char shape_starts[256] = {
	['g'] = 1, ['x'] = 1, ['s'] = 1, ['r'] = 1, ['n'] = 1, ['p'] = 1,
	['A'] = 1, ['B'] = 1, ['b'] = 1, ['-'] = 2, [':'] = 2,
};

/* The first position at or after i where a REDACT_SHAPES match may start. */
static size_t skip_to_shape(const char *s, size_t len, size_t i)
{
	for (; i < len; i++) {
		unsigned char k = shape_starts[(unsigned char)s[i]];

		if (k == 2 || (k == 1 && (!i || !is_alnum(s[i - 1]))))
			break;
	}
	return i;
}

static int try_match(const char *s, size_t len, size_t i,
		     enum redact_mode mode, struct match *m)
{
	int word_start = !i || !is_alnum(s[i - 1]);

	if (word_start && (match_token(s, len, i, m) ||
			   ((s[i] | 0x20) == 'b' && match_bearer(s, len, i, m))))
		return 1;
	/* The second byte first: "- " bullets and "a: b" are common. */
	if (s[i] == '-' && i + 1 < len && s[i + 1] == '-' &&
	    match_pem(s, len, i, m))
		return 1;
	if (s[i] == ':' && i + 1 < len && s[i + 1] == '/' &&
	    match_userinfo(s, len, i, m))
		return 1;
	return mode == REDACT_ALL && match_keyvalue(s, len, i, m);
}

/* The next match at or after i; 0 when there is none. */
static int next_match(const char *s, size_t len, size_t i,
		      enum redact_mode mode, struct match *m)
{
	for (; i < len; i++) {
		if (mode == REDACT_SHAPES)
			i = skip_to_shape(s, len, i);
		if (i < len && try_match(s, len, i, mode, m)) {
			m->start = i;
			return 1;
		}
	}
	return 0;
}

const char *redact_find(const char *s, size_t len, enum redact_mode mode,
			size_t *at, size_t *end)
{
	struct match m;

	if (!next_match(s, len, *at, mode, &m))
		return NULL;
	*at = m.keep;
	*end = m.end;
	return m.kind;
}

/*
 * Append s[from, len) redacted. What a match keeps in front of what it
 * replaces (a quoted key, "://user:", "Bearer ") is scanned too, as a
 * shorter span: `"token ghp_...": 1` and `https://ghp_...:x@host` hide a
 * token there. Spans only shrink, and a kept part is short (a quoted key,
 * an authority are bounded), so this stays linear.
 */
static size_t redact_span(struct strbuf *out, const char *s, size_t from,
			  size_t len, enum redact_mode mode)
{
	size_t i = from, copied = from, n = 0;
	struct match m;

	while (next_match(s, len, i, mode, &m)) {
		if (m.keep > m.start + 1) {
			strbuf_add(out, s + copied, m.start + 1 - copied);
			n += redact_span(out, s, m.start + 1, m.keep, mode);
		} else {
			strbuf_add(out, s + copied, m.keep - copied);
		}
		strbuf_add(out, REDACTED, REDACTED_LEN);
		i = copied = m.end;
		n++;
	}
	strbuf_add(out, s + copied, len - copied);
	return n;
}

size_t redact_with(struct strbuf *out, const char *s, size_t len,
		   enum redact_mode mode)
{
	return redact_span(out, s, 0, len, mode);
}

void redact(struct strbuf *out, const char *s, size_t len)
{
	redact_with(out, s, len, REDACT_ALL);
}
