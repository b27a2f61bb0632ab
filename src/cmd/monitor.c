/*
 * monitor.c - bosun monitor: one cycle (--once), a loop in the foreground
 * or detached (--detach), and --status / --stop of the user's one monitor
 * (docs/monitor.md).
 *
 * The monitor's files are in the user's state directory (core/fs.h's
 * fs_user_dir()), under monitor/: monitor.pid (core/pidfile.h: one
 * monitor per user), monitor.log (the detached monitor's output: its alert
 * lines) and status.json (the last cycle, for --status). The metric
 * sources that read other domains (deploy watchers, work items, doctor's
 * quick checks) are here, so that lib/monitor includes no other domain.
 */
#include "bosun-config.h"
#include "cmd/common.h"

#include "core/daemon.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "core/pidfile.h"
#include "core/sigchain.h"
#include "core/time.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/http/http.h"
#include "lib/monitor/monitor.h"
#include "lib/store/store.h"
#ifdef BOSUN_HAVE_DEPLOY
#include "lib/deploy/status.h"
#endif
#ifdef BOSUN_HAVE_DOCTOR
#include "lib/doctor/doctor.h"
#endif

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATUS_CAP ((size_t)1 << 20)
#define STOP_GRACE_MS 5000
#define STOP_KILL_MS 1000

static struct {
	int once, detach, stop, status, cycles;
	const char *interval;
} cli;

static const struct option monitor_opts[] = {
	OPT_BOOL(0, "once", &cli.once, "one cycle: print the metrics, rules and alerts, exit"),
	OPT_STRING(0, "interval", &cli.interval, "DURATION",
		   "time between cycles (default monitor.interval, 60s)"),
	OPT_INT(0, "cycles", &cli.cycles, "N", "stop after N cycles (default: run until stopped)"),
	OPT_BOOL('d', "detach", &cli.detach, "run in the background; print the monitor's PID"),
	OPT_BOOL(0, "status", &cli.status, "whether the user's monitor runs, and its last cycle"),
	OPT_BOOL(0, "stop", &cli.stop, "stop the user's monitor"),
	OPT_END(),
};

/* The monitor's directory, or one of its files (name non-NULL). */
static void monitor_path(struct strbuf *sb, const char *name)
{
	fs_user_dir(sb, "state");
	strbuf_addstr(sb, "/monitor");
	if (name)
		strbuf_addf(sb, "/%s", name);
}

/* ---- the sources that read other domains ---------------------------------- */

struct sources {
	struct bosun_ctx *ctx;
	struct repo *repo;
	struct config *cfg;
	long long checks_ms;	/* when doctor's checks last ran (0: never) */
	int checks_failing, checks_warning;
};

#ifdef BOSUN_HAVE_DEPLOY
/* The repository's deployment watchers: running, and dead before a
 * verdict (stale). */
static int deploy_source(struct monitor_sample *s, void *data)
{
	struct sources *src = data;
	struct strbuf dir = STRBUF_INIT;
	char **list = NULL;
	size_t nr = 0, i;
	int alive = 0, dead = 0;
	json_t *st;

	deploy_list_commits(&list, &nr, src->repo->common_dir);
	for (i = 0; i < nr; i++) {
		const char *w;

		deploy_dir(&dir, src->repo->common_dir, list[i]);
		if (dstatus_load(&st, dir.buf) < 0) {
			error_clear();
			continue;
		}
		w = json_string_value(json_object_get(st, "watcher"));
		alive += w && !strcmp(w, "running");
		dead += w && !strcmp(w, "stale");
		json_decref(st);
	}
	deploy_list_free(list, nr);
	strbuf_release(&dir);
	monitor_set(s, "watchers", alive);
	monitor_set(s, "watchers_dead", dead);
	return 0;
}
#endif

/* The work items in the store: every workstream, and those spawned. */
static int work_source(struct monitor_sample *s, void *data)
{
	struct sources *src = data;
	struct store_work_item *plans = NULL, *ws;
	struct store *st;
	size_t np = 0, nw, i, j;
	int r, items = 0, spawned = 0;

	if ((r = store_open(&st, config_str(src->cfg, "store.url"), src->repo->common_dir,
			    STORE_OPEN_READ)) < 0)
		return r;
	if ((r = store_work_list(st, NULL, &plans, &np)) < 0)
		goto out;
	for (i = 0; i < np; i++) {
		if ((r = store_work_list(st, plans[i].id, &ws, &nw)) < 0)
			goto out;
		for (j = 0; j < nw; j++) {
			items++;
			spawned += ws[j].state && !strcmp(ws[j].state, "spawned");
		}
		store_work_free(ws, nw);
	}
	monitor_set(s, "work_items", items);
	monitor_set(s, "work_spawned", spawned);
out:
	store_work_free(plans, np);
	store_close(st);
	return r;
}

#ifdef BOSUN_HAVE_DOCTOR
/* doctor's quick checks: those that read files and start nothing (no CLI
 * probes, no network, no git), at most once a minute however short the
 * interval, so that they stay within the monitor's budget. */
#define CHECKS_EVERY_MS 60000
static const char *const quick_checks[] = {
	"install.paths", "install.store", "install.hooks", "repo.shallow", "repo.hooks_path",
	"repo.locks", "repo.watchers",
};

static int run_quick_checks(struct sources *src)
{
	struct doctor_env env = DOCTOR_ENV_INIT;
	struct doctor_report rep = DOCTOR_REPORT_INIT;
	const struct doctor_check **sel = NULL;
	char self[PATH_MAX];
	size_t n, i;
	int r;

	if (!realpath("/proc/self/exe", self))
		return error_errno(BOSUN_EIO, "cannot find bosun's own path");
	env.self = self;
	env.version = BOSUN_VERSION;
	env.repo = src->repo;
	env.cfg = src->cfg;
	env.home = getenv("HOME");
	env.path = getenv("PATH");
	env.timeout_ms = (int)config_int(src->cfg, "doctor.timeout");
	if ((r = doctor_select(&sel, &n, quick_checks,
			       sizeof(quick_checks) / sizeof(quick_checks[0]))) < 0)
		goto out;
	doctor_run(&rep, &env, sel, n);
	src->checks_failing = src->checks_warning = 0;
	for (i = 0; i < rep.nr; i++) {
		src->checks_failing += rep.items[i].status == DOCTOR_FAIL;
		src->checks_warning += rep.items[i].status == DOCTOR_WARN;
	}
out:
	doctor_report_release(&rep);
	doctor_env_release(&env);
	free(sel);
	return r;
}

static int checks_source(struct monitor_sample *s, void *data)
{
	struct sources *src = data;
	int r;

	if (!src->checks_ms || s->time_ms - src->checks_ms >= CHECKS_EVERY_MS) {
		src->checks_ms = s->time_ms;
		if ((r = run_quick_checks(src)) < 0)
			return r;
	}
	monitor_set(s, "checks_failing", src->checks_failing);
	monitor_set(s, "checks_warning", src->checks_warning);
	return 0;
}
#endif

/* The list of the sources the command adds to the built-in ones; a new
 * one (doctor's quick checks, as "checks_failing") is one entry. */
static void add_sources(struct monitor *m, struct sources *src)
{
#ifdef BOSUN_HAVE_DEPLOY
	monitor_add_source(m, "deploy", deploy_source, src);
#endif
	monitor_add_source(m, "work", work_source, src);
#ifdef BOSUN_HAVE_DOCTOR
	monitor_add_source(m, "checks", checks_source, src);
#endif
}

/* ---- printing ---------------------------------------------------------------- */

static void print_alert(const struct monitor_alert *a, void *data)
{
	struct bosun_ctx *ctx = data;

	if (ctx->json)
		return;
	out_write(a->line, strlen(a->line));
	putchar('\n');
	fflush(stdout);
	if (a->failed)
		print_warning(ctx, "%d of %d deliveries of the alert failed: %s", a->failed,
			      a->failed + a->delivered, a->error);
}

static void print_cycle(struct bosun_ctx *ctx, const struct monitor *m)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < m->sample.nr; i++)
		strbuf_addf(&sb, "%-20s %.4g\n", m->sample.name[i], m->sample.value[i]);
	for (i = 0; i < m->nrules; i++) {
		const struct monitor_rule *r = &m->rules[i];

		strbuf_addf(&sb, "rule %-15s %s%s\n", r->name,
			    !r->has_value ? "no value" : r->state == MON_FIRING ? "firing" : "ok",
			    r->flapping ? " (flapping)" : "");
	}
	/* Rule names are the user's text: through the redacting writer. */
	out_write(sb.buf, sb.len);
	strbuf_release(&sb);
	if (json_object_size(m->sample.notes)) {
		const char *k;
		json_t *v;

		json_object_foreach(m->sample.notes, k, v)
			print_warning(ctx, "%s: %s", k, json_string_value(v));
	}
}

static void print_json_line(const struct monitor *m)
{
	json_t *doc = monitor_cycle_json(m);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (text) {
		out_write(text, strlen(text));
		putchar('\n');
		fflush(stdout);
	}
	free(text);
	json_decref(doc);
}

static int any_firing(const struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nrules; i++)
		if (m->rules[i].state == MON_FIRING)
			return 1;
	return 0;
}

/* ---- the loop ------------------------------------------------------------ */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
}

/* status.json: this cycle, and who runs it. */
static void write_status(const struct monitor *m, long long interval_ms,
			 long long started_ms)
{
	struct strbuf path = STRBUF_INIT;
	json_t *doc = monitor_cycle_json(m);
	char *text;

	json_object_set_new(doc, "pid", json_integer(getpid()));
	json_object_set_new(doc, "interval_ms", json_integer(interval_ms));
	json_object_set_new(doc, "started_ms", json_integer(started_ms));
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	monitor_path(&path, "status.json");
	/* A status that could not be written is only a stale --status. */
	if (text && write_file_atomic(path.buf, text, strlen(text), 0644) < 0)
		error_clear();
	free(text);
	json_decref(doc);
	strbuf_release(&path);
}

static int run_loop(struct bosun_ctx *ctx, struct monitor *m, long long interval_ms,
		    int cycles)
{
	long long started = time_wall_ms(), next = time_mono_ms();
	struct strbuf status = STRBUF_INIT;
	int n;

	/* Only the holder of monitor.pid writes status.json, so a lock on it
	 * now is a killed monitor's, even one that names no owner (killed in
	 * the middle of taking a lock over): it goes, with its owner names. */
	monitor_path(&status, "status.json");
	if (lock_settle(status.buf, 0) < 0)
		error_clear();
	strbuf_release(&status);

	/* Webhooks are sent from a short-lived child: the monitor never maps
	 * libcurl, and stays small (docs/monitor.md). */
	http_set_isolated(1);
	stop_requested = 0;
	sigchain_push(SIGTERM, on_stop);
	sigchain_push(SIGINT, on_stop);
	sigchain_push(SIGHUP, on_stop);
	for (n = 0; !stop_requested && (!cycles || n < cycles); n++) {
		if (n)
			time_sleep_until(next, &stop_requested);
		if (stop_requested)
			break;
		next += interval_ms;
		monitor_cycle(m);
		write_status(m, interval_ms, started);
		if (ctx->json)
			print_json_line(m);
		/* A machine that slept, or a slow cycle: no burst to catch up. */
		if (next < time_mono_ms())
			next = time_mono_ms() + interval_ms;
	}
	sigchain_pop(SIGHUP);
	sigchain_pop(SIGINT);
	sigchain_pop(SIGTERM);
	return 0;
}

static int busy(const struct proc_owner *holder)
{
	error_set(BOSUN_EBUSY, "a monitor is already running for this user (pid %d)",
		  (int)holder->pid);
	error_hint("see it with 'bosun monitor --status'; stop it with 'bosun monitor --stop'");
	return -BOSUN_EBUSY;
}

static int start_loop(struct bosun_ctx *ctx, struct monitor *m, long long interval_ms)
{
	struct strbuf dir = STRBUF_INIT, pidf = STRBUF_INIT, logf = STRBUF_INIT;
	struct lockfile lk = LOCKFILE_INIT;
	struct daemon d = DAEMON_INIT;
	struct proc_owner holder;
	pid_t pid;
	int r;

	monitor_path(&dir, NULL);
	monitor_path(&pidf, "monitor.pid");
	monitor_path(&logf, "monitor.log");
	if ((r = fs_mkdir_p(dir.buf)) < 0)
		goto out;
	if ((r = pidfile_claim(&lk, pidf.buf, &holder, 2000)) == -BOSUN_EBUSY)
		r = busy(&holder);
	if (r < 0)
		goto out;
	if (!cli.detach) {
		if ((r = pidfile_commit(&lk, getpid())) >= 0)
			r = run_loop(ctx, m, interval_ms, cli.cycles);
		pidfile_release(pidf.buf);
		goto out;
	}
	d.log_path = logf.buf;
	pid = daemon_detach(&d);
	if (pid == 0) {
		ctx->json = 0;	/* the log gets the alert lines */
		if (daemon_ready(&d, pidfile_commit(&lk, getpid())) < 0)
			exit(1);
		printf("monitor started (pid %d), every %lld ms\n", (int)getpid(), interval_ms);
		fflush(stdout);
		run_loop(ctx, m, interval_ms, cli.cycles);
		pidfile_release(pidf.buf);
		printf("monitor stopped (pid %d)\n", (int)getpid());
		exit(0);
	}
	lock_rollback(&lk);
	if ((r = pid) < 0)
		goto out;
	if (ctx->json)
		out_json(json_pack("{s:i, s:b, s:s, s:I}", "pid", (int)pid, "detached", 1,
				   "log", logf.buf, "interval_ms", (json_int_t)interval_ms));
	else
		printf("%d\n", (int)pid);
	r = 0;
out:
	strbuf_release(&dir);
	strbuf_release(&pidf);
	strbuf_release(&logf);
	return r;
}

/* ---- --status and --stop -------------------------------------------------- */

/* The running monitor's record: 1, 0 when none runs. */
static int running_monitor(struct proc_owner *o)
{
	struct strbuf pidf = STRBUF_INIT;
	int r;

	monitor_path(&pidf, "monitor.pid");
	r = pidfile_read(o, pidf.buf) == 0 && proc_owner_alive(o);
	error_clear();
	strbuf_release(&pidf);
	return r;
}

static int status_cmd(struct bosun_ctx *ctx)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct proc_owner o;
	json_t *last = NULL, *rules, *rule;
	int running = running_monitor(&o);
	size_t i;

	monitor_path(&path, "status.json");
	if (running && fs_read_file(&text, path.buf, STATUS_CAP) >= 0)
		last = json_loadb(text.buf, text.len, 0, NULL);
	error_clear();
	/* A foreground run's, or a killed monitor's, is not this one's. */
	if (last && json_integer_value(json_object_get(last, "pid")) != o.pid) {
		json_decref(last);
		last = NULL;
	}
	if (ctx->json) {
		out_json(json_pack("{s:b, s:o, s:o}", "running", running,
				   "pid", running ? json_integer(o.pid) : json_null(),
				   "last", last ? json_incref(last) : json_null()));
	} else if (!running) {
		printf("no monitor is running\n");
	} else {
		printf("monitor running (pid %d)", (int)o.pid);
		if (last)
			printf(", every %lld ms, cycle %lld at %s",
			       (long long)json_integer_value(json_object_get(last, "interval_ms")),
			       (long long)json_integer_value(json_object_get(last, "cycle")),
			       json_string_value(json_object_get(last, "time")));
		putchar('\n');
		rules = json_object_get(last, "rules");
		json_array_foreach(rules, i, rule)
			if (!strcmp(json_string_value(json_object_get(rule, "state")), "firing"))
				printf("firing: %s\n",
				       json_string_value(json_object_get(rule, "name")));
	}
	json_decref(last);
	strbuf_release(&path);
	strbuf_release(&text);
	return running ? 0 : 3;
}

static int stop_cmd(struct bosun_ctx *ctx)
{
	struct proc_owner o;
	long long waited;
	int r;

	if (!running_monitor(&o))
		return error_set(BOSUN_ENOTFOUND, "no monitor is running");
	if ((r = proc_owner_stop(&o, STOP_GRACE_MS, STOP_KILL_MS, &waited)) < 0)
		return error_prefix("the monitor");
	if (ctx->json)
		out_json(json_pack("{s:i, s:b, s:s, s:I}", "pid", (int)o.pid, "stopped", 1,
				   "signal", r ? "SIGKILL" : "SIGTERM",
				   "waited_ms", (json_int_t)waited));
	else if (!ctx->quiet)
		printf("stopped the monitor (pid %d)%s\n", (int)o.pid,
		       r ? " with SIGKILL: it did not end on SIGTERM" : "");
	return 0;
}

/* ---- the command ------------------------------------------------------------- */

static int check_modes(void)
{
	if (cli.once + cli.detach + cli.stop + cli.status > 1)
		return cmd_usage_error("--once, --detach, --status and --stop go alone");
	if ((cli.once || cli.stop || cli.status) && (cli.interval || cli.cycles))
		return cmd_usage_error("--interval and --cycles go with a running monitor");
	if (cli.cycles < 0)
		return cmd_usage_error("--cycles: want 1 or more");
	return 0;
}

static int interval(const struct config *cfg, long long *ms)
{
	*ms = config_int(cfg, "monitor.interval");
	if (cli.interval && (config_parse_duration(cli.interval, ms) < 0 || *ms <= 0))
		return error_set(BOSUN_EUSAGE, "--interval: '%s' is not a duration (200ms, "
				 "90s, 10m, 1h)", cli.interval);
	if (*ms <= 0)
		*ms = 60000;
	return 0;
}

static int monitor_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct monitor m = MONITOR_INIT;
	struct sources src = { ctx, NULL, NULL, 0, 0, 0 };
	struct strbuf logp = STRBUF_INIT;
	long long interval_ms;
	int r;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = check_modes()) < 0)
		return r;
	if (cli.status)
		return status_cmd(ctx);
	if (cli.stop)
		return stop_cmd(ctx);
	if ((r = ctx_repo(ctx, &src.repo)) < 0 || (r = ctx_config(ctx, &src.cfg)) < 0 ||
	    (r = interval(src.cfg, &interval_ms)) < 0)
		return r;
	log_dir(&logp);
	strbuf_addstr(&logp, "/bosun.log");
	if ((r = monitor_setup(&m, src.cfg, src.repo->workdir ? src.repo->workdir :
			       src.repo->common_dir, logp.buf)) < 0)
		goto out;
	add_sources(&m, &src);
	m.on_alert = print_alert;
	m.on_alert_data = ctx;
	if (!cli.once) {
		r = start_loop(ctx, &m, interval_ms);
		goto out;
	}
	monitor_cycle(&m);
	if (ctx->json)
		out_json(monitor_cycle_json(&m));
	else
		print_cycle(ctx, &m);
	r = any_firing(&m);
out:
	monitor_release(&m);
	strbuf_release(&logp);
	return r;
}

static const struct sub_entry monitor_self = {
	.name = "monitor", .summary = "watch resources, the log, watchers and work; alert on rules",
	.usage = "[--once] [--interval DURATION] [--cycles N] [--detach] [--status] [--stop]",
	.help = "Every cycle, gather metrics (disk, memory, load, bosun's log, deploy\n"
		"watchers, work items), judge them against monitor.rules with their\n"
		"hysteresis, and send alerts to bosun's log, monitor.alerts' commands and\n"
		"webhooks. One monitor per user, started in a repository. --once exits 1\n"
		"when a rule fires; --status exits 3 when no monitor runs.",
	.opts = monitor_opts, .fn = monitor_cmd,
};

const struct cmd_entry cmd_monitor = {
	.name = "monitor", .summary = "watch resources, the log, watchers and work; alert on rules",
	.self = &monitor_self,
};
