/*
 * snapshot.c - the no-op snapshot (agents.h, docs/agents.md "Speed").
 *
 * After a deploy that found every file up to date, the store keeps the
 * stat of everything that deploy read: the templates folder and each of
 * its entries, the target folders, and each agent file. The next deploy
 * with the same settings stats them again; when nothing moved, its plan is
 * the same (every file skipped) and is built from the snapshot, without
 * reading the store's rows, the templates or the files. Anything that
 * changes a row removes the snapshot in the same transaction (store.c),
 * and a stat too close to when it was taken (the racy-git rule) means no
 * snapshot is kept.
 *
 * The data, one entry per line:
 *
 *	KIND MODE INO SIZE MTIME CTIME<TAB>PATH[<TAB>TARGET<TAB>REL<TAB>NAME<TAB>VERSION]
 *
 * KIND is s (stat), l (lstat) or o (an agent file, lstat, with the rest);
 * MODE 0 means the path did not exist; times are in ns.
 */
#include "lib/agents/agents.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "lib/store/store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SNAP_HEADER "bosun-agents-snapshot 1\n"
/* The most a snapshot holds: far beyond any agents folder. */
#define SNAP_MAX_BYTES (64 * 1024 * 1024)

/* ------------------------------------------------------------ parsing */

void agent_snapshot_free(struct agent_snap_entry *e, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(e[i].path);
		free(e[i].target);
		free(e[i].rel);
		free(e[i].name);
		free(e[i].version);
	}
	free(e);
}

/* A decimal number (a leading '-' allowed) then one sep; NULL when not. */
static const char *number(const char *p, const char *end, long long *out, char sep)
{
	unsigned long long v = 0;
	int neg = 0, digits = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (unsigned long long)LLONG_MAX / 10)
			return NULL;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (!digits || v > (unsigned long long)LLONG_MAX || p >= end || *p != sep)
		return NULL;
	*out = neg ? -(long long)v : (long long)v;
	return p + 1;
}

/* The next field up to a tab or the end of the line; NULL when empty or
 * when it holds a NUL (a path cannot, and a C string would cut it short). */
static char *field(const char **p, const char *end)
{
	const char *s = *p, *e = s;

	while (e < end && *e != '\t')
		e++;
	*p = e < end ? e + 1 : e;
	if (e == s || memchr(s, '\0', (size_t)(e - s)))
		return NULL;
	return xstrndup(s, (size_t)(e - s));
}

int agent_snapshot_parse(struct agent_snap_entry **out, size_t *nr,
			 const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	struct agent_snap_entry *v = NULL;
	size_t n = 0, alloc = 0, hl = strlen(SNAP_HEADER);

	*out = NULL;
	*nr = 0;
	if (len < hl || memcmp(data, SNAP_HEADER, hl))
		return error_set(BOSUN_EDATA, "not a snapshot");
	for (p += hl; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct agent_snap_entry *e;
		long long f[5];
		int k;

		if (!eol || eol - p < 3 || !strchr("slo", *p) || p[1] != ' ')
			goto bad;
		ALLOC_GROW(v, n + 1, alloc);
		e = &v[n++];
		memset(e, 0, sizeof(*e));
		e->kind = *p;
		for (p += 2, k = 0; k < 5 && p; k++)
			p = number(p, eol, &f[k], k < 4 ? ' ' : '\t');
		if (!p)
			goto bad;
		e->mode = f[0];
		e->ino = f[1];
		e->size = f[2];
		e->mtime = f[3];
		e->ctime = f[4];
		e->path = field(&p, eol);
		if (!e->path)
			goto bad;
		if (e->kind == 'o') {
			e->target = field(&p, eol);
			e->rel = field(&p, eol);
			e->name = field(&p, eol);
			e->version = field(&p, eol);
			if (!e->target || !e->rel || !e->name || !e->version)
				goto bad;
		}
		if (p != eol)
			goto bad;
		p = eol + 1;
	}
	*out = v;
	*nr = n;
	return 0;
bad:
	agent_snapshot_free(v, n);
	return error_set(BOSUN_EDATA, "a bad snapshot line at byte %zu",
			 (size_t)(p ? p - data : 0));
}

/* ------------------------------------------------------------ the key */

void agents_snapshot_key(char key[65], const struct agents_env *env,
			 const char *src_dir, const char *base, int flags)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	/* NUL between fields: no two settings run together alike. */
	strbuf_addstr(&sb, SNAP_HEADER AGENT_RENDERER);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, env->root);
	strbuf_addch(&sb, '\0');
	strbuf_addf(&sb, "%d%c%s%c%d", env->user, '\0', env->user && env->home ?
		    env->home : "", '\0', flags);
	strbuf_addch(&sb, '\0');
	for (i = 0; i < env->targets_nr; i++) {
		strbuf_addstr(&sb, env->targets[i]->id);
		strbuf_addch(&sb, '\0');
	}
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, src_dir);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, base ? base : "");
	sha256_hex(key, sb.buf, sb.len);
	strbuf_release(&sb);
}

/* ------------------------------------------------------------ saving */

struct snap_writer {
	struct strbuf data;
	long long ref;
	int racy;
};

static void add_entry(struct snap_writer *w, char kind, const char *path,
		      const char *extra)
{
	struct stat st;
	int r;

	if (strchr(path, '\t') || strchr(path, '\n') ||
	    (extra && strchr(extra, '\n'))) {
		w->racy = 1;  /* not writable in this form: keep none */
		return;
	}
	r = kind == 's' ? stat(path, &st) : lstat(path, &st);
	if (r < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			w->racy = 1;
		strbuf_addf(&w->data, "%c 0 0 0 0 0\t%s", kind, path);
	} else {
		if (stat_racy(&st, w->ref))
			w->racy = 1;
		strbuf_addf(&w->data, "%c %lld %lld %lld %lld %lld\t%s", kind,
			    (long long)st.st_mode, (long long)st.st_ino,
			    (long long)st.st_size, stat_ns(&st.st_mtim), stat_ns(&st.st_ctim), path);
	}
	if (extra) {
		strbuf_addch(&w->data, '\t');
		strbuf_addstr(&w->data, extra);
	}
	strbuf_addch(&w->data, '\n');
}

/* Each folder on the way from root to root/dir. */
static void add_dirs(struct snap_writer *w, const char *root, const char *dir)
{
	struct strbuf p = STRBUF_INIT;
	const char *c = dir;

	strbuf_addstr(&p, root);
	while (*c) {
		size_t n = strcspn(c, "/");

		strbuf_addch(&p, '/');
		strbuf_add(&p, c, n);
		c += n + !!c[n];
		add_entry(w, 'l', p.buf, NULL);
	}
	strbuf_release(&p);
}

static int all_skipped(const struct agent_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nr; i++)
		if (plan->ops[i].act != ACT_SKIP)
			return 0;
	return 1;
}

int agents_snapshot_save(struct agents_env *env, const char *key,
			 const char *src_dir, const char *base,
			 const struct agent_plan *plan)
{
	struct snap_writer w = { STRBUF_INIT, 0, 0 };
	struct strbuf p = STRBUF_INIT, extra = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	size_t i;
	int r = 0;

	if (!all_skipped(plan) || env->user)
		return 0;
	/* The reference time comes before any stat. */
	w.ref = statcache_clock();
	strbuf_addstr(&w.data, SNAP_HEADER);
	add_entry(&w, 's', src_dir, NULL);
	if (!(d = opendir(src_dir))) {
		strbuf_release(&w.data);
		return 0;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_reset(&p);
		fs_path_join(&p, src_dir, de->d_name);
		add_entry(&w, 's', p.buf, NULL);
	}
	closedir(d);
	if (base && *base) {
		strbuf_reset(&p);
		fs_path_join(&p, src_dir, base);
		add_entry(&w, 's', p.buf, NULL);
	}
	for (i = 0; i < env->targets_nr; i++)
		add_dirs(&w, env->root, env->targets[i]->dir);
	for (i = 0; i < plan->nr && !w.racy; i++) {
		const struct agent_op *op = &plan->ops[i];

		strbuf_reset(&extra);
		strbuf_addf(&extra, "%s\t%s\t%s\t%s", op->target, op->path,
			    op->name ? op->name : "", op->version ? op->version : "");
		if (!*op->target || !*op->path || !op->name || !*op->name ||
		    !op->version || !*op->version || strchr(op->target, '\t') ||
		    strchr(op->path, '\t') || strchr(op->name, '\t') ||
		    strchr(op->version, '\t'))
			w.racy = 1;
		add_entry(&w, 'o', op->abs, extra.buf);
	}
	if (w.racy)
		goto out;
	r = store_snapshot_put(env->st, env->root, key, w.data.buf, w.data.len);
out:
	strbuf_release(&w.data);
	strbuf_release(&p);
	strbuf_release(&extra);
	return r;
}

/* ------------------------------------------------------------ using */

/* 1 and out filled when the work tree has a snapshot for key. */
static int read_snapshot(struct agents_env *env, const char *key, struct strbuf *out)
{
	struct strbuf k = STRBUF_INIT;
	int r;

	r = store_snapshot_get(env->st, env->root, &k, out);
	if (r > 0 && (strcmp(k.buf, key) || !out->len || out->len > SNAP_MAX_BYTES)) {
		strbuf_reset(out);
		r = 0;
	}
	strbuf_release(&k);
	return r;
}

/* 1 when the entry's path is as it was. */
static int unchanged(const struct agent_snap_entry *e, const struct stat *st, int err)
{
	if (!e->mode)
		return err == ENOENT || err == ENOTDIR;
	return !err && (long long)st->st_mode == e->mode &&
	       (long long)st->st_ino == e->ino && (long long)st->st_size == e->size &&
	       stat_ns(&st->st_mtim) == e->mtime && stat_ns(&st->st_ctim) == e->ctime;
}

int agents_snapshot_use(struct agent_plan *plan, struct agents_env *env,
			const char *key)
{
	struct strbuf data = STRBUF_INIT;
	struct agent_snap_entry *e = NULL;
	const char **follow, **nofollow;
	struct stat *st_f, *st_n;
	int *err_f, *err_n, same = 1, r = 0;
	size_t nr = 0, i, nf = 0, nn = 0;

	/* No usable snapshot: the full path runs. A store that cannot give
	 * it is logged, and met again by the full path. */
	if (env->user || (r = read_snapshot(env, key, &data)) <= 0 ||
	    agent_snapshot_parse(&e, &nr, data.buf, data.len) < 0) {
		if (r < 0)
			agents_degraded("no-op snapshot not read");
		error_clear();
		strbuf_release(&data);
		return 0;
	}
	strbuf_release(&data);
	follow = xcalloc(nr + 1, sizeof(*follow));
	nofollow = xcalloc(nr + 1, sizeof(*nofollow));
	st_f = xcalloc(nr + 1, sizeof(*st_f));
	st_n = xcalloc(nr + 1, sizeof(*st_n));
	err_f = xcalloc(nr + 1, sizeof(*err_f));
	err_n = xcalloc(nr + 1, sizeof(*err_n));
	for (i = 0; i < nr; i++)
		if (e[i].kind == 's')
			follow[nf++] = e[i].path;
		else
			nofollow[nn++] = e[i].path;
	fs_stat_many(follow, nf, 0, st_f, err_f);
	fs_stat_many(nofollow, nn, 1, st_n, err_n);
	for (i = 0, nf = nn = 0; i < nr && same; i++) {
		if (e[i].kind == 's') {
			same = unchanged(&e[i], &st_f[nf], err_f[nf]);
			nf++;
		} else {
			same = unchanged(&e[i], &st_n[nn], err_n[nn]);
			nn++;
		}
	}
	for (i = 0; i < nr && same; i++) {
		struct agent_op *op;

		if (e[i].kind != 'o')
			continue;
		ALLOC_GROW(plan->ops, plan->nr + 1, plan->alloc);
		op = &plan->ops[plan->nr++];
		memset(op, 0, sizeof(*op));
		strbuf_init(&op->content, 0);
		op->act = ACT_SKIP;
		op->target = e[i].target;
		op->path = e[i].rel;
		op->abs = e[i].path;
		op->name = e[i].name;
		op->version = e[i].version;
		e[i].target = e[i].rel = e[i].path = e[i].name = e[i].version = NULL;
	}
	if (!same) {
		agent_plan_release(plan);
	} else {
		plan->kind = "deploy";
	}
	agent_snapshot_free(e, nr);
	free(follow);
	free(nofollow);
	free(st_f);
	free(st_n);
	free(err_f);
	free(err_n);
	return same;
}
