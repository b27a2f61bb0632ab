/*
 * utf8.h - UTF-8 validation for text bosun did not write (commit messages,
 * configuration, templates, log messages).
 */
#ifndef BOSUN_CORE_UTF8_H
#define BOSUN_CORE_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the well-formed UTF-8 sequence at s, of the len
 * bytes available, or 0 when there is none: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
size_t utf8_seq_len(const unsigned char *s, size_t len);

#endif
