#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/monitor/monitor.h"

#include <stdlib.h>
#include <string.h>

static struct monitor_rule *parse(const char *text, size_t *nr, struct strbuf *why)
{
	json_t *v = json_loads(text, 0, NULL);
	struct monitor_rule *rules = NULL;

	assert_non_null(v);
	if (monitor_rules_parse(v, &rules, nr, why) < 0)
		rules = NULL;
	json_decref(v);
	return rules;
}

static void rules__defaults__filled_in(void **state)
{
	struct strbuf why = STRBUF_INIT;
	size_t nr;
	struct monitor_rule *r = parse("[{\"metric\": \"disk\", \"threshold\": 90}]", &nr, &why);

	(void)state;
	assert_non_null(r);
	assert_int_equal(nr, 1);
	assert_string_equal(r->name, "disk");
	assert_int_equal(r->op, MON_GE);
	assert_int_equal(r->for_n, 1);
	assert_int_equal(r->within_x, 0);
	assert_int_equal(r->level, MON_WARN);
	assert_int_equal(r->reminder_ms, 0);
	monitor_rules_free(r, nr);
	strbuf_release(&why);
}

static void rules__bad__path_in_message(void **state)
{
	static const char *const bad[][2] = {
		{ "{}", "must be a list of rules" },
		{ "[1]", "must be a mapping at [0]" },
		{ "[{\"metric\": \"d\", \"threshold\": 1, \"x\": 1}]", "unknown key 'x' at [0]" },
		{ "[{\"metric\": \"d\", \"threshold\": \"1\"}]", "at [0].threshold" },
		{ "[{\"metric\": \"d\", \"threshold\": 1, \"for\": 65}]", "at [0].for" },
		{ "[{\"metric\": \"d\", \"threshold\": 1, \"within\": {\"times\": 1}}]",
		  "times and cycles at [0].within" },
		{ "[{\"metric\": \"d\", \"threshold\": 1, \"reminder\": -1}]", "at [0].reminder" },
		{ "[{\"metric\": \"d\", \"threshold\": 1}, {\"metric\": \"d\", \"threshold\": 2}]",
		  "two rules named 'd' at [1].name" },
		{ "[{\"metric\": \"\", \"threshold\": 1}]", "at [0].metric" },
	};
	struct strbuf why = STRBUF_INIT;
	size_t i, nr;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(parse(bad[i][0], &nr, &why));
		if (!strstr(why.buf, bad[i][1]))
			fail_msg("%s: '%s' lacks '%s'", bad[i][0], why.buf, bad[i][1]);
	}
	strbuf_release(&why);
}

/* Run values through rule 0 of text; the alert kinds, one letter each
 * (f fire, m reminder, r recovery, F flapping, s settled, . none). */
static void run(const char *text, const double *v, size_t n, char *out, int flap_changes)
{
	struct strbuf why = STRBUF_INIT;
	size_t nr, i;
	struct monitor_rule *r = parse(text, &nr, &why);

	assert_non_null(r);
	for (i = 0; i < n; i++) {
		int k = monitor_rule_step(r, 1, v[i], (long long)i, (long long)i * 1000,
					  flap_changes, 10);

		out[i] = k < 0 ? '.' : "fmrFs"[k];
	}
	out[n] = '\0';
	monitor_rules_free(r, nr);
	strbuf_release(&why);
}

static void step__for_n__fires_and_recovers_after_n(void **state)
{
	const double v[] = { 95, 95, 10, 95, 95, 95, 10, 10, 95, 10, 10, 10 };
	char out[16];

	(void)state;
	run("[{\"metric\": \"d\", \"threshold\": 90, \"for\": 3}]", v, 12, out, 0);
	assert_string_equal(out, ".....f.....r");
}

static void step__within__x_of_y(void **state)
{
	const double v[] = { 95, 10, 95, 10, 10, 10, 10 };
	char out[8];

	(void)state;
	run("[{\"metric\": \"d\", \"threshold\": 90, \"within\": {\"times\": 2, \"cycles\": 3}}]",
	    v, 7, out, 0);
	assert_string_equal(out, "..fr...");
}

static void step__ops(void **state)
{
	const double v[] = { 5, 1, 1, 7 };
	char out[8];

	(void)state;
	run("[{\"metric\": \"d\", \"op\": \"<\", \"threshold\": 2}]", v, 4, out, 0);
	assert_string_equal(out, ".f.r");
	run("[{\"metric\": \"d\", \"op\": \"==\", \"threshold\": 1}]", v, 4, out, 0);
	assert_string_equal(out, ".f.r");
	run("[{\"metric\": \"d\", \"op\": \"!=\", \"threshold\": 1}]", v, 4, out, 0);
	assert_string_equal(out, "fr.f");
}

static void step__flapping__once_then_settled(void **state)
{
	double v[30];
	char out[32];
	int i;

	(void)state;
	for (i = 0; i < 30; i++)
		v[i] = i < 12 && i % 2 == 0 ? 95 : 10;
	run("[{\"metric\": \"d\", \"threshold\": 90}]", v, 30, out, 4);
	/* Last change at cycle 11; quiet for the nine cycles after it. */
	assert_string_equal(out, "frfF................s.........");
}

static void step__reminder__while_firing(void **state)
{
	const double v[] = { 95, 95, 95, 95, 95, 10 };
	char out[8];

	(void)state;
	run("[{\"metric\": \"d\", \"threshold\": 90, \"reminder\": \"2s\"}]", v, 6, out, 0);
	assert_string_equal(out, "f.m.mr");
}

static void step__no_value__no_change(void **state)
{
	struct strbuf why = STRBUF_INIT;
	size_t nr;
	struct monitor_rule *r = parse("[{\"metric\": \"d\", \"threshold\": 1}]", &nr, &why);

	(void)state;
	assert_int_equal(monitor_rule_step(r, 1, 5, 0, 0, 4, 10), MON_FIRE);
	assert_int_equal(monitor_rule_step(r, 0, 0, 1, 1000, 4, 10), -1);
	assert_int_equal(r->state, MON_FIRING);
	assert_int_equal(r->has_value, 0);
	monitor_rules_free(r, nr);
	strbuf_release(&why);
}

static void fake__values_per_cycle(void **state)
{
	struct monitor_sample s;
	struct strbuf why = STRBUF_INIT;
	double v;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.cycle = 1;
	assert_int_equal(monitor_fake_apply(&s, "disk=95/80/70, memory = 3\nx=1", &why), 0);
	assert_true(monitor_get(&s, "disk", &v) && v == 80);
	assert_true(monitor_get(&s, "memory", &v) && v == 3);
	assert_true(monitor_get(&s, "x", &v) && v == 1);
	s.cycle = 9;
	assert_int_equal(monitor_fake_apply(&s, "disk=95/80/70", &why), 0);
	assert_true(monitor_get(&s, "disk", &v) && v == 70);
	assert_int_equal(monitor_fake_apply(&s, "disk", &why), -1);
	assert_int_equal(monitor_fake_apply(&s, "disk=1/x", &why), -1);
	assert_int_equal(monitor_fake_apply(&s, "=1", &why), -1);
	strbuf_release(&why);
}

static void sample__set_replaces_and_caps(void **state)
{
	struct monitor_sample s;
	char name[16];
	double v;
	int i;

	(void)state;
	memset(&s, 0, sizeof(s));
	monitor_set(&s, "a", 1);
	monitor_set(&s, "a", 2);
	assert_int_equal(s.nr, 1);
	assert_true(monitor_get(&s, "a", &v) && v == 2);
	monitor_set(&s, "a_name_that_is_far_too_long_to_keep", 1);
	assert_int_equal(s.nr, 1);
	for (i = 0; i < MONITOR_MAX_METRICS + 5; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		monitor_set(&s, name, i);
	}
	assert_int_equal(s.nr, MONITOR_MAX_METRICS);
	assert_false(monitor_get(&s, "nothing", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules__defaults__filled_in),
		cmocka_unit_test(rules__bad__path_in_message),
		cmocka_unit_test(step__for_n__fires_and_recovers_after_n),
		cmocka_unit_test(step__within__x_of_y),
		cmocka_unit_test(step__ops),
		cmocka_unit_test(step__flapping__once_then_settled),
		cmocka_unit_test(step__reminder__while_firing),
		cmocka_unit_test(step__no_value__no_change),
		cmocka_unit_test(fake__values_per_cycle),
		cmocka_unit_test(sample__set_replaces_and_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
