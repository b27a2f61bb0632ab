/* Unit tests for core/statcache: stamps, matching, the racy rule, digests. */
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

static void digest_of(const struct stat *a, const struct stat *b, int err, char *hex)
{
	struct stat_digest d;

	stat_digest_init(&d);
	stat_digest_add(&d, a, 0);
	stat_digest_add(&d, b, err);
	stat_digest_bytes(&d, "HEAD", 4);
	stat_digest_hex(&d, hex);
}

static void statcache__digest__every_field_and_order_counts(void **state)
{
	struct stat a = at(100 * SEC, 100 * SEC), b = at(200 * SEC, 200 * SEC), c;
	char base[STAT_DIGEST_HEX + 1], other[STAT_DIGEST_HEX + 1];

	(void)state;
	digest_of(&a, &b, 0, base);
	assert_int_equal(STAT_DIGEST_HEX, strlen(base));
	digest_of(&a, &b, 0, other);
	assert_string_equal(base, other);
	digest_of(&b, &a, 0, other);                    /* order */
	assert_string_not_equal(base, other);
	c = b;
	c.st_mtim.tv_nsec = 1;                          /* mtime */
	digest_of(&a, &c, 0, other);
	assert_string_not_equal(base, other);
	c = b;
	c.st_ctim.tv_nsec = 1;                          /* ctime */
	digest_of(&a, &c, 0, other);
	assert_string_not_equal(base, other);
	c = b;
	c.st_size++;                                    /* size */
	digest_of(&a, &c, 0, other);
	assert_string_not_equal(base, other);
	c = b;
	c.st_ino++;                                     /* inode */
	digest_of(&a, &c, 0, other);
	assert_string_not_equal(base, other);
	c = b;
	c.st_mode |= 0100;                              /* mode */
	digest_of(&a, &c, 0, other);
	assert_string_not_equal(base, other);
	digest_of(&a, NULL, 2, other);                  /* gone */
	assert_string_not_equal(base, other);
	digest_of(&a, NULL, 20, base);                  /* gone otherwise */
	assert_string_not_equal(base, other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statcache__take__matches_same_stat_only),
		cmocka_unit_test(statcache__trusted__only_before_ref),
		cmocka_unit_test(statcache__racy__cut_without_nanoseconds),
		cmocka_unit_test(statcache__clock__moves_forward),
		cmocka_unit_test(statcache__digest__every_field_and_order_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
