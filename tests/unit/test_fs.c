#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each test gets a fresh directory under $TMPDIR as *state. */
static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf *dir = malloc(sizeof(*dir));

	strbuf_init(dir, 0);
	strbuf_addf(dir, "%s/bosun-test-fs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir->buf))
		return -1;
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	struct strbuf *dir = *state;
	int r = fs_remove_tree(dir->buf);

	strbuf_release(dir);
	free(dir);
	return r;
}

/* dir/name in one of a few rotating buffers (valid for the next 7 calls). */
static const char *path_in(void **state, const char *name)
{
	static struct strbuf ring[8] = {
		STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
		STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
	};
	static size_t next;
	const struct strbuf *dir = *state;
	struct strbuf *sb = &ring[next++ % 8];

	fs_path_join(sb, dir->buf, name);
	return sb->buf;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void fs__read_file__appends_content(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path_in(state, "a.txt");

	put(p, "hello\nworld\n");
	strbuf_addstr(&sb, ">");
	assert_int_equal(fs_read_file(&sb, p, 0), 0);
	assert_string_equal(sb.buf, ">hello\nworld\n");
	strbuf_release(&sb);
}

static void fs__read_file__empty_file(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path_in(state, "empty");

	put(p, "");
	assert_int_equal(fs_read_file(&sb, p, 0), 0);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void fs__read_file__large_file(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path_in(state, "big");
	FILE *f = fopen(p, "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < 100000; i++)
		fprintf(f, "%07zu\n", i);
	fclose(f);
	assert_int_equal(fs_read_file(&sb, p, 0), 0);
	assert_int_equal(sb.len, 800000);
	assert_memory_equal(sb.buf + 799992, "0099999\n", 8);
	strbuf_release(&sb);
}

static void fs__read_file__missing_is_notfound(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path_in(state, "nope");

	assert_int_equal(fs_read_file(&sb, p, 0), -BOSUN_ENOTFOUND);
	assert_non_null(strstr(error_message(), "cannot read '"));
	assert_non_null(strstr(error_message(), "nope'"));
	assert_int_equal(sb.len, 0);
}

static void fs__read_file__over_cap_is_edata(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path_in(state, "capped");

	put(p, "0123456789");
	strbuf_addstr(&sb, "keep");
	assert_int_equal(fs_read_file(&sb, p, 9), -BOSUN_EDATA);
	assert_non_null(strstr(error_message(), "is larger than 9 bytes"));
	/* The buffer is as it was before the call. */
	assert_string_equal(sb.buf, "keep");
	assert_int_equal(fs_read_file(&sb, p, 10), 0);
	assert_string_equal(sb.buf, "keep0123456789");
	strbuf_release(&sb);
}

static void fs__read_file__over_cap_unsized(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	/* /proc files say their size is 0: the cap must still hold. */
	assert_int_equal(fs_read_file(&sb, "/proc/self/status", 16),
			 -BOSUN_EDATA);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void fs__read_file__directory_is_error(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const struct strbuf *dir = *state;

	assert_int_equal(fs_read_file(&sb, dir->buf, 0), -BOSUN_EIO);
	strbuf_release(&sb);
}

static void fs__mkdir_p__creates_parents(void **state)
{
	const char *p = path_in(state, "a/b//c/d/");

	assert_int_equal(fs_mkdir_p(p), 0);
	assert_true(fs_is_dir(p));
	assert_true(fs_is_dir(path_in(state, "a/b/c")));
	/* Existing directories are fine. */
	assert_int_equal(fs_mkdir_p(path_in(state, "a/b")), 0);
}

static void fs__mkdir_p__file_in_the_way(void **state)
{
	const char *f = path_in(state, "file");

	put(f, "x");
	assert_int_equal(fs_mkdir_p(path_in(state, "file/sub")), -BOSUN_EIO);
	assert_non_null(strstr(error_message(), "cannot create directory"));
	assert_int_equal(fs_mkdir_p(path_in(state, "file")), -BOSUN_EIO);
}

static void fs__exists__and_is_dir(void **state)
{
	const struct strbuf *dir = *state;
	const char *f = path_in(state, "f");

	assert_false(fs_exists(f));
	put(f, "");
	assert_true(fs_exists(f));
	assert_false(fs_is_dir(f));
	assert_true(fs_is_dir(dir->buf));
	assert_int_equal(symlink("missing", path_in(state, "dangling")), 0);
	assert_true(fs_exists(path_in(state, "dangling")));
	assert_false(fs_is_dir(path_in(state, "dangling")));
}

static void fs__unlink__missing_is_fine(void **state)
{
	const char *f = path_in(state, "f");

	assert_int_equal(fs_unlink(f), 0);
	put(f, "x");
	assert_int_equal(fs_unlink(f), 0);
	assert_false(fs_exists(f));
	assert_int_equal(fs_unlink(path_in(state, "no/such/dir/f")), 0);
}

static void fs__path_join__slashes(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	fs_path_join(&sb, "a", "b");
	assert_string_equal(sb.buf, "a/b");
	fs_path_join(&sb, "a/", "b");
	assert_string_equal(sb.buf, "a/b");
	fs_path_join(&sb, "a", "/b");
	assert_string_equal(sb.buf, "a/b");
	fs_path_join(&sb, "", "b");
	assert_string_equal(sb.buf, "b");
	fs_path_join(&sb, "/", "b");
	assert_string_equal(sb.buf, "/b");
	fs_path_join(&sb, "a", "");
	assert_string_equal(sb.buf, "a");
	strbuf_release(&sb);
}

static void fs__path_join__aliasing(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addstr(&sb, "/repo/.git");
	fs_path_join(&sb, sb.buf, "bosun");
	assert_string_equal(sb.buf, "/repo/.git/bosun");
	fs_path_join(&sb, "x", sb.buf + 6);
	assert_string_equal(sb.buf, "x/.git/bosun");
	strbuf_release(&sb);
}

static void fs__dirname__cases(void **state)
{
	static const char *const cases[][2] = {
		{ "a/b/c", "a/b" }, { "a/b/", "a" }, { "a", "." },
		{ "/a", "/" }, { "/", "/" }, { "", "." }, { "//a//b", "//a" },
		{ "a//b", "a" }, { "./x", "." },
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fs_dirname(&sb, cases[i][0]);
		assert_string_equal(sb.buf, cases[i][1]);
	}
	strbuf_addstr(&sb, "/x/y");
	fs_dirname(&sb, sb.buf);
	assert_string_equal(sb.buf, "./x");
	strbuf_release(&sb);
}

static void fs__remove_tree__nested(void **state)
{
	const char *top = path_in(state, "t");
	struct strbuf keep = STRBUF_INIT;

	assert_int_equal(fs_mkdir_p(path_in(state, "t/a/b/c")), 0);
	assert_int_equal(fs_mkdir_p(path_in(state, "outside")), 0);
	put(path_in(state, "outside/precious"), "x");
	put(path_in(state, "t/a/f1"), "x");
	put(path_in(state, "t/a/b/c/f2"), "x");
	assert_int_equal(chmod(path_in(state, "t/a/b/c/f2"), 0), 0);
	/* A symlink to a directory is removed, never followed. */
	strbuf_addstr(&keep, path_in(state, "outside"));
	assert_int_equal(symlink(keep.buf, path_in(state, "t/a/link")), 0);
	top = path_in(state, "t");
	assert_int_equal(fs_remove_tree(top), 0);
	assert_false(fs_exists(path_in(state, "t")));
	assert_true(fs_exists(path_in(state, "outside/precious")));
	assert_int_equal(fs_remove_tree(path_in(state, "t")), 0);
	strbuf_release(&keep);
}

static void fs__remove_tree__a_file(void **state)
{
	const char *f = path_in(state, "plain");

	put(f, "x");
	assert_int_equal(fs_remove_tree(f), 0);
	assert_false(fs_exists(f));
}

static void fs__user_dir__bosun_home(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	setenv("BOSUN_HOME", "/h", 1);
	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	fs_user_dir(&sb, "state");
	assert_string_equal(sb.buf, "/h/state/bosun");
	fs_user_dir(&sb, "config");
	assert_string_equal(sb.buf, "/h/config/bosun");
	fs_user_dir(&sb, "cache");
	assert_string_equal(sb.buf, "/h/cache/bosun");
	unsetenv("BOSUN_HOME");
	unsetenv("XDG_STATE_HOME");
	strbuf_release(&sb);
}

static void fs__user_dir__xdg_and_home(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	(void)state;
	unsetenv("BOSUN_HOME");
	setenv("HOME", "/home/u", 1);
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	setenv("XDG_CACHE_HOME", "relative/ignored", 1);
	unsetenv("XDG_STATE_HOME");
	fs_user_dir(&sb, "config");
	assert_string_equal(sb.buf, "/xdg/config/bosun");
	fs_user_dir(&sb, "cache");
	assert_string_equal(sb.buf, "/home/u/.cache/bosun");
	fs_user_dir(&sb, "state");
	assert_string_equal(sb.buf, "/home/u/.local/state/bosun");
	setenv("BOSUN_HOME", "", 1);
	fs_user_dir(&sb, "state");
	assert_string_equal(sb.buf, "/home/u/.local/state/bosun");
	unsetenv("BOSUN_HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_CACHE_HOME");
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	strbuf_release(&sb);
}

static void fs__path_normalize__cases(void **state)
{
	static const char *const cases[][2] = {
		{ "a/b", "a/b" }, { "./a//b/", "a/b" }, { "a/./b/../c", "a/c" },
		{ "/x/../../y", "/y" }, { "../a/../../b", "../../b" }, { "", "." },
		{ ".", "." }, { "a/..", "." }, { "/", "/" }, { "//a/b/.", "/a/b" },
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, cases[i][0]);
		fs_path_normalize(&sb);
		assert_string_equal(sb.buf, cases[i][1]);
	}
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(fs__read_file__appends_content),
		T(fs__read_file__empty_file),
		T(fs__read_file__large_file),
		T(fs__read_file__missing_is_notfound),
		T(fs__read_file__over_cap_is_edata),
		T(fs__read_file__over_cap_unsized),
		T(fs__read_file__directory_is_error),
		T(fs__mkdir_p__creates_parents),
		T(fs__mkdir_p__file_in_the_way),
		T(fs__exists__and_is_dir),
		T(fs__unlink__missing_is_fine),
		T(fs__path_join__slashes),
		T(fs__path_join__aliasing),
		T(fs__dirname__cases),
		T(fs__path_normalize__cases),
		T(fs__remove_tree__nested),
		T(fs__remove_tree__a_file),
		T(fs__user_dir__bosun_home),
		T(fs__user_dir__xdg_and_home),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
