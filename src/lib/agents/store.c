/*
 * store.c - the ownership records, the deploy lock, and carrying out a plan
 * with backups, a journal and one store transaction (agents.h).
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "lib/store/store.h"

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

/* ------------------------------------------------------------ records */

static void copy_hash(char out[65], const char *h)
{
	size_t n = h ? strnlen(h, 64) : 0;

	memcpy(out, h ? h : "", n);
	out[n] = '\0';
}

/* The store's strings move into the record. */
static char *take(const char **s)
{
	char *v = *s ? (char *)*s : xstrdup("");

	*s = NULL;
	return v;
}

int agents_records(struct agent_rec **out, size_t *nr, struct agents_env *env)
{
	struct store_agent_file *files = NULL;
	struct agent_rec *recs;
	size_t i, n = 0;
	int r;

	if ((r = store_agent_file_list(env->st, &files, &n)) < 0)
		return r;
	recs = xcalloc(n ? n : 1, sizeof(*recs));
	for (i = 0; i < n; i++) {
		struct store_agent_file *f = &files[i];
		struct agent_rec *a = &recs[i];

		a->target = take(&f->target);
		a->path = take(&f->path);
		a->template = take(&f->template);
		a->version = take(&f->version);
		a->deployed_at = take(&f->deployed_at);
		copy_hash(a->hash, f->hash);
		if (f->src && f->renderer) {
			a->src = take(&f->src);
			a->renderer = take(&f->renderer);
			copy_hash(a->src_hash, f->src_hash);
			copy_hash(a->base_hash, f->base_hash);
		}
		a->st = f->st;
	}
	store_agent_file_free(files, n);
	*out = recs;
	*nr = n;
	return 0;
}

int agents_tmpl_stats(struct agent_tstat **out, size_t *nr,
		      struct agents_env *env, const char *dir)
{
	struct store_tmpl_stat *v = NULL;
	struct agent_tstat *t;
	size_t i, n = 0;
	int r;

	*out = NULL;
	*nr = 0;
	if ((r = store_tmpl_stat_list(env->st, dir, &v, &n)) < 0)
		return r;
	t = xcalloc(n ? n : 1, sizeof(*t));
	for (i = 0; i < n; i++) {
		t[i].name = take(&v[i].name);
		t[i].st = v[i].st;
		copy_hash(t[i].hash, v[i].hash);
	}
	store_tmpl_stat_free(v, n);
	*out = t;
	*nr = n;
	return 0;
}

int agents_tmpl_stats_put(struct agents_env *env, const char *dir,
			  const struct agent_tstat *v, size_t nr)
{
	struct store_tmpl_stat t;
	size_t i;
	int r;

	if (!nr)
		return 0;
	if ((r = store_begin(env->st, STORE_TX_WRITE)) < 0)
		return r;
	for (i = 0; i < nr && r >= 0; i++) {
		t.name = v[i].name;
		t.hash = v[i].hash;
		t.st = v[i].st;
		t.st.set = 1;
		r = store_tmpl_stat_put(env->st, dir, &t);
	}
	if (r >= 0)
		r = store_commit(env->st);
	if (r < 0)
		store_rollback(env->st);
	return r;
}

void agent_tstats_free(struct agent_tstat *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i].name);
	free(v);
}

int agents_env_records(struct agents_env *env)
{
	int r;

	if (env->recs_loaded)
		return 0;
	if ((r = agents_records(&env->recs, &env->recs_nr, env)) < 0)
		return r;
	env->recs_loaded = 1;
	return 0;
}

static void rec_release(struct agent_rec *a)
{
	free(a->src);
	free(a->renderer);
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

/*
 * Git's index rule: the recorded size, mtime, ctime and inode must all
 * match, and the recorded ctime must be older than st_ref, a file-system
 * time taken before that stat: a change made after the stat then gets a
 * ctime >= st_ref, which cannot equal the recorded one. ctime cannot be set
 * by a person (touch -d sets mtime only), so an edit that keeps the size
 * and puts the mtime back is still seen.
 */
int agents_stat_fresh(const struct agent_rec *rec, const struct stat *st)
{
	return S_ISREG(st->st_mode) && stat_stamp_matches(&rec->st, st) &&
	       stat_stamp_trusted(&rec->st);
}

const char *agents_file_check(const struct agents_env *env,
			      const struct agent_rec *rec, char hash[65],
			      struct strbuf *text, int *cached)
{
	struct strbuf abs = STRBUF_INIT, own = STRBUF_INIT;
	struct strbuf *buf = text ? text : &own;
	struct stat st;
	const char *state;
	int r;

	hash[0] = '\0';
	*cached = 0;
	agents_rec_path(&abs, env, rec->target, rec->path);
	if (!agent_path_safe(strncmp(rec->target, "user:", 5) ? env->root : env->home,
		       rec->path)) {
		state = "unsafe";
	} else if (lstat(abs.buf, &st) == 0 && agents_stat_fresh(rec, &st)) {
		memcpy(hash, rec->hash, 65);
		*cached = 1;
		state = "ok";
	} else if ((r = fs_read_file(buf, abs.buf, AGENT_FILE_MAX)) < 0) {
		state = r == -BOSUN_ENOTFOUND ? "missing" : "unreadable";
		error_clear();
	} else {
		sha256_hex(hash, buf->buf, buf->len);
		state = strcmp(hash, rec->hash) ? "modified" : "ok";
	}
	strbuf_release(&abs);
	strbuf_release(&own);
	return state;
}

const char *agents_file_state(const struct agents_env *env,
			      const struct agent_rec *rec, char hash[65])
{
	int cached;

	return agents_file_check(env, rec, hash, NULL, &cached);
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

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void vals_json(struct row_vals *v, const json_t *rec)
{
	const json_t *src = json_object_get(rec, "src");

	memset(v, 0, sizeof(*v));
	if (!json_is_object(rec) || !jstr(rec, "hash"))
		return;
	v->tmpl = jstr(rec, "template");
	v->version = jstr(rec, "version");
	v->hash = jstr(rec, "hash");
	if (json_is_object(src)) {
		v->src = jstr(src, "file");
		v->src_hash = jstr(src, "hash");
		v->base_hash = jstr(src, "base_hash");
		v->renderer = jstr(src, "renderer");
	}
	if (!v->tmpl)
		v->tmpl = "";
}

/* A journal's entry (pointing into the JSON); -1 when it is not one. */
static int json_entry(struct man_entry *e, const json_t *j)
{
	e->target = jstr(j, "target");
	e->path = jstr(j, "path");
	e->prev_hash = jstr(j, "prev_hash");
	e->new_hash = jstr(j, "new_hash");
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
 * The file system is synced once, after the files are written and before
 * the store says they are there; the sync runs on a thread while the
 * store's rows are prepared, and the store commits only after it.
 */
struct fs_sync {
	pthread_t thread;
	int fd, started;
};

static void *run_syncfs(void *arg)
{
	syncfs(((struct fs_sync *)arg)->fd);
	return NULL;
}

static void sync_start(struct fs_sync *s, const char *dir)
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

static void sync_wait(struct fs_sync *s)
{
	if (s->started)
		pthread_join(s->thread, NULL);
	s->started = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
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
		sync_wait(sync);
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

/* Remove the "<file>.lock" a killed writer may have left for each entry. */
static void sweep_locks(struct agents_env *env, const struct man_entry *ents,
			size_t nr)
{
	struct strbuf lock = STRBUF_INIT;
	size_t i;

	for (i = 0; i < nr; i++) {
		agents_rec_path(&lock, env, ents[i].target, ents[i].path);
		strbuf_addstr(&lock, ".lock");
		unlink(lock.buf);
	}
	strbuf_release(&lock);
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
		goto out;
	}
	if (r < 0)
		goto out;
	man = json_loadb(text.buf, text.len, 0, NULL);
	d.id = jstr(man, "id");
	d.kind = jstr(man, "kind");
	d.rollback_of = jstr(man, "rollback_of");
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
	r = rename_journal(path.buf, mpath.buf);
out:
	free(ents);
	json_decref(man);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&mpath);
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
static int put_file(const char *path, const char *buf, size_t len, int sync,
		    struct stat *out)
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
	if (rename(lk.lock_path, lk.path) < 0) {
		r = error_errno(BOSUN_EIO, "cannot rename '%s' to '%s'",
				lk.lock_path, lk.path);
		goto fail;
	}
	tempfile_unregister(lk.lock_path);
	/* The bytes we wrote, as renamed (a rename changes the ctime). */
	if (out && fstat(lk.fd, out) < 0)
		out->st_mode = 0;
	if (close(lk.fd) < 0) {
		lk.fd = -1;
		free(lk.path);
		free(lk.lock_path);
		return error_errno(BOSUN_EIO, "cannot write '%s'", path);
	}
	lk.fd = -1;
	free(lk.path);
	free(lk.lock_path);
	return 0;
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
	return r < 0 ? r : put_file(path, buf, len, 0, st);
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
static int change_files(struct agent_plan *plan, struct fs_sync *sync, const char *root)
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
		sync_start(sync, root);
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
		struct timespec nap = { 0, 1000000 };

		nanosleep(&nap, NULL);
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
	if ((r = backup_files(plan, env, id)) < 0)
		goto out;
	text = plan_manifest(plan, id);

	journal_path(&jpath, env);
	if ((r = put_file(jpath.buf, text, strlen(text), 1, NULL)) < 0)
		goto out;
	if ((r = change_files(plan, &sync, env->root)) < 0)
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
	sync_wait(&sync);
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
