/*
 * ascii.h - character classes that ignore the locale (the <ctype.h> ones
 * depend on it and take only unsigned char values). For parsers of commit
 * messages, refs and version files.
 */
#ifndef BOSUN_CORE_ASCII_H
#define BOSUN_CORE_ASCII_H

static inline int ascii_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int ascii_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int ascii_is_alnum(int c)
{
	return ascii_is_alpha(c) || ascii_is_digit(c);
}

/* Blanks within a line: no '\n'. */
static inline int ascii_is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* 0-15 for a hex digit, else -1. */
static inline int ascii_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
