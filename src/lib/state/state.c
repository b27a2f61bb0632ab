/*
 * state.c - open the shared SQLite store and keep its schema current (see
 * state.h). Every SQLite failure becomes -BOSUN_EIO with the database's path
 * and SQLite's message, or -BOSUN_EBUSY when a lock outlasted busy_timeout.
 */
#include "lib/state/state.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define STATE_BUSY_TIMEOUT_MS 5000
#define STATE_WAL_RETRY_MS 5

struct state {
	sqlite3 *db;
	char *path;
};

/* Record the connection's last error: what failed, on which file, why. */
static int db_error(struct state *st, const char *what)
{
	int rc = st->db ? sqlite3_extended_errcode(st->db) & 0xff : SQLITE_NOMEM;
	const char *msg = st->db ? sqlite3_errmsg(st->db) : "out of memory";

	return error_set(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ?
			 BOSUN_EBUSY : BOSUN_EIO, "%s '%s': %s",
			 what, st->path, msg);
}

static int db_exec(struct state *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(st, what);
	return 0;
}

/* Run sql, which returns one row, and hand back its first column as text
 * (appended to sb) or as a number (*num); either may be NULL. */
static int db_row(struct state *st, const char *sql, struct strbuf *sb,
		  int *num, const char *what)
{
	sqlite3_stmt *stmt = NULL;
	const char *text;
	int r = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		r = db_error(st, what);
		goto out;
	}
	text = (const char *)sqlite3_column_text(stmt, 0);
	if (sb && text)
		strbuf_addstr(sb, text);
	if (num)
		*num = sqlite3_column_int(stmt, 0);
out:
	sqlite3_finalize(stmt);
	return r;
}

/* Turning a new database to WAL needs a lock for which SQLite does not always
 * call the busy handler (two processes creating the store at once), so wait
 * here as long as the handler would have. */
static int set_wal(struct state *st, struct strbuf *mode)
{
	int waited, r;

	for (waited = 0;; waited += STATE_WAL_RETRY_MS) {
		strbuf_reset(mode);
		r = db_row(st, "PRAGMA journal_mode=WAL", mode, NULL,
			   "cannot use WAL mode on");
		if (r != -BOSUN_EBUSY || waited >= STATE_BUSY_TIMEOUT_MS)
			return r;
		usleep(STATE_WAL_RETRY_MS * 1000);
	}
}

/* WAL lets agents read while one of them writes; the file is in git's
 * common dir, which is local, so WAL's shared memory works. */
static int configure(struct state *st)
{
	struct strbuf mode = STRBUF_INIT;
	int r;

	sqlite3_busy_timeout(st->db, STATE_BUSY_TIMEOUT_MS);
	/* The last connection to close would checkpoint the WAL into the
	 * database and fsync both: a few ms at the end of every command that
	 * wrote. The WAL is checkpointed as it grows instead (every 1,000
	 * pages), and read by the next command meanwhile. */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	r = set_wal(st, &mode);
	if (r >= 0 && strcasecmp(mode.buf, "wal"))
		r = error_set(BOSUN_EIO, "cannot use WAL mode on '%s': "
			      "journal mode is '%s'", st->path, mode.buf);
	if (r >= 0)
		r = db_exec(st, "PRAGMA synchronous=NORMAL;"
			    "PRAGMA foreign_keys=ON;", "cannot configure");
	strbuf_release(&mode);
	return r;
}

int state_open_raw(struct state **out, const char *common_dir)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
	struct state *st = xcalloc(1, sizeof(*st));
	int r;

	fs_path_join(&dir, common_dir, "bosun");
	fs_path_join(&path, dir.buf, "state.db");
	st->path = strbuf_detach(&path, NULL);
	if ((r = fs_mkdir_p(dir.buf)) < 0)
		goto out;
	if (sqlite3_open_v2(st->path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		r = db_error(st, "cannot open");
		goto out;
	}
	r = configure(st);
out:
	if (r < 0) {
		state_close(st);
		st = NULL;
	} else {
		*out = st;
	}
	strbuf_release(&dir);
	return r;
}

int state_schema_version(struct state *st)
{
	int version = 0, r;

	r = db_row(st, "PRAGMA user_version", NULL, &version,
		   "cannot read the schema version of");
	return r < 0 ? r : version;
}

/* Refuse a store written by a newer bosun rather than misread it. */
static int check_not_newer(struct state *st, int version)
{
	if (version <= state_migrations_nr)
		return 0;
	return error_set(BOSUN_EDATA, "state.db has schema version %d, newer "
			 "than this bosun knows (%d); upgrade bosun",
			 version, state_migrations_nr);
}

static int set_version(struct state *st, int version)
{
	struct strbuf sql = STRBUF_INIT;
	int r;

	strbuf_addf(&sql, "PRAGMA user_version=%d", version);
	r = db_exec(st, sql.buf, "cannot set the schema version of");
	strbuf_release(&sql);
	return r;
}

/* Apply m unless another process did while we waited for the write lock:
 * the version is read again inside the IMMEDIATE transaction, which no one
 * else can be writing. *did is 1 when we applied it. */
static int apply_one(struct state *st, const struct state_migration *m, int *did)
{
	int version, r;

	*did = 0;
	if ((r = db_exec(st, "BEGIN IMMEDIATE", "cannot lock")) < 0)
		return r;
	if ((version = state_schema_version(st)) < 0) {
		r = version;
		goto out;
	}
	if ((r = check_not_newer(st, version)) < 0 || version >= m->version)
		goto out;
	if (sqlite3_exec(st->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
		r = error_set(BOSUN_EIO, "migration %d (%s) failed on '%s': %s",
			      m->version, m->name, st->path,
			      sqlite3_errmsg(st->db));
		goto out;
	}
	if ((r = set_version(st, m->version)) < 0)
		goto out;
	if ((r = db_exec(st, "COMMIT", "cannot commit to")) >= 0)
		*did = 1;
out:
	if (r < 0 || !*did)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int state_migrate(struct state *st, int *applied)
{
	int version, did, i, n = 0, r = 0;

	if ((version = state_schema_version(st)) < 0)
		return version;
	if ((r = check_not_newer(st, version)) < 0)
		return r;
	/* The common case, an up-to-date store, takes no lock at all. */
	for (i = version; i < state_migrations_nr && r >= 0; i++) {
		r = apply_one(st, &state_migrations[i], &did);
		n += did;
	}
	if (applied)
		*applied = n;
	return r;
}

int state_open(struct state **out, const char *common_dir)
{
	struct state *st;
	int r;

	if ((r = state_open_raw(&st, common_dir)) < 0)
		return r;
	if ((r = state_migrate(st, NULL)) < 0) {
		state_close(st);
		return r;
	}
	*out = st;
	return 0;
}

const char *state_path(struct state *st)
{
	return st ? st->path : NULL;
}

sqlite3 *state_db(struct state *st)
{
	return st ? st->db : NULL;
}

void state_close(struct state *st)
{
	if (!st)
		return;
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}
