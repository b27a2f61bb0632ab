#include "core/utf8.h"

#include "core/strbuf.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range rules out overlongs, surrogates and code
	 * points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (!(n = utf8_seq_len(p + i, len - i)))
			return 0;
		i += n;
	}
	return 1;
}

static void append_replacing(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq_len(p + i, len - i))) {
			strbuf_add(sb, s + i, n);
			i += n;
		} else {
			strbuf_addstr(sb, "\xef\xbf\xbd");
			i++;
		}
	}
}

static int is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* iconv from charset into sb; -1 (sb as it was) when iconv cannot. */
static int convert(struct strbuf *sb, const char *s, size_t len,
		   const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	size_t in_left = len;
	char *in = (char *)s;

	if (cd == (iconv_t)-1)
		return -1;
	while (in_left) {
		size_t room = in_left * 4 + 16, out_left = room;
		char *out;

		strbuf_grow(sb, room);
		out = sb->buf + sb->len;
		if (iconv(cd, &in, &in_left, &out, &out_left) == (size_t)-1 &&
		    errno != E2BIG) {
			/* A byte the charset has no character for. */
			strbuf_setlen(sb, sb->len + (room - out_left));
			strbuf_addstr(sb, "\xef\xbf\xbd");
			in++;
			in_left--;
			iconv(cd, NULL, NULL, NULL, NULL);
			continue;
		}
		strbuf_setlen(sb, sb->len + (room - out_left));
	}
	iconv_close(cd);
	return 0;
}

void utf8_append(struct strbuf *sb, const char *s, size_t len,
		 const char *charset)
{
	size_t old = sb->len;

	if (charset && strcasecmp(charset, "UTF-8") && strcasecmp(charset, "utf8") &&
	    !is_ascii(s, len) && convert(sb, s, len, charset) == 0) {
		/* iconv's output is UTF-8 already; check it all the same. */
		if (utf8_valid(sb->buf + old, sb->len - old))
			return;
		strbuf_setlen(sb, old);
	}
	append_replacing(sb, s, len);
}
