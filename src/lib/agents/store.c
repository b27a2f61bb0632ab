/*
 * store.c - the ownership records, the deploy lock, and carrying out a plan
 * with backups, a journal and one store transaction (agents.h).
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "lib/state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


int agents_env_open(struct agents_env *env)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	fs_path_join(&sb, env->common_dir, "bosun/agents");
	env->agents_dir = strbuf_detach(&sb, NULL);
	if ((r = fs_mkdir_p(env->agents_dir)) < 0)
		return r;
	return state_open(&env->st, env->common_dir);
}

void agents_env_close(struct agents_env *env)
{
	if (env->st)
		state_close(env->st);
	env->st = NULL;
	free(env->agents_dir);
	env->agents_dir = NULL;
	free(env->targets);
	env->targets = NULL;
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

/* ------------------------------------------------------------ records */

static int db_fail(struct agents_env *env, const char *what)
{
	int rc = sqlite3_errcode(state_db(env->st)) & 0xff;

	return error_set(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? BOSUN_EBUSY :
			 BOSUN_EIO, "%s '%s': %s", what, state_path(env->st),
			 sqlite3_errmsg(state_db(env->st)));
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return xstrdup(t ? t : "");
}

int agents_records(struct agent_rec **out, size_t *nr, struct agents_env *env)
{
	sqlite3_stmt *s = NULL;
	struct agent_rec *recs = NULL;
	size_t n = 0, alloc = 0;
	int rc, r = 0;

	if (sqlite3_prepare_v2(state_db(env->st), "SELECT target, path, template, "
			       "version, hash, deployed_at FROM agent_files "
			       "ORDER BY target, path", -1, &s, NULL) != SQLITE_OK)
		return db_fail(env, "cannot read");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct agent_rec *a;
		const char *h = (const char *)sqlite3_column_text(s, 4);

		ALLOC_GROW(recs, n + 1, alloc);
		a = &recs[n++];
		a->target = col_dup(s, 0);
		a->path = col_dup(s, 1);
		a->template = col_dup(s, 2);
		a->version = col_dup(s, 3);
		a->deployed_at = col_dup(s, 5);
		snprintf(a->hash, sizeof(a->hash), "%s", h ? h : "");
	}
	if (rc != SQLITE_DONE)
		r = db_fail(env, "cannot read");
	sqlite3_finalize(s);
	if (r < 0) {
		agent_recs_free(recs, n);
		return r;
	}
	*out = recs;
	*nr = n;
	return 0;
}

static void rec_release(struct agent_rec *a)
{
	free(a->target);
	free(a->path);
	free(a->template);
	free(a->version);
	free(a->deployed_at);
	memset(a, 0, sizeof(*a));
}

void agent_recs_free(struct agent_rec *recs, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		rec_release(&recs[i]);
	free(recs);
}

/* Is path, below root, free of symlinks and of anything but directories
 * on the way and a regular file (or nothing) at the end? */
int agent_path_safe(const char *root, const char *rel)
{
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	const char *c = rel;
	int ok = 1;

	if (*rel == '/' || strstr(rel, "..") || !*rel)
		return 0;
	strbuf_addstr(&p, root);
	while (ok && *c) {
		size_t n = strcspn(c, "/");

		strbuf_addch(&p, '/');
		strbuf_add(&p, c, n);
		c += n + !!c[n];
		if (lstat(p.buf, &st) < 0)
			break;
		if (S_ISLNK(st.st_mode) || (*c ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			ok = 0;
	}
	strbuf_release(&p);
	return ok;
}

const char *agents_file_state(const struct agents_env *env,
			      const struct agent_rec *rec, char hash[65])
{
	struct strbuf abs = STRBUF_INIT, text = STRBUF_INIT;
	const char *state;
	int r;

	hash[0] = '\0';
	agents_rec_path(&abs, env, rec->target, rec->path);
	if (!agent_path_safe(strncmp(rec->target, "user:", 5) ? env->root : env->home,
		       rec->path)) {
		state = "unsafe";
	} else if ((r = fs_read_file(&text, abs.buf, AGENT_FILE_MAX)) < 0) {
		state = r == -BOSUN_ENOTFOUND ? "missing" : "unreadable";
		error_clear();
	} else {
		agent_sha256_hex(hash, text.buf, text.len);
		state = strcmp(hash, rec->hash) ? "modified" : "ok";
	}
	strbuf_release(&abs);
	strbuf_release(&text);
	return state;
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
		strbuf_release(&op->content);
		rec_release(&op->old);
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

/* ------------------------------------------------------------ journal */

static json_t *rec_json(const char *tmpl, const char *version, const char *hash)
{
	return json_pack("{s:s, s:s, s:s}", "template", tmpl, "version", version,
			 "hash", hash);
}

static json_t *op_json(const struct agent_op *op)
{
	json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "target", op->target,
			      "path", op->path, "name", op->name ? op->name : "",
			      "action", agent_act_name(op->act),
			      "prev_hash", op->prev_hash, "new_hash",
			      op->write == 2 ? "" : op->write ? op->new_hash : op->prev_hash);

	json_object_set_new(e, "before", op->old.target ?
		rec_json(op->old.template, op->old.version, op->old.hash) : json_null());
	if (op->rec_act == 1)
		json_object_set_new(e, "after", rec_json(op->rec_template,
							 op->rec_version, op->rec_hash));
	else if (op->rec_act == 2)
		json_object_set_new(e, "after", json_null());
	else
		json_object_set_new(e, "after", json_incref(json_object_get(e, "before")));
	json_object_set_new(e, "backup", op->backup ? json_string(op->backup) : json_null());
	return e;
}

static json_t *plan_manifest(const struct agent_plan *plan, const char *id)
{
	json_t *entries = json_array();
	size_t i;

	for (i = 0; i < plan->nr; i++)
		if (plan->ops[i].write || plan->ops[i].rec_act)
			json_array_append_new(entries, op_json(&plan->ops[i]));
	return json_pack("{s:s, s:s, s:s?, s:o}", "id", id, "kind", plan->kind,
			 "rollback_of", plan->rollback_of, "entries", entries);
}

static void now_iso(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *new_id(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y%m%dT%H%M%S", &tm);
	strbuf_addf(&sb, "%s.%06ldZ-%d", buf, ts.tv_nsec / 1000, (int)getpid());
	return strbuf_detach(&sb, NULL);
}

/* ------------------------------------------------------------ store rows */

static int exec_sql(struct agents_env *env, const char *sql)
{
	if (sqlite3_exec(state_db(env->st), sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(env, "cannot update");
	return 0;
}

static int row_set(struct agents_env *env, const char *target, const char *path,
		   const json_t *rec, const char *at)
{
	sqlite3_stmt *s = NULL;
	int r = 0;

	if (rec && !json_is_null(rec))
		r = sqlite3_prepare_v2(state_db(env->st), "INSERT OR REPLACE INTO "
			"agent_files (target, path, template, version, hash, "
			"deployed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &s, NULL);
	else
		r = sqlite3_prepare_v2(state_db(env->st), "DELETE FROM agent_files "
			"WHERE target = ?1 AND path = ?2", -1, &s, NULL);
	if (r != SQLITE_OK)
		return db_fail(env, "cannot update");
	sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	if (rec && !json_is_null(rec)) {
		sqlite3_bind_text(s, 3, json_string_value(json_object_get(rec, "template")), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, json_string_value(json_object_get(rec, "version")), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, json_string_value(json_object_get(rec, "hash")), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, at, -1, SQLITE_STATIC);
	}
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(env, "cannot update");
	sqlite3_finalize(s);
	return r;
}

static int deploy_row(struct agents_env *env, const json_t *man, const char *state,
		      const char *at)
{
	sqlite3_stmt *s = NULL;
	char *text = json_dumps(man, JSON_COMPACT | JSON_PRESERVE_ORDER);
	const char *undone = json_string_value(json_object_get(man, "rollback_of"));
	int r;

	r = sqlite3_prepare_v2(state_db(env->st), "INSERT OR REPLACE INTO agent_deploys "
			       "(id, kind, state, at, manifest) VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &s, NULL);
	if (r != SQLITE_OK) {
		free(text);
		return db_fail(env, "cannot update");
	}
	sqlite3_bind_text(s, 1, json_string_value(json_object_get(man, "id")), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, json_string_value(json_object_get(man, "kind")), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, text, -1, SQLITE_STATIC);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(env, "cannot update");
	sqlite3_finalize(s);
	free(text);
	if (r >= 0 && undone && !strcmp(state, "done")) {
		if (sqlite3_prepare_v2(state_db(env->st), "UPDATE agent_deploys SET "
				       "state = 'rolled-back' WHERE id = ?1", -1, &s,
				       NULL) != SQLITE_OK)
			return db_fail(env, "cannot update");
		sqlite3_bind_text(s, 1, undone, -1, SQLITE_STATIC);
		r = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(env, "cannot update");
		sqlite3_finalize(s);
	}
	return r;
}

/* The rows a manifest leaves, each entry's row chosen by the file's hash
 * (after the change, or still before it), all in one transaction. */
static int commit_rows(struct agents_env *env, const json_t *man, int check_disk,
		       int *complete)
{
	json_t *entries = json_object_get(man, "entries"), *e;
	struct strbuf abs = STRBUF_INIT, text = STRBUF_INIT;
	char at[32], h[65];
	size_t i;
	int r;

	now_iso(at);
	*complete = 1;
	if ((r = exec_sql(env, "BEGIN IMMEDIATE")) < 0)
		return r;
	json_array_foreach(entries, i, e) {
		const char *target = json_string_value(json_object_get(e, "target"));
		const char *path = json_string_value(json_object_get(e, "path"));
		const json_t *pick = json_object_get(e, "after");

		if (check_disk) {
			agents_rec_path(&abs, env, target, path);
			strbuf_reset(&text);
			h[0] = '\0';
			if (fs_read_file(&text, abs.buf, AGENT_FILE_MAX) == 0)
				agent_sha256_hex(h, text.buf, text.len);
			error_clear();
			if (strcmp(h, json_string_value(json_object_get(e, "new_hash")))) {
				*complete = 0;
				pick = !strcmp(h, json_string_value(json_object_get(e, "prev_hash"))) ?
				       json_object_get(e, "before") : NULL;
				if (!pick)
					continue;
			}
		}
		if ((r = row_set(env, target, path, pick, at)) < 0)
			goto out;
	}
	r = deploy_row(env, man, *complete ? "done" : "interrupted", at);
out:
	if (r >= 0)
		r = exec_sql(env, "COMMIT");
	if (r < 0)
		sqlite3_exec(state_db(env->st), "ROLLBACK", NULL, NULL, NULL);
	strbuf_release(&abs);
	strbuf_release(&text);
	return r;
}

static void journal_path(struct strbuf *sb, const struct agents_env *env)
{
	strbuf_reset(sb);
	fs_path_join(sb, env->agents_dir, "journal.json");
}

int agents_recover(struct agents_env *env)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	json_t *man = NULL;
	int complete, r;

	journal_path(&path, env);
	r = fs_read_file(&text, path.buf, 64 * 1024 * 1024);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if (!(man = json_loadb(text.buf, text.len, 0, NULL))) {
		/* A journal is renamed into place whole; a bad one is a bug. */
		r = error_set(BOSUN_EINTERNAL, "cannot read the journal '%s'", path.buf);
		goto out;
	}
	if ((r = commit_rows(env, man, 1, &complete)) >= 0)
		r = fs_unlink(path.buf);
out:
	json_decref(man);
	strbuf_release(&path);
	strbuf_release(&text);
	return r;
}

/* ------------------------------------------------------------ files */

/*
 * Replace path with buf through a lock file and rename(), as
 * write_file_atomic() does, but (unless sync) without an fsync per file: a
 * deploy of a thousand agents would spend seconds in them. A kill still
 * leaves the old or the new file (rename is atomic); against a power cut,
 * apply() syncs the file system once before it commits the store. Every
 * writer of these files holds the deploy lock, so a "<file>.lock" found
 * here was left by a killed deploy and is removed.
 */
static int put_file(const char *path, const char *buf, size_t len, int sync)
{
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf stale = STRBUF_INIT;
	int r;

	if ((r = lock_acquire(&lk, path, 0)) == -BOSUN_EBUSY) {
		strbuf_addf(&stale, "%s.lock", path);
		unlink(stale.buf);
		error_clear();
		r = lock_acquire(&lk, path, 0);
	}
	strbuf_release(&stale);
	if (r < 0)
		return r;
	if ((r = lock_write(&lk, buf, len)) < 0)
		goto fail;
	if (sync)
		return lock_commit(&lk);
	if (close(lk.fd) < 0) {
		lk.fd = -1;
		r = error_errno(BOSUN_EIO, "cannot write '%s'", lk.lock_path);
		goto fail;
	}
	lk.fd = -1;
	if (rename(lk.lock_path, lk.path) < 0) {
		r = error_errno(BOSUN_EIO, "cannot rename '%s' to '%s'",
				lk.lock_path, lk.path);
		goto fail;
	}
	tempfile_unregister(lk.lock_path);
	free(lk.path);
	free(lk.lock_path);
	return 0;
fail:
	lock_rollback(&lk);
	return r;
}

static int write_dir_file(const char *path, const char *buf, size_t len)
{
	struct strbuf dir = STRBUF_INIT;
	int r;

	fs_dirname(&dir, path);
	r = fs_mkdir_p(dir.buf);
	strbuf_release(&dir);
	return r < 0 ? r : put_file(path, buf, len, 0);
}

/* Copy what is on disk now for every op that replaces or removes a file. */
static int backup_files(struct agent_plan *plan, struct agents_env *env,
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
		r = write_dir_file(dst.buf, text.buf, text.len);
	}
	strbuf_release(&text);
	strbuf_release(&dst);
	strbuf_release(&rel);
	return r;
}

static int change_files(struct agent_plan *plan)
{
	size_t i;
	int r = 0;

	for (i = 0; i < plan->nr && r >= 0; i++) {
		struct agent_op *op = &plan->ops[i];

		if (op->write == 1)
			r = write_dir_file(op->abs, op->content.buf, op->content.len);
		else if (op->write == 2)
			r = fs_unlink(op->abs);
	}
	return r;
}

static void sync_fs(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
}

static int write_json(const char *path, const json_t *v)
{
	char *text = json_dumps(v, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	int r = put_file(path, text, strlen(text), 1);

	free(text);
	return r;
}

int agents_apply(struct agent_plan *plan, struct agents_env *env, char **id_out)
{
	struct strbuf jpath = STRBUF_INIT, mpath = STRBUF_INIT;
	json_t *man = NULL;
	char *id = NULL;
	int complete, r;

	if (!agent_plan_changes(plan))
		return 0;
	id = new_id();
	if ((r = backup_files(plan, env, id)) < 0)
		goto out;
	man = plan_manifest(plan, id);
	strbuf_addf(&mpath, "%s/backups/%s", env->agents_dir, id);
	if ((r = fs_mkdir_p(mpath.buf)) < 0)
		goto out;
	strbuf_addstr(&mpath, "/manifest.json");
	journal_path(&jpath, env);
	if ((r = write_json(mpath.buf, man)) < 0 || (r = write_json(jpath.buf, man)) < 0)
		goto out;
	if ((r = change_files(plan)) < 0)
		goto out;
	sync_fs(env->root);
	if ((r = commit_rows(env, man, 0, &complete)) < 0)
		goto out;
	r = fs_unlink(jpath.buf);
out:
	if (r >= 0 && id_out) {
		*id_out = id;
		id = NULL;
	}
	free(id);
	json_decref(man);
	strbuf_release(&jpath);
	strbuf_release(&mpath);
	return r;
}
