#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int reset(void **state)
{
	(void)state;
	error_clear();
	return 0;
}

static void error__set__returns_negative_kind(void **state)
{
	int r;

	(void)state;
	r = error_set(BOSUN_ENOTFOUND, "no version '%s'", "9.9.9");
	assert_int_equal(r, -BOSUN_ENOTFOUND);
	assert_int_equal(error_kind(), BOSUN_ENOTFOUND);
	assert_string_equal(error_message(), "no version '9.9.9'");
	assert_null(error_hint_text());
}

static void error__set__unknown_kind_is_internal(void **state)
{
	(void)state;
	assert_int_equal(error_set(42, "odd"), -BOSUN_EINTERNAL);
	assert_int_equal(error_kind(), BOSUN_EINTERNAL);
	assert_int_equal(error_set(0, "zero"), -BOSUN_EINTERNAL);
}

static void error__errno__appends_strerror(void **state)
{
	char want[256];
	int r;

	(void)state;
	errno = ENOENT;
	r = error_errno(BOSUN_EIO, "cannot read '%s'", "x");
	assert_int_equal(r, -BOSUN_EIO);
	snprintf(want, sizeof(want), "cannot read 'x': %s", strerror(ENOENT));
	assert_string_equal(error_message(), want);
	assert_int_equal(errno, ENOENT);
}

static void error__prefix__prepends(void **state)
{
	int r;

	(void)state;
	error_set(BOSUN_EDATA, "bad value");
	r = error_prefix("bosun.yml:%d:%d", 3, 7);
	assert_int_equal(r, -BOSUN_EDATA);
	assert_string_equal(error_message(), "bosun.yml:3:7: bad value");
}

static void error__prefix__without_error_is_internal(void **state)
{
	(void)state;
	assert_int_equal(error_prefix("ctx"), -BOSUN_EINTERNAL);
}

static void error__hint__lines_accumulate(void **state)
{
	(void)state;
	error_set(BOSUN_EBUSY, "locked");
	error_hint("wait for %s", "it");
	error_hint("or remove the lock");
	assert_string_equal(error_hint_text(), "wait for it\nor remove the lock");
	/* A new error starts without the old hint. */
	error_set(BOSUN_EIO, "other");
	assert_null(error_hint_text());
}

static void error__clear__forgets(void **state)
{
	(void)state;
	error_set(BOSUN_EFAIL, "x");
	error_hint("y");
	error_clear();
	assert_int_equal(error_kind(), 0);
	assert_string_equal(error_message(), "unknown error");
	assert_null(error_hint_text());
}

static void error__exit_code__maps_kinds(void **state)
{
	(void)state;
	assert_int_equal(error_exit_code(0), 0);
	assert_int_equal(error_exit_code(3), 3);
	assert_int_equal(error_exit_code(-BOSUN_EUSAGE), 64);
	assert_int_equal(error_exit_code(-BOSUN_EDATA), 65);
	assert_int_equal(error_exit_code(-BOSUN_EUNAVAILABLE), 69);
	assert_int_equal(error_exit_code(-BOSUN_EIO), 74);
	assert_int_equal(error_exit_code(-BOSUN_EBUSY), 75);
	assert_int_equal(error_exit_code(-BOSUN_EFAIL), 1);
	/* An unknown negative value falls back to the recorded kind. */
	error_set(BOSUN_ENOTFOUND, "x");
	assert_int_equal(error_exit_code(-1000), 3);
	error_clear();
	assert_int_equal(error_exit_code(-1000), 70);
}

static void error__message__long_text(void **state)
{
	char big[5000];

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_set(BOSUN_EDATA, "%s", big);
	assert_int_equal(strlen(error_message()), sizeof(big) - 1);
}

/* A new message may quote the one it replaces (cmd/version.c:
 * "--tag-format: %s" with error_message()). */
static void error__set__may_quote_the_message_it_replaces(void **state)
{
	char big[600];

	(void)state;
	error_set(BOSUN_EDATA, "'%s' has no {version}", "v1");
	assert_int_equal(error_set(BOSUN_EUSAGE, "--tag-format: %s", error_message()),
			 -BOSUN_EUSAGE);
	assert_string_equal(error_message(), "--tag-format: 'v1' has no {version}");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_set(BOSUN_EDATA, "%s", big);
	error_errno(BOSUN_EIO, "%s and %s", error_message(), error_message());
	assert_int_equal(strlen(error_message()), 2 * 599 + 5 + strlen(": ") +
			 strlen(strerror(errno)));
	assert_int_equal(strncmp(error_message(), big, 599), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(error__set__returns_negative_kind, reset),
		cmocka_unit_test_setup(error__set__unknown_kind_is_internal, reset),
		cmocka_unit_test_setup(error__errno__appends_strerror, reset),
		cmocka_unit_test_setup(error__prefix__prepends, reset),
		cmocka_unit_test_setup(error__prefix__without_error_is_internal, reset),
		cmocka_unit_test_setup(error__hint__lines_accumulate, reset),
		cmocka_unit_test_setup(error__clear__forgets, reset),
		cmocka_unit_test_setup(error__exit_code__maps_kinds, reset),
		cmocka_unit_test_setup(error__message__long_text, reset),
		cmocka_unit_test_setup(error__set__may_quote_the_message_it_replaces, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
