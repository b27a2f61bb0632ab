/*
 * run.h - run other programs (after git's run-command.h).
 *
 *	struct child c = CHILD_INIT;
 *	const char *argv[] = { "git", "push", "--atomic", "origin", ref, NULL };
 *	c.argv = argv;
 *	c.capture = 1;          // collect stdout and stderr in c.out / c.err
 *	c.timeout_ms = 60000;
 *	r = child_run(&c);      // < 0: could not start (error recorded)
 *	if (!r && c.status)     // the program ran and failed
 *	...
 *	child_release(&c);
 *
 * Never through a shell unless use_shell is set, in which case argv[0] is the
 * script given to "/bin/sh -c" and argv[1], argv[2]... become $0, $1...
 * env adds "NAME=value" entries (or removes "NAME") to the inherited
 * environment. Descriptors are O_CLOEXEC. On timeout the child gets SIGTERM,
 * then SIGKILL after a second; timed_out is set and status is 124 (as
 * timeout(1)). Only the child is signalled, not its own children; once it
 * has exited, output still arriving from one of them is read for at most a
 * second (never past the timeout), so a background process that keeps the
 * pipe open cannot hang us.
 *
 * Captured output is appended to out and err, each capped at out_cap bytes
 * (the rest is read and dropped). A child that could not be started has
 * pid 0 and status 127.
 */
#ifndef BOSUN_CORE_RUN_H
#define BOSUN_CORE_RUN_H

#include "core/strbuf.h"

#include <stddef.h>
#include <sys/types.h>

struct child {
	const char *const *argv;
	const char *const *env;
	const char *dir;        /* working directory, or NULL */
	int use_shell;
	int capture;            /* 1: stdout and stderr to out and err */
	int merge_err;          /* with capture: stderr goes into out too */
	int quiet;              /* without capture: stdout and stderr to /dev/null */
	const char *in;         /* bytes for stdin, or NULL for /dev/null */
	size_t in_len;
	int inherit_stdin;      /* keep our stdin instead */
	int timeout_ms;         /* 0: none */
	size_t out_cap;         /* cap on captured bytes (0: 16 MiB) */

	/* results */
	pid_t pid;
	int status;             /* exit code, or 128 + signal */
	int timed_out;
	struct strbuf out, err;
};
#define CHILD_INIT { NULL, NULL, NULL, 0, 0, 0, 0, NULL, 0, 0, 0, 0, \
		     0, 0, 0, STRBUF_INIT, STRBUF_INIT }

/* Run to completion. 0 when the program ran (see status), negative when it
 * could not be started: -BOSUN_EUNAVAILABLE for a missing program. */
int child_run(struct child *c);
void child_release(struct child *c);

/* Run n children, at most jobs at a time (0: number of CPUs), in one poll
 * loop. Returns 0 when all ran (each has its own status), or the first start
 * error (with its message); the children that could start still run. */
int child_run_parallel(struct child *c, size_t n, int jobs);

#endif
