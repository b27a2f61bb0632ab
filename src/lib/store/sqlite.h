/*
 * sqlite.h - inside the SQLite backend (sqlite.c, sqlite_work.c,
 * sqlite_migrations.c); nothing outside lib/store/sqlite* includes it but
 * the backend's own tests.
 *
 * The connection's statements are prepared once, on first use, into a slot
 * of struct sq (sq_stmt()), and reset after each use. Every SQLite failure
 * becomes -BOSUN_EBUSY (a lock outlasted the busy timeout) or -BOSUN_EIO,
 * with the database's path and SQLite's message (sq_fail()).
 */
#ifndef BOSUN_LIB_STORE_SQLITE_H
#define BOSUN_LIB_STORE_SQLITE_H

#include "lib/store/backend.h"

#include <sqlite3.h>

/* Migrations are numbered SQL scripts (sqlite_migrations.c); PRAGMA
 * user_version is the number of the last one applied. */
struct sqlite_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct sqlite_migration sqlite_migrations[];
extern const int sqlite_migrations_nr;

enum sq_slot {
	SQ_RELEASE_BEGIN, SQ_RELEASE_UPDATE, SQ_RELEASE_LIST, SQ_RELEASE_LATEST,
	SQ_RELEASE_PROGRESS,
	SQ_FILE_GET, SQ_FILE_PUT, SQ_FILE_DELETE, SQ_FILE_LIST,
	SQ_TSTAT_LIST, SQ_TSTAT_PUT,
	SQ_ADEPLOY_PUT, SQ_ADEPLOY_STATE, SQ_ADEPLOY_LATEST,
	SQ_SNAP_GET, SQ_SNAP_PUT, SQ_SNAP_CLEAR,
	SQ_DEPLOY_INSERT, SQ_DEPLOY_LIST, SQ_DEPLOY_LIST_COMMIT,
	SQ_EVENT_APPEND, SQ_EVENT_LIST,
	SQ_WORK_PUT, SQ_WORK_GET, SQ_WORK_LIST, SQ_WORK_LIST_TOP,
	SQ_WORK_STATE, SQ_WORK_STATE_FROM,
	SQ_PUSH_ENQUEUE, SQ_PUSH_LIST, SQ_PUSH_LIST_STATE, SQ_PUSH_UPDATE,
	SQ_PUSH_FINISH,
	SQ_LEASE_GET, SQ_LEASE_SET, SQ_LEASE_RENEW, SQ_LEASE_RELEASE,
	SQ_CACHE_GET, SQ_CACHE_PUT, SQ_CACHE_PRUNE, SQ_CACHE_LIST, SQ_CACHE_DELETE,
	SQ_BENCH_APPEND, SQ_BENCH_LIST,
	SQ_SLOTS
};

struct sq {
	struct store_backend parent;
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[SQ_SLOTS];
};

static inline struct sq *sq_of(struct store_backend *b)
{
	return (struct sq *)b;
}

/* The statement of slot, prepared from sql on first use. NULL: failed,
 * error recorded. */
sqlite3_stmt *sq_stmt(struct sq *q, enum sq_slot slot, const char *sql);
/* Record the connection's last error: "what 'path': message". */
int sq_fail(struct sq *q, const char *what);
/* Run s to its end (reset after): 0, or the error. */
int sq_done(struct sq *q, sqlite3_stmt *s);
int sq_exec(struct sq *q, const char *sql, const char *what);
/* A text column as a new string, NULL for NULL. */
char *sq_col(sqlite3_stmt *s, int i);
void sq_bind(sqlite3_stmt *s, int i, const char *text);
/* Write in one IMMEDIATE transaction of our own unless one is open. */
int sq_tx_begin(struct sq *q, int *own);
int sq_tx_end(struct sq *q, int own, int r);

/* sqlite_work.c: the verbs of the work to come (work items, the push
 * queue, leases, the pipeline cache, benchmark samples). */
void sq_work_ops(struct store_backend *b);

/* For tests: the connection. */
sqlite3 *store_sqlite_db(struct store_backend *b);

#endif
