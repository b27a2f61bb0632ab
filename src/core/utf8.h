/*
 * utf8.h - UTF-8 validation for text bosun did not write (commit messages,
 * configuration, templates, log messages).
 */
#ifndef BOSUN_CORE_UTF8_H
#define BOSUN_CORE_UTF8_H

#include <stddef.h>

struct strbuf;

/* The length (1 to 4) of the well-formed UTF-8 sequence at s, of the len
 * bytes available, or 0 when there is none: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
size_t utf8_seq_len(const unsigned char *s, size_t len);

/* Whether the len bytes at s are all well-formed UTF-8. */
int utf8_valid(const char *s, size_t len);

/*
 * Append the len bytes at s to sb as UTF-8: converted from charset with
 * iconv(3) when charset names another encoding (NULL, "UTF-8" and "utf8"
 * mean none), and with every byte that is still not part of a well-formed
 * sequence replaced by U+FFFD. An unknown charset is treated as none.
 */
void utf8_append(struct strbuf *sb, const char *s, size_t len,
		 const char *charset);

#endif
