/*
 * journal.c - carrying out a plan (agents_apply()): the manifest of a
 * change, written first as the journal, then the files (backup.c), then the
 * store's rows in one transaction; and settling the store from the journal
 * after a killed deploy (agents_recover()).
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/time.h"
#include "lib/json/json.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "lib/store/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ journal */

/*
 * The manifest: what a change does to each file and row. Kept as JSON
 * text (the journal, the backups' manifest.json, the agent_deploys row)
 * and read back as entries; written here directly, not through jansson,
 * because a deploy of thousands of files would spend more time building
 * and dumping the tree than writing the files.
 */

/* One row's values; tmpl NULL: no row. */
struct row_vals {
	const char *tmpl, *version, *hash, *src, *src_hash, *base_hash, *renderer;
};

/* One manifest entry. */
struct man_entry {
	const char *target, *path, *prev_hash, *new_hash;
	struct row_vals before, after;
};

static void js_str(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run;

	if (!s) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_addch(sb, '"');
	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_add(sb, run, (size_t)(s - run));
		strbuf_addch(sb, '\\');
		if (c == '"' || c == '\\') {
			strbuf_addch(sb, (char)c);
		} else if (c == '\n') {
			strbuf_addch(sb, 'n');
		} else if (c == '\t') {
			strbuf_addch(sb, 't');
		} else {
			strbuf_addstr(sb, "u00");
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
		}
		run = s + 1;
	}
	strbuf_add(sb, run, (size_t)(s - run));
	strbuf_addch(sb, '"');
}

static void js_key(struct strbuf *sb, int first, const char *key, const char *v)
{
	strbuf_addstr(sb, first ? "{\"" : ",\"");
	strbuf_addstr(sb, key);
	strbuf_addstr(sb, "\":");
	js_str(sb, v);
}

static void js_rec(struct strbuf *sb, const struct row_vals *v)
{
	if (!v->tmpl) {
		strbuf_addstr(sb, "null");
		return;
	}
	js_key(sb, 1, "template", v->tmpl);
	js_key(sb, 0, "version", v->version);
	js_key(sb, 0, "hash", v->hash);
	if (v->src && v->renderer) {
		strbuf_addstr(sb, ",\"src\":");
		js_key(sb, 1, "file", v->src);
		js_key(sb, 0, "hash", v->src_hash);
		js_key(sb, 0, "base_hash", v->base_hash);
		js_key(sb, 0, "renderer", v->renderer);
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, '}');
}

static void vals_old(struct row_vals *v, const struct agent_op *op)
{
	memset(v, 0, sizeof(*v));
	if (!op->old.target)
		return;
	v->tmpl = op->old.template;
	v->version = op->old.version;
	v->hash = op->old.hash;
	v->src = op->old.src;
	v->src_hash = op->old.src_hash;
	v->base_hash = op->old.base_hash;
	v->renderer = op->old.renderer;
}

/* An op as a manifest entry (pointing into the op). */
static void op_entry(struct man_entry *e, const struct agent_op *op)
{
	e->target = op->target;
	e->path = op->path;
	e->prev_hash = op->prev_hash;
	e->new_hash = op->write == 2 ? "" : op->write ? op->new_hash : op->prev_hash;
	vals_old(&e->before, op);
	memset(&e->after, 0, sizeof(e->after));
	if (op->rec_act == 1) {
		e->after.tmpl = op->rec_template;
		e->after.version = op->rec_version;
		e->after.hash = op->rec_hash;
		e->after.src = op->rec_src;
		e->after.src_hash = op->rec_src_hash;
		e->after.base_hash = op->rec_base_hash;
		e->after.renderer = AGENT_RENDERER;
	} else if (op->rec_act != 2) {
		e->after = e->before;
	}
}

/* The ops a change acts on (a file written or removed, or a row). */
static int op_counts(const struct agent_op *op)
{
	return op->write || op->rec_act;
}

static char *plan_manifest(const struct agent_plan *plan, const char *id)
{
	struct strbuf sb = STRBUF_INIT;
	struct man_entry e;
	size_t i;
	int first = 1;

	js_key(&sb, 1, "id", id);
	js_key(&sb, 0, "kind", plan->kind);
	js_key(&sb, 0, "rollback_of", plan->rollback_of);
	strbuf_addstr(&sb, ",\"entries\":[");
	for (i = 0; i < plan->nr; i++) {
		const struct agent_op *op = &plan->ops[i];

		if (!op_counts(op))
			continue;
		op_entry(&e, op);
		if (!first)
			strbuf_addch(&sb, ',');
		first = 0;
		js_key(&sb, 1, "target", e.target);
		js_key(&sb, 0, "path", e.path);
		js_key(&sb, 0, "name", op->name ? op->name : "");
		js_key(&sb, 0, "action", agent_act_name(op->act));
		js_key(&sb, 0, "prev_hash", e.prev_hash);
		js_key(&sb, 0, "new_hash", e.new_hash);
		strbuf_addstr(&sb, ",\"before\":");
		js_rec(&sb, &e.before);
		strbuf_addstr(&sb, ",\"after\":");
		js_rec(&sb, &e.after);
		strbuf_addstr(&sb, ",\"backup\":");
		js_str(&sb, op->backup);
		strbuf_addch(&sb, '}');
	}
	strbuf_addstr(&sb, "]}");
	return strbuf_detach(&sb, NULL);
}

static void vals_json(struct row_vals *v, const json_t *rec)
{
	const json_t *src = json_object_get(rec, "src");

	memset(v, 0, sizeof(*v));
	if (!json_is_object(rec) || !json_get_str(rec, "hash", NULL))
		return;
	v->tmpl = json_get_str(rec, "template", NULL);
	v->version = json_get_str(rec, "version", NULL);
	v->hash = json_get_str(rec, "hash", NULL);
	if (json_is_object(src)) {
		v->src = json_get_str(src, "file", NULL);
		v->src_hash = json_get_str(src, "hash", NULL);
		v->base_hash = json_get_str(src, "base_hash", NULL);
		v->renderer = json_get_str(src, "renderer", NULL);
	}
	if (!v->tmpl)
		v->tmpl = "";
}

/* A journal's entry (pointing into the JSON); -1 when it is not one. */
static int json_entry(struct man_entry *e, const json_t *j)
{
	e->target = json_get_str(j, "target", NULL);
	e->path = json_get_str(j, "path", NULL);
	e->prev_hash = json_get_str(j, "prev_hash", NULL);
	e->new_hash = json_get_str(j, "new_hash", NULL);
	vals_json(&e->before, json_object_get(j, "before"));
	vals_json(&e->after, json_object_get(j, "after"));
	return e->target && e->path && e->prev_hash && e->new_hash ? 0 : -1;
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
	long long us = time_wall_us();
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	char buf[32];

	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y%m%dT%H%M%S", &tm);
	strbuf_addf(&sb, "%s.%06lldZ-%d", buf, us % 1000000, (int)getpid());
	return strbuf_detach(&sb, NULL);
}

/* ------------------------------------------------------------ store rows */

/* Set (v->tmpl) or delete a row. */
static int row_set(struct agents_env *env, const char *target, const char *path,
		   const struct row_vals *v, const char *at,
		   const struct stat_stamp *st)
{
	struct store_agent_file f = { 0 };

	if (!v->tmpl)
		return store_agent_file_delete(env->st, target, path);
	f.target = target;
	f.path = path;
	f.template = v->tmpl;
	f.version = v->version;
	f.hash = v->hash;
	f.deployed_at = at;
	if (v->src && v->renderer) {
		f.src = v->src;
		f.src_hash = v->src_hash;
		f.base_hash = v->base_hash;
		f.renderer = v->renderer;
	}
	if (st)
		f.st = *st;
	return store_agent_file_put(env->st, &f);
}

/* What the agent_deploys row says of a change. */
struct deploy_info {
	const char *id, *kind, *rollback_of, *text;
};

static int deploy_row(struct agents_env *env, const struct deploy_info *d,
		      const char *state, const char *at)
{
	struct store_agent_deploy row;
	int r;

	row.id = d->id;
	row.kind = d->kind;
	row.state = state;
	row.at = at;
	row.manifest = d->text;
	r = store_agent_deploy_put(env->st, &row);
	if (r >= 0 && d->rollback_of && !strcmp(state, "done"))
		r = store_agent_deploy_set_state(env->st, d->rollback_of, "rolled-back");
	return r;
}

/*
 * The rows a change leaves, all in one transaction: each entry's "after"
 * row, with stats[i] when given. With check_disk (settling a killed
 * change), each row is chosen by the file's hash now: "after" when the
 * new bytes are there, "before" when the old ones still are, else the row
 * is left alone and the change is recorded as interrupted.
 */
static int commit_rows(struct agents_env *env, const struct deploy_info *d,
		       const struct man_entry *ents, size_t nr, int check_disk,
		       const struct stat_stamp *stats, struct fs_sync *sync)
{
	struct strbuf abs = STRBUF_INIT, text = STRBUF_INIT;
	char at[32], h[65];
	size_t i;
	int r, complete = 1;

	now_iso(at);
	if ((r = store_begin(env->st, STORE_TX_WRITE)) < 0)
		return r;
	/* Rows change: no no-op snapshot holds any more (snapshot.c). */
	if ((r = store_snapshot_clear(env->st)) < 0)
		goto out;
	for (i = 0; i < nr; i++) {
		const struct man_entry *e = &ents[i];
		const struct row_vals *pick = &e->after;

		if (check_disk) {
			agents_rec_path(&abs, env, e->target, e->path);
			strbuf_reset(&text);
			h[0] = '\0';
			if (fs_read_file(&text, abs.buf, AGENT_FILE_MAX) == 0)
				sha256_hex(h, text.buf, text.len);
			error_clear();
			if (strcmp(h, e->new_hash)) {
				complete = 0;
				if (strcmp(h, e->prev_hash))
					continue;
				pick = &e->before;
			}
		}
		if ((r = row_set(env, e->target, e->path, pick, at,
				 stats && pick == &e->after ? &stats[i] : NULL)) < 0)
			goto out;
	}
	r = deploy_row(env, d, complete ? "done" : "interrupted", at);
out:
	if (sync)
		agents_sync_wait(sync);
	if (r >= 0)
		r = store_commit(env->st);
	if (r < 0)
		store_rollback(env->st);
	strbuf_release(&abs);
	strbuf_release(&text);
	return r;
}

static void journal_path(struct strbuf *sb, const struct agents_env *env)
{
	strbuf_reset(sb);
	fs_path_join(sb, env->agents_dir, "journal.json");
}

/* A settled journal becomes the deployment's manifest in its backups. */
static int rename_journal(const char *journal, const char *manifest)
{
	struct strbuf dir = STRBUF_INIT;
	int r;

	fs_dirname(&dir, manifest);
	r = fs_mkdir_p(dir.buf);
	strbuf_release(&dir);
	if (r >= 0 && rename(journal, manifest) < 0)
		r = error_errno(BOSUN_EIO, "cannot rename '%s' to '%s'", journal, manifest);
	return r;
}

/* Where a deployment's manifest stays once it is done. */
static void manifest_path(struct strbuf *sb, const struct agents_env *env,
			  const char *id)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s/backups/%s/manifest.json", env->agents_dir, id);
}

/* Remove the "<file>.lock" a killed writer may have left for each entry
 * (core/lockfile settles it: we hold the deploy lock its writer held). */
static void sweep_locks(struct agents_env *env, const struct man_entry *ents,
			size_t nr)
{
	struct strbuf file = STRBUF_INIT, lock = STRBUF_INIT;
	struct stat st;
	size_t i;

	for (i = 0; i < nr; i++) {
		agents_rec_path(&file, env, ents[i].target, ents[i].path);
		strbuf_reset(&lock);
		strbuf_addf(&lock, "%s.lock", file.buf);
		if (lstat(lock.buf, &st) == 0 && lock_settle(file.buf, 0) < 0)
			agents_degraded("a killed deploy's lock file not removed");
	}
	strbuf_release(&file);
	strbuf_release(&lock);
}

/*
 * What a deploy killed before its journal was written leaves: its backup
 * folder (with the lock files of the copy it was making: a kill -9 runs
 * no clean-up), and perhaps the journal's own lock. None of its changes
 * reached a file (files change only after the journal is synced), so the
 * folder, which has no manifest.json, is removed whole. Called with the
 * deploy lock held and the journal settled, so no writer is running.
 */
static void sweep_dead_runs(struct agents_env *env)
{
	struct strbuf dir = STRBUF_INIT, sub = STRBUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;

	journal_path(&dir, env);
	if (lock_settle(dir.buf, 0) < 0)
		agents_degraded("the journal's lock file not removed");
	strbuf_reset(&dir);
	fs_path_join(&dir, env->agents_dir, "backups");
	if (!(d = opendir(dir.buf)))
		goto out;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s/%s/manifest.json", dir.buf, de->d_name);
		if (lstat(sub.buf, &st) == 0 || errno != ENOENT)
			continue;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s/%s", dir.buf, de->d_name);
		if (lstat(sub.buf, &st) == 0 && S_ISDIR(st.st_mode) &&
		    fs_remove_tree(sub.buf) < 0)
			agents_degraded("a killed deploy's backup folder not removed");
	}
	closedir(d);
out:
	strbuf_release(&dir);
	strbuf_release(&sub);
}

int agents_recover(struct agents_env *env)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, mpath = STRBUF_INIT;
	struct man_entry *ents = NULL;
	struct deploy_info d;
	const json_t *list, *j;
	json_t *man = NULL;
	size_t i, nr = 0;
	int r;

	journal_path(&path, env);
	r = fs_read_file(&text, path.buf, 64 * 1024 * 1024);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
		goto sweep;
	}
	if (r < 0)
		goto out;
	man = json_loadb(text.buf, text.len, 0, NULL);
	d.id = json_get_str(man, "id", NULL);
	d.kind = json_get_str(man, "kind", NULL);
	d.rollback_of = json_get_str(man, "rollback_of", NULL);
	d.text = text.buf;
	list = json_object_get(man, "entries");
	if (json_is_array(list))
		ents = xcalloc(json_array_size(list) + 1, sizeof(*ents));
	json_array_foreach(list, i, j)
		if (json_entry(&ents[nr], j) == 0)
			nr++;
	/* A journal is renamed into place whole; a bad one is a bug. */
	if (!ents || nr != json_array_size(list) || !d.id || !*d.id || !d.kind ||
	    strchr(d.id, '/') || *d.id == '.') {
		r = error_set(BOSUN_EINTERNAL, "cannot read the journal '%s'", path.buf);
		goto out;
	}
	sweep_locks(env, ents, nr);
	if ((r = commit_rows(env, &d, ents, nr, 1, NULL, NULL)) < 0)
		goto out;
	manifest_path(&mpath, env, d.id);
	if ((r = rename_journal(path.buf, mpath.buf)) < 0)
		goto out;
sweep:
	sweep_dead_runs(env);
out:
	free(ents);
	json_decref(man);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&mpath);
	return r;
}

int agents_apply(struct agent_plan *plan, struct agents_env *env, char **id_out)
{
	struct strbuf jpath = STRBUF_INIT, mpath = STRBUF_INIT;
	struct man_entry *ents = NULL;
	struct stat_stamp *stats = NULL;
	struct deploy_info d;
	struct fs_sync sync = { 0, -1, 0 };
	char *id = NULL, *text = NULL;
	size_t i, n = 0;
	int r;

	if (!agent_plan_changes(plan))
		return 0;
	id = new_id();
	if ((r = agents_backup_files(plan, env, id)) < 0)
		goto out;
	text = plan_manifest(plan, id);

	journal_path(&jpath, env);
	if ((r = agents_put_file(jpath.buf, text, strlen(text), 1, NULL)) < 0)
		goto out;
	if ((r = agents_change_files(plan, &sync, env->root)) < 0)
		goto out;

	ents = xcalloc(plan->nr + 1, sizeof(*ents));
	stats = xcalloc(plan->nr + 1, sizeof(*stats));
	for (i = 0; i < plan->nr; i++) {
		const struct agent_op *op = &plan->ops[i];

		if (!op_counts(op))
			continue;
		op_entry(&ents[n], op);
		/* A stat vouches for the bytes it was taken of: those written
		 * (new_hash), else those read (prev_hash). A rollback may
		 * restore a person's bytes under our row. */
		if (op->rec_act == 1 && !strcmp(op->write == 1 ? op->new_hash :
						op->prev_hash, op->rec_hash))
			stats[n] = op->st;
		n++;
	}
	d.id = id;
	d.kind = plan->kind;
	d.rollback_of = plan->rollback_of;
	d.text = text;
	if ((r = commit_rows(env, &d, ents, n, 0, stats, &sync)) < 0)
		goto out;
	manifest_path(&mpath, env, id);
	r = rename_journal(jpath.buf, mpath.buf);
out:
	agents_sync_wait(&sync);
	if (r >= 0 && id_out) {
		*id_out = id;
		id = NULL;
	}
	free(id);
	free(text);
	free(ents);
	free(stats);
	strbuf_release(&jpath);
	strbuf_release(&mpath);
	return r;
}
