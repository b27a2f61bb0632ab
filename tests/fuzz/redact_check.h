/*
 * redact_check.h - the invariant the harnesses that feed text to
 * core/redact.h check: no credential survives redaction.
 *
 *	redact_check(data, size);
 *
 * For both modes, every token shape (REDACT_SHAPES: a key=value pair
 * depends on context that a replacement can change, such as a quoted key
 * getting short enough to count) left in the redacted text touches a
 * "[REDACTED]" placeholder (a URL's "user:[REDACTED]@" is still a userinfo
 * shape, and a replaced '/' or newline can join "://" to a later '@', so
 * a URL password's shape counts from its "://"): a credential that
 * was there is gone; and redact_with() counts a replacement exactly when redact_find()
 * finds one in the input. A violation aborts, which libFuzzer reports.
 */
#ifndef BOSUN_FUZZ_REDACT_CHECK_H
#define BOSUN_FUZZ_REDACT_CHECK_H

#include "core/redact.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

#define PLACEHOLDER_LEN (sizeof("[REDACTED]") - 1)

static inline void redact_check_mode(const char *s, size_t len,
				     enum redact_mode mode)
{
	struct strbuf red = STRBUF_INIT;
	size_t at = 0, end, n;
	const char *kind;
	int found = redact_find(s, len, mode, &at, &end) != NULL;

	n = redact_with(&red, s, len, mode);
	if (!n != !found)
		abort();
	for (at = 0; (kind = redact_find(red.buf, red.len, REDACT_SHAPES, &at,
					 &end)); at = end) {
		/* Touching a placeholder: a shape the replacement joined. */
		size_t lo = at >= PLACEHOLDER_LEN ? at - PLACEHOLDER_LEN + 1 : 0;
		size_t hi = end + PLACEHOLDER_LEN - 1 < red.len ?
			    end + PLACEHOLDER_LEN - 1 : red.len;

		/* A URL password's shape starts at its "://": a replaced
		 * newline or '/' in the authority can make one. */
		if (!strcmp(kind, "url-password"))
			while (lo && memcmp(red.buf + lo, "://", 3))
				lo--;
		if (!memmem(red.buf + lo, hi - lo, "[REDACTED]", PLACEHOLDER_LEN))
			abort();
	}
	strbuf_release(&red);
}

static inline void redact_check(const char *s, size_t len)
{
	redact_check_mode(s, len, REDACT_ALL);
	redact_check_mode(s, len, REDACT_SHAPES);
}

#endif
