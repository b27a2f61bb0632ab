/*
 * run.h - run other programs (after git's run-command.h).
 *
 * To completion:
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
 * Or in two steps, doing something else while it runs:
 *
 *	c.pipe_out = 1;         // read its stdout yourself from c.out_fd
 *	if ((r = child_start(&c)) < 0)
 *		return r;
 *	... read(c.out_fd, ...), or child_kill(&c, SIGTERM) ...
 *	r = child_finish(&c);   // waits; c.status as child_run gives it
 *	child_release(&c);
 *
 * A function instead of a program: with fn set, the forked child calls
 * fn(fn_data) where it would exec, and exits with its return; argv[0] only
 * names it in messages. Everything else (pipes, capture, timeout, dying
 * with bosun) is as for a program. Only where bosun has one thread: the
 * child is a copy of the calling thread alone, and may take any lock
 * another thread held at the fork.
 *
 * Never through a shell unless use_shell is set, in which case argv[0] is the
 * script given to "/bin/sh -c" and argv[1], argv[2]... become $0, $1...
 * env adds "NAME=value" entries (or removes "NAME") to the inherited
 * environment. Descriptors are O_CLOEXEC. On timeout the child gets SIGTERM,
 * then SIGKILL after a second; timed_out is set and status is 124 (as
 * timeout(1)); the time counts from the start, and is enforced while
 * child_finish() (or child_run, or the parallel runner) waits. Only the child
 * is signalled, not its own children; once it has exited, output still
 * arriving from one of them is read for at most a second (never past the
 * timeout), so a background process that keeps the pipe open cannot hang us.
 *
 * Captured output is appended to out and err, each capped at out_cap bytes
 * (the rest is read and dropped); with child_start() it is read (and in
 * written) while child_finish() waits. pipe_in and pipe_out hand the caller
 * our ends of the child's stdin and stdout instead, as blocking descriptors
 * in in_fd and out_fd; close them yourself and set them to -1, or leave them
 * to child_finish(). A child that could not be started has pid 0 and status
 * 127.
 *
 * Every child dies with bosun: when bosun is killed by SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT or SIGPIPE, the children it started and has not reaped
 * get SIGTERM. A child started with die_with_us also gets SIGTERM when
 * bosun is killed by SIGKILL (or dies any other way): the kernel sends it
 * (PR_SET_PDEATHSIG, set in the child between fork and exec; git removes
 * its lock files as it dies). Without it such a child runs on to its end,
 * which a caller that waits for what a killed run left running may want.
 * The kernel takes the thread that started a child for its parent, so a
 * die_with_us child is finished by the thread that started it (a worker
 * thread that ends first takes its children with it). Their own children
 * (git's sub-commands) are not killed. A child started with detached set
 * is left alone: it runs in a session of its own, and may be released
 * without being finished; core/daemon's daemons are not started here and
 * never get the signal either.
 */
#ifndef BOSUN_CORE_RUN_H
#define BOSUN_CORE_RUN_H

#include "core/strbuf.h"

#include <stddef.h>
#include <sys/types.h>

struct run_proc;

struct child {
	const char *const *argv;
	const char *const *env;
	const char *dir;        /* working directory, or NULL */
	int use_shell;
	int capture;            /* 1: stdout and stderr to out and err */
	int merge_err;          /* with capture or pipe_out: stderr goes with stdout */
	int quiet;              /* without capture: stdout and stderr to /dev/null */
	const char *in;         /* bytes for stdin, or NULL for /dev/null */
	size_t in_len;
	int inherit_stdin;      /* keep our stdin instead */
	int timeout_ms;         /* 0: none */
	size_t out_cap;         /* cap on captured bytes (0: 16 MiB) */
	int pipe_in;            /* child_start: its stdin from in_fd */
	int pipe_out;           /* child_start: its stdout to out_fd */
	int detached;           /* own session; not killed when bosun dies */
	int die_with_us;        /* SIGTERM when bosun dies, even of SIGKILL */
	int (*fn)(void *data);  /* run in the child instead of argv (above) */
	void *fn_data;
	int own_pgroup;         /* own process group: the timeout's signals
				 * go to the whole group, and SIGKILL follows
				 * SIGTERM at once (a probe that hangs) */

	/* results */
	pid_t pid;
	int status;             /* exit code, or 128 + signal */
	int timed_out;
	int in_fd, out_fd;      /* with pipe_in, pipe_out: our ends */
	struct strbuf out, err;
	struct run_proc *proc;  /* while started and not finished */
};
#define CHILD_INIT { .out = STRBUF_INIT, .err = STRBUF_INIT, \
		     .in_fd = -1, .out_fd = -1 }

/* Run to completion. 0 when the program ran (see status), negative when it
 * could not be started: -BOSUN_EUNAVAILABLE for a missing program. */
int child_run(struct child *c);
/* Start c and return while it runs (errors as child_run). */
int child_start(struct child *c);
/* Wait for a started child (feeding in, capturing, enforcing the timeout)
 * and reap it; 0, with status set. */
int child_finish(struct child *c);
/* Send sig to a started child that has not been reaped yet; 0, or
 * -BOSUN_EIO. */
int child_kill(struct child *c, int sig);
/* For a signal handler that must not go on while children run (the hooks'
 * stash puts back files a check could still write): SIGTERM to every child
 * started and not reaped, then wait for them to end, SIGKILL after a
 * second. Async-signal-safe. */
void child_stop_all(void);
/* Free the buffers, and the state of a child started and never finished
 * (meant for a detached one: the process is left running). */
void child_release(struct child *c);

/*
 * The parallel runner (git's run_processes_parallel): up to jobs children at
 * once (0: number of CPUs), each asked for by a callback.
 *
 * get_next_task sets up c (CHILD_INIT'd by the runner, which owns it) and
 * may set *task to anything of its own; it returns 1 to start c, 0 when
 * there is nothing more to run, negative (error recorded) to stop.
 * start_failure is told of a child that could not start (error recorded);
 * NULL or a negative return stops. task_finished gets each child that
 * started, once it ended: its status, and all its captured output at once,
 * so the output of children running together is never interleaved. Its
 * negative return stops too. Stopping starts nothing more and sends SIGTERM
 * to the children still running; each of them still reaches task_finished.
 * Returns 0, or the first negative return (its message kept).
 */
struct child_tasks {
	int jobs;
	int (*get_next_task)(struct child *c, void *data, void **task);
	int (*start_failure)(struct child *c, void *data, void *task);
	int (*task_finished)(struct child *c, void *data, void *task);
	void *data;
};
int child_run_tasks(const struct child_tasks *t);

/* Run the n children of c (set up as for child_run) through the runner.
 * Returns 0 when all ran (each has its own status), or the first start
 * error (with its message); the children that could start still run. */
int child_run_parallel(struct child *c, size_t n, int jobs);

#endif
