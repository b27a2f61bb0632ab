/* Unit tests for lib/deploy: probes, tables, timing, status. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "lib/http/http.h"
#include "lib/deploy/probe.h"
#include "lib/deploy/status.h"
#include "lib/deploy/watch.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define C40 "1a2b3c4d5e6f70819293a4b5c6d7e8f901234567"

static json_t *parse(const char *s)
{
	json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);

	assert_non_null(v);
	return v;
}

static void load(struct probe_set *ps, const char *probes, const char *providers)
{
	json_t *p = parse(probes), *t = parse(providers);

	if (probe_set_load(ps, p, t, NULL, 0) < 0)
		fail_msg("%s", error_message());
	json_decref(p);
	json_decref(t);
}

static void provider__digitalocean__maps_phases(void **state)
{
	struct probe_set ps = PROBE_SET_INIT;
	struct probe_vars v = { C40, NULL };
	struct strbuf msg = STRBUF_INIT;
	const char *active = "{\"deployments\":[{\"phase\":\"ACTIVE\",\"services\":"
			     "[{\"source_commit_hash\":\"" C40 "\"}]}]}";
	const char *other = "{\"deployments\":[{\"phase\":\"ACTIVE\",\"services\":"
			    "[{\"source_commit_hash\":\"ffffffffffffffffffffffffffffffffffffffff\"}]}]}";

	(void)state;
	load(&ps, "[{\"name\":\"do\",\"provider\":\"digitalocean\",\"url\":\"http://x/\"}]", "{}");
	assert_int_equal(ps.items[0].type, PROBE_PROVIDER);
	assert_int_equal(probe_eval_provider(&ps.items[0], &v, 200, active, strlen(active), &msg),
			 DS_SUCCESS);
	assert_int_equal(probe_eval_provider(&ps.items[0], &v, 200, other, strlen(other), &msg),
			 DS_QUEUED);
	assert_non_null(strstr(msg.buf, "not 1a2b3c4d5e6f yet"));
	assert_int_equal(probe_map(&ps.items[0], "ERROR"), DS_FAILED);
	assert_int_equal(probe_map(&ps.items[0], "BUILDING"), DS_BUILDING);
	assert_int_equal(probe_map(&ps.items[0], "NEVER_SEEN"), DS_UNKNOWN);
	assert_int_equal(probe_eval_provider(&ps.items[0], &v, 503, "", 0, &msg), DS_UNKNOWN);
	assert_string_equal(msg.buf, "HTTP 503 (backing off)");
	assert_int_equal(probe_eval_provider(&ps.items[0], &v, 200, "{x", 2, &msg), DS_UNKNOWN);
	assert_non_null(strstr(msg.buf, "malformed JSON answer: 1:"));
	strbuf_release(&msg);
	probe_set_release(&ps);
}

static void provider__user_table__extends_builtin(void **state)
{
	struct probe_set ps = PROBE_SET_INIT;

	(void)state;
	load(&ps, "[{\"name\":\"n\",\"provider\":\"netlify\",\"url\":\"http://x/\","
		  "\"map\":{\"odd\":\"building\"}}]",
	     "{\"netlify\":{\"map\":{\"current\":\"success\"}}}");
	assert_int_equal(probe_map(&ps.items[0], "current"), DS_SUCCESS);
	assert_int_equal(probe_map(&ps.items[0], "ready"), DS_SUCCESS);
	assert_int_equal(probe_map(&ps.items[0], "odd"), DS_BUILDING);
	assert_string_equal(ps.items[0].state_ptr, "/0/state");
	probe_set_release(&ps);
}

static void tables__every_value__is_a_state(void **state)
{
	json_t *t = parse(provider_tables_json), *tab, *s;
	const char *name, *raw;

	(void)state;
	json_object_foreach(t, name, tab) {
		assert_non_null(json_string_value(json_object_get(tab, "state")));
		json_object_foreach(json_object_get(tab, "map"), raw, s)
			assert_true(deploy_state_parse(json_string_value(s)) >= 0);
	}
	assert_int_equal(json_object_size(t), 5);
	json_decref(t);
}

static void http__pointer_and_contains__compare_commit(void **state)
{
	struct probe_set ps = PROBE_SET_INIT;
	struct probe_vars v = { C40, "1.2.3" };
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	load(&ps, "[{\"name\":\"h\",\"url\":\"http://x/\",\"pointer\":\"/sha\"},"
		  "{\"name\":\"c\",\"url\":\"http://x/\",\"contains\":\"v{version}\"},"
		  "{\"name\":\"s\",\"url\":\"http://x/\",\"status\":204}]", "{}");
	assert_int_equal(probe_eval_http(&ps.items[0], &v, 200, "{\"sha\":\"1a2b3c4\"}", 17, &msg),
			 DS_SUCCESS);
	assert_int_equal(probe_eval_http(&ps.items[0], &v, 200, "{\"sha\":\"1a2b3c\"}", 16, &msg),
			 DS_DEPLOYING);
	assert_int_equal(probe_eval_http(&ps.items[0], &v, 200, "{}", 2, &msg), DS_UNKNOWN);
	assert_int_equal(probe_eval_http(&ps.items[1], &v, 200, "is v1.2.3 ok", 12, &msg),
			 DS_SUCCESS);
	assert_int_equal(probe_eval_http(&ps.items[1], &v, 200, "is v1.2.2", 9, &msg),
			 DS_DEPLOYING);
	assert_int_equal(probe_eval_http(&ps.items[2], &v, 200, "", 0, &msg), DS_UNKNOWN);
	assert_int_equal(probe_eval_http(&ps.items[2], &v, 204, "", 0, &msg), DS_SUCCESS);
	strbuf_release(&msg);
	probe_set_release(&ps);
}

static void command__exit_and_text__map(void **state)
{
	struct probe_set ps = PROBE_SET_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	load(&ps, "[{\"name\":\"a\",\"run\":[\"x\"]},"
		  "{\"name\":\"b\",\"run\":\"x\",\"exit\":{\"0\":\"success\",\"2\":\"building\"}},"
		  "{\"name\":\"c\",\"run\":\"x\",\"map\":{\"done\":\"success\"}}]", "{}");
	assert_int_equal(probe_eval_command(&ps.items[0], 0, "", 0, &msg), DS_SUCCESS);
	assert_int_equal(probe_eval_command(&ps.items[0], 1, "", 0, &msg), DS_FAILED);
	assert_int_equal(probe_eval_command(&ps.items[1], 2, "", 0, &msg), DS_BUILDING);
	assert_int_equal(probe_eval_command(&ps.items[1], 3, "", 0, &msg), DS_UNKNOWN);
	assert_int_equal(probe_eval_command(&ps.items[2], 0, " done \nx", 8, &msg), DS_SUCCESS);
	assert_int_equal(probe_eval_command(&ps.items[2], 0, "what", 4, &msg), DS_UNKNOWN);
	assert_non_null(strstr(msg.buf, "unmapped state 'what'"));
	strbuf_release(&msg);
	probe_set_release(&ps);
}

static void check__bad_probes__say_where(void **state)
{
	static const struct { const char *json, *want; } cases[] = {
		{ "{}", "must be a list" },
		{ "[{\"url\":\"u\"}]", "must have a name at [0]" },
		{ "[{\"name\":\"a\",\"url\":\"u\"},{\"name\":\"a\",\"url\":\"u\"}]", "unique" },
		{ "[{\"name\":\"a\",\"url\":\"u\",\"status\":99}]", "[0].status" },
		{ "[{\"name\":\"a\",\"url\":\"u\",\"pointer\":\"x\"}]", "[0].pointer" },
		{ "[{\"name\":\"a\",\"run\":[]}]", "[0].run" },
		{ "[{\"name\":\"a\",\"run\":\"x\",\"exit\":{\"x\":\"success\"}}]", "exit codes" },
		{ "[{\"name\":\"a\",\"type\":\"ftp\",\"url\":\"u\"}]", "[0].type" },
	};
	struct strbuf why = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = parse(cases[i].json);

		assert_int_equal(deploy_check_probes(v, &why), -1);
		if (!strstr(why.buf, cases[i].want))
			fail_msg("%s: '%s' lacks '%s'", cases[i].json, why.buf, cases[i].want);
		json_decref(v);
	}
	strbuf_release(&why);
}

static void expand__env_and_vars__collects_secrets(void **state)
{
	struct probe_vars v = { C40, NULL };
	struct strbuf out = STRBUF_INIT, secrets = STRBUF_INIT, log = STRBUF_INIT;

	(void)state;
	setenv("BOSUN_T_TOKEN", "tok-abcdefgh", 1);
	assert_int_equal(probe_expand(&out, "{short}:${BOSUN_T_TOKEN}", &v, &secrets), 0);
	assert_string_equal(out.buf, "1a2b3c4:tok-abcdefgh");
	dlog_scrub(&log, &secrets, out.buf, out.len);
	assert_string_equal(log.buf, "1a2b3c4:[REDACTED]");
	unsetenv("BOSUN_T_NOPE");
	assert_int_equal(probe_expand(&out, "${BOSUN_T_NOPE}", &v, NULL), -BOSUN_EDATA);
	assert_int_equal(probe_expand(&out, "{version}", &v, NULL), -BOSUN_EDATA);
	error_clear();
	strbuf_release(&out);
	strbuf_release(&secrets);
	strbuf_release(&log);
}

static void wait__schedule__slow_states_and_retry_after(void **state)
{
	struct watch w = WATCH_INIT;

	(void)state;
	w.interval_ms = 5000;
	w.late_ms = 15000;
	w.early_ms = 120000;
	w.time_scale = 1;
	assert_int_equal(watch_next_wait(&w, 0, 0, 1, -1, 0.5), 5000);
	assert_int_equal(watch_next_wait(&w, 0, 1, 1, -1, 0.5), 15000);
	assert_int_equal(watch_next_wait(&w, 130000, 0, 1, -1, 0.5), 15000);
	assert_int_equal(watch_next_wait(&w, 0, 0, 1, -1, 0.0), 4500);
	assert_true(watch_next_wait(&w, 0, 0, 1, -1, 0.999) <= 5500);
	assert_int_equal(watch_next_wait(&w, 0, 0, 4, -1, 0.5), 20000);
	assert_int_equal(watch_next_wait(&w, 0, 0, 1, 60000, 0.5), 60000);
	w.time_scale = 100;
	assert_int_equal(watch_next_wait(&w, 0, 0, 1, 60000, 0.5), 5000);
}

static void retry_after__seconds_and_dates(void **state)
{
	(void)state;
	assert_int_equal(http_parse_retry_after(" 120 ", 5, 0), 120000);
	assert_int_equal(http_parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 29, 40), 60000);
	assert_int_equal(http_parse_retry_after("soon", 4, 0), -1);
	assert_int_equal(http_parse_retry_after("-1", 2, 0), -1);
}

static void status__timestamps_and_durations(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	deploy_timestamp(&sb, 1767323045123LL);
	assert_string_equal(sb.buf, "2026-01-02T03:04:05.123Z");
	assert_int_equal(deploy_parse_timestamp(sb.buf), 1767323045123LL);
	assert_int_equal(deploy_parse_timestamp("2026-01-02"), -1);
	assert_int_equal(deploy_parse_duration("90s"), 90000);
	assert_int_equal(deploy_parse_duration("10m"), 600000);
	assert_int_equal(deploy_parse_duration("2"), 2000);
	assert_int_equal(deploy_parse_duration("250ms"), 250);
	assert_int_equal(deploy_parse_duration("soon"), -1);
	assert_int_equal(deploy_parse_duration("-5s"), -1);
	strbuf_release(&sb);
}

static void watcher__own_process__is_alive(void **state)
{
	struct proc_owner w;

	(void)state;
	assert_int_equal(proc_owner_of(&w, getpid()), 0);
	assert_true(proc_owner_alive(&w));
	w.start++;
	assert_false(proc_owner_alive(&w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(provider__digitalocean__maps_phases),
		cmocka_unit_test(provider__user_table__extends_builtin),
		cmocka_unit_test(tables__every_value__is_a_state),
		cmocka_unit_test(http__pointer_and_contains__compare_commit),
		cmocka_unit_test(command__exit_and_text__map),
		cmocka_unit_test(check__bad_probes__say_where),
		cmocka_unit_test(expand__env_and_vars__collects_secrets),
		cmocka_unit_test(wait__schedule__slow_states_and_retry_after),
		cmocka_unit_test(retry_after__seconds_and_dates),
		cmocka_unit_test(status__timestamps_and_durations),
		cmocka_unit_test(watcher__own_process__is_alive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
