/*
 * state.h - the repository's shared store: SQLite in WAL mode at
 * $(git rev-parse --git-common-dir)/bosun/state.db, so every worktree (every
 * agent) sees the same rows.
 *
 *	struct state *st;
 *	if ((r = state_open(&st, common_dir)) < 0)	// creates dir and db,
 *		return r;				// applies migrations
 *	sqlite3 *db = state_db(st);
 *	state_close(st);
 *
 * Migrations are numbered SQL scripts compiled in (state/migrations.c); the
 * database's PRAGMA user_version is the number of the last one applied. Each
 * is applied in its own IMMEDIATE transaction, so two processes opening a new
 * store at once apply each migration exactly once. A store whose
 * user_version is newer than this binary knows is refused (BOSUN_EDATA) rather
 * than misread. Busy locks are waited for (busy_timeout 5 s), then
 * -BOSUN_EBUSY.
 */
#ifndef BOSUN_LIB_STATE_H
#define BOSUN_LIB_STATE_H

#include <sqlite3.h>

struct state;

struct state_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct state_migration state_migrations[];
extern const int state_migrations_nr;

int state_open(struct state **out, const char *common_dir);
/* Open without applying migrations (for "bosun migrate --status"). */
int state_open_raw(struct state **out, const char *common_dir);
/* Apply pending migrations; *applied gets how many were applied. */
int state_migrate(struct state *st, int *applied);
int state_schema_version(struct state *st);
const char *state_path(struct state *st);
sqlite3 *state_db(struct state *st);
void state_close(struct state *st);

#endif
