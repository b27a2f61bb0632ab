#include "core/lockfile.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/sigchain.h"
#include "core/strbuf.h"
#include "core/time.h"

#include <dirent.h>
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
/* ".owner.<pid>.<start>" */
#define OWNER_SUFFIX_MAX 48
#define OWNER_SUFFIX ".owner."

struct tempfile_slot {
	volatile sig_atomic_t active;
	pid_t owner;
	char path[PATH_MAX];
	char owner_name[OWNER_SUFFIX_MAX];	/* a lock's: path + this; "" none */
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

/* path + suffix into dst (async-signal-safe); -1 when it does not fit. */
static int join_name(char *dst, size_t size, const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);

	if (a + b >= size)
		return -1;
	memcpy(dst, path, a);
	memcpy(dst + a, suffix, b + 1);
	return 0;
}

/* Remove a slot's file and a lock's owner name (async-signal-safe). */
static void unlink_slot(const struct tempfile_slot *t, int file, int owner_name)
{
	char name[PATH_MAX + OWNER_SUFFIX_MAX];

	if (file)
		unlink(t->path);
	if (owner_name && t->owner_name[0] &&
	    !join_name(name, sizeof(name), t->path, t->owner_name))
		unlink(name);
}

static void remove_owned(void)
{
	pid_t me = getpid();
	size_t i;

	for (i = 0; i < (size_t)slots_used; i++)
		if (slots[i].active && slots[i].owner == me)
			unlink_slot(&slots[i], 1, 1);
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
	slots[i].owner_name[0] = '\0';
	return i;
}

/* ".owner.<pid>.<start>" for this process; "" when /proc cannot say. */
static void own_suffix(char out[OWNER_SUFFIX_MAX])
{
	static pid_t cached_pid;
	static char cached[OWNER_SUFFIX_MAX];
	unsigned long long start;

	if (cached_pid != getpid()) {
		cached[0] = '\0';
		if (proc_start_time(getpid(), &start) == 0)
			snprintf(cached, sizeof(cached), OWNER_SUFFIX "%d.%llu",
				 (int)getpid(), start);
		error_clear();
		cached_pid = getpid();
	}
	memcpy(out, cached, strlen(cached) + 1);
}

/* A daemon that adopted a lock names itself its owner. */
static void rename_owner(struct tempfile_slot *t)
{
	char old_name[PATH_MAX + OWNER_SUFFIX_MAX], new_name[PATH_MAX + OWNER_SUFFIX_MAX];
	char suffix[OWNER_SUFFIX_MAX];

	own_suffix(suffix);
	if (!suffix[0] || join_name(old_name, sizeof(old_name), t->path, t->owner_name) ||
	    join_name(new_name, sizeof(new_name), t->path, suffix) ||
	    link(t->path, new_name) < 0)
		return;
	unlink(old_name);
	memcpy(t->owner_name, suffix, strlen(suffix) + 1);
}

void tempfile_register(const char *path)
{
	int i = reserve_slot(path);

	if (i >= 0)
		slots[i].active = 1;
}

/* Forget path's slot if this process registered it, first removing the
 * file and (for a lock) its owner name as asked; 1 when it was ours. */
static int unregister(const char *path, int file, int owner_name)
{
	char abs[PATH_MAX];
	int i;

	if (absolute_path(abs, sizeof(abs), path) < 0)
		return 0;
	if ((i = find_slot(abs, 1)) < 0)
		return 0;
	unlink_slot(&slots[i], file, owner_name);
	slots[i].active = 0;
	return 1;
}

void tempfile_unregister(const char *path)
{
	unregister(path, 0, 0);
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
		if (slots[i].active) {
			slots[i].owner = me;
			if (slots[i].owner_name[0])
				rename_owner(&slots[i]);
		}
}

void tempfile_cleanup(void)
{
	pid_t me = getpid();
	size_t i;

	for (i = 0; i < (size_t)slots_used; i++) {
		if (!slots[i].active || slots[i].owner != me)
			continue;
		unlink_slot(&slots[i], 1, 1);
		slots[i].active = 0;
	}
}

/*
 * The lock is created under its owner name, "<file>.lock.owner.<pid>.<start>",
 * then hard-linked as "<file>.lock" (link() fails when it exists: still the
 * mutual exclusion). So a lock of ours never exists without a name saying
 * who holds it, and its content stays only the new content of the file.
 * Where hard links are not possible, a plain O_EXCL create (owner_name
 * cleared). Returns the fd, or -1 with errno set.
 */
static int create_owned(const char *lock_path, char *owner_name, mode_t mode)
{
	char name[PATH_MAX + OWNER_SUFFIX_MAX];
	int fd, saved;

	if (!owner_name[0] || join_name(name, sizeof(name), lock_path, owner_name))
		goto plain;
	fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST)
		return -1;	/* we hold this lock already */
	if (fd < 0)
		goto plain;	/* the name is too long, say */
	if (link(name, lock_path) == 0)
		return fd;
	saved = errno;
	close(fd);
	unlink(name);
	if (saved != EPERM && saved != EOPNOTSUPP && saved != EMLINK) {
		errno = saved;
		return -1;
	}
plain:
	owner_name[0] = '\0';
	return open(lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
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
	own_suffix(slots[slot].owner_name);
	sigchain_block_common(&old);
	fd = create_owned(lock_path, slots[slot].owner_name, mode);
	if (fd >= 0)
		slots[slot].active = 1;
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return fd;
}

/* The owner of lock_path, from the name that is the same file: 1 with
 * *pid, *start and its path in owner, 0 when it has none. */
static int find_owner(const char *lock_path, const struct stat *lst, pid_t *pid,
		      unsigned long long *start, struct strbuf *owner)
{
	const char *slash = strrchr(lock_path, '/');
	struct strbuf dir = STRBUF_INIT, prefix = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	int found = 0;

	/* A plain lock (another program's, or an older bosun's) has one name. */
	if (lst->st_nlink < 2)
		return 0;
	if (slash)
		strbuf_add(&dir, lock_path, (size_t)(slash - lock_path) + 1);
	strbuf_addf(&prefix, "%s" OWNER_SUFFIX, slash ? slash + 1 : lock_path);
	d = opendir(dir.len ? dir.buf : ".");
	while (d && !found && (de = readdir(d))) {
		struct stat ost;
		long long p;
		int n = 0;

		if (strncmp(de->d_name, prefix.buf, prefix.len) ||
		    sscanf(de->d_name + prefix.len, "%lld.%llu%n", &p, start, &n) != 2 ||
		    de->d_name[prefix.len + n] || p <= 0 || p > INT_MAX)
			continue;
		strbuf_reset(owner);
		strbuf_addf(owner, "%s%s", dir.buf, de->d_name);
		if (lstat(owner->buf, &ost) == 0 && ost.st_ino == lst->st_ino &&
		    ost.st_dev == lst->st_dev) {
			*pid = (pid_t)p;
			found = 1;
		}
	}
	if (d)
		closedir(d);
	strbuf_release(&dir);
	strbuf_release(&prefix);
	return found;
}

int lock_owner(const char *lock_path, pid_t *pid, unsigned long long *start)
{
	struct strbuf owner = STRBUF_INIT;
	struct stat lst;
	int r;

	if (lstat(lock_path, &lst) < 0)
		return error_errno(BOSUN_ENOTFOUND, "cannot read '%s'", lock_path);
	r = find_owner(lock_path, &lst, pid, start, &owner);
	strbuf_release(&owner);
	return r;
}

static void (*takeover_notice)(const char *lock_path, long pid);
static void sweep_dead_owner_names(const char *lock_path);

void lock_on_takeover(void (*fn)(const char *lock_path, long pid))
{
	takeover_notice = fn;
}

/*
 * Remove a lock whose owner no longer runs: it is moved aside, and removed
 * only when what was moved is still that lock (else, another process's new
 * lock, it is put back). Returns 1 when it was removed.
 */
static int take_over_dead(const char *lock_path)
{
	struct strbuf owner = STRBUF_INIT, aside = STRBUF_INIT;
	struct stat lst, ast;
	unsigned long long start;
	pid_t pid;
	int ok = 0;

	if (lstat(lock_path, &lst) < 0 || !find_owner(lock_path, &lst, &pid, &start, &owner) ||
	    proc_alive(pid, start))
		goto out;
	strbuf_addf(&aside, "%s.stale.%d", lock_path, (int)getpid());
	if (rename(lock_path, aside.buf) < 0)
		goto out;
	if (lstat(aside.buf, &ast) == 0 && ast.st_ino == lst.st_ino &&
	    ast.st_dev == lst.st_dev) {
		unlink(aside.buf);
		unlink(owner.buf);
		ok = 1;
		log_event(LOG_WARN, "lock", "took over '%s': its owner, process %d, is gone",
			  lock_path, (int)pid);
		if (takeover_notice)
			takeover_notice(lock_path, (long)pid);
	} else if (link(aside.buf, lock_path) == 0 || errno == EEXIST) {
		unlink(aside.buf);
	}
out:
	/* A taker killed before us may have left its aside name: a take-over
	 * is rare, so the look through the folder costs nothing that counts. */
	if (ok)
		sweep_dead_owner_names(lock_path);
	strbuf_release(&owner);
	strbuf_release(&aside);
	return ok;
}

int lock_take_over_dead(const char *lock_path)
{
	return take_over_dead(lock_path);
}

/*
 * Remove the owner names of lock_path whose owners no longer run: a writer
 * killed between creating its owner name and linking the lock to it
 * leaves one with no lock, and one killed between renaming its lock into
 * place and removing the name leaves one linked to the file itself. The
 * name the lock itself is linked to is left: it is what says the lock's
 * owner is dead, so that the next writer takes the lock over; without it
 * the lock would look like another program's and block every writer.
 *
 * Also removed: "<lock>.stale.<pid>", a lock a taker moved aside and was
 * killed before it removed (take_over_dead()), once no process <pid> runs.
 * What was moved aside was a dead owner's lock, or a lock its taker would
 * have put back; either way no live process can commit it any more.
 */
static void sweep_dead_owner_names(const char *lock_path)
{
	const char *slash = strrchr(lock_path, '/');
	struct strbuf dir = STRBUF_INIT, prefix = STRBUF_INIT, name = STRBUF_INIT,
		      aside = STRBUF_INIT;
	struct stat lst;
	int locked = lstat(lock_path, &lst) == 0;
	struct dirent *de;
	DIR *d;

	if (slash)
		strbuf_add(&dir, lock_path, (size_t)(slash - lock_path) + 1);
	strbuf_addf(&prefix, "%s" OWNER_SUFFIX, slash ? slash + 1 : lock_path);
	strbuf_addf(&aside, "%s.stale.", slash ? slash + 1 : lock_path);
	d = opendir(dir.len ? dir.buf : ".");
	while (d && (de = readdir(d))) {
		unsigned long long start;
		struct stat st;
		long long p;
		int n = 0;

		if (!strncmp(de->d_name, aside.buf, aside.len) &&
		    sscanf(de->d_name + aside.len, "%lld%n", &p, &n) == 1 &&
		    !de->d_name[aside.len + n] && p > 0 && p <= INT_MAX &&
		    proc_start_time((pid_t)p, &start) < 0) {
			error_clear();
			strbuf_reset(&name);
			strbuf_addf(&name, "%s%s", dir.buf, de->d_name);
			unlink(name.buf);
			continue;
		}
		if (strncmp(de->d_name, prefix.buf, prefix.len) ||
		    sscanf(de->d_name + prefix.len, "%lld.%llu%n", &p, &start, &n) != 2 ||
		    de->d_name[prefix.len + n] || p <= 0 || p > INT_MAX ||
		    proc_alive((pid_t)p, start))
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, "%s%s", dir.buf, de->d_name);
		if (!locked || lstat(name.buf, &st) < 0 || st.st_ino != lst.st_ino ||
		    st.st_dev != lst.st_dev)
			unlink(name.buf);
	}
	if (d)
		closedir(d);
	strbuf_release(&dir);
	strbuf_release(&prefix);
	strbuf_release(&name);
	strbuf_release(&aside);
}

void lock_sweep_dead_owners(const char *target)
{
	struct strbuf lock = STRBUF_INIT;

	strbuf_addf(&lock, "%s.lock", target);
	sweep_dead_owner_names(lock.buf);
	strbuf_release(&lock);
}

int lock_settle(const char *target, int commit)
{
	struct strbuf lock = STRBUF_INIT, owner = STRBUF_INIT;
	unsigned long long start;
	struct stat lst;
	pid_t pid;
	int r = 0, named;

	strbuf_addf(&lock, "%s.lock", target);
	if (lstat(lock.buf, &lst) < 0) {
		if (errno != ENOENT)
			r = error_errno(BOSUN_EIO, "cannot read '%s'", lock.buf);
		goto out;
	}
	named = find_owner(lock.buf, &lst, &pid, &start, &owner);
	if (named && proc_alive(pid, start)) {
		r = error_set(BOSUN_EBUSY, "'%s' is held by process %d", lock.buf, (int)pid);
		goto out;
	}
	if (commit ? rename(lock.buf, target) : unlink(lock.buf)) {
		r = error_errno(BOSUN_EIO, commit ? "cannot rename '%s' into place" :
				"cannot remove '%s'", lock.buf);
		goto out;
	}
	if (named)
		unlink(owner.buf);
	r = 1;
out:
	if (r >= 0)
		sweep_dead_owner_names(lock.buf);
	strbuf_release(&lock);
	strbuf_release(&owner);
	return r;
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
		if (take_over_dead(lock_path))
			continue;
		errno = EEXIST;
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

char *lock_target(const char *path)
{
	return resolve_target(path);
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
		unregister(lk->lock_path, 0, 1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return r;
}

int lock_sync(struct lockfile *lk)
{
	if (lk->fd < 0)
		return error_set(BOSUN_EINTERNAL, "sync of a lock not held");
	if (fsync(lk->fd) < 0 && errno != EINVAL)
		return error_errno(BOSUN_EIO, "cannot write '%s'", lk->lock_path);
	return 0;
}

int lock_rename(struct lockfile *lk)
{
	if (lk->fd < 0 || !lk->lock_path)
		return error_set(BOSUN_EINTERNAL, "rename of a lock not held");
	if (rename_lock(lk) < 0) {
		int r = error_errno(BOSUN_EIO, "cannot rename '%s' to '%s'",
				    lk->lock_path, lk->path);

		lock_rollback(lk);
		return r;
	}
	/* Renamed: the lock path is no longer ours to remove. */
	free(lk->lock_path);
	lk->lock_path = NULL;
	return 0;
}

int lock_release(struct lockfile *lk)
{
	int r = 0;

	if (lk->fd >= 0 && close(lk->fd) < 0)
		r = error_errno(BOSUN_EIO, "cannot write '%s'", lk->path ? lk->path : "");
	lock_clear(lk);
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
		unregister(lk->lock_path, 1, 1);
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
