/* Unit tests for core/statcache: stamps, matching and the racy rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/statcache.h"

#include <string.h>

#define SEC 1000000000LL

static struct stat at(long long mtime, long long ctime)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_size = 42;
	st.st_ino = 7;
	st.st_mtim.tv_sec = mtime / SEC;
	st.st_mtim.tv_nsec = mtime % SEC;
	st.st_ctim.tv_sec = ctime / SEC;
	st.st_ctim.tv_nsec = ctime % SEC;
	return st;
}

static void statcache__take__matches_same_stat_only(void **state)
{
	struct stat st = at(100 * SEC + 5, 100 * SEC + 6), other;
	struct stat_stamp s = { 0, 0, 0, 0, 0, 0 };

	(void)state;
	assert_false(stat_stamp_matches(&s, &st));  /* unset */
	stat_stamp_take(&s, &st, 200 * SEC);
	assert_int_equal(s.set, 1);
	assert_int_equal(s.mtime, 100 * SEC + 5);
	assert_int_equal(s.ref, 200 * SEC);
	assert_true(stat_stamp_matches(&s, &st));
	other = st;
	other.st_size = 43;
	assert_false(stat_stamp_matches(&s, &other));
	other = st;
	other.st_ino = 8;
	assert_false(stat_stamp_matches(&s, &other));
	other = st;
	other.st_mtim.tv_nsec++;
	assert_false(stat_stamp_matches(&s, &other));
	other = st;
	other.st_ctim.tv_sec++;
	assert_false(stat_stamp_matches(&s, &other));
}

static void statcache__trusted__only_before_ref(void **state)
{
	struct stat st = at(100 * SEC, 100 * SEC + 1);
	struct stat_stamp s;

	(void)state;
	stat_stamp_take(&s, &st, 100 * SEC + 2);
	assert_true(stat_stamp_trusted(&s));
	stat_stamp_take(&s, &st, 100 * SEC + 1);  /* ctime in the ref's tick */
	assert_false(stat_stamp_trusted(&s));
}

static void statcache__racy__cut_without_nanoseconds(void **state)
{
	struct stat fine = at(100 * SEC + 5, 100 * SEC + 5);
	struct stat coarse = at(100 * SEC, 100 * SEC);

	(void)state;
	assert_false(stat_racy(&fine, 100 * SEC + 6));
	assert_true(stat_racy(&fine, 100 * SEC + 5));
	/* Whole seconds: the reference is cut to an even second, so a stamp
	 * in the same two seconds is racy. */
	assert_int_equal(statcache_ref(101 * SEC + 7, &coarse), 100 * SEC);
	assert_int_equal(statcache_ref(101 * SEC + 7, &fine), 101 * SEC + 7);
	assert_true(stat_racy(&coarse, 101 * SEC + 7));
	assert_false(stat_racy(&coarse, 102 * SEC));
}

static void statcache__clock__moves_forward(void **state)
{
	long long a = statcache_clock(), b = statcache_clock();

	(void)state;
	assert_true(a > 1500000000LL * SEC);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statcache__take__matches_same_stat_only),
		cmocka_unit_test(statcache__trusted__only_before_ref),
		cmocka_unit_test(statcache__racy__cut_without_nanoseconds),
		cmocka_unit_test(statcache__clock__moves_forward),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
