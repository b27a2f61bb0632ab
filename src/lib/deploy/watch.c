/*
 * watch.c - the watcher's loop; see watch.h.
 */
#include "lib/deploy/watch.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/proc.h"
#include "core/run.h"
#include "core/sigchain.h"
#include "core/time.h"
#include "lib/config/config.h"
#include "lib/http/http.h"
#include "lib/deploy/status.h"
#include "lib/git/history.h"
#include "lib/git/refs.h"
#include "lib/git/run.h"
#include "lib/store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REQUEST_TIMEOUT_MS 10000
#define COMMAND_TIMEOUT_MS 60000
#define MAX_BACKOFF 8

volatile sig_atomic_t watch_stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	watch_stop_requested = 1;
}

static long long scaled(const struct config *cfg, const char *key, int scale)
{
	long long v = config_int(cfg, key) / scale;

	return v > 0 ? v : 1;
}

/* Expand every template of every probe once, so that a missing ${VAR} is
 * an error now, before anything is written, and the secrets are known. */
static int check_templates(struct watch *w)
{
	struct probe_vars v = { w->commit, w->version };
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i < w->probes.nr; i++) {
		const json_t *spec = w->probes.items[i].spec, *x;
		const char *k;
		size_t j;

		if (json_is_string(x = json_object_get(spec, "url")))
			r = probe_expand(&sb, json_string_value(x), &v, &w->secrets);
		if (r >= 0 && json_is_string(x = json_object_get(spec, "body")))
			r = probe_expand(&sb, json_string_value(x), &v, &w->secrets);
		json_object_foreach((json_t *)json_object_get(spec, "headers"), k, x)
			if (r >= 0)
				r = probe_expand(&sb, json_string_value(x), &v, &w->secrets);
		json_array_foreach(json_object_get(spec, "run"), j, x)
			if (r >= 0)
				r = probe_expand(&sb, json_string_value(x), &v, &w->secrets);
		if (r < 0)
			r = error_prefix("deploy.probes '%s'", w->probes.items[i].name);
	}
	strbuf_release(&sb);
	return r;
}

static int load_notify(struct watch *w, const struct config *cfg)
{
	struct probe_vars v = { w->commit, w->version };
	struct strbuf sb = STRBUF_INIT;
	const json_t *x;
	const char *k;
	int r = 0;

	w->on_failure = json_incref(config_get(cfg, "deploy.on_failure"));
	w->notify = json_incref(config_get(cfg, "deploy.notify"));
	if (json_is_string(x = json_object_get(w->notify, "webhook")))
		r = probe_expand(&sb, json_string_value(x), &v, &w->secrets);
	json_object_foreach((json_t *)json_object_get(w->notify, "headers"), k, x)
		if (r >= 0)
			r = probe_expand(&sb, json_string_value(x), &v, &w->secrets);
	if (r < 0)
		r = error_prefix("deploy.notify");
	strbuf_release(&sb);
	return r;
}

int watch_prepare(struct watch *w, const struct config *cfg, const char *common_dir,
		  const char *workdir, const char *commit)
{
	size_t nverify;
	const char **verify = config_strlist(cfg, "deploy.verify", &nverify);
	struct strbuf dir = STRBUF_INIT;
	int r, scale = (int)config_int(cfg, "deploy.time_scale");

	if (scale < 1)
		scale = 1;
	memcpy(w->commit, commit, 40);
	w->commit[40] = '\0';
	deploy_dir(&dir, common_dir, commit);
	w->dir = strbuf_detach(&dir, NULL);
	w->common_dir = xstrdup(common_dir);
	w->store_url = xstrdup(config_str(cfg, "store.url"));
	w->workdir = workdir ? xstrdup(workdir) : NULL;
	w->time_scale = scale;
	w->timeout_ms = scaled(cfg, "deploy.timeout", scale);
	w->interval_ms = scaled(cfg, "deploy.interval", scale);
	w->late_ms = scaled(cfg, "deploy.interval_late", scale);
	w->early_ms = scaled(cfg, "deploy.early", scale);
	w->await_ms = scaled(cfg, "deploy.await", scale);
	if ((r = probe_set_load(&w->probes, config_get(cfg, "deploy.probes"),
				config_get(cfg, "deploy.providers"), verify, nverify)) < 0)
		return r;
	if (!w->probes.nr)
		return error_set(BOSUN_EDATA, "no probes: configure deploy.probes in bosun.yml");
	if ((r = check_templates(w)) < 0)
		return r;
	return load_notify(w, cfg);
}

int watch_select_probes(struct watch *w, const char *const *names, size_t n)
{
	struct probe_set *ps = &w->probes;
	size_t i, j, kept = 0;

	for (j = 0; j < n; j++) {
		for (i = 0; i < ps->nr && strcmp(ps->items[i].name, names[j]); i++)
			;
		if (i == ps->nr)
			return error_set(BOSUN_EUSAGE, "--probe: no probe '%s' in deploy.probes",
					 names[j]);
	}
	for (i = 0; i < ps->nr; i++) {
		for (j = 0; j < n && strcmp(ps->items[i].name, names[j]); j++)
			;
		if (j < n) {
			ps->items[kept++] = ps->items[i];
			continue;
		}
		free(ps->items[i].name);
		json_decref(ps->items[i].spec);
		json_decref(ps->items[i].map);
		free(ps->items[i].state_ptr);
		free(ps->items[i].commit_ptr);
		free(ps->items[i].provider);
	}
	ps->nr = kept;
	return 0;
}

void watch_release(struct watch *w)
{
	probe_set_release(&w->probes);
	free(w->dir);
	free(w->common_dir);
	free(w->workdir);
	free(w->store_url);
	store_close(w->store);
	w->store = NULL;
	w->store_url = NULL;
	json_decref(w->on_failure);
	json_decref(w->notify);
	strbuf_release(&w->secrets);
	strbuf_release(&w->message);
	if (w->log_fd >= 0)
		close(w->log_fd);
	w->dir = w->common_dir = w->workdir = NULL;
	w->on_failure = w->notify = NULL;
	w->log_fd = -1;
}

/* ---- timing ------------------------------------------------------------ */

long long watch_next_wait(const struct watch *w, long long elapsed, int slow,
			  int backoff, long long retry_after_ms, double rnd)
{
	long long base = (elapsed < w->early_ms && !slow) ? w->interval_ms : w->late_ms;

	base *= backoff < 1 ? 1 : backoff;
	base = (long long)((double)base * (0.9 + 0.2 * rnd));
	if (retry_after_ms >= 0 && retry_after_ms / w->time_scale > base)
		base = retry_after_ms / w->time_scale;
	return base < 1 ? 1 : base;
}

/* Wall-clock deadlines (they are written down); the sleep itself is on
 * the monotonic clock, and a stop request ends it. */
static void sleep_until(long long until_ms)
{
	long long d = until_ms - time_wall_ms();

	if (d > 0)
		time_sleep_until(time_mono_ms() + d, &watch_stop_requested);
}

/* ---- one probe, once ---------------------------------------------------- */

struct answer {
	long status;             /* HTTP status, 0 for none */
	long long retry_after_ms;
	int throttled;           /* 429, 5xx or no answer: back off */
};

static int remaining_ms(const struct watch *w, int cap)
{
	long long left = w->deadline_ms - time_wall_ms();

	if (left < 100)
		left = 100;
	return left < cap ? (int)left : cap;
}

static int build_headers(const struct probe *p, const struct probe_vars *v,
			 char ***out, struct strbuf *secrets)
{
	const json_t *hdrs = json_object_get(p->spec, "headers"), *x;
	struct strbuf sb = STRBUF_INIT;
	char **list = xcalloc(json_object_size(hdrs) + 1, sizeof(*list));
	const char *k;
	size_t n = 0;
	int r = 0;

	json_object_foreach((json_t *)hdrs, k, x) {
		if ((r = probe_expand(&sb, json_string_value(x), v, secrets)) < 0)
			break;
		strbuf_insert(&sb, 0, ": ", 2);
		strbuf_insert(&sb, 0, k, strlen(k));
		list[n++] = strbuf_detach(&sb, NULL);
	}
	strbuf_release(&sb);
	*out = list;
	return r;
}

static void free_list(char **list)
{
	size_t i;

	for (i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

static enum deploy_state ask_http(struct watch *w, struct probe *p, struct answer *a,
				  struct strbuf *msg)
{
	struct probe_vars v = { w->commit, w->version };
	struct http_request req = HTTP_REQUEST_INIT;
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT, body = STRBUF_INIT;
	enum deploy_state st = DS_UNKNOWN;
	const char *b = json_string_value(json_object_get(p->spec, "body"));
	char **hdrs = NULL;

	if (probe_expand(&url, json_string_value(json_object_get(p->spec, "url")), &v, NULL) < 0 ||
	    (b && probe_expand(&body, b, &v, NULL) < 0) ||
	    build_headers(p, &v, &hdrs, NULL) < 0) {
		strbuf_addstr(msg, error_message());
		goto out;
	}
	req.url = url.buf;
	req.method = json_string_value(json_object_get(p->spec, "method"));
	req.headers = (const char *const *)hdrs;
	req.body = b ? body.buf : NULL;
	req.body_len = body.len;
	req.timeout_ms = remaining_ms(w, REQUEST_TIMEOUT_MS);
	w->requests++;
	if (http_request(&req, &res) < 0) {
		strbuf_addstr(msg, error_message());
		a->throttled = 1;
		goto out;
	}
	a->status = res.status;
	a->retry_after_ms = res.retry_after_ms;
	a->throttled = res.status == 429 || res.status >= 500;
	if (p->type == PROBE_HTTP)
		st = probe_eval_http(p, &v, res.status, res.body.buf, res.body.len, msg);
	else
		st = probe_eval_provider(p, &v, res.status, res.body.buf, res.body.len, msg);
out:
	error_clear();
	free_list(hdrs);
	http_response_release(&res);
	strbuf_release(&url);
	strbuf_release(&body);
	return st;
}

/* argv for a configured command: a list (each item expanded) or one
 * string for sh -c. */
static int command_argv(const struct watch *w, const json_t *run, char ***out,
			int *use_shell)
{
	struct probe_vars v = { w->commit, w->version };
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = json_is_array(run) ? json_array_size(run) : 1;
	char **argv = xcalloc(n + 2, sizeof(*argv));
	int r = 0;

	*use_shell = json_is_string(run);
	for (i = 0; i < n && r >= 0; i++) {
		const json_t *x = json_is_array(run) ? json_array_get(run, i) : run;

		if ((r = probe_expand(&sb, json_string_value(x), &v, NULL)) >= 0)
			argv[i] = strbuf_detach(&sb, NULL);
	}
	if (*use_shell && r >= 0)
		argv[1] = xstrdup("bosun-deploy");
	strbuf_release(&sb);
	*out = argv;
	return r;
}

static void child_env(const struct watch *w, struct strbuf *store, const char *env[5],
		      const char *verdict)
{
	strbuf_reset(store);
	strbuf_addf(store, "BOSUN_DEPLOY_COMMIT=%s", w->commit);
	strbuf_addch(store, '\0');
	strbuf_addf(store, "BOSUN_DEPLOY_DIR=%s", w->dir);
	strbuf_addch(store, '\0');
	strbuf_addf(store, "BOSUN_DEPLOY_VERDICT=%s", verdict ? verdict : "");
	env[0] = store->buf;
	env[1] = env[0] + strlen(env[0]) + 1;
	env[2] = env[1] + strlen(env[1]) + 1;
	env[3] = NULL;
}

static int run_command(struct watch *w, const json_t *run, int timeout_ms,
		       const char *verdict, struct child *c)
{
	struct strbuf envs = STRBUF_INIT;
	const char *env[5];
	char **argv = NULL;
	int shell, r;

	if ((r = command_argv(w, run, &argv, &shell)) >= 0) {
		child_env(w, &envs, env, verdict);
		c->argv = (const char *const *)argv;
		c->env = env;
		c->use_shell = shell;
		c->dir = w->workdir;
		c->capture = 1;
		c->out_cap = 1024 * 1024;
		c->timeout_ms = timeout_ms;
		r = child_run(c);
	}
	free_list(argv);
	strbuf_release(&envs);
	return r;
}

static enum deploy_state ask_command(struct watch *w, struct probe *p, struct strbuf *msg)
{
	struct child c = CHILD_INIT;
	enum deploy_state st = DS_UNKNOWN;

	w->requests++;
	if (run_command(w, json_object_get(p->spec, "run"),
			remaining_ms(w, COMMAND_TIMEOUT_MS), NULL, &c) < 0)
		strbuf_addstr(msg, error_message());
	else if (c.timed_out)
		strbuf_addstr(msg, "timed out");
	else
		st = probe_eval_command(p, c.status, c.out.buf, c.out.len, msg);
	error_clear();
	child_release(&c);
	return st;
}

static void poll_probe(struct watch *w, struct probe *p, struct answer *a)
{
	struct strbuf msg = STRBUF_INIT;
	enum deploy_state st;

	memset(a, 0, sizeof(*a));
	a->retry_after_ms = -1;
	p->attempts++;
	if (p->type == PROBE_COMMAND)
		st = ask_command(w, p, &msg);
	else
		st = ask_http(w, p, a, &msg);
	if (st != p->state || !p->message || strcmp(p->message, msg.buf)) {
		struct strbuf clean = STRBUF_INIT;

		dlog_scrub(&clean, &w->secrets, msg.buf, msg.len);
		dlog_line(w->log_fd, NULL, "%s: %s (%s)", p->name, deploy_state_name(st),
			  clean.buf);
		free(p->message);
		p->message = strbuf_detach(&clean, NULL);
	}
	p->state = st;
	strbuf_release(&msg);
}

/* ---- status ------------------------------------------------------------ */

json_t *watch_status_json(const struct watch *w)
{
	struct strbuf started = STRBUF_INIT, updated = STRBUF_INIT, deadline = STRBUF_INIT;
	json_t *probes = json_array(), *st;
	size_t i;

	for (i = 0; i < w->probes.nr; i++) {
		const struct probe *p = &w->probes.items[i];

		json_array_append_new(probes, json_pack("{s:s, s:s, s:s, s:b, s:i, s:s?}",
			"name", p->name, "type", probe_type_name(p->type),
			"state", deploy_state_name(p->state), "verify", p->verify,
			"attempts", p->attempts, "message", p->message));
	}
	deploy_timestamp(&started, w->started_ms);
	deploy_timestamp(&updated, w->updated_ms);
	deploy_timestamp(&deadline, w->deadline_ms);
	st = json_pack("{s:i, s:s, s:s, s:s?, s:s, s:o, s:i, s:i, s:s, s:s, s:s, s:s?, s:s?}",
		       "version", 1, "commit", w->commit,
		       "state", deploy_state_name(w->state), "verdict", w->verdict,
		       "message", w->message.buf, "probes", probes,
		       "attempts", w->rounds, "requests", w->requests,
		       "started", started.buf, "updated", updated.buf,
		       "deadline", deadline.buf, "remote", w->await_remote,
		       "branch", w->await_branch);
	strbuf_release(&started);
	strbuf_release(&updated);
	strbuf_release(&deadline);
	return st;
}

static void save_status(struct watch *w)
{
	json_t *st;

	w->updated_ms = time_wall_ms();
	st = watch_status_json(w);
	if (dstatus_write(w->dir, st) < 0) {
		dlog_line(w->log_fd, &w->secrets, "cannot write the status: %s", error_message());
		error_clear();
	}
	json_decref(st);
	if (w->progress)
		w->progress(w, w->progress_data);
}

static void set_message(struct watch *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_message(struct watch *w, const char *fmt, ...)
{
	struct strbuf raw = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&raw, fmt, ap);
	va_end(ap);
	strbuf_reset(&w->message);
	dlog_scrub(&w->message, &w->secrets, raw.buf, raw.len);
	strbuf_release(&raw);
}

/* ---- waiting for the push ---------------------------------------------- */

static int remote_has_commit(struct watch *w, int ask_remote)
{
	struct strbuf ref = STRBUF_INIT;
	unsigned char oid[20];
	char hex[41];
	int hit = 0;

	strbuf_addf(&ref, "refs/remotes/%s/%s", w->await_remote, w->await_branch);
	if (w->repo && refs_resolve(w->repo, ref.buf, oid) == 0) {
		oid_to_hex(oid, hex);
		hit = !strcmp(hex, w->commit);
	}
	error_clear();
	if (!hit && ask_remote) {
		const char *args[] = { "ls-remote", "--", w->await_remote, NULL, NULL };
		struct gitrun g = GITRUN_INIT;

		strbuf_reset(&ref);
		strbuf_addf(&ref, "refs/heads/%s", w->await_branch);
		args[3] = ref.buf;
		g.dir = w->workdir;
		g.timeout_ms = remaining_ms(w, REQUEST_TIMEOUT_MS);
		hit = gitrun_exec(&g, args) == 0 && !strncmp(g.out.buf, w->commit, 40);
		error_clear();
		gitrun_release(&g);
	}
	strbuf_release(&ref);
	return hit;
}

/* Whether the awaited `git push` has ended (never, when it is unknown). */
static int push_ended(const struct watch *w)
{
	return w->push_pid > 0 && !proc_alive(w->push_pid, w->push_start);
}

/* 0 when the remote ref reached the commit, -1 when it did not in time, -2
 * when the `git push` awaited ended without it getting there. */
static int await_push(struct watch *w)
{
	long long until = time_wall_ms() + w->await_ms, wait = 1000 / w->time_scale;
	int round;

	set_message(w, "waiting for %s/%s to reach %.12s", w->await_remote,
		    w->await_branch, w->commit);
	dlog_line(w->log_fd, &w->secrets, "%s", w->message.buf);
	save_status(w);
	for (round = 0; !watch_stop_requested; round++) {
		long long next;
		int ended = push_ended(w);

		/* Asked after the push ended: a push that got through has
		 * moved the remote branch before git exits. */
		if (remote_has_commit(w, 1)) {
			dlog_line(w->log_fd, &w->secrets, "%s/%s is at %.12s", w->await_remote,
				  w->await_branch, w->commit);
			return 0;
		}
		if (ended)
			return -2;
		if (time_wall_ms() >= until)
			return -1;
		/* The push is looked at every 100 ms, the remote on the backoff. */
		next = time_wall_ms() + (wait < 1 ? 1 : wait);
		while (!watch_stop_requested && time_wall_ms() < next && !push_ended(w)) {
			long long now = time_wall_ms();

			sleep_until(next - now > 100 ? now + 100 : next);
		}
		if (wait < 8000 / w->time_scale)
			wait *= 2;
	}
	return -1;
}

/* ---- the verdict ------------------------------------------------------- */

static void log_output(struct watch *w, const char *what, const struct strbuf *out)
{
	const char *p = out->buf;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		dlog_line(w->log_fd, &w->secrets, "%s: %.*s", what, len, p);
		p += len + (nl ? 1 : 0);
	}
}

static void run_hook_command(struct watch *w, const char *what, const json_t *run)
{
	struct child c = CHILD_INIT;
	int timeout = (int)(COMMAND_TIMEOUT_MS / w->time_scale);

	c.merge_err = 1;
	dlog_line(w->log_fd, &w->secrets, "%s: running", what);
	if (run_command(w, run, timeout < 100 ? 100 : timeout, w->verdict, &c) < 0)
		dlog_line(w->log_fd, &w->secrets, "%s: %s", what, error_message());
	else {
		log_output(w, what, &c.out);
		dlog_line(w->log_fd, &w->secrets, "%s: exit %d%s", what, c.status,
			  c.timed_out ? " (timed out)" : "");
	}
	error_clear();
	child_release(&c);
}

static int wants_notify(const struct watch *w)
{
	const json_t *on = json_object_get(w->notify, "on"), *x;
	size_t i;

	if (!json_is_object(w->notify))
		return 0;
	if (!on)
		return !strcmp(w->verdict, "failed") || !strcmp(w->verdict, "timeout");
	json_array_foreach(on, i, x)
		if (!strcmp(json_string_value(x), w->verdict))
			return 1;
	return 0;
}

static void post_webhook(struct watch *w)
{
	struct probe_vars v = { w->commit, w->version };
	struct probe hook;
	struct http_request req = HTTP_REQUEST_INIT;
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT;
	json_t *st = watch_status_json(w);
	char *body = json_dumps(st, JSON_COMPACT), **hdrs = NULL;

	memset(&hook, 0, sizeof(hook));
	hook.spec = w->notify;
	if (probe_expand(&url, json_string_value(json_object_get(w->notify, "webhook")),
			 &v, NULL) < 0 || build_headers(&hook, &v, &hdrs, NULL) < 0) {
		dlog_line(w->log_fd, &w->secrets, "notify: %s", error_message());
		goto out;
	}
	{
		size_t n = 0;

		while (hdrs[n])
			n++;
		hdrs = xrealloc(hdrs, (n + 2) * sizeof(*hdrs));
		hdrs[n] = xstrdup("Content-Type: application/json");
		hdrs[n + 1] = NULL;
	}
	req.url = url.buf;
	req.headers = (const char *const *)hdrs;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = REQUEST_TIMEOUT_MS;
	if (http_request(&req, &res) < 0)
		dlog_line(w->log_fd, &w->secrets, "notify: %s", error_message());
	else
		dlog_line(w->log_fd, &w->secrets, "notify: webhook answered HTTP %ld", res.status);
out:
	error_clear();
	free_list(hdrs);
	free(body);
	json_decref(st);
	http_response_release(&res);
	strbuf_release(&url);
}

static void record_watch(struct watch *w)
{
	struct store_deployment d = { 0 };
	struct strbuf started = STRBUF_INIT, finished = STRBUF_INIT;
	json_t *st = watch_status_json(w);
	char *probes = json_dumps(json_object_get(st, "probes"), JSON_COMPACT);

	deploy_timestamp(&started, w->started_ms);
	deploy_timestamp(&finished, w->updated_ms);
	if (!w->store && store_open(&w->store, w->store_url, w->common_dir, 0) < 0)
		goto out;
	d.commit = w->commit;
	d.started_at = started.buf;
	d.finished_at = finished.buf;
	d.verdict = w->verdict;
	d.probes = probes;
	d.attempts = w->rounds;
	d.requests = w->requests;
	d.message = w->message.buf;
	d.remote = w->await_remote;
	d.branch = w->await_branch;
	d.duration_ms = w->updated_ms - w->started_ms;
	if (store_deployment_insert(w->store, &d, NULL) < 0)
		error_prefix("cannot record the watch");
out:
	if (error_kind())
		dlog_line(w->log_fd, &w->secrets, "state store: %s", error_message());
	error_clear();
	free(probes);
	json_decref(st);
	strbuf_release(&started);
	strbuf_release(&finished);
}

static void finish(struct watch *w, const char *verdict)
{
	w->verdict = verdict;
	dlog_line(w->log_fd, &w->secrets, "verdict: %s (%s)", verdict, w->message.buf);
	save_status(w);
	if (strcmp(verdict, "success") && strcmp(verdict, "canceled") &&
	    json_is_array(w->on_failure))
		run_hook_command(w, "on_failure", w->on_failure);
	if (wants_notify(w)) {
		if (json_object_get(w->notify, "command"))
			run_hook_command(w, "notify", json_object_get(w->notify, "command"));
		if (json_object_get(w->notify, "webhook"))
			post_webhook(w);
	}
	record_watch(w);
}

/* ---- the loop ---------------------------------------------------------- */

struct round {
	int slow, backoff;
	long long retry_after_ms;
	int throttled;
};

static void note_answer(struct round *rd, const struct answer *a)
{
	if (a->throttled)
		rd->throttled = 1;
	if (a->retry_after_ms > rd->retry_after_ms)
		rd->retry_after_ms = a->retry_after_ms;
}

/* Poll the deciding probes; returns the deciding probe, or NULL. */
static struct probe *decide(struct watch *w, struct round *rd)
{
	enum deploy_state best = DS_UNKNOWN;
	size_t i;
	int any = 0;

	rd->slow = 1;
	for (i = 0; i < w->probes.nr; i++) {
		struct probe *p = &w->probes.items[i];
		struct answer a;

		if (p->verify)
			continue;
		any = 1;
		poll_probe(w, p, &a);
		note_answer(rd, &a);
		if (deploy_state_terminal(p->state))
			return p;
		if (p->state != DS_QUEUED && p->state != DS_BUILDING)
			rd->slow = 0;
		if (p->state != DS_UNKNOWN && (best == DS_UNKNOWN || p->state > best))
			best = p->state;
	}
	if (!any)
		rd->slow = 0;
	w->state = best == DS_UNKNOWN && w->state != DS_QUEUED ? DS_UNKNOWN :
		   best == DS_UNKNOWN ? DS_QUEUED : best;
	return NULL;
}

/* Poll the verify probes still short of success: 1 when all pass, -1 when
 * one failed, 0 otherwise. */
static int verify(struct watch *w, struct round *rd, struct probe **failed)
{
	size_t i;
	int all = 1;

	for (i = 0; i < w->probes.nr; i++) {
		struct probe *p = &w->probes.items[i];
		struct answer a;

		if (!p->verify || p->state == DS_SUCCESS)
			continue;
		poll_probe(w, p, &a);
		note_answer(rd, &a);
		if (p->state == DS_FAILED || p->state == DS_CANCELED) {
			*failed = p;
			return -1;
		}
		if (p->state != DS_SUCCESS)
			all = 0;
	}
	return all;
}

static int has_verify(const struct watch *w)
{
	size_t i;

	for (i = 0; i < w->probes.nr; i++)
		if (w->probes.items[i].verify)
			return 1;
	return 0;
}

static const char *one_round(struct watch *w, struct round *rd, int *verifying)
{
	struct probe *p, *bad = NULL;
	int v;

	if (!*verifying) {
		if (!(p = decide(w, rd))) {
			set_message(w, "%s", w->probes.items[0].message ? w->probes.items[0].message : "");
			return NULL;
		}
		set_message(w, "%s: %s", p->name, p->message ? p->message : "");
		w->state = p->state;
		if (p->state != DS_SUCCESS)
			return p->state == DS_CANCELED ? "canceled" : "failed";
		if (!has_verify(w))
			return "success";
		*verifying = 1;
		w->state = DS_VERIFYING;
		dlog_line(w->log_fd, &w->secrets, "%s reports success; verifying", p->name);
	}
	v = verify(w, rd, &bad);
	if (v < 0) {
		set_message(w, "%s: %s", bad->name, bad->message ? bad->message : "");
		w->state = DS_FAILED;
		return "failed";
	}
	if (v > 0) {
		w->state = DS_SUCCESS;
		set_message(w, "verified");
		return "success";
	}
	return NULL;
}

static unsigned int seed_of(const struct watch *w)
{
	return (unsigned int)(getpid() ^ (unsigned int)time_wall_ms() ^ (unsigned char)w->commit[0]);
}

static const char *watch_loop(struct watch *w)
{
	struct round rd = { 0, 1, -1, 0 };
	unsigned int seed = seed_of(w);
	const char *verdict = NULL;
	int verifying = 0;

	while (!verdict) {
		long long now;

		if (watch_stop_requested) {
			set_message(w, "stopped");
			return "canceled";
		}
		rd.retry_after_ms = -1;
		rd.throttled = 0;
		w->rounds++;
		verdict = one_round(w, &rd, &verifying);
		if (verdict)
			break;
		rd.backoff = rd.throttled ? (rd.backoff < MAX_BACKOFF ? rd.backoff * 2 : MAX_BACKOFF) : 1;
		save_status(w);
		now = time_wall_ms();
		if (now >= w->deadline_ms)
			break;
		now += watch_next_wait(w, now - w->started_ms, rd.slow, rd.backoff,
				       rd.retry_after_ms, (double)rand_r(&seed) / ((double)RAND_MAX + 1));
		sleep_until(now < w->deadline_ms ? now : w->deadline_ms);
	}
	if (!verdict) {
		struct strbuf last = STRBUF_INIT;

		strbuf_addbuf(&last, &w->message);
		set_message(w, "no verdict after %llds%s%s", (w->deadline_ms - w->started_ms) / 1000,
			    last.len ? "; last: " : "", last.buf);
		strbuf_release(&last);
		verdict = "timeout";
	}
	return verdict;
}

static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };

static void push_stop_handler(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stop_signals); i++)
		if (sigchain_push(stop_signals[i], on_stop) < 0)
			error_clear();
}

static void pop_stop_handler(void)
{
	size_t i = ARRAY_SIZE(stop_signals);

	while (i--)
		sigchain_pop(stop_signals[i]);
}

static int watch_run_stoppable(struct watch *w)
{
	int r;

	/* A watcher lives for minutes: keep libcurl out of it (http.h). */
	http_set_isolated(1);
	if ((r = fs_mkdir_p(w->dir)) < 0)
		return r;
	if ((w->log_fd = dlog_open(w->dir)) < 0)
		return w->log_fd;
	w->started_ms = w->updated_ms = time_wall_ms();
	w->deadline_ms = w->started_ms + w->timeout_ms;
	dlog_line(w->log_fd, &w->secrets, "watching %s (pid %d, timeout %llds, %zu probes)",
		  w->commit, (int)getpid(), w->timeout_ms / 1000, w->probes.nr);
	if (w->await_remote && w->await_branch && (r = await_push(w)) < 0) {
		w->state = DS_CANCELED;
		if (watch_stop_requested)
			set_message(w, "stopped");
		else if (r == -2)
			set_message(w, "the push failed: git push ended and %s/%s is not at %.12s",
				    w->await_remote, w->await_branch, w->commit);
		else
			set_message(w, "%s/%s did not reach %.12s in time; was the push rejected?",
				    w->await_remote, w->await_branch, w->commit);
		finish(w, "canceled");
	} else {
		w->deadline_ms = time_wall_ms() + w->timeout_ms;
		finish(w, watch_loop(w));
	}
	watcher_release(w->dir);
	return 0;
}

int watch_run(struct watch *w)
{
	int r;

	push_stop_handler();
	r = watch_run_stoppable(w);
	pop_stop_handler();
	return r;
}
