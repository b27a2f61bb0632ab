/* Unit tests for lib/release/semver. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "lib/release/semver.h"

#include <string.h>

/* Parse s, format it back and compare with s; or s must not parse. */
static void roundtrip(const char *s, int valid)
{
	struct semver v = SEMVER_INIT;
	struct strbuf sb = STRBUF_INIT;
	int r = semver_parse(&v, s, -1);

	if (!valid) {
		if (r != -BOSUN_EDATA)
			fail_msg("'%s' parsed but should not", s);
		assert_null(v.pre);
		return;
	}
	if (r)
		fail_msg("'%s' did not parse: %s", s, error_message());
	semver_format(&sb, &v);
	assert_string_equal(sb.buf, s);
	strbuf_release(&sb);
	semver_release(&v);
}

static void semver__parse_valid__roundtrips(void **state)
{
	static const char *const ok[] = {
		"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1",
		"1.0.0-0.3.7", "1.0.0-x.7.z.92", "1.0.0-x-y-z.--",
		"1.0.0-alpha+001", "1.0.0+20130313144700",
		"1.0.0-beta+exp.sha.5114f85", "1.0.0+21AF26D3----117B344092BD",
		"1.0.0--", "1.0.0-0A", "1.0.0-rc.1+build.01",
		"18446744073709551615.0.0",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		roundtrip(ok[i], 1);
}

static void semver__parse_invalid__fails(void **state)
{
	static const char *const bad[] = {
		"", "1", "1.2", "1.2.3.4", "v1.2.3", "V1.2.3", "01.2.3", "1.02.3",
		"1.2.03", "1.2.3-01", "1.2.3-rc.01", "1.2.3-", "1.2.3+", "1.2.3-a..b",
		"1.2.3-a.", "1.2.3+a..b", "1.2.3 ", " 1.2.3", "1.2.3-a b",
		"1.2.3-α", "1.2.3_4", "-1.2.3", "1.-2.3", "1.2.3+-+a",
		"18446744073709551616.0.0", "1.99999999999999999999.0", "a.b.c",
		"1..3", "1.2.3-rc.1+b+c",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		roundtrip(bad[i], 0);
}

static void semver__parse_failure__leaves_out_untouched(void **state)
{
	struct semver v = { 7, 8, 9, NULL, NULL };

	assert_int_equal(semver_parse(&v, "1.2", -1), -BOSUN_EDATA);
	assert_int_equal(v.major, 7);
	assert_int_equal(v.minor, 8);
	assert_int_equal(v.patch, 9);
}

static void semver__parse_v_prefix__hints(void **state)
{
	struct semver v = SEMVER_INIT;

	assert_int_equal(semver_parse(&v, "v1.2.3", -1), -BOSUN_EDATA);
	assert_non_null(strstr(error_message(), "'v1.2.3'"));
	assert_non_null(strstr(error_hint_text(), "leading 'v'"));
}

static void semver__parse_leading_zero__says_why(void **state)
{
	struct semver v = SEMVER_INIT;

	assert_int_equal(semver_parse(&v, "1.02.3", -1), -BOSUN_EDATA);
	assert_non_null(strstr(error_message(), "leading zeros"));
}

static void semver__parse_len__stops_there(void **state)
{
	struct semver v = SEMVER_INIT;

	assert_int_equal(semver_parse(&v, "1.2.3-rc.1 and more", 10), 0);
	assert_string_equal(v.pre, "rc.1");
	assert_null(v.build);
	semver_release(&v);
	assert_int_equal(semver_parse(&v, "1.2.3\0", 6), -BOSUN_EDATA);
}

static void semver__parse_huge__keeps_64_bits(void **state)
{
	struct semver v = SEMVER_INIT;

	assert_int_equal(semver_parse(&v, "18446744073709551615.1.2", -1), 0);
	assert_true(v.major == UINT64_MAX);
	semver_release(&v);
	/* Prerelease numbers have no size limit; they compare by value. */
	assert_int_equal(semver_parse(&v, "1.0.0-99999999999999999999999", -1), 0);
	semver_release(&v);
}

static int cmp_str(const char *a, const char *b)
{
	struct semver va = SEMVER_INIT, vb = SEMVER_INIT;
	int c;

	assert_int_equal(semver_parse(&va, a, -1), 0);
	assert_int_equal(semver_parse(&vb, b, -1), 0);
	c = semver_cmp(&va, &vb);
	semver_release(&va);
	semver_release(&vb);
	return c;
}

static void check_ascending(const char *const *list, size_t nr)
{
	size_t i, j;

	for (i = 0; i < nr; i++)
		for (j = 0; j < nr; j++) {
			int c = cmp_str(list[i], list[j]);
			int want = i < j ? -1 : i > j;

			if (c != want)
				fail_msg("cmp('%s', '%s') = %d, want %d",
					 list[i], list[j], c, want);
		}
}

static void semver__cmp_spec_item_11__orders(void **state)
{
	static const char *const list[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
	};

	check_ascending(list, sizeof(list) / sizeof(list[0]));
}

static void semver__cmp_core__numeric(void **state)
{
	static const char *const list[] = {
		"0.0.0", "0.0.1", "0.1.0", "0.9.0", "0.10.0", "1.0.0", "2.0.0",
		"2.1.0", "2.1.1", "10.0.0", "18446744073709551615.0.0",
	};

	check_ascending(list, sizeof(list) / sizeof(list[0]));
}

static void semver__cmp_pre_edges__orders(void **state)
{
	static const char *const list[] = {
		"1.0.0-0", "1.0.0-1", "1.0.0-2", "1.0.0-10",
		"1.0.0-99999999999999999999", "1.0.0-100000000000000000000",
		"1.0.0--", "1.0.0-A", "1.0.0-Z", "1.0.0-a", "1.0.0-a.0",
		"1.0.0-a.0.0", "1.0.0-a.1", "1.0.0-a.a", "1.0.0-aa", "1.0.0-b",
	};

	check_ascending(list, sizeof(list) / sizeof(list[0]));
}

static void semver__cmp_build__is_ignored(void **state)
{
	assert_int_equal(cmp_str("1.0.0+a", "1.0.0+b"), 0);
	assert_int_equal(cmp_str("1.0.0-rc.1+x", "1.0.0-rc.1"), 0);
	assert_int_equal(cmp_str("1.0.0+zzz", "1.0.1"), -1);
}

struct bump_case {
	const char *base;
	enum bump_level level;
	int zero_major;
	const char *want;
};

static void semver__bump_table__matches(void **state)
{
	static const struct bump_case cases[] = {
		{ "1.2.3", BUMP_NONE, 0, "1.2.3" },
		{ "1.2.3", BUMP_PATCH, 0, "1.2.4" },
		{ "1.2.3", BUMP_MINOR, 0, "1.3.0" },
		{ "1.2.3", BUMP_MAJOR, 0, "2.0.0" },
		{ "1.2.3", BUMP_MAJOR, 1, "2.0.0" },
		{ "1.2.3+build.5", BUMP_PATCH, 0, "1.2.4" },
		{ "1.2.3+build.5", BUMP_NONE, 0, "1.2.3" },
		{ "0.3.4", BUMP_PATCH, 0, "0.3.5" },
		{ "0.3.4", BUMP_MINOR, 0, "0.4.0" },
		{ "0.3.4", BUMP_MAJOR, 0, "0.4.0" },
		{ "0.3.4", BUMP_MAJOR, 1, "1.0.0" },
		{ "0.0.0", BUMP_PATCH, 0, "0.0.1" },
		{ "0.0.1", BUMP_MAJOR, 0, "0.1.0" },
		{ "0.0.1", BUMP_MAJOR, 1, "1.0.0" },
		{ "1.3.0-rc.2", BUMP_NONE, 0, "1.3.0" },
		{ "1.3.0-rc.2", BUMP_PATCH, 0, "1.3.0" },
		{ "1.3.0-rc.2", BUMP_MINOR, 0, "1.3.0" },
		{ "1.3.0-rc.2", BUMP_MAJOR, 0, "2.0.0" },
		{ "1.3.1-rc.1", BUMP_PATCH, 0, "1.3.1" },
		{ "1.3.1-rc.1", BUMP_MINOR, 0, "1.4.0" },
		{ "2.0.0-rc.1", BUMP_MAJOR, 0, "2.0.0" },
		{ "2.0.0-rc.1+b", BUMP_MINOR, 0, "2.0.0" },
		{ "0.4.0-rc.1", BUMP_MAJOR, 0, "0.4.0" },
		{ "0.4.0-rc.1", BUMP_MAJOR, 1, "1.0.0" },
		{ "0.4.1-rc.1", BUMP_MAJOR, 0, "0.5.0" },
		{ "0.0.0-rc.1", BUMP_PATCH, 0, "0.0.1" },
		{ "0.0.0-rc.1", BUMP_MINOR, 0, "0.1.0" },
		{ "1.18446744073709551615.0", BUMP_MINOR, 0, "1.18446744073709551615.0" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct semver base = SEMVER_INIT, out = SEMVER_INIT;
		struct strbuf sb = STRBUF_INIT;

		assert_int_equal(semver_parse(&base, cases[i].base, -1), 0);
		semver_bump(&out, &base, cases[i].level, cases[i].zero_major);
		semver_format(&sb, &out);
		if (strcmp(sb.buf, cases[i].want))
			fail_msg("bump %s by %s (zero_major %d): got %s, want %s",
				 cases[i].base, bump_level_name(cases[i].level),
				 cases[i].zero_major, sb.buf, cases[i].want);
		strbuf_release(&sb);
		semver_release(&base);
		semver_release(&out);
	}
}

static void semver__bump_in_place__frees_pre(void **state)
{
	struct semver v = SEMVER_INIT;

	assert_int_equal(semver_parse(&v, "1.3.0-rc.2+b.1", -1), 0);
	semver_bump(&v, &v, BUMP_MINOR, 0);
	assert_null(v.pre);
	assert_null(v.build);
	assert_true(v.major == 1 && v.minor == 3 && v.patch == 0);
	semver_release(&v);
}

static void semver__copy__is_deep(void **state)
{
	struct semver a = SEMVER_INIT, b = SEMVER_INIT;

	assert_int_equal(semver_parse(&a, "1.2.3-rc.1+b", -1), 0);
	semver_copy(&b, &a);
	assert_ptr_not_equal(a.pre, b.pre);
	semver_release(&a);
	assert_string_equal(b.pre, "rc.1");
	assert_string_equal(b.build, "b");
	semver_release(&b);
	semver_release(NULL);
}

static void semver__pre_split__forms(void **state)
{
	static const struct { const char *v; int r; const char *id; uint64_t n; } t[] = {
		{ "1.0.0-rc.4", 0, "rc", 4 },
		{ "1.0.0-beta", 0, "beta", 0 },
		{ "1.0.0-alpha.0", 0, "alpha", 0 },
		{ "1.0.0", -1, NULL, 0 },
		{ "1.0.0-rc.4.1", -1, NULL, 0 },
		{ "1.0.0-rc.x", -1, NULL, 0 },
		{ "1.0.0-4", -1, NULL, 0 },
		{ "1.0.0-rc.99999999999999999999", -1, NULL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct semver v = SEMVER_INIT;
		struct strbuf id = STRBUF_INIT;
		uint64_t n = 77;

		assert_int_equal(semver_parse(&v, t[i].v, -1), 0);
		assert_int_equal(semver_pre_split(&v, &id, &n), t[i].r);
		if (!t[i].r) {
			assert_string_equal(id.buf, t[i].id);
			assert_true(n == t[i].n);
		} else {
			assert_true(n == 77);
		}
		strbuf_release(&id);
		semver_release(&v);
	}
}

static void semver__level_names__roundtrip(void **state)
{
	assert_string_equal(bump_level_name(BUMP_NONE), "none");
	assert_string_equal(bump_level_name(BUMP_MAJOR), "major");
	assert_int_equal(bump_level_parse("major"), BUMP_MAJOR);
	assert_int_equal(bump_level_parse("minor"), BUMP_MINOR);
	assert_int_equal(bump_level_parse("patch"), BUMP_PATCH);
	assert_int_equal(bump_level_parse("Major"), -1);
	assert_int_equal(bump_level_parse("premajor"), -1);
	assert_int_equal(bump_level_parse(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(semver__parse_valid__roundtrips),
		cmocka_unit_test(semver__parse_invalid__fails),
		cmocka_unit_test(semver__parse_failure__leaves_out_untouched),
		cmocka_unit_test(semver__parse_v_prefix__hints),
		cmocka_unit_test(semver__parse_leading_zero__says_why),
		cmocka_unit_test(semver__parse_len__stops_there),
		cmocka_unit_test(semver__parse_huge__keeps_64_bits),
		cmocka_unit_test(semver__cmp_spec_item_11__orders),
		cmocka_unit_test(semver__cmp_core__numeric),
		cmocka_unit_test(semver__cmp_pre_edges__orders),
		cmocka_unit_test(semver__cmp_build__is_ignored),
		cmocka_unit_test(semver__bump_table__matches),
		cmocka_unit_test(semver__bump_in_place__frees_pre),
		cmocka_unit_test(semver__copy__is_deep),
		cmocka_unit_test(semver__pre_split__forms),
		cmocka_unit_test(semver__level_names__roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
