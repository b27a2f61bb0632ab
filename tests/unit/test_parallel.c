#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/parallel.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int reset(void **state)
{
	(void)state;
	error_clear();
	return 0;
}

struct counts {
	int *seen;
	pthread_t *by;
	size_t fail_from;   /* items at or past this fail */
	size_t fail_step;   /* ... every this many */
	long nap_ns;        /* each item takes this long */
};

static int count_item(void *data, size_t i)
{
	struct counts *c = data;

	if (c->nap_ns) {
		struct timespec nap = { 0, c->nap_ns };

		nanosleep(&nap, NULL);
	}
	__atomic_add_fetch(&c->seen[i], 1, __ATOMIC_RELAXED);
	c->by[i] = pthread_self();
	if (c->fail_step && i >= c->fail_from && (i - c->fail_from) % c->fail_step == 0)
		return error_set(BOSUN_EDATA, "item %zu is bad", i);
	return 0;
}

static void parallel__every_item_once(void **state)
{
	struct counts c = { calloc(5000, sizeof(int)), calloc(5000, sizeof(pthread_t)), 0, 0, 20000 };
	size_t i, others = 0;

	(void)state;
	assert_int_equal(parallel_for(5000, 16, count_item, &c), 0);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(c.seen[i], 1);
		others += !pthread_equal(c.by[i], pthread_self());
	}
	/* With more than one CPU, some items ran on another thread (each
	 * item naps, so the calling thread cannot take them all). */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		assert_true(others > 0);
	free(c.seen);
	free(c.by);
}

static void parallel__few_items_stay_on_this_thread(void **state)
{
	struct counts c = { calloc(10, sizeof(int)), calloc(10, sizeof(pthread_t)), 0, 0, 0 };
	size_t i;

	(void)state;
	assert_int_equal(parallel_for(10, 64, count_item, &c), 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(c.seen[i], 1);
		assert_true(pthread_equal(c.by[i], pthread_self()));
	}
	assert_int_equal(parallel_for(0, 1, count_item, &c), 0);
	free(c.seen);
	free(c.by);
}

static void parallel__lowest_failure_is_reported(void **state)
{
	struct counts c = { calloc(3000, sizeof(int)), calloc(3000, sizeof(pthread_t)), 777, 500, 0 };
	size_t i;

	(void)state;
	error_hint("stale");
	assert_int_equal(parallel_for(3000, 8, count_item, &c), -BOSUN_EDATA);
	assert_int_equal(error_kind(), BOSUN_EDATA);
	assert_string_equal(error_message(), "item 777 is bad");
	/* Every item still ran. */
	for (i = 0; i < 3000; i++)
		assert_int_equal(c.seen[i], 1);
	free(c.seen);
	free(c.by);
}

static void fs__stat_many__follows_or_not(void **state)
{
	char dir[] = "/tmp/bosun-par-XXXXXX", file[64], link[64], none[64];
	const char *paths[600];
	struct stat st[600];
	int err[600];
	size_t i;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	snprintf(none, sizeof(none), "%s/none", dir);
	assert_non_null(f = fopen(file, "w"));
	fputs("12345", f);
	fclose(f);
	assert_int_equal(symlink("f", link), 0);
	for (i = 0; i < 600; i++)
		paths[i] = i % 3 == 0 ? file : i % 3 == 1 ? link : none;
	fs_stat_many(paths, 600, 0, st, err);
	for (i = 0; i < 600; i++) {
		if (i % 3 == 2) {
			assert_int_equal(err[i], ENOENT);
			continue;
		}
		assert_int_equal(err[i], 0);
		assert_true(S_ISREG(st[i].st_mode));
		assert_int_equal(st[i].st_size, 5);
	}
	fs_stat_many(paths, 600, 1, st, err);
	assert_true(S_ISLNK(st[1].st_mode));
	assert_true(S_ISREG(st[0].st_mode));
	unlink(link);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(parallel__every_item_once, reset),
		cmocka_unit_test_setup(parallel__few_items_stay_on_this_thread, reset),
		cmocka_unit_test_setup(parallel__lowest_failure_is_reported, reset),
		cmocka_unit_test_setup(fs__stat_many__follows_or_not, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
