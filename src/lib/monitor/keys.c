/*
 * keys.c - the configuration keys of the monitor (monitor.*), checked here;
 * src/cmd/keys.c hands them to config_load().
 */
#include "lib/monitor/internal.h"

#include <string.h>

static int check_rules(const json_t *v, struct strbuf *why)
{
	struct monitor_rule *rules;
	size_t nr;

	if (monitor_rules_parse(v, &rules, &nr, why) < 0)
		return -1;
	monitor_rules_free(rules, nr);
	return 0;
}

static int check_command(const json_t *c, size_t i, struct strbuf *why)
{
	size_t j;
	json_t *x;

	if (json_is_string(c) && *json_string_value(c))
		return 0;
	if (!json_is_array(c) || !json_array_size(c))
		return monitor_why(why, "must be a command (a list of strings, or a string) at "
			       "commands[%zu]", i);
	json_array_foreach(c, j, x)
		if (!json_is_string(x))
			return monitor_why(why, "must be a list of strings at commands[%zu][%zu]",
				       i, j);
	return 0;
}

static int check_alerts(const json_t *v, struct strbuf *why)
{
	const char *k;
	json_t *x, *it;
	size_t i;
	long long ms;

	if (!json_is_object(v))
		return monitor_why(why, "must be a mapping with commands, webhooks and timeout");
	json_object_foreach((json_t *)v, k, x) {
		if (!strcmp(k, "commands") || !strcmp(k, "webhooks")) {
			if (!json_is_array(x))
				return monitor_why(why, "must be a list at %s", k);
		} else if (!strcmp(k, "timeout")) {
			if (!(json_is_integer(x) && json_integer_value(x) > 0) &&
			    (!json_is_string(x) ||
			     config_parse_duration(json_string_value(x), &ms) < 0 || ms <= 0))
				return monitor_why(why, "must be a duration (like 10s) at timeout");
		} else {
			return monitor_why(why, "has an unknown key '%s' (known: commands, "
				       "webhooks, timeout)", k);
		}
	}
	json_array_foreach(json_object_get(v, "commands"), i, it)
		if (check_command(it, i, why) < 0)
			return -1;
	json_array_foreach(json_object_get(v, "webhooks"), i, it) {
		const char *u = json_string_value(it);

		if (!u || (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)))
			return monitor_why(why, "must be an http:// or https:// URL at "
				       "webhooks[%zu]", i);
	}
	return 0;
}

static int check_flapping(const json_t *v, struct strbuf *why)
{
	const char *k;
	json_t *x;

	if (!json_is_object(v))
		return monitor_why(why, "must be {changes: N, cycles: M}");
	json_object_foreach((json_t *)v, k, x) {
		if (strcmp(k, "changes") && strcmp(k, "cycles"))
			return monitor_why(why, "has an unknown key '%s' (known: changes, cycles)", k);
		if (!json_is_integer(x) || json_integer_value(x) < 0 ||
		    json_integer_value(x) > MONITOR_HISTORY)
			return monitor_why(why, "must be a whole number from 0 to %d at %s",
				       MONITOR_HISTORY, k);
	}
	return 0;
}

const struct config_key monitor_config_keys[] = {
	{ "monitor.interval", CFG_DURATION, "60000",
	  "time between the monitor's cycles (--interval)" },
	{ "monitor.rules", CFG_JSON,
	  "[{\"name\": \"error-rate\", \"metric\": \"error_rate\", \"op\": \">=\", "
	  "\"threshold\": 5, \"level\": \"error\", \"reminder\": \"1h\"},"
	  " {\"name\": \"degradation\", \"metric\": \"degraded_per_hour\", \"op\": \">=\", "
	  "\"threshold\": 10, \"level\": \"warn\", \"reminder\": \"1h\"},"
	  " {\"name\": \"disk\", \"metric\": \"disk\", \"op\": \">=\", \"threshold\": 90, "
	  "\"level\": \"error\", \"reminder\": \"1h\"},"
	  " {\"name\": \"memory\", \"metric\": \"memory\", \"op\": \">=\", \"threshold\": 80, "
	  "\"for\": 2, \"level\": \"warn\", \"reminder\": \"1h\"},"
	  " {\"name\": \"checks\", \"metric\": \"checks_failing\", \"op\": \">\", "
	  "\"threshold\": 0, \"level\": \"warn\", \"reminder\": \"1h\"}]",
	  "rules: [{name, metric, op, threshold, for | within: {times, cycles}, level, "
	  "reminder}] (docs/monitor.md)", check_rules },
	{ "monitor.alerts", CFG_JSON,
	  "{\"commands\": [], \"webhooks\": [], \"timeout\": \"10s\"}",
	  "where alerts go: {commands: [ARGV...], webhooks: [URL...], timeout}",
	  check_alerts },
	{ "monitor.flapping", CFG_JSON, "{\"changes\": 4, \"cycles\": 10}",
	  "a rule changing state this many times in this many cycles is flapping",
	  check_flapping },
	{ NULL, 0, NULL, NULL, NULL },
};
