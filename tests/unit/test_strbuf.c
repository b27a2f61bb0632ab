#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/strbuf.h"

#include <stdlib.h>
#include <string.h>

static void strbuf__init__empty_not_null(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_non_null(sb.buf);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_init(&sb, 100);
	assert_true(sb.alloc > 100);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	assert_non_null(sb.buf);
	assert_int_equal(sb.alloc, 0);
}

static void strbuf__release__null_and_twice(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_release(NULL);
	strbuf_addstr(&sb, "x");
	strbuf_release(&sb);
	strbuf_release(&sb);
	assert_string_equal(sb.buf, "");
}

static void strbuf__addf__grows(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[1000];
	int i;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&sb, "%s-%d", "x", 42);
	assert_string_equal(sb.buf, "x-42");
	strbuf_addf(&sb, "[%s]", big);
	assert_int_equal(sb.len, 4 + 2 + 999);
	assert_int_equal(sb.buf[sb.len], '\0');
	assert_int_equal(sb.buf[5], 'a');
	for (i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	assert_true(sb.alloc > sb.len);
	assert_int_equal(strlen(sb.buf), sb.len);
	strbuf_release(&sb);
}

static void strbuf__addf__empty_result(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addf(&sb, "%s", "");
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
}

static void strbuf__add__binary_bytes(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	static const char bin[] = { 'a', '\0', 'b' };

	(void)state;
	strbuf_add(&sb, bin, sizeof(bin));
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, bin, 3);
	assert_int_equal(sb.buf[3], '\0');
	strbuf_add(&sb, NULL, 0);
	assert_int_equal(sb.len, 3);
	strbuf_release(&sb);
}

static void strbuf__addch__and_addchars(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addch(&sb, 'x');
	strbuf_addchars(&sb, '-', 3);
	strbuf_addchars(&sb, '?', 0);
	assert_string_equal(sb.buf, "x---");
	strbuf_release(&sb);
}

static void strbuf__addbuf__copies(void **state)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	(void)state;
	strbuf_addstr(&a, "one");
	strbuf_addbuf(&b, &a);
	strbuf_addbuf(&b, &a);
	assert_string_equal(b.buf, "oneone");
	strbuf_release(&a);
	strbuf_release(&b);
}

static void strbuf__detach__hands_over(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 0;
	char *p;

	(void)state;
	p = strbuf_detach(&sb, &len);
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	strbuf_addstr(&sb, "hello");
	p = strbuf_detach(&sb, &len);
	assert_string_equal(p, "hello");
	assert_int_equal(len, 5);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	free(p);
	p = strbuf_detach(&sb, NULL);
	free(p);
}

static void strbuf__setlen__truncates(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "abcdef");
	strbuf_setlen(&sb, 3);
	assert_string_equal(sb.buf, "abc");
	strbuf_reset(&sb);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void strbuf__grow__keeps_content(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_grow(&sb, 0);
	assert_string_equal(sb.buf, "");
	strbuf_addstr(&sb, "keep");
	strbuf_grow(&sb, 100000);
	assert_true(sb.alloc >= sb.len + 100001);
	assert_string_equal(sb.buf, "keep");
	strbuf_release(&sb);
}

static void strbuf__insert__at_positions(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_insert(&sb, 0, "world", 5);
	strbuf_insert(&sb, 0, "hello ", 6);
	strbuf_insert(&sb, sb.len, "!", 1);
	strbuf_insert(&sb, 5, ",", 1);
	assert_string_equal(sb.buf, "hello, world!");
	strbuf_release(&sb);
}

static void strbuf__splice__replaces(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addstr(&sb, "one two three");
	strbuf_splice(&sb, 4, 3, "2", 1);
	assert_string_equal(sb.buf, "one 2 three");
	strbuf_splice(&sb, 0, 3, "ONE-LONGER", 10);
	assert_string_equal(sb.buf, "ONE-LONGER 2 three");
	strbuf_splice(&sb, 10, sb.len - 10, "", 0);
	assert_string_equal(sb.buf, "ONE-LONGER");
	strbuf_release(&sb);
}

static void strbuf__trim__both_sides(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addstr(&sb, " \t\n x y \r\n");
	strbuf_rtrim(&sb);
	assert_string_equal(sb.buf, " \t\n x y");
	strbuf_ltrim(&sb);
	assert_string_equal(sb.buf, "x y");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "   ");
	strbuf_trim(&sb);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void strbuf__trim__empty_unallocated(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_trim(&sb);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.alloc, 0);
}

static void strbuf__expand__replaces_vars(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *vars[] = { "{name}", "bosun", "{n}", "3", "{empty}", NULL,
			       NULL };

	(void)state;
	strbuf_expand(&sb, "{name} v{n} {unknown} {empty}. {", vars);
	assert_string_equal(sb.buf, "bosun v3 {unknown} . {");
	strbuf_reset(&sb);
	strbuf_expand(&sb, "{name}", NULL);
	assert_string_equal(sb.buf, "{name}");
	strbuf_release(&sb);
}

static void strbuf__starts_with__matches(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_true(strbuf_starts_with(&sb, ""));
	assert_false(strbuf_starts_with(&sb, "a"));
	strbuf_addstr(&sb, "refs/tags/v1");
	assert_true(strbuf_starts_with(&sb, "refs/"));
	assert_true(strbuf_starts_with(&sb, "refs/tags/v1"));
	assert_false(strbuf_starts_with(&sb, "refs/tags/v1.0"));
	assert_false(strbuf_starts_with(&sb, "tags"));
	strbuf_release(&sb);
}

static void strbuf__shell_quoted__single_quotes(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_add_shell_quoted(&sb, "");
	assert_string_equal(sb.buf, "''");
	strbuf_reset(&sb);
	strbuf_add_shell_quoted(&sb, "/opt/my dir/bosun");
	assert_string_equal(sb.buf, "'/opt/my dir/bosun'");
	strbuf_reset(&sb);
	strbuf_add_shell_quoted(&sb, "it's $HOME");
	assert_string_equal(sb.buf, "'it'\\''s $HOME'");
	strbuf_release(&sb);
}

static void strbuf__quoted_path__only_when_needed(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_add_quoted_path(&sb, "dir/plain file-\xc3\xa9.txt");
	assert_string_equal(sb.buf, "dir/plain file-\xc3\xa9.txt");
	strbuf_reset(&sb);
	strbuf_add_quoted_path(&sb, "a\nb:1:2: x");
	assert_string_equal(sb.buf, "\"a\\nb:1:2: x\"");
	strbuf_reset(&sb);
	strbuf_add_quoted_path(&sb, "t\tq\"b\\\x01\x7f");
	assert_string_equal(sb.buf, "\"t\\tq\\\"b\\\\\\001\\177\"");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strbuf__init__empty_not_null),
		cmocka_unit_test(strbuf__release__null_and_twice),
		cmocka_unit_test(strbuf__addf__grows),
		cmocka_unit_test(strbuf__addf__empty_result),
		cmocka_unit_test(strbuf__add__binary_bytes),
		cmocka_unit_test(strbuf__addch__and_addchars),
		cmocka_unit_test(strbuf__addbuf__copies),
		cmocka_unit_test(strbuf__detach__hands_over),
		cmocka_unit_test(strbuf__setlen__truncates),
		cmocka_unit_test(strbuf__grow__keeps_content),
		cmocka_unit_test(strbuf__insert__at_positions),
		cmocka_unit_test(strbuf__splice__replaces),
		cmocka_unit_test(strbuf__trim__both_sides),
		cmocka_unit_test(strbuf__trim__empty_unallocated),
		cmocka_unit_test(strbuf__expand__replaces_vars),
		cmocka_unit_test(strbuf__starts_with__matches),
		cmocka_unit_test(strbuf__shell_quoted__single_quotes),
		cmocka_unit_test(strbuf__quoted_path__only_when_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
