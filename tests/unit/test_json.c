/* Unit tests for lib/json: RFC 6901 pointers and scalars as text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "lib/json/json.h"

static json_t *parse(const char *s)
{
	json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);

	assert_non_null(v);
	return v;
}

static void pointer__rfc6901__finds_values(void **state)
{
	json_t *doc = parse("{\"a/b\": {\"m~n\": [10, {\"x\": \"y\"}]}, \"\": 1}");
	const json_t *v;

	(void)state;
	assert_int_equal(json_pointer_get(doc, "/a~1b/m~0n/1/x", &v), 0);
	assert_string_equal(json_string_value(v), "y");
	assert_int_equal(json_pointer_get(doc, "/", &v), 0);
	assert_int_equal(json_pointer_get(doc, "", &v), 0);
	assert_ptr_equal(v, doc);
	assert_int_equal(json_pointer_get(doc, "/a~1b/m~0n/01", &v), -BOSUN_ENOTFOUND);
	assert_int_equal(json_pointer_get(doc, "/a~1b/m~0n/9", &v), -BOSUN_ENOTFOUND);
	assert_int_equal(json_pointer_get(doc, "a", &v), -BOSUN_EDATA);
	assert_int_equal(json_pointer_get(doc, "/a~2", &v), -BOSUN_EDATA);
	error_clear();
	json_decref(doc);
}

static void pointer__through_a_scalar__not_found(void **state)
{
	json_t *doc = parse("{\"a\": 1, \"b\": [1, 2]}");
	const json_t *v = NULL;

	(void)state;
	assert_int_equal(json_pointer_get(doc, "/a/x", &v), -BOSUN_ENOTFOUND);
	assert_int_equal(json_pointer_get(doc, "/b/-", &v), -BOSUN_ENOTFOUND);
	assert_int_equal(json_pointer_get(doc, "/b/1", &v), 0);
	assert_int_equal(json_integer_value(v), 2);
	json_decref(doc);
}

static void scalar_text__each_type(void **state)
{
	json_t *doc = parse("[\"s\", 42, 1.5, true, false, null, [], {}]");
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(json_scalar_text(json_array_get(doc, 0), &sb), 0);
	assert_string_equal(sb.buf, "s");
	assert_int_equal(json_scalar_text(json_array_get(doc, 1), &sb), 0);
	assert_string_equal(sb.buf, "42");
	assert_int_equal(json_scalar_text(json_array_get(doc, 2), &sb), 0);
	assert_string_equal(sb.buf, "1.5");
	assert_int_equal(json_scalar_text(json_array_get(doc, 3), &sb), 0);
	assert_string_equal(sb.buf, "true");
	assert_int_equal(json_scalar_text(json_array_get(doc, 4), &sb), 0);
	assert_string_equal(sb.buf, "false");
	assert_int_equal(json_scalar_text(json_array_get(doc, 5), &sb), -1);
	assert_int_equal(json_scalar_text(json_array_get(doc, 6), &sb), -1);
	assert_int_equal(json_scalar_text(json_array_get(doc, 7), &sb), -1);
	strbuf_release(&sb);
	json_decref(doc);
}

static void string_lossy__invalid_bytes__replaced(void **state)
{
	json_t *j = json_string_lossy("ok \xff end");

	(void)state;
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "ok \xef\xbf\xbd end");
	json_decref(j);
	j = json_string_lossy("caf\xc3\xa9");
	assert_string_equal(json_string_value(j), "caf\xc3\xa9");
	json_decref(j);
}

static void get_str__default_when_not_a_string(void **state)
{
	json_t *o = json_pack("{s:s, s:i}", "a", "x", "n", 1);

	(void)state;
	assert_string_equal(json_get_str(o, "a", NULL), "x");
	assert_string_equal(json_get_str(o, "n", ""), "");
	assert_null(json_get_str(o, "missing", NULL));
	assert_string_equal(json_get_str(NULL, "a", "d"), "d");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pointer__rfc6901__finds_values),
		cmocka_unit_test(pointer__through_a_scalar__not_found),
		cmocka_unit_test(scalar_text__each_type),
		cmocka_unit_test(string_lossy__invalid_bytes__replaced),
		cmocka_unit_test(get_str__default_when_not_a_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
