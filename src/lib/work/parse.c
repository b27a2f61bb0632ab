/*
 * parse.c - the text `work status` reads: the agent's checklist, git
 * status's porcelain v2 and git merge-tree's -z output (work.h). Each is
 * read from untrusted bytes (tests/fuzz/fuzz_work_parse.c).
 */
#include "lib/work/work.h"

#include "core/ascii.h"
#include "core/error.h"

#include <string.h>
#include <strings.h>

/* "N. [ ] item" or "N. [x] item", leading blanks allowed: 1 unchecked,
 * 2 checked, 0 not an item. */
static int item_kind(const char *s, size_t len)
{
	size_t i = 0, digits;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (digits = 0; i < len && ascii_is_digit(s[i]); i++)
		digits++;
	if (!digits || len - i < 5 || s[i] != '.' || s[i + 1] != ' ' || s[i + 2] != '[' ||
	    s[i + 4] != ']')
		return 0;
	if (s[i + 3] == ' ')
		return 1;
	return s[i + 3] == 'x' || s[i + 3] == 'X' ? 2 : 0;
}

void work_checklist_count(const char *text, size_t len, int *done, int *total)
{
	size_t pos = 0;

	*done = *total = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		int k = item_kind(text + pos, l);

		if (k) {
			(*total)++;
			*done += k == 2;
		}
		pos += l + 1;
	}
}

/* Skip n space-separated fields of rec (len bytes): the rest, or NULL. */
static const char *skip_fields(const char *rec, size_t len, int n, size_t *rest)
{
	size_t i = 0;

	while (n-- > 0) {
		const char *sp = memchr(rec + i, ' ', len - i);
		if (!sp)
			return NULL;
		i = (size_t)(sp - rec) + 1;
	}
	*rest = len - i;
	return rec + i;
}

int work_status_parse(const char *buf, size_t len, struct strbuf *head,
		      struct strbuf *paths)
{
	size_t pos = 0, rest;
	int nr = 0;

	strbuf_reset(head);
	strbuf_reset(paths);
	while (pos < len) {
		const char *rec = buf + pos, *end = memchr(rec, '\0', len - pos), *p;
		size_t l;
		int fields;

		if (!end)
			return error_set(BOSUN_EDATA, "git status: an unterminated entry");
		l = (size_t)(end - rec);
		pos += l + 1;
		if (l > 14 && !memcmp(rec, "# branch.oid ", 13)) {
			if (l - 13 != 9 || memcmp(rec + 13, "(initial)", 9))
				strbuf_add(head, rec + 13, l - 13);
			continue;
		}
		if (l && rec[0] == '#')
			continue;
		if (l < 2 || rec[1] != ' ')
			return error_set(BOSUN_EDATA, "git status: an entry of an unknown kind");
		switch (rec[0]) {
		case '1': fields = 8; break;
		case '2': fields = 9; break;
		case 'u': fields = 10; break;
		case '?': case '!': fields = 1; break;
		default:
			return error_set(BOSUN_EDATA, "git status: an entry of an unknown kind");
		}
		if (!(p = skip_fields(rec, l, fields, &rest)) || !rest)
			return error_set(BOSUN_EDATA, "git status: an entry without a path");
		if (rec[0] == '!')
			continue;
		strbuf_add(paths, p, rest);
		strbuf_addch(paths, '\0');
		nr++;
		if (rec[0] == '2') {
			/* the path it was renamed or copied from comes next */
			end = pos < len ? memchr(buf + pos, '\0', len - pos) : NULL;
			if (!end)
				return error_set(BOSUN_EDATA, "git status: a rename without "
						 "its source");
			pos = (size_t)(end - buf) + 1;
		}
	}
	return nr;
}

/* A value as git writes it: bare, or wholly in double quotes with \" and
 * \\ escapes; anything else (a continuation, a quote inside) is -1. */
static int config_value(const char *v, size_t l, struct strbuf *out)
{
	size_t i;

	while (l && (v[l - 1] == ' ' || v[l - 1] == '\t' || v[l - 1] == '\r'))
		l--;
	if (l >= 2 && v[0] == '"' && v[l - 1] == '"') {
		for (i = 1; i + 1 < l; i++) {
			if (v[i] == '"')
				return -1;
			if (v[i] == '\\') {
				if (i + 2 >= l || (v[i + 1] != '"' && v[i + 1] != '\\'))
					return -1;
				i++;
			}
			strbuf_addch(out, v[i]);
		}
		return 0;
	}
	for (i = 0; i < l; i++)
		if (v[i] == '"' || v[i] == '\\' || v[i] == '#' || v[i] == ';')
			return -1;
	strbuf_add(out, v, l);
	return 0;
}

/* A header's text against section: the section's name ignoring case, its
 * quoted subsection (`branch "Main"`) exactly, as git compares them. */
static int header_is(const char *h, const char *section, size_t sl)
{
	const char *q = memchr(section, '"', sl);
	size_t name = q ? (size_t)(q - section) : sl;

	return !strncasecmp(h, section, name) && !memcmp(h + name, section + name, sl - name);
}

int work_config_find(const char *text, size_t len, const char *section,
		     const char *key, struct strbuf *out)
{
	size_t pos = 0, sl = strlen(section), kl = strlen(key);
	int in = 0, found = 0;

	strbuf_reset(out);
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos, i = 0;

		pos += l + 1;
		while (i < l && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == l || s[i] == '#' || s[i] == ';' || s[i] == '\r')
			continue;
		if (s[i] == '[') {
			const char *end = memchr(s + i, ']', l - i);
			if (!end)
				return -1;
			in = (size_t)(end - (s + i)) == sl + 1 &&
			     header_is(s + i + 1, section, sl);
			continue;
		}
		if (!in)
			continue;
		if (l - i > kl && !strncasecmp(s + i, key, kl) &&
		    (s[i + kl] == ' ' || s[i + kl] == '\t' || s[i + kl] == '=')) {
			size_t j = i + kl;
			while (j < l && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j == l || s[j] != '=')
				return -1;
			j++;
			while (j < l && (s[j] == ' ' || s[j] == '\t'))
				j++;
			strbuf_reset(out);
			if (config_value(s + j, l - j, out) < 0)
				return -1;
			found = 1;	/* the last one wins, as in git */
		}
	}
	return found;
}

/* The next NUL-terminated token at buf[*pos]; NULL at the end of buf or
 * when it is unterminated. */
static const char *token(const char *buf, size_t len, size_t *pos, size_t *l)
{
	const char *t = buf + *pos, *end;

	if (*pos >= len || !(end = memchr(t, '\0', len - *pos)))
		return NULL;
	*l = (size_t)(end - t);
	*pos += *l + 1;
	return t;
}

static int count_of(const char *t, size_t l, unsigned long *n)
{
	size_t i;

	if (!l || l > 9)
		return -1;
	for (*n = 0, i = 0; i < l; i++) {
		if (!ascii_is_digit(t[i]))
			return -1;
		*n = *n * 10 + (unsigned long)(t[i] - '0');
	}
	return 0;
}

int work_merge_tree_next(const char *buf, size_t len, size_t *pos, int *clean,
			 struct strbuf *tree, struct strbuf *files, size_t *nr)
{
	const char *t;
	size_t l, i;
	unsigned long n;

	strbuf_reset(tree);
	strbuf_reset(files);
	*nr = 0;
	if (*pos >= len)
		return 1;
	/* the merge's status: 1 clean, 0 conflicted */
	if (!(t = token(buf, len, pos, &l)) || l != 1 || (t[0] != '0' && t[0] != '1'))
		goto bad;
	*clean = t[0] == '1';
	if (!(t = token(buf, len, pos, &l)) || l < 4 || l > 64)
		goto bad;
	for (i = 0; i < l; i++)
		if (ascii_hex_value((unsigned char)t[i]) < 0)
			goto bad;
	strbuf_add(tree, t, l);
	/* the conflicted paths, up to an empty one (a clean merge has none:
	 * its record ends there) */
	while ((t = token(buf, len, pos, &l)) && l) {
		if (*clean)
			goto bad;
		strbuf_add(files, t, l);
		strbuf_addch(files, '\0');
		(*nr)++;
	}
	if (!t)
		goto bad;
	if (*clean)
		return 0;
	/* messages: N, N paths, a type, the text; an empty N ends the record */
	while ((t = token(buf, len, pos, &l)) && l) {
		if (count_of(t, l, &n) < 0)
			goto bad;
		for (i = 0; i < n + 2; i++)
			if (!token(buf, len, pos, &l))
				goto bad;
	}
	if (!t)
		goto bad;
	return 0;
bad:
	return error_set(BOSUN_EDATA, "git merge-tree: malformed output");
}
