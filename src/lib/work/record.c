/*
 * record.c - a plan as JSON, and in the store (work.h). The plan row's id
 * is the task; a workstream's is "TASK/ID" with the task as its parent.
 */
#include "lib/work/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/git/run.h"
#include "lib/store/store.h"

#include <stdlib.h>
#include <string.h>

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *list(char *const *v, size_t nr)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < nr; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *stream_json(const struct work_stream *w)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "id", w->id, "agent", str_or_null(w->agent),
			 "owns", list(w->owns, w->owns_nr),
			 "test", list(w->test, w->test_nr),
			 "checklist", list(w->checklist, w->checklist_nr),
			 "context", str_or_null(w->context),
			 "contract", str_or_null(w->contract),
			 "depends_on", list(w->depends_on, w->depends_nr));
}

json_t *work_plan_json(const struct work_plan *p)
{
	json_t *ws = json_array(), *ord = json_array();
	size_t i;

	for (i = 0; i < p->nr; i++) {
		json_array_append_new(ws, stream_json(&p->ws[i]));
		json_array_append_new(ord, json_string(p->ws[p->order[i]].id));
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "task", p->task,
			 "title", str_or_null(p->title), "base", str_or_null(p->base),
			 "workstreams", ws, "order", ord);
}

static char *dup_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? xstrdup(s) : NULL;
}

static char **dup_list(const json_t *o, const char *key, size_t *nr)
{
	const json_t *a = json_object_get(o, key);
	size_t i, n = json_array_size(a);
	char **v = xcalloc(n + 1, sizeof(*v));

	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		v[*nr] = xstrdup(s ? s : "");
		(*nr)++;
	}
	return v;
}

int work_plan_from_json(struct work_plan *p, const json_t *j)
{
	const json_t *ws = json_object_get(j, "workstreams");
	const json_t *ord = json_object_get(j, "order");
	size_t i, k;

	if (!json_is_object(j) || !json_is_string(json_object_get(j, "task")) ||
	    !json_is_array(ws) || json_array_size(ord) != json_array_size(ws))
		return error_set(BOSUN_EDATA, "the store holds a malformed work plan");
	p->task = dup_str(j, "task");
	p->title = dup_str(j, "title");
	p->base = dup_str(j, "base");
	p->nr = json_array_size(ws);
	p->ws = xcalloc(p->nr + 1, sizeof(*p->ws));
	p->order = xcalloc(p->nr + 1, sizeof(*p->order));
	for (i = 0; i < p->nr; i++) {
		const json_t *o = json_array_get(ws, i);
		struct work_stream *w = &p->ws[i];
		w->id = dup_str(o, "id");
		if (!w->id)
			w->id = xstrdup("");
		w->agent = dup_str(o, "agent");
		w->context = dup_str(o, "context");
		w->contract = dup_str(o, "contract");
		w->owns = dup_list(o, "owns", &w->owns_nr);
		w->test = dup_list(o, "test", &w->test_nr);
		w->checklist = dup_list(o, "checklist", &w->checklist_nr);
		w->depends_on = dup_list(o, "depends_on", &w->depends_nr);
	}
	for (i = 0; i < p->nr; i++) {
		const char *id = json_string_value(json_array_get(ord, i));
		for (k = 0; k < p->nr && (!id || strcmp(p->ws[k].id, id)); k++)
			;
		if (k == p->nr)
			return error_set(BOSUN_EDATA, "the store holds a malformed work "
					 "plan '%s'", p->task);
		p->order[i] = k;
	}
	return 0;
}

static int put_json(struct store *st, const char *id, const char *parent,
		    const char *kind, const char *state, json_t *data)
{
	struct store_work_item w = { 0 };
	char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	w.id = id;
	w.parent = parent;
	w.kind = kind;
	w.state = state;
	w.data = text;
	r = store_work_put(st, &w);
	free(text);
	return r;
}

/* The state an item has, or dflt when it has none yet. */
static int state_of(struct store *st, const char *id, const char *dflt,
		    struct strbuf *out)
{
	struct store_work_item w = { 0 };
	int r = store_work_get(st, id, &w);

	strbuf_setlen(out, 0);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		strbuf_addstr(out, dflt);
		return 0;
	}
	if (r >= 0)
		strbuf_addstr(out, w.state && strcmp(w.state, "dropped") ? w.state : dflt);
	store_work_clear(&w);
	return r;
}

int work_item_load(struct store *st, const char *id, json_t **data,
		   struct strbuf *state)
{
	struct store_work_item w = { 0 };
	json_error_t je;
	int r;

	*data = NULL;
	if ((r = store_work_get(st, id, &w)) < 0)
		return r;
	if (state) {
		strbuf_setlen(state, 0);
		strbuf_addstr(state, w.state ? w.state : "");
	}
	*data = json_loads(w.data ? w.data : "", 0, &je);
	if (!json_is_object(*data)) {
		json_decref(*data);
		*data = NULL;
		r = error_set(BOSUN_EDATA, "the store holds a malformed work item '%s'", id);
	}
	store_work_clear(&w);
	return r;
}

int work_each_spawn(struct store *st,
		    int (*fn)(const char *id, const char *state, const json_t *spawn,
			      void *data),
		    void *data)
{
	struct store_work_item *plans = NULL, *ws = NULL;
	size_t np = 0, nw = 0, i, k;
	int r;

	if ((r = store_work_list(st, NULL, &plans, &np)) < 0)
		return r;
	for (i = 0; r >= 0 && i < np; i++) {
		if ((r = store_work_list(st, plans[i].id, &ws, &nw)) < 0)
			break;
		for (k = 0; r >= 0 && k < nw; k++) {
			json_error_t je;
			json_t *d = json_loads(ws[k].data ? ws[k].data : "", 0, &je);
			const json_t *spawn = json_object_get(d, "spawn");
			if (json_is_object(spawn))
				r = fn(ws[k].id, ws[k].state ? ws[k].state : "", spawn, data);
			json_decref(d);
		}
		store_work_free(ws, nw);
		ws = NULL;
	}
	store_work_free(plans, np);
	return r < 0 ? r : 0;
}

int work_item_save(struct store *st, const char *id, const char *parent,
		   const char *state, const json_t *data)
{
	return put_json(st, id, parent, parent ? "workstream" : "plan", state,
			(json_t *)data);
}

/* What spawn recorded in a workstream's row stays when it is planned
 * again: *o becomes a copy with the old "spawn". */
static int keep_spawn(struct store *st, const char *id, json_t **o)
{
	json_t *old = NULL, *spawn, *copy;
	int r = work_item_load(st, id, &old, NULL);

	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	if ((spawn = json_object_get(old, "spawn"))) {
		copy = json_deep_copy(*o);
		json_object_set(copy, "spawn", spawn);
		json_decref(*o);
		*o = copy;
	}
	json_decref(old);
	return 0;
}

int work_git(const char *dir, struct strbuf *out, const char *const *args)
{
	return work_git_env(dir, NULL, out, args);
}

/* Spawns make many worktrees at once, and a spawn killed with SIGKILL may
 * leave a git running: git's races with other gits are retried (run.h). */
static int git_in(const char *dir, const char *const *env, struct strbuf *out,
		  const char *const *args, int die_with_us)
{
	struct gitrun g = GITRUN_INIT;
	int r;

	g.dir = dir;
	g.env = env;
	g.die_with_us = die_with_us;
	g.retry_races = 1;
	if ((r = gitrun_exec(&g, args)) >= 0 && out) {
		strbuf_setlen(out, 0);
		strbuf_addbuf(out, &g.out);
	}
	gitrun_release(&g);
	return r;
}

int work_git_env(const char *dir, const char *const *env, struct strbuf *out,
		 const char *const *args)
{
	return git_in(dir, env, out, args, 0);
}

int work_git_dying(const char *dir, struct strbuf *out, const char *const *args)
{
	return git_in(dir, NULL, out, args, 1);
}

static int record(struct store *st, const struct work_plan *p)
{
	struct strbuf id = STRBUF_INIT, state = STRBUF_INIT;
	struct store_work_item *old = NULL;
	size_t nr = 0, i, k;
	json_t *j = work_plan_json(p);
	int r;

	if ((r = state_of(st, p->task, "planned", &state)) < 0 ||
	    (r = put_json(st, p->task, NULL, "plan", state.buf, j)) < 0)
		goto out;
	for (i = 0; i < p->nr; i++) {
		json_t *o = json_incref(json_array_get(json_object_get(j, "workstreams"), i));
		strbuf_setlen(&id, 0);
		strbuf_addf(&id, "%s/%s", p->task, p->ws[i].id);
		r = state_of(st, id.buf, "planned", &state);
		if (r >= 0)
			r = keep_spawn(st, id.buf, &o);
		if (r >= 0)
			r = put_json(st, id.buf, p->task, "workstream", state.buf, o);
		json_decref(o);
		if (r < 0)
			goto out;
	}
	if ((r = store_work_list(st, p->task, &old, &nr)) < 0)
		goto out;
	for (i = 0; i < nr; i++) {
		const char *ws = old[i].id + strlen(p->task) + 1;
		for (k = 0; k < p->nr && strcmp(p->ws[k].id, ws); k++)
			;
		if (k == p->nr && strcmp(old[i].state, "dropped") &&
		    (r = store_work_set_state(st, old[i].id, NULL, "dropped")) < 0)
			goto out;
	}
out:
	store_work_free(old, nr);
	json_decref(j);
	strbuf_release(&id);
	strbuf_release(&state);
	return r;
}

int work_plan_record(struct store *st, const struct work_plan *p)
{
	int r;

	if ((r = store_begin(st, STORE_TX_WRITE)) < 0)
		return r;
	r = record(st, p);
	r = r < 0 ? r : store_commit(st);
	if (r < 0)
		store_rollback(st);
	return r;
}

int work_plan_load(struct store *st, const char *task, struct work_plan *p)
{
	struct store_work_item *plans = NULL;
	size_t nr = 0, i, hit = 0, n = 0;
	json_t *j = NULL;
	json_error_t je;
	int r;

	if ((r = store_work_list(st, NULL, &plans, &nr)) < 0)
		return r;
	for (i = 0; i < nr; i++)
		if (plans[i].kind && !strcmp(plans[i].kind, "plan") &&
		    (!task || !strcmp(plans[i].id, task))) {
			hit = i;
			n++;
		}
	if (!n)
		r = task ? error_set(BOSUN_ENOTFOUND, "no work plan '%s'", task)
			 : error_set(BOSUN_ENOTFOUND, "no work plan: run 'bosun work plan FILE'");
	else if (n > 1)
		r = error_set(BOSUN_EUSAGE, "there are %zu work plans: name the task", n);
	else if (!(j = json_loads(plans[hit].data ? plans[hit].data : "", 0, &je)))
		r = error_set(BOSUN_EDATA, "the store holds a malformed work plan '%s'",
			      plans[hit].id);
	else
		r = work_plan_from_json(p, j);
	json_decref(j);
	store_work_free(plans, nr);
	return r;
}
