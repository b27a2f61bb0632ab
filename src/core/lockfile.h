/*
 * lockfile.h - change files atomically, and clean up after ourselves
 * (after git's lockfile.h and tempfile.h).
 *
 *	struct lockfile lk = LOCKFILE_INIT;
 *	if ((r = lock_acquire(&lk, "VERSION", 0)) < 0)
 *		return r;			// -BOSUN_EBUSY when held
 *	write(lk.fd, ...);
 *	return lock_commit(&lk);		// fsync + rename over VERSION
 *	// or lock_rollback(&lk) to leave VERSION untouched
 *
 * The "<path>.lock" file is created with O_CREAT|O_EXCL, so it is also the
 * mutual exclusion. When path is a symlink, its target is what gets locked
 * and replaced (lk.path is the target), so the link survives. It is registered as a temporary file: if the process
 * exits or is killed by a catchable signal, it is removed. timeout_ms > 0
 * retries for that long before giving up with -BOSUN_EBUSY.
 *
 * A lock names its owner without a byte of its content: it is created as
 * "<path>.lock.owner.<pid>.<start>" (PID and start time, proc.h) and
 * hard-linked as "<path>.lock", so the lock never exists without that
 * second name (removed with the lock). A lock whose owner no longer runs
 * (kill -9) is taken over by the next lock_acquire(), which logs it and
 * calls the lock_on_takeover() callback (cmd/ prints a line); a lock with
 * no owner name (another program's, or made where hard links are not
 * possible) is waited for as before.
 *
 * tempfile_register() gives any other path the same clean-up. A file is
 * removed only by the process that registered it, so a forked child that
 * exits leaves its parent's files alone; a process that daemonises calls
 * tempfile_forget_all() in the parent and tempfile_adopt_all() in the child,
 * which then owns them (daemon.h does both). The signals cleaned up after
 * are SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE, through sigchain.h (one that is ignored
 * stays ignored); after the clean-up the signal goes to the handler below,
 * by default ending the process.
 */
#ifndef BOSUN_CORE_LOCKFILE_H
#define BOSUN_CORE_LOCKFILE_H

#include <stddef.h>
#include <sys/types.h>

struct lockfile {
	int fd;
	char *path;      /* the target */
	char *lock_path; /* target + ".lock" */
};
#define LOCKFILE_INIT { -1, NULL, NULL }

int lock_acquire(struct lockfile *lk, const char *path, int timeout_ms);
/* Write all of buf to the lock; returns 0 or -BOSUN_EIO. */
int lock_write(struct lockfile *lk, const void *buf, size_t len);
/* The file a lock on path replaces: path, or the target of the symlink
 * path is (free() it). Its lock file is that name plus ".lock". */
char *lock_target(const char *path);
/*
 * Settle "<target>.lock" left by a writer that was killed: commit renames it
 * over target (the write it held is finished), else it is removed; its
 * owner name goes with it. For a caller that knows the writer is gone (it
 * holds the lock that writer held): a lock that names no owner is taken
 * as the dead writer's, one whose owner runs is -BOSUN_EBUSY. Returns 1
 * when it settled one, 0 when there is none.
 */
int lock_settle(const char *target, int commit);
/* Who holds lock_path (a "<target>.lock"), from its owner name: 1 with
 * *pid and *start (proc_alive() says whether it runs), 0 when it names no
 * owner, -BOSUN_ENOTFOUND when there is no such lock. */
int lock_owner(const char *lock_path, pid_t *pid, unsigned long long *start);
/* Remove lock_path when its owner name says that its owner no longer runs,
 * as lock_acquire() does before taking it (a lock taken meanwhile by a live
 * process is put back): 1 when removed, else 0. */
int lock_take_over_dead(const char *lock_path);
/* Remove the owner names of "<target>.lock" whose owners no longer run and
 * that no lock is linked to (a writer killed while taking the lock), and
 * the "<target>.lock.stale.<pid>" names of takers killed while taking a
 * dead owner's lock over (also swept after every take-over). */
void lock_sweep_dead_owners(const char *target);
/* fsync the lock's bytes (they stay the lock's; nothing is renamed). */
int lock_sync(struct lockfile *lk);
/* fsync, close and rename the lock over the target. */
int lock_commit(struct lockfile *lk);
/* Rename the lock over the target without an fsync (for many files that
 * the caller syncs at once afterwards), its owner name gone with it; lk->fd
 * stays open for an fstat() of the bytes as renamed, and lock_release()
 * closes it. On failure the lock is rolled back. */
int lock_rename(struct lockfile *lk);
/* After lock_rename(): close the descriptor and free the paths. */
int lock_release(struct lockfile *lk);
/* Close and remove the lock; the target stays as it was. Accepts a
 * lockfile that was never acquired. A lock this process no longer owns
 * (handed over to a daemon: tempfile_forget_all()) is closed, not removed. */
void lock_rollback(struct lockfile *lk);

/* Replace path with buf atomically (lock, write, rename), keeping the
 * file's mode when it exists (else mode, less the umask). Waits up to a
 * second for a lock held by another process, then -BOSUN_EBUSY. */
int write_file_atomic(const char *path, const void *buf, size_t len,
		      mode_t mode);

/* Remove path when the process exits or is signalled. */
void tempfile_register(const char *path);
void tempfile_unregister(const char *path);
/* Forget every registered file (they stay on disk). */
void tempfile_forget_all(void);
/* Take ownership of every registered file (in a daemonised child). */
void tempfile_adopt_all(void);
/* Remove every registered file now (used by the exit and signal paths). */
void tempfile_cleanup(void);
/* Called after a dead owner's lock was taken over (lock_path, its PID). */
void lock_on_takeover(void (*fn)(const char *lock_path, long pid));

/* Have the handler of the signals above call fn (async-signal-safe) before
 * it removes the files; at most four such functions. */
void cleanup_on_signal(void (*fn)(void));

#endif
