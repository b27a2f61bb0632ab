/*
 * test_state.c - the SQLite backend of the store (lib/store/sqlite.c): where it lives, how it is configured, its
 * migrations, and two processes creating it at the same moment.
 */
#include "bosun-config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lib/store/sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_backend(struct store_backend *b)
{
	if (b)
		b->free(b);
}

static char tmpdir[] = "/tmp/bosun-test-state-XXXXXX";
static int dir_counter;

static int group_setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	fs_remove_tree(tmpdir);
	return 0;
}

/* A fresh common dir for each test (it need not exist yet). */
static char *new_common_dir(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/repo%d/.git", tmpdir, ++dir_counter);
	return strbuf_detach(&sb, NULL);
}

static void query_text(sqlite3 *db, const char *sql, struct strbuf *out)
{
	sqlite3_stmt *stmt;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	strbuf_reset(out);
	strbuf_addstr(out, (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

static int query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	int v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static int count_tables(sqlite3 *db)
{
	return query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			 " AND name IN ('meta', 'releases', 'events')");
}

static void state__migrations__are_numbered_from_one(void **state)
{
	int i;

	assert_true(sqlite_migrations_nr >= 1);
	for (i = 0; i < sqlite_migrations_nr; i++) {
		assert_int_equal(sqlite_migrations[i].version, i + 1);
		assert_true(sqlite_migrations[i].name && *sqlite_migrations[i].name);
		assert_true(sqlite3_complete(sqlite_migrations[i].sql));
	}
	assert_string_equal(sqlite_migrations[0].name, "init");
}

static void state__open__creates_db_in_wal_mode(void **state)
{
	char *dir = new_common_dir();
	struct strbuf expect = STRBUF_INIT, mode = STRBUF_INIT;
	struct store_backend *st = NULL;
	sqlite3 *db;

	assert_int_equal(store_sqlite_open(&st, NULL, dir, 0), 0);
	strbuf_addf(&expect, "%s/bosun/state.db", dir);
	assert_string_equal(st->location(st), expect.buf);
	assert_true(fs_exists(expect.buf));
	db = store_sqlite_db(st);
	query_text(db, "PRAGMA journal_mode", &mode);
	assert_string_equal(mode.buf, "wal");
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 1); /* NORMAL */
	assert_int_equal(st->schema_version(st), sqlite_migrations_nr);
	assert_int_equal(count_tables(db), 3);
	close_backend(st);
	strbuf_release(&expect);
	strbuf_release(&mode);
	free(dir);
}

static void state__open__tables_take_rows(void **state)
{
	char *dir = new_common_dir();
	struct store_backend *st = NULL;
	sqlite3 *db;

	assert_int_equal(store_sqlite_open(&st, NULL, dir, 0), 0);
	db = store_sqlite_db(st);
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO meta (key, value) VALUES ('k', 'v');"
		"INSERT INTO releases (version, tag, state, started_at, updated_at)"
		" VALUES ('1.0.0', 'v1.0.0', 'planned', 'now', 'now');"
		"INSERT INTO events (at, kind, data) VALUES ('now', 'release', '{}');",
		NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(query_int(db, "SELECT count(*) FROM releases"), 1);
	/* NOT NULL columns are enforced. */
	assert_int_not_equal(sqlite3_exec(db,
		"INSERT INTO releases (version) VALUES ('2.0.0')",
		NULL, NULL, NULL), SQLITE_OK);
	close_backend(st);
	free(dir);
}

static void state__migrate__applies_each_migration_once(void **state)
{
	char *dir = new_common_dir();
	struct store_backend *st = NULL;
	int applied = -1;

	assert_int_equal(store_sqlite_open(&st, NULL, dir, STORE_OPEN_NO_MIGRATE), 0);
	assert_int_equal(st->schema_version(st), 0);
	assert_int_equal(count_tables(store_sqlite_db(st)), 0);
	assert_int_equal(st->migrate(st, &applied), 0);
	assert_int_equal(applied, sqlite_migrations_nr);
	assert_int_equal(st->schema_version(st), sqlite_migrations_nr);
	assert_int_equal(st->migrate(st, &applied), 0);
	assert_int_equal(applied, 0);
	close_backend(st);

	assert_int_equal(store_sqlite_open(&st, NULL, dir, 0), 0);
	assert_int_equal(st->migrate(st, &applied), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(count_tables(store_sqlite_db(st)), 3);
	close_backend(st);
	free(dir);
}

/* Children wait on a pipe so that they all start opening at once. */
static void open_concurrently(const char *dir, int nr)
{
	int go[2], i, status, ok = 0;
	pid_t pid;
	char c;

	assert_int_equal(pipe(go), 0);
	for (i = 0; i < nr; i++) {
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			struct store_backend *st = NULL;
			int r;

			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			r = store_sqlite_open(&st, NULL, dir, 0);
			close_backend(st);
			_exit(r < 0 ? 1 : 0);
		}
	}
	close(go[0]);
	close(go[1]); /* EOF: everyone go */
	for (i = 0; i < nr; i++) {
		assert_true(wait(&status) > 0);
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	assert_int_equal(ok, nr);
}

static void state__open__concurrent_processes_all_succeed(void **state)
{
	struct store_backend *st = NULL;
	int round;

	for (round = 0; round < 5; round++) {
		char *dir = new_common_dir();

		open_concurrently(dir, round ? 6 : 2);
		assert_int_equal(store_sqlite_open(&st, NULL, dir, STORE_OPEN_NO_MIGRATE), 0);
		assert_int_equal(st->schema_version(st), sqlite_migrations_nr);
		assert_int_equal(count_tables(store_sqlite_db(st)), 3);
		close_backend(st);
		free(dir);
	}
}

static void state__open__refuses_a_newer_schema(void **state)
{
	char *dir = new_common_dir();
	struct strbuf msg = STRBUF_INIT, sql = STRBUF_INIT;
	struct store_backend *st = NULL;
	int r;

	assert_int_equal(store_sqlite_open(&st, NULL, dir, 0), 0);
	strbuf_addf(&sql, "PRAGMA user_version=%d", sqlite_migrations_nr + 5);
	assert_int_equal(sqlite3_exec(store_sqlite_db(st), sql.buf, NULL, NULL, NULL),
			 SQLITE_OK);
	close_backend(st);

	st = NULL;
	r = store_sqlite_open(&st, NULL, dir, 0);
	assert_int_equal(r, -BOSUN_EDATA);
	assert_null(st);
	strbuf_addf(&msg, "state.db has schema version %d, newer than this "
		    "bosun knows (%d); upgrade bosun",
		    sqlite_migrations_nr + 5, sqlite_migrations_nr);
	assert_string_equal(error_message(), msg.buf);

	/* "bosun migrate --status" can still look at it. */
	assert_int_equal(store_sqlite_open(&st, NULL, dir, STORE_OPEN_NO_MIGRATE), 0);
	assert_int_equal(st->schema_version(st), sqlite_migrations_nr + 5);
	assert_int_equal(st->migrate(st, NULL), -BOSUN_EDATA);
	close_backend(st);
	strbuf_release(&msg);
	strbuf_release(&sql);
	free(dir);
}

static void state__open__newer_schema_names_the_bosun_that_reads_it(void **state)
{
	char *dir = new_common_dir();
	struct strbuf msg = STRBUF_INIT, sql = STRBUF_INIT;
	struct store_backend *st = NULL;
	int newer = sqlite_migrations_nr + 1;

	/* Each migration records which bosun applied it. */
	assert_int_equal(store_sqlite_open(&st, NULL, dir, 0), 0);
	strbuf_addf(&sql, "SELECT count(*) FROM meta WHERE key LIKE 'schema.%%.bosun' "
		    "AND value = '%s'", BOSUN_VERSION);
	assert_int_equal(query_int(store_sqlite_db(st), sql.buf), sqlite_migrations_nr);
	/* A newer bosun's migration, as it would have recorded it. */
	strbuf_reset(&sql);
	strbuf_addf(&sql, "INSERT INTO meta VALUES ('schema.%d.bosun', '42.0.1');"
		    "PRAGMA user_version=%d", newer, newer);
	assert_int_equal(sqlite3_exec(store_sqlite_db(st), sql.buf, NULL, NULL, NULL),
			 SQLITE_OK);
	close_backend(st);

	st = NULL;
	assert_int_equal(store_sqlite_open(&st, NULL, dir, 0), -BOSUN_EDATA);
	strbuf_addf(&msg, "state.db has schema version %d, newer than this bosun "
		    "(%s) knows (%d); bosun 42.0.1 or newer reads it: upgrade bosun",
		    newer, BOSUN_VERSION, sqlite_migrations_nr);
	assert_string_equal(error_message(), msg.buf);
	/* Read-only opening refuses it the same way. */
	assert_int_equal(store_sqlite_open(&st, NULL, dir, STORE_OPEN_READ), -BOSUN_EDATA);
	assert_string_equal(error_message(), msg.buf);
	strbuf_release(&msg);
	strbuf_release(&sql);
	free(dir);
}

static void state__migrate__busy_lock_is_ebusy(void **state)
{
	char *dir = new_common_dir();
	struct store_backend *st = NULL, *holder = NULL;
	int applied = -1;

	assert_int_equal(store_sqlite_open(&st, NULL, dir, STORE_OPEN_NO_MIGRATE), 0);
	assert_int_equal(store_sqlite_open(&holder, NULL, dir, STORE_OPEN_NO_MIGRATE), 0);
	assert_int_equal(sqlite3_exec(store_sqlite_db(holder), "BEGIN IMMEDIATE",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_busy_timeout(store_sqlite_db(st), 50); /* not 5 s in a unit test */
	assert_int_equal(st->migrate(st, &applied), -BOSUN_EBUSY);
	assert_int_equal(error_exit_code(-BOSUN_EBUSY), 75);
	assert_non_null(strstr(error_message(), st->location(st)));
	assert_non_null(strstr(error_message(), "database is locked"));
	sqlite3_exec(store_sqlite_db(holder), "ROLLBACK", NULL, NULL, NULL);
	assert_int_equal(st->migrate(st, &applied), 0);
	assert_int_equal(applied, sqlite_migrations_nr);
	close_backend(holder);
	close_backend(st);
	free(dir);
}

static void state__open__not_a_database_is_eio(void **state)
{
	char *dir = new_common_dir();
	struct strbuf path = STRBUF_INIT;
	struct store_backend *st = NULL;
	FILE *f;

	strbuf_addf(&path, "%s/bosun", dir);
	assert_int_equal(fs_mkdir_p(path.buf), 0);
	strbuf_addstr(&path, "/state.db");
	f = fopen(path.buf, "w");
	assert_non_null(f);
	fputs("this is not an SQLite database, it is a text file that is long "
	      "enough to have a header and then some more text after it\n", f);
	fclose(f);
	assert_int_equal(store_sqlite_open(&st, NULL, dir, 0), -BOSUN_EIO);
	assert_null(st);
	assert_non_null(strstr(error_message(), path.buf));
	assert_non_null(strstr(error_message(), "not a database"));
	strbuf_release(&path);
	free(dir);
}

static void state__open__unusable_dir_is_an_error(void **state)
{
	char *dir = new_common_dir();
	struct strbuf file = STRBUF_INIT;
	struct store_backend *st = NULL;
	FILE *f;

	assert_int_equal(fs_mkdir_p(dir), 0);
	strbuf_addf(&file, "%s/bosun", dir);
	f = fopen(file.buf, "w"); /* a file where the directory should be */
	assert_non_null(f);
	fclose(f);
	assert_true(store_sqlite_open(&st, NULL, dir, 0) < 0);
	assert_null(st);
	close_backend(NULL);
	strbuf_release(&file);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state__migrations__are_numbered_from_one),
		cmocka_unit_test(state__open__creates_db_in_wal_mode),
		cmocka_unit_test(state__open__tables_take_rows),
		cmocka_unit_test(state__migrate__applies_each_migration_once),
		cmocka_unit_test(state__open__concurrent_processes_all_succeed),
		cmocka_unit_test(state__open__refuses_a_newer_schema),
		cmocka_unit_test(state__open__newer_schema_names_the_bosun_that_reads_it),
		cmocka_unit_test(state__migrate__busy_lock_is_ebusy),
		cmocka_unit_test(state__open__not_a_database_is_eio),
		cmocka_unit_test(state__open__unusable_dir_is_an_error),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
