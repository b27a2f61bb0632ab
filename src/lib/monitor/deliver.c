/*
 * deliver.c - an alert to monitor.alerts' commands and webhooks
 * (monitor.h). Everything sent is the alert's redacted text; a failure is
 * kept in the alert and the next target is tried.
 */
#include "lib/monitor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/redact.h"
#include "core/run.h"
#include "lib/http/http.h"

#include <stdlib.h>
#include <string.h>

/* "alert command 'x': exit 1", "webhook URL: refused" */
static void failed(struct monitor_alert *a, const char *what, const char *name,
		   const char *why)
{
	struct strbuf sb = STRBUF_INIT, clean = STRBUF_INIT;

	a->failed++;
	if (a->error)
		return;
	strbuf_addf(&sb, "%s %s: %s", what, name, why);
	redact(&clean, sb.buf, sb.len);
	a->error = strbuf_detach(&clean, NULL);
	strbuf_release(&sb);
}

static void alert_env(struct strbuf *env, const struct monitor_alert *a)
{
	strbuf_addf(&env[0], "BOSUN_ALERT_LEVEL=%s", monitor_level_name(a->level));
	strbuf_addf(&env[1], "BOSUN_ALERT_KIND=%s", monitor_kind_name(a->kind));
	strbuf_addf(&env[2], "BOSUN_ALERT_RULE=%s", a->rule->name);
	strbuf_addf(&env[3], "BOSUN_ALERT_METRIC=%s", a->rule->metric);
	strbuf_addf(&env[4], "BOSUN_ALERT_VALUE=%.6g", a->rule->value);
	strbuf_addf(&env[5], "BOSUN_ALERT_MESSAGE=%s", a->message);
	strbuf_addf(&env[6], "BOSUN_ALERT_LINE=%s", a->line);
}

#define NENV 7

static void run_command(struct monitor *m, struct monitor_alert *a, const json_t *cmd,
			const char *body)
{
	struct child c = CHILD_INIT;
	struct strbuf env[NENV];
	const char *envp[NENV + 1], **argv;
	size_t i, n = json_is_array(cmd) ? json_array_size(cmd) : 1;
	const char *name;

	argv = xcalloc(n + 1, sizeof(*argv));
	for (i = 0; i < n; i++)
		argv[i] = json_is_array(cmd) ? json_string_value(json_array_get(cmd, i)) :
			  json_string_value(cmd);
	for (i = 0; i < NENV; i++)
		strbuf_init(&env[i], 0);
	alert_env(env, a);
	for (i = 0; i < NENV; i++)
		envp[i] = env[i].buf;
	envp[NENV] = NULL;
	c.argv = argv;
	c.env = envp;
	c.use_shell = !json_is_array(cmd);
	c.in = body;
	c.in_len = strlen(body);
	c.quiet = 1;
	c.timeout_ms = m->alert_timeout_ms;
	name = argv[0];
	if (child_run(&c) < 0) {
		failed(a, "alert command", name, error_message());
		error_clear();
	} else if (c.timed_out) {
		failed(a, "alert command", name, "timed out");
	} else if (c.status) {
		char why[32];

		snprintf(why, sizeof(why), "exit %d", c.status);
		failed(a, "alert command", name, why);
	} else {
		a->delivered++;
	}
	child_release(&c);
	for (i = 0; i < NENV; i++)
		strbuf_release(&env[i]);
	free(argv);
}

/* The default webhook: POST the JSON through lib/http. */
static int http_post(const char *url, const char *body, size_t len, int timeout_ms,
		     void *data)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct http_request req = HTTP_REQUEST_INIT;
	struct http_response res = HTTP_RESPONSE_INIT;
	int r;

	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = len;
	req.timeout_ms = timeout_ms;
	req.body_cap = 64 << 10;
	if ((r = http_request(&req, &res)) >= 0 && (res.status < 200 || res.status > 299))
		r = error_set(BOSUN_EUNAVAILABLE, "HTTP %ld", res.status);
	http_response_release(&res);
	return r;
}

static void post(struct monitor *m, struct monitor_alert *a, const char *url,
		 const char *body)
{
	monitor_webhook_fn *fn = m->webhook ? m->webhook : http_post;

	if (fn(url, body, strlen(body), m->alert_timeout_ms, m->webhook_data) < 0) {
		failed(a, "webhook", url, error_message());
		error_clear();
		return;
	}
	a->delivered++;
}

void monitor_deliver(struct monitor *m, struct monitor_alert *a)
{
	json_t *doc, *it;
	char *text;
	struct strbuf body = STRBUF_INIT;
	size_t i;

	if (!json_array_size(m->commands) && !json_array_size(m->webhooks))
		return;
	doc = monitor_alert_json(a);
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (text)
		redact(&body, text, strlen(text));
	free(text);
	strbuf_addch(&body, '\n');
	json_array_foreach(m->commands, i, it)
		run_command(m, a, it, body.buf);
	json_array_foreach(m->webhooks, i, it)
		post(m, a, json_string_value(it), body.buf);
	strbuf_release(&body);
}
