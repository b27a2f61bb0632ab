#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/fswatch.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/bosun-test-fswatch.XXXXXX";
static char path[256], moved[256];

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/app.log", tmpdir);
	snprintf(moved, sizeof(moved), "%s/app.log.1", tmpdir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fs_remove_tree(tmpdir);
	return 0;
}

static void write_to(const char *p, const char *mode, const char *text)
{
	FILE *f = fopen(p, mode);

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Nothing pending: the wait lasts until the deadline (a short one). */
static void assert_quiet(struct fswatch *w)
{
	assert_int_equal(fswatch_wait(w, time_mono_ms() + 30, NULL), 0);
}

/* Something pending: the wait returns at once (the deadline is far). */
static void assert_woken(struct fswatch *w)
{
	long long t0 = time_mono_ms();

	assert_int_equal(fswatch_wait(w, t0 + 60000, NULL), 1);
	assert_true(time_mono_ms() - t0 < 30000);
}

static void fswatch__writes_truncation_rotation_and_creation_wake(void **state)
{
	struct fswatch w = FSWATCH_INIT;

	(void)state;
	write_to(path, "w", "one\n");
	assert_int_equal(fswatch_init(&w), 0);
	assert_int_equal(fswatch_add(&w, path), 0);
	assert_quiet(&w);
	write_to(path, "a", "two\n");
	assert_woken(&w);
	assert_quiet(&w);                       /* the events were drained */
	assert_int_equal(truncate(path, 0), 0);
	assert_woken(&w);
	/* Rotated: renamed away, then a new file at the path. */
	assert_int_equal(rename(path, moved), 0);
	assert_woken(&w);
	assert_int_equal(fswatch_add(&w, path), 0);   /* missing: the folder */
	assert_quiet(&w);
	write_to(path, "w", "new\n");
	assert_woken(&w);
	assert_int_equal(fswatch_add(&w, path), 0);
	assert_quiet(&w);
	write_to(path, "a", "more\n");
	assert_woken(&w);
	assert_int_equal(unlink(path), 0);
	assert_woken(&w);
	fswatch_release(&w);
	fswatch_release(&w);                    /* twice is harmless */
	unlink(moved);
}

static volatile sig_atomic_t stop_flag;

static void fswatch__stop_ends_the_wait(void **state)
{
	struct fswatch w = FSWATCH_INIT;

	(void)state;
	assert_int_equal(fswatch_init(&w), 0);
	assert_int_equal(fswatch_add(&w, path), 0);
	stop_flag = 1;
	assert_int_equal(fswatch_wait(&w, time_mono_ms() + 60000, &stop_flag), 0);
	stop_flag = 0;
	fswatch_release(&w);
}

static void fswatch__a_missing_folder_is_no_error(void **state)
{
	struct fswatch w = FSWATCH_INIT;
	char p[300];

	(void)state;
	snprintf(p, sizeof(p), "%s/no/such/dir/x.log", tmpdir);
	assert_int_equal(fswatch_init(&w), 0);
	assert_int_equal(fswatch_add(&w, p), 0);
	assert_int_equal(fswatch_add(&w, "relative.log"), 0);
	assert_quiet(&w);
	fswatch_release(&w);
}

static void fswatch__without_inotify_the_wait_is_a_sleep(void **state)
{
	struct fswatch w = FSWATCH_INIT;
	long long t0;

	(void)state;
	setenv("BOSUN_TEST_NO_INOTIFY", "1", 1);
	assert_int_equal(fswatch_init(&w), -BOSUN_EUNAVAILABLE);
	assert_non_null(strstr(error_message(), "inotify"));
	error_clear();
	unsetenv("BOSUN_TEST_NO_INOTIFY");
	assert_int_equal(fswatch_add(&w, path), 0);
	write_to(path, "w", "x\n");
	t0 = time_mono_ms();
	assert_int_equal(fswatch_wait(&w, t0 + 40, NULL), 0);
	assert_true(time_mono_ms() - t0 >= 40);
	/* Never initialized: the same. */
	fswatch_release(&w);
	assert_int_equal(fswatch_wait(&w, time_mono_ms() + 1, NULL), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fswatch__writes_truncation_rotation_and_creation_wake),
		cmocka_unit_test(fswatch__stop_ends_the_wait),
		cmocka_unit_test(fswatch__a_missing_folder_is_no_error),
		cmocka_unit_test(fswatch__without_inotify_the_wait_is_a_sleep),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
