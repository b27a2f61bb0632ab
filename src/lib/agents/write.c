/*
 * write.c - writing a plan's agent files: each through "<file>.lock" and
 * rename() (or, for a new file, unnamed and then linked), so that a kill
 * leaves the old bytes or the new, never a mix; on a few threads when
 * there are many, one target folder per thread.
 *
 * The threads make only system calls and record the first failure; the
 * error is reported by the caller's thread. They run with every signal
 * blocked, so a Ctrl-C is handled by the main thread: the process dies,
 * and the "<file>.lock" a thread had open is settled by the next deploy
 * (journal.c's sweep_locks(), from the journal, through core/lockfile's
 * lock_settle()). Every writer of these files holds the deploy lock,
 * which names its owner (core/lockfile), so a "<file>.lock" found here
 * was left by a killed deploy, and the deploy lock says whose it was.
 *
 * Why not lock_acquire() itself: it follows a symlink to lock and replace
 * its target, and an agent file is in a work tree where a symlink put in
 * after the plan must never redirect a write out of the project (here
 * rename() replaces the link itself); and its registry of files to remove
 * on a signal is not for threads.
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Below this many files one thread does it all: a thread costs more. */
#define PARALLEL_MIN 128
#define THREADS_MAX 4

struct writer {
	struct agent_plan *plan;
	struct stat *wrote;
	size_t *idx, nr;
	/* the first failure: errno, what was done, and to which op */
	int err;
	const char *what;
	size_t at;
	int *stop;               /* shared: set by the first to fail */
	pthread_t thread;
};

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A file that was absent when planned: written unnamed (O_TMPFILE) and
 * linked in whole, one folder entry instead of two (a lock file, then a
 * rename), and a file that appeared since is never replaced (EEXIST).
 * 0 done, -1 failed (errno, *what), 1 not possible here (no O_TMPFILE on
 * this file system, no /proc): the caller uses a lock file.
 */
static int link_new(const struct agent_op *op, struct stat *out, const char **what)
{
	const char *slash = strrchr(op->abs, '/');
	char proc[64], *dir;
	int fd, saved;

	if (!slash || slash == op->abs)
		return 1;
	dir = xstrndup(op->abs, (size_t)(slash - op->abs));
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	free(dir);
	if (fd < 0)
		return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ? 1 : -1;
	*what = "write";
	if (write_all(fd, op->content.buf, op->content.len) < 0)
		goto fail;
	*what = "create";
	/* Linking the descriptor itself needs privileges on older kernels;
	 * its /proc name works for anyone. */
	if (linkat(fd, "", AT_FDCWD, op->abs, AT_EMPTY_PATH) < 0) {
		if (errno != ENOENT && errno != EPERM && errno != EINVAL)
			goto fail;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, op->abs, AT_SYMLINK_FOLLOW) < 0) {
			if (errno == ENOENT && access("/proc/self/fd", X_OK) < 0) {
				close(fd);
				return 1;
			}
			goto fail;
		}
	}
	if (fstat(fd, out) < 0)
		out->st_mode = 0;
	*what = "write";
	return close(fd) < 0 ? -1 : 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* One file through its lock file; 0, or -1 with errno and *what set. */
static int put_one(const struct agent_op *op, struct stat *out,
		   const char **what)
{
	size_t len = strlen(op->abs);
	char *lock = xmalloc(len + sizeof(".lock"));
	int fd, saved;

	*what = "create";
	if (!op->prev_hash[0] && (fd = link_new(op, out, what)) <= 0) {
		free(lock);
		return fd;
	}
	memcpy(lock, op->abs, len);
	memcpy(lock + len, ".lock", sizeof(".lock"));
	*what = "create";
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST) {
		unlink(lock);
		fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	}
	if (fd < 0)
		goto fail;
	*what = "write";
	if (write_all(fd, op->content.buf, op->content.len) < 0)
		goto fail_fd;
	*what = "rename";
	if (rename(lock, op->abs) < 0)
		goto fail_fd;
	/* The bytes we wrote, as renamed (a rename changes the ctime). */
	if (fstat(fd, out) < 0)
		out->st_mode = 0;
	*what = "write";
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	free(lock);
	return 0;
fail_fd:
	saved = errno;
	close(fd);
	unlink(lock);
	errno = saved;
fail:
	free(lock);
	return -1;
}

static void *run_writer(void *arg)
{
	struct writer *w = arg;
	size_t k;

	for (k = 0; k < w->nr && !__atomic_load_n(w->stop, __ATOMIC_RELAXED); k++) {
		const struct agent_op *op = &w->plan->ops[w->idx[k]];

		if (op->write == 1 && put_one(op, &w->wrote[w->idx[k]], &w->what) < 0) {
			w->err = errno ? errno : EIO;
			w->at = w->idx[k];
		} else if (op->write == 2 && unlink(op->abs) < 0 && errno != ENOENT) {
			w->err = errno;
			w->what = "remove";
			w->at = w->idx[k];
		}
		if (w->err)
			__atomic_store_n(w->stop, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Make each folder a written file goes into, once per folder. */
static int make_dirs(const struct agent_plan *plan)
{
	struct strbuf dir = STRBUF_INIT, last = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < plan->nr && r >= 0; i++) {
		if (plan->ops[i].write != 1)
			continue;
		fs_dirname(&dir, plan->ops[i].abs);
		if (last.len && !strcmp(dir.buf, last.buf))
			continue;
		r = fs_mkdir_p(dir.buf);
		strbuf_reset(&last);
		strbuf_addbuf(&last, &dir);
	}
	strbuf_release(&dir);
	strbuf_release(&last);
	return r;
}

/*
 * Share the ops among n writers, each target's ops together so that two
 * threads rarely work in one folder (the kernel serialises that): the ops
 * listed target by target, then cut into n runs of equal length.
 */
static void share_out(struct writer *w, size_t n, struct agent_plan *plan,
		      size_t *idx, size_t total)
{
	char *taken = xcalloc(plan->nr ? plan->nr : 1, 1);
	size_t i, j, k = 0, per, t;

	for (i = 0; i < plan->nr; i++) {
		if (!plan->ops[i].write || taken[i])
			continue;
		for (j = i; j < plan->nr; j++)
			if (plan->ops[j].write && !taken[j] &&
			    !strcmp(plan->ops[j].target, plan->ops[i].target)) {
				taken[j] = 1;
				idx[k++] = j;
			}
	}
	free(taken);
	per = (total + n - 1) / n;
	for (t = 0, k = 0; t < n; t++) {
		w[t].idx = idx + k;
		w[t].nr = total - k < per ? total - k : per;
		k += w[t].nr;
	}
}

int agents_write_files(struct agent_plan *plan, struct stat *wrote)
{
	struct writer w[THREADS_MAX];
	size_t *idx, i, n = 1, total = 0, started = 0;
	sigset_t all, old;
	long cpus;
	int r, stop = 0;

	if ((r = make_dirs(plan)) < 0)
		return r;
	for (i = 0; i < plan->nr; i++)
		total += plan->ops[i].write != 0;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (total >= PARALLEL_MIN && cpus > 1)
		n = cpus < THREADS_MAX ? (size_t)cpus : THREADS_MAX;
	idx = xcalloc(total ? total : 1, sizeof(*idx));
	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		w[i].plan = plan;
		w[i].wrote = wrote;
		w[i].stop = &stop;
	}
	share_out(w, n, plan, idx, total);
	/* Threads start with the mask in force: all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < n; i++, started++)
		if (pthread_create(&w[i].thread, NULL, run_writer, &w[i]))
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Whatever no thread took, this one does. */
	run_writer(&w[0]);
	for (i = 1; i <= started; i++)
		pthread_join(w[i].thread, NULL);
	for (i = started + 1; i < n; i++)
		run_writer(&w[i]);
	for (i = 0; i < n && r >= 0; i++)
		if (w[i].err) {
			errno = w[i].err;
			r = error_errno(BOSUN_EIO, "cannot %s '%s'", w[i].what,
					plan->ops[w[i].at].abs);
		}
	free(idx);
	return r;
}
