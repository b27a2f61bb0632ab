/*
 * sqlite_work.c - the SQLite backend's verbs for parallel work (store.h):
 * work items, the push queue, leases, the pipeline cache and benchmark
 * samples. A lease claim reads and writes in one IMMEDIATE transaction: the
 * write lock is taken before the row is read, so of two claims at once the
 * second sees what the first wrote.
 */
#include "lib/store/sqlite.h"

#include "core/alloc.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ work items */

#define WORK_COLS "SELECT id, parent, kind, state, data, created_at, updated_at " \
	"FROM work_items "

static void work_row(struct store_work_item *w, sqlite3_stmt *s)
{
	w->id = sq_col(s, 0);
	w->parent = sq_col(s, 1);
	w->kind = sq_col(s, 2);
	w->state = sq_col(s, 3);
	w->data = sq_col(s, 4);
	w->created_at = sq_col(s, 5);
	w->updated_at = sq_col(s, 6);
}

static int sq_work_put(struct store_backend *b, const struct store_work_item *w)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];

	if (!(s = sq_stmt(q, SQ_WORK_PUT, "INSERT INTO work_items (id, parent, kind, "
			  "state, data, created_at, updated_at) VALUES (?1, ?2, ?3, "
			  "?4, ?5, ?6, ?6) ON CONFLICT (id) DO UPDATE SET parent = "
			  "excluded.parent, kind = excluded.kind, state = "
			  "excluded.state, data = excluded.data, updated_at = "
			  "excluded.updated_at")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sq_bind(s, 1, w->id);
	sq_bind(s, 2, w->parent);
	sq_bind(s, 3, w->kind);
	sq_bind(s, 4, w->state);
	sq_bind(s, 5, w->data);
	sq_bind(s, 6, at);
	return sq_done(q, s);
}

static int sq_work_get(struct store_backend *b, const char *id,
		       struct store_work_item *out)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	int rc;

	if (!(s = sq_stmt(q, SQ_WORK_GET, WORK_COLS "WHERE id = ?1")))
		return -BOSUN_EIO;
	sq_bind(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		work_row(out, s);
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ?
		error_set(BOSUN_ENOTFOUND, "no work item '%s'", id) :
		sq_fail(q, "cannot read");
	sqlite3_reset(s);
	return rc;
}

static int sq_work_list(struct store_backend *b, const char *parent,
			struct store_work_item **out, size_t *nr)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

	s = parent ? sq_stmt(q, SQ_WORK_LIST, WORK_COLS "WHERE parent = ?1 ORDER BY rowid") :
		sq_stmt(q, SQ_WORK_LIST_TOP, WORK_COLS "WHERE parent IS NULL ORDER BY rowid");
	if (!s)
		return -BOSUN_EIO;
	if (parent)
		sq_bind(s, 1, parent);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ALLOC_GROW(*out, *nr + 1, alloc);
		work_row(&(*out)[(*nr)++], s);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	if (rc < 0) {
		store_work_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return rc;
}

static int sq_work_set_state(struct store_backend *b, const char *id,
			     const char *expect, const char *state)
{
	struct sq *q = sq_of(b);
	struct store_work_item w = { 0 };
	sqlite3_stmt *s;
	char at[32];
	int r;

	s = expect ? sq_stmt(q, SQ_WORK_STATE_FROM, "UPDATE work_items SET state = ?2, "
			     "updated_at = ?3 WHERE id = ?1 AND state = ?4") :
		sq_stmt(q, SQ_WORK_STATE, "UPDATE work_items SET state = ?2, "
			"updated_at = ?3 WHERE id = ?1");
	if (!s)
		return -BOSUN_EIO;
	store_now_iso(at);
	sq_bind(s, 1, id);
	sq_bind(s, 2, state);
	sq_bind(s, 3, at);
	if (expect)
		sq_bind(s, 4, expect);
	if ((r = sq_done(q, s)) < 0 || sqlite3_changes(q->db))
		return r;
	/* Nothing changed: no such item, or it moved on. */
	if ((r = sq_work_get(b, id, &w)) >= 0)
		r = error_set(BOSUN_EBUSY, "work item '%s' is %s, not %s", id,
			      w.state ? w.state : "?", expect);
	store_work_clear(&w);
	return r;
}

/* ------------------------------------------------------------ push queue */

static int sq_push_enqueue(struct store_backend *b, const struct store_push *p,
			   long long *id)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];
	int r;

	if (!(s = sq_stmt(q, SQ_PUSH_ENQUEUE, "INSERT INTO push_queue (branch, "
			  "commit_id, owner, state, message, queued_at, updated_at, "
			  "remote, range_from) "
			  "VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?5, ?6, ?7)")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sq_bind(s, 1, p->branch);
	sq_bind(s, 2, p->commit);
	sq_bind(s, 3, p->owner);
	sq_bind(s, 4, p->message);
	sq_bind(s, 5, at);
	sq_bind(s, 6, p->remote);
	sq_bind(s, 7, p->from);
	if ((r = sq_done(q, s)) >= 0 && id)
		*id = sqlite3_last_insert_rowid(q->db);
	return r;
}

static int sq_push_list(struct store_backend *b, const char *state,
			struct store_push **out, size_t *nr)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

#define PUSH_COLS "SELECT id, branch, commit_id, owner, state, message, " \
	"queued_at, updated_at, remote, range_from, attempts, duration_ms " \
	"FROM push_queue "
	s = state ? sq_stmt(q, SQ_PUSH_LIST_STATE, PUSH_COLS "WHERE state = ?1 ORDER BY id") :
		sq_stmt(q, SQ_PUSH_LIST, PUSH_COLS "ORDER BY id");
#undef PUSH_COLS
	if (!s)
		return -BOSUN_EIO;
	if (state)
		sq_bind(s, 1, state);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_push *p;

		ALLOC_GROW(*out, *nr + 1, alloc);
		p = &(*out)[(*nr)++];
		p->id = sqlite3_column_int64(s, 0);
		p->branch = sq_col(s, 1);
		p->commit = sq_col(s, 2);
		p->owner = sq_col(s, 3);
		p->state = sq_col(s, 4);
		p->message = sq_col(s, 5);
		p->queued_at = sq_col(s, 6);
		p->updated_at = sq_col(s, 7);
		p->remote = sq_col(s, 8);
		p->from = sq_col(s, 9);
		p->attempts = sqlite3_column_int64(s, 10);
		p->duration_ms = sqlite3_column_int64(s, 11);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	if (rc < 0) {
		store_push_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return rc;
}

static int sq_push_update(struct store_backend *b, long long id, const char *state,
			  const char *message)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];
	int r;

	if (!(s = sq_stmt(q, SQ_PUSH_UPDATE, "UPDATE push_queue SET state = ?2, "
			  "message = ?3, updated_at = ?4 WHERE id = ?1")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sqlite3_bind_int64(s, 1, id);
	sq_bind(s, 2, state);
	sq_bind(s, 3, message);
	sq_bind(s, 4, at);
	if ((r = sq_done(q, s)) < 0)
		return r;
	if (!sqlite3_changes(q->db))
		return error_set(BOSUN_ENOTFOUND, "no push %lld in the queue", id);
	return 0;
}

static int sq_push_finish(struct store_backend *b, long long id,
			  const struct store_push *p)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];
	int r;

	if (!(s = sq_stmt(q, SQ_PUSH_FINISH, "UPDATE push_queue SET state = ?2, "
			  "message = ?3, updated_at = ?4, range_from = ?5, "
			  "commit_id = coalesce(?6, commit_id), attempts = ?7, "
			  "duration_ms = ?8 WHERE id = ?1")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sqlite3_bind_int64(s, 1, id);
	sq_bind(s, 2, p->state);
	sq_bind(s, 3, p->message);
	sq_bind(s, 4, at);
	sq_bind(s, 5, p->from);
	sq_bind(s, 6, p->commit);
	sqlite3_bind_int64(s, 7, p->attempts);
	sqlite3_bind_int64(s, 8, p->duration_ms);
	if ((r = sq_done(q, s)) < 0)
		return r;
	if (!sqlite3_changes(q->db))
		return error_set(BOSUN_ENOTFOUND, "no push %lld in the queue", id);
	return 0;
}

/* ------------------------------------------------------------ leases */

/* The lease's row: 1 and its fields, 0 when it never was claimed. */
static int lease_get(struct sq *q, const char *name, char **owner,
		     long long *token, long long *expires_ms)
{
	sqlite3_stmt *s;
	int rc;

	*owner = NULL;
	*token = *expires_ms = 0;
	if (!(s = sq_stmt(q, SQ_LEASE_GET, "SELECT owner, token, expires_ms FROM "
			  "leases WHERE name = ?1")))
		return -BOSUN_EIO;
	sq_bind(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*owner = sq_col(s, 0);
		*token = sqlite3_column_int64(s, 1);
		*expires_ms = sqlite3_column_int64(s, 2);
	}
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	return rc;
}

static int lease_set(struct sq *q, const char *name, const char *owner,
		     long long token, long long expires_ms)
{
	sqlite3_stmt *s;

	if (!(s = sq_stmt(q, SQ_LEASE_SET, "INSERT OR REPLACE INTO leases (name, "
			  "owner, token, expires_ms) VALUES (?1, ?2, ?3, ?4)")))
		return -BOSUN_EIO;
	sq_bind(s, 1, name);
	sq_bind(s, 2, owner);
	sqlite3_bind_int64(s, 3, token);
	sqlite3_bind_int64(s, 4, expires_ms);
	return sq_done(q, s);
}

static int sq_lease_claim(struct store_backend *b, const char *name,
			  const char *owner, long long ttl_ms, long long now_ms,
			  long long *token)
{
	struct sq *q = sq_of(b);
	char *holder = NULL;
	long long tok, expires;
	int own, r;

	if ((r = sq_tx_begin(q, &own)) < 0)
		return r;
	if ((r = lease_get(q, name, &holder, &tok, &expires)) < 0)
		goto out;
	if (r && holder && expires > now_ms) {
		r = error_set(BOSUN_EBUSY, "lease '%s' is held by '%s' for %lld ms more",
			      name, holder, expires - now_ms);
		goto out;
	}
	if ((r = lease_set(q, name, owner, tok + 1, now_ms + ttl_ms)) >= 0)
		*token = tok + 1;
out:
	free(holder);
	return sq_tx_end(q, own, r);
}

/* owner and token still hold the lease (it may have expired as long as no
 * one claimed it since). */
static int lease_held(struct sq *q, const char *name, const char *owner,
		      long long token)
{
	char *holder = NULL;
	long long tok, expires;
	int r;

	if ((r = lease_get(q, name, &holder, &tok, &expires)) < 0)
		return r;
	if (!r || !holder || strcmp(holder, owner) || tok != token)
		r = error_set(BOSUN_EBUSY, "lease '%s' is no longer held by '%s' "
			      "(token %lld)", name, owner, token);
	else
		r = 0;
	free(holder);
	return r;
}

static int sq_lease_renew(struct store_backend *b, const char *name,
			  const char *owner, long long token, long long ttl_ms,
			  long long now_ms)
{
	struct sq *q = sq_of(b);
	int own, r;

	if ((r = sq_tx_begin(q, &own)) < 0)
		return r;
	if ((r = lease_held(q, name, owner, token)) >= 0)
		r = lease_set(q, name, owner, token, now_ms + ttl_ms);
	return sq_tx_end(q, own, r);
}

/* The row stays, without an owner, so the next claim's token is higher. */
static int sq_lease_release(struct store_backend *b, const char *name,
			    const char *owner, long long token)
{
	struct sq *q = sq_of(b);
	int own, r;

	if ((r = sq_tx_begin(q, &own)) < 0)
		return r;
	if ((r = lease_held(q, name, owner, token)) >= 0)
		r = lease_set(q, name, NULL, token, 0);
	return sq_tx_end(q, own, r);
}

static int sq_lease_holder(struct store_backend *b, const char *name,
			   struct strbuf *owner, long long *token, long long *left_ms,
			   long long now_ms)
{
	struct sq *q = sq_of(b);
	char *holder = NULL;
	long long tok, expires;
	int r;

	strbuf_reset(owner);
	*token = *left_ms = 0;
	if ((r = lease_get(q, name, &holder, &tok, &expires)) < 0)
		return r;
	r = r && holder && expires > now_ms;
	if (r) {
		strbuf_addstr(owner, holder);
		*token = tok;
		*left_ms = expires - now_ms;
	}
	free(holder);
	return r;
}

static int sq_lease_takeover(struct store_backend *b, const char *name,
			     const char *owner, const char *old_owner,
			     long long old_token, long long ttl_ms, long long now_ms,
			     long long *token)
{
	struct sq *q = sq_of(b);
	int own, r;

	if ((r = sq_tx_begin(q, &own)) < 0)
		return r;
	if ((r = lease_held(q, name, old_owner, old_token)) >= 0 &&
	    (r = lease_set(q, name, owner, old_token + 1, now_ms + ttl_ms)) >= 0)
		*token = old_token + 1;
	return sq_tx_end(q, own, r);
}

/* ------------------------------------------------------------ pipeline cache */

static int sq_cache_get(struct store_backend *b, const char *key,
			struct strbuf *value, struct strbuf *meta)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	int rc;

	if (!(s = sq_stmt(q, SQ_CACHE_GET, "SELECT value, meta FROM cache_entries "
			  "WHERE key = ?1")))
		return -BOSUN_EIO;
	sq_bind(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *v = sqlite3_column_blob(s, 0);
		int len = sqlite3_column_bytes(s, 0);
		const char *m = (const char *)sqlite3_column_text(s, 1);

		if (value && v && len > 0)
			strbuf_add(value, v, (size_t)len);
		if (meta && m)
			strbuf_addstr(meta, m);
	}
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ?
		error_set(BOSUN_ENOTFOUND, "no cache entry '%s'", key) :
		sq_fail(q, "cannot read");
	sqlite3_reset(s);
	return rc;
}

static int sq_cache_put(struct store_backend *b, const char *key, const void *value,
			size_t len, const char *meta, long long now_ms)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;

	if (!(s = sq_stmt(q, SQ_CACHE_PUT, "INSERT OR REPLACE INTO cache_entries "
			  "(key, value, meta, put_ms) VALUES (?1, ?2, ?3, ?4)")))
		return -BOSUN_EIO;
	sq_bind(s, 1, key);
	sqlite3_bind_blob64(s, 2, value, len, SQLITE_STATIC);
	sq_bind(s, 3, meta);
	sqlite3_bind_int64(s, 4, now_ms);
	return sq_done(q, s);
}

static int sq_cache_prune(struct store_backend *b, long long before_ms,
			  long long *removed)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	int r;

	if (!(s = sq_stmt(q, SQ_CACHE_PRUNE, "DELETE FROM cache_entries WHERE "
			  "put_ms < ?1")))
		return -BOSUN_EIO;
	sqlite3_bind_int64(s, 1, before_ms);
	if ((r = sq_done(q, s)) >= 0)
		*removed = sqlite3_changes(q->db);
	return r;
}

static int sq_cache_list(struct store_backend *b, const char *prefix,
			 struct store_cache_entry **out, size_t *nr)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

	/* substr() rather than LIKE or GLOB: a key may hold '%', '_' or '*'. */
	if (!(s = sq_stmt(q, SQ_CACHE_LIST, "SELECT key, meta, length(value) + length("
			  "CAST(key AS BLOB)) + coalesce(length(CAST(meta AS BLOB)), 0), "
			  "put_ms FROM "
			  "cache_entries WHERE substr(key, 1, length(?1)) = ?1 "
			  "ORDER BY key")))
		return -BOSUN_EIO;
	sq_bind(s, 1, prefix);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_cache_entry *v;

		ALLOC_GROW(*out, *nr + 1, alloc);
		v = &(*out)[(*nr)++];
		v->key = sq_col(s, 0);
		v->meta = sq_col(s, 1);
		v->bytes = sqlite3_column_int64(s, 2);
		v->put_ms = sqlite3_column_int64(s, 3);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	if (rc < 0) {
		store_cache_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return rc;
}

static int sq_cache_delete(struct store_backend *b, const char *key,
			   long long put_ms)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	int r;

	if (!(s = sq_stmt(q, SQ_CACHE_DELETE, "DELETE FROM cache_entries WHERE "
			  "key = ?1 AND put_ms = ?2")))
		return -BOSUN_EIO;
	sq_bind(s, 1, key);
	sqlite3_bind_int64(s, 2, put_ms);
	if ((r = sq_done(q, s)) < 0)
		return r;
	return sqlite3_changes(q->db) > 0;
}

/* ------------------------------------------------------------ benchmarks */

static int sq_bench_append(struct store_backend *b, const char *name, double value,
			   const char *unit, const char *meta)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];

	if (!(s = sq_stmt(q, SQ_BENCH_APPEND, "INSERT INTO bench_samples (name, at, "
			  "value, unit, meta) VALUES (?1, ?2, ?3, ?4, ?5)")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sq_bind(s, 1, name);
	sq_bind(s, 2, at);
	sqlite3_bind_double(s, 3, value);
	sq_bind(s, 4, unit);
	sq_bind(s, 5, meta);
	return sq_done(q, s);
}

static int sq_bench_list(struct store_backend *b, const char *name,
			 struct store_bench_sample **out, size_t *nr)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

	if (!(s = sq_stmt(q, SQ_BENCH_LIST, "SELECT id, name, at, value, unit, meta "
			  "FROM bench_samples WHERE name = ?1 ORDER BY id")))
		return -BOSUN_EIO;
	sq_bind(s, 1, name);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_bench_sample *v;

		ALLOC_GROW(*out, *nr + 1, alloc);
		v = &(*out)[(*nr)++];
		v->id = sqlite3_column_int64(s, 0);
		v->name = sq_col(s, 1);
		v->at = sq_col(s, 2);
		v->value = sqlite3_column_double(s, 3);
		v->unit = sq_col(s, 4);
		v->meta = sq_col(s, 5);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	if (rc < 0) {
		store_bench_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return rc;
}

void sq_work_ops(struct store_backend *b)
{
	b->work_put = sq_work_put;
	b->work_get = sq_work_get;
	b->work_list = sq_work_list;
	b->work_set_state = sq_work_set_state;
	b->push_enqueue = sq_push_enqueue;
	b->push_list = sq_push_list;
	b->push_update = sq_push_update;
	b->push_finish = sq_push_finish;
	b->lease_claim = sq_lease_claim;
	b->lease_renew = sq_lease_renew;
	b->lease_release = sq_lease_release;
	b->lease_holder = sq_lease_holder;
	b->lease_takeover = sq_lease_takeover;
	b->cache_get = sq_cache_get;
	b->cache_put = sq_cache_put;
	b->cache_prune = sq_cache_prune;
	b->cache_list = sq_cache_list;
	b->cache_delete = sq_cache_delete;
	b->bench_append = sq_bench_append;
	b->bench_list = sq_bench_list;
}
