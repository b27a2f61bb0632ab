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
#include "core/log.h"
#include "core/pidfile.h"
#include "lib/store/store.h"

#include <errno.h>
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
	if (env->read)
		return store_open(&env->st, env->store_url, env->common_dir,
				  STORE_OPEN_READ);
	if ((r = fs_mkdir_p(env->agents_dir)) < 0)
		return r;
	return store_open(&env->st, env->store_url, env->common_dir, 0);
}

void agents_degraded(const char *what)
{
	log_event(LOG_DEGRADED, "agents", "%s: %s", what, error_message());
	error_clear();
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

/* The lock holds its owner's record (pidfile.h): a killed deploy's lock is
 * taken over. */
int agents_lock(struct agents_env *env, struct lockfile *lk, int timeout_ms)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	fs_path_join(&path, env->agents_dir, "deploy");
	r = owner_lock_acquire(lk, path.buf, timeout_ms);
	if (r == -BOSUN_EBUSY) {
		strbuf_addstr(&path, ".lock");
		error_set(BOSUN_EBUSY, "another bosun is deploying agents in this "
			  "repository (lock '%s' is held)", path.buf);
		error_hint("wait for it, or raise agents.lock_timeout");
	}
	if (r >= 0 && (r = agents_recover(env)) < 0)
		lock_rollback(lk);
	strbuf_release(&path);
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
