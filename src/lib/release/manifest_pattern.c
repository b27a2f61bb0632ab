/*
 * manifest_pattern.c - the version in any file, found by a release.files
 * pattern: a POSIX extended regex whose first group is the version.
 */
#include "lib/release/manifest.h"
#include "lib/release/internal.h"

#include "core/error.h"

#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

static int pattern_compile(regex_t *re, const struct manifest *m,
			   const char *pattern)
{
	char msg[256];
	int rc;

	if (!pattern)
		return error_set(BOSUN_EUSAGE, "%s: no pattern given",
				 mf_name(m));
	/* REG_NEWLINE: '.' and '^'/'$' work per line, as in every other
	 * regex dialect people know. */
	rc = regcomp(re, pattern, REG_EXTENDED | REG_NEWLINE);
	if (rc) {
		regerror(rc, re, msg, sizeof(msg));
		return error_set(BOSUN_EDATA, "%s: invalid pattern '%s': %s",
				 mf_name(m), pattern, msg);
	}
	if (re->re_nsub < 1) {
		regfree(re);
		return error_set(BOSUN_EDATA,
				 "%s: pattern '%s' has no group for the "
				 "version", mf_name(m), pattern);
	}
	return 0;
}

/* Every non-overlapping match's group 1 is a span. */
static int pattern_scan(struct manifest *m, regex_t *re, const char *pattern)
{
	size_t pos = 0, len = m->content.len;
	regmatch_t pm[2];
	int r;

	while (pos <= len) {
		/* REG_STARTEND: the content may hold NUL bytes. */
		pm[0].rm_so = (regoff_t)pos;
		pm[0].rm_eo = (regoff_t)len;
		if (regexec(re, m->content.buf, 2, pm, REG_STARTEND))
			break;
		if (pm[1].rm_so < 0)
			return mf_error_at(m, (size_t)pm[0].rm_so,
					"group 1 of pattern '%s' did not match",
					pattern);
		r = mf_add_text_span(m, (size_t)pm[1].rm_so,
				  (size_t)(pm[1].rm_eo - pm[1].rm_so));
		if (r < 0)
			return r;
		pos = (size_t)pm[0].rm_eo + (pm[0].rm_eo == pm[0].rm_so);
	}
	if (!m->nr_spans)
		return mf_error_at(m, 0, "no match for pattern '%s'", pattern);
	return 0;
}

int mf_parse_pattern(struct manifest *m, const char *pattern)
{
	regex_t re;
	int r;

	if (m->content.len > INT_MAX)
		return error_set(BOSUN_EDATA, "%s: file too large",
				 mf_name(m));
	if ((r = pattern_compile(&re, m, pattern)) < 0)
		return r;
	r = pattern_scan(m, &re, pattern);
	regfree(&re);
	return r;
}
