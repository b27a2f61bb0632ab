/*
 * semver.h - Semantic Versioning 2.0.0 values.
 *
 *	struct semver v = SEMVER_INIT;
 *	if (semver_parse(&v, "1.3.0-rc.2", -1) < 0)	// -BOSUN_EDATA, recorded
 *		...
 *	semver_cmp(&a, &b);	// precedence: <0, 0, >0 (build metadata ignored)
 *	semver_release(&v);
 *
 * Parsing is strict: no leading "v", no leading zeros in numeric parts, no
 * empty identifiers, numbers that fit in 64 bits.
 */
#ifndef BOSUN_LIB_SEMVER_H
#define BOSUN_LIB_SEMVER_H

#include "core/strbuf.h"

#include <stdint.h>
#include <sys/types.h>

struct semver {
	uint64_t major, minor, patch;
	char *pre;   /* "rc.1", or NULL */
	char *build; /* "sha.abc", or NULL */
};
#define SEMVER_INIT { 0, 0, 0, NULL, NULL }

enum bump_level { BUMP_NONE = 0, BUMP_PATCH, BUMP_MINOR, BUMP_MAJOR };

/* len < 0: s is NUL-terminated. out is overwritten on success (pass it
 * SEMVER_INIT or released) and untouched on failure. */
int semver_parse(struct semver *out, const char *s, ssize_t len);
int semver_cmp(const struct semver *a, const struct semver *b);
void semver_format(struct strbuf *sb, const struct semver *v);
void semver_copy(struct semver *dst, const struct semver *src);
void semver_release(struct semver *v);

/* The release out of base bumped by level; out may be base. Prerelease and
 * build parts of base are always dropped; out is overwritten (release it
 * first if it holds anything else).
 *  - A stable base X.Y.Z: patch gives X.Y.Z+1, minor X.Y+1.0, major X+1.0.0,
 *    none X.Y.Z. Below 1.0.0 a major bump raises the minor (0.3.4 -> 0.4.0)
 *    unless zero_major is set (then 0.3.4 -> 1.0.0); a minor bump below
 *    1.0.0 raises the minor as usual.
 *  - A prerelease base X.Y.Z-pre: when X.Y.Z itself is a bump of at least
 *    that level from a predecessor (patch: any X.Y.Z other than 0.0.0;
 *    minor: Z == 0 and X.Y != 0.0; major: Y == Z == 0 and X > 0), the pre is
 *    dropped and nothing else changes: 1.3.0-rc.2 by patch or minor gives
 *    1.3.0, 2.0.0-rc.1 by major gives 2.0.0. Otherwise X.Y.Z is bumped as a
 *    stable base: 1.3.1-rc.1 by minor gives 1.4.0, 1.3.0-rc.2 by major
 *    2.0.0. The below-1.0.0 rule is applied first (0.4.0-rc.1 by major
 *    gives 0.4.0 unless zero_major, then 1.0.0). none gives X.Y.Z.
 *  - Numbers saturate at UINT64_MAX instead of wrapping to 0. */
void semver_bump(struct semver *out, const struct semver *base,
		 enum bump_level level, int zero_major);

/* For "rc.4": id "rc" and number 4. Returns 0, or -1 when pre is not of the
 * form ID.N (ID alone gives n = 0). */
int semver_pre_split(const struct semver *v, struct strbuf *id, uint64_t *n);

const char *bump_level_name(enum bump_level level);
/* "major"/"minor"/"patch" -> level; -1 when unknown. */
int bump_level_parse(const char *s);

#endif
