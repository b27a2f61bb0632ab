/*
 * pidfile.h - which process owns something, and whether it still runs
 * (after git's gc.pid and systemd's pid_get_start_time()).
 *
 * An owner record names a process by its PID, its start time (field 22 of
 * /proc/PID/stat, clock ticks after boot), the boot it ran in
 * (/proc/sys/kernel/random/boot_id) and the host. As text, one line:
 *
 *	<pid> <start> <boot id> <host>\n
 *
 * (a record of only "<pid> <start>", written by older versions, is read as
 * this boot and this host). A reused PID has another start time, and after
 * a reboot the boot id differs, so neither is taken for the owner.
 *
 * Is a process alive? The one test everyone uses is proc_alive(pid, start)
 * (core/proc.h).
 *
 * A PID file (watch.pid), written under a lock, holds one record:
 *
 *	struct lockfile lk = LOCKFILE_INIT;
 *	struct proc_owner holder;
 *	r = pidfile_claim(&lk, "dir/watch.pid", &holder, 2000);
 *	if (r == -BOSUN_EBUSY)		// holder runs: nothing is held
 *		...
 *	r = pidfile_commit(&lk, getpid());	// or a daemonised child's pid
 *	...
 *	pidfile_release("dir/watch.pid");	// removed if it names us
 *
 * An owner lock is a lock file that is only a mutual exclusion (nothing is
 * renamed into place): "<path>.lock" holds the owner's record, so a lock
 * left by a killed process is taken over instead of blocking every later
 * run:
 *
 *	r = owner_lock_acquire(&lk, "dir/deploy", timeout_ms);	// dir/deploy.lock
 *	...
 *	lock_rollback(&lk);				// release
 *
 * Staleness: an owner on this host is alive exactly when proc_alive() says
 * so. An owner on another host cannot be asked: it is taken as alive until
 * its record is PROC_OWNER_STALE_S old (git's gc.pid rule). A lock file
 * with no record yet (its owner was killed between creating and writing
 * it) is stale after OWNER_LOCK_EMPTY_STALE_S.
 */
#ifndef BOSUN_CORE_PIDFILE_H
#define BOSUN_CORE_PIDFILE_H

#include "core/lockfile.h"
#include "core/proc.h"
#include "core/strbuf.h"

#include <sys/types.h>
#include <time.h>

#define PROC_OWNER_STALE_S (12 * 3600)
#define OWNER_LOCK_EMPTY_STALE_S 10

struct proc_owner {
	pid_t pid;
	unsigned long long start;	/* clock ticks after boot */
	char boot[40];			/* "" when unknown: this boot */
	char host[256];			/* "" when unknown: this host */
	time_t written;			/* when the record was written; 0: now */
};

/* The record of pid (this process, or a child it started): 0 or the error
 * of proc_start_time(). */
int proc_owner_of(struct proc_owner *o, pid_t pid);
/* Parse one record (-BOSUN_EDATA, recorded, when it is not one). */
int proc_owner_parse(struct proc_owner *o, const char *text);
void proc_owner_format(struct strbuf *sb, const struct proc_owner *o);
/* 1 when the owner runs, or may (another host, not stale); 0 when dead. */
int proc_owner_alive(const struct proc_owner *o);

/* Read path's record, with its mtime: -BOSUN_ENOTFOUND, -BOSUN_EDATA. */
int pidfile_read(struct proc_owner *o, const char *path);
/* Lock path (path.lock, an owner lock) and check its record: -BOSUN_EBUSY
 * with *holder set (and the lock released) when its owner runs; 0 with the
 * lock held when path is absent, damaged or its owner is dead. */
int pidfile_claim(struct lockfile *lk, const char *path, struct proc_owner *holder,
		  int timeout_ms);
/* Write pid's record and rename it into place; releases the lock either
 * way. */
int pidfile_commit(struct lockfile *lk, pid_t pid);
/* Remove path if it names this process. */
void pidfile_release(const char *path);

/* Stop the process o names, as `deploy stop` and `monitor --stop` do:
 * SIGTERM, then SIGKILL when it has not ended grace_ms later. 0 when it
 * ended on SIGTERM, 1 when it had to be killed, -BOSUN_EBUSY (recorded)
 * when it still runs kill_ms after the SIGKILL. *waited_ms: how long it
 * took. */
int proc_owner_stop(const struct proc_owner *o, int grace_ms, int kill_ms,
		    long long *waited_ms);

/* Take "<path>.lock" and write our record into it, taking over a lock
 * whose owner is dead (see above); -BOSUN_EBUSY after timeout_ms. */
int owner_lock_acquire(struct lockfile *lk, const char *path, int timeout_ms);

/* Remove lock_path, an owner lock whose record names a dead owner, as
 * owner_lock_acquire() does before taking it (only a lock with the record
 * judged stale is removed): 1 when removed, else 0. */
int owner_lock_take_over(const char *lock_path);

#endif
