/*
 * run.h - run the git program: the one place bosun starts `git`, and the one
 * mapping from its failures to error kinds.
 *
 *	struct gitrun g = GITRUN_INIT;
 *	const char *args[] = { "rev-parse", "--verify", rev, NULL };
 *	g.dir = repo->workdir;
 *	if ((r = gitrun_exec(&g, args)) < 0)	// error recorded, see below
 *		goto out;
 *	use(g.out.buf);				// git's stdout
 *	out:
 *	gitrun_release(&g);
 *
 * args are git's arguments without "git", as many as the caller has. The
 * child is run by core/run (no shell); stdin is g.in (NULL: /dev/null).
 * stdout and stderr are captured in g.out and g.err, each up to out_cap.
 *
 * gitrun_exec() returns 0 when git exited 0, else a negative kind with its
 * message recorded:
 *	git not found on PATH		-BOSUN_EUNAVAILABLE "cannot run git: ..."
 *	timed out (SIGTERM, SIGKILL)	-BOSUN_EUNAVAILABLE "git VERB timed out
 *					after N s"
 *	a revision git does not know	-BOSUN_EUSAGE "git VERB failed: LINE"
 *	any other non-zero exit		-fail_kind (default BOSUN_EFAIL)
 *					"git VERB failed: LINE"
 *	stdout reached out_cap		-BOSUN_EIO "git VERB: more than N bytes
 *					of output"
 * where LINE is the last line of git's stderr that is not a hint, without
 * its "fatal: " or "error: " (or "exit code N" when stderr is empty). g.status
 * and g.timed_out are set as core/run sets them.
 *
 * With g.retry_races set, a failure that is git meeting another git at
 * work (reading a worktree's admin folder while it is made: "failed to
 * read .git/worktrees/X/commondir"; a config file another git has
 * locked) is run again, up to GITRUN_RACE_TRIES more times after a
 * growing wait (10 ms, 30 ms, ...: 2.3 s in all). Only for commands that
 * may run twice: such a failure changed nothing. gitrun_start() does not
 * retry.
 *
 * gitrun_config_last(&value, dir, "^core\\.comment(char|string)$") puts the
 * value of the last configuration entry whose name matches the regex (as
 * `git config --get-regexp` matches: lowercase section and key) into value
 * and returns 1; 0 when none is set; a negative kind when git fails.
 */
#ifndef BOSUN_LIB_GIT_RUN_H
#define BOSUN_LIB_GIT_RUN_H

#include "core/strbuf.h"

#include <stddef.h>

#define GITRUN_TIMEOUT_MS 120000
#define GITRUN_RACE_TRIES 15

struct gitrun {
	const char *dir;        /* where git runs (NULL: here) */
	const char *const *env; /* as core/run's env */
	const char *in;         /* stdin bytes, or NULL */
	size_t in_len;
	int timeout_ms;         /* 0: GITRUN_TIMEOUT_MS; negative: none */
	size_t out_cap;         /* 0: 16 MiB */
	int merge_err;          /* stderr into out (LINE then comes from out) */
	int fail_kind;          /* the kind of a non-zero exit (0: BOSUN_EFAIL) */
	int die_with_us;        /* core/run's: git gets SIGTERM when we die */
	int retry_races;        /* run again when git met another git (above) */
	int out_fd;             /* gitrun_start: git's stdout, to read */
	struct child *child;    /* gitrun_start: while it runs */
	const char **argv;

	/* results */
	int status;
	int timed_out;
	struct strbuf out, err;
};
#define GITRUN_INIT { .out = STRBUF_INIT, .err = STRBUF_INIT, .out_fd = -1 }

int gitrun_exec(struct gitrun *g, const char *const *args);
/*
 * Streaming git's stdout (a blob too large to hold): gitrun_start() starts
 * git with its stdout in g->out_fd, read it to its end yourself, then
 * gitrun_finish() reaps git and returns what gitrun_exec() would (stderr
 * is captured meanwhile, up to out_cap; the timeout counts only while
 * gitrun_finish waits). gitrun_stop() ends a git whose output is no
 * longer wanted, with no error. gitrun_release() after either.
 */
int gitrun_start(struct gitrun *g, const char *const *args);
int gitrun_finish(struct gitrun *g);
void gitrun_stop(struct gitrun *g);
void gitrun_release(struct gitrun *g);
int gitrun_config_last(struct strbuf *value, const char *dir,
		       const char *name_regex);

#endif
