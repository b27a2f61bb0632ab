/*
 * plan.c - what deploy, clean and rollback would do, file by file, decided
 * before anything is touched (agents.h). The decisions for deploy:
 *
 *	absent                               -> deployed
 *	ours, unchanged on disk, same bytes  -> skipped
 *	ours, unchanged on disk, new bytes   -> updated
 *	ours, edited since we wrote it       -> modified (kept; --force: updated)
 *	not ours, claude-mpm's               -> conflict (--adopt: migrated)
 *	not ours                             -> conflict (never touched)
 *	a symlink on the way, or not a file  -> error (never followed)
 */
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/json/json.h"
#include "core/fs.h"
#include "core/parallel.h"
#include "core/sha256.h"
#include "lib/store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ targets */

static int on_path(const char *prog)
{
	char **found = NULL;
	size_t nr = 0, i;
	int ok = fs_which_all(&found, &nr, getenv("PATH"), prog, 1) > 0;

	for (i = 0; i < nr; i++)
		free(found[i]);
	free(found);
	return ok;
}

int agents_pick_targets(const struct agent_target ***out, size_t *nr,
			const char *const *ids, size_t ids_nr, const char *root)
{
	const struct agent_target **list = xcalloc(ids_nr + AGENT_TARGETS_NR + 1,
						    sizeof(*list));
	const struct agent_target *t;
	struct strbuf sb = STRBUF_INIT;
	size_t i, j, n = 0;

	for (i = 0; i < ids_nr; i++) {
		if (!(t = agent_target_find(ids[i]))) {
			free(list);
			return error_set(BOSUN_EUSAGE, "unknown agent target '%s' (known: "
					 "claude, qwen, opencode, copilot)", ids[i]);
		}
		for (j = 0; j < n && list[j] != t; j++)
			;
		if (j == n)
			list[n++] = t;
	}
	for (t = agent_targets; !ids_nr && t->id; t++) {
		fs_path_join(&sb, root, t->detect);
		if (fs_exists(sb.buf) || on_path(t->program))
			list[n++] = t;
	}
	if (!n)
		list[n++] = &agent_targets[0];
	strbuf_release(&sb);
	*out = list;
	*nr = n;
	return 0;
}

/* ------------------------------------------------------------ helpers */

static struct agent_op *new_op(struct agent_plan *plan, const char *target,
			       const char *path, const struct agents_env *env)
{
	struct agent_op *op;
	struct strbuf abs = STRBUF_INIT;

	ALLOC_GROW(plan->ops, plan->nr + 1, plan->alloc);
	op = &plan->ops[plan->nr++];
	memset(op, 0, sizeof(*op));
	strbuf_init(&op->content, 0);
	op->target = xstrdup(target);
	op->path = xstrdup(path);
	agents_rec_path(&abs, env, target, path);
	op->abs = strbuf_detach(&abs, NULL);
	return op;
}

static void set_reason(struct agent_op *op, const char *why)
{
	free(op->reason);
	op->reason = xstrdup(why);
}

static void copy_rec(struct agent_rec *dst, const struct agent_rec *src)
{
	*dst = *src;
	dst->target = xstrdup(src->target);
	dst->path = xstrdup(src->path);
	dst->template = xstrdup(src->template);
	dst->version = xstrdup(src->version);
	dst->deployed_at = xstrdup(src->deployed_at);
	dst->src = src->src ? xstrdup(src->src) : NULL;
	dst->renderer = src->renderer ? xstrdup(src->renderer) : NULL;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct agent_rec *x = a, *y = b;
	int c = strcmp(x->target, y->target);

	return c ? c : strcmp(x->path, y->path);
}

static const struct agent_rec *find_rec(const struct agent_rec *recs, size_t nr,
					const char *target, const char *path)
{
	struct agent_rec key;

	if (!nr)
		return NULL; /* bsearch() must not be handed a NULL array */
	key.target = (char *)target;
	key.path = (char *)path;
	return bsearch(&key, recs, nr, sizeof(key), cmp_rec);
}

/* The row a deploy leaves: the template, its version, the new bytes' hash. */
static void set_row(struct agent_op *op)
{
	op->rec_act = 1;
	op->rec_template = xstrdup(op->name);
	op->rec_version = xstrdup(op->version);
	memcpy(op->rec_hash, op->new_hash, sizeof(op->rec_hash));
}

/* A file that has no row: ours by its marker, claude-mpm's, or a person's. */
static void decide_unrecorded(struct agent_op *op, const struct strbuf *disk,
			      int flags)
{
	json_t *fm = NULL;
	size_t body;
	int marker = 0;

	if (agent_file_parse(&fm, &body, &marker, disk->buf, disk->len) < 0)
		error_clear();
	if (marker && !strcmp(op->prev_hash, op->new_hash)) {
		op->act = ACT_SKIP;
		set_row(op);
	} else if (marker) {
		op->act = flags & AGENT_FORCE ? ACT_UPDATE : ACT_MODIFIED;
		op->forced = !!(flags & AGENT_FORCE);
		set_reason(op, "carries bosun's marker but no record, and differs");
	} else if (fm && agent_is_claude_mpm(fm) && (flags & AGENT_ADOPT)) {
		const char *v = json_string_value(json_object_get(fm, "version"));
		struct strbuf why = STRBUF_INIT;

		op->act = ACT_MIGRATE;
		strbuf_addf(&why, "from claude-mpm's version %s", v ? v : "(none)");
		set_reason(op, why.buf);
		strbuf_release(&why);
	} else if (fm && agent_is_claude_mpm(fm)) {
		op->act = ACT_CONFLICT;
		set_reason(op, "written by claude-mpm; --adopt takes it over");
	} else {
		op->act = ACT_CONFLICT;
		set_reason(op, "not written by bosun; never touched");
	}
	json_decref(fm);
}

static void decide(struct agent_op *op, const struct agent_rec *rec,
		   const struct strbuf *disk, int present, int flags)
{
	if (rec)
		copy_rec(&op->old, rec);
	if (!present) {
		op->act = ACT_DEPLOY;
	} else if (!rec) {
		decide_unrecorded(op, disk, flags);
	} else if (!strcmp(op->prev_hash, rec->hash)) {
		op->act = strcmp(op->prev_hash, op->new_hash) ? ACT_UPDATE : ACT_SKIP;
		if (op->act == ACT_SKIP && strcmp(rec->version, op->version))
			set_row(op);
	} else if (!strcmp(op->prev_hash, op->new_hash)) {
		op->act = ACT_SKIP;
		set_row(op);
	} else if (flags & AGENT_FORCE) {
		op->act = ACT_UPDATE;
		op->forced = 1;
		set_reason(op, "edited since bosun wrote it; backed up and overwritten (--force)");
	} else {
		op->act = ACT_MODIFIED;
		set_reason(op, "edited since bosun wrote it; kept (--force overwrites it)");
	}
	if (op->act == ACT_DEPLOY || op->act == ACT_UPDATE || op->act == ACT_MIGRATE) {
		op->write = 1;
		set_row(op);
	}
}

static const char *target_dir(const struct agents_env *env,
			      const struct agent_target *tg, struct strbuf *key)
{
	strbuf_reset(key);
	strbuf_addf(key, "%s%s", env->user ? "user:" : "", tg->id);
	return env->user ? tg->user_dir : tg->dir;
}

/* What a deploy's planning shares: the rows, a file-system time taken
 * before any stat (for the racy rule), and each target folder's safety. */
/* What is done ahead of planning, on threads, for one file: its lstat,
 * and its rendering (t NULL: none). */
struct pre_render {
	struct agent_tmpl *t;
	const struct agent_target *tg;
	struct strbuf content;
	char hash[65];
	int stat_err;            /* 0, or lstat()'s errno */
	struct stat st;
};

struct plan_ctx {
	struct agent_set *set;
	struct pre_render *pre;  /* [target * set->nr + template] */
	const struct agent_rec *recs;
	size_t nr;
	long long ref;
	int dir_state[AGENT_TARGETS_NR + 1];  /* 0: not checked yet */
};

/* 1 when rec holds the hash of what t renders to for its target now. */
static int rec_renders(const struct agent_rec *rec, const struct agent_tmpl *t,
		       const struct agent_set *set)
{
	return rec && rec->src && rec->renderer && t->src &&
	       !strcmp(rec->renderer, AGENT_RENDERER) && !strcmp(rec->src, t->src) &&
	       !strcmp(rec->src_hash, t->src_hash) &&
	       !strcmp(rec->base_hash, set->base_hash);
}

/* Render t for tg into op->content (parsing a lazy template first). */
static int op_render(struct agent_op *op, struct agent_set *set,
		     struct agent_tmpl *t, const struct agent_target *tg)
{
	char h[65];
	int r;

	if (op->content.len)
		return 0;
	if ((r = agent_set_parse(set, t)) < 0 || (r = agent_render(&op->content, t, tg)) < 0)
		return r;
	sha256_hex(h, op->content.buf, op->content.len);
	if (op->new_hash[0] && strcmp(h, op->new_hash))
		return error_set(BOSUN_EINTERNAL, "'%s' renders to other bytes than "
				 "its record says: AGENT_RENDERER needs a new version",
				 op->path);
	memcpy(op->new_hash, h, sizeof(h));
	return 0;
}

/* The folders of dir below root: 1 all real folders, 2 some missing (so
 * no file below), 3 unsafe (a symlink or a non-folder on the way). */
static int dir_state(const char *root, const char *dir)
{
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	const char *c = dir;
	int state = 1;

	strbuf_addstr(&p, root);
	while (state == 1 && *c) {
		size_t n = strcspn(c, "/");

		strbuf_addch(&p, '/');
		strbuf_add(&p, c, n);
		c += n + !!c[n];
		if (lstat(p.buf, &st) < 0)
			state = 2;
		else if (!S_ISDIR(st.st_mode))
			state = 3;
	}
	strbuf_release(&p);
	return state;
}

/* The lstat() taken ahead, else taken now. */
static int pre_lstat(const struct pre_render *pre, const char *abs, struct stat *st)
{
	if (!pre)
		return lstat(abs, st);
	if (pre->stat_err) {
		errno = pre->stat_err;
		return -1;
	}
	*st = pre->st;
	return 0;
}

/*
 * GitHub Copilot refuses an agent profile whose prompt (the Markdown
 * below the frontmatter) is over AGENT_COPILOT_PROMPT_MAX characters:
 * that file is an error, not written, and says why.
 */
static int copilot_too_long(struct agent_op *op, const struct agent_tmpl *t,
			    const struct agent_target *tg)
{
	struct strbuf why = STRBUF_INIT;
	const unsigned char *p;
	size_t chars = 0;

	if (strcmp(tg->id, "copilot") || !t->instructions)
		return 0;
	for (p = (const unsigned char *)t->instructions; *p; p++)
		chars += (*p & 0xC0) != 0x80;
	if (chars <= AGENT_COPILOT_PROMPT_MAX)
		return 0;
	op->act = ACT_ERROR;
	strbuf_addf(&why, "the prompt (from %s) is %zu characters; GitHub Copilot "
		    "allows %d: not written", t->file ? t->file : t->name, chars,
		    AGENT_COPILOT_PROMPT_MAX);
	set_reason(op, why.buf);
	strbuf_release(&why);
	return 1;
}

static int plan_one(struct agent_plan *plan, struct agents_env *env,
		    struct plan_ctx *pc, size_t ti, struct agent_tmpl *t,
		    const struct agent_target *tg, int flags, struct pre_render *pre)
{
	struct strbuf key = STRBUF_INIT, rel = STRBUF_INIT, disk = STRBUF_INIT;
	const char *dir = target_dir(env, tg, &key);
	const struct agent_rec *rec;
	struct agent_op *op;
	struct stat st;
	int r = 0, present = 0, read = 0;

	strbuf_addf(&rel, "%s/%s%s", dir, t->name, tg->suffix);
	op = new_op(plan, key.buf, rel.buf, env);
	op->name = xstrdup(t->name);
	op->version = xstrdup(t->version);
	rec = find_rec(pc->recs, pc->nr, key.buf, rel.buf);
	/* The row says what this template renders to: no need to render. */
	if (rec_renders(rec, t, pc->set)) {
		memcpy(op->new_hash, rec->hash, sizeof(op->new_hash));
	} else if (pre && pre->t) {
		struct strbuf tmp = op->content;

		op->content = pre->content;
		pre->content = tmp;
		memcpy(op->new_hash, pre->hash, sizeof(op->new_hash));
	} else if ((r = op_render(op, pc->set, t, tg)) < 0) {
		goto out;
	}
	if (copilot_too_long(op, t, tg))
		goto out;
	if (!pc->dir_state[ti])
		pc->dir_state[ti] = dir_state(env->user ? env->home : env->root, dir);
	if (pc->dir_state[ti] == 3 || strstr(rel.buf, "..")) {
		op->act = ACT_ERROR;
		set_reason(op, "a symlink or a non-file is in the way; never followed");
		goto out;
	}
	if (pc->dir_state[ti] == 1 && pre_lstat(pre, op->abs, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			op->act = ACT_ERROR;
			set_reason(op, "a symlink or a non-file is in the way; never followed");
			goto out;
		}
		present = 1;
		/* Unchanged since bosun wrote it, by its stat: not read. */
		if (rec && agents_stat_fresh(rec, &st)) {
			memcpy(op->prev_hash, rec->hash, sizeof(op->prev_hash));
			op->st = rec->st;
		} else {
			read = 1;
			stat_stamp_take(&op->st, &st, statcache_ref(pc->ref, &st));
		}
	} else if (pc->dir_state[ti] == 1 && errno != ENOENT) {
		present = read = 1;
	}
	if (read) {
		r = fs_read_file(&disk, op->abs, AGENT_FILE_MAX);
		if (r < 0 && r != -BOSUN_ENOTFOUND) {
			op->act = ACT_ERROR;
			set_reason(op, error_message());
			error_clear();
			r = 0;
			goto out;
		}
		present = r == 0;
		if (present)
			sha256_hex(op->prev_hash, disk.buf, disk.len);
		error_clear();
	}
	decide(op, rec, present ? &disk : NULL, present, flags);
	r = 0;
	if (op->write == 1 && (r = op_render(op, pc->set, t, tg)) < 0)
		goto out;
	if (op->rec_act == 1) {
		memcpy(op->rec_hash, op->new_hash, sizeof(op->rec_hash));
		op->rec_src = xstrdup(t->src ? t->src : "");
		memcpy(op->rec_src_hash, t->src_hash, sizeof(op->rec_src_hash));
		memcpy(op->rec_base_hash, pc->set->base_hash, sizeof(op->rec_base_hash));
	}
out:
	strbuf_release(&key);
	strbuf_release(&rel);
	strbuf_release(&disk);
	return r;
}

static int wanted(const char *name, const char *const *only, size_t only_nr)
{
	size_t i;

	for (i = 0; i < only_nr; i++)
		if (!strcmp(only[i], name))
			return 1;
	return !only_nr;
}

static int render_ahead(void *data, size_t i)
{
	struct pre_render *p = (struct pre_render *)data + i;
	int r;

	if (!p->t)
		return 0;
	if ((r = agent_render(&p->content, p->t, p->tg)) < 0)
		return r;
	sha256_hex(p->hash, p->content.buf, p->content.len);
	return 0;
}

/*
 * Render, on a few threads, every file whose row does not say what it
 * renders to (all of them on a first deploy): rendering is most of a
 * deploy's own work. Templates are parsed first, here, one at a time.
 */
static int pre_render(struct plan_ctx *pc, struct agents_env *env,
		      const char *const *only, size_t only_nr)
{
	struct agent_set *set = pc->set;
	struct strbuf key = STRBUF_INIT, rel = STRBUF_INIT, abs = STRBUF_INIT;
	size_t i, j, k, n = env->targets_nr * set->nr, want = 0;
	char **paths = xcalloc(n ? n : 1, sizeof(*paths));
	struct stat *st = xcalloc(n ? n : 1, sizeof(*st));
	int *err = xcalloc(n ? n : 1, sizeof(*err)), r = 0;

	pc->pre = xcalloc(n ? n : 1, sizeof(*pc->pre));
	for (j = 0; j < env->targets_nr && r >= 0; j++)
		for (i = 0; i < set->nr && r >= 0; i++) {
			struct agent_tmpl *t = &set->items[i];
			const struct agent_target *tg = env->targets[j];
			const char *dir;

			k = j * set->nr + i;
			if (!wanted(t->name, only, only_nr))
				continue;
			dir = target_dir(env, tg, &key);
			strbuf_reset(&rel);
			strbuf_addf(&rel, "%s/%s%s", dir, t->name, tg->suffix);
			agents_rec_path(&abs, env, key.buf, rel.buf);
			paths[k] = xstrdup(abs.buf);
			if (rec_renders(find_rec(pc->recs, pc->nr, key.buf, rel.buf), t, set))
				continue;
			if ((r = agent_set_parse(set, t)) < 0)
				break;
			pc->pre[k].t = t;
			pc->pre[k].tg = tg;
			want++;
		}
	strbuf_release(&key);
	strbuf_release(&rel);
	strbuf_release(&abs);
	/* Every file's lstat (a missing path fails with ENOENT). */
	for (k = 0; k < n; k++)
		if (!paths[k])
			paths[k] = xstrdup("");
	if (r >= 0)
		fs_stat_many((const char *const *)paths, n, 1, st, err);
	for (k = 0; k < n; k++) {
		pc->pre[k].st = st[k];
		pc->pre[k].stat_err = err[k];
		free(paths[k]);
	}
	free(paths);
	free(st);
	free(err);
	if (r >= 0 && want)
		r = parallel_for(n, 64, render_ahead, pc->pre);
	return r;
}

int agents_plan_deploy(struct agent_plan *plan, struct agents_env *env,
		       struct agent_set *set, const char *const *only,
		       size_t only_nr, int flags)
{
	struct plan_ctx pc;
	size_t i, j;
	int r;

	for (i = 0; i < only_nr; i++)
		if (!agent_set_find(set, only[i]))
			return error_set(BOSUN_ENOTFOUND, "no agent template named '%s'",
					 only[i]);
	if ((r = agents_env_records(env)) < 0)
		return r;
	memset(&pc, 0, sizeof(pc));
	pc.set = set;
	pc.recs = env->recs;
	pc.nr = env->recs_nr;
	pc.ref = statcache_clock();
	plan->kind = "deploy";
	r = pre_render(&pc, env, only, only_nr);
	for (j = 0; j < env->targets_nr && r >= 0; j++)
		for (i = 0; i < set->nr && r >= 0; i++)
			if (wanted(set->items[i].name, only, only_nr))
				r = plan_one(plan, env, &pc, j < AGENT_TARGETS_NR ? j :
					     AGENT_TARGETS_NR, &set->items[i],
					     env->targets[j], flags,
					     &pc.pre[j * set->nr + i]);
	for (i = 0; i < env->targets_nr * set->nr; i++)
		strbuf_release(&pc.pre[i].content);
	free(pc.pre);
	return r;
}

/* ------------------------------------------------------------ the cache */

struct cache_ix {
	const struct agents_env *env;
	const struct agent_rec **by_src;  /* rows with a src, by src, target */
	size_t nr;
	struct strbuf key, path;
};

static int cmp_src(const void *a, const void *b)
{
	const struct agent_rec *x = *(const struct agent_rec *const *)a;
	const struct agent_rec *y = *(const struct agent_rec *const *)b;
	int c = strcmp(x->src, y->src);

	return c ? c : strcmp(x->target, y->target);
}

static int tmpl_cached(void *data, const char *src, const char *src_hash,
		       const char *base_hash, const char **name,
		       const char **version)
{
	struct cache_ix *ix = data;
	const struct agents_env *env = ix->env;
	const struct agent_rec *found = NULL;
	size_t j, lo, hi;

	if (!env->targets_nr)
		return 0;
	for (j = 0; j < env->targets_nr; j++) {
		const struct agent_target *tg = env->targets[j];
		const struct agent_rec *hit = NULL;

		target_dir(env, tg, &ix->key);
		/* The first row of (src, target). */
		for (lo = 0, hi = ix->nr; lo < hi;) {
			size_t mid = lo + (hi - lo) / 2;
			const struct agent_rec *m = ix->by_src[mid];
			int c = strcmp(m->src, src);

			if (!c)
				c = strcmp(m->target, ix->key.buf);
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < ix->nr && !hit; lo++) {
			const struct agent_rec *m = ix->by_src[lo];

			if (strcmp(m->src, src) || strcmp(m->target, ix->key.buf))
				break;
			strbuf_reset(&ix->path);
			strbuf_addf(&ix->path, "%s/%s%s", env->user ? tg->user_dir :
				    tg->dir, m->template, tg->suffix);
			if (!strcmp(m->renderer, AGENT_RENDERER) &&
			    !strcmp(m->src_hash, src_hash) &&
			    !strcmp(m->base_hash, base_hash) &&
			    !strcmp(m->path, ix->path.buf) &&
			    (!found || (!strcmp(found->template, m->template) &&
					!strcmp(found->version, m->version))))
				hit = m;
		}
		if (!hit)
			return 0;
		found = hit;
	}
	*name = found->template;
	*version = found->version;
	return 1;
}

/* The template stat cache: the stored stats (by name), the reference
 * time taken before any template's stat, and the stats to store. */
struct tstat_ix {
	struct agent_tstat *have, *put;
	size_t have_nr, put_nr, put_alloc;
	long long ref;
};

static int cmp_tstat(const void *a, const void *b)
{
	return strcmp(((const struct agent_tstat *)a)->name,
		      ((const struct agent_tstat *)b)->name);
}

static const struct agent_tstat *tstat_find(const struct tstat_ix *tx,
					    const char *name)
{
	struct agent_tstat key;

	if (!tx->have_nr)
		return NULL;
	key.name = (char *)name;
	return bsearch(&key, tx->have, tx->have_nr, sizeof(key), cmp_tstat);
}

struct load_ix {
	struct cache_ix ix;
	struct tstat_ix tx;
};

static int tmpl_cached_cb(void *data, const char *src, const char *src_hash,
			  const char *base_hash, const char **name,
			  const char **version)
{
	struct load_ix *lx = data;

	return lx->ix.nr && tmpl_cached(&lx->ix, src, src_hash, base_hash, name,
					version);
}

static int tmpl_stat_hash(void *data, const char *src, const struct stat *st,
			  char hash[65])
{
	struct load_ix *lx = data;
	const struct agent_tstat *a = tstat_find(&lx->tx, src);

	if (!a || !stat_stamp_matches(&a->st, st) || !stat_stamp_trusted(&a->st))
		return 0;
	memcpy(hash, a->hash, 65);
	return 1;
}

static void tmpl_stat_seen(void *data, const char *src, const struct stat *st,
			   const char *hash)
{
	struct load_ix *lx = data;
	struct tstat_ix *tx = &lx->tx;
	const struct agent_tstat *a = tstat_find(tx, src);
	struct agent_tstat *n;

	if (a && stat_stamp_matches(&a->st, st) && stat_stamp_trusted(&a->st) &&
	    !strcmp(a->hash, hash))
		return;
	if (stat_racy(st, tx->ref))
		return;  /* racy: a later change could keep this stat */
	ALLOC_GROW(tx->put, tx->put_nr + 1, tx->put_alloc);
	n = &tx->put[tx->put_nr++];
	memset(n, 0, sizeof(*n));
	n->name = xstrdup(src);
	stat_stamp_take(&n->st, st, statcache_ref(tx->ref, st));
	memcpy(n->hash, hash, 65);
}

int agents_load_set(struct agent_set *set, struct agents_env *env,
		    const char *dir, const char *shown, const char *base,
		    int base_optional, struct agent_problems *pb)
{
	struct load_ix lx;
	struct agent_load_cache cache = { tmpl_cached_cb, tmpl_stat_hash,
					  tmpl_stat_seen, &lx };
	size_t i;
	int r;

	if ((r = agents_env_records(env)) < 0)
		return r;
	memset(&lx, 0, sizeof(lx));
	lx.ix.env = env;
	strbuf_init(&lx.ix.key, 0);
	strbuf_init(&lx.ix.path, 0);
	/* The reference time comes before any template's stat. */
	lx.tx.ref = statcache_clock();
	/* A cache: without it, every template is read; the log says why. */
	if (agents_tmpl_stats(&lx.tx.have, &lx.tx.have_nr, env, dir) < 0)
		agents_degraded("template stat cache not read");
	lx.ix.by_src = xcalloc(env->recs_nr + 1, sizeof(*lx.ix.by_src));
	for (i = 0; i < env->recs_nr; i++)
		if (env->recs[i].src && env->recs[i].renderer)
			lx.ix.by_src[lx.ix.nr++] = &env->recs[i];
	if (lx.ix.nr)
		qsort(lx.ix.by_src, lx.ix.nr, sizeof(*lx.ix.by_src), cmp_src);
	r = agent_set_load_cached(set, dir, shown, base, base_optional, pb, &cache);
	/* Best effort: a store we cannot update now only costs reads later. */
	if (r >= 0 && !env->read &&
	    agents_tmpl_stats_put(env, dir, lx.tx.put, lx.tx.put_nr) < 0)
		agents_degraded("template stat cache not kept");
	agent_tstats_free(lx.tx.have, lx.tx.have_nr);
	agent_tstats_free(lx.tx.put, lx.tx.put_nr);
	free(lx.ix.by_src);
	strbuf_release(&lx.ix.key);
	strbuf_release(&lx.ix.path);
	return r;
}

/* ------------------------------------------------------------ clean */

static int target_selected(const struct agents_env *env, const char *key)
{
	size_t i;

	if (!strncmp(key, "user:", 5) != !!env->user)
		return 0;
	if (env->user)
		key += 5;
	for (i = 0; i < env->targets_nr; i++)
		if (!strcmp(env->targets[i]->id, key))
			return 1;
	return 0;
}

int agents_plan_clean(struct agent_plan *plan, struct agents_env *env)
{
	struct agent_rec *recs = NULL;
	size_t nr = 0, i;
	int r;

	if ((r = agents_records(&recs, &nr, env)) < 0)
		return r;
	plan->kind = "clean";
	for (i = 0; i < nr; i++) {
		struct agent_op *op;
		const char *state;

		if (!target_selected(env, recs[i].target))
			continue;
		op = new_op(plan, recs[i].target, recs[i].path, env);
		op->name = xstrdup(recs[i].template);
		op->version = xstrdup(recs[i].version);
		copy_rec(&op->old, &recs[i]);
		state = agents_file_state(env, &recs[i], op->prev_hash);
		if (!strcmp(state, "ok") || !strcmp(state, "missing")) {
			op->act = ACT_REMOVE;
			op->write = !strcmp(state, "ok") ? 2 : 0;
			op->rec_act = 2;
		} else {
			op->act = strcmp(state, "modified") ? ACT_ERROR : ACT_MODIFIED;
			set_reason(op, !strcmp(state, "modified") ?
				   "edited since bosun wrote it; kept" : state);
		}
	}
	agent_recs_free(recs, nr);
	return 0;
}

/* ------------------------------------------------------------ rollback */

static int last_deploy(struct agents_env *env, char **id, json_t **man)
{
	static const char *const kinds[] = { "deploy", "clean", NULL };
	static const char *const states[] = { "done", "interrupted", NULL };
	struct store_agent_deploy d;
	int r;

	r = store_agent_deploy_latest(env->st, kinds, states, &d);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		return error_set(BOSUN_ENOTFOUND, "no agent deployment to roll back");
	}
	if (r < 0)
		return r;
	*man = d.manifest ? json_loads(d.manifest, 0, NULL) : NULL;
	if (!*man) {
		store_agent_deploy_clear(&d);
		return error_set(BOSUN_EINTERNAL, "the record of deployment is unreadable");
	}
	*id = (char *)d.id;
	d.id = NULL;
	store_agent_deploy_clear(&d);
	return 0;
}

/* Undo one manifest entry: the bytes before it (its backup, or no file)
 * and the row before it. */
static int plan_undo(struct agent_plan *plan, struct agents_env *env,
		     const json_t *e)
{
	struct agent_op *op = new_op(plan, json_get_str(e, "target", ""), json_get_str(e, "path", ""), env);
	const json_t *before = json_object_get(e, "before");
	struct strbuf disk = STRBUF_INIT, bpath = STRBUF_INIT;
	char h[65] = "";
	int r = 0;

	op->name = xstrdup(json_get_str(e, "name", ""));
	op->version = xstrdup(json_is_object(before) ? json_get_str(before, "version", "") : "");
	op->act = ACT_RESTORE;
	memcpy(op->new_hash, json_get_str(e, "prev_hash", ""), strnlen(json_get_str(e, "prev_hash", ""), 64));
	if (fs_read_file(&disk, op->abs, AGENT_FILE_MAX) == 0)
		sha256_hex(h, disk.buf, disk.len);
	error_clear();
	memcpy(op->prev_hash, h, sizeof(h));
	if (!agent_path_safe(strncmp(op->target, "user:", 5) ? env->root : env->home,
			     op->path)) {
		op->act = ACT_ERROR;
		set_reason(op, "a symlink or a non-file is in the way; never followed");
		goto out;
	}
	if (strcmp(h, op->new_hash) && strcmp(h, json_get_str(e, "new_hash", ""))) {
		op->act = ACT_MODIFIED;
		set_reason(op, "edited since that deployment; kept");
		goto out;
	}
	if (strcmp(h, op->new_hash)) {
		op->write = op->new_hash[0] ? 1 : 2;
		if (op->write == 2)
			op->act = ACT_REMOVE; /* there was no file before it */
		if (op->write == 1) {
			fs_path_join(&bpath, env->agents_dir, json_get_str(e, "backup", ""));
			if ((r = fs_read_file(&op->content, bpath.buf, AGENT_FILE_MAX)) < 0)
				goto out;
			op->backup = xstrdup(json_get_str(e, "backup", ""));
		}
	}
	op->rec_act = json_is_object(before) ? 1 : 2;
	if (op->rec_act == 1) {
		op->rec_template = xstrdup(json_get_str(before, "template", ""));
		op->rec_version = xstrdup(json_get_str(before, "version", ""));
		memcpy(op->rec_hash, json_get_str(before, "hash", ""), strnlen(json_get_str(before, "hash", ""), 64));
	}
out:
	strbuf_release(&disk);
	strbuf_release(&bpath);
	return r;
}

int agents_plan_rollback(struct agent_plan *plan, struct agents_env *env)
{
	json_t *man = NULL, *entries;
	char *id = NULL;
	size_t i;
	int r;

	if ((r = last_deploy(env, &id, &man)) < 0)
		return r;
	plan->kind = "rollback";
	plan->rollback_of = id;
	entries = json_object_get(man, "entries");
	for (i = json_array_size(entries); i-- > 0 && r >= 0;)
		r = plan_undo(plan, env, json_array_get(entries, i));
	json_decref(man);
	return r;
}
