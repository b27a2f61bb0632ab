/*
 * rev.h - revisions to commit ids.
 *
 *	char hex[41];
 *	if ((r = rev_commit_hex(repo, "main", hex)) < 0)	// -BOSUN_ENOTFOUND
 *		return r;
 *
 * A full id is taken as it is. HEAD, "refs/..." names, branches and
 * remote-tracking branches are read from the ref files, without a process;
 * anything else ("v1.2^", "HEAD~3", a short id) is asked of
 * `git rev-parse --verify REV^{commit}` (lib/git/run.h). Every failure is
 * -BOSUN_ENOTFOUND "unknown revision 'REV'".
 */
#ifndef BOSUN_LIB_GIT_REV_H
#define BOSUN_LIB_GIT_REV_H

#include <stddef.h>

struct repo;

int rev_commit_hex(struct repo *repo, const char *rev, char hex[41]);
/* Whether s is between min and max lowercase hex digits. */
int rev_is_hex(const char *s, size_t min, size_t max);

#endif
