/*
 * backend.h - what a store backend implements (after libgit2's
 * git_refdb_backend): a versioned table of operations, one per verb of
 * store.h. A backend embeds struct store_backend first in its own struct,
 * fills every operation, and is listed in store.c's table of schemes with
 * its open function:
 *
 *	int xx_open(struct store_backend **out, const char *location,
 *		    const char *common_dir, int flags);
 *
 * location is the URL after "xx:" (NULL for the default store, which only
 * the default scheme is asked for); common_dir is git's common directory.
 * Unless flags has STORE_OPEN_NO_MIGRATE, open applies the migrations.
 *
 * The front (store.c) checks the arguments and the transaction state once,
 * so an operation can trust them: non-NULL where store.h says so, commit
 * only inside a transaction. Operations record their error (error_set())
 * and return the negative kind, as store.h says; lists return arrays of
 * store.h's structs, allocated with core/alloc.
 */
#ifndef BOSUN_LIB_STORE_BACKEND_H
#define BOSUN_LIB_STORE_BACKEND_H

#include "lib/store/store.h"

#define STORE_BACKEND_VERSION 1

struct store_backend {
	unsigned int version;  /* STORE_BACKEND_VERSION */

	void (*free)(struct store_backend *b);
	const char *(*location)(struct store_backend *b);
	int (*migrate)(struct store_backend *b, int *applied);
	int (*schema_version)(struct store_backend *b);
	int (*schema_latest)(struct store_backend *b);
	/* 1 when a row is kept (bosun's own bookkeeping aside), else 0 */
	int (*holds_data)(struct store_backend *b);
	int (*set_busy_timeout)(struct store_backend *b, int ms);

	int (*begin)(struct store_backend *b, int flags);
	int (*commit)(struct store_backend *b);
	void (*rollback)(struct store_backend *b);

	int (*release_begin)(struct store_backend *b, const struct store_release *rel,
			     long long *id);
	int (*release_update)(struct store_backend *b, long long id, const char *state,
			      const char *commit, const char *message);
	int (*release_list)(struct store_backend *b, int latest_only,
			    struct store_release **out, size_t *nr);
	int (*release_progress)(struct store_backend *b, long long id,
				const char *step, const char *commit,
				const char *data);

	int (*agent_file_get)(struct store_backend *b, const char *target,
			      const char *path, struct store_agent_file *out);
	int (*agent_file_put)(struct store_backend *b, const struct store_agent_file *f);
	int (*agent_file_delete)(struct store_backend *b, const char *target,
				 const char *path);
	/* fn's view of a row is valid during the call only. */
	int (*agent_file_each)(struct store_backend *b, store_agent_file_fn *fn,
			       void *data);
	int (*tmpl_stat_list)(struct store_backend *b, const char *dir,
			      struct store_tmpl_stat **out, size_t *nr);
	int (*tmpl_stat_put)(struct store_backend *b, const char *dir,
			     const struct store_tmpl_stat *t);
	int (*agent_deploy_put)(struct store_backend *b, const struct store_agent_deploy *d);
	int (*agent_deploy_set_state)(struct store_backend *b, const char *id,
				      const char *state);
	int (*agent_deploy_latest)(struct store_backend *b, const char *const *kinds,
				   const char *const *states, struct store_agent_deploy *out);
	int (*snapshot_get)(struct store_backend *b, const char *root,
			    struct strbuf *key, struct strbuf *data);
	int (*snapshot_put)(struct store_backend *b, const char *root, const char *key,
			    const void *data, size_t len);
	int (*snapshot_clear)(struct store_backend *b);

	int (*deployment_insert)(struct store_backend *b, const struct store_deployment *d,
				 long long *id);
	int (*deployment_list)(struct store_backend *b, const char *commit,
			       struct store_deployment **out, size_t *nr);

	int (*event_append)(struct store_backend *b, const char *kind, const char *data,
			    long long *id);
	int (*event_list)(struct store_backend *b, long long after_id,
			  struct store_event **out, size_t *nr);

	int (*work_put)(struct store_backend *b, const struct store_work_item *w);
	int (*work_get)(struct store_backend *b, const char *id,
			struct store_work_item *out);
	int (*work_list)(struct store_backend *b, const char *parent,
			 struct store_work_item **out, size_t *nr);
	int (*work_set_state)(struct store_backend *b, const char *id,
			      const char *expect, const char *state);

	int (*push_enqueue)(struct store_backend *b, const struct store_push *p,
			    long long *id);
	int (*push_list)(struct store_backend *b, const char *state,
			 struct store_push **out, size_t *nr);
	int (*push_update)(struct store_backend *b, long long id, const char *state,
			   const char *message);
	int (*push_finish)(struct store_backend *b, long long id,
			   const struct store_push *p);

	int (*lease_claim)(struct store_backend *b, const char *name, const char *owner,
			   long long ttl_ms, long long now_ms, long long *token);
	int (*lease_renew)(struct store_backend *b, const char *name, const char *owner,
			   long long token, long long ttl_ms, long long now_ms);
	int (*lease_release)(struct store_backend *b, const char *name, const char *owner,
			     long long token);
	int (*lease_holder)(struct store_backend *b, const char *name,
			    struct strbuf *owner, long long *token, long long *left_ms,
			    long long now_ms);
	int (*lease_takeover)(struct store_backend *b, const char *name,
			      const char *owner, const char *old_owner,
			      long long old_token, long long ttl_ms, long long now_ms,
			      long long *token);

	int (*cache_get)(struct store_backend *b, const char *key, struct strbuf *value,
			 struct strbuf *meta);
	int (*cache_put)(struct store_backend *b, const char *key, const void *value,
			 size_t len, const char *meta, long long now_ms);
	int (*cache_prune)(struct store_backend *b, long long before_ms,
			   long long *removed);
	int (*cache_list)(struct store_backend *b, const char *prefix,
			  struct store_cache_entry **out, size_t *nr);
	int (*cache_delete)(struct store_backend *b, const char *key,
			    long long put_ms);

	int (*bench_append)(struct store_backend *b, const char *name, double value,
			    const char *unit, const char *meta);
	int (*bench_list)(struct store_backend *b, const char *name,
			  struct store_bench_sample **out, size_t *nr);

	int (*backup_to)(struct store_backend *b, const char *path);
	int (*restore_from)(struct store_backend *b, const char *path);
};

/* The SQLite backend (lib/store/sqlite.c). */
int store_sqlite_open(struct store_backend **out, const char *location,
		      const char *common_dir, int flags);

/* dst gets its own copy of src's strings. */
void store_agent_file_copy(struct store_agent_file *dst,
			   const struct store_agent_file *src);

/* Now, for the rows' times: UTC "YYYY-MM-DDTHH:MM:SSZ", and ms since the
 * epoch (the leases' and the cache's clock). */
void store_now_iso(char out[32]);
long long store_now_ms(void);

#endif
