/*
 * strbuf.h - a growable, always NUL-terminated byte buffer (after git's).
 *
 *	struct strbuf sb = STRBUF_INIT;
 *	strbuf_addf(&sb, "%s-%d", name, n);
 *	use(sb.buf, sb.len);
 *	strbuf_release(&sb);
 *
 * sb.buf is never NULL, even for an empty buffer. strbuf_detach() hands the
 * bytes to the caller (free() them) and leaves the buffer empty.
 */
#ifndef BOSUN_CORE_STRBUF_H
#define BOSUN_CORE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addchars(struct strbuf *sb, int c, size_t n);
void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Insert len bytes at pos (pos <= sb->len). */
void strbuf_insert(struct strbuf *sb, size_t pos, const void *data, size_t len);
/* Replace the len bytes at pos with data of dlen bytes. */
void strbuf_splice(struct strbuf *sb, size_t pos, size_t len,
		   const void *data, size_t dlen);

void strbuf_rtrim(struct strbuf *sb);
void strbuf_ltrim(struct strbuf *sb);
void strbuf_trim(struct strbuf *sb);

/* Append s with every occurrence of each "key" in vars replaced:
 * vars is a NULL-terminated array of "{name}", "value" pairs. */
void strbuf_expand(struct strbuf *sb, const char *tmpl, const char *const *vars);

int strbuf_starts_with(const struct strbuf *sb, const char *prefix);

/* Append s (len bytes) as valid UTF-8: each byte that is not part of a
 * well-formed sequence becomes U+FFFD, and NUL bytes are dropped. JSON
 * output needs this for commit messages in other encodings. */
void strbuf_add_utf8_lossy(struct strbuf *sb, const char *s, size_t len);

/* Append s in single quotes for a POSIX shell (fish reads it too): each
 * ' becomes '\'' (git's sq_quote_buf). */
void strbuf_add_shell_quoted(struct strbuf *sb, const char *s);

/* Append a path for a line of text output: as it is, unless it holds a
 * control byte (a newline could forge a line), '"' or '\\'; then in double
 * quotes with C escapes (\\n, \\t, \\", \\\\, \\ooo), as git quotes paths. */
void strbuf_add_quoted_path(struct strbuf *sb, const char *s);

#endif
