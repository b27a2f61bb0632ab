/*
 * store.c - the agents' environment (its store and folders), the deploy
 * lock, and the bookkeeping of plans (agents.h). The ownership records are
 * in records.c, backups and the files of a change in backup.c, the journal,
 * the store transaction and recovery in journal.c.
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "lib/store/store.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int agents_env_open(struct agents_env *env)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	fs_path_join(&sb, env->common_dir, "bosun/agents");
	env->agents_dir = strbuf_detach(&sb, NULL);
	if ((r = fs_mkdir_p(env->agents_dir)) < 0)
		return r;
	return store_open(&env->st, env->store_url, env->common_dir, 0);
}

void agents_env_close(struct agents_env *env)
{
	store_close(env->st);
	env->st = NULL;
	free(env->agents_dir);
	env->agents_dir = NULL;
	free(env->targets);
	env->targets = NULL;
	agent_recs_free(env->recs, env->recs_nr);
	env->recs = NULL;
	env->recs_nr = 0;
	env->recs_loaded = 0;
}

void agents_rec_path(struct strbuf *sb, const struct agents_env *env,
		     const char *target, const char *path)
{
	strbuf_reset(sb);
	fs_path_join(sb, strncmp(target, "user:", 5) ? env->root : env->home, path);
}

/* ------------------------------------------------------------ the lock */

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks. */
static unsigned long long proc_start(pid_t pid)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	unsigned long long t = 0;
	const char *p;
	int field;

	strbuf_addf(&path, "/proc/%d/stat", (int)pid);
	if (fs_read_file(&sb, path.buf, 4096) == 0 && (p = strrchr(sb.buf, ')'))) {
		for (field = 2; *p && field < 22; p++)
			if (*p == ' ')
				field++;
		t = strtoull(p, NULL, 10);
	}
	error_clear();
	strbuf_release(&sb);
	strbuf_release(&path);
	return t;
}

/* A lock whose holder no longer runs (same PID and start time) is stale.
 * An empty or unreadable lock is being written: not stale. */
static int lock_is_stale(const char *path, struct strbuf *content)
{
	long pid;
	unsigned long long start;

	strbuf_reset(content);
	if (fs_read_file(content, path, 256) < 0) {
		error_clear();
		return 0;
	}
	if (sscanf(content->buf, "%ld %llu", &pid, &start) != 2 || pid <= 0)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 1;
	return proc_start((pid_t)pid) != start;
}

/* Move a stale lock away, and put it back if it turned out to be a new
 * one that another process took in between. */
static int take_over(const char *lock_path)
{
	struct strbuf content = STRBUF_INIT, aside = STRBUF_INIT, now = STRBUF_INIT;
	int ok = 0;

	if (!lock_is_stale(lock_path, &content))
		goto out;
	strbuf_addf(&aside, "%s.stale.%d", lock_path, (int)getpid());
	if (rename(lock_path, aside.buf) < 0)
		goto out;
	if (fs_read_file(&now, aside.buf, 256) == 0 && !strcmp(now.buf, content.buf)) {
		unlink(aside.buf);
		ok = 1;
	} else if (link(aside.buf, lock_path) == 0 || errno == EEXIST) {
		unlink(aside.buf);
	}
	error_clear();
out:
	strbuf_release(&content);
	strbuf_release(&aside);
	strbuf_release(&now);
	return ok;
}

int agents_lock(struct agents_env *env, struct lockfile *lk, int timeout_ms)
{
	struct strbuf path = STRBUF_INIT, who = STRBUF_INIT;
	int r;

	fs_path_join(&path, env->agents_dir, "deploy");
	r = lock_acquire(lk, path.buf, timeout_ms);
	if (r == -BOSUN_EBUSY) {
		strbuf_addstr(&path, ".lock");
		if (take_over(path.buf)) {
			strbuf_setlen(&path, path.len - 5);
			error_clear();
			r = lock_acquire(lk, path.buf, timeout_ms);
		}
	}
	if (r == -BOSUN_EBUSY) {
		error_set(BOSUN_EBUSY, "another bosun is deploying agents in this "
			  "repository (lock '%s' is held)", lk->lock_path ?
			  lk->lock_path : path.buf);
		error_hint("wait for it, or raise agents.lock_timeout");
	}
	if (r >= 0) {
		strbuf_addf(&who, "%d %llu\n", (int)getpid(), proc_start(getpid()));
		if ((r = lock_write(lk, who.buf, who.len)) < 0)
			lock_rollback(lk);
	}
	if (r >= 0 && (r = agents_recover(env)) < 0)
		lock_rollback(lk);
	strbuf_release(&path);
	strbuf_release(&who);
	return r;
}

void agents_unlock(struct lockfile *lk)
{
	lock_rollback(lk);
}

/* ------------------------------------------------------------ plans */

const char *agent_act_name(enum agent_act a)
{
	static const char *const names[] = {
		"skipped", "deployed", "updated", "migrated", "modified",
		"conflict", "removed", "restored", "error",
	};

	return names[a];
}

void agent_plan_release(struct agent_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nr; i++) {
		struct agent_op *op = &plan->ops[i];

		free(op->target);
		free(op->path);
		free(op->abs);
		free(op->name);
		free(op->version);
		free(op->reason);
		free(op->backup);
		free(op->rec_template);
		free(op->rec_version);
		free(op->rec_src);
		strbuf_release(&op->content);
		agent_rec_release(&op->old);
	}
	free(plan->ops);
	free(plan->rollback_of);
	memset(plan, 0, sizeof(*plan));
}

int agent_plan_changes(const struct agent_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nr; i++)
		if (plan->ops[i].write || plan->ops[i].rec_act)
			return 1;
	return 0;
}
