/*
 * monitor.h - bosun monitor: gather metrics each cycle, judge them against
 * rules with hysteresis, and raise alerts (docs/monitor.md).
 *
 *	struct monitor m = MONITOR_INIT;
 *	if ((r = monitor_setup(&m, cfg, repo_workdir, log_dir)) < 0)
 *		return r;			// bad monitor.* keys (65)
 *	monitor_add_source(&m, "deploy", deploy_collect, ctx);	// more metrics
 *	m.on_alert = print_alert;		// each alert, as it is raised
 *	for (;;) {
 *		monitor_cycle(&m);		// collect, judge, deliver
 *		... m.sample, m.alerts (this cycle's), m.rules[i].state ...
 *	}
 *	monitor_release(&m);
 *
 * A metric source is one function that sets named numbers on the sample
 * (monitor_set()); a failing source records its error, which the cycle
 * keeps as a note ("source": "message") and goes on: its metrics are then
 * absent, and a rule on an absent metric neither fires nor recovers. The
 * built-in sources are the resources (disk of repo_workdir's file system,
 * memory, load) and bosun's own log (new lines since the last cycle, and
 * the last hour's error rate and DEGRADED events). The command adds the
 * sources that need other domains (deploy watchers, work items, doctor's
 * quick checks), one monitor_add_source() each.
 *
 * Test hook: BOSUN_MONITOR_FAKE overrides metrics after collection:
 * "disk=95,memory=10" sets them every cycle, "disk=95/95/10" gives cycle
 * N the Nth value (the last one repeats), and "@FILE" reads that text from
 * FILE at every cycle (a test changes it while a monitor runs).
 *
 * Alerts go, in this order, to bosun's log (an event "monitor.alert" whose
 * message is the line "[ISO time] LEVEL: message"), to every command of
 * monitor.alerts.commands (through core/run, with a timeout; the alert as
 * JSON on stdin and BOSUN_ALERT_* in the environment), as an HTTP POST of
 * the same JSON to every URL of monitor.alerts.webhooks, and then, with
 * what became of the deliveries, to on_alert.
 * Every text sent is redacted (core/redact.h) first. Delivery failures are
 * kept in the alert (failed, error) and never stop the monitor.
 */
#ifndef BOSUN_LIB_MONITOR_H
#define BOSUN_LIB_MONITOR_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <stdint.h>

extern const struct config_key monitor_config_keys[];

#define MONITOR_MAX_METRICS 48
#define MONITOR_NAME_MAX 32
/* How far back a rule can look ("within: {cycles: Y}"), and flapping. */
#define MONITOR_HISTORY 64

struct monitor_sample {
	long long cycle;
	long long time_ms;                       /* wall clock */
	size_t nr;
	char name[MONITOR_MAX_METRICS][MONITOR_NAME_MAX];
	double value[MONITOR_MAX_METRICS];
	json_t *notes;                           /* {"source": "error"} */
};

/* Set (or replace) a metric; names longer than MONITOR_NAME_MAX - 1 and
 * metrics past MONITOR_MAX_METRICS are dropped. */
void monitor_set(struct monitor_sample *s, const char *name, double v);
/* 1 and *v when the sample has name, else 0. */
int monitor_get(const struct monitor_sample *s, const char *name, double *v);

typedef int monitor_source_fn(struct monitor_sample *s, void *data);

enum monitor_op { MON_GT, MON_GE, MON_LT, MON_LE, MON_EQ, MON_NE };
enum monitor_level { MON_INFO, MON_WARN, MON_ERROR };
enum monitor_state { MON_OK, MON_FIRING };

struct monitor_rule {
	char *name, *metric;
	enum monitor_op op;
	double threshold;
	int for_n;                 /* fire after N breaching cycles in a row */
	int within_x, within_y;    /* or X breaching of the last Y (x 0: unused) */
	enum monitor_level level;
	long long reminder_ms;     /* 0: no reminders */

	/* what the cycles made of it */
	uint64_t hist;             /* breach per cycle, newest in bit 0 */
	uint64_t state_hist;       /* firing per cycle */
	int seen;                  /* cycles with a value, up to 64 */
	enum monitor_state state;
	int flapping;
	int has_value;
	double value;
	long long since_cycle;     /* when state last changed */
	long long last_alert_ms;
};

enum monitor_alert_kind { MON_FIRE, MON_REMIND, MON_RECOVER, MON_FLAPPING, MON_SETTLED };

struct monitor_alert {
	enum monitor_alert_kind kind;
	enum monitor_level level;
	const struct monitor_rule *rule;
	long long cycle;
	long long time_ms;
	char *line;                /* "[ISO time] LEVEL: message", redacted */
	char *message;             /* the message alone, redacted */
	int delivered, failed;     /* commands and webhooks */
	char *error;               /* the first delivery failure, or NULL */
};

/* Sends one webhook: 0, or a negative kind with the error recorded. The
 * default (webhook NULL) POSTs body through lib/http (libcurl loaded on
 * first use; a status other than 2xx is a failure). */
typedef int monitor_webhook_fn(const char *url, const char *body, size_t len,
			       int timeout_ms, void *data);

struct monitor_source {
	const char *name;
	monitor_source_fn *fn;
	void *data;
};

struct monitor {
	/* set up by monitor_setup() */
	char *fs_path;             /* whose file system "disk" measures */
	char *log_path;            /* bosun's log */
	struct monitor_rule *rules;
	size_t nrules;
	int flap_changes, flap_cycles;
	json_t *commands;          /* monitor.alerts.commands: argv lists or strings */
	json_t *webhooks;          /* monitor.alerts.webhooks: URLs */
	int alert_timeout_ms;

	struct monitor_source *sources;
	size_t nsources;

	void (*on_alert)(const struct monitor_alert *a, void *data);
	void *on_alert_data;
	monitor_webhook_fn *webhook;
	void *webhook_data;

	/* each cycle */
	long long cycle;           /* the next cycle's number */
	struct monitor_sample sample;
	struct monitor_alert *alerts;
	size_t nalerts;
	struct monitor_logtail *tail;
};
#define MONITOR_INIT { 0 }

/* Read monitor.* from cfg (errors as config's, -BOSUN_EDATA), measure the
 * disk of fs_path; log_path is bosun's log (core/log.h's log_dir()). */
int monitor_setup(struct monitor *m, const struct config *cfg, const char *fs_path,
		  const char *log_path);
void monitor_add_source(struct monitor *m, const char *name, monitor_source_fn *fn,
			void *data);
/* One cycle: collect, apply the test hook, judge every rule, deliver. */
void monitor_cycle(struct monitor *m);
void monitor_release(struct monitor *m);

/* This cycle's sample, rules and alerts as the JSON docs/monitor.md shows
 * (new reference). */
json_t *monitor_cycle_json(const struct monitor *m);
json_t *monitor_alert_json(const struct monitor_alert *a);

/* ---- parts, exposed for the config check, the tests and the fuzzer ---- */

/* Parse monitor.rules' value into rules (freed with monitor_rules_free());
 * -1 with "must ..." and a field path in why. */
int monitor_rules_parse(const json_t *v, struct monitor_rule **out, size_t *nr,
			struct strbuf *why);
void monitor_rules_free(struct monitor_rule *rules, size_t nr);
/* Judge one rule on this cycle's value (has 0: none); an alert to raise is
 * returned as its kind, or -1 for none. */
int monitor_rule_step(struct monitor_rule *r, int has, double value,
		      long long cycle, long long now_ms, int flap_changes,
		      int flap_cycles);
/* Apply a BOSUN_MONITOR_FAKE text to s for s->cycle; -1 with why when it
 * is malformed. */
int monitor_fake_apply(struct monitor_sample *s, const char *text, struct strbuf *why);

const char *monitor_op_name(enum monitor_op op);
const char *monitor_level_name(enum monitor_level l);
const char *monitor_kind_name(enum monitor_alert_kind k);

#endif
