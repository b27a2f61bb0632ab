/*
 * gitfix.h - throw-away git repositories for the unit drivers, made by the
 * real git program (git's t/test-lib.sh in miniature).
 *
 *	static const struct CMUnitTest tests[] = {
 *		cmocka_unit_test_setup_teardown(f, gitfix_setup, gitfix_teardown),
 *	};
 *
 *	struct gitfix *fx = *state;
 *	const char *dir = gitfix_init(fx, "r");		// fx->root/r, branch main
 *	const char *c1 = gitfix_commit(fx, dir, "feat: one");	// its id
 *	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);	// fails the test unless
 *							// git exits 0
 *	const char *id = gitfix_git(fx, dir, "rev-parse", "HEAD", NULL);
 *
 * Every string handed back lives until the teardown. The setup makes git
 * ignore the machine's configuration (HOME and XDG_CONFIG_HOME point into the
 * temporary root, GIT_CONFIG_NOSYSTEM=1) and fixes author and committer. Each
 * commit is dated fx->clock (UTC) and moves the clock on by a day, so
 * histories, ids and changelog dates are the same on every run; set
 * fx->clock to pin a date. The helpers fail the running test (cmocka's
 * assertions) when git does not do what was asked.
 */
#ifndef BOSUN_TESTS_GITFIX_H
#define BOSUN_TESTS_GITFIX_H

#include "core/strbuf.h"
#include "lib/git/repo.h"

#include <stddef.h>

#define GITFIX_EPOCH 1700000000LL /* 2023-11-14T22:13:20Z */
#define GITFIX_DAY 86400LL

struct gitfix {
	struct strbuf root;        /* the temporary directory */
	long long clock;           /* the next commit's date */
	char **keep;               /* strings handed out */
	size_t nr_keep, alloc_keep;
	struct repo **repos;       /* repositories handed out */
	size_t nr_repos, alloc_repos;
};

int gitfix_setup(void **state);
int gitfix_teardown(void **state);

/* root/rel. */
const char *gitfix_path(struct gitfix *fx, const char *rel);
/* Keep s (a malloc()ed string) until the teardown; returns it. */
const char *gitfix_keep(struct gitfix *fx, char *s);

/* Run git in dir (NULL: the root) with the NULL-terminated arguments;
 * fails the test unless it exits 0. Returns its stdout without trailing
 * blanks. */
const char *gitfix_git(struct gitfix *fx, const char *dir, ...)
	__attribute__((sentinel));
/* The same with an argument vector; *status gets git's exit code and the
 * output is returned whatever the code. raw keeps trailing blanks and binary
 * bytes (*len gets the length). */
const char *gitfix_gitv(struct gitfix *fx, const char *dir,
			const char *const *argv, int *status, int raw, size_t *len);

/* mkdir root/name and "git init -b main" in it; returns the path. */
const char *gitfix_init(struct gitfix *fx, const char *name);
/* An empty commit with message msg at fx->clock; returns its id. */
const char *gitfix_commit(struct gitfix *fx, const char *dir, const char *msg);
/* Write file (relative to dir) with content, "git add" it and commit. */
const char *gitfix_commit_file(struct gitfix *fx, const char *dir,
			       const char *file, const char *content,
			       const char *msg);
/* Write path (absolute) with content; fails the test when it cannot. */
void gitfix_write(const char *path, const char *content, size_t len);

/* The raw id of hex (40 digits); fails the test when it is not one. */
void gitfix_oid(const char *hex, unsigned char *oid);
/* repo_discover(dir), failing the test when it does not succeed; the repo
 * is freed by the teardown. */
struct repo *gitfix_repo(struct gitfix *fx, const char *dir);

#endif
