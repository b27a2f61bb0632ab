#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "lib/logs/internal.h"

#include <string.h>

static void msg_is(const struct logs_entry *e, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	logs_entry_message(e, &sb);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void time__iso_forms(void **state)
{
	(void)state;
	assert_int_equal(logs_parse_time("1970-01-01T00:00:00Z", 20), 0);
	assert_int_equal(logs_parse_time("2026-12-06T17:00:00.123Z", 24), 1796576400123LL);
	assert_int_equal(logs_parse_time("2026-12-06T18:00:00.123+01:00", 29), 1796576400123LL);
	assert_int_equal(logs_parse_time("2026-12-06 17:00:00,123456", 26), 1796576400123LL);
	assert_int_equal(logs_parse_time("2026-12-06", 10), 1796515200000LL);
	assert_int_equal(logs_parse_time("2026-13-06", 10), -1);
	assert_int_equal(logs_parse_time("2026-12-06T17", 13), -1);
	assert_int_equal(logs_parse_time("2026-12-06Tx", 12), -1);
}

static void since__durations_times_and_errors(void **state)
{
	long long out = 0;

	(void)state;
	assert_int_equal(logs_parse_since("1h30m", 10000000, &out), 0);
	assert_int_equal(out, 10000000 - 5400000);
	assert_int_equal(logs_parse_since("2d", 1000000000, &out), 0);
	assert_int_equal(out, 1000000000 - 172800000);
	assert_int_equal(logs_parse_since("90", 100000, &out), 0);
	assert_int_equal(out, 10000);
	assert_int_equal(logs_parse_since("250ms", 1000, &out), 0);
	assert_int_equal(out, 750);
	assert_int_equal(logs_parse_since("2026-12-06", 0, &out), 0);
	assert_int_equal(out, 1796515200000LL);
	assert_int_equal(logs_parse_since("yesterday", 0, &out), -BOSUN_EUSAGE);
	assert_int_equal(logs_parse_since("5x", 0, &out), -BOSUN_EUSAGE);
	assert_int_equal(logs_parse_since("", 0, &out), -BOSUN_EUSAGE);
	assert_int_equal(logs_parse_since("99999999999w", 0, &out), -BOSUN_EUSAGE);
	error_clear();
}

static void level__names_and_numbers(void **state)
{
	(void)state;
	assert_int_equal(logs_level_parse("WARNING", 7), LOGS_WARN);
	assert_int_equal(logs_level_parse("degraded", 8), LOGS_DEGRADED);
	assert_int_equal(logs_level_parse("fatal", 5), LOGS_ERROR);
	assert_int_equal(logs_level_parse("loud", 4), LOGS_UNKNOWN);
	assert_true(LOGS_WARN < LOGS_DEGRADED && LOGS_DEGRADED < LOGS_ERROR);
}

static void json__fast_pass_reads_bosun_lines(void **state)
{
	const char *l = "{\"ts\":\"2026-12-06T17:00:00.123Z\",\"level\":\"error\","
			"\"event\":\"release\",\"pid\":1,\"msg\":\"a \\\"b\\\"\\nc\"}";
	struct logs_entry e = LOGS_ENTRY_INIT;

	(void)state;
	assert_int_equal(logs_parse_json_fast(&e, l, strlen(l), &LOGS_FIELDS_BOSUN), 0);
	assert_int_equal(e.ts_ms, 1796576400123LL);
	assert_int_equal(e.level, LOGS_ERROR);
	assert_int_equal(e.component_len, 7);
	assert_true(e.message_esc);
	msg_is(&e, "a \"b\"\nc");
	logs_entry_release(&e);
}

static void json__odd_lines_go_to_jansson(void **state)
{
	const char *nested = "{\"msg\":{\"code\":5},\"level\":\"warn\"}";
	const char *esckey = "{\"m\\u0073g\":\"x\",\"level\":40}";
	const char *notobj = "[1,2]";
	struct logs_entry e = LOGS_ENTRY_INIT;

	(void)state;
	assert_int_equal(logs_parse_json_fast(&e, nested, strlen(nested), &LOGS_FIELDS_BOSUN), -1);
	logs_parse_json(&e, nested, strlen(nested), &LOGS_FIELDS_BOSUN);
	assert_int_equal(e.level, LOGS_WARN);
	msg_is(&e, "{\"code\":5}");
	logs_parse_json(&e, esckey, strlen(esckey), &LOGS_FIELDS_BOSUN);
	assert_int_equal(e.level, LOGS_WARN);
	msg_is(&e, "x");
	logs_parse_json(&e, notobj, strlen(notobj), &LOGS_FIELDS_BOSUN);
	assert_true(e.unparsed);
	msg_is(&e, "[1,2]");
	logs_entry_release(&e);
}

static void json__alternatives_by_priority(void **state)
{
	const char *l = "{\"time\":\"2026-12-06\",\"ts\":\"1970-01-01\",\"message\":\"m\"}";
	struct logs_entry e = LOGS_ENTRY_INIT;

	(void)state;
	logs_parse_json(&e, l, strlen(l), &LOGS_FIELDS_GUESS);
	assert_int_equal(e.ts_ms, 0);  /* ts comes first in the list */
	msg_is(&e, "m");
	logs_entry_release(&e);
}

/* A map freed and another made at the same address (a daemon that reloads
 * its configuration) is read as the new one. */
static void json__a_new_map_at_the_same_address(void **state)
{
	char time_key[16] = "ts";
	struct logs_fields f = { time_key, "level", "msg", "event" };
	const char *a = "{\"ts\":\"2026-12-06\",\"when\":\"1970-01-01\"}";
	struct logs_entry e = LOGS_ENTRY_INIT;

	(void)state;
	logs_parse_json(&e, a, strlen(a), &f);
	assert_int_equal(e.ts_ms, 1796515200000LL);
	strcpy(time_key, "when");
	logs_parse_json(&e, a, strlen(a), &f);
	assert_int_equal(e.ts_ms, 0);
	logs_entry_release(&e);
}

static void text__shape_and_unparsed(void **state)
{
	const char *l = "[2026-12-06T17:00:00Z] [WARN] [db] slow query\r";
	const char *bad = "  at frame 3";
	struct logs_entry e = LOGS_ENTRY_INIT;

	(void)state;
	logs_parse_text(&e, l, strlen(l));
	assert_false(e.unparsed);
	assert_int_equal(e.level, LOGS_WARN);
	assert_int_equal(e.component_len, 2);
	assert_int_equal(e.message_len, strlen("slow query"));
	logs_parse_text(&e, bad, strlen(bad));
	assert_true(e.unparsed);
	assert_int_equal(e.message_len, strlen(bad));
	logs_entry_release(&e);
}

static void stats__merge_keeps_newest_errors(void **state)
{
	struct logs_stats a, b;
	struct logs_entry e = LOGS_ENTRY_INIT;
	char line[128];
	json_t *j;
	int i;

	(void)state;
	logs_stats_init(&a);
	logs_stats_init(&b);
	for (i = 0; i < 8; i++) {
		snprintf(line, sizeof(line), "{\"ts\":%d,\"level\":\"error\",\"event\":\"%s\",\"msg\":\"e%d\"}",
			 1000 + i, i % 2 ? "x" : "y", i);
		logs_parse_json(&e, line, strlen(line), &LOGS_FIELDS_BOSUN);
		logs_stats_add(i % 2 ? &a : &b, &e);
	}
	logs_stats_merge(&a, &b);
	j = logs_stats_json(&a);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "levels"), "error")), 8);
	assert_int_equal(json_array_size(json_object_get(j, "last_errors")), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "last_errors"), 4), "message")), "e7");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "last_errors"), 0), "message")), "e3");
	json_decref(j);
	logs_stats_release(&a);
	logs_stats_release(&b);
	logs_entry_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time__iso_forms),
		cmocka_unit_test(since__durations_times_and_errors),
		cmocka_unit_test(level__names_and_numbers),
		cmocka_unit_test(json__fast_pass_reads_bosun_lines),
		cmocka_unit_test(json__odd_lines_go_to_jansson),
		cmocka_unit_test(json__alternatives_by_priority),
		cmocka_unit_test(json__a_new_map_at_the_same_address),
		cmocka_unit_test(text__shape_and_unparsed),
		cmocka_unit_test(stats__merge_keeps_newest_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
