/*
 * redact_check.h - the invariant the harnesses that feed text to
 * core/redact.h check: no credential survives redaction.
 *
 *	redact_check(data, size);
 *
 * For both modes, the redacted text holds no match but the "[REDACTED]"
 * placeholders themselves (a URL's "user:[REDACTED]@" is still a userinfo
 * shape), and redact_with() counts a replacement exactly when redact_find()
 * finds one in the input. A violation aborts, which libFuzzer reports.
 */
#ifndef BOSUN_FUZZ_REDACT_CHECK_H
#define BOSUN_FUZZ_REDACT_CHECK_H

#include "core/redact.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

static inline void redact_check_mode(const char *s, size_t len,
				     enum redact_mode mode)
{
	struct strbuf red = STRBUF_INIT;
	size_t at = 0, end, n;
	int found = redact_find(s, len, mode, &at, &end) != NULL;

	n = redact_with(&red, s, len, mode);
	if (!n != !found)
		abort();
	for (at = 0; redact_find(red.buf, red.len, mode, &at, &end); at = end) {
		if (end - at != strlen("[REDACTED]") ||
		    memcmp(red.buf + at, "[REDACTED]", end - at))
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
