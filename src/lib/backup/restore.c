/*
 * restore.c - putting an archive back (backup.h, docs/backup.md): the plan
 * (what happens to each file, and which were changed outside bosun), the
 * snapshot taken first, and the write made all or none under kill -9.
 *
 * Everything lives in <common>/bosun/restore/: "restore.lock" (an owner
 * lock: one restore at a time, a killed one's taken over), "state" (what
 * the running restore does besides replacing files: the deletes, the store,
 * the files' hashes to check), "state.db" (the store to put back),
 * "journal" (core/journal.h: the files replaced) and "written" (the hashes
 * of what the last restore wrote, so that a file it wrote counts as
 * bosun's next time).
 *
 * The order: "state", the journal's "prepare", every new file in its
 * "<file>.lock" (synced), the store's copy; the journal's "commit"; the
 * renames, the deletes, the store, the check; "state" removed, the journal
 * removed. A restore killed before "commit" is undone by the next one
 * (every file old), after it completed (every file new): restore_begin().
 */
#include "lib/backup/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/journal.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/pidfile.h"
#include "core/sha256.h"
#include "core/sigchain.h"
#include "lib/store/store.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAX (16 * 1024 * 1024)
#define WRITTEN_MAX (16 * 1024 * 1024)
#define RESTORE_LOCK_WAIT_MS 5000

/*
 * The crash test's hook (t6210): BOSUN_TEST_RESTORE_KILL=POINT kills the
 * process with SIGKILL when it reaches POINT, so every point of the write
 * is tested the same way on a fast machine or a slow one.
 */
static void kill_point(const char *point)
{
	const char *at = getenv("BOSUN_TEST_RESTORE_KILL");

	if (at && !strcmp(at, point))
		kill(getpid(), SIGKILL);
}

/* BOSUN_TEST_RESTORE_FAIL=POINT: fail there, once (the rollback tests:
 * the snapshot put back after it must go through). */
static int fail_point(const char *point)
{
	const char *at = getenv("BOSUN_TEST_RESTORE_FAIL");
	static int failed;

	if (at && !strcmp(at, point) && !failed++)
		return error_set(BOSUN_EIO, "failing at '%s' (BOSUN_TEST_RESTORE_FAIL)",
				 point);
	return 0;
}

void bk_restore_dir(struct strbuf *out, const char *common_dir)
{
	strbuf_reset(out);
	fs_path_join(out, common_dir, "bosun/restore");
}

static void restore_file(struct strbuf *out, const struct backup_env *env,
			 const char *name)
{
	bk_restore_dir(out, env->common_dir);
	strbuf_addch(out, '/');
	strbuf_addstr(out, name);
}

const char *restore_act_name(enum restore_act a)
{
	static const char *const names[] = {
		[RESTORE_SKIP] = "skip", [RESTORE_CREATE] = "create",
		[RESTORE_OVERWRITE] = "overwrite", [RESTORE_DELETE] = "delete",
	};
	return names[a];
}

void restore_plan_release(struct restore_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nr; i++) {
		free(plan->ops[i].path);
		free(plan->ops[i].abs);
		free(plan->ops[i].refused);
	}
	free(plan->ops);
	memset(plan, 0, sizeof(*plan));
}

/* ------------------------------------------------------------ places */

/* The folder a place's path is under, and the rest. */
static int place_base(const struct backup_env *env, const char *place,
		      const char **base, const char **rel)
{
	static const struct { const char *prefix; size_t off; } roots[] = {
		{ "repo/", offsetof(struct backup_env, root) },
		{ "config/", offsetof(struct backup_env, config_dir) },
		{ "home/", offsetof(struct backup_env, home) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(roots); i++) {
		if (strncmp(place, roots[i].prefix, strlen(roots[i].prefix)))
			continue;
		*base = *(const char *const *)((const char *)env + roots[i].off);
		*rel = place + strlen(roots[i].prefix);
		if (!*base)
			return error_set(BOSUN_EUSAGE, "no folder to restore '%s' to "
					 "(a bare repository, or no HOME)", place);
		return 0;
	}
	return error_set(BOSUN_EDATA, "'%s' is not a place bosun restores", place);
}

/* The file's path, when nothing on the way below base is a symbolic link
 * (a link would carry the write elsewhere) and the file, if there, is a
 * regular one. */
static int place_abs(struct strbuf *out, const struct backup_env *env,
		     const char *place)
{
	const char *base = NULL, *rel = NULL, *slash;
	struct stat st;
	int r;

	if ((r = place_base(env, place, &base, &rel)) < 0)
		return r;
	strbuf_reset(out);
	strbuf_addstr(out, base);
	for (;;) {
		slash = strchr(rel, '/');
		strbuf_addch(out, '/');
		strbuf_add(out, rel, slash ? (size_t)(slash - rel) : strlen(rel));
		if (lstat(out->buf, &st) < 0) {
			if (errno == ENOENT)
				break;
			return error_errno(BOSUN_EIO, "cannot look at '%s'", out->buf);
		}
		if (S_ISLNK(st.st_mode))
			return error_set(BOSUN_EDATA, "'%s' is a symbolic link; bosun "
					 "does not restore through links", out->buf);
		if (!slash && !S_ISREG(st.st_mode))
			return error_set(BOSUN_EDATA, "'%s' is not a regular file", out->buf);
		if (slash && !S_ISDIR(st.st_mode))
			return error_set(BOSUN_EDATA, "'%s' is not a folder", out->buf);
		if (!slash)
			break;
		rel = slash + 1;
	}
	if (slash)
		strbuf_addstr(out, slash);
	return 0;
}

/* The SHA-256 of the file at abs, "" when it is absent. */
static int file_hash(char hash[65], const char *abs)
{
	struct strbuf sb = STRBUF_INIT;
	int r = fs_read_file(&sb, abs, BACKUP_MAX_BYTES);

	hash[0] = '\0';
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
	} else if (r >= 0) {
		sha256_hex(hash, sb.buf, sb.len);
	}
	strbuf_release(&sb);
	return r;
}

/* ------------------------------------------------------------ what bosun wrote */

/* The hashes bosun vouches for: the store's agent rows now, and what the
 * last restore wrote. Lines "<hash> <place>". */
struct owned {
	struct strbuf text;
	int rows_done;
};

static int on_owned_row(const struct store_agent_file *f, void *data)
{
	struct strbuf *sb = data;

	if (f->hash)
		strbuf_addf(sb, "%s %s/%s\n", f->hash,
			    strncmp(f->target, "user:", 5) ? "repo" : "home", f->path);
	return 0;
}

static int owned_load(struct strbuf *rows, struct strbuf *written,
		      const struct backup_env *env)
{
	struct strbuf path = STRBUF_INIT;
	struct store *st = NULL;
	int r;

	strbuf_addch(rows, '\n');
	strbuf_addch(written, '\n');
	if ((r = store_open(&st, env->store_url, env->common_dir, STORE_OPEN_READ)) < 0 ||
	    (r = store_agent_file_each(st, on_owned_row, rows)) < 0)
		goto out;
	restore_file(&path, env, "written");
	if ((r = fs_read_file(written, path.buf, WRITTEN_MAX)) == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
	}
out:
	store_close(st);
	strbuf_release(&path);
	return r;
}

/* 1 when "<hash> <place>" is a line of text (which starts with "\n"). */
static int owned_has(const struct strbuf *text, const char *hash, const char *place)
{
	struct strbuf line = STRBUF_INIT;
	int found;

	if (!*hash)
		return 0;
	strbuf_addf(&line, "\n%s %s\n", hash, place);
	found = strstr(text->buf, line.buf) != NULL;
	strbuf_release(&line);
	return found;
}

/* ------------------------------------------------------------ the plan */

static struct restore_op *add_op(struct restore_plan *plan, enum restore_act act,
				 const char *place, const char *abs)
{
	struct restore_op *op;

	ALLOC_GROW(plan->ops, plan->nr + 1, plan->alloc);
	op = &plan->ops[plan->nr++];
	memset(op, 0, sizeof(*op));
	op->act = act;
	op->path = xstrdup(place);
	op->abs = xstrdup(abs);
	return op;
}

static void refuse(struct restore_plan *plan, struct restore_op *op, const char *why)
{
	op->refused = xstrdup(why);
	plan->refused++;
}

/* The current agent rows' places that the archive does not hold: deleted
 * (a file bosun deployed after the backup). */
static int plan_deletes(struct restore_plan *plan, const struct backup_set *set,
			const struct backup_env *env, const struct strbuf *rows)
{
	struct strbuf abs = STRBUF_INIT;
	const char *p, *nl;
	char hash[65], cur[65];
	int r = 0;

	for (p = rows->buf + 1; *p; p = nl + 1) {
		struct restore_op *op;
		char *place;

		if (!(nl = strchr(p, '\n')) || nl - p < 66)
			break;
		place = xstrndup(p + 65, (size_t)(nl - p - 65));
		memcpy(hash, p, 64);
		hash[64] = '\0';
		if (backup_place_check(place) < 0 || backup_set_find(set, place)) {
			error_clear();
			free(place);
			continue;
		}
		if ((r = place_abs(&abs, env, place)) < 0 ||
		    (r = file_hash(cur, abs.buf)) < 0) {
			free(place);
			break;
		}
		if (*cur) {
			op = add_op(plan, RESTORE_DELETE, place, abs.buf);
			memcpy(op->cur_hash, cur, 65);
			if (strcmp(cur, hash))
				refuse(plan, op, "changed outside bosun since it was deployed");
		}
		free(place);
	}
	strbuf_release(&abs);
	return r;
}

int restore_plan(struct restore_plan *plan, const struct backup_set *set,
		 const struct backup_env *env, int force)
{
	struct strbuf rows = STRBUF_INIT, written = STRBUF_INIT, abs = STRBUF_INIT;
	size_t i;
	int r;

	plan->force = force;
	if ((r = owned_load(&rows, &written, env)) < 0)
		goto out;
	meter_phase(env->progress, "checking", set->nr, 0);
	for (i = 0; i < set->nr; i++) {
		const struct backup_file *f = &set->files[i];
		struct restore_op *op;
		char cur[65];

		bk_progress_add(env->progress, 0);
		if (!strcmp(f->path, BACKUP_STORE_PLACE)) {
			op = add_op(plan, RESTORE_OVERWRITE, f->path, "");
			op->file = f;
			continue;
		}
		if ((r = place_abs(&abs, env, f->path)) < 0 ||
		    (r = file_hash(cur, abs.buf)) < 0)
			goto out;
		op = add_op(plan, !*cur ? RESTORE_CREATE : strcmp(cur, f->sha256) ?
			    RESTORE_OVERWRITE : RESTORE_SKIP, f->path, abs.buf);
		op->file = f;
		memcpy(op->cur_hash, cur, 65);
		if (op->act == RESTORE_OVERWRITE && !owned_has(&rows, cur, f->path) &&
		    !owned_has(&written, cur, f->path))
			refuse(plan, op, "changed outside bosun since the backup");
	}
	r = plan_deletes(plan, set, env, &rows);
out:
	strbuf_release(&rows);
	strbuf_release(&written);
	strbuf_release(&abs);
	return r;
}

/* ------------------------------------------------------------ the write */

/* What a restore does besides replacing files, as JSON ("state"). */
static json_t *state_of(const struct restore_plan *plan)
{
	json_t *files = json_array(), *deletes = json_array();
	int store = 0;
	size_t i;

	for (i = 0; i < plan->nr; i++) {
		const struct restore_op *op = &plan->ops[i];

		if (op->act == RESTORE_DELETE)
			json_array_append_new(deletes, json_string(op->abs));
		else if (!*op->abs)
			store = 1;
		else
			json_array_append_new(files, json_pack("{s:s, s:s, s:s}",
				"place", op->path, "abs", op->abs,
				"sha256", op->file->sha256));
	}
	return json_pack("{s:b, s:o, s:o}", "store", store, "files", files,
			 "deletes", deletes);
}

/* Settle what follows "commit": the deletes, the store, the check, the
 * record of what was written; then "state" goes. Run again by a later
 * restore when this one was killed, so every step may be done twice. */
static int finish(const struct backup_env *env, json_t *state)
{
	struct strbuf path = STRBUF_INIT, written = STRBUF_INIT;
	struct store *st = NULL;
	json_t *v, *f;
	char cur[65];
	size_t i;
	int r = 0;

	json_array_foreach(json_object_get(state, "deletes"), i, v)
		if (json_is_string(v) && (r = fs_unlink(json_string_value(v))) < 0)
			goto out;
	kill_point("deleted");
	restore_file(&path, env, "state.db");
	if (json_is_true(json_object_get(state, "store")) && fs_exists(path.buf)) {
		if ((r = store_open(&st, env->store_url, env->common_dir,
				    STORE_OPEN_NO_MIGRATE)) < 0 ||
		    (r = store_restore_from(st, path.buf)) < 0)
			goto out;
		kill_point("store");
		if ((r = fs_unlink(path.buf)) < 0)
			goto out;
	}
	/* The check: every file holds the archive's bytes, every delete is
	 * gone. */
	json_array_foreach(json_object_get(state, "files"), i, f) {
		const char *abs = json_string_value(json_object_get(f, "abs"));
		const char *sum = json_string_value(json_object_get(f, "sha256"));
		const char *place = json_string_value(json_object_get(f, "place"));

		if (!abs || !sum || !place) {
			r = error_set(BOSUN_EDATA, "a damaged restore record");
			goto out;
		}
		if ((r = file_hash(cur, abs)) < 0)
			goto out;
		if (strcmp(cur, sum) || (r = fail_point("verify")) < 0) {
			if (r >= 0)
				r = error_set(BOSUN_EIO, "'%s' does not hold what was "
					      "restored", abs);
			goto out;
		}
		strbuf_addf(&written, "%s %s\n", sum, place);
	}
	json_array_foreach(json_object_get(state, "deletes"), i, v)
		if (fs_exists(json_string_value(v))) {
			r = error_set(BOSUN_EIO, "'%s' is still there", json_string_value(v));
			goto out;
		}
	restore_file(&path, env, "written");
	if ((r = write_file_atomic(path.buf, written.buf, written.len, 0644)) < 0)
		goto out;
	restore_file(&path, env, "state");
	r = fs_unlink(path.buf);
out:
	store_close(st);
	strbuf_release(&path);
	strbuf_release(&written);
	return r;
}

/* The archive's store must be one this bosun reads: found before the
 * commit, so nothing has changed when it is not. */
static int check_store_copy(const char *path)
{
	struct strbuf url = STRBUF_INIT;
	struct store *c = NULL;
	int r, version, latest;

	strbuf_addf(&url, "sqlite:%s", path);
	if ((r = store_open(&c, url.buf, NULL, STORE_OPEN_READ | STORE_OPEN_NO_MIGRATE)) < 0 ||
	    (r = version = store_schema_version(c)) < 0 ||
	    (r = latest = store_schema_latest(c)) < 0)
		goto out;
	r = version > latest ? error_set(BOSUN_EDATA, "the archive's store was "
					 "written by a newer bosun (schema %d; this "
					 "one knows %d at most)", version, latest) : 0;
out:
	if (r < 0)
		error_prefix("%s", BACKUP_STORE_PLACE);
	store_close(c);
	strbuf_release(&url);
	return r;
}

/* Put a new file's bytes in its lock, synced, and keep the lock. */
static int lock_new(struct lockfile *lk, const struct restore_op *op)
{
	struct strbuf dir = STRBUF_INIT;
	int r;

	fs_dirname(&dir, op->abs);
	if ((r = fs_mkdir_p(dir.buf)) < 0 || (r = lock_acquire(lk, op->abs, 0)) < 0)
		goto out;
	if ((r = lock_write(lk, op->file->data.buf, op->file->data.len)) < 0)
		goto out;
	if (fchmod(lk->fd, (mode_t)(op->file->mode & 07777)) < 0) {
		r = error_errno(BOSUN_EIO, "cannot set the mode of '%s'", lk->lock_path);
		goto out;
	}
	r = lock_sync(lk);
out:
	strbuf_release(&dir);
	return r;
}

static int is_write(const struct restore_op *op)
{
	return (op->act == RESTORE_CREATE || op->act == RESTORE_OVERWRITE) && *op->abs;
}

/* The journalled write of a plan (see the top of this file). */
static int run(const struct restore_plan *plan, const struct backup_env *env)
{
	struct strbuf journal = STRBUF_INIT, path = STRBUF_INIT;
	struct lockfile jl = LOCKFILE_INIT, *locks = xcalloc(plan->nr + 1, sizeof(*locks));
	const char **paths = xcalloc(plan->nr + 1, sizeof(*paths));
	json_t *state = state_of(plan);
	char *text = json_dumps(state, JSON_COMPACT);
	long long bytes = 0;
	size_t i, n = 0;
	sigset_t old;
	int r, began = 0, committed = 0, blocked = 0;

	for (i = 0; i < plan->nr; i++) {
		locks[i].fd = -1;
		if (is_write(&plan->ops[i]))
			paths[n++] = plan->ops[i].abs;
		if (plan->ops[i].file)
			bytes += plan->ops[i].file->size;
	}
	bk_restore_dir(&path, env->common_dir);
	if ((r = fs_mkdir_p(path.buf)) < 0)
		goto out;
	restore_file(&journal, env, "journal");
	restore_file(&path, env, "state");
	if ((r = write_file_atomic(path.buf, text, strlen(text), 0644)) < 0)
		goto out;
	kill_point("state");
	if ((r = journal_begin(&jl, journal.buf, paths, n)) < 0)
		goto out;
	began = 1;
	kill_point("prepare");
	meter_phase(env->progress, "writing", plan->nr, bytes);
	for (i = 0; i < plan->nr; i++) {
		const struct restore_op *op = &plan->ops[i];

		if (is_write(op) && (r = lock_new(&locks[i], op)) < 0)
			goto out;
		if (!*op->abs) {
			restore_file(&path, env, "state.db");
			if ((r = write_file_atomic(path.buf, op->file->data.buf,
						   op->file->data.len, 0600)) < 0 ||
			    (r = check_store_copy(path.buf)) < 0)
				goto out;
		}
		if (i == 0)
			kill_point("locked-one");
		bk_progress_add(env->progress, op->file ? op->file->size : 0);
	}
	if ((r = fail_point("prepare")) < 0)
		goto out;
	kill_point("before-commit");
	/* From "commit" to the end the restore is done: a signal then must
	 * not remove new files half-way (only SIGKILL gets in, and the next
	 * restore finishes). */
	sigchain_block_common(&old);
	blocked = 1;
	if ((r = journal_commit(journal.buf, paths, n)) < 0)
		goto out;
	committed = 1;
	kill_point("commit");
	for (i = 0, n = 0; i < plan->nr; i++) {
		if (locks[i].fd < 0)
			continue;
		if ((r = lock_commit(&locks[i])) < 0)
			goto out;
		if (!n++)
			kill_point("renamed-one");
	}
	kill_point("renamed");
	r = finish(env, state);
out:
	if (r < 0 && committed) {
		/* Done as far as the files go: the renames left are finished
		 * (the snapshot, put back next, needs one consistent state). */
		for (i = 0; i < plan->nr; i++)
			if (locks[i].fd >= 0)
				lock_commit(&locks[i]);
	}
	for (i = 0; i < plan->nr; i++)
		lock_rollback(&locks[i]);
	if (r < 0) {
		/* The record goes: what is on disk is one consistent state,
		 * before (not committed) or after (committed). */
		restore_file(&path, env, "state.db");
		unlink(path.buf);
		restore_file(&path, env, "state");
		unlink(path.buf);
	}
	if (began)
		journal_end(&jl, journal.buf);
	if (blocked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	json_decref(state);
	free(text);
	free(locks);
	free(paths);
	strbuf_release(&journal);
	strbuf_release(&path);
	return r;
}

/* ------------------------------------------------------------ the lock, recovery */

int restore_begin(struct lockfile *lk, const struct backup_env *env,
		  struct strbuf *report)
{
	static const char *const records[] = { "state", "state.db", "written" };
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, journal = STRBUF_INIT;
	json_t *state = NULL;
	json_error_t jerr;
	size_t i;
	int r, settled;

	bk_restore_dir(&path, env->common_dir);
	if ((r = fs_mkdir_p(path.buf)) < 0)
		goto out;
	strbuf_addstr(&path, "/restore");
	if ((r = owner_lock_acquire(lk, path.buf, RESTORE_LOCK_WAIT_MS)) < 0) {
		if (r == -BOSUN_EBUSY)
			error_hint("another bosun restore is running in this repository");
		goto out;
	}
	/* A restore killed while it took the lock left its owner name. */
	lock_sweep_dead_owners(path.buf);
	/* A killed restore's half-written records: their locks go (we hold
	 * the restore lock, so their writer is gone). */
	for (i = 0; i < ARRAY_SIZE(records); i++) {
		restore_file(&path, env, records[i]);
		if ((r = lock_settle(path.buf, 0)) < 0)
			goto fail;
		lock_sweep_dead_owners(path.buf);
	}
	if (env->dir)
		bk_sweep(env->dir);
	restore_file(&journal, env, "journal");
	if ((r = settled = journal_recover(journal.buf, report)) < 0)
		goto fail;
	restore_file(&path, env, "state");
	r = fs_read_file(&text, path.buf, STATE_MAX);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = settled;
		goto out;
	}
	if (r < 0)
		goto fail;
	if (settled != 1) {
		/* Killed before "commit": every file is as it was. */
		restore_file(&path, env, "state.db");
		unlink(path.buf);
		restore_file(&path, env, "state");
		r = fs_unlink(path.buf);
		r = r < 0 ? r : 2;
		goto done;
	}
	if (!(state = json_loadb(text.buf, text.len, 0, &jerr))) {
		r = error_set(BOSUN_EDATA, "'%s': %s", path.buf, jerr.text);
		goto fail;
	}
	if ((r = finish(env, state)) < 0)
		goto fail;
	r = 1;
done:
	log_event(LOG_WARN, "restore", "an interrupted restore was %s",
		  r == 1 ? "completed" : "undone");
	goto out;
fail:
	lock_rollback(lk);
out:
	json_decref(state);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&journal);
	return r;
}

void restore_end(struct lockfile *lk)
{
	lock_rollback(lk);
}

int restore_apply(struct restore_plan *plan, const struct backup_set *set,
		  const struct backup_env *env, char **snapshot)
{
	struct backup_set snap = BACKUP_SET_INIT;
	struct restore_plan back = RESTORE_PLAN_INIT;
	struct strbuf path = STRBUF_INIT, msg = STRBUF_INIT;
	int r, kind;

	(void)set;
	if (plan->refused && !plan->force)
		return error_set(BOSUN_ECONFLICT, "%zu file%s changed outside bosun "
				 "since the backup", plan->refused,
				 plan->refused == 1 ? "" : "s");
	/* The snapshot: the state now, an archive like any other, so that
	 * "bosun restore SNAPSHOT" undoes this restore. */
	if ((r = backup_collect(&snap, env, "snapshot")) < 0)
		goto out;
	backup_new_path(&path, env, "snapshot");
	if ((r = backup_write(&snap, path.buf)) < 0)
		goto out;
	*snapshot = xstrdup(path.buf);
	kill_point("snapshot");
	if ((r = run(plan, env)) >= 0)
		goto out;
	/* Put the snapshot back, whatever the failure left (one consistent
	 * state: run() saw to it). */
	kind = -r;
	strbuf_addstr(&msg, error_message());
	error_clear();
	if (restore_plan(&back, &snap, env, 1) < 0 || run(&back, env) < 0) {
		error_prefix("%s; putting the snapshot back failed too", msg.buf);
		error_hint("restore it by hand: bosun restore --force %s", path.buf);
		r = -error_kind();
		goto out;
	}
	r = error_set(kind, "%s", msg.buf);
	error_hint("nothing changed: the state before was put back from %s", path.buf);
	log_event(LOG_ERROR, "restore", "failed and rolled back: %s", msg.buf);
out:
	restore_plan_release(&back);
	backup_set_release(&snap);
	strbuf_release(&path);
	strbuf_release(&msg);
	return r;
}
