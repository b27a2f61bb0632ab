/*
 * plan.c - a work plan read from YAML, checked, ordered (work.h).
 */
#include "lib/work/work.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/yaml/ytree.h"

#include <stdlib.h>
#include <string.h>

/* Caps that keep the overlap test (quadratic in a pattern's length) and
 * the ordering small for any input. */
#define PATTERN_MAX 256
#define STREAMS_MAX 256

static const char *const plan_keys[] = { "task", "title", "base", "workstreams", NULL };
static const char *const stream_keys[] = {
	"id", "agent", "owns", "test", "checklist", "context", "contract",
	"depends_on", NULL,
};

int work_id_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return !strstr(s, "..") && !(n >= 5 && !strcmp(s + n - 5, ".lock"));
}

/* The key of keys closest to s (one edit, or a prefix), for a hint. */
static const char *closest(const char *s, const char *const *keys)
{
	size_t i, ls = strlen(s);

	for (i = 0; keys[i]; i++) {
		size_t lk = strlen(keys[i]), a = 0, b = 0, diff = 0;
		if (ls + 1 < lk || lk + 1 < ls)
			continue;
		while (a < ls && b < lk) {
			if (s[a] == keys[i][b]) {
				a++, b++;
				continue;
			}
			if (++diff > 1)
				break;
			if (ls > lk)
				a++;
			else if (lk > ls)
				b++;
			else
				a++, b++;
		}
		diff += (ls - a) + (lk - b);
		if (diff <= 1)
			return keys[i];
	}
	return NULL;
}

static int check_keys(const struct ytree *t, const struct ynode *map,
		      const char *const *keys, const char *where)
{
	size_t i, k;

	for (i = 0; i + 1 < map->nr; i += 2) {
		const struct ynode *key = map->kids[i];
		const char *near;
		if (key->type != Y_SCALAR)
			return ytree_error(t, key, "a key of %s must be a string", where);
		for (k = 0; keys[k] && strcmp(keys[k], key->text); k++)
			;
		if (keys[k])
			continue;
		near = closest(key->text, keys);
		return ytree_error(t, key, "unknown key '%s' in %s%s%s%s", key->text,
				   where, near ? " (did you mean '" : "",
				   near ? near : "", near ? "'?)" : "");
	}
	return 0;
}

static int scalar(const struct ytree *t, const struct ynode *n, const char *what,
		  char **out)
{
	if (!n || ynode_is_null(n))
		return 0;
	if (n->type != Y_SCALAR)
		return ytree_error(t, n, "%s must be a string", what);
	free(*out);
	*out = xstrdup(n->text);
	return 0;
}

/* A list of strings (or, with one_ok, one string) into a NULL-terminated
 * array; each item's position when lines is set. */
static int strlist(const struct ytree *t, const struct ynode *n, const char *what,
		   int one_ok, char ***out, size_t *nr, int **lines, int **cols)
{
	size_t i, count;

	if (!n || ynode_is_null(n))
		return 0;
	if (n->type == Y_SCALAR && one_ok)
		count = 1;
	else if (n->type == Y_SEQ)
		count = n->nr;
	else
		return ytree_error(t, n, "%s must be a list of strings", what);
	*out = xcalloc(count + 1, sizeof(**out));
	if (lines) {
		*lines = xcalloc(count + 1, sizeof(**lines));
		*cols = xcalloc(count + 1, sizeof(**cols));
	}
	for (i = 0; i < count; i++) {
		const struct ynode *k = n->type == Y_SEQ ? n->kids[i] : n;
		if (k->type != Y_SCALAR || ynode_is_null(k))
			return ytree_error(t, k, "%s must be a list of strings", what);
		(*out)[i] = xstrdup(k->text);
		*nr = i + 1;
		if (lines) {
			(*lines)[i] = k->line;
			(*cols)[i] = k->col;
		}
	}
	return 0;
}

static int parse_stream(const struct ytree *t, const struct ynode *n,
			struct work_stream *w)
{
	const struct ynode *id = ynode_get(n, "id");
	size_t i;
	int r;

	w->line = n->line;
	w->col = n->col;
	if (n->type != Y_MAP)
		return ytree_error(t, n, "a workstream must be a mapping (id, owns, ...)");
	if ((r = check_keys(t, n, stream_keys, "a workstream")) < 0)
		return r;
	if (!id || ynode_is_null(id))
		return ytree_error(t, n, "a workstream needs an id");
	if ((r = scalar(t, id, "id", &w->id)) < 0)
		return r;
	if (!work_id_valid(w->id))
		return ytree_error(t, id, "invalid workstream id '%s' (letters, digits, "
				   "'.', '_', '-'; at most 64)", w->id);
	if ((r = scalar(t, ynode_get(n, "agent"), "agent", &w->agent)) < 0 ||
	    (r = scalar(t, ynode_get(n, "context"), "context", &w->context)) < 0 ||
	    (r = scalar(t, ynode_get(n, "contract"), "contract", &w->contract)) < 0 ||
	    (r = strlist(t, ynode_get(n, "owns"), "owns", 1, &w->owns, &w->owns_nr,
			 &w->owns_line, &w->owns_col)) < 0 ||
	    (r = strlist(t, ynode_get(n, "test"), "test", 1, &w->test, &w->test_nr,
			 NULL, NULL)) < 0 ||
	    (r = strlist(t, ynode_get(n, "checklist"), "checklist", 0, &w->checklist,
			 &w->checklist_nr, NULL, NULL)) < 0 ||
	    (r = strlist(t, ynode_get(n, "depends_on"), "depends_on", 1,
			 &w->depends_on, &w->depends_nr, &w->dep_line, &w->dep_col)) < 0)
		return r;
	for (i = 0; i < w->owns_nr; i++)
		if (!*w->owns[i] || strlen(w->owns[i]) > PATTERN_MAX)
			return error_set(BOSUN_EDATA, "%s:%d:%d: a pattern of owns must "
					 "have 1 to %d bytes", t->name, w->owns_line[i],
					 w->owns_col[i], PATTERN_MAX);
	return 0;
}

static int find(const struct work_plan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->ws[i].id, id))
			return (int)i;
	return -1;
}

static int check_ids(const struct work_plan *p, const char *name)
{
	size_t i, j;

	for (i = 0; i < p->nr; i++) {
		const struct work_stream *w = &p->ws[i];
		int k = find(p, w->id);
		if (k >= 0 && (size_t)k != i)
			return error_set(BOSUN_EDATA, "%s:%d:%d: duplicate workstream "
					 "id '%s' (first at %s:%d:%d)", name, w->line,
					 w->col, w->id, name, p->ws[k].line, p->ws[k].col);
		for (j = 0; j < w->depends_nr; j++)
			if (find(p, w->depends_on[j]) < 0)
				return error_set(BOSUN_EDATA, "%s:%d:%d: workstream '%s' "
						 "depends on unknown workstream '%s'",
						 name, w->dep_line[j], w->dep_col[j],
						 w->id, w->depends_on[j]);
	}
	return 0;
}

static int check_owners(const struct work_plan *p, const char *name)
{
	size_t i, j, a, b;

	for (j = 1; j < p->nr; j++)
		for (i = 0; i < j; i++)
			for (b = 0; b < p->ws[j].owns_nr; b++)
				for (a = 0; a < p->ws[i].owns_nr; a++) {
					const struct work_stream *x = &p->ws[i], *y = &p->ws[j];
					if (!work_glob_overlap(x->owns[a], y->owns[b]))
						continue;
					return error_set(BOSUN_EDATA, "%s:%d:%d: '%s' of "
						"workstream '%s' overlaps '%s' of workstream "
						"'%s' (%s:%d:%d): a path may be owned by one "
						"workstream only", name, y->owns_line[b],
						y->owns_col[b], y->owns[b], y->id, x->owns[a],
						x->id, name, x->owns_line[a], x->owns_col[a]);
				}
	return 0;
}

/* A cycle among the workstreams left unordered: follow the first
 * unordered dependency until a workstream repeats. */
static int cycle_error(const struct work_plan *p, const char *name,
		       const unsigned char *done)
{
	size_t *seen = xcalloc(p->nr + 1, sizeof(*seen)), n = 0, i, start = 0;
	struct strbuf path = STRBUF_INIT;
	size_t cur, dep = 0;
	int r;

	for (cur = 0; done[cur]; cur++)
		;
	for (;;) {
		const struct work_stream *w = &p->ws[cur];
		for (i = 0; i < n && seen[i] != cur; i++)
			;
		if (i < n) {
			start = i;
			break;
		}
		seen[n++] = cur;
		for (dep = 0; dep < w->depends_nr; dep++)
			if (!done[find(p, w->depends_on[dep])])
				break;
		cur = (size_t)find(p, w->depends_on[dep]);
	}
	for (i = start; i < n; i++)
		strbuf_addf(&path, "'%s' -> ", p->ws[seen[i]].id);
	strbuf_addf(&path, "'%s'", p->ws[seen[start]].id);
	/* The edge that closes the cycle: from seen[n-1] to seen[start]. */
	{
		const struct work_stream *last = &p->ws[seen[n - 1]];
		for (dep = 0; dep < last->depends_nr &&
		     strcmp(last->depends_on[dep], p->ws[seen[start]].id); dep++)
			;
		r = error_set(BOSUN_EDATA, "%s:%d:%d: dependency cycle: %s (workstream "
			      "'%s' at %s:%d:%d depends on '%s')", name,
			      last->dep_line ? last->dep_line[dep] : last->line,
			      last->dep_col ? last->dep_col[dep] : last->col,
			      path.buf, last->id, name, last->line, last->col,
			      p->ws[seen[start]].id);
	}
	strbuf_release(&path);
	free(seen);
	return r;
}

/* Kahn's algorithm, taking the smallest id among the ready ones. */
static int order(struct work_plan *p, const char *name)
{
	unsigned char *done = xcalloc(p->nr + 1, 1);
	size_t n, i, j;
	int r = 0;

	p->order = xcalloc(p->nr + 1, sizeof(*p->order));
	for (n = 0; n < p->nr; n++) {
		int best = -1;
		for (i = 0; i < p->nr; i++) {
			if (done[i])
				continue;
			for (j = 0; j < p->ws[i].depends_nr &&
			     done[find(p, p->ws[i].depends_on[j])]; j++)
				;
			if (j == p->ws[i].depends_nr &&
			    (best < 0 || strcmp(p->ws[i].id, p->ws[best].id) < 0))
				best = (int)i;
		}
		if (best < 0) {
			r = cycle_error(p, name, done);
			break;
		}
		done[best] = 1;
		p->order[n] = (size_t)best;
	}
	free(done);
	return r;
}

static int parse_root(struct work_plan *p, const struct ytree *t)
{
	const struct ynode *root = t->root, *ws, *task;
	size_t i;
	int r;

	if (!root || root->type != Y_MAP)
		return ytree_error(t, root, "a plan must be a mapping (task, workstreams)");
	if ((r = check_keys(t, root, plan_keys, "the plan")) < 0)
		return r;
	task = ynode_get(root, "task");
	if (!task || ynode_is_null(task))
		return ytree_error(t, root, "a plan needs a task");
	if ((r = scalar(t, task, "task", &p->task)) < 0 ||
	    (r = scalar(t, ynode_get(root, "title"), "title", &p->title)) < 0 ||
	    (r = scalar(t, ynode_get(root, "base"), "base", &p->base)) < 0)
		return r;
	if (!work_id_valid(p->task))
		return ytree_error(t, task, "invalid task '%s' (letters, digits, '.', "
				   "'_', '-'; at most 64)", p->task);
	ws = ynode_get(root, "workstreams");
	if (!ws || ws->type != Y_SEQ || !ws->nr)
		return ytree_error(t, ws ? ws : root, "a plan needs a list of workstreams");
	if (ws->nr > STREAMS_MAX)
		return ytree_error(t, ws, "more than %d workstreams", STREAMS_MAX);
	p->ws = xcalloc(ws->nr, sizeof(*p->ws));
	for (i = 0; i < ws->nr; i++) {
		p->nr = i + 1;
		if ((r = parse_stream(t, ws->kids[i], &p->ws[i])) < 0)
			return r;
	}
	return 0;
}

int work_plan_parse(struct work_plan *p, const char *name, const char *text,
		    size_t len)
{
	struct ytree t = { 0 };
	int r;

	if ((r = ytree_parse(&t, name, text, len)) < 0 ||
	    (r = parse_root(p, &t)) < 0 || (r = check_ids(p, name)) < 0 ||
	    (r = check_owners(p, name)) < 0 || (r = order(p, name)) < 0)
		goto out;
out:
	ytree_release(&t);
	return r;
}

static void free_list(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void work_plan_release(struct work_plan *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		struct work_stream *w = &p->ws[i];
		free(w->id);
		free(w->agent);
		free(w->context);
		free(w->contract);
		free_list(w->owns);
		free_list(w->test);
		free_list(w->checklist);
		free_list(w->depends_on);
		free(w->owns_line);
		free(w->owns_col);
		free(w->dep_line);
		free(w->dep_col);
	}
	free(p->ws);
	free(p->order);
	free(p->task);
	free(p->title);
	free(p->base);
	memset(p, 0, sizeof(*p));
}
