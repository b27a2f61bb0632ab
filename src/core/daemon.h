/*
 * daemon.h - detach a process, and know that it started (after systemd's
 * FORK_DETACH and its sd_notify readiness, and git's daemonize()).
 *
 * From a command (src/cmd: only it prints or exits):
 *
 *	struct daemon d = DAEMON_INIT;
 *	d.log_path = "dir/watch.log";
 *	pid = daemon_detach(&d);
 *	if (pid < 0)			// no fork, or the daemon failed before it
 *		return pid;		// was ready: its error is recorded here
 *	if (pid == 0) {			// the daemon
 *		r = set_up();		// e.g. pidfile_commit(&lk, getpid())
 *		daemon_ready(&d, r);	// the parent returns now, with r
 *		if (r < 0)
 *			exit(1);
 *		serve();
 *		exit(0);
 *	}
 *	printf("%d\n", (int)pid);	// the parent: the daemon is ready
 *
 * The daemon is a grandchild (fork, setsid, fork), in a session of its
 * own, so no terminal's hang-up or Ctrl-C reaches it and it never becomes
 * a zombie of ours. Its stdin is /dev/null, its stdout and stderr are
 * appended to log_path (or /dev/null). The parent waits on a pipe until
 * the daemon calls daemon_ready(): with 0 it returns the daemon's PID;
 * with an error, or when the daemon ends without a word, it returns that
 * error (the daemon's message and kind, recorded again in the parent).
 * timeout_ms > 0 bounds the wait (then -BOSUN_EIO; the daemon goes on).
 *
 * Temporary files and locks (lockfile.h) are handed over: the parent
 * forgets them all (its lock_rollback() then closes a lock without
 * removing it) and the daemon owns them, removing them when it exits or
 * is signalled, or keeping a lock it commits. A failure before the fork
 * leaves them with the parent.
 */
#ifndef BOSUN_CORE_DAEMON_H
#define BOSUN_CORE_DAEMON_H

#include <sys/types.h>

struct daemon {
	const char *log_path;	/* stdout and stderr, appended; NULL: /dev/null */
	int timeout_ms;		/* the parent's wait for readiness; 0: none */
	int ready_fd;		/* the daemon's end of the pipe */
};
#define DAEMON_INIT { NULL, 0, -1 }

/* The parent: the daemon's PID once ready, or a negative kind. The
 * daemon: 0. */
pid_t daemon_detach(struct daemon *d);
/* In the daemon: tell the parent r (0, or a negative kind whose message is
 * recorded). Once only; returns r. */
int daemon_ready(struct daemon *d, int r);

#endif
