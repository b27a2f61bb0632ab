/*
 * test_store.c - the store's behaviour, written once against store.h and
 * run for every backend in backends[] (today SQLite in a temp dir): every
 * verb, the errors (a store not open, bad URLs, a newer schema, a busy
 * store), transactions, and leases and appends from many processes at once.
 * A new backend adds a row to backends[] and must pass the whole suite.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lib/store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ backends */

struct backend_case {
	const char *name;
	/* A URL for a new, empty store under dir. */
	void (*url)(struct strbuf *url, const char *dir);
	/* Make the store at url look written by a newer bosun. */
	void (*make_newer)(const char *url);
};

static void sqlite_url(struct strbuf *url, const char *dir)
{
	strbuf_addf(url, "sqlite://%s/state.db", dir);
}

static void sqlite_make_newer(const char *url)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(url + strlen("sqlite://"), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 9999", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
}

static const struct backend_case backends[] = {
	{ "sqlite", sqlite_url, sqlite_make_newer },
};

static const struct backend_case *cur;
#define TMPDIR_TEMPLATE "/tmp/bosun-test-store-XXXXXX"
static char tmpdir[sizeof(TMPDIR_TEMPLATE)];
static int dir_counter;

static int group_setup(void **state)
{
	memcpy(tmpdir, TMPDIR_TEMPLATE, sizeof(tmpdir));
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	fs_remove_tree(tmpdir);
	return 0;
}

/* A URL for a fresh store of the current backend. */
static char *new_url(void)
{
	struct strbuf dir = STRBUF_INIT, url = STRBUF_INIT;

	strbuf_addf(&dir, "%s/s%d", tmpdir, ++dir_counter);
	assert_int_equal(fs_mkdir_p(dir.buf), 0);
	cur->url(&url, dir.buf);
	strbuf_release(&dir);
	return strbuf_detach(&url, NULL);
}

static struct store *open_url(const char *url)
{
	struct store *s = NULL;

	assert_int_equal(store_open(&s, url, NULL, 0), 0);
	assert_non_null(s);
	return s;
}

static struct store *open_new(char **url_out)
{
	char *url = new_url();
	struct store *s = open_url(url);

	if (url_out)
		*url_out = url;
	else
		free(url);
	return s;
}

/* ------------------------------------------------------------ opening */

static void store__open__is_at_the_latest_schema(void **state)
{
	struct store *s = open_new(NULL);
	int applied = -1;

	assert_true(store_schema_latest(s) >= 7);
	assert_int_equal(store_schema_version(s), store_schema_latest(s));
	assert_int_equal(store_migrate(s, &applied), 0);
	assert_int_equal(applied, 0);
	assert_non_null(store_location(s));
	store_close(s);
	store_close(NULL);
}

static void store__open__no_migrate_leaves_the_schema(void **state)
{
	char *url = new_url();
	struct store *s = NULL;
	int applied = 0;

	assert_int_equal(store_open(&s, url, NULL, STORE_OPEN_NO_MIGRATE), 0);
	assert_int_equal(store_schema_version(s), 0);
	assert_int_equal(store_migrate(s, &applied), 0);
	assert_int_equal(applied, store_schema_latest(s));
	store_close(s);
	free(url);
}

/* The bytes of the store's files in dir, with their names: what a read must
 * keep. (Not state.db-shm: SQLite's shared-memory index, where every WAL
 * reader, read-only too, marks what it reads.) */
static void dir_bytes(struct strbuf *out, const char *dir)
{
	const char *names[] = { "state.db", "state.db-wal", NULL };
	struct strbuf p = STRBUF_INIT;
	size_t i;

	strbuf_reset(out);
	for (i = 0; names[i]; i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir, names[i]);
		strbuf_addf(out, "[%s]", names[i]);
		if (fs_exists(p.buf))
			assert_int_equal(fs_read_file(out, p.buf, 1 << 24), 0);
	}
	strbuf_release(&p);
}

static void store__open__read_of_an_absent_store_creates_nothing(void **state)
{
	struct strbuf dir = STRBUF_INIT, url = STRBUF_INIT;
	struct store_agent_file *v = NULL;
	struct store *s = NULL;
	size_t nr = 1;

	strbuf_addf(&dir, "%s/absent%d/bosun", tmpdir, ++dir_counter);
	cur->url(&url, dir.buf);
	assert_int_equal(store_open(&s, url.buf, NULL, STORE_OPEN_READ), 0);
	assert_int_equal(store_schema_version(s), store_schema_latest(s));
	assert_int_equal(store_agent_file_list(s, &v, &nr), 0);
	assert_int_equal(nr, 0);
	store_agent_file_free(v, nr);
	store_close(s);
	assert_false(fs_exists(dir.buf));
	/* migrate --status: an absent store is at schema 0. */
	assert_int_equal(store_open(&s, url.buf, NULL,
				    STORE_OPEN_READ | STORE_OPEN_NO_MIGRATE), 0);
	assert_int_equal(store_schema_version(s), 0);
	store_close(s);
	assert_false(fs_exists(dir.buf));
	strbuf_release(&dir);
	strbuf_release(&url);
}

static void store__open__read_sees_the_rows_and_changes_no_byte(void **state)
{
	struct strbuf dir = STRBUF_INIT, url = STRBUF_INIT, before = STRBUF_INIT,
		      after = STRBUF_INIT;
	struct store_agent_file f = { 0 }, *v = NULL;
	struct store *s;
	size_t nr = 0;

	strbuf_addf(&dir, "%s/s%d", tmpdir, ++dir_counter);
	assert_int_equal(fs_mkdir_p(dir.buf), 0);
	cur->url(&url, dir.buf);
	s = open_url(url.buf);
	f.target = "claude";
	f.path = ".claude/agents/a.md";
	f.template = "a";
	f.version = "1.0.0";
	f.hash = "1111111111111111111111111111111111111111111111111111111111111111";
	f.deployed_at = "2026-01-01T00:00:00Z";
	assert_int_equal(store_agent_file_put(s, &f), 0);
	store_close(s);
	dir_bytes(&before, dir.buf);

	s = NULL;
	assert_int_equal(store_open(&s, url.buf, NULL, STORE_OPEN_READ), 0);
	assert_int_equal(store_agent_file_list(s, &v, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(v[0].template, "a");
	store_agent_file_free(v, nr);
	/* A write is refused, not kept. */
	f.path = ".claude/agents/b.md";
	assert_true(store_agent_file_put(s, &f) < 0);
	error_clear();
	store_close(s);
	dir_bytes(&after, dir.buf);
	assert_true(before.len == after.len && !memcmp(before.buf, after.buf, before.len));
	strbuf_release(&dir);
	strbuf_release(&url);
	strbuf_release(&before);
	strbuf_release(&after);
}

static void store__open__read_of_an_older_schema_migrates_a_copy(void **state)
{
	char *url = new_url();
	struct store_agent_file *v = NULL;
	struct store *s = NULL;
	size_t nr = 1;

	/* A store at schema 0 (what an older bosun left, at its oldest). */
	assert_int_equal(store_open(&s, url, NULL, STORE_OPEN_NO_MIGRATE), 0);
	store_close(s);
	s = NULL;
	assert_int_equal(store_open(&s, url, NULL, STORE_OPEN_READ), 0);
	assert_int_equal(store_schema_version(s), store_schema_latest(s));
	assert_int_equal(store_agent_file_list(s, &v, &nr), 0);
	assert_int_equal(nr, 0);
	store_agent_file_free(v, nr);
	store_close(s);
	/* The file itself is still at schema 0. */
	s = NULL;
	assert_int_equal(store_open(&s, url, NULL, STORE_OPEN_READ | STORE_OPEN_NO_MIGRATE), 0);
	assert_int_equal(store_schema_version(s), 0);
	store_close(s);
	free(url);
}

static void store__open__default_is_state_db_in_the_common_dir(void **state)
{
	struct strbuf dir = STRBUF_INIT, expect = STRBUF_INIT;
	struct store *s = NULL;

	strbuf_addf(&dir, "%s/default%d/.git", tmpdir, ++dir_counter);
	strbuf_addf(&expect, "%s/bosun/state.db", dir.buf);
	assert_int_equal(store_open(&s, "", dir.buf, 0), 0);
	assert_string_equal(store_location(s), expect.buf);
	store_close(s);
	assert_int_equal(store_open(&s, NULL, dir.buf, 0), 0);
	assert_string_equal(store_location(s), expect.buf);
	store_close(s);
	/* A relative sqlite: path is taken from the common dir. */
	strbuf_reset(&expect);
	strbuf_addf(&expect, "%s/other.db", dir.buf);
	assert_int_equal(store_open(&s, "sqlite:other.db", dir.buf, 0), 0);
	assert_string_equal(store_location(s), expect.buf);
	store_close(s);
	strbuf_release(&dir);
	strbuf_release(&expect);
}

static void store__open__bad_urls_are_errors(void **state)
{
	struct store *s = (struct store *)&s;

	assert_int_equal(store_open(&s, "postgres://db.example/bosun", "/tmp", 0),
			 -BOSUN_EUNAVAILABLE);
	assert_null(s);
	assert_non_null(strstr(error_message(), "postgres"));
	assert_non_null(strstr(error_message(), "sqlite:"));
	assert_int_equal(store_open(&s, "just-a-path", "/tmp", 0), -BOSUN_EUSAGE);
	assert_int_equal(store_open(&s, "sqlite:", "/tmp", 0), -BOSUN_EUSAGE);
	assert_int_equal(store_open(&s, "sqlite://host/x.db", "/tmp", 0), -BOSUN_EUSAGE);
	assert_int_equal(store_open(&s, "://x", "/tmp", 0), -BOSUN_EUSAGE);
	error_clear();
}

static void store__open__newer_schema_is_refused(void **state)
{
	char *url = new_url();
	struct store *s = open_url(url);

	store_close(s);
	cur->make_newer(url);
	s = NULL;
	assert_int_equal(store_open(&s, url, NULL, 0), -BOSUN_EDATA);
	assert_null(s);
	assert_non_null(strstr(error_message(), "newer"));
	assert_int_equal(store_open(&s, url, NULL, STORE_OPEN_NO_MIGRATE), 0);
	assert_int_equal(store_migrate(s, NULL), -BOSUN_EDATA);
	store_close(s);
	error_clear();
	free(url);
}

static void store__front__refuses_a_store_not_open_and_null_args(void **state)
{
	struct store *s = open_new(NULL);
	struct store_event *ev = NULL;
	long long id = 0;
	size_t nr = 0;

	assert_int_equal(store_event_append(NULL, "k", NULL, &id), -BOSUN_EINTERNAL);
	assert_non_null(strstr(error_message(), "not open"));
	assert_int_equal(store_event_list(NULL, 0, &ev, &nr), -BOSUN_EINTERNAL);
	assert_int_equal(store_begin(NULL, 0), -BOSUN_EINTERNAL);
	assert_int_equal(store_schema_version(NULL), -BOSUN_EINTERNAL);
	assert_null(store_location(NULL));
	store_rollback(NULL);
	assert_int_equal(store_event_append(s, NULL, NULL, &id), -BOSUN_EINTERNAL);
	assert_int_equal(store_release_begin(s, NULL, &id), -BOSUN_EINTERNAL);
	assert_int_equal(store_lease_claim(s, "x", "me", 0, &id), -BOSUN_EINTERNAL);
	assert_int_equal(store_commit(s), -BOSUN_EINTERNAL);
	assert_int_equal(store_begin(s, 0), 0);
	assert_int_equal(store_begin(s, 0), -BOSUN_EINTERNAL);
	assert_int_equal(store_lease_claim(s, "x", "me", 10, &id), -BOSUN_EINTERNAL);
	assert_int_equal(store_migrate(s, NULL), -BOSUN_EINTERNAL);
	store_rollback(s);
	error_clear();
	store_close(s);
}

/* ------------------------------------------------------------ transactions */

static size_t count_events(struct store *s)
{
	struct store_event *ev = NULL;
	size_t nr = 0;

	assert_int_equal(store_event_list(s, 0, &ev, &nr), 0);
	store_event_free(ev, nr);
	return nr;
}

static void store__tx__rollback_undoes_and_commit_keeps(void **state)
{
	struct store *s = open_new(NULL);
	long long id;

	assert_int_equal(store_begin(s, STORE_TX_WRITE), 0);
	assert_int_equal(store_event_append(s, "a", "1", &id), 0);
	assert_int_equal(store_event_append(s, "a", "2", &id), 0);
	store_rollback(s);
	assert_int_equal(count_events(s), 0);
	assert_int_equal(store_begin(s, STORE_TX_WRITE), 0);
	assert_int_equal(store_event_append(s, "a", "1", &id), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(count_events(s), 1);
	/* A read transaction, and a store closed inside one rolls back. */
	assert_int_equal(store_begin(s, 0), 0);
	assert_int_equal(count_events(s), 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_begin(s, STORE_TX_WRITE), 0);
	assert_int_equal(store_event_append(s, "a", "lost", &id), 0);
	store_close(s);
	s = open_new(NULL);
	store_close(s);
}

static void store__tx__a_held_write_lock_is_busy(void **state)
{
	char *url = new_url();
	struct store *a = open_url(url), *b = open_url(url);
	long long id;

	assert_int_equal(store_set_busy_timeout(b, 50), 0);
	assert_int_equal(store_begin(a, STORE_TX_WRITE), 0);
	assert_int_equal(store_event_append(b, "x", NULL, &id), -BOSUN_EBUSY);
	assert_non_null(strstr(error_message(), store_location(b)));
	assert_int_equal(store_begin(b, STORE_TX_WRITE), -BOSUN_EBUSY);
	assert_int_equal(store_lease_claim(b, "l", "b", 1000, &id), -BOSUN_EBUSY);
	/* Readers are not blocked. */
	assert_int_equal(count_events(b), 0);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(store_event_append(b, "x", NULL, &id), 0);
	error_clear();
	store_close(a);
	store_close(b);
	free(url);
}

/* ------------------------------------------------------------ releases */

static void store__releases__begin_update_list_latest(void **state)
{
	struct store *s = open_new(NULL);
	struct store_release rel = { 0 }, got, *v = NULL;
	long long id1 = 0, id2 = 0;
	size_t nr = 0;

	assert_int_equal(store_release_latest(s, &got), -BOSUN_ENOTFOUND);
	rel.version = "1.2.0";
	rel.tag = "v1.2.0";
	rel.previous = "v1.1.0";
	rel.channel = "latest";
	assert_int_equal(store_release_begin(s, &rel, &id1), 0);
	assert_true(id1 > 0);
	rel.version = "1.3.0";
	rel.tag = "v1.3.0";
	rel.previous = NULL;
	rel.channel = NULL;
	assert_int_equal(store_release_begin(s, &rel, &id2), 0);
	assert_true(id2 > id1);
	/* Progress: running, the step reached, data kept until replaced. */
	assert_int_equal(store_release_progress(s, id1, "bump", NULL, "{\"a\":1}"), 0);
	assert_int_equal(store_release_latest(s, &got), 0);
	assert_int_equal(got.id, id2);
	store_release_clear(&got);
	assert_int_equal(store_release_list(s, &v, &nr), 0);
	assert_string_equal(v[0].state, "running");
	assert_string_equal(v[0].step, "bump");
	assert_string_equal(v[0].data, "{\"a\":1}");
	assert_null(v[1].data);
	store_release_free(v, nr);
	v = NULL;
	nr = 0;
	assert_int_equal(store_release_progress(s, id1, "tag", "abc123", NULL), 0);
	assert_int_equal(store_release_progress(s, 9999, "tag", NULL, NULL),
			 -BOSUN_ENOTFOUND);
	assert_int_equal(store_release_list(s, &v, &nr), 0);
	assert_string_equal(v[0].step, "tag");
	assert_string_equal(v[0].commit, "abc123");
	assert_string_equal(v[0].data, "{\"a\":1}");
	store_release_free(v, nr);
	v = NULL;
	nr = 0;
	assert_int_equal(store_release_update(s, id1, "tagged", "abc123", NULL), 0);
	/* No commit given: the one it has stays. */
	assert_int_equal(store_release_update(s, id1, "done", NULL, "ok"), 0);
	assert_int_equal(store_release_update(s, id2, "failed", "", "boom"), 0);
	assert_int_equal(store_release_update(s, 9999, "done", NULL, NULL),
			 -BOSUN_ENOTFOUND);
	assert_int_equal(store_release_update(s, 0, "done", NULL, NULL),
			 -BOSUN_EINTERNAL);

	assert_int_equal(store_release_list(s, &v, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(v[0].id, id1);
	assert_string_equal(v[0].tag, "v1.2.0");
	assert_string_equal(v[0].state, "done");
	assert_string_equal(v[0].commit, "abc123");
	assert_string_equal(v[0].previous, "v1.1.0");
	assert_string_equal(v[0].channel, "latest");
	assert_string_equal(v[0].message, "ok");
	assert_int_equal(strlen(v[0].started_at), 20);
	assert_null(v[1].commit);
	assert_null(v[1].previous);
	assert_string_equal(v[1].message, "boom");
	store_release_free(v, nr);

	assert_int_equal(store_release_latest(s, &got), 0);
	assert_int_equal(got.id, id2);
	assert_string_equal(got.version, "1.3.0");
	assert_string_equal(got.state, "failed");
	store_release_clear(&got);
	error_clear();
	store_close(s);
}

/* ------------------------------------------------------------ agents */

static const char H1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char H2[] = "2222222222222222222222222222222222222222222222222222222222222222";

static int count_file(const struct store_agent_file *f, void *data)
{
	int *n = data;

	assert_non_null(f->target);
	return ++*n >= 2 ? -BOSUN_EFAIL : 0;
}

static void store__backup__a_copy_restores_the_rows_it_had(void **state)
{
	struct store *s = open_new(NULL), *old;
	struct store_agent_file f = { 0 }, got;
	struct strbuf copy = STRBUF_INIT, newer = STRBUF_INIT;
	char *url;

	f.target = "claude";
	f.path = ".claude/agents/a.md";
	f.template = "a";
	f.version = "1.0.0";
	f.hash = H1;
	f.deployed_at = "2026-01-01T00:00:00Z";
	assert_int_equal(store_agent_file_put(s, &f), 0);
	strbuf_addf(&copy, "%s/copy%d.db", tmpdir, ++dir_counter);
	assert_int_equal(store_backup_to(s, copy.buf), 0);
	/* Changed after the copy: a row more, a row less. */
	f.path = ".claude/agents/b.md";
	assert_int_equal(store_agent_file_put(s, &f), 0);
	assert_int_equal(store_agent_file_delete(s, "claude", ".claude/agents/a.md"), 0);
	assert_int_equal(store_restore_from(s, copy.buf), 0);
	assert_int_equal(store_agent_file_get(s, "claude", ".claude/agents/a.md", &got), 0);
	assert_string_equal(got.hash, H1);
	store_agent_file_clear(&got);
	assert_int_equal(store_agent_file_get(s, "claude", ".claude/agents/b.md", &got),
			 -BOSUN_ENOTFOUND);
	error_clear();
	/* The copy is a store of its own, at the latest schema. */
	strbuf_addf(&newer, "sqlite://%s", copy.buf);
	url = newer.buf;
	old = open_url(url);
	assert_int_equal(store_schema_version(old), store_schema_latest(old));
	store_close(old);
	/* A copy from a newer bosun is refused and changes nothing. */
	cur->make_newer(url);
	assert_int_equal(store_restore_from(s, copy.buf), -BOSUN_EDATA);
	assert_non_null(strstr(error_message(), "newer bosun"));
	error_clear();
	assert_int_equal(store_agent_file_get(s, "claude", ".claude/agents/a.md", &got), 0);
	store_agent_file_clear(&got);
	store_close(s);
	strbuf_release(&copy);
	strbuf_release(&newer);
}

static void store__agent_files__put_get_list_delete(void **state)
{
	struct store *s = open_new(NULL);
	struct store_agent_file f = { 0 }, got, *v = NULL;
	size_t nr = 0;

	f.target = "claude";
	f.path = ".claude/agents/a.md";
	f.template = "a";
	f.version = "1.0.0";
	f.hash = H1;
	f.deployed_at = "2026-01-01T00:00:00Z";
	f.src = "agents/a.md";
	f.src_hash = H2;
	f.base_hash = "";
	f.renderer = "r1";
	f.st.set = 1;
	f.st.size = 10;
	f.st.mtime = 20;
	f.st.ctime = 30;
	f.st.ino = 40;
	f.st.ref = 50;
	assert_int_equal(store_agent_file_put(s, &f), 0);
	/* A row without what it was rendered from, nor a stat. */
	f.target = "codex";
	f.path = "AGENTS.md";
	f.src = f.renderer = NULL;
	f.st.set = 0;
	assert_int_equal(store_agent_file_put(s, &f), 0);

	assert_int_equal(store_agent_file_get(s, "claude", ".claude/agents/a.md", &got), 0);
	assert_string_equal(got.template, "a");
	assert_string_equal(got.hash, H1);
	assert_string_equal(got.src, "agents/a.md");
	assert_string_equal(got.src_hash, H2);
	assert_string_equal(got.renderer, "r1");
	assert_true(got.st.set);
	assert_int_equal(got.st.size, 10);
	assert_int_equal(got.st.mtime, 20);
	assert_int_equal(got.st.ctime, 30);
	assert_int_equal(got.st.ino, 40);
	assert_int_equal(got.st.ref, 50);
	store_agent_file_clear(&got);
	assert_int_equal(store_agent_file_get(s, "codex", "AGENTS.md", &got), 0);
	assert_null(got.src);
	assert_null(got.renderer);
	assert_false(got.st.set);
	store_agent_file_clear(&got);
	assert_int_equal(store_agent_file_get(s, "codex", "nope", &got), -BOSUN_ENOTFOUND);

	assert_int_equal(store_agent_file_list(s, &v, &nr), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(v[0].target, "claude");
	assert_string_equal(v[1].target, "codex");
	store_agent_file_free(v, nr);
	/* The walk without copies stops where its callback says. */
	{
		int n = 0;

		assert_int_equal(store_agent_file_each(s, count_file, &n), -BOSUN_EFAIL);
		assert_int_equal(n, 2);
	}

	assert_int_equal(store_agent_file_delete(s, "claude", ".claude/agents/a.md"), 0);
	assert_int_equal(store_agent_file_list(s, &v, &nr), 0);
	assert_int_equal(nr, 1);
	store_agent_file_free(v, nr);
	/* Missing fields are refused by the front. */
	f.hash = NULL;
	assert_int_equal(store_agent_file_put(s, &f), -BOSUN_EINTERNAL);
	error_clear();
	store_close(s);
}

static void store__tmpl_stats__put_and_list_by_dir(void **state)
{
	struct store *s = open_new(NULL);
	struct store_tmpl_stat t = { 0 }, *v = NULL;
	size_t nr = 0;

	t.name = "b.md";
	t.hash = H1;
	t.st.set = 1;
	t.st.size = 1;
	t.st.mtime = 2;
	t.st.ctime = 3;
	t.st.ino = 4;
	t.st.ref = 5;
	assert_int_equal(store_tmpl_stat_put(s, "/r/agents", &t), 0);
	t.name = "a.md";
	t.hash = H2;
	assert_int_equal(store_tmpl_stat_put(s, "/r/agents", &t), 0);
	assert_int_equal(store_tmpl_stat_put(s, "/other", &t), 0);
	assert_int_equal(store_tmpl_stat_list(s, "/r/agents", &v, &nr), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(v[0].name, "a.md");
	assert_string_equal(v[0].hash, H2);
	assert_string_equal(v[1].name, "b.md");
	assert_true(v[1].st.set);
	assert_int_equal(v[1].st.ref, 5);
	store_tmpl_stat_free(v, nr);
	assert_int_equal(store_tmpl_stat_list(s, "/none", &v, &nr), 0);
	assert_int_equal(nr, 0);
	store_tmpl_stat_free(v, nr);
	store_close(s);
}

static void store__agent_deploys__put_latest_set_state(void **state)
{
	static const char *const kinds[] = { "deploy", "clean", NULL };
	static const char *const done[] = { "done", "interrupted", NULL };
	struct store *s = open_new(NULL);
	struct store_agent_deploy d = { 0 }, got;

	assert_int_equal(store_agent_deploy_latest(s, NULL, NULL, &got), -BOSUN_ENOTFOUND);
	d.id = "d1";
	d.kind = "deploy";
	d.state = "done";
	d.at = "2026-01-01T00:00:00Z";
	d.manifest = "{\"id\":\"d1\"}";
	assert_int_equal(store_agent_deploy_put(s, &d), 0);
	d.id = "d2";
	d.kind = "rollback";
	d.manifest = "{\"id\":\"d2\"}";
	assert_int_equal(store_agent_deploy_put(s, &d), 0);
	assert_int_equal(store_agent_deploy_latest(s, NULL, NULL, &got), 0);
	assert_string_equal(got.id, "d2");
	store_agent_deploy_clear(&got);
	assert_int_equal(store_agent_deploy_latest(s, kinds, done, &got), 0);
	assert_string_equal(got.id, "d1");
	assert_string_equal(got.manifest, "{\"id\":\"d1\"}");
	store_agent_deploy_clear(&got);
	assert_int_equal(store_agent_deploy_set_state(s, "d1", "rolled-back"), 0);
	assert_int_equal(store_agent_deploy_latest(s, kinds, done, &got), -BOSUN_ENOTFOUND);
	error_clear();
	store_close(s);
}

static void store__snapshot__put_get_clear(void **state)
{
	struct store *s = open_new(NULL);
	struct strbuf key = STRBUF_INIT, data = STRBUF_INIT;
	static const char bytes[] = "a\0b\tc";

	assert_int_equal(store_snapshot_get(s, "/r", &key, &data), 0);
	assert_int_equal(store_snapshot_put(s, "/r", "k1", bytes, sizeof(bytes)), 0);
	assert_int_equal(store_snapshot_put(s, "/q", "k2", "x", 1), 0);
	assert_int_equal(store_snapshot_get(s, "/r", &key, &data), 1);
	assert_string_equal(key.buf, "k1");
	assert_int_equal(data.len, sizeof(bytes));
	assert_memory_equal(data.buf, bytes, sizeof(bytes));
	strbuf_reset(&key);
	strbuf_reset(&data);
	assert_int_equal(store_snapshot_clear(s), 0);
	assert_int_equal(store_snapshot_get(s, "/q", &key, &data), 0);
	strbuf_release(&key);
	strbuf_release(&data);
	store_close(s);
}

/* ------------------------------------------------------------ deployments */

static void store__deployments__insert_and_list(void **state)
{
	struct store *s = open_new(NULL);
	struct store_deployment d = { 0 }, *v = NULL;
	long long id = 0;
	size_t nr = 0;

	d.commit = "aaaa";
	d.started_at = "2026-01-01T00:00:00Z";
	d.finished_at = "2026-01-01T00:01:00Z";
	d.verdict = "success";
	d.probes = "{}";
	d.attempts = 3;
	d.requests = 7;
	d.duration_ms = 60000;
	d.remote = "origin";
	d.branch = "main";
	assert_int_equal(store_deployment_insert(s, &d, &id), 0);
	assert_true(id > 0);
	d.commit = "bbbb";
	d.verdict = "timeout";
	d.remote = d.branch = d.probes = NULL;
	assert_int_equal(store_deployment_insert(s, &d, NULL), 0);
	assert_int_equal(store_deployment_list(s, NULL, &v, &nr), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(v[0].commit, "aaaa");
	assert_int_equal(v[0].attempts, 3);
	assert_int_equal(v[0].requests, 7);
	assert_int_equal(v[0].duration_ms, 60000);
	assert_string_equal(v[0].branch, "main");
	assert_null(v[1].branch);
	store_deployment_free(v, nr);
	assert_int_equal(store_deployment_list(s, "bbbb", &v, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(v[0].verdict, "timeout");
	store_deployment_free(v, nr);
	d.verdict = NULL;
	assert_int_equal(store_deployment_insert(s, &d, NULL), -BOSUN_EINTERNAL);
	error_clear();
	store_close(s);
}

/* ------------------------------------------------------------ events */

static void store__events__append_and_list_after(void **state)
{
	struct store *s = open_new(NULL);
	struct store_event *v = NULL;
	long long a = 0, b = 0;
	size_t nr = 0;

	assert_int_equal(store_event_append(s, "deploy", "{\"x\":1}", &a), 0);
	assert_int_equal(store_event_append(s, "release", NULL, &b), 0);
	assert_true(b > a);
	assert_int_equal(store_event_list(s, 0, &v, &nr), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(v[0].kind, "deploy");
	assert_string_equal(v[0].data, "{\"x\":1}");
	assert_null(v[1].data);
	assert_int_equal(strlen(v[1].at), 20);
	store_event_free(v, nr);
	assert_int_equal(store_event_list(s, a, &v, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(v[0].id, b);
	store_event_free(v, nr);
	store_close(s);
}

/* ------------------------------------------------------------ work items */

static void store__work__put_get_list_set_state(void **state)
{
	struct store *s = open_new(NULL);
	struct store_work_item w = { 0 }, got, *v = NULL;
	size_t nr = 0;

	w.id = "plan-1";
	w.kind = "plan";
	w.state = "open";
	w.data = "{\"goal\":\"x\"}";
	assert_int_equal(store_work_put(s, &w), 0);
	w.id = "ws-b";
	w.parent = "plan-1";
	w.kind = "workstream";
	w.state = "queued";
	w.data = NULL;
	assert_int_equal(store_work_put(s, &w), 0);
	w.id = "ws-a";
	assert_int_equal(store_work_put(s, &w), 0);

	assert_int_equal(store_work_get(s, "plan-1", &got), 0);
	assert_null(got.parent);
	assert_string_equal(got.kind, "plan");
	assert_string_equal(got.data, "{\"goal\":\"x\"}");
	store_work_clear(&got);
	assert_int_equal(store_work_get(s, "nope", &got), -BOSUN_ENOTFOUND);

	assert_int_equal(store_work_list(s, NULL, &v, &nr), 0);
	assert_int_equal(nr, 1);
	store_work_free(v, nr);
	assert_int_equal(store_work_list(s, "plan-1", &v, &nr), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(v[0].id, "ws-b");  /* by creation */
	assert_string_equal(v[1].id, "ws-a");
	store_work_free(v, nr);

	/* A replace keeps the item's place and creation time. */
	w.id = "ws-b";
	w.data = "{\"n\":2}";
	assert_int_equal(store_work_put(s, &w), 0);
	assert_int_equal(store_work_list(s, "plan-1", &v, &nr), 0);
	assert_string_equal(v[0].id, "ws-b");
	assert_string_equal(v[0].data, "{\"n\":2}");
	store_work_free(v, nr);

	assert_int_equal(store_work_set_state(s, "ws-a", "queued", "running"), 0);
	assert_int_equal(store_work_set_state(s, "ws-a", "queued", "running"),
			 -BOSUN_EBUSY);
	assert_non_null(strstr(error_message(), "running"));
	assert_int_equal(store_work_set_state(s, "ws-a", NULL, "done"), 0);
	assert_int_equal(store_work_get(s, "ws-a", &got), 0);
	assert_string_equal(got.state, "done");
	store_work_clear(&got);
	assert_int_equal(store_work_set_state(s, "nope", NULL, "done"), -BOSUN_ENOTFOUND);
	w.parent = "ws-b";
	assert_int_equal(store_work_put(s, &w), -BOSUN_EINTERNAL);
	error_clear();
	store_close(s);
}

/* ------------------------------------------------------------ push queue */

static void store__push__enqueue_list_update(void **state)
{
	struct store *s = open_new(NULL);
	struct store_push p = { 0 }, *v = NULL;
	long long a = 0, b = 0;
	size_t nr = 0;

	p.branch = "main";
	p.commit = "c1";
	p.owner = "agent-1";
	assert_int_equal(store_push_enqueue(s, &p, &a), 0);
	p.commit = "c2";
	p.owner = NULL;
	assert_int_equal(store_push_enqueue(s, &p, &b), 0);
	assert_true(b > a);
	assert_int_equal(store_push_update(s, a, "pushed", NULL), 0);
	assert_int_equal(store_push_update(s, 9999, "pushed", NULL), -BOSUN_ENOTFOUND);
	assert_int_equal(store_push_list(s, NULL, &v, &nr), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(v[0].commit, "c1");
	assert_string_equal(v[0].state, "pushed");
	assert_string_equal(v[0].owner, "agent-1");
	assert_string_equal(v[1].state, "queued");
	assert_null(v[1].owner);
	store_push_free(v, nr);
	assert_int_equal(store_push_list(s, "queued", &v, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(v[0].id, b);
	store_push_free(v, nr);
	error_clear();
	store_close(s);
}

static void store__push__finish_records_range_attempts_duration(void **state)
{
	struct store *s = open_new(NULL);
	struct store_push p = { 0 }, *v = NULL;
	long long a = 0;
	size_t nr = 0;

	p.branch = "main";
	p.commit = "c1";
	p.owner = "sync-1";
	p.remote = "origin";
	p.from = "c0";
	assert_int_equal(store_push_enqueue(s, &p, &a), 0);
	assert_int_equal(store_push_list(s, NULL, &v, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(v[0].remote, "origin");
	assert_string_equal(v[0].from, "c0");
	assert_int_equal(v[0].attempts, 0);
	store_push_free(v, nr);
	v = NULL;
	nr = 0;
	/* A rebase moved the commit: the record says what was pushed. */
	memset(&p, 0, sizeof(p));
	p.state = "pushed";
	p.from = "c0b";
	p.commit = "c2";
	p.attempts = 3;
	p.duration_ms = 1234;
	assert_int_equal(store_push_finish(s, a, &p), 0);
	assert_int_equal(store_push_finish(s, 9999, &p), -BOSUN_ENOTFOUND);
	p.state = NULL;
	assert_int_equal(store_push_finish(s, a, &p), -BOSUN_EINTERNAL);
	assert_int_equal(store_push_list(s, "pushed", &v, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(v[0].commit, "c2");
	assert_string_equal(v[0].from, "c0b");
	assert_string_equal(v[0].branch, "main");
	assert_int_equal(v[0].attempts, 3);
	assert_int_equal(v[0].duration_ms, 1234);
	store_push_free(v, nr);
	error_clear();
	store_close(s);
}

/* ------------------------------------------------------------ leases */

static void store__lease__holder_and_takeover_of_a_dead_claim(void **state)
{
	struct store *s = open_new(NULL);
	struct strbuf who = STRBUF_INIT;
	long long t1 = 0, t2 = 0, t3 = 0, tok = 0, left = 0;

	(void)state;
	assert_int_equal(store_lease_holder(s, "sync", &who, &tok, &left), 0);
	assert_int_equal(store_lease_claim(s, "sync", "dead", 60000, &t1), 0);
	assert_int_equal(store_lease_holder(s, "sync", &who, &tok, &left), 1);
	assert_string_equal(who.buf, "dead");
	assert_int_equal(tok, t1);
	assert_true(left > 0 && left <= 60000);
	/* Only while the one seen still holds it: an old token is refused. */
	assert_int_equal(store_lease_takeover(s, "sync", "b", "dead", t1 - 1, 60000, &t2),
			 -BOSUN_EBUSY);
	assert_int_equal(store_lease_takeover(s, "sync", "b", "x", t1, 60000, &t2),
			 -BOSUN_EBUSY);
	assert_int_equal(store_lease_takeover(s, "sync", "b", "dead", t1, 60000, &t2), 0);
	assert_true(t2 > t1);
	/* Two that saw the same dead holder: the second loses. */
	assert_int_equal(store_lease_takeover(s, "sync", "c", "dead", t1, 60000, &t3),
			 -BOSUN_EBUSY);
	assert_int_equal(store_lease_holder(s, "sync", &who, &tok, &left), 1);
	assert_string_equal(who.buf, "b");
	assert_int_equal(store_lease_release(s, "sync", "b", t2), 0);
	assert_int_equal(store_lease_holder(s, "sync", &who, &tok, &left), 0);
	assert_int_equal(store_lease_claim(s, "sync", "c", 60000, &t3), 0);
	assert_true(t3 > t2);
	assert_int_equal(store_lease_takeover(s, "sync", "d", "c", t3, 0, &t1),
			 -BOSUN_EINTERNAL);
	strbuf_release(&who);
	error_clear();
	store_close(s);
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void store__lease__claim_renew_release_and_fencing(void **state)
{
	struct store *s = open_new(NULL);
	long long t1 = 0, t2 = 0, t3 = 0, t;

	assert_int_equal(store_lease_claim(s, "push", "a", 60000, &t1), 0);
	assert_true(t1 > 0);
	/* Live: refused to others and to its holder alike. */
	assert_int_equal(store_lease_claim(s, "push", "b", 60000, &t), -BOSUN_EBUSY);
	assert_non_null(strstr(error_message(), "'a'"));
	assert_int_equal(store_lease_claim(s, "push", "a", 60000, &t), -BOSUN_EBUSY);
	/* Another name is another lease. */
	assert_int_equal(store_lease_claim(s, "deploy", "b", 60000, &t), 0);
	assert_int_equal(store_lease_renew(s, "push", "a", t1, 60000), 0);
	assert_int_equal(store_lease_renew(s, "push", "b", t1, 60000), -BOSUN_EBUSY);
	assert_int_equal(store_lease_renew(s, "push", "a", t1 + 1, 60000), -BOSUN_EBUSY);
	assert_int_equal(store_lease_release(s, "push", "b", t1), -BOSUN_EBUSY);
	assert_int_equal(store_lease_release(s, "push", "a", t1), 0);
	assert_int_equal(store_lease_release(s, "push", "a", t1), -BOSUN_EBUSY);
	/* Released: the next claim's token is higher. */
	assert_int_equal(store_lease_claim(s, "push", "b", 1, &t2), 0);
	assert_true(t2 > t1);
	/* Expired: another owner takes it over, with a higher token, and the
	 * old holder can neither renew nor release it. */
	nap_ms(20);
	assert_int_equal(store_lease_claim(s, "push", "c", 60000, &t3), 0);
	assert_true(t3 > t2);
	assert_int_equal(store_lease_renew(s, "push", "b", t2, 60000), -BOSUN_EBUSY);
	assert_int_equal(store_lease_release(s, "push", "b", t2), -BOSUN_EBUSY);
	assert_int_equal(store_lease_renew(s, "push", "c", t3, 60000), 0);
	assert_int_equal(store_lease_claim(s, "never", "x", -1, &t), -BOSUN_EINTERNAL);
	error_clear();
	store_close(s);
}

/* Fork nr children that each run fn(url, i, fd) at the same moment (they
 * wait on a pipe) and write what they report to fd; returns the exit
 * statuses' count of 0 and fills out with what they wrote. */
static int run_children(const char *url, int nr,
			int (*fn)(const char *url, int i, int fd), struct strbuf *out)
{
	int go[2], res[2], i, status, ok = 0;
	char c, buf[4096];
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);
	for (i = 0; i < nr; i++) {
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			close(go[1]);
			close(res[0]);
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			_exit(fn(url, i, res[1]));
		}
	}
	close(go[0]);
	close(res[1]);
	close(go[1]);  /* EOF: everyone go */
	while ((n = read(res[0], buf, sizeof(buf))) > 0)
		strbuf_add(out, buf, (size_t)n);
	close(res[0]);
	for (i = 0; i < nr; i++) {
		assert_true(wait(&status) > 0);
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	return ok;
}

static void report(int fd, long long v)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%lld\n", v);

	if (write(fd, line, (size_t)n) != n)
		_exit(4);
}

/* Claim once: 0 won (token reported), 1 busy, 2 failed. */
static int claim_once(const char *url, int i, int fd)
{
	struct store *s = NULL;
	struct strbuf owner = STRBUF_INIT;
	long long token = 0;
	int r;

	strbuf_addf(&owner, "p%d", i);
	if (store_open(&s, url, NULL, 0) < 0)
		return 2;
	r = store_lease_claim(s, "the-lease", owner.buf, 60000, &token);
	if (r >= 0)
		report(fd, token);
	store_close(s);
	strbuf_release(&owner);
	return r >= 0 ? 0 : r == -BOSUN_EBUSY ? 1 : 2;
}

static void store__lease__two_processes_claim_at_once_one_wins(void **state)
{
	struct strbuf out = STRBUF_INIT;
	int round;

	for (round = 0; round < 5; round++) {
		char *url = new_url();
		struct store *s = open_url(url);  /* created before the race */

		store_close(s);
		strbuf_reset(&out);
		assert_int_equal(run_children(url, 2, claim_once, &out), 1);
		assert_string_equal(out.buf, "1\n");
		free(url);
	}
	strbuf_release(&out);
}

static void store__lease__eight_processes_claim_at_once_one_wins(void **state)
{
	struct strbuf out = STRBUF_INIT;
	char *url = new_url();

	assert_int_equal(run_children(url, 8, claim_once, &out), 1);
	assert_string_equal(out.buf, "1\n");
	strbuf_release(&out);
	free(url);
}

#define CLAIMS_EACH 5

/* Claim CLAIMS_EACH times, releasing in between; report every token. */
static int claim_many(const char *url, int i, int fd)
{
	struct store *s = NULL;
	struct strbuf owner = STRBUF_INIT;
	long long token, last = 0;
	int got = 0, tries = 0, r = 0;

	strbuf_addf(&owner, "p%d", i);
	if (store_open(&s, url, NULL, 0) < 0)
		return 2;
	while (got < CLAIMS_EACH && tries++ < 20000) {
		r = store_lease_claim(s, "shared", owner.buf, 60000, &token);
		if (r == -BOSUN_EBUSY) {
			error_clear();
			nap_ms(1);
			continue;
		}
		if (r < 0 || token <= last)
			break;
		last = token;
		report(fd, token);
		if ((r = store_lease_release(s, "shared", owner.buf, token)) < 0)
			break;
		got++;
	}
	store_close(s);
	strbuf_release(&owner);
	return got == CLAIMS_EACH ? 0 : 2;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void store__lease__fencing_tokens_never_repeat_across_processes(void **state)
{
	struct strbuf out = STRBUF_INIT;
	long long tokens[8 * CLAIMS_EACH];
	char *url = new_url(), *p, *end;
	struct store *s = open_url(url);
	size_t n = 0, i;

	store_close(s);
	assert_int_equal(run_children(url, 8, claim_many, &out), 8);
	for (p = out.buf; *p; p = end + 1) {
		assert_true(n < sizeof(tokens) / sizeof(tokens[0]));
		tokens[n++] = strtoll(p, &end, 10);
		assert_int_equal(*end, '\n');
	}
	assert_int_equal(n, 8 * CLAIMS_EACH);
	qsort(tokens, n, sizeof(tokens[0]), cmp_ll);
	/* Every claim took the next token: 1..40, none twice. */
	for (i = 0; i < n; i++)
		assert_int_equal(tokens[i], (long long)i + 1);
	strbuf_release(&out);
	free(url);
}

#define APPENDS_EACH 25

static int append_many(const char *url, int i, int fd)
{
	struct store *s = NULL;
	long long id;
	int k, r = 0;

	if (store_open(&s, url, NULL, 0) < 0)
		return 2;
	for (k = 0; k < APPENDS_EACH && r >= 0; k++)
		if ((r = store_event_append(s, "tick", "x", &id)) >= 0)
			report(fd, id);
	store_close(s);
	return r < 0 ? 2 : 0;
}

static void store__events__eight_processes_append_nothing_lost(void **state)
{
	struct strbuf out = STRBUF_INIT;
	char *url = new_url();
	struct store *s;
	struct store_event *v = NULL;
	size_t nr = 0, i;

	/* Not created beforehand: the processes race to create it, too. */
	assert_int_equal(run_children(url, 8, append_many, &out), 8);
	s = open_url(url);
	assert_int_equal(store_event_list(s, 0, &v, &nr), 0);
	assert_int_equal(nr, 8 * APPENDS_EACH);
	for (i = 1; i < nr; i++)
		assert_true(v[i].id > v[i - 1].id);
	store_event_free(v, nr);
	store_close(s);
	strbuf_release(&out);
	free(url);
}

/* ------------------------------------------------------------ cache, bench */

static void store__cache__put_get_prune(void **state)
{
	struct store *s = open_new(NULL);
	struct strbuf value = STRBUF_INIT, meta = STRBUF_INIT;
	long long removed = -1;

	assert_int_equal(store_cache_get(s, "k", &value, &meta), -BOSUN_ENOTFOUND);
	assert_int_equal(store_cache_put(s, "k", "v\0w", 3, "{\"exit\":0}"), 0);
	assert_int_equal(store_cache_put(s, "empty", NULL, 0, NULL), 0);
	assert_int_equal(store_cache_get(s, "k", &value, &meta), 0);
	assert_int_equal(value.len, 3);
	assert_memory_equal(value.buf, "v\0w", 3);
	assert_string_equal(meta.buf, "{\"exit\":0}");
	strbuf_reset(&value);
	strbuf_reset(&meta);
	assert_int_equal(store_cache_get(s, "empty", &value, &meta), 0);
	assert_int_equal(value.len, 0);
	/* Replace. */
	assert_int_equal(store_cache_put(s, "k", "new", 3, NULL), 0);
	assert_int_equal(store_cache_get(s, "k", &value, NULL), 0);
	assert_string_equal(value.buf, "new");
	assert_int_equal(store_cache_prune(s, 0, &removed), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(store_cache_prune(s, (long long)time(NULL) * 1000 + 60000,
					   &removed), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(store_cache_get(s, "k", NULL, NULL), -BOSUN_ENOTFOUND);
	error_clear();
	strbuf_release(&value);
	strbuf_release(&meta);
	store_close(s);
}

static void store__cache__list_by_prefix_and_delete_if_unchanged(void **state)
{
	struct store *s = open_new(NULL);
	struct store_cache_entry *v = NULL;
	size_t nr = 0;
	long long old_ms;

	assert_int_equal(store_cache_put(s, "logs:/a", "12345", 5, "{}"), 0);
	assert_int_equal(store_cache_put(s, "work/commit/ab", "x", 1, NULL), 0);
	assert_int_equal(store_cache_put(s, "work%_*", "", 0, NULL), 0);
	assert_int_equal(store_cache_list(s, NULL, &v, &nr), 0);
	assert_int_equal(nr, 3);
	assert_string_equal(v[0].key, "logs:/a");
	assert_string_equal(v[0].meta, "{}");
	/* the value's bytes, the key's and meta's */
	assert_int_equal(v[0].bytes, 5 + 7 + 2);
	assert_true(v[0].put_ms >= (long long)time(NULL) * 1000 - 60000);
	assert_null(v[1].meta);
	store_cache_free(v, nr);
	/* The prefix is a prefix, not a pattern. */
	assert_int_equal(store_cache_list(s, "work%", &v, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(v[0].key, "work%_*");
	store_cache_free(v, nr);
	assert_int_equal(store_cache_list(s, "work/", &v, &nr), 0);
	assert_int_equal(nr, 1);
	old_ms = v[0].put_ms;
	store_cache_free(v, nr);
	assert_int_equal(store_cache_list(s, "none", &v, &nr), 0);
	assert_int_equal(nr, 0);
	assert_null(v);
	/* An entry put again since it was listed stays. */
	assert_int_equal(store_cache_delete(s, "work/commit/ab", old_ms - 1), 0);
	assert_int_equal(store_cache_get(s, "work/commit/ab", NULL, NULL), 0);
	assert_int_equal(store_cache_delete(s, "work/commit/ab", old_ms), 1);
	assert_int_equal(store_cache_get(s, "work/commit/ab", NULL, NULL), -BOSUN_ENOTFOUND);
	error_clear();
	assert_int_equal(store_cache_delete(s, "work/commit/ab", old_ms), 0);
	/* Refused arguments. */
	assert_int_equal(store_cache_list(s, NULL, NULL, &nr), -BOSUN_EINTERNAL);
	assert_int_equal(store_cache_delete(s, NULL, 0), -BOSUN_EINTERNAL);
	assert_int_equal(store_cache_list(NULL, NULL, &v, &nr), -BOSUN_EINTERNAL);
	error_clear();
	store_close(s);
}

static void store__bench__append_and_list_by_name(void **state)
{
	struct store *s = open_new(NULL);
	struct store_bench_sample *v = NULL;
	size_t nr = 0;

	assert_int_equal(store_bench_append(s, "agents.noop", 14.5, "ms", NULL), 0);
	assert_int_equal(store_bench_append(s, "agents.deploy", 80, "ms", "{}"), 0);
	assert_int_equal(store_bench_append(s, "agents.noop", 13.25, "ms", NULL), 0);
	assert_int_equal(store_bench_list(s, "agents.noop", &v, &nr), 0);
	assert_int_equal(nr, 2);
	assert_true(v[0].value == 14.5);
	assert_true(v[1].value == 13.25);
	assert_string_equal(v[0].unit, "ms");
	assert_null(v[0].meta);
	store_bench_free(v, nr);
	assert_int_equal(store_bench_list(s, "none", &v, &nr), 0);
	assert_int_equal(nr, 0);
	store_bench_free(v, nr);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store__open__is_at_the_latest_schema),
		cmocka_unit_test(store__open__no_migrate_leaves_the_schema),
		cmocka_unit_test(store__open__read_of_an_absent_store_creates_nothing),
		cmocka_unit_test(store__open__read_sees_the_rows_and_changes_no_byte),
		cmocka_unit_test(store__open__read_of_an_older_schema_migrates_a_copy),
		cmocka_unit_test(store__open__default_is_state_db_in_the_common_dir),
		cmocka_unit_test(store__open__bad_urls_are_errors),
		cmocka_unit_test(store__open__newer_schema_is_refused),
		cmocka_unit_test(store__front__refuses_a_store_not_open_and_null_args),
		cmocka_unit_test(store__tx__rollback_undoes_and_commit_keeps),
		cmocka_unit_test(store__tx__a_held_write_lock_is_busy),
		cmocka_unit_test(store__releases__begin_update_list_latest),
		cmocka_unit_test(store__agent_files__put_get_list_delete),
		cmocka_unit_test(store__backup__a_copy_restores_the_rows_it_had),
		cmocka_unit_test(store__tmpl_stats__put_and_list_by_dir),
		cmocka_unit_test(store__agent_deploys__put_latest_set_state),
		cmocka_unit_test(store__snapshot__put_get_clear),
		cmocka_unit_test(store__deployments__insert_and_list),
		cmocka_unit_test(store__events__append_and_list_after),
		cmocka_unit_test(store__work__put_get_list_set_state),
		cmocka_unit_test(store__push__enqueue_list_update),
		cmocka_unit_test(store__push__finish_records_range_attempts_duration),
		cmocka_unit_test(store__lease__holder_and_takeover_of_a_dead_claim),
		cmocka_unit_test(store__lease__claim_renew_release_and_fencing),
		cmocka_unit_test(store__lease__two_processes_claim_at_once_one_wins),
		cmocka_unit_test(store__lease__eight_processes_claim_at_once_one_wins),
		cmocka_unit_test(store__lease__fencing_tokens_never_repeat_across_processes),
		cmocka_unit_test(store__events__eight_processes_append_nothing_lost),
		cmocka_unit_test(store__cache__put_get_prune),
		cmocka_unit_test(store__cache__list_by_prefix_and_delete_if_unchanged),
		cmocka_unit_test(store__bench__append_and_list_by_name),
	};
	size_t i;
	int failed = 0;

	/* The whole suite, once per backend. */
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		cur = &backends[i];
		failed += _cmocka_run_group_tests(cur->name, tests,
						  sizeof(tests) / sizeof(tests[0]),
						  group_setup, group_teardown);
	}
	return failed;
}
