/*
 * rev.c - rev_commit_hex() (rev.h): the ref files first, git rev-parse for
 * the rest.
 */
#include "lib/git/rev.h"

#include "core/error.h"
#include "core/strbuf.h"
#include "lib/git/history.h"
#include "lib/git/refs.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"

#include <string.h>

#define REV_PARSE_TIMEOUT_MS 10000

int rev_is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

static int from_refs(struct repo *repo, const char *rev, char hex[41])
{
	static const char *const prefixes[] = { "", "refs/heads/", "refs/remotes/", NULL };
	struct strbuf name = STRBUF_INIT;
	unsigned char oid[20];
	size_t i;
	int r = -BOSUN_ENOTFOUND;

	for (i = 0; prefixes[i] && r < 0; i++) {
		if (i == 0 && strcmp(rev, "HEAD") && strncmp(rev, "refs/", 5))
			continue;
		strbuf_reset(&name);
		strbuf_addstr(&name, prefixes[i]);
		strbuf_addstr(&name, rev);
		r = refs_resolve(repo, name.buf, oid);
	}
	error_clear();
	if (r == 0)
		oid_to_hex(oid, hex);
	strbuf_release(&name);
	return r;
}

static int from_git(struct repo *repo, const char *rev, char hex[41])
{
	struct strbuf arg = STRBUF_INIT;
	const char *args[] = { "rev-parse", "--verify", "--quiet", NULL, NULL };
	struct gitrun g = GITRUN_INIT;
	int r = -BOSUN_ENOTFOUND;

	strbuf_addf(&arg, "%s^{commit}", rev);
	args[3] = arg.buf;
	g.dir = repo->workdir;
	g.timeout_ms = REV_PARSE_TIMEOUT_MS;
	if (gitrun_exec(&g, args) == 0 && g.out.len >= 40) {
		strbuf_setlen(&g.out, 40);
		if (rev_is_hex(g.out.buf, 40, 40)) {
			memcpy(hex, g.out.buf, 41);
			r = 0;
		}
	}
	error_clear();
	gitrun_release(&g);
	strbuf_release(&arg);
	return r;
}

int rev_commit_hex(struct repo *repo, const char *rev, char hex[41])
{
	if (rev_is_hex(rev, 40, 40)) {
		memcpy(hex, rev, 41);
		return 0;
	}
	if (from_refs(repo, rev, hex) == 0 || from_git(repo, rev, hex) == 0)
		return 0;
	return error_set(BOSUN_ENOTFOUND, "unknown revision '%s'", rev);
}
