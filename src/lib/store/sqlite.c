/*
 * sqlite.c - the SQLite backend of the store (backend.h): one file in WAL
 * mode, by default $(git-common-dir)/bosun/state.db, so every worktree
 * (every agent) sees the same rows. This file opens it and keeps its schema
 * current, and holds the verbs of releases, agents, deployments and events;
 * sqlite_work.c holds those of the work to come.
 *
 * Each migration is applied in its own IMMEDIATE transaction, so two
 * processes opening a new store at once apply each migration exactly once.
 * A store whose user_version is newer than this binary knows is refused
 * (BOSUN_EDATA) rather than misread, naming the bosun that can read it
 * (each migration records in meta which bosun applied it). Busy locks are
 * waited for (busy_timeout 5 s), then -BOSUN_EBUSY.
 */
#include "bosun-config.h"
#include "lib/store/sqlite.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SQ_BUSY_TIMEOUT_MS 5000
#define SQ_WAL_RETRY_MS 5

/* ------------------------------------------------------------ helpers */

int sq_fail(struct sq *q, const char *what)
{
	int rc = q->db ? sqlite3_extended_errcode(q->db) & 0xff : SQLITE_NOMEM;
	const char *msg = q->db ? sqlite3_errmsg(q->db) : "out of memory";

	return error_set(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ?
			 BOSUN_EBUSY : BOSUN_EIO, "%s '%s': %s",
			 what, q->path, msg);
}

int sq_exec(struct sq *q, const char *sql, const char *what)
{
	if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(q, what);
	return 0;
}

sqlite3_stmt *sq_stmt(struct sq *q, enum sq_slot slot, const char *sql)
{
	sqlite3_stmt *s = q->stmt[slot];

	if (!s) {
		if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s, NULL) != SQLITE_OK) {
			sq_fail(q, "cannot read");
			return NULL;
		}
		q->stmt[slot] = s;
	}
	sqlite3_clear_bindings(s);
	return s;
}

int sq_done(struct sq *q, sqlite3_stmt *s)
{
	int r = sqlite3_step(s) == SQLITE_DONE ? 0 : sq_fail(q, "cannot update");

	sqlite3_reset(s);
	return r;
}

char *sq_col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? xstrdup(t) : NULL;
}

void sq_bind(sqlite3_stmt *s, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int sq_tx_begin(struct sq *q, int *own)
{
	*own = sqlite3_get_autocommit(q->db);
	return *own ? sq_exec(q, "BEGIN IMMEDIATE", "cannot lock") : 0;
}

int sq_tx_end(struct sq *q, int own, int r)
{
	if (!own)
		return r;
	if (r >= 0)
		r = sq_exec(q, "COMMIT", "cannot commit to");
	if (r < 0)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Run sql, which returns one row, and hand back its first column as text
 * (appended to sb) or as a number (*num); either may be NULL. */
static int db_row(struct sq *q, const char *sql, struct strbuf *sb,
		  int *num, const char *what)
{
	sqlite3_stmt *stmt = NULL;
	const char *text;
	int r = 0;

	if (sqlite3_prepare_v2(q->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		r = sq_fail(q, what);
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

/* ------------------------------------------------------------ opening */

/* Turning a new database to WAL needs a lock for which SQLite does not always
 * call the busy handler (two processes creating the store at once), so wait
 * here as long as the handler would have. */
static int set_wal(struct sq *q, struct strbuf *mode)
{
	int waited, r;

	for (waited = 0;; waited += SQ_WAL_RETRY_MS) {
		strbuf_reset(mode);
		r = db_row(q, "PRAGMA journal_mode=WAL", mode, NULL,
			   "cannot use WAL mode on");
		if (r != -BOSUN_EBUSY || waited >= SQ_BUSY_TIMEOUT_MS)
			return r;
		time_sleep_ms(SQ_WAL_RETRY_MS);
	}
}

/* WAL lets agents read while one of them writes; the file is in git's
 * common dir, which is local, so WAL's shared memory works. */
static int configure(struct sq *q)
{
	struct strbuf mode = STRBUF_INIT;
	int r;

	sqlite3_busy_timeout(q->db, SQ_BUSY_TIMEOUT_MS);
	/* The last connection to close would checkpoint the WAL into the
	 * database and fsync both: a few ms at the end of every command that
	 * wrote. The WAL is checkpointed as it grows instead (every 1,000
	 * pages), and read by the next command meanwhile. */
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	r = set_wal(q, &mode);
	if (r >= 0 && strcasecmp(mode.buf, "wal"))
		r = error_set(BOSUN_EIO, "cannot use WAL mode on '%s': "
			      "journal mode is '%s'", q->path, mode.buf);
	if (r >= 0)
		r = sq_exec(q, "PRAGMA synchronous=NORMAL;"
			    "PRAGMA foreign_keys=ON;", "cannot configure");
	strbuf_release(&mode);
	return r;
}

static int sq_schema_version(struct store_backend *b)
{
	int version = 0, r;

	r = db_row(sq_of(b), "PRAGMA user_version", NULL, &version,
		   "cannot read the schema version of");
	return r < 0 ? r : version;
}

static int sq_schema_latest(struct store_backend *b)
{
	return sqlite_migrations_nr;
}

/* 1 when a table other than meta has a row. A store that another process
 * is creating at this moment has none yet: no backup is made of it. */
static int sq_holds_data(struct store_backend *b)
{
	struct sq *q = sq_of(b);
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *tables = NULL, *one = NULL;
	int r = 0, rc;

	if (sqlite3_prepare_v2(q->db, "SELECT name FROM sqlite_master WHERE type = 'table' "
			       "AND name <> 'meta' AND name NOT LIKE 'sqlite%'", -1,
			       &tables, NULL) != SQLITE_OK)
		return sq_fail(q, "cannot list the tables of");
	while (!r && (rc = sqlite3_step(tables)) == SQLITE_ROW) {
		strbuf_reset(&sql);
		strbuf_addf(&sql, "SELECT 1 FROM \"%s\" LIMIT 1",
			    (const char *)sqlite3_column_text(tables, 0));
		if (sqlite3_prepare_v2(q->db, sql.buf, -1, &one, NULL) != SQLITE_OK) {
			r = sq_fail(q, "cannot read");
			break;
		}
		rc = sqlite3_step(one);
		r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
		sqlite3_finalize(one);
	}
	if (!r && rc != SQLITE_DONE)
		r = sq_fail(q, "cannot list the tables of");
	sqlite3_finalize(tables);
	strbuf_release(&sql);
	return r;
}

/*
 * Which bosun brought the store to each schema version: meta's
 * "schema.<N>.bosun" row, written in the transaction of migration N. A
 * store newer than this binary then says which bosun reads it.
 */
static int record_writer(struct sq *q, int version)
{
	sqlite3_stmt *stmt = NULL;
	char key[32];
	int r = 0;

	snprintf(key, sizeof(key), "schema.%d.bosun", version);
	if (sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO meta (key, value) "
			       "VALUES (?1, ?2)", -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, BOSUN_VERSION, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE)
		r = sq_fail(q, "cannot record the schema's writer in");
	sqlite3_finalize(stmt);
	return r;
}

/* Refuse a store written by a newer bosun rather than misread it, naming
 * the bosun that wrote it when the store says. */
static int check_not_newer(struct sq *q, int version)
{
	struct strbuf sql = STRBUF_INIT, who = STRBUF_INIT;
	int r;

	if (version <= sqlite_migrations_nr)
		return 0;
	strbuf_addf(&sql, "SELECT value FROM meta WHERE key = 'schema.%d.bosun'", version);
	if (db_row(q, sql.buf, &who, NULL, "cannot read the schema's writer in") < 0)
		error_clear();
	if (who.len)
		r = error_set(BOSUN_EDATA, "state.db has schema version %d, newer than "
			      "this bosun (%s) knows (%d); bosun %s or newer reads it: "
			      "upgrade bosun", version, BOSUN_VERSION,
			      sqlite_migrations_nr, who.buf);
	else
		r = error_set(BOSUN_EDATA, "state.db has schema version %d, newer "
			      "than this bosun knows (%d); upgrade bosun",
			      version, sqlite_migrations_nr);
	strbuf_release(&sql);
	strbuf_release(&who);
	return r;
}

static int set_version(struct sq *q, int version)
{
	struct strbuf sql = STRBUF_INIT;
	int r;

	strbuf_addf(&sql, "PRAGMA user_version=%d", version);
	r = sq_exec(q, sql.buf, "cannot set the schema version of");
	strbuf_release(&sql);
	return r;
}

/* Apply m unless another process did while we waited for the write lock:
 * the version is read again inside the IMMEDIATE transaction, which no one
 * else can be writing, into *seen. *did is 1 when we applied it. */
static int apply_one(struct sq *q, const struct sqlite_migration *m, int *did,
		     int *seen)
{
	int version, r;

	*did = 0;
	*seen = 0;
	if ((r = sq_exec(q, "BEGIN IMMEDIATE", "cannot lock")) < 0)
		return r;
	if ((version = sq_schema_version(&q->parent)) < 0) {
		r = version;
		goto out;
	}
	*seen = version;
	if ((r = check_not_newer(q, version)) < 0 || version >= m->version)
		goto out;
	if (sqlite3_exec(q->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
		r = error_set(BOSUN_EIO, "migration %d (%s) failed on '%s': %s",
			      m->version, m->name, q->path,
			      sqlite3_errmsg(q->db));
		goto out;
	}
	if ((r = record_writer(q, m->version)) < 0 ||
	    (r = set_version(q, m->version)) < 0)
		goto out;
	if ((r = sq_exec(q, "COMMIT", "cannot commit to")) >= 0)
		*did = 1;
out:
	if (r < 0 || !*did)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static int sq_migrate(struct store_backend *b, int *applied)
{
	struct sq *q = sq_of(b);
	int version, did, seen, i, n = 0, r = 0;

	if ((version = sq_schema_version(b)) < 0)
		return version;
	if ((r = check_not_newer(q, version)) < 0)
		return r;
	/* The common case, an up-to-date store, takes no lock at all. Where
	 * another process applied migrations while we waited for the lock,
	 * we go on from the version it left (processes opening a new store
	 * at once then take the lock about once each, not once a migration). */
	for (i = version; i < sqlite_migrations_nr && r >= 0;) {
		r = apply_one(q, &sqlite_migrations[i], &did, &seen);
		n += did;
		i = !did && seen > i ? seen : i + 1;
	}
	if (applied)
		*applied = n;
	return r;
}

static const char *sq_location(struct store_backend *b)
{
	return sq_of(b)->path;
}

static int sq_set_busy_timeout(struct store_backend *b, int ms)
{
	sqlite3_busy_timeout(sq_of(b)->db, ms);
	return 0;
}

static void sq_free(struct store_backend *b)
{
	struct sq *q = sq_of(b);
	int i;

	if (!q)
		return;
	for (i = 0; i < SQ_SLOTS; i++)
		sqlite3_finalize(q->stmt[i]);
	sqlite3_close_v2(q->db);
	free(q->path);
	free(q);
}

sqlite3 *store_sqlite_db(struct store_backend *b)
{
	return b ? sq_of(b)->db : NULL;
}

/* ------------------------------------------------------------ transactions */

static int sq_begin(struct store_backend *b, int flags)
{
	return sq_exec(sq_of(b), flags & STORE_TX_WRITE ? "BEGIN IMMEDIATE" :
		       "BEGIN", "cannot lock");
}

static int sq_commit(struct store_backend *b)
{
	return sq_exec(sq_of(b), "COMMIT", "cannot commit to");
}

static void sq_rollback(struct store_backend *b)
{
	sqlite3_exec(sq_of(b)->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ------------------------------------------------------------ releases */

static int sq_release_begin(struct store_backend *b, const struct store_release *rel,
			    long long *id)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];
	int r;

	if (!(s = sq_stmt(q, SQ_RELEASE_BEGIN, "INSERT INTO releases (version, "
			  "tag, previous, channel, state, started_at, updated_at) "
			  "VALUES (?1, ?2, ?3, ?4, 'planned', ?5, ?5)")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sq_bind(s, 1, rel->version);
	sq_bind(s, 2, rel->tag);
	sq_bind(s, 3, rel->previous);
	sq_bind(s, 4, rel->channel);
	sq_bind(s, 5, at);
	if ((r = sq_done(q, s)) >= 0)
		*id = sqlite3_last_insert_rowid(q->db);
	return r;
}

static int sq_release_update(struct store_backend *b, long long id,
			     const char *state, const char *commit,
			     const char *message)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];
	int r;

	if (!(s = sq_stmt(q, SQ_RELEASE_UPDATE, "UPDATE releases SET state = ?1, "
			  "commit_id = coalesce(?2, commit_id), message = ?3, "
			  "updated_at = ?4 WHERE id = ?5")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sq_bind(s, 1, state);
	sq_bind(s, 2, commit);
	sq_bind(s, 3, message);
	sq_bind(s, 4, at);
	sqlite3_bind_int64(s, 5, id);
	if ((r = sq_done(q, s)) < 0)
		return r;
	if (!sqlite3_changes(q->db))
		return error_set(BOSUN_ENOTFOUND, "no release %lld in '%s'", id, q->path);
	return 0;
}

static int sq_release_progress(struct store_backend *b, long long id,
			       const char *step, const char *commit,
			       const char *data)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];
	int r;

	if (!(s = sq_stmt(q, SQ_RELEASE_PROGRESS, "UPDATE releases SET state = "
			  "'running', step = ?1, commit_id = coalesce(?2, commit_id), "
			  "data = coalesce(?3, data), updated_at = ?4 WHERE id = ?5")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sq_bind(s, 1, step);
	sq_bind(s, 2, commit);
	sq_bind(s, 3, data);
	sq_bind(s, 4, at);
	sqlite3_bind_int64(s, 5, id);
	if ((r = sq_done(q, s)) < 0)
		return r;
	if (!sqlite3_changes(q->db))
		return error_set(BOSUN_ENOTFOUND, "no release %lld in '%s'", id, q->path);
	return 0;
}

static int sq_release_list(struct store_backend *b, int latest_only,
			   struct store_release **out, size_t *nr)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

	s = latest_only ?
		sq_stmt(q, SQ_RELEASE_LATEST, "SELECT id, version, tag, commit_id, "
			"previous, channel, state, step, message, started_at, "
			"updated_at, data FROM releases ORDER BY id DESC LIMIT 1") :
		sq_stmt(q, SQ_RELEASE_LIST, "SELECT id, version, tag, commit_id, "
			"previous, channel, state, step, message, started_at, "
			"updated_at, data FROM releases ORDER BY id");
	if (!s)
		return -BOSUN_EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_release *v;

		ALLOC_GROW(*out, *nr + 1, alloc);
		v = &(*out)[(*nr)++];
		v->id = sqlite3_column_int64(s, 0);
		v->version = sq_col(s, 1);
		v->tag = sq_col(s, 2);
		v->commit = sq_col(s, 3);
		v->previous = sq_col(s, 4);
		v->channel = sq_col(s, 5);
		v->state = sq_col(s, 6);
		v->step = sq_col(s, 7);
		v->message = sq_col(s, 8);
		v->started_at = sq_col(s, 9);
		v->updated_at = sq_col(s, 10);
		v->data = sq_col(s, 11);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	if (rc < 0) {
		store_release_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return rc;
}

/* ------------------------------------------------------------ agent files */

static void copy_stat(struct stat_stamp *st, sqlite3_stmt *s, int col)
{
	int k;

	st->set = 1;
	for (k = col; k < col + 5; k++)
		st->set &= sqlite3_column_type(s, k) == SQLITE_INTEGER;
	if (!st->set)
		return;
	st->size = sqlite3_column_int64(s, col);
	st->mtime = sqlite3_column_int64(s, col + 1);
	st->ctime = sqlite3_column_int64(s, col + 2);
	st->ino = sqlite3_column_int64(s, col + 3);
	st->ref = sqlite3_column_int64(s, col + 4);
}

#define FILE_COLS "target, path, template, version, hash, deployed_at, src, " \
	"src_hash, base_hash, renderer, st_size, st_mtime, st_ctime, st_ino, " \
	"st_ref, st_hash, out_hash"

static const char *col_or_empty(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}

/* The row as a view into the statement's columns (valid until the next
 * step or reset): a list of thousands of rows copies nothing here. */
static void file_view(struct store_agent_file *a, sqlite3_stmt *s)
{
	const char *sh = (const char *)sqlite3_column_text(s, 15);
	const char *oh = (const char *)sqlite3_column_text(s, 16);

	memset(a, 0, sizeof(*a));
	a->target = col_or_empty(s, 0);
	a->path = col_or_empty(s, 1);
	a->template = col_or_empty(s, 2);
	a->version = col_or_empty(s, 3);
	a->hash = col_or_empty(s, 4);
	a->deployed_at = col_or_empty(s, 5);
	/* What it was rendered from counts only for those bytes (out_hash). */
	if (sqlite3_column_type(s, 6) != SQLITE_NULL &&
	    sqlite3_column_type(s, 9) != SQLITE_NULL && oh && !strcmp(oh, a->hash)) {
		a->src = col_or_empty(s, 6);
		a->src_hash = col_or_empty(s, 7);
		a->base_hash = col_or_empty(s, 8);
		a->renderer = col_or_empty(s, 9);
	}
	/* The stat counts only for the bytes it was taken of (st_hash). */
	if (sh && !strcmp(sh, a->hash))
		copy_stat(&a->st, s, 10);
}

static int sq_agent_file_get(struct store_backend *b, const char *target,
			     const char *path, struct store_agent_file *out)
{
	struct sq *q = sq_of(b);
	struct store_agent_file view;
	sqlite3_stmt *s;
	int rc;

	if (!(s = sq_stmt(q, SQ_FILE_GET, "SELECT " FILE_COLS " FROM agent_files "
			  "WHERE target = ?1 AND path = ?2")))
		return -BOSUN_EIO;
	sq_bind(s, 1, target);
	sq_bind(s, 2, path);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		file_view(&view, s);
		store_agent_file_copy(out, &view);
	}
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ?
		error_set(BOSUN_ENOTFOUND, "bosun owns no '%s' of '%s'", path, target) :
		sq_fail(q, "cannot read");
	sqlite3_reset(s);
	return rc;
}

static int sq_agent_file_each(struct store_backend *b, store_agent_file_fn *fn,
			      void *data)
{
	struct sq *q = sq_of(b);
	struct store_agent_file view;
	sqlite3_stmt *s;
	int rc, r = 0;

	if (!(s = sq_stmt(q, SQ_FILE_LIST, "SELECT " FILE_COLS " FROM agent_files "
			  "ORDER BY target, path")))
		return -BOSUN_EIO;
	while (r >= 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		file_view(&view, s);
		r = fn(&view, data);
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = sq_fail(q, "cannot read");
	sqlite3_reset(s);
	return r;
}

static int sq_agent_file_put(struct store_backend *b, const struct store_agent_file *f)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	int k;

	if (!(s = sq_stmt(q, SQ_FILE_PUT, "INSERT OR REPLACE INTO agent_files (" FILE_COLS
			  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
			  "?12, ?13, ?14, ?15, ?16, ?17)")))
		return -BOSUN_EIO;
	sq_bind(s, 1, f->target);
	sq_bind(s, 2, f->path);
	sq_bind(s, 3, f->template);
	sq_bind(s, 4, f->version);
	sq_bind(s, 5, f->hash);
	sq_bind(s, 6, f->deployed_at);
	if (f->src && f->renderer) {
		sq_bind(s, 7, f->src);
		sq_bind(s, 8, f->src_hash);
		sq_bind(s, 9, f->base_hash);
		sq_bind(s, 10, f->renderer);
		sq_bind(s, 17, f->hash);
	}
	if (f->st.set) {
		const long long n[] = { f->st.size, f->st.mtime, f->st.ctime,
					f->st.ino, f->st.ref };

		for (k = 0; k < 5; k++)
			sqlite3_bind_int64(s, 11 + k, n[k]);
		sq_bind(s, 16, f->hash);
	}
	return sq_done(q, s);
}

static int sq_agent_file_delete(struct store_backend *b, const char *target,
				const char *path)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;

	if (!(s = sq_stmt(q, SQ_FILE_DELETE, "DELETE FROM agent_files WHERE "
			  "target = ?1 AND path = ?2")))
		return -BOSUN_EIO;
	sq_bind(s, 1, target);
	sq_bind(s, 2, path);
	return sq_done(q, s);
}

static int sq_tmpl_stat_list(struct store_backend *b, const char *dir,
			     struct store_tmpl_stat **out, size_t *nr)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

	if (!(s = sq_stmt(q, SQ_TSTAT_LIST, "SELECT name, size, mtime, ctime, ino, "
			  "ref, hash FROM agent_templates WHERE dir = ?1 ORDER BY name")))
		return -BOSUN_EIO;
	sq_bind(s, 1, dir);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 6);
		struct store_tmpl_stat *t;

		if (!h || strlen(h) != 64 || !sqlite3_column_text(s, 0))
			continue;
		ALLOC_GROW(*out, *nr + 1, alloc);
		t = &(*out)[(*nr)++];
		memset(t, 0, sizeof(*t));
		t->name = sq_col(s, 0);
		t->hash = xstrdup(h);
		copy_stat(&t->st, s, 1);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	if (rc < 0) {
		store_tmpl_stat_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return rc;
}

static int sq_tmpl_stat_put(struct store_backend *b, const char *dir,
			    const struct store_tmpl_stat *t)
{
	struct sq *q = sq_of(b);
	const long long x[] = { t->st.size, t->st.mtime, t->st.ctime, t->st.ino,
				t->st.ref };
	sqlite3_stmt *s;
	int k;

	if (!(s = sq_stmt(q, SQ_TSTAT_PUT, "INSERT OR REPLACE INTO agent_templates "
			  "(dir, name, size, mtime, ctime, ino, ref, hash) VALUES "
			  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")))
		return -BOSUN_EIO;
	sq_bind(s, 1, dir);
	sq_bind(s, 2, t->name);
	for (k = 0; k < 5; k++)
		sqlite3_bind_int64(s, 3 + k, x[k]);
	sq_bind(s, 8, t->hash);
	return sq_done(q, s);
}

static int sq_agent_deploy_put(struct store_backend *b,
			       const struct store_agent_deploy *d)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;

	if (!(s = sq_stmt(q, SQ_ADEPLOY_PUT, "INSERT OR REPLACE INTO agent_deploys "
			  "(id, kind, state, at, manifest) VALUES (?1, ?2, ?3, ?4, ?5)")))
		return -BOSUN_EIO;
	sq_bind(s, 1, d->id);
	sq_bind(s, 2, d->kind);
	sq_bind(s, 3, d->state);
	sq_bind(s, 4, d->at);
	sq_bind(s, 5, d->manifest);
	return sq_done(q, s);
}

static int sq_agent_deploy_set_state(struct store_backend *b, const char *id,
				     const char *state)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;

	if (!(s = sq_stmt(q, SQ_ADEPLOY_STATE, "UPDATE agent_deploys SET state = ?2 "
			  "WHERE id = ?1")))
		return -BOSUN_EIO;
	sq_bind(s, 1, id);
	sq_bind(s, 2, state);
	return sq_done(q, s);
}

static int in_list(const char *const *list, const char *v)
{
	if (!list)
		return 1;
	for (; *list; list++)
		if (v && !strcmp(*list, v))
			return 1;
	return 0;
}

/* Newest first, the first whose kind and state are wanted: the table holds
 * one row per deployment, and the newest few match. */
static int sq_agent_deploy_latest(struct store_backend *b, const char *const *kinds,
				  const char *const *states,
				  struct store_agent_deploy *out)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	int rc;

	if (!(s = sq_stmt(q, SQ_ADEPLOY_LATEST, "SELECT id, kind, state, at, "
			  "manifest FROM agent_deploys ORDER BY rowid DESC")))
		return -BOSUN_EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (in_list(kinds, (const char *)sqlite3_column_text(s, 1)) &&
		    in_list(states, (const char *)sqlite3_column_text(s, 2)))
			break;
	if (rc == SQLITE_ROW) {
		out->id = sq_col(s, 0);
		out->kind = sq_col(s, 1);
		out->state = sq_col(s, 2);
		out->at = sq_col(s, 3);
		out->manifest = sq_col(s, 4);
	}
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ?
		error_set(BOSUN_ENOTFOUND, "no such agent deployment in '%s'", q->path) :
		sq_fail(q, "cannot read");
	sqlite3_reset(s);
	return rc;
}

static int sq_snapshot_get(struct store_backend *b, const char *root,
			   struct strbuf *key, struct strbuf *data)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	int rc;

	if (!(s = sq_stmt(q, SQ_SNAP_GET, "SELECT key, data FROM agent_snapshot "
			  "WHERE root = ?1")))
		return -BOSUN_EIO;
	sq_bind(s, 1, root);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		const void *d = sqlite3_column_blob(s, 1);
		int len = sqlite3_column_bytes(s, 1);

		strbuf_addstr(key, k ? k : "");
		if (d && len > 0)
			strbuf_add(data, d, (size_t)len);
	}
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	return rc;
}

static int sq_snapshot_put(struct store_backend *b, const char *root,
			   const char *key, const void *data, size_t len)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;

	if (!(s = sq_stmt(q, SQ_SNAP_PUT, "INSERT OR REPLACE INTO agent_snapshot "
			  "(root, key, data) VALUES (?1, ?2, ?3)")))
		return -BOSUN_EIO;
	sq_bind(s, 1, root);
	sq_bind(s, 2, key);
	sqlite3_bind_blob64(s, 3, data, len, SQLITE_STATIC);
	return sq_done(q, s);
}

static int sq_snapshot_clear(struct store_backend *b)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;

	if (!(s = sq_stmt(q, SQ_SNAP_CLEAR, "DELETE FROM agent_snapshot")))
		return -BOSUN_EIO;
	return sq_done(q, s);
}

/* ------------------------------------------------------------ deployments */

static int sq_deployment_insert(struct store_backend *b,
				const struct store_deployment *d, long long *id)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	int r;

	if (!(s = sq_stmt(q, SQ_DEPLOY_INSERT, "INSERT INTO deploys (commit_id, "
			  "started_at, finished_at, verdict, probes, attempts, "
			  "requests, message, remote, branch, duration_ms) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")))
		return -BOSUN_EIO;
	sq_bind(s, 1, d->commit);
	sq_bind(s, 2, d->started_at);
	sq_bind(s, 3, d->finished_at);
	sq_bind(s, 4, d->verdict);
	sq_bind(s, 5, d->probes);
	sqlite3_bind_int64(s, 6, d->attempts);
	sqlite3_bind_int64(s, 7, d->requests);
	sq_bind(s, 8, d->message);
	sq_bind(s, 9, d->remote);
	sq_bind(s, 10, d->branch);
	sqlite3_bind_int64(s, 11, d->duration_ms);
	if ((r = sq_done(q, s)) >= 0 && id)
		*id = sqlite3_last_insert_rowid(q->db);
	return r;
}

static int sq_deployment_list(struct store_backend *b, const char *commit,
			      struct store_deployment **out, size_t *nr)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

#define DEPLOY_COLS "SELECT id, commit_id, started_at, finished_at, verdict, " \
	"probes, attempts, requests, message, remote, branch, duration_ms FROM deploys "
	s = commit ? sq_stmt(q, SQ_DEPLOY_LIST_COMMIT, DEPLOY_COLS
			     "WHERE commit_id = ?1 ORDER BY id") :
		sq_stmt(q, SQ_DEPLOY_LIST, DEPLOY_COLS "ORDER BY id");
#undef DEPLOY_COLS
	if (!s)
		return -BOSUN_EIO;
	if (commit)
		sq_bind(s, 1, commit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_deployment *d;

		ALLOC_GROW(*out, *nr + 1, alloc);
		d = &(*out)[(*nr)++];
		d->id = sqlite3_column_int64(s, 0);
		d->commit = sq_col(s, 1);
		d->started_at = sq_col(s, 2);
		d->finished_at = sq_col(s, 3);
		d->verdict = sq_col(s, 4);
		d->probes = sq_col(s, 5);
		d->attempts = sqlite3_column_int64(s, 6);
		d->requests = sqlite3_column_int64(s, 7);
		d->message = sq_col(s, 8);
		d->remote = sq_col(s, 9);
		d->branch = sq_col(s, 10);
		d->duration_ms = sqlite3_column_int64(s, 11);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	if (rc < 0) {
		store_deployment_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return rc;
}

/* ------------------------------------------------------------ events */

static int sq_event_append(struct store_backend *b, const char *kind,
			   const char *data, long long *id)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	char at[32];
	int r;

	if (!(s = sq_stmt(q, SQ_EVENT_APPEND, "INSERT INTO events (at, kind, data) "
			  "VALUES (?1, ?2, ?3)")))
		return -BOSUN_EIO;
	store_now_iso(at);
	sq_bind(s, 1, at);
	sq_bind(s, 2, kind);
	sq_bind(s, 3, data);
	if ((r = sq_done(q, s)) >= 0 && id)
		*id = sqlite3_last_insert_rowid(q->db);
	return r;
}

static int sq_event_list(struct store_backend *b, long long after_id,
			 struct store_event **out, size_t *nr)
{
	struct sq *q = sq_of(b);
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

	if (!(s = sq_stmt(q, SQ_EVENT_LIST, "SELECT id, at, kind, data FROM events "
			  "WHERE id > ?1 ORDER BY id")))
		return -BOSUN_EIO;
	sqlite3_bind_int64(s, 1, after_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_event *e;

		ALLOC_GROW(*out, *nr + 1, alloc);
		e = &(*out)[(*nr)++];
		e->id = sqlite3_column_int64(s, 0);
		e->at = sq_col(s, 1);
		e->kind = sq_col(s, 2);
		e->data = sq_col(s, 3);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(q, "cannot read");
	sqlite3_reset(s);
	if (rc < 0) {
		store_event_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return rc;
}

/* ------------------------------------------------------------ open */

/* The file a location names: the default in common_dir, "///abs/path",
 * "/abs/path", or a path relative to common_dir. */
static int sq_file(struct strbuf *path, const char *location, const char *common_dir)
{
	if (!location) {
		fs_path_join(path, common_dir, "bosun/state.db");
		return 0;
	}
	if (!strncmp(location, "//", 2)) {
		if (location[2] != '/')
			return error_set(BOSUN_EUSAGE, "store URL 'sqlite:%s' names a "
					 "host; write sqlite:///absolute/path or "
					 "sqlite:PATH", location);
		location += 2;
	}
	if (!*location)
		return error_set(BOSUN_EUSAGE, "store URL 'sqlite:' names no file");
	if (*location == '/' || !common_dir)
		strbuf_addstr(path, location);
	else
		fs_path_join(path, common_dir, location);
	return 0;
}

/* An empty database in memory, for a store to read that is not there (or
 * to read an older one through, migrated). */
static int open_memory(struct sq *q)
{
	if (sqlite3_open_v2(":memory:", &q->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK)
		return sq_fail(q, "cannot open a copy in memory of");
	return sq_exec(q, "PRAGMA foreign_keys=ON;", "cannot configure");
}

/* The file, read-only. A WAL database needs its -shm file: where that
 * cannot be made (a read-only mount), the file is opened as immutable,
 * which no one can change there anyway. */
static int open_file_read(struct sq *q)
{
	struct strbuf uri = STRBUF_INIT;
	const char *p;
	int version = 0, r, i;

	for (i = 0; i < 2; i++) {
		strbuf_reset(&uri);
		strbuf_addstr(&uri, "file:");
		for (p = q->path; *p; p++) {
			if (*p == '?' || *p == '#' || *p == '%')
				strbuf_addf(&uri, "%%%02X", (unsigned char)*p);
			else
				strbuf_addch(&uri, *p);
		}
		strbuf_addstr(&uri, i ? "?immutable=1" : "?mode=ro");
		if (q->db) {
			sqlite3_close(q->db);
			q->db = NULL;
		}
		if (sqlite3_open_v2(uri.buf, &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
				    NULL) != SQLITE_OK)
			continue;
		sqlite3_busy_timeout(q->db, SQ_BUSY_TIMEOUT_MS);
		r = db_row(q, "PRAGMA user_version", NULL, &version,
			   "cannot read the schema version of");
		if (r >= 0)
			break;
		error_clear();
	}
	strbuf_release(&uri);
	if (i == 2)
		return error_set(BOSUN_EIO, "cannot open '%s' to read: %s", q->path,
				 q->db ? sqlite3_errmsg(q->db) : "out of memory");
	return 0;
}

static int open_read(struct sq *q, int flags)
{
	struct stat st;
	sqlite3_backup *bk;
	sqlite3 *file;
	int version, latest, r;

	if (lstat(q->path, &st) < 0) {
		if (errno != ENOENT)
			return error_errno(BOSUN_EIO, "cannot open '%s'", q->path);
		if ((r = open_memory(q)) < 0)
			return r;
		return flags & STORE_OPEN_NO_MIGRATE ? 0 : sq_migrate(&q->parent, NULL);
	}
	if ((r = open_file_read(q)) < 0)
		return r;
	if ((version = sq_schema_version(&q->parent)) < 0)
		return version;
	latest = sq_schema_latest(&q->parent);
	if (version >= latest || (flags & STORE_OPEN_NO_MIGRATE))
		return version > latest ? sq_migrate(&q->parent, NULL) : 0;
	/* Older: read it through a copy in memory, migrated there. */
	file = q->db;
	q->db = NULL;
	if ((r = open_memory(q)) < 0) {
		sqlite3_close(file);
		return r;
	}
	bk = sqlite3_backup_init(q->db, "main", file, "main");
	if (!bk || sqlite3_backup_step(bk, -1) != SQLITE_DONE) {
		sqlite3_backup_finish(bk);
		sqlite3_close(file);
		return sq_fail(q, "cannot copy");
	}
	sqlite3_backup_finish(bk);
	sqlite3_close(file);
	return sq_migrate(&q->parent, NULL);
}

/* ------------------------------------------------------------ backup */

/* Copy all of from into to with SQLite's online backup, waiting for a
 * writer that holds a lock (up to the busy timeout). */
static int copy_db(sqlite3 *to, sqlite3 *from)
{
	long long deadline = time_mono_ms() + SQ_BUSY_TIMEOUT_MS;
	sqlite3_backup *bk = sqlite3_backup_init(to, "main", from, "main");
	int rc;

	if (!bk)
		return sqlite3_errcode(to);
	while ((rc = sqlite3_backup_step(bk, -1)) == SQLITE_BUSY ||
	       rc == SQLITE_LOCKED) {
		if (time_mono_ms() > deadline)
			break;
		time_sleep_ms(SQ_WAL_RETRY_MS);
	}
	sqlite3_backup_finish(bk);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int sq_backup_to(struct store_backend *b, const char *path)
{
	struct sq *q = sq_of(b);
	sqlite3 *to = NULL;
	int rc, r = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		return error_errno(BOSUN_EIO, "cannot replace '%s'", path);
	if (sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		r = error_set(BOSUN_EIO, "cannot create '%s': %s", path,
			      to ? sqlite3_errmsg(to) : "out of memory");
		goto out;
	}
	if ((rc = copy_db(to, q->db)) != SQLITE_OK) {
		r = error_set(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? BOSUN_EBUSY :
			      BOSUN_EIO, "cannot copy '%s' to '%s': %s", q->path,
			      path, sqlite3_errstr(rc));
		goto out;
	}
	/* The copy is one file on its own, not a WAL database. */
	if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
		r = error_set(BOSUN_EIO, "cannot finish '%s': %s", path,
			      sqlite3_errmsg(to));
out:
	sqlite3_close(to);
	return r;
}

static int sq_restore_from(struct store_backend *b, const char *path)
{
	struct sq *q = sq_of(b);
	sqlite3 *from = NULL;
	sqlite3_stmt *st = NULL;
	int version = -1, rc, r = 0;

	if (sqlite3_open_v2(path, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(from, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		r = error_set(BOSUN_EDATA, "'%s' is not a bosun store: %s", path,
			      from ? sqlite3_errmsg(from) : "out of memory");
		goto out;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > sq_schema_latest(b)) {
		r = error_set(BOSUN_EDATA, "'%s' was written by a newer bosun (schema "
			      "%d; this one knows %d at most)", path, version,
			      sq_schema_latest(b));
		error_hint("restore it with the bosun that wrote it, or a newer one");
		goto out;
	}
	if ((rc = copy_db(q->db, from)) != SQLITE_OK) {
		r = error_set(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? BOSUN_EBUSY :
			      BOSUN_EIO, "cannot restore '%s' from '%s': %s", q->path,
			      path, sqlite3_errstr(rc));
		goto out;
	}
	/* An older copy is brought up to this bosun's schema. */
	r = sq_migrate(b, NULL);
out:
	sqlite3_finalize(st);
	sqlite3_close(from);
	return r;
}

int store_sqlite_open(struct store_backend **out, const char *location,
		      const char *common_dir, int flags)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
	struct sq *q = xcalloc(1, sizeof(*q));
	struct store_backend *b = &q->parent;
	int r;

	b->version = STORE_BACKEND_VERSION;
	b->free = sq_free;
	b->location = sq_location;
	b->migrate = sq_migrate;
	b->schema_version = sq_schema_version;
	b->schema_latest = sq_schema_latest;
	b->holds_data = sq_holds_data;
	b->set_busy_timeout = sq_set_busy_timeout;
	b->begin = sq_begin;
	b->commit = sq_commit;
	b->rollback = sq_rollback;
	b->release_begin = sq_release_begin;
	b->release_update = sq_release_update;
	b->release_list = sq_release_list;
	b->release_progress = sq_release_progress;
	b->agent_file_get = sq_agent_file_get;
	b->agent_file_put = sq_agent_file_put;
	b->agent_file_delete = sq_agent_file_delete;
	b->agent_file_each = sq_agent_file_each;
	b->tmpl_stat_list = sq_tmpl_stat_list;
	b->tmpl_stat_put = sq_tmpl_stat_put;
	b->agent_deploy_put = sq_agent_deploy_put;
	b->agent_deploy_set_state = sq_agent_deploy_set_state;
	b->agent_deploy_latest = sq_agent_deploy_latest;
	b->snapshot_get = sq_snapshot_get;
	b->snapshot_put = sq_snapshot_put;
	b->snapshot_clear = sq_snapshot_clear;
	b->deployment_insert = sq_deployment_insert;
	b->deployment_list = sq_deployment_list;
	b->event_append = sq_event_append;
	b->event_list = sq_event_list;
	b->backup_to = sq_backup_to;
	b->restore_from = sq_restore_from;
	sq_work_ops(b);

	*out = NULL;
	if ((r = sq_file(&path, location, common_dir)) < 0)
		goto out;
	q->path = strbuf_detach(&path, NULL);
	if (flags & STORE_OPEN_READ) {
		r = open_read(q, flags);
		goto out;
	}
	fs_dirname(&dir, q->path);
	if ((r = fs_mkdir_p(dir.buf)) < 0)
		goto out;
	if (sqlite3_open_v2(q->path, &q->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		r = sq_fail(q, "cannot open");
		goto out;
	}
	if ((r = configure(q)) < 0)
		goto out;
	if (!(flags & STORE_OPEN_NO_MIGRATE))
		r = sq_migrate(b, NULL);
out:
	if (r < 0)
		sq_free(b);
	else
		*out = b;
	strbuf_release(&dir);
	strbuf_release(&path);
	return r;
}
