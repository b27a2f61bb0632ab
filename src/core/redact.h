/*
 * redact.h - credentials out of text before it leaves the process: the log,
 * deploy data, and every command's output (src/cmd/common.h's out_json() and
 * out_write(), hook output, changelog text).
 *
 *	redact(&sb, msg, len);                      log lines: every shape
 *	redact_with(&sb, text, len, REDACT_SHAPES); output: token shapes only
 *
 *	size_t at = 0, end;
 *	const char *kind;
 *	while ((kind = redact_find(s, len, REDACT_SHAPES, &at, &end))) {
 *		warn("a secret (%s) at %zu", kind, at);
 *		at = end;
 *	}
 *
 * REDACT_ALL replaces anything that looks like a credential: known token
 * prefixes (ghp_, github_pat_, glpat-, xox?-, sk-, sk-ant-, sk_live_,
 * AKIA..., npm_, pypi-, ...) at the start of a word, "Bearer x",
 * "user:password@" in URLs, PEM private key blocks, the rest of the line
 * after "Authorization:", and the value after password=, secret: ,
 * "token":"..." and similar keys (any key containing password, passwd,
 * secret, token, api_key, apikey, access_key, private_key..., in any case).
 * REDACT_SHAPES leaves out the key=value pairs: command output (a changelog
 * line "fix: token: expire after 1h", config keys named "token") would lose
 * ordinary words to them, while the shapes are credentials wherever they
 * appear. A replaced part becomes "[REDACTED]". Linear in len; s may hold
 * any bytes; with REDACT_SHAPES text holding no candidate first byte is
 * passed over at memchr-like speed.
 */
#ifndef BOSUN_CORE_REDACT_H
#define BOSUN_CORE_REDACT_H

#include "core/strbuf.h"

enum redact_mode {
	REDACT_ALL,
	REDACT_SHAPES,
};

/* Append s with its credentials replaced to out; returns how many. */
size_t redact_with(struct strbuf *out, const char *s, size_t len,
		   enum redact_mode mode);
/* redact_with(out, s, len, REDACT_ALL). */
void redact(struct strbuf *out, const char *s, size_t len);
/* The first credential in s at or after *at: its kind ("github-pat",
 * "aws-access-key-id", "slack-token", "private-key", ...), with
 * [*at, *end) the part redact_with() replaces; NULL when there is none. */
const char *redact_find(const char *s, size_t len, enum redact_mode mode,
			size_t *at, size_t *end);

#endif
