/*
 * store.h - the repository's shared store, behind one interface whose verbs
 * are bosun's (releases, agent files, deployments, events, leases, ...), not
 * a database's. A backend (lib/store/backend.h) implements them; the URL
 * picks it: "sqlite:PATH" or "sqlite:///abs/path" (the only scheme this build
 * has), or NULL / "" for the default, SQLite at
 * $(git-common-dir)/bosun/state.db. Commands take it from the store.url key
 * (BOSUN_STORE_URL in the environment).
 *
 *	struct store *s;
 *	if ((r = store_open(&s, url, common_dir, 0)) < 0)  // applies migrations
 *		return r;
 *	if ((r = store_begin(s, STORE_TX_WRITE)) < 0)	// takes the write lock
 *		goto out;
 *	r = store_event_append(s, "deploy", "{...}", &id);
 *	r = r < 0 ? r : store_commit(s);
 *	if (r < 0)
 *		store_rollback(s);			// keeps the error
 *	store_close(s);
 *
 * Every verb returns 0 (or a count) or a negative error kind with the
 * message recorded: -BOSUN_EBUSY when another writer held the store longer
 * than the busy timeout, -BOSUN_ENOTFOUND for a get of a missing row,
 * -BOSUN_EINTERNAL for a call the front refuses (a NULL store or argument,
 * a commit outside a transaction), -BOSUN_EIO for anything else. Outside a
 * transaction each write is its own. Lists come back as arrays the caller
 * frees with the matching *_free(); what a get fills is released with the
 * matching *_clear(). Strings a row lacks are NULL. The records' strings
 * are const for the caller that fills one to write it; those the store
 * returns are allocated, and freed by *_clear() and *_free().
 */
#ifndef BOSUN_LIB_STORE_H
#define BOSUN_LIB_STORE_H

#include "core/statcache.h"
#include "core/strbuf.h"
#include "lib/config/config.h"

#include <stddef.h>

struct store;

/* The configuration key store.url (keys.c). */
extern const struct config_key store_config_keys[];

/* store_open() flags. */
#define STORE_OPEN_NO_MIGRATE 1  /* for "bosun migrate --status" */
/* For a command that only reads (agents list, migrate --status): create
 * nothing and write nothing, not even a folder, so that it works in a
 * bare repository and on a read-only mount. An absent store reads as an
 * empty one (schema 0 with STORE_OPEN_NO_MIGRATE); an existing one is
 * opened read-only, and one of an older schema is read through a copy in
 * memory with the migrations applied there. Writes go to that copy, or
 * fail, and are never kept. */
#define STORE_OPEN_READ 2

/* Open the store named by url (NULL or "": the default in common_dir).
 * An unknown scheme is -BOSUN_EUNAVAILABLE naming the schemes this build
 * has; a malformed URL is -BOSUN_EUSAGE. */
int store_open(struct store **out, const char *url, const char *common_dir,
	       int flags);
void store_close(struct store *s);

/* Where the store is, for messages (a file's path for SQLite). */
const char *store_location(struct store *s);
/* The schema: applied pending migrations (*applied: how many), the version
 * the store is at, the newest this build knows. A store newer than this
 * build is -BOSUN_EDATA. */
int store_migrate(struct store *s, int *applied);
int store_schema_version(struct store *s);
int store_schema_latest(struct store *s);
/* How long a writer waits for another before -BOSUN_EBUSY (default 5 s). */
int store_set_busy_timeout(struct store *s, int ms);

/*
 * Called once before migrations are applied to a store that holds data (a
 * schema from 1 up, older than this build's: from < to), whether by
 * store_migrate() or by a store_open() without STORE_OPEN_NO_MIGRATE or
 * STORE_OPEN_READ: bosun backs the store up there (cmd/ sets the hook, so
 * the store needs no other domain). A negative return is the open's or the
 * migration's error and nothing is migrated. The hook may open the store
 * itself with STORE_OPEN_NO_MIGRATE or STORE_OPEN_READ (never called then).
 */
typedef int store_migrate_hook_fn(void *data, const char *location, int from,
				  int to);
void store_set_migrate_hook(store_migrate_hook_fn *fn, void *data);

/* A consistent copy of the whole store, made while others may write it
 * (SQLite's online backup), as a new file at path (replaced if there).
 * store_restore_from() replaces the store's whole content by such a copy,
 * in one transaction: readers see all of the old or all of the new. A copy
 * written by a newer bosun (a newer schema) is -BOSUN_EDATA and changes
 * nothing. */
int store_backup_to(struct store *s, const char *path);
int store_restore_from(struct store *s, const char *path);

/* ------------------------------------------------------------ transactions */

#define STORE_TX_WRITE 1  /* take the write lock now, not at the first write */
int store_begin(struct store *s, int flags);
int store_commit(struct store *s);
/* Undo the open transaction; keeps the recorded error. */
void store_rollback(struct store *s);

/* ------------------------------------------------------------ releases */

/* state: planned, running (step: the step reached; data: JSON of what a
 * resume or abort needs), then done, tagged, failed, undone or aborted
 * (docs/state.md). Times are UTC, ISO 8601. */
struct store_release {
	long long id;
	const char *version, *tag, *commit, *previous, *channel, *state, *step,
	           *message, *started_at, *updated_at, *data;
};
/* A new row (version, tag, previous, channel; state "planned"). */
int store_release_begin(struct store *s, const struct store_release *rel,
			long long *id);
/* Set its state and message; commit NULL or "" keeps the commit it has. */
int store_release_update(struct store *s, long long id, const char *state,
			 const char *commit, const char *message);
/* A running release reached step: state "running", step, and commit and
 * data when not NULL (NULL keeps what the row has). */
int store_release_progress(struct store *s, long long id, const char *step,
			   const char *commit, const char *data);
/* Every release, oldest first. */
int store_release_list(struct store *s, struct store_release **out, size_t *nr);
/* The newest; -BOSUN_ENOTFOUND when there is none. */
int store_release_latest(struct store *s, struct store_release *out);
void store_release_clear(struct store_release *r);
void store_release_free(struct store_release *v, size_t nr);

/* ------------------------------------------------------------ agent files */

/* One file bosun owns (docs/agents.md). src, src_hash, base_hash and
 * renderer say what its bytes were rendered from; st is the file's stat
 * when bosun wrote it (core/statcache.h). A get returns them only for the bytes they were
 * recorded with (hash): else NULL and st.set 0. */
struct store_agent_file {
	const char *target, *path, *template, *version, *hash, *deployed_at;
	const char *src, *src_hash, *base_hash, *renderer;
	struct stat_stamp st;
};
int store_agent_file_get(struct store *s, const char *target, const char *path,
			 struct store_agent_file *out);
/* Insert or replace; src... recorded when src and renderer are set, st
 * when st.set. */
int store_agent_file_put(struct store *s, const struct store_agent_file *f);
int store_agent_file_delete(struct store *s, const char *target, const char *path);
/* Every row, by target and path. */
int store_agent_file_list(struct store *s, struct store_agent_file **out,
			  size_t *nr);
/* The same rows, each handed to fn without a copy: f and its strings are
 * valid during the call only. A negative return from fn stops the walk
 * and is returned. */
typedef int store_agent_file_fn(const struct store_agent_file *f, void *data);
int store_agent_file_each(struct store *s, store_agent_file_fn *fn, void *data);
void store_agent_file_clear(struct store_agent_file *f);
void store_agent_file_free(struct store_agent_file *v, size_t nr);

/* The template stat cache: one template file's stat when bosun read it,
 * and the SHA-256 of the bytes it vouches for. */
struct store_tmpl_stat {
	const char *name, *hash;
	struct stat_stamp st;
};
/* Every row of a templates folder (dir: absolute), by name. */
int store_tmpl_stat_list(struct store *s, const char *dir,
			 struct store_tmpl_stat **out, size_t *nr);
int store_tmpl_stat_put(struct store *s, const char *dir,
			const struct store_tmpl_stat *t);
void store_tmpl_stat_free(struct store_tmpl_stat *v, size_t nr);

/* An agents deployment (the journal's row): kind deploy, clean or rollback;
 * state done, interrupted or rolled-back; manifest: the journal's JSON. */
struct store_agent_deploy {
	const char *id, *kind, *state, *at, *manifest;
};
/* Insert or replace by id (it becomes the newest). */
int store_agent_deploy_put(struct store *s, const struct store_agent_deploy *d);
int store_agent_deploy_set_state(struct store *s, const char *id, const char *state);
/* The newest whose kind and state are in the NULL-terminated lists (NULL:
 * any); -BOSUN_ENOTFOUND when none. */
int store_agent_deploy_latest(struct store *s, const char *const *kinds,
			      const char *const *states,
			      struct store_agent_deploy *out);
void store_agent_deploy_clear(struct store_agent_deploy *d);

/* The no-op snapshot of a work tree (root): 1 and key, data filled when
 * there is one, 0 when not. put replaces it; clear drops every root's. */
int store_snapshot_get(struct store *s, const char *root, struct strbuf *key,
		       struct strbuf *data);
int store_snapshot_put(struct store *s, const char *root, const char *key,
		       const void *data, size_t len);
int store_snapshot_clear(struct store *s);

/* ------------------------------------------------------------ deployments */

/* One finished deployment watch (docs/deploy.md). verdict: success,
 * failed, timeout or canceled; probes: JSON. */
struct store_deployment {
	long long id;
	const char *commit, *started_at, *finished_at, *verdict, *probes, *message,
	           *remote, *branch;
	long long attempts, requests, duration_ms;
};
int store_deployment_insert(struct store *s, const struct store_deployment *d,
			    long long *id);
/* Oldest first; commit NULL: all. */
int store_deployment_list(struct store *s, const char *commit,
			  struct store_deployment **out, size_t *nr);
void store_deployment_free(struct store_deployment *v, size_t nr);

/* ------------------------------------------------------------ events */

struct store_event {
	long long id;
	const char *at, *kind, *data;
};
/* Append one (data: any text, usually JSON; may be NULL); *id grows. */
int store_event_append(struct store *s, const char *kind, const char *data,
		       long long *id);
/* Those with an id above after_id, oldest first. */
int store_event_list(struct store *s, long long after_id,
		     struct store_event **out, size_t *nr);
void store_event_free(struct store_event *v, size_t nr);

/* ------------------------------------------------------------ work items */

/* A plan row (parent NULL) or one workstream of a plan (parent: its id).
 * data: the item's JSON. */
struct store_work_item {
	const char *id, *parent, *kind, *state, *data, *created_at, *updated_at;
};
/* Insert or replace by id (created_at kept on replace). */
int store_work_put(struct store *s, const struct store_work_item *w);
int store_work_get(struct store *s, const char *id, struct store_work_item *out);
/* parent NULL: the plans; else that plan's workstreams; by creation. */
int store_work_list(struct store *s, const char *parent,
		    struct store_work_item **out, size_t *nr);
/* Set the state; expect non-NULL: only from that state, else -BOSUN_EBUSY
 * (someone else moved it). -BOSUN_ENOTFOUND: no such item. */
int store_work_set_state(struct store *s, const char *id, const char *expect,
			 const char *state);
void store_work_clear(struct store_work_item *w);
void store_work_free(struct store_work_item *v, size_t nr);

/* ------------------------------------------------------------ push queue */

/* One entry of the push queue: state queued, pushing, pushed, failed.
 * What was pushed is from..commit (from NULL: a new branch) to branch of
 * remote; attempts: how many pushes it took; duration_ms: from the
 * enqueue to the outcome (docs/sync.md). */
struct store_push {
	long long id;
	const char *branch, *commit, *owner, *state, *message, *queued_at, *updated_at;
	const char *remote, *from;
	long long attempts, duration_ms;
};
/* Append (branch, commit, owner, remote, from; state "queued"). */
int store_push_enqueue(struct store *s, const struct store_push *p, long long *id);
/* In queue order; state NULL: all. */
int store_push_list(struct store *s, const char *state, struct store_push **out,
		    size_t *nr);
int store_push_update(struct store *s, long long id, const char *state,
		      const char *message);
/* Record the outcome of push id: p's state, message, from, commit,
 * attempts and duration_ms (-BOSUN_ENOTFOUND: no such push). */
int store_push_finish(struct store *s, long long id, const struct store_push *p);
void store_push_free(struct store_push *v, size_t nr);

/* ------------------------------------------------------------ leases */

/*
 * A named lease held by one owner until it expires (ttl_ms from the claim
 * or the last renewal). Every successful claim gets a fencing token larger
 * than any the lease had before, so a holder that lost the lease (expired,
 * taken over) is told apart by its older token. claim is atomic: of owners
 * claiming at once exactly one wins; a live lease is -BOSUN_EBUSY, even for
 * its holder (renew it instead); an expired one is taken over.
 */
int store_lease_claim(struct store *s, const char *name, const char *owner,
		      long long ttl_ms, long long *token);
/* Extend it: -BOSUN_EBUSY when owner/token no longer hold it. */
int store_lease_renew(struct store *s, const char *name, const char *owner,
		      long long token, long long ttl_ms);
/* Give it up: -BOSUN_EBUSY when owner/token no longer hold it. */
int store_lease_release(struct store *s, const char *name, const char *owner,
			long long token);
/* Who holds it: 1 with the owner, token and the ms left, when a live
 * claim holds it; 0 when it is free (never claimed, released or expired). */
int store_lease_holder(struct store *s, const char *name, struct strbuf *owner,
		       long long *token, long long *left_ms);
/* Take over a claim whose holder is known to be gone (its process died
 * before the lease expired): atomic, it succeeds only while old_owner and
 * old_token still hold the lease, else -BOSUN_EBUSY (someone else took it
 * or it was released: claim again). The new token is larger, as a claim's. */
int store_lease_takeover(struct store *s, const char *name, const char *owner,
			 const char *old_owner, long long old_token,
			 long long ttl_ms, long long *token);

/* ------------------------------------------------------------ pipeline cache */

/* value: bytes; meta: text (JSON); at: when put, in ms since the epoch. */
int store_cache_get(struct store *s, const char *key, struct strbuf *value,
		    struct strbuf *meta);
int store_cache_put(struct store *s, const char *key, const void *value,
		    size_t len, const char *meta);
/* Drop entries put before before_ms; *removed: how many (may be NULL). */
int store_cache_prune(struct store *s, long long before_ms, long long *removed);
/* One entry without its value: bytes is the value's length plus the key's
 * and meta's, what the row holds. */
struct store_cache_entry {
	const char *key, *meta;
	long long bytes, put_ms;
};
/* The entries whose key starts with prefix (NULL or "": all), by key. */
int store_cache_list(struct store *s, const char *prefix,
		     struct store_cache_entry **out, size_t *nr);
void store_cache_free(struct store_cache_entry *v, size_t nr);
/* Drop key if it is still the entry put at put_ms (one that was put again
 * since stays): 1 dropped, 0 not (gone already, or put again). */
int store_cache_delete(struct store *s, const char *key, long long put_ms);

/* ------------------------------------------------------------ benchmarks */

struct store_bench_sample {
	long long id;
	const char *name, *at, *unit, *meta;
	double value;
};
int store_bench_append(struct store *s, const char *name, double value,
		       const char *unit, const char *meta);
/* The samples of one benchmark, oldest first. */
int store_bench_list(struct store *s, const char *name,
		     struct store_bench_sample **out, size_t *nr);
void store_bench_free(struct store_bench_sample *v, size_t nr);

#endif
