/*
 * rules.c - monitor.rules: parsing, and judging one rule per cycle with its
 * hysteresis ("for N cycles", "X times within Y cycles"), reminders and
 * flapping (monitor.h).
 */
#include "lib/monitor/internal.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int monitor_why(struct strbuf *why, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(why);
	va_start(ap, fmt);
	strbuf_vaddf(why, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *const op_names[] = { ">", ">=", "<", "<=", "==", "!=" };
static const char *const level_names[] = { "info", "warn", "error" };
static const char *const kind_names[] = { "fire", "reminder", "recovery", "flapping",
					  "settled" };

const char *monitor_op_name(enum monitor_op op)
{
	return op_names[op];
}

const char *monitor_level_name(enum monitor_level l)
{
	return level_names[l];
}

const char *monitor_kind_name(enum monitor_alert_kind k)
{
	return kind_names[k];
}

static int name_index(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

/* A whole number from min to max at rules[i].key (absent: def). */
static int get_count(const json_t *o, const char *key, int def, int min, int max,
		     int *out, const char *path, struct strbuf *why)
{
	const json_t *v = json_object_get(o, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return monitor_why(why, "must be a whole number from %d to %d at %s.%s",
			       min, max, path, key);
	*out = (int)json_integer_value(v);
	return 0;
}

static int parse_within(const json_t *v, struct monitor_rule *r, const char *path,
			struct strbuf *why)
{
	const char *k;
	json_t *x;

	if (!json_is_object(v))
		return monitor_why(why, "must be {times: X, cycles: Y} at %s.within", path);
	json_object_foreach((json_t *)v, k, x)
		if (strcmp(k, "times") && strcmp(k, "cycles"))
			return monitor_why(why, "must have only times and cycles (not '%s') at "
				       "%s.within", k, path);
	if (!json_object_get(v, "times") || !json_object_get(v, "cycles"))
		return monitor_why(why, "must have times and cycles at %s.within", path);
	if (get_count(v, "cycles", 0, 1, MONITOR_HISTORY, &r->within_y, path, why) < 0 ||
	    get_count(v, "times", 0, 1, r->within_y, &r->within_x, path, why) < 0)
		return -1;
	return 0;
}

static const char *const rule_keys[] = {
	"name", "metric", "op", "threshold", "for", "within", "level", "reminder", NULL,
};

static int parse_rule(const json_t *o, struct monitor_rule *r, const char *path,
		      struct strbuf *why)
{
	const char *k, *s;
	json_t *x;
	size_t i;

	if (!json_is_object(o))
		return monitor_why(why, "must be a mapping at %s", path);
	json_object_foreach((json_t *)o, k, x) {
		for (i = 0; rule_keys[i] && strcmp(rule_keys[i], k); i++)
			;
		if (!rule_keys[i])
			return monitor_why(why, "has an unknown key '%s' at %s (known: name, "
				       "metric, op, threshold, for, within, level, reminder)",
				       k, path);
	}
	if (!(s = json_string_value(json_object_get(o, "metric"))) || !*s ||
	    strlen(s) >= MONITOR_NAME_MAX)
		return monitor_why(why, "must name a metric at %s.metric", path);
	r->metric = xstrdup(s);
	s = json_string_value(json_object_get(o, "name"));
	if (json_object_get(o, "name") && (!s || !*s))
		return monitor_why(why, "must be a non-empty string at %s.name", path);
	r->name = xstrdup(s ? s : r->metric);
	x = json_object_get(o, "op");
	r->op = MON_GE;
	if (x && (i = (size_t)name_index(json_string_value(x), op_names, 6)) >= 6)
		return monitor_why(why, "must be one of > >= < <= == != at %s.op", path);
	if (x)
		r->op = (enum monitor_op)i;
	if (!json_is_number(x = json_object_get(o, "threshold")))
		return monitor_why(why, "must be a number at %s.threshold", path);
	r->threshold = json_number_value(x);
	if (get_count(o, "for", 1, 1, MONITOR_HISTORY, &r->for_n, path, why) < 0)
		return -1;
	if ((x = json_object_get(o, "within"))) {
		if (json_object_get(o, "for"))
			return monitor_why(why, "must have for or within, not both, at %s", path);
		if (parse_within(x, r, path, why) < 0)
			return -1;
	}
	x = json_object_get(o, "level");
	r->level = MON_WARN;
	if (x && (i = (size_t)name_index(json_string_value(x), level_names, 3)) >= 3)
		return monitor_why(why, "must be info, warn or error at %s.level", path);
	if (x)
		r->level = (enum monitor_level)i;
	if ((x = json_object_get(o, "reminder"))) {
		if (json_is_integer(x) && json_integer_value(x) >= 0 &&
		    json_integer_value(x) <= 86400 * 24)
			r->reminder_ms = json_integer_value(x) * 1000;
		else if (!json_is_string(x) ||
			 config_parse_duration(json_string_value(x), &r->reminder_ms) < 0)
			return monitor_why(why, "must be a duration (seconds, or like 90s, 10m, "
				       "1h) at %s.reminder", path);
	}
	return 0;
}

void monitor_rules_free(struct monitor_rule *rules, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(rules[i].name);
		free(rules[i].metric);
	}
	free(rules);
}

int monitor_rules_parse(const json_t *v, struct monitor_rule **out, size_t *nr,
			struct strbuf *why)
{
	struct monitor_rule *rules;
	struct strbuf path = STRBUF_INIT;
	size_t n, i, j;
	int r = 0;

	if (!json_is_array(v))
		return monitor_why(why, "must be a list of rules");
	n = json_array_size(v);
	rules = xcalloc(n ? n : 1, sizeof(*rules));
	for (i = 0; i < n && r >= 0; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "[%zu]", i);
		r = parse_rule(json_array_get(v, i), &rules[i], path.buf, why);
		for (j = 0; r >= 0 && j < i; j++)
			if (!strcmp(rules[j].name, rules[i].name))
				r = monitor_why(why, "has two rules named '%s' at %s.name",
					    rules[i].name, path.buf);
	}
	strbuf_release(&path);
	if (r < 0) {
		monitor_rules_free(rules, n);
		return -1;
	}
	*out = rules;
	*nr = n;
	return 0;
}

/* ---- judging ------------------------------------------------------------ */

static uint64_t low_bits(int n)
{
	return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

static int breaches(const struct monitor_rule *r, double v)
{
	switch (r->op) {
	case MON_GT: return v > r->threshold;
	case MON_GE: return v >= r->threshold;
	case MON_LT: return v < r->threshold;
	case MON_LE: return v <= r->threshold;
	case MON_EQ: return v == r->threshold;
	case MON_NE: return v != r->threshold;
	}
	return 0;
}

/* What the hysteresis makes of the history: the rule's next state. */
static enum monitor_state next_state(const struct monitor_rule *r)
{
	if (r->within_x) {
		int hits = __builtin_popcountll(r->hist & low_bits(r->within_y));

		if (r->state == MON_OK)
			return hits >= r->within_x ? MON_FIRING : MON_OK;
		return hits < r->within_x && !(r->hist & 1) ? MON_OK : MON_FIRING;
	}
	if (r->state == MON_OK)
		return r->seen >= r->for_n &&
		       (r->hist & low_bits(r->for_n)) == low_bits(r->for_n) ?
		       MON_FIRING : MON_OK;
	/* Recovery wants as many good cycles in a row as firing wanted bad
	 * ones, so a value hovering at the threshold does not bounce. */
	return (r->hist & low_bits(r->for_n)) == 0 ? MON_OK : MON_FIRING;
}

/* Changes of state over the last cycles cycles. */
static int state_changes(const struct monitor_rule *r, int cycles)
{
	uint64_t edges = (r->state_hist ^ (r->state_hist >> 1)) & low_bits(cycles - 1);

	return __builtin_popcountll(edges);
}

int monitor_rule_step(struct monitor_rule *r, int has, double value,
		      long long cycle, long long now_ms, int flap_changes,
		      int flap_cycles)
{
	enum monitor_state was = r->state, now;
	int changes, kind = -1;

	r->has_value = has;
	if (!has)
		return -1;
	r->value = value;
	r->hist = r->hist << 1 | (uint64_t)breaches(r, value);
	if (r->seen < MONITOR_HISTORY)
		r->seen++;
	now = next_state(r);
	r->state_hist = r->state_hist << 1 | (uint64_t)(now == MON_FIRING);
	r->state = now;
	if (now != was)
		r->since_cycle = cycle;
	changes = flap_changes > 0 ? state_changes(r, flap_cycles) : 0;
	if (r->flapping) {
		/* Quiet until it has kept one state for flap_cycles cycles. */
		if (changes)
			return -1;
		r->flapping = 0;
		kind = MON_SETTLED;
	} else if (flap_changes > 0 && changes >= flap_changes) {
		r->flapping = 1;
		kind = MON_FLAPPING;
	} else if (now != was) {
		kind = now == MON_FIRING ? MON_FIRE : MON_RECOVER;
	} else if (now == MON_FIRING && r->reminder_ms > 0 &&
		   now_ms - r->last_alert_ms >= r->reminder_ms) {
		kind = MON_REMIND;
	}
	if (kind >= 0)
		r->last_alert_ms = now_ms;
	return kind;
}
