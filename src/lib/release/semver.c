/*
 * semver.c - Semantic Versioning 2.0.0: strict parsing, precedence, bumps.
 *
 * The grammar is the one of semver.org's Backus-Naur form; the only addition
 * is that the three numbers must fit in 64 bits.
 */
#include "lib/release/semver.h"

#include "core/alloc.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

/* How much of a bad version an error message quotes. */
#define QUOTE_MAX 64

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_char(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-';
}

static int bad_version(const char *s, size_t len, const char *why)
{
	int r = error_set(BOSUN_EDATA, "invalid version '%.*s': %s",
			  (int)(len > QUOTE_MAX ? QUOTE_MAX : len), s, why);

	if (len && (s[0] == 'v' || s[0] == 'V'))
		error_hint("drop the leading '%c': tags are 'v1.2.3', "
			   "versions '1.2.3'", s[0]);
	return r;
}

/*
 * Parse one numeric part at *p (up to end) into *n. Returns NULL on success
 * or the reason it is not a number.
 */
static const char *parse_number(const char **p, const char *end, uint64_t *n)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s == end || !is_digit(*s))
		return "expected MAJOR.MINOR.PATCH";
	if (*s == '0' && s + 1 < end && is_digit(s[1]))
		return "numbers must not have leading zeros";
	for (; s < end && is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return "number too large";
		v = v * 10 + d;
	}
	*p = s;
	*n = v;
	return NULL;
}

/*
 * Check the dot-separated identifiers of s[0..len). Prerelease numeric
 * identifiers must not have leading zeros; build identifiers may.
 */
static const char *check_idents(const char *s, size_t len, int pre)
{
	size_t i = 0;

	if (!len)
		return pre ? "empty prerelease" : "empty build metadata";
	while (i <= len) {
		size_t start = i;
		int numeric = 1;

		for (; i < len && s[i] != '.'; i++) {
			if (!is_ident_char((unsigned char)s[i]))
				return "identifiers are [0-9A-Za-z-] only";
			if (!is_digit(s[i]))
				numeric = 0;
		}
		if (i == start)
			return "empty identifier";
		if (pre && numeric && s[start] == '0' && i - start > 1)
			return "numbers must not have leading zeros";
		i++;
	}
	return NULL;
}

static const char *parse_core(struct semver *v, const char **p, const char *end)
{
	const char *why;

	if ((why = parse_number(p, end, &v->major)))
		return why;
	if (*p == end || **p != '.')
		return "expected MAJOR.MINOR.PATCH";
	(*p)++;
	if ((why = parse_number(p, end, &v->minor)))
		return why;
	if (*p == end || **p != '.')
		return "expected MAJOR.MINOR.PATCH";
	(*p)++;
	return parse_number(p, end, &v->patch);
}

int semver_parse(struct semver *out, const char *s, ssize_t len)
{
	size_t n = len < 0 ? strlen(s) : (size_t)len;
	const char *p = s, *end = s + n, *plus, *why;
	struct semver v = SEMVER_INIT;
	size_t pre_len = 0, build_len = 0;

	if ((why = parse_core(&v, &p, end)))
		return bad_version(s, n, why);
	plus = memchr(p, '+', (size_t)(end - p));
	if (plus) {
		build_len = (size_t)(end - plus - 1);
		if ((why = check_idents(plus + 1, build_len, 0)))
			return bad_version(s, n, why);
	} else {
		plus = end;
	}
	if (p < plus) {
		if (*p != '-')
			return bad_version(s, n, "junk after the version");
		pre_len = (size_t)(plus - p - 1);
		if ((why = check_idents(p + 1, pre_len, 1)))
			return bad_version(s, n, why);
		v.pre = xstrndup(p + 1, pre_len);
	}
	if (plus < end)
		v.build = xstrndup(plus + 1, build_len);
	*out = v;
	return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/* Numeric identifiers of any length: fewer digits is smaller. */
static int cmp_numeric(const char *a, size_t al, const char *b, size_t bl)
{
	int c;

	for (; al > 1 && *a == '0'; a++, al--)
		;
	for (; bl > 1 && *b == '0'; b++, bl--)
		;
	if (al != bl)
		return al < bl ? -1 : 1;
	c = memcmp(a, b, al);
	return c < 0 ? -1 : c > 0;
}

static int cmp_ident(const char *a, size_t al, const char *b, size_t bl)
{
	int an = all_digits(a, al), bn = all_digits(b, bl), c;

	if (an && bn)
		return cmp_numeric(a, al, b, bl);
	if (an != bn)
		return an ? -1 : 1;
	c = memcmp(a, b, al < bl ? al : bl);
	if (c)
		return c < 0 ? -1 : 1;
	return cmp_u64(al, bl);
}

/* Spec item 11.4: field by field; a shorter set of fields is smaller. */
static int cmp_pre(const char *a, const char *b)
{
	for (;;) {
		size_t al = strcspn(a, "."), bl = strcspn(b, ".");
		int c = cmp_ident(a, al, b, bl);

		if (c)
			return c;
		a += al;
		b += bl;
		if (!*a || !*b)
			return *a ? 1 : (*b ? -1 : 0);
		a++;
		b++;
	}
}

int semver_cmp(const struct semver *a, const struct semver *b)
{
	int c;

	if ((c = cmp_u64(a->major, b->major)) ||
	    (c = cmp_u64(a->minor, b->minor)) ||
	    (c = cmp_u64(a->patch, b->patch)))
		return c;
	if (!a->pre || !b->pre)
		return a->pre ? -1 : (b->pre ? 1 : 0);
	return cmp_pre(a->pre, b->pre);
}

void semver_format(struct strbuf *sb, const struct semver *v)
{
	strbuf_addf(sb, "%llu.%llu.%llu", (unsigned long long)v->major,
		    (unsigned long long)v->minor, (unsigned long long)v->patch);
	if (v->pre)
		strbuf_addf(sb, "-%s", v->pre);
	if (v->build)
		strbuf_addf(sb, "+%s", v->build);
}

void semver_copy(struct semver *dst, const struct semver *src)
{
	struct semver v = *src;

	v.pre = src->pre ? xstrdup(src->pre) : NULL;
	v.build = src->build ? xstrdup(src->build) : NULL;
	*dst = v;
}

void semver_release(struct semver *v)
{
	if (!v)
		return;
	free(v->pre);
	free(v->build);
	v->pre = v->build = NULL;
}

/* Would the release x.y.z be the result of bumping its predecessor by level? */
static int release_is_bump(const struct semver *r, enum bump_level level)
{
	switch (level) {
	case BUMP_MAJOR:
		return r->major > 0 && !r->minor && !r->patch;
	case BUMP_MINOR:
		return !r->patch && (r->major || r->minor);
	case BUMP_PATCH:
		return r->major || r->minor || r->patch;
	default:
		return 1;
	}
}

/* Numbers saturate at UINT64_MAX rather than wrap around to 0. */
static uint64_t inc(uint64_t n)
{
	return n == UINT64_MAX ? n : n + 1;
}

void semver_bump(struct semver *out, const struct semver *base,
		 enum bump_level level, int zero_major)
{
	struct semver r = { base->major, base->minor, base->patch, NULL, NULL };
	int had_pre = base->pre != NULL;

	if (level == BUMP_MAJOR && !r.major && !zero_major)
		level = BUMP_MINOR;
	if (out == base)
		semver_release(out);
	if (had_pre && release_is_bump(&r, level))
		level = BUMP_NONE;
	switch (level) {
	case BUMP_MAJOR:
		r.major = inc(r.major);
		r.minor = r.patch = 0;
		break;
	case BUMP_MINOR:
		r.minor = inc(r.minor);
		r.patch = 0;
		break;
	case BUMP_PATCH:
		r.patch = inc(r.patch);
		break;
	default:
		break;
	}
	*out = r;
}

int semver_pre_split(const struct semver *v, struct strbuf *id, uint64_t *n)
{
	const char *dot, *p;
	size_t idlen;
	uint64_t num = 0;

	if (!v->pre || !*v->pre)
		return -1;
	dot = strchr(v->pre, '.');
	idlen = dot ? (size_t)(dot - v->pre) : strlen(v->pre);
	if (!idlen || all_digits(v->pre, idlen))
		return -1;
	if (dot) {
		p = dot + 1;
		if (parse_number(&p, p + strlen(p), &num) || *p)
			return -1;
	}
	strbuf_reset(id);
	strbuf_add(id, v->pre, idlen);
	*n = num;
	return 0;
}

static const char *const level_names[] = { "none", "patch", "minor", "major" };

const char *bump_level_name(enum bump_level level)
{
	if ((unsigned)level >= ARRAY_SIZE(level_names))
		return "none";
	return level_names[level];
}

int bump_level_parse(const char *s)
{
	int i;

	for (i = BUMP_PATCH; i <= BUMP_MAJOR; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}
