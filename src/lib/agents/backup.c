/*
 * backup.c - the files of a change (agents_apply(), journal.c): copies of
 * what is replaced or removed under backups/<id>/, the files written
 * atomically without an fsync each, then one file-system sync on a thread,
 * and the stat cache of what was written.
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/statcache.h"
#include "core/time.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void *run_syncfs(void *arg)
{
	syncfs(((struct fs_sync *)arg)->fd);
	return NULL;
}

void agents_sync_start(struct fs_sync *s, const char *dir)
{
	sigset_t all, old;

	s->started = 0;
	if ((s->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	s->started = pthread_create(&s->thread, NULL, run_syncfs, s) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->started)
		syncfs(s->fd);
}

void agents_sync_wait(struct fs_sync *s)
{
	if (s->started)
		pthread_join(s->thread, NULL);
	s->started = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/*
 * Replace path with buf through a lock file and rename(), as
 * write_file_atomic() does, but (unless sync) without an fsync per file: a
 * deploy of a thousand agents would spend seconds in them. A kill still
 * leaves the old or the new file (rename is atomic); against a power cut,
 * apply() syncs the file system once before it commits the store. Every
 * writer of these files holds the deploy lock, so a "<file>.lock" found
 * here was left by a killed deploy and is removed.
 */
int agents_put_file(const char *path, const char *buf, size_t len, int sync,
		    struct stat *out)
{
	struct lockfile lk = LOCKFILE_INIT;
	int r;

	if ((r = lock_acquire(&lk, path, 0)) == -BOSUN_EBUSY) {
		/* Held by no one running (we hold the deploy lock): settled. */
		error_clear();
		if ((r = lock_settle(path, 0)) >= 0)
			r = lock_acquire(&lk, path, 0);
	}
	if (r < 0)
		return r;
	if ((r = lock_write(&lk, buf, len)) < 0)
		goto fail;
	if (sync)
		return lock_commit(&lk);
	/* Renamed with its owner name removed: no litter beside the file. */
	if ((r = lock_rename(&lk)) < 0)
		return r;
	/* The bytes we wrote, as renamed (a rename changes the ctime). */
	if (out && fstat(lk.fd, out) < 0)
		out->st_mode = 0;
	return lock_release(&lk);
fail:
	lock_rollback(&lk);
	return r;
}

static int write_dir_file(const char *path, const char *buf, size_t len,
			  struct stat *st)
{
	struct strbuf dir = STRBUF_INIT;
	int r;

	fs_dirname(&dir, path);
	r = fs_mkdir_p(dir.buf);
	strbuf_release(&dir);
	return r < 0 ? r : agents_put_file(path, buf, len, 0, st);
}

/* Copy what is on disk now for every op that replaces or removes a file. */
int agents_backup_files(struct agent_plan *plan, struct agents_env *env,
			const char *id)
{
	struct strbuf text = STRBUF_INIT, dst = STRBUF_INIT, rel = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < plan->nr && r >= 0; i++) {
		struct agent_op *op = &plan->ops[i];

		if (!op->write || !op->prev_hash[0] || op->backup)
			continue;
		strbuf_reset(&text);
		if ((r = fs_read_file(&text, op->abs, AGENT_FILE_MAX)) < 0)
			break;
		strbuf_reset(&rel);
		strbuf_addf(&rel, "backups/%s/files/%s/%s", id, op->target, op->path);
		fs_path_join(&dst, env->agents_dir, rel.buf);
		op->backup = xstrdup(rel.buf);
		r = write_dir_file(dst.buf, text.buf, text.len, NULL);
	}
	strbuf_release(&text);
	strbuf_release(&dst);
	strbuf_release(&rel);
	return r;
}

/*
 * A file-system time no later than any time stamp the file system gives
 * from now on: the coarse clock it stamps files with, cut to whole
 * (even) seconds on a file system whose time stamps have no nanoseconds.
 */
static long long fs_now(const struct stat *like)
{
	return statcache_ref(statcache_clock(), like);
}

/*
 * Write the files; then, for the stat cache, stat each written file again:
 * it is recorded when it is still the inode we wrote, with the same size,
 * mtime and ctime as just after our rename (else a person changed it
 * already, and the next run reads it). st_ref is taken before that stat.
 */
int agents_change_files(struct agent_plan *plan, struct fs_sync *sync, const char *root)
{
	struct stat *wrote = xcalloc(plan->nr ? plan->nr : 1, sizeof(*wrote));
	long long ref = 0, newest = 0;
	size_t i;
	int r = 0, waits;

	for (i = 0; i < plan->nr; i++)
		if (plan->ops[i].write)
			plan->ops[i].st.set = 0;
	r = agents_write_files(plan, wrote);
	/* The sync runs while the written files are stat'ed. */
	if (r >= 0)
		agents_sync_start(sync, root);
	for (i = 0; i < plan->nr; i++)
		if (plan->ops[i].write == 1 && wrote[i].st_mode &&
		    stat_ns(&wrote[i].st_ctim) > newest)
			newest = stat_ns(&wrote[i].st_ctim);
	/* Files stamped in the current tick of the clock would be racy (read
	 * by every run): wait for the next tick, a few ms at most. */
	for (i = 0; i < plan->nr && !ref; i++)
		if (plan->ops[i].write == 1 && wrote[i].st_mode)
			ref = fs_now(&wrote[i]);
	for (waits = 0; ref && ref <= newest && waits < 20; waits++) {
		time_sleep_ms(1);
		for (i = 0; i < plan->nr; i++)
			if (plan->ops[i].write == 1 && wrote[i].st_mode) {
				ref = fs_now(&wrote[i]);
				break;
			}
	}
	if (r >= 0) {
		const char **paths = xcalloc(plan->nr + 1, sizeof(*paths));
		struct stat *now = xcalloc(plan->nr + 1, sizeof(*now));
		int *err = xcalloc(plan->nr + 1, sizeof(*err));
		size_t n = 0;

		for (i = 0; i < plan->nr; i++)
			if (plan->ops[i].write == 1 && wrote[i].st_mode)
				paths[n++] = plan->ops[i].abs;
		fs_stat_many(paths, n, 1, now, err);
		for (i = 0, n = 0; i < plan->nr; i++) {
			struct agent_op *op = &plan->ops[i];
			const struct stat *a = &now[n];

			if (op->write != 1 || !wrote[i].st_mode)
				continue;
			if (!err[n++] && a->st_ino == wrote[i].st_ino &&
			    a->st_dev == wrote[i].st_dev && a->st_size == wrote[i].st_size &&
			    stat_ns(&a->st_mtim) == stat_ns(&wrote[i].st_mtim) &&
			    stat_ns(&a->st_ctim) == stat_ns(&wrote[i].st_ctim))
				stat_stamp_take(&op->st, a, ref);
		}
		free(paths);
		free(now);
		free(err);
	}
	free(wrote);
	return r;
}
