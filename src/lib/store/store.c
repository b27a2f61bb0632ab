/*
 * store.c - the store's front (store.h): picks the backend by the URL's
 * scheme, checks each verb's arguments and the transaction state once, and
 * hands the call to the backend's table (backend.h).
 */
#include "lib/store/backend.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/time.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The backends this build has, by URL scheme; the first is the default. */
static const struct store_scheme {
	const char *scheme;
	int (*open)(struct store_backend **out, const char *location,
		    const char *common_dir, int flags);
} backends[] = {
	{ "sqlite", store_sqlite_open },
};

struct store {
	struct store_backend *b;
	int in_tx;
};

static void supported(struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(backends); i++)
		strbuf_addf(sb, "%s%s:", i ? ", " : "", backends[i].scheme);
}

/* The scheme of url ("sqlite" of "sqlite:x"), or -BOSUN_EUSAGE. */
static int url_scheme(struct strbuf *scheme, const char *url)
{
	const char *c = url;

	while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
	       (*c >= '0' && *c <= '9' && c > url) || *c == '+' || *c == '-' ||
	       *c == '.')
		c++;
	if (c == url || *c != ':') {
		struct strbuf sb = STRBUF_INIT;

		supported(&sb);
		error_set(BOSUN_EUSAGE, "'%s' is not a store URL (store.url, "
			  "BOSUN_STORE_URL)", url);
		error_hint("write SCHEME:LOCATION, with a scheme this bosun has: %s", sb.buf);
		strbuf_release(&sb);
		return -BOSUN_EUSAGE;
	}
	strbuf_add(scheme, url, (size_t)(c - url));
	return 0;
}

static store_migrate_hook_fn *migrate_hook;
static void *migrate_hook_data;

void store_set_migrate_hook(store_migrate_hook_fn *fn, void *data)
{
	migrate_hook = fn;
	migrate_hook_data = data;
}

/* The hook, when b holds an older schema with data (a store that cannot
 * say whether it has any is taken to). */
static int before_migrate(struct store_backend *b)
{
	int from, to;

	if (!migrate_hook)
		return 0;
	if ((from = b->schema_version(b)) < 0)
		return from;
	if ((to = b->schema_latest(b)) < 0)
		return to;
	if (from < 1 || from >= to)
		return 0;
	if (b->holds_data && b->holds_data(b) == 0)
		return 0;
	error_clear();
	return migrate_hook(migrate_hook_data, b->location(b), from, to);
}

/* Open with the backend, migrating after the hook when one is set. */
static int backend_open(const struct store_scheme *sc, struct store_backend **b,
			const char *location, const char *common_dir, int flags)
{
	int hooked = migrate_hook && !(flags & (STORE_OPEN_NO_MIGRATE | STORE_OPEN_READ));
	int r = sc->open(b, location, common_dir,
			 hooked ? flags | STORE_OPEN_NO_MIGRATE : flags);

	if (r < 0 || !hooked)
		return r;
	if ((r = before_migrate(*b)) >= 0)
		r = (*b)->migrate(*b, NULL);
	if (r < 0) {
		(*b)->free(*b);
		*b = NULL;
	}
	return r;
}

int store_open(struct store **out, const char *url, const char *common_dir,
	       int flags)
{
	struct strbuf scheme = STRBUF_INIT, sb = STRBUF_INIT;
	struct store_backend *b = NULL;
	size_t i;
	int r;

	*out = NULL;
	if (!url || !*url) {
		if (!common_dir)
			return error_set(BOSUN_EINTERNAL, "store_open: no common dir");
		r = backend_open(&backends[0], &b, NULL, common_dir, flags);
		goto out;
	}
	if ((r = url_scheme(&scheme, url)) < 0)
		goto out;
	for (i = 0; i < ARRAY_SIZE(backends); i++)
		if (!strcasecmp(scheme.buf, backends[i].scheme))
			break;
	if (i == ARRAY_SIZE(backends)) {
		supported(&sb);
		r = error_set(BOSUN_EUNAVAILABLE, "the store URL '%s' needs a '%s:' "
			      "backend, which this bosun does not have (it has: %s)",
			      url, scheme.buf, sb.buf);
		goto out;
	}
	r = backend_open(&backends[i], &b, url + scheme.len + 1, common_dir, flags);
out:
	if (r >= 0 && b->version != STORE_BACKEND_VERSION) {
		r = error_set(BOSUN_EINTERNAL, "store backend '%s' has version %u, "
			      "not %d", scheme.buf, b->version, STORE_BACKEND_VERSION);
		b->free(b);
	} else if (r >= 0) {
		*out = xcalloc(1, sizeof(**out));
		(*out)->b = b;
	}
	strbuf_release(&scheme);
	strbuf_release(&sb);
	return r;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->b) {
		if (s->in_tx)
			s->b->rollback(s->b);
		s->b->free(s->b);
	}
	free(s);
}

void store_now_iso(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long long store_now_ms(void)
{
	return time_wall_ms();
}

/* ------------------------------------------------------------ checks */

static int refuse(const char *verb, const char *why)
{
	return error_set(BOSUN_EINTERNAL, "%s: %s", verb, why);
}

#define OPEN_OR_FAIL(s) do { \
		if (!(s) || !(s)->b) \
			return refuse(__func__, "the store is not open"); \
	} while (0)
#define ARG(x) do { \
		if (!(x)) \
			return refuse(__func__, "'" #x "' is NULL"); \
	} while (0)
#define LIST_OUT(out, nr) do { \
		ARG(out); \
		ARG(nr); \
		*(out) = NULL; \
		*(nr) = 0; \
	} while (0)

const char *store_location(struct store *s)
{
	return s && s->b ? s->b->location(s->b) : NULL;
}

int store_migrate(struct store *s, int *applied)
{
	int n = 0, r;

	OPEN_OR_FAIL(s);
	if (s->in_tx)
		return refuse(__func__, "inside a transaction");
	if ((r = before_migrate(s->b)) < 0)
		return r;
	r = s->b->migrate(s->b, &n);
	if (applied)
		*applied = n;
	return r;
}

int store_schema_version(struct store *s)
{
	OPEN_OR_FAIL(s);
	return s->b->schema_version(s->b);
}

int store_schema_latest(struct store *s)
{
	OPEN_OR_FAIL(s);
	return s->b->schema_latest(s->b);
}

int store_set_busy_timeout(struct store *s, int ms)
{
	OPEN_OR_FAIL(s);
	if (ms < 0)
		return refuse(__func__, "a negative timeout");
	return s->b->set_busy_timeout(s->b, ms);
}

int store_backup_to(struct store *s, const char *path)
{
	OPEN_OR_FAIL(s);
	ARG(path);
	return s->b->backup_to(s->b, path);
}

int store_restore_from(struct store *s, const char *path)
{
	OPEN_OR_FAIL(s);
	ARG(path);
	return s->b->restore_from(s->b, path);
}

int store_begin(struct store *s, int flags)
{
	int r;

	OPEN_OR_FAIL(s);
	if (s->in_tx)
		return refuse(__func__, "a transaction is open already");
	if ((r = s->b->begin(s->b, flags)) >= 0)
		s->in_tx = 1;
	return r;
}

int store_commit(struct store *s)
{
	int r;

	OPEN_OR_FAIL(s);
	if (!s->in_tx)
		return refuse(__func__, "no transaction is open");
	r = s->b->commit(s->b);
	/* A failed commit leaves the transaction for the rollback. */
	if (r >= 0)
		s->in_tx = 0;
	return r;
}

void store_rollback(struct store *s)
{
	if (!s || !s->b || !s->in_tx)
		return;
	s->b->rollback(s->b);
	s->in_tx = 0;
}

/* ------------------------------------------------------------ releases */

int store_release_begin(struct store *s, const struct store_release *rel,
			long long *id)
{
	OPEN_OR_FAIL(s);
	ARG(rel);
	ARG(rel->version);
	ARG(rel->tag);
	ARG(id);
	return s->b->release_begin(s->b, rel, id);
}

int store_release_update(struct store *s, long long id, const char *state,
			 const char *commit, const char *message)
{
	OPEN_OR_FAIL(s);
	ARG(state);
	if (id <= 0)
		return refuse(__func__, "no such release id");
	return s->b->release_update(s->b, id, state, commit && *commit ? commit : NULL,
				    message);
}

int store_release_progress(struct store *s, long long id, const char *step,
			   const char *commit, const char *data)
{
	OPEN_OR_FAIL(s);
	ARG(step);
	if (id <= 0)
		return refuse(__func__, "no such release id");
	return s->b->release_progress(s->b, id, step, commit && *commit ? commit : NULL,
				      data);
}

int store_release_list(struct store *s, struct store_release **out, size_t *nr)
{
	OPEN_OR_FAIL(s);
	LIST_OUT(out, nr);
	return s->b->release_list(s->b, 0, out, nr);
}

int store_release_latest(struct store *s, struct store_release *out)
{
	struct store_release *v = NULL;
	size_t nr = 0;
	int r;

	OPEN_OR_FAIL(s);
	ARG(out);
	memset(out, 0, sizeof(*out));
	if ((r = s->b->release_list(s->b, 1, &v, &nr)) < 0)
		return r;
	if (!nr) {
		free(v);
		return error_set(BOSUN_ENOTFOUND, "no release is recorded in '%s'",
				 store_location(s));
	}
	*out = v[0];
	memset(&v[0], 0, sizeof(v[0]));
	store_release_free(v, nr);
	return 0;
}

void store_release_clear(struct store_release *r)
{
	if (!r)
		return;
	free((void *)r->version);
	free((void *)r->tag);
	free((void *)r->commit);
	free((void *)r->previous);
	free((void *)r->channel);
	free((void *)r->state);
	free((void *)r->step);
	free((void *)r->message);
	free((void *)r->started_at);
	free((void *)r->updated_at);
	free((void *)r->data);
	memset(r, 0, sizeof(*r));
}

void store_release_free(struct store_release *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++)
		store_release_clear(&v[i]);
	free(v);
}

/* ------------------------------------------------------------ agent files */

int store_agent_file_get(struct store *s, const char *target, const char *path,
			 struct store_agent_file *out)
{
	OPEN_OR_FAIL(s);
	ARG(target);
	ARG(path);
	ARG(out);
	memset(out, 0, sizeof(*out));
	return s->b->agent_file_get(s->b, target, path, out);
}

int store_agent_file_put(struct store *s, const struct store_agent_file *f)
{
	OPEN_OR_FAIL(s);
	ARG(f);
	ARG(f->target);
	ARG(f->path);
	ARG(f->template);
	ARG(f->version);
	ARG(f->hash);
	ARG(f->deployed_at);
	return s->b->agent_file_put(s->b, f);
}

int store_agent_file_delete(struct store *s, const char *target, const char *path)
{
	OPEN_OR_FAIL(s);
	ARG(target);
	ARG(path);
	return s->b->agent_file_delete(s->b, target, path);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void store_agent_file_copy(struct store_agent_file *dst,
			   const struct store_agent_file *src)
{
	dst->target = dup_or_null(src->target);
	dst->path = dup_or_null(src->path);
	dst->template = dup_or_null(src->template);
	dst->version = dup_or_null(src->version);
	dst->hash = dup_or_null(src->hash);
	dst->deployed_at = dup_or_null(src->deployed_at);
	dst->src = dup_or_null(src->src);
	dst->src_hash = dup_or_null(src->src_hash);
	dst->base_hash = dup_or_null(src->base_hash);
	dst->renderer = dup_or_null(src->renderer);
	dst->st = src->st;
}

struct file_list {
	struct store_agent_file *v;
	size_t nr, alloc;
};

static int list_one(const struct store_agent_file *f, void *data)
{
	struct file_list *l = data;

	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	store_agent_file_copy(&l->v[l->nr++], f);
	return 0;
}

int store_agent_file_list(struct store *s, struct store_agent_file **out,
			  size_t *nr)
{
	struct file_list l = { NULL, 0, 0 };
	int r;

	OPEN_OR_FAIL(s);
	LIST_OUT(out, nr);
	if ((r = s->b->agent_file_each(s->b, list_one, &l)) < 0) {
		store_agent_file_free(l.v, l.nr);
		return r;
	}
	*out = l.v;
	*nr = l.nr;
	return 0;
}

int store_agent_file_each(struct store *s, store_agent_file_fn *fn, void *data)
{
	OPEN_OR_FAIL(s);
	ARG(fn);
	return s->b->agent_file_each(s->b, fn, data);
}

void store_agent_file_clear(struct store_agent_file *f)
{
	if (!f)
		return;
	free((void *)f->target);
	free((void *)f->path);
	free((void *)f->template);
	free((void *)f->version);
	free((void *)f->hash);
	free((void *)f->deployed_at);
	free((void *)f->src);
	free((void *)f->src_hash);
	free((void *)f->base_hash);
	free((void *)f->renderer);
	memset(f, 0, sizeof(*f));
}

void store_agent_file_free(struct store_agent_file *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++)
		store_agent_file_clear(&v[i]);
	free(v);
}

int store_tmpl_stat_list(struct store *s, const char *dir,
			 struct store_tmpl_stat **out, size_t *nr)
{
	OPEN_OR_FAIL(s);
	ARG(dir);
	LIST_OUT(out, nr);
	return s->b->tmpl_stat_list(s->b, dir, out, nr);
}

int store_tmpl_stat_put(struct store *s, const char *dir,
			const struct store_tmpl_stat *t)
{
	OPEN_OR_FAIL(s);
	ARG(dir);
	ARG(t);
	ARG(t->name);
	ARG(t->hash);
	if (!t->st.set)
		return refuse(__func__, "no stat to keep");
	return s->b->tmpl_stat_put(s->b, dir, t);
}

void store_tmpl_stat_free(struct store_tmpl_stat *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++) {
		free((void *)v[i].name);
		free((void *)v[i].hash);
	}
	free(v);
}

int store_agent_deploy_put(struct store *s, const struct store_agent_deploy *d)
{
	OPEN_OR_FAIL(s);
	ARG(d);
	ARG(d->id);
	ARG(d->kind);
	ARG(d->state);
	ARG(d->at);
	ARG(d->manifest);
	return s->b->agent_deploy_put(s->b, d);
}

int store_agent_deploy_set_state(struct store *s, const char *id, const char *state)
{
	OPEN_OR_FAIL(s);
	ARG(id);
	ARG(state);
	return s->b->agent_deploy_set_state(s->b, id, state);
}

int store_agent_deploy_latest(struct store *s, const char *const *kinds,
			      const char *const *states,
			      struct store_agent_deploy *out)
{
	OPEN_OR_FAIL(s);
	ARG(out);
	memset(out, 0, sizeof(*out));
	return s->b->agent_deploy_latest(s->b, kinds, states, out);
}

void store_agent_deploy_clear(struct store_agent_deploy *d)
{
	if (!d)
		return;
	free((void *)d->id);
	free((void *)d->kind);
	free((void *)d->state);
	free((void *)d->at);
	free((void *)d->manifest);
	memset(d, 0, sizeof(*d));
}

int store_snapshot_get(struct store *s, const char *root, struct strbuf *key,
		       struct strbuf *data)
{
	OPEN_OR_FAIL(s);
	ARG(root);
	ARG(key);
	ARG(data);
	return s->b->snapshot_get(s->b, root, key, data);
}

int store_snapshot_put(struct store *s, const char *root, const char *key,
		       const void *data, size_t len)
{
	OPEN_OR_FAIL(s);
	ARG(root);
	ARG(key);
	ARG(data);
	return s->b->snapshot_put(s->b, root, key, data, len);
}

int store_snapshot_clear(struct store *s)
{
	OPEN_OR_FAIL(s);
	return s->b->snapshot_clear(s->b);
}

/* ------------------------------------------------------------ deployments */

int store_deployment_insert(struct store *s, const struct store_deployment *d,
			    long long *id)
{
	OPEN_OR_FAIL(s);
	ARG(d);
	ARG(d->commit);
	ARG(d->started_at);
	ARG(d->finished_at);
	ARG(d->verdict);
	return s->b->deployment_insert(s->b, d, id);
}

int store_deployment_list(struct store *s, const char *commit,
			  struct store_deployment **out, size_t *nr)
{
	OPEN_OR_FAIL(s);
	LIST_OUT(out, nr);
	return s->b->deployment_list(s->b, commit, out, nr);
}

void store_deployment_free(struct store_deployment *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++) {
		free((void *)v[i].commit);
		free((void *)v[i].started_at);
		free((void *)v[i].finished_at);
		free((void *)v[i].verdict);
		free((void *)v[i].probes);
		free((void *)v[i].message);
		free((void *)v[i].remote);
		free((void *)v[i].branch);
	}
	free(v);
}

/* ------------------------------------------------------------ events */

int store_event_append(struct store *s, const char *kind, const char *data,
		       long long *id)
{
	OPEN_OR_FAIL(s);
	ARG(kind);
	return s->b->event_append(s->b, kind, data, id);
}

int store_event_list(struct store *s, long long after_id,
		     struct store_event **out, size_t *nr)
{
	OPEN_OR_FAIL(s);
	LIST_OUT(out, nr);
	return s->b->event_list(s->b, after_id, out, nr);
}

void store_event_free(struct store_event *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++) {
		free((void *)v[i].at);
		free((void *)v[i].kind);
		free((void *)v[i].data);
	}
	free(v);
}

/* ------------------------------------------------------------ work items */

int store_work_put(struct store *s, const struct store_work_item *w)
{
	OPEN_OR_FAIL(s);
	ARG(w);
	ARG(w->id);
	ARG(w->kind);
	ARG(w->state);
	if (w->parent && !strcmp(w->parent, w->id))
		return refuse(__func__, "an item cannot be its own parent");
	return s->b->work_put(s->b, w);
}

int store_work_get(struct store *s, const char *id, struct store_work_item *out)
{
	OPEN_OR_FAIL(s);
	ARG(id);
	ARG(out);
	memset(out, 0, sizeof(*out));
	return s->b->work_get(s->b, id, out);
}

int store_work_list(struct store *s, const char *parent,
		    struct store_work_item **out, size_t *nr)
{
	OPEN_OR_FAIL(s);
	LIST_OUT(out, nr);
	return s->b->work_list(s->b, parent, out, nr);
}

int store_work_set_state(struct store *s, const char *id, const char *expect,
			 const char *state)
{
	OPEN_OR_FAIL(s);
	ARG(id);
	ARG(state);
	return s->b->work_set_state(s->b, id, expect, state);
}

void store_work_clear(struct store_work_item *w)
{
	if (!w)
		return;
	free((void *)w->id);
	free((void *)w->parent);
	free((void *)w->kind);
	free((void *)w->state);
	free((void *)w->data);
	free((void *)w->created_at);
	free((void *)w->updated_at);
	memset(w, 0, sizeof(*w));
}

void store_work_free(struct store_work_item *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++)
		store_work_clear(&v[i]);
	free(v);
}

/* ------------------------------------------------------------ push queue */

int store_push_enqueue(struct store *s, const struct store_push *p, long long *id)
{
	OPEN_OR_FAIL(s);
	ARG(p);
	ARG(p->branch);
	ARG(p->commit);
	return s->b->push_enqueue(s->b, p, id);
}

int store_push_list(struct store *s, const char *state, struct store_push **out,
		    size_t *nr)
{
	OPEN_OR_FAIL(s);
	LIST_OUT(out, nr);
	return s->b->push_list(s->b, state, out, nr);
}

int store_push_update(struct store *s, long long id, const char *state,
		      const char *message)
{
	OPEN_OR_FAIL(s);
	ARG(state);
	return s->b->push_update(s->b, id, state, message);
}

int store_push_finish(struct store *s, long long id, const struct store_push *p)
{
	OPEN_OR_FAIL(s);
	ARG(p);
	ARG(p->state);
	return s->b->push_finish(s->b, id, p);
}

void store_push_free(struct store_push *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++) {
		free((void *)v[i].remote);
		free((void *)v[i].from);
		free((void *)v[i].branch);
		free((void *)v[i].commit);
		free((void *)v[i].owner);
		free((void *)v[i].state);
		free((void *)v[i].message);
		free((void *)v[i].queued_at);
		free((void *)v[i].updated_at);
	}
	free(v);
}

/* ------------------------------------------------------------ leases */

int store_lease_claim(struct store *s, const char *name, const char *owner,
		      long long ttl_ms, long long *token)
{
	OPEN_OR_FAIL(s);
	ARG(name);
	ARG(owner);
	ARG(token);
	if (ttl_ms <= 0)
		return refuse(__func__, "a lease needs a positive time to live");
	if (s->in_tx)
		return refuse(__func__, "a claim is its own transaction");
	return s->b->lease_claim(s->b, name, owner, ttl_ms, store_now_ms(), token);
}

int store_lease_renew(struct store *s, const char *name, const char *owner,
		      long long token, long long ttl_ms)
{
	OPEN_OR_FAIL(s);
	ARG(name);
	ARG(owner);
	if (ttl_ms <= 0)
		return refuse(__func__, "a lease needs a positive time to live");
	return s->b->lease_renew(s->b, name, owner, token, ttl_ms, store_now_ms());
}

int store_lease_release(struct store *s, const char *name, const char *owner,
			long long token)
{
	OPEN_OR_FAIL(s);
	ARG(name);
	ARG(owner);
	return s->b->lease_release(s->b, name, owner, token);
}

int store_lease_holder(struct store *s, const char *name, struct strbuf *owner,
		       long long *token, long long *left_ms)
{
	OPEN_OR_FAIL(s);
	ARG(name);
	ARG(owner);
	ARG(token);
	ARG(left_ms);
	return s->b->lease_holder(s->b, name, owner, token, left_ms, store_now_ms());
}

int store_lease_takeover(struct store *s, const char *name, const char *owner,
			 const char *old_owner, long long old_token,
			 long long ttl_ms, long long *token)
{
	OPEN_OR_FAIL(s);
	ARG(name);
	ARG(owner);
	ARG(old_owner);
	ARG(token);
	if (ttl_ms <= 0)
		return refuse(__func__, "a lease needs a positive time to live");
	if (s->in_tx)
		return refuse(__func__, "a takeover is its own transaction");
	return s->b->lease_takeover(s->b, name, owner, old_owner, old_token, ttl_ms,
				    store_now_ms(), token);
}

/* ------------------------------------------------------------ pipeline cache */

int store_cache_get(struct store *s, const char *key, struct strbuf *value,
		    struct strbuf *meta)
{
	OPEN_OR_FAIL(s);
	ARG(key);
	return s->b->cache_get(s->b, key, value, meta);
}

int store_cache_put(struct store *s, const char *key, const void *value,
		    size_t len, const char *meta)
{
	OPEN_OR_FAIL(s);
	ARG(key);
	if (len)
		ARG(value);
	return s->b->cache_put(s->b, key, len ? value : "", len, meta,
			       store_now_ms());
}

int store_cache_prune(struct store *s, long long before_ms, long long *removed)
{
	long long n = 0;
	int r;

	OPEN_OR_FAIL(s);
	r = s->b->cache_prune(s->b, before_ms, &n);
	if (removed)
		*removed = n;
	return r;
}

int store_cache_list(struct store *s, const char *prefix,
		     struct store_cache_entry **out, size_t *nr)
{
	OPEN_OR_FAIL(s);
	LIST_OUT(out, nr);
	return s->b->cache_list(s->b, prefix ? prefix : "", out, nr);
}

void store_cache_free(struct store_cache_entry *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++) {
		free((void *)v[i].key);
		free((void *)v[i].meta);
	}
	free(v);
}

int store_cache_delete(struct store *s, const char *key, long long put_ms)
{
	OPEN_OR_FAIL(s);
	ARG(key);
	return s->b->cache_delete(s->b, key, put_ms);
}

/* ------------------------------------------------------------ benchmarks */

int store_bench_append(struct store *s, const char *name, double value,
		       const char *unit, const char *meta)
{
	OPEN_OR_FAIL(s);
	ARG(name);
	return s->b->bench_append(s->b, name, value, unit, meta);
}

int store_bench_list(struct store *s, const char *name,
		     struct store_bench_sample **out, size_t *nr)
{
	OPEN_OR_FAIL(s);
	ARG(name);
	LIST_OUT(out, nr);
	return s->b->bench_list(s->b, name, out, nr);
}

void store_bench_free(struct store_bench_sample *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++) {
		free((void *)v[i].name);
		free((void *)v[i].at);
		free((void *)v[i].unit);
		free((void *)v[i].meta);
	}
	free(v);
}
