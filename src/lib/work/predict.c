/*
 * predict.c - conflict prediction (work.h, docs/work.md): each branch
 * merged with the integration tip, and every pair of branches merged with
 * each other, by `git merge-tree --write-tree --name-only -z` (a merge
 * made in the object database only: no worktree, no index is touched).
 *
 * A merge's answer depends only on its two commits, so it is cached in the
 * store under the pair of ids (smaller first: a merge is symmetric for what
 * conflicts); a warm status runs no merge for a pair that has not moved.
 * The merges the cache lacks are handed to a few `git merge-tree --stdin`
 * processes at once (core/parallel), each merging its share one per line.
 */
#include "lib/work/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"
#include "lib/git/run.h"
#include "lib/store/store.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The most git merge-tree processes at once. */
#define PROCS_MAX 8

struct pair {
	const char *a, *b;      /* commits, a < b */
	const char *ida, *idb;  /* their names (idb NULL: the tip) */
	int hit, clean;
	struct strbuf files;    /* conflicted paths, NUL-separated */
	size_t nr;
};

struct batch {
	const char *dir;
	struct pair **todo;
	size_t nr, chunks;
	char **err;             /* per chunk */
};

static int run_chunk(void *data, size_t c)
{
	struct batch *b = data;
	size_t lo = b->nr * c / b->chunks, hi = b->nr * (c + 1) / b->chunks, i, pos = 0;
	const char *args[] = { "merge-tree", "--stdin", "--write-tree", "--name-only", "-z",
			       NULL };
	struct gitrun g = GITRUN_INIT;
	struct strbuf in = STRBUF_INIT, tree = STRBUF_INIT;
	int r;

	for (i = lo; i < hi; i++)
		strbuf_addf(&in, "%s %s\n", b->todo[i]->a, b->todo[i]->b);
	g.dir = b->dir;
	g.in = in.buf;
	g.in_len = in.len;
	if ((r = gitrun_exec(&g, args)) < 0)
		goto out;
	for (i = lo; i < hi; i++) {
		struct pair *p = b->todo[i];
		r = work_merge_tree_next(g.out.buf, g.out.len, &pos, &p->clean, &tree,
					 &p->files, &p->nr);
		if (r == 1)
			r = error_set(BOSUN_EDATA, "git merge-tree: %zu merges asked, "
				      "fewer answered", hi - lo);
		if (r < 0)
			goto out;
	}
out:
	if (r < 0) {
		b->err[c] = xstrdup(error_message());
		error_clear();
	}
	gitrun_release(&g);
	strbuf_release(&in);
	strbuf_release(&tree);
	return 0;
}

static void pair_init(struct pair *p, const char *x, const char *idx, const char *y,
		      const char *idy)
{
	int swap = strcmp(x, y) > 0;

	p->a = swap ? y : x;
	p->b = swap ? x : y;
	p->ida = idx;
	p->idb = idy;
	strbuf_init(&p->files, 0);
}

int work_predict(struct store *st, const char *dir, const char *tip,
		 char *const *ids, char *const *heads, size_t nr,
		 struct work_status_report *out)
{
	size_t n = nr + nr * (nr - (nr > 0)) / 2, k = 0, i, j, todo_nr = 0;
	struct pair *pairs = xcalloc(n + 1, sizeof(*pairs));
	struct pair **todo = xcalloc(n + 1, sizeof(*todo));
	struct strbuf key = STRBUF_INIT, val = STRBUF_INIT;
	struct batch b = { 0 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int r = 0;

	for (i = 0; i < nr; i++)
		pair_init(&pairs[k++], heads[i], ids[i], tip, NULL);
	for (i = 0; i < nr; i++)
		for (j = i + 1; j < nr; j++)
			pair_init(&pairs[k++], heads[i], ids[i], heads[j], ids[j]);
	out->predicted = 1;
	out->pairs = n;
	for (i = 0; i < n; i++) {
		struct pair *p = &pairs[i];
		/* a commit merged with itself is itself */
		if (!strcmp(p->a, p->b)) {
			p->hit = p->clean = 1;
			continue;
		}
		work_cache_key(&key, WORK_KEY_MERGE, p->a, p->b);
		strbuf_reset(&val);
		r = store_cache_get(st, key.buf, &val, NULL);
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			todo[todo_nr++] = p;
			r = 0;
			continue;
		}
		if (r < 0)
			goto out;
		p->hit = 1;
		/* "clean", or "conflict" then NUL and the paths */
		p->clean = !strcmp(val.buf, "clean");
		if (!p->clean && val.len > 9) {
			size_t pos;
			strbuf_add(&p->files, val.buf + 9, val.len - 9);
			for (pos = 0; pos < p->files.len; pos += strlen(p->files.buf + pos) + 1)
				p->nr++;
		}
	}
	if (todo_nr) {
		b.dir = dir;
		b.todo = todo;
		b.nr = todo_nr;
		b.chunks = cpus > 0 ? (size_t)cpus : 1;
		b.chunks = b.chunks > PROCS_MAX ? PROCS_MAX : b.chunks;
		b.chunks = b.chunks > todo_nr ? todo_nr : b.chunks;
		b.err = xcalloc(b.chunks, sizeof(*b.err));
		parallel_for(b.chunks, 1, run_chunk, &b);
		for (i = 0; i < b.chunks; i++)
			if (b.err[i] && r == 0)
				r = error_set(BOSUN_EFAIL, "%s", b.err[i]);
		if (r < 0)
			goto out;
		out->merge_trees = todo_nr;
		/* a store that cannot be written costs only the next run's time */
		if (store_begin(st, STORE_TX_WRITE) == 0) {
			for (i = 0; r >= 0 && i < todo_nr; i++) {
				struct pair *p = todo[i];
				strbuf_reset(&val);
				strbuf_addstr(&val, p->clean ? "clean" : "conflict");
				if (!p->clean) {
					strbuf_addch(&val, '\0');
					strbuf_addbuf(&val, &p->files);
				}
				work_cache_key(&key, WORK_KEY_MERGE, p->a, p->b);
				r = store_cache_put(st, key.buf, val.buf, val.len, NULL);
			}
			if (r < 0 || store_commit(st) < 0)
				store_rollback(st);
		}
		error_clear();
		r = 0;
	}
	for (i = 0; i < n; i++) {
		struct pair *p = &pairs[i];
		struct work_conflict *c;
		if (p->clean)
			continue;
		out->conf = xrealloc(out->conf, (out->conf_nr + 1) * sizeof(*out->conf));
		c = &out->conf[out->conf_nr++];
		c->a = xstrdup(p->ida);
		c->b = p->idb ? xstrdup(p->idb) : NULL;
		strbuf_init(&c->files, 0);
		strbuf_addbuf(&c->files, &p->files);
		c->nr = p->nr;
	}
out:
	for (i = 0; b.err && i < b.chunks; i++)
		free(b.err[i]);
	free(b.err);
	for (i = 0; i < n; i++)
		strbuf_release(&pairs[i].files);
	free(pairs);
	free(todo);
	strbuf_release(&key);
	strbuf_release(&val);
	return r;
}
