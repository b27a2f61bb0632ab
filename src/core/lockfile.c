#include "core/lockfile.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/sigchain.h"
#include "core/strbuf.h"
#include "core/time.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The registry is a fixed array so that the signal handler can walk it
 * without taking locks or allocating: a slot's path is written first and
 * only then marked active, and a slot is marked inactive before it is
 * reused. Each slot remembers the process that registered it, so a forked
 * child that exits does not remove its parent's files.
 */
#define TEMPFILE_MAX 128

struct tempfile_slot {
	volatile sig_atomic_t active;
	pid_t owner;
	char path[PATH_MAX];
};

static struct tempfile_slot slots[TEMPFILE_MAX];
/* Slots ever handed out: the loops stop there, so that a run that locks
 * one file touches one slot's page, not all 128 (half a megabyte). */
static volatile sig_atomic_t slots_used;
static int handlers_installed;

/* Other clean-ups run by the handler (core/run's children). */
static void (*signal_cleanups[4])(void);

#define LOCK_SUFFIX ".lock"
#define WRITE_LOCK_TIMEOUT_MS 1000

static void remove_owned(void)
{
	pid_t me = getpid();
	size_t i;

	for (i = 0; i < (size_t)slots_used; i++)
		if (slots[i].active && slots[i].owner == me)
			unlink(slots[i].path);
}

static void on_signal(int sig)
{
	int saved = errno;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(signal_cleanups) && signal_cleanups[i]; i++)
		signal_cleanups[i]();
	remove_owned();
	/* Hand the signal to whoever had it before us (by default: die). */
	sigchain_pop(sig);
	raise(sig);
	errno = saved;
}

static void on_exit_cleanup(void)
{
	tempfile_cleanup();
}

static void install_handlers(void)
{
	if (handlers_installed)
		return;
	handlers_installed = 1;
	atexit(on_exit_cleanup);
	/* An ignored signal (nohup, SIGPIPE) stays ignored (sigchain.h). */
	if (sigchain_push_common(on_signal) < 0)
		error_clear();
}

void cleanup_on_signal(void (*fn)(void))
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(signal_cleanups); i++)
		if (!signal_cleanups[i] || signal_cleanups[i] == fn)
			break;
	if (i < ARRAY_SIZE(signal_cleanups))
		signal_cleanups[i] = fn;
	install_handlers();
}

/* The absolute form of path, so that a later chdir() does not matter. */
static int absolute_path(char *dst, size_t size, const char *path)
{
	size_t n = 0, len = strlen(path);

	/* Without a working directory, the relative path is the best we have. */
	if (path[0] != '/' && getcwd(dst, size)) {
		n = strlen(dst);
		if (n && dst[n - 1] != '/')
			dst[n++] = '/';
	}
	if (n + len >= size)
		return -1;
	memcpy(dst + n, path, len + 1);
	return 0;
}

static int find_slot(const char *abs, int active)
{
	pid_t me = getpid();
	int i;

	for (i = 0; i < slots_used; i++) {
		if (active && slots[i].active && slots[i].owner == me &&
		    !strcmp(slots[i].path, abs))
			return i;
		if (!active && !slots[i].active)
			return i;
	}
	if (active || slots_used >= TEMPFILE_MAX)
		return -1;
	/* A new slot, inactive until its owner sets it: safe to count first. */
	return slots_used++;
}

/* Fill a free slot with path without activating it; -1 when impossible. */
static int reserve_slot(const char *path)
{
	char abs[PATH_MAX];
	int i;

	install_handlers();
	if (absolute_path(abs, sizeof(abs), path) < 0)
		return -1;
	if ((i = find_slot(abs, 0)) < 0)
		return -1;
	memcpy(slots[i].path, abs, strlen(abs) + 1);
	slots[i].owner = getpid();
	return i;
}

void tempfile_register(const char *path)
{
	int i = reserve_slot(path);

	if (i >= 0)
		slots[i].active = 1;
}

/* 1 when path was registered by this process (and is no longer). */
static int unregister(const char *path)
{
	char abs[PATH_MAX];
	int i;

	if (absolute_path(abs, sizeof(abs), path) < 0)
		return 0;
	if ((i = find_slot(abs, 1)) < 0)
		return 0;
	slots[i].active = 0;
	return 1;
}

void tempfile_unregister(const char *path)
{
	unregister(path);
}

void tempfile_forget_all(void)
{
	size_t i;

	for (i = 0; i < (size_t)slots_used; i++)
		slots[i].active = 0;
}

void tempfile_adopt_all(void)
{
	pid_t me = getpid();
	size_t i;

	for (i = 0; i < (size_t)slots_used; i++)
		if (slots[i].active)
			slots[i].owner = me;
}

void tempfile_cleanup(void)
{
	pid_t me = getpid();
	size_t i;

	for (i = 0; i < (size_t)slots_used; i++) {
		if (!slots[i].active || slots[i].owner != me)
			continue;
		unlink(slots[i].path);
		slots[i].active = 0;
	}
}

/*
 * Create the lock and register it with no window in between in which a
 * signal could leave it behind. Returns the fd, or -1 with errno set.
 */
static int create_lock(const char *lock_path, mode_t mode)
{
	sigset_t old;
	int fd, slot, saved;

	slot = reserve_slot(lock_path);
	if (slot < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	sigchain_block_common(&old);
	fd = open(lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd >= 0)
		slots[slot].active = 1;
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return fd;
}

/* Try until the deadline, backing off from 1 ms up to 100 ms. */
static int create_lock_retry(const char *lock_path, mode_t mode,
			     int timeout_ms)
{
	long long deadline = time_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	long delay = 1;
	int fd;

	for (;;) {
		long long left;

		fd = create_lock(lock_path, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		left = deadline - time_mono_ms();
		if (left <= 0)
			return -1;
		time_sleep_ms(delay < left ? delay : left);
		delay = delay * 2 > 100 ? 100 : delay * 2;
	}
}

/* A symlink is followed, so that its target changes and the link stays. */
static char *resolve_target(const char *path)
{
	struct stat st;
	char *real;

	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return xstrdup(path);
	real = realpath(path, NULL);
	return real ? real : xstrdup(path);
}

static int lock_acquire_mode(struct lockfile *lk, const char *path,
			     int timeout_ms, mode_t mode)
{
	struct strbuf lock_path = STRBUF_INIT;
	char *target = resolve_target(path);
	int fd, r = 0;

	strbuf_addf(&lock_path, "%s" LOCK_SUFFIX, target);
	fd = create_lock_retry(lock_path.buf, mode, timeout_ms);
	if (fd < 0 && errno == EEXIST)
		r = error_set(BOSUN_EBUSY,
			      "cannot lock '%s': '%s' exists (another bosun is running, or remove it if it crashed)",
			      path, lock_path.buf);
	else if (fd < 0)
		r = error_errno(BOSUN_EIO, "cannot create '%s'", lock_path.buf);
	if (r < 0)
		goto out;
	lk->fd = fd;
	lk->path = target;
	lk->lock_path = strbuf_detach(&lock_path, NULL);
	target = NULL;
out:
	free(target);
	strbuf_release(&lock_path);
	return r;
}

int lock_acquire(struct lockfile *lk, const char *path, int timeout_ms)
{
	return lock_acquire_mode(lk, path, timeout_ms, 0666);
}

int lock_write(struct lockfile *lk, const void *buf, size_t len)
{
	const char *p = buf;

	if (lk->fd < 0)
		return error_set(BOSUN_EINTERNAL, "write to a lock not held");
	while (len) {
		ssize_t n = write(lk->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno(BOSUN_EIO, "cannot write '%s'",
					   lk->lock_path);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void lock_clear(struct lockfile *lk)
{
	free(lk->path);
	free(lk->lock_path);
	lk->path = lk->lock_path = NULL;
	lk->fd = -1;
}

/*
 * Rename and forget the lock with no signal in between: once renamed, the
 * lock path may be another process's new lock, which a clean-up of ours
 * must not remove.
 */
static int rename_lock(struct lockfile *lk)
{
	sigset_t old;
	int r, saved;

	sigchain_block_common(&old);
	r = rename(lk->lock_path, lk->path);
	saved = errno;
	if (!r)
		tempfile_unregister(lk->lock_path);
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return r;
}

int lock_commit(struct lockfile *lk)
{
	int r = 0;

	if (lk->fd < 0 || !lk->lock_path)
		return error_set(BOSUN_EINTERNAL, "commit of a lock not held");
	/* fsync first: after a crash, the rename must not point at a hole. */
	if (fsync(lk->fd) < 0 && errno != EINVAL) {
		r = error_errno(BOSUN_EIO, "cannot write '%s'", lk->lock_path);
		goto out;
	}
	if (close(lk->fd) < 0) {
		lk->fd = -1;
		r = error_errno(BOSUN_EIO, "cannot write '%s'", lk->lock_path);
		goto out;
	}
	lk->fd = -1;
	if (rename_lock(lk) < 0) {
		r = error_errno(BOSUN_EIO, "cannot rename '%s' to '%s'",
				lk->lock_path, lk->path);
		goto out;
	}
	lock_clear(lk);
out:
	if (r < 0)
		lock_rollback(lk);
	return r;
}

void lock_rollback(struct lockfile *lk)
{
	if (!lk)
		return;
	if (lk->fd >= 0)
		close(lk->fd);
	if (lk->lock_path) {
		sigset_t old;

		/* As in rename_lock(): no clean-up between the two steps. A
		 * lock handed over to a daemon is its to remove, not ours. */
		sigchain_block_common(&old);
		if (unregister(lk->lock_path))
			unlink(lk->lock_path);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	lock_clear(lk);
}

int write_file_atomic(const char *path, const void *buf, size_t len,
		      mode_t mode)
{
	struct lockfile lk = LOCKFILE_INIT;
	struct stat st;
	int keep = stat(path, &st) == 0;
	int r;

	r = lock_acquire_mode(&lk, path, WRITE_LOCK_TIMEOUT_MS, mode & 07777);
	if (r < 0)
		return r;
	/* An existing file keeps its mode exactly, whatever the umask. */
	if (keep && fchmod(lk.fd, st.st_mode & 07777) < 0) {
		r = error_errno(BOSUN_EIO, "cannot set the mode of '%s'",
				lk.lock_path);
		goto out;
	}
	if ((r = lock_write(&lk, buf, len)) < 0)
		goto out;
	r = lock_commit(&lk);
out:
	if (r < 0)
		lock_rollback(&lk);
	return r;
}
