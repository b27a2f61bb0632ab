#include "core/strbuf.h"

#include "core/alloc.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = 0;
	sb->buf = strbuf_slopbuf;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (!sb)
		return;
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *res;

	strbuf_grow(sb, 0);
	res = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return res;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need < sb->len)
		abort(); /* overflow */
	if (!sb->alloc)
		sb->buf = NULL;
	if (need > sb->alloc) {
		size_t n = sb->alloc < 64 ? 64 : sb->alloc;

		while (n < need)
			n = n + n / 2;
		sb->buf = xrealloc(sb->buf, n);
		sb->alloc = n;
	}
	if (!sb->len)
		sb->buf[0] = '\0';
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->alloc) {
		if (len)
			abort();
		return;
	}
	if (len >= sb->alloc)
		abort();
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void strbuf_addchars(struct strbuf *sb, int c, size_t n)
{
	strbuf_grow(sb, n);
	memset(sb->buf + sb->len, c, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other)
{
	strbuf_add(sb, other->buf, other->len);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	strbuf_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_splice(struct strbuf *sb, size_t pos, size_t len,
		   const void *data, size_t dlen)
{
	if (pos > sb->len || len > sb->len - pos)
		abort();
	if (dlen > len)
		strbuf_grow(sb, dlen - len);
	memmove(sb->buf + pos + dlen, sb->buf + pos + len,
		sb->len - pos - len);
	if (dlen)
		memcpy(sb->buf + pos, data, dlen);
	if (sb->alloc)
		strbuf_setlen(sb, sb->len + dlen - len);
}

void strbuf_insert(struct strbuf *sb, size_t pos, const void *data, size_t len)
{
	strbuf_splice(sb, pos, 0, data, len);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

void strbuf_rtrim(struct strbuf *sb)
{
	size_t n = sb->len;

	while (n && is_space(sb->buf[n - 1]))
		n--;
	if (sb->alloc)
		strbuf_setlen(sb, n);
}

void strbuf_ltrim(struct strbuf *sb)
{
	size_t i = 0;

	while (i < sb->len && is_space(sb->buf[i]))
		i++;
	if (i)
		strbuf_splice(sb, 0, i, "", 0);
}

void strbuf_trim(struct strbuf *sb)
{
	strbuf_rtrim(sb);
	strbuf_ltrim(sb);
}

void strbuf_expand(struct strbuf *sb, const char *tmpl, const char *const *vars)
{
	const char *p = tmpl;

	while (*p) {
		const char *const *v;
		int hit = 0;

		if (*p == '{') {
			for (v = vars; v && v[0]; v += 2) {
				size_t kl = strlen(v[0]);

				if (!strncmp(p, v[0], kl)) {
					strbuf_addstr(sb, v[1] ? v[1] : "");
					p += kl;
					hit = 1;
					break;
				}
			}
		}
		if (!hit)
			strbuf_addch(sb, *p++);
	}
}

int strbuf_starts_with(const struct strbuf *sb, const char *prefix)
{
	size_t n = strlen(prefix);

	return sb->len >= n && !memcmp(sb->buf, prefix, n);
}

void strbuf_add_utf8_lossy(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	strbuf_grow(sb, len);
	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (!n) {
			strbuf_addstr(sb, "\xef\xbf\xbd");
			i++;
		} else {
			if (p[i])
				strbuf_add(sb, p + i, n);
			i += n;
		}
	}
}

void strbuf_add_shell_quoted(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

void strbuf_add_quoted_path(struct strbuf *sb, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			break;
	if (!*p) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_addch(sb, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			strbuf_addstr(sb, "\\n");
		else if (*p == '\t')
			strbuf_addstr(sb, "\\t");
		else if (*p == '"' || *p == '\\')
			strbuf_addf(sb, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(sb, "\\%03o", *p);
		else
			strbuf_addch(sb, (char)*p);
	}
	strbuf_addch(sb, '"');
}
