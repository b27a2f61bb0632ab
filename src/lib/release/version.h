/*
 * version.h - the current and the next version, from tags and Conventional
 * Commits.
 *
 *	const struct rtag *cur;
 *	r = version_current(&cur, &h, &tags, head, 1);	// -BOSUN_ENOTFOUND: none
 *
 *	struct next_result res = NEXT_RESULT_INIT;
 *	r = version_next(&res, &h, &tags, head, &opts);	// -BOSUN_EFAIL:
 *	...						// nothing to release
 *	next_result_release(&res);
 *
 * The current release is the highest version among the matching tags
 * reachable from head (several tags on one commit: the highest wins; tags
 * not reachable from head, e.g. on another branch, do not count).
 *
 * The next version is computed from the commits reachable from head and not
 * from the latest *stable* release (so a plain next after 1.3.0-rc.2 is
 * 1.3.0): a breaking change (a "!" or a BREAKING CHANGE / BREAKING-CHANGE
 * footer) is major, a type in minor_types is minor, in patch_types patch.
 * Merge commits do not count (the commits they merge do); a revert and the
 * commit it reverts cancel when both are in range (a revert of a commit
 * from an earlier release is a change of its own: type "revert", a patch by
 * default, as semantic-release does); a squash commit whose
 * body lists conventional entries counts each. The level bumps the latest
 * stable release, or the latest prerelease when it is above that or there
 * is no stable one (a prerelease is a release: 1.0.0-beta.1 + fix gives
 * 1.0.0, see semver_bump()). Below 1.0.0 a major bump raises the minor
 * unless zero_major. With no release (nor prerelease) yet the next version
 * is `initial`. With pre = "rc" the result is X.Y.Z-rc.N, N one more than the
 * highest existing X.Y.Z-rc.* tag (reachable or not: tag names are unique).
 */
#ifndef BOSUN_LIB_VERSION_H
#define BOSUN_LIB_VERSION_H

#include "lib/git/history.h"
#include "lib/release/commit.h"
#include "lib/release/semver.h"
#include "lib/release/tags.h"

struct bump_rules {
	const char *const *minor_types;
	size_t nr_minor;
	const char *const *patch_types;
	size_t nr_patch;
};

struct next_opts {
	struct bump_rules rules;
	const char *pre;          /* prerelease id, or NULL */
	enum bump_level level;    /* forced level, or BUMP_NONE for auto */
	int zero_major;
	const char *initial;      /* first release; "0.1.0" when NULL */
};

struct decided {
	uint32_t idx;             /* commit index in the history */
	enum bump_level level;
	char *header;             /* the conventional header that decided */
};

struct next_result {
	const struct rtag *previous;  /* latest stable release, or NULL */
	const struct rtag *latest;    /* latest release incl. prereleases */
	struct semver next;
	enum bump_level level;
	struct decided *commits;      /* every commit with a level, in walk order */
	size_t nr, alloc;
	size_t considered;            /* commits in range */
};
#define NEXT_RESULT_INIT { 0 }

/* The bump level a parsed commit asks for. */
enum bump_level version_commit_level(const struct cc_commit *c,
				     const struct bump_rules *rules);

int version_current(const struct rtag **out, struct history *h,
		    const struct rtags *tags, uint32_t head, int include_pre);
/* The release tagged most recently on head's line: the first tagged commit
 * along first parents (several tags there: the highest version; none: as
 * version_current). This is what the version files should say, even when a
 * lower prerelease (beta after rc) came last. */
int version_newest(const struct rtag **out, struct history *h,
		   const struct rtags *tags, uint32_t head);
int version_next(struct next_result *out, struct history *h,
		 const struct rtags *tags, uint32_t head,
		 const struct next_opts *opts);
void next_result_release(struct next_result *res);

/* Commits reachable from tip and not from any of the `nr_bases` commits, in
 * walk order (newest first along first parents). */
size_t version_range(struct history *h, uint32_t tip, const uint32_t *bases,
		     size_t nr_bases, uint32_t **out);

#endif
