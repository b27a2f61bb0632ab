/* core/utf8: validation, and text that is not UTF-8 turned into UTF-8. */
#include "core/strbuf.h"
#include "core/utf8.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void appends(const char *in, size_t len, const char *charset, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, ">");
	utf8_append(&sb, in, len, charset);
	assert_string_equal(sb.buf + 1, want);
	assert_true(utf8_valid(sb.buf, sb.len));
	strbuf_release(&sb);
}
#define APPENDS(lit, charset, want) appends(lit, sizeof(lit) - 1, charset, want)

static void utf8__valid(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("caf\xc3\xa9 \xf0\x9f\x9a\xa2", 10));
	assert_false(utf8_valid("caf\xe9", 4));
	assert_false(utf8_valid("\xc3", 1));           /* cut short */
	assert_false(utf8_valid("\xc0\xaf", 2));       /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));   /* a surrogate */
}

static void utf8__append__converts_by_charset(void **state)
{
	(void)state;
	APPENDS("caf\xe9 cr\xe8me", "latin1", "caf\xc3\xa9 cr\xc3\xa8me");
	APPENDS("caf\xe9", "ISO-8859-1", "caf\xc3\xa9");
	APPENDS("\x80", "cp1252", "\xe2\x82\xac");
	/* UTF-8 named in any spelling, or ASCII, is copied as it is. */
	APPENDS("caf\xc3\xa9", "utf-8", "caf\xc3\xa9");
	APPENDS("caf\xc3\xa9", "UTF8", "caf\xc3\xa9");
	APPENDS("plain", "latin1", "plain");
}

static void utf8__append__replaces_what_is_not_text(void **state)
{
	(void)state;
	APPENDS("bad \xff byte", NULL, "bad \xef\xbf\xbd byte");
	APPENDS("cut \xe2\x82", NULL, "cut \xef\xbf\xbd\xef\xbf\xbd");
	/* An unknown charset is no charset. */
	APPENDS("caf\xe9", "no-such-charset", "caf\xef\xbf\xbd");
	/* A byte the charset has no character for. */
	APPENDS("a\x81z", "cp1252", "a\xef\xbf\xbdz");
	APPENDS("", "latin1", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8__valid),
		cmocka_unit_test(utf8__append__converts_by_charset),
		cmocka_unit_test(utf8__append__replaces_what_is_not_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
