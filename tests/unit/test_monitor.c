#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/fs.h"
#include "lib/monitor/internal.h"
#include "lib/monitor/monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* ---- bosun's log, cycle by cycle (lib/logs' reader) ---- */

static char logdir[] = "/tmp/bosun-test-monitor.XXXXXX";

/* Append n lines of level (event ev) at now to path. */
static void append(const char *path, int n, const char *level, const char *ev)
{
	char ts[32];
	time_t now = time(NULL);
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.000Z", gmtime(&now));
	while (n-- > 0)
		fprintf(f, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"%s\",\"msg\":\"m\"}\n",
			ts, level, ev);
	fclose(f);
}

static void append_raw(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* One cycle of the log source: its lines, errors and degradations. */
static void cycle(struct monitor *m, double lines, double errors, double degraded)
{
	struct monitor_sample s;
	double v;

	memset(&s, 0, sizeof(s));
	s.time_ms = (long long)time(NULL) * 1000 + 999;
	assert_int_equal(monitor_log_source(&s, m), 0);
	assert_true(monitor_get(&s, "log_lines", &v));
	assert_true(v == lines);
	assert_true(monitor_get(&s, "log_errors", &v) && v == errors);
	assert_true(monitor_get(&s, "log_degraded", &v) && v == degraded);
}

static void log__cycles_read_new_lines_through_rotation_and_truncation(void **state)
{
	struct monitor m = MONITOR_INIT;
	struct strbuf path = STRBUF_INIT, old = STRBUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(logdir));
	strbuf_addf(&path, "%s/bosun.log", logdir);
	strbuf_addf(&old, "%s/bosun.log.1", logdir);
	m.log_path = path.buf;
	cycle(&m, 0, 0, 0);                     /* no log yet */
	append(path.buf, 2, "info", "x");
	append(path.buf, 1, "error", "x");
	cycle(&m, 3, 1, 0);
	cycle(&m, 0, 0, 0);                     /* nothing new */
	/* A line not ended yet waits for its newline. */
	append(path.buf, 1, "degraded", "x");
	append_raw(path.buf, "{\"level\":\"error\",\"event\":\"x\"");
	cycle(&m, 1, 0, 1);
	append_raw(path.buf, "}\nnot json\n");
	cycle(&m, 1, 1, 0);
	/* The monitor's own alerts are not counted. */
	append(path.buf, 2, "error", "monitor.alert");
	cycle(&m, 0, 0, 0);
	/* Rotated: the old file's tail, then the new file from its start. */
	append(path.buf, 2, "error", "x");
	assert_int_equal(rename(path.buf, old.buf), 0);
	append(path.buf, 1, "info", "x");
	cycle(&m, 3, 2, 0);
	append(path.buf, 1, "info", "x");
	cycle(&m, 1, 0, 0);
	/* Truncated: read again from the start; bosun.log.1 is not the file. */
	assert_int_equal(truncate(path.buf, 0), 0);
	append(path.buf, 1, "degraded", "x");
	cycle(&m, 1, 0, 1);
	/* Gone: nothing, then the new file from its start. */
	assert_int_equal(unlink(path.buf), 0);
	assert_int_equal(unlink(old.buf), 0);
	cycle(&m, 0, 0, 0);
	append(path.buf, 2, "error", "x");
	cycle(&m, 2, 2, 0);
	monitor_logtail_free(m.tail);
	fs_remove_tree(logdir);
	strbuf_release(&path);
	strbuf_release(&old);
}

static void log__first_cycle_reads_only_the_last_4_mib(void **state)
{
	char dir[] = "/tmp/bosun-test-monitor.XXXXXX";
	struct monitor m = MONITOR_INIT;
	struct monitor_sample s;
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	double v;

	(void)state;
	assert_non_null(mkdtemp(dir));
	strbuf_addf(&path, "%s/bosun.log", dir);
	append(path.buf, 80000, "info", "x");   /* about 6 MB */
	assert_int_equal(stat(path.buf, &st), 0);
	assert_true(st.st_size > (5 << 20));
	m.log_path = path.buf;
	memset(&s, 0, sizeof(s));
	s.time_ms = (long long)time(NULL) * 1000 + 999;
	assert_int_equal(monitor_log_source(&s, &m), 0);
	assert_true(monitor_get(&s, "log_lines", &v));
	/* The last 4 MiB of lines of 75 bytes, give or take the cut one. */
	assert_true(v >= (double)(4 << 20) / (double)(st.st_size / 80000) - 2);
	assert_true(v < 80000 * 0.8);
	monitor_logtail_free(m.tail);
	fs_remove_tree(dir);
	strbuf_release(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules__defaults__filled_in),
		cmocka_unit_test(log__cycles_read_new_lines_through_rotation_and_truncation),
		cmocka_unit_test(log__first_cycle_reads_only_the_last_4_mib),
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
