/*
 * records.c - the ownership records (agents.h): the store's rows of the
 * files bosun owns and of the templates' stats, read into agent_rec and
 * agent_tstat, and what a file on disk is against its row.
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "lib/store/store.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void copy_hash(char out[65], const char *h)
{
	size_t n = h ? strnlen(h, 64) : 0;

	memcpy(out, h ? h : "", n);
	out[n] = '\0';
}

struct rec_list {
	struct agent_rec *v;
	size_t nr, alloc;
};

static int rec_one(const struct store_agent_file *f, void *data)
{
	struct rec_list *l = data;
	struct agent_rec *a;

	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	a = &l->v[l->nr++];
	memset(a, 0, sizeof(*a));
	a->target = xstrdup(f->target);
	a->path = xstrdup(f->path);
	a->template = xstrdup(f->template);
	a->version = xstrdup(f->version);
	a->deployed_at = xstrdup(f->deployed_at);
	copy_hash(a->hash, f->hash);
	if (f->src && f->renderer) {
		a->src = xstrdup(f->src);
		a->renderer = xstrdup(f->renderer);
		copy_hash(a->src_hash, f->src_hash);
		copy_hash(a->base_hash, f->base_hash);
	}
	a->st = f->st;
	return 0;
}

int agents_records(struct agent_rec **out, size_t *nr, struct agents_env *env)
{
	struct rec_list l = { NULL, 0, 0 };
	int r;

	if ((r = store_agent_file_each(env->st, rec_one, &l)) < 0) {
		agent_recs_free(l.v, l.nr);
		return r;
	}
	*out = l.v ? l.v : xcalloc(1, sizeof(*l.v));
	*nr = l.nr;
	return 0;
}

/* The store's string moves into the record. */
static char *take(const char **s)
{
	char *v = *s ? (char *)*s : xstrdup("");

	*s = NULL;
	return v;
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

void agent_rec_release(struct agent_rec *a)
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
		agent_rec_release(&recs[i]);
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
