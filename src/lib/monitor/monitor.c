/*
 * monitor.c - the monitor's cycle: sources, rules, alerts (monitor.h).
 */
#include "lib/monitor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/redact.h"
#include "core/time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void monitor_add_source(struct monitor *m, const char *name, monitor_source_fn *fn,
			void *data)
{
	m->sources = xrealloc(m->sources, (m->nsources + 1) * sizeof(*m->sources));
	m->sources[m->nsources].name = name;
	m->sources[m->nsources].fn = fn;
	m->sources[m->nsources].data = data;
	m->nsources++;
}

static int setup_alerts(struct monitor *m, const json_t *a)
{
	const json_t *t = json_object_get(a, "timeout");
	long long ms = 10000;

	m->commands = json_incref(json_object_get(a, "commands"));
	m->webhooks = json_incref(json_object_get(a, "webhooks"));
	if (json_is_integer(t))
		ms = json_integer_value(t) * 1000;
	else if (json_is_string(t))
		config_parse_duration(json_string_value(t), &ms);
	m->alert_timeout_ms = (int)(ms > 0 ? ms : 10000);
	return 0;
}

int monitor_setup(struct monitor *m, const struct config *cfg, const char *fs_path,
		  const char *log_path)
{
	struct strbuf why = STRBUF_INIT;
	const json_t *flap = config_get(cfg, "monitor.flapping");
	int r = 0;

	if (monitor_rules_parse(config_get(cfg, "monitor.rules"), &m->rules, &m->nrules,
				&why) < 0) {
		/* config_load() checked the value; only a caller's own can fail. */
		r = error_set(BOSUN_EDATA, "monitor.rules %s", why.buf);
		goto out;
	}
	m->flap_changes = json_is_integer(json_object_get(flap, "changes")) ?
		(int)json_integer_value(json_object_get(flap, "changes")) : 4;
	m->flap_cycles = json_is_integer(json_object_get(flap, "cycles")) ?
		(int)json_integer_value(json_object_get(flap, "cycles")) : 10;
	if (m->flap_cycles < 2)
		m->flap_changes = 0;
	setup_alerts(m, config_get(cfg, "monitor.alerts"));
	m->fs_path = xstrdup(fs_path);
	m->log_path = xstrdup(log_path);
	monitor_add_source(m, "resources", monitor_resources, m);
	monitor_add_source(m, "log", monitor_log_source, m);
out:
	strbuf_release(&why);
	return r;
}

static void alert_clear(struct monitor_alert *a)
{
	free(a->line);
	free(a->message);
	free(a->error);
}

void monitor_release(struct monitor *m)
{
	size_t i;

	monitor_rules_free(m->rules, m->nrules);
	json_decref(m->commands);
	json_decref(m->webhooks);
	free(m->fs_path);
	free(m->log_path);
	free(m->sources);
	for (i = 0; i < m->nalerts; i++)
		alert_clear(&m->alerts[i]);
	free(m->alerts);
	json_decref(m->sample.notes);
	monitor_logtail_free(m->tail);
	memset(m, 0, sizeof(*m));
}

/* ---- alerts --------------------------------------------------------------- */

static void iso_time(struct strbuf *sb, long long ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_addstr(sb, buf);
}

/* "disk is 95 (rule: >= 90)" */
static void describe(struct strbuf *sb, const struct monitor_rule *r)
{
	strbuf_addf(sb, "%s is %.4g (rule: %s %.4g)", r->metric, r->value, monitor_op_name(r->op),
		    r->threshold);
}

static void hysteresis(struct strbuf *sb, const struct monitor_rule *r)
{
	if (r->within_x)
		strbuf_addf(sb, " in %d of the last %d cycles", r->within_x, r->within_y);
	else if (r->for_n > 1)
		strbuf_addf(sb, " for %d cycles", r->for_n);
}

static void alert_message(struct strbuf *sb, const struct monitor_rule *r,
			  enum monitor_alert_kind kind, int flap_changes, int flap_cycles)
{
	switch (kind) {
	case MON_FIRE:
		strbuf_addf(sb, "rule '%s' fired: ", r->name);
		describe(sb, r);
		hysteresis(sb, r);
		break;
	case MON_REMIND:
		strbuf_addf(sb, "rule '%s' still firing (since cycle %lld): ", r->name,
			    r->since_cycle);
		describe(sb, r);
		break;
	case MON_RECOVER:
		strbuf_addf(sb, "rule '%s' recovered: %s is %.4g", r->name, r->metric,
			    r->value);
		break;
	case MON_FLAPPING:
		strbuf_addf(sb, "rule '%s' is flapping: %d changes of state in %d cycles; "
			    "no more alerts for it until it settles (now %s: ", r->name,
			    flap_changes, flap_cycles,
			    r->state == MON_FIRING ? "firing" : "ok");
		describe(sb, r);
		strbuf_addch(sb, ')');
		break;
	case MON_SETTLED:
		strbuf_addf(sb, "rule '%s' stopped flapping and is %s: ", r->name,
			    r->state == MON_FIRING ? "firing" : "recovered");
		describe(sb, r);
		break;
	}
}

static enum log_level log_level_of(enum monitor_level l)
{
	return l == MON_ERROR ? LOG_ERROR : l == MON_WARN ? LOG_WARN : LOG_INFO;
}

static struct monitor_alert *raise_alert(struct monitor *m, const struct monitor_rule *r,
					 enum monitor_alert_kind kind)
{
	struct strbuf msg = STRBUF_INIT, clean = STRBUF_INIT, line = STRBUF_INIT;
	struct monitor_alert *a;
	const char *p;

	m->alerts = xrealloc(m->alerts, (m->nalerts + 1) * sizeof(*m->alerts));
	a = &m->alerts[m->nalerts++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->rule = r;
	a->cycle = m->sample.cycle;
	a->time_ms = m->sample.time_ms;
	a->level = r->level;
	/* A recovery, or a settling into ok, is news, not a problem. */
	if (kind == MON_RECOVER || (kind == MON_SETTLED && r->state == MON_OK))
		a->level = MON_INFO;
	alert_message(&msg, r, kind, m->flap_changes, m->flap_cycles);
	redact(&clean, msg.buf, msg.len);
	strbuf_addch(&line, '[');
	iso_time(&line, a->time_ms);
	strbuf_addstr(&line, "] ");
	for (p = monitor_level_name(a->level); *p; p++)
		strbuf_addch(&line, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	strbuf_addf(&line, ": %s", clean.buf);
	a->message = strbuf_detach(&clean, NULL);
	a->line = strbuf_detach(&line, NULL);
	strbuf_release(&msg);
	return a;
}

static void judge(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nrules; i++) {
		struct monitor_rule *r = &m->rules[i];
		double v = 0;
		int has = monitor_get(&m->sample, r->metric, &v);
		int kind = monitor_rule_step(r, has, v, m->sample.cycle, m->sample.time_ms,
					     m->flap_changes, m->flap_cycles);
		struct monitor_alert *a;

		if (kind < 0)
			continue;
		a = raise_alert(m, r, (enum monitor_alert_kind)kind);
		log_event(log_level_of(a->level), "monitor.alert", "%s", a->line);
		monitor_deliver(m, a);
		if (m->on_alert)
			m->on_alert(a, m->on_alert_data);
	}
}

static void collect(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nsources; i++) {
		if (m->sources[i].fn(&m->sample, m->sources[i].data) >= 0)
			continue;
		json_object_set_new(m->sample.notes, m->sources[i].name,
				    json_string(error_message()));
		error_clear();
	}
	/* The test hook comes last, so it wins over every source. */
	if (monitor_fake_source(&m->sample, m) < 0) {
		json_object_set_new(m->sample.notes, "fake", json_string(error_message()));
		error_clear();
	}
}

void monitor_cycle(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nalerts; i++)
		alert_clear(&m->alerts[i]);
	m->nalerts = 0;
	json_decref(m->sample.notes);
	m->sample.nr = 0;
	m->sample.notes = json_object();
	m->sample.cycle = m->cycle++;
	m->sample.time_ms = time_wall_ms();
	collect(m);
	judge(m);
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *time_json(long long ms)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *v;

	iso_time(&sb, ms);
	v = json_string(sb.buf);
	strbuf_release(&sb);
	return v;
}

/* A whole number as one, anything else to two decimals. */
static json_t *number_json(double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		return json_integer((json_int_t)v);
	return json_real(round(v * 100) / 100);
}

json_t *monitor_alert_json(const struct monitor_alert *a)
{
	const struct monitor_rule *r = a->rule;

	return json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:I, s:s, s:s}",
			 "time", time_json(a->time_ms),
			 "level", monitor_level_name(a->level),
			 "kind", monitor_kind_name(a->kind),
			 "rule", r->name, "metric", r->metric, "value", number_json(r->value),
			 "op", monitor_op_name(r->op), "threshold", number_json(r->threshold),
			 "cycle", (json_int_t)a->cycle, "message", a->message,
			 "line", a->line);
}

static json_t *rule_json(const struct monitor_rule *r)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:b, s:I}",
			 "name", r->name, "metric", r->metric, "op", monitor_op_name(r->op),
			 "threshold", number_json(r->threshold),
			 "value", r->has_value ? number_json(r->value) : json_null(),
			 "state", r->state == MON_FIRING ? "firing" : "ok",
			 "flapping", r->flapping, "since_cycle", (json_int_t)r->since_cycle);
}

json_t *monitor_cycle_json(const struct monitor *m)
{
	json_t *metrics = json_object(), *rules = json_array(), *alerts = json_array();
	size_t i;

	for (i = 0; i < m->sample.nr; i++)
		json_object_set_new(metrics, m->sample.name[i], number_json(m->sample.value[i]));
	for (i = 0; i < m->nrules; i++)
		json_array_append_new(rules, rule_json(&m->rules[i]));
	for (i = 0; i < m->nalerts; i++) {
		json_t *a = monitor_alert_json(&m->alerts[i]);

		json_object_set_new(a, "delivered", json_integer(m->alerts[i].delivered));
		json_object_set_new(a, "failed", json_integer(m->alerts[i].failed));
		if (m->alerts[i].error)
			json_object_set_new(a, "error", json_string(m->alerts[i].error));
		json_array_append_new(alerts, a);
	}
	return json_pack("{s:i, s:I, s:o, s:o, s:O, s:o, s:o}", "version", 1,
			 "cycle", (json_int_t)m->sample.cycle, "time",
			 time_json(m->sample.time_ms), "metrics", metrics,
			 "notes", m->sample.notes ? m->sample.notes : json_null(),
			 "rules", rules, "alerts", alerts);
}
