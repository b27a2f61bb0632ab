/*
 * deploy.c - bosun deploy: watch, status, list, stop, clean, logs.
 *
 * status, list and logs read only the files under
 * $(git rev-parse --git-common-dir)/bosun/deploy/: no libgit2, no SQLite,
 * no libcurl, so that agents may ask as often as they like.
 */
#include "cmd/common.h"

#include "core/alloc.h"
#include "core/daemon.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/pidfile.h"
#include "core/time.h"
#include "lib/config/config.h"
#include "lib/deploy/status.h"
#include "lib/deploy/watch.h"
#include "lib/git/repo.h"
#include "lib/git/rev.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- resolving a revision ---------------------------------------------- */

/* REV to a full commit id: a prefix of a watched commit, else what
 * lib/git/rev.h makes of it (the ref files, then git rev-parse). */
static int resolve_rev(struct bosun_ctx *ctx, const char *rev, char hex[41])
{
	struct repo *repo;
	int r;

	if ((r = ctx_repo(ctx, &repo)) < 0)
		return r;
	if (rev_is_hex(rev, 4, 39)) {
		r = deploy_find_prefix(hex, repo->common_dir, rev);
		if (r != -BOSUN_ENOTFOUND)
			return r;
		error_clear();
	}
	return rev_commit_hex(repo, rev, hex);
}

static int commit_dir(struct bosun_ctx *ctx, const char *rev, char hex[41],
		      struct strbuf *dir)
{
	struct repo *repo;
	int r;

	if ((r = resolve_rev(ctx, rev, hex)) < 0 || (r = ctx_repo(ctx, &repo)) < 0)
		return r;
	deploy_dir(dir, repo->common_dir, hex);
	return 0;
}

/* ---- watch ------------------------------------------------------------- */

/* The options of every verb; a process runs one verb. */
static struct {
	int detach, wait, follow, days;
	const char *await, *timeout, *version, *push_pid;
	struct opt_list probes;
} cli = { .days = 7 };

static const struct option watch_opts[] = {
	OPT_BOOL('d', "detach", &cli.detach, "watch in the background; print the watcher's PID"),
	OPT_STRING(0, "await", &cli.await, "REMOTE:BRANCH", "first wait until the remote branch is at the commit"),
	OPT_STRING(0, "push-pid", &cli.push_pid, "PID:START", "with --await: the git push to follow (the pre-push hook gives it)"),
	OPT_STRING(0, "timeout", &cli.timeout, "DURATION", "give up after this long (default deploy.timeout)"),
	OPT_LIST(0, "probe", &cli.probes, "NAME", "use only this probe (repeatable)"),
	OPT_STRING(0, "version", &cli.version, "V", "the version being deployed, for {version}"),
	OPT_END(),
};

static void show_progress(const struct watch *w, void *data)
{
	struct bosun_ctx *ctx = data;
	long long secs = (time_wall_ms() - w->started_ms) / 1000;

	fprintf(stderr, "\r\033[K%s%s%s %.7s %llds, %d polls: %.60s", c_bold(ctx),
		deploy_state_name(w->state), c_reset(ctx), w->commit, secs, w->rounds,
		w->message.buf);
	if (w->verdict)
		fputc('\n', stderr);
	fflush(stderr);
}

static int split_await(const char *arg, char **remote, char **branch)
{
	const char *colon = arg ? strchr(arg, ':') : NULL;

	if (!arg)
		return 0;
	if (!colon || colon == arg || !colon[1])
		return error_set(BOSUN_EUSAGE, "--await: '%s' is not REMOTE:BRANCH", arg);
	*remote = xstrndup(arg, (size_t)(colon - arg));
	*branch = xstrdup(colon + 1);
	return 0;
}

static int report_verdict(struct bosun_ctx *ctx, const struct watch *w)
{
	int ok = !strcmp(w->verdict, "success");

	if (ctx->json)
		out_json(watch_status_json(w));
	else
		printf("%s%s%s %.12s: %s\n", ok ? c_green(ctx) : c_red(ctx), w->verdict,
		       c_reset(ctx), w->commit, w->message.buf);
	return ok ? 0 : 1;
}

/* The watcher as a daemon (core/daemon.h): it owns the claim lock, which
 * it commits as watch.pid before the parent returns with its PID. */
static int detach(struct bosun_ctx *ctx, struct watch *w, struct lockfile *lk)
{
	struct strbuf log = STRBUF_INIT;
	struct daemon d = DAEMON_INIT;
	pid_t pid;

	strbuf_addf(&log, "%s/watch.log", w->dir);
	d.log_path = log.buf;
	pid = daemon_detach(&d);
	strbuf_release(&log);
	if (pid == 0) {
		if (daemon_ready(&d, pidfile_commit(lk, getpid())) < 0)
			return 0;	/* the parent reports it */
		watch_run(w);
		return 0;
	}
	/* Handed over, so only closed here; removed when the fork failed. */
	lock_rollback(lk);
	if (pid < 0)
		return pid;
	if (ctx->json)
		out_json(json_pack("{s:s, s:i, s:b}", "commit", w->commit, "pid", (int)pid,
				   "detached", 1));
	else
		printf("%d\n", (int)pid);
	return 0;
}

static int start_watch(struct bosun_ctx *ctx, struct watch *w, int detached)
{
	struct lockfile lk = LOCKFILE_INIT;
	struct proc_owner holder;
	int r;

	if ((r = fs_mkdir_p(w->dir)) < 0)
		return r;
	if ((r = watcher_claim(&lk, w->dir, &holder)) < 0)
		return r;
	if (r == 1) {
		if (ctx->json)
			out_json(json_pack("{s:s, s:i, s:b}", "commit", w->commit,
					   "pid", (int)holder.pid, "already", 1));
		else if (!ctx->quiet)
			fprintf(stderr, "%.12s is already being watched (pid %d)\n", w->commit,
				(int)holder.pid);
		return 0;
	}
	if (detached)
		return detach(ctx, w, &lk);
	if ((r = pidfile_commit(&lk, getpid())) < 0)
		return r;
	if (isatty(STDERR_FILENO) && !ctx->quiet && !ctx->json) {
		w->progress = show_progress;
		w->progress_data = ctx;
	}
	if ((r = watch_run(w)) < 0)
		return r;
	return report_verdict(ctx, w);
}

static int deploy_watch_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int detached = cli.detach, r;
	const char *await = cli.await, *timeout = cli.timeout, *version = cli.version;
	struct opt_list probes = cli.probes;
	struct watch w = WATCH_INIT;
	struct config *cfg;
	struct repo *repo;
	char *remote = NULL, *branch = NULL;
	char hex[41];

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	if ((r = split_await(await, &remote, &branch)) < 0)
		goto out;
	if (cli.push_pid) {
		char *end;
		long pid = strtol(cli.push_pid, &end, 10);

		if (!await || pid <= 0 || *end != ':' ||
		    (w.push_start = strtoull(end + 1, &end, 10), *end)) {
			r = cmd_usage_error("--push-pid: want PID:START with --await");
			goto out;
		}
		w.push_pid = (pid_t)pid;
	}
	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &cfg)) < 0 ||
	    (r = resolve_rev(ctx, argc ? argv[0] : "HEAD", hex)) < 0)
		goto out;
	w.version = version;
	if ((r = watch_prepare(&w, cfg, repo->common_dir, repo->workdir, hex)) < 0)
		goto out;
	if (probes.nr && (r = watch_select_probes(&w, probes.items, probes.nr)) < 0)
		goto out;
	if (timeout) {
		long long ms = deploy_parse_duration(timeout);

		if (ms <= 0) {
			r = error_set(BOSUN_EUSAGE, "--timeout: '%s' is not a duration (90s, 10m, 1h)",
				      timeout);
			goto out;
		}
		w.timeout_ms = ms / w.time_scale > 0 ? ms / w.time_scale : 1;
	}
	w.await_remote = remote;
	w.await_branch = branch;
	w.repo = repo;
	r = start_watch(ctx, &w, detached);
out:
	watch_release(&w);
	opt_list_release(&probes);
	free(remote);
	free(branch);
	return r;
}

/* ---- status ------------------------------------------------------------ */

static const struct option status_opts[] = {
	OPT_BOOL('w', "wait", &cli.wait, "wait while the watch is in progress"),
	OPT_STRING(0, "timeout", &cli.timeout, "DURATION",
		   "with --wait: give up after DURATION (exit 2, still in progress)"),
	OPT_END(),
};

/* 0 success, 1 failed/timeout/canceled/stale, 2 in progress. */
static int status_code(const json_t *st)
{
	const char *verdict = json_string_value(json_object_get(st, "verdict"));
	const char *watcher = json_string_value(json_object_get(st, "watcher"));

	if (verdict)
		return strcmp(verdict, "success") ? 1 : 0;
	return watcher && !strcmp(watcher, "running") ? 2 : 1;
}

static json_t *lines_json(const struct strbuf *sb)
{
	json_t *a = json_array();
	const char *p = sb->buf;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		json_array_append_new(a, json_stringn(p, len));
		p += len + (nl ? 1 : 0);
	}
	return a;
}

static void print_status(struct bosun_ctx *ctx, json_t *st, int code,
			 const struct strbuf *tail)
{
	const char *verdict = json_string_value(json_object_get(st, "verdict"));
	const char *watcher = json_string_value(json_object_get(st, "watcher"));
	const char *msg = json_string_value(json_object_get(st, "message"));
	const char *word = verdict ? verdict : !strcmp(watcher, "stale") ? "stale" :
			   json_string_value(json_object_get(st, "state"));

	if (ctx->json) {
		json_object_set_new(st, "exit", json_integer(code));
		json_object_set_new(st, "log", lines_json(tail));
		out_json(json_incref(st));
		return;
	}
	printf("%s%s%s %.12s", code == 0 ? c_green(ctx) : code == 2 ? c_yellow(ctx) : c_red(ctx),
	       word ? word : "unknown", c_reset(ctx),
	       json_string_value(json_object_get(st, "commit")));
	if (!strcmp(watcher, "stale"))
		printf(": the watcher died before a verdict");
	else if (msg && *msg)
		printf(": %s", msg);
	putchar('\n');
	fwrite(tail->buf, 1, tail->len, stdout);
}

static int deploy_status_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int wait = cli.wait, code, r, gave_up = 0;
	struct strbuf dir = STRBUF_INIT, tail = STRBUF_INIT;
	long long deadline = 0;
	json_t *st = NULL;
	char hex[41];

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	if (cli.timeout && !wait)
		return cmd_usage_error("--timeout goes with --wait");
	if (cli.timeout) {
		long long ms = deploy_parse_duration(cli.timeout);

		if (ms <= 0)
			return error_set(BOSUN_EUSAGE, "--timeout: '%s' is not a duration "
					 "(90s, 10m, 1h)", cli.timeout);
		deadline = time_mono_ms() + ms;
	}
	if ((r = commit_dir(ctx, argc ? argv[0] : "HEAD", hex, &dir)) < 0)
		goto out;
	for (;;) {
		json_decref(st);
		st = NULL;
		if ((r = dstatus_load(&st, dir.buf)) < 0) {
			if (r == -BOSUN_ENOTFOUND)
				r = error_set(BOSUN_ENOTFOUND, "nothing known about the deployment "
					      "of %.12s", hex);
			goto out;
		}
		code = status_code(st);
		if (code != 2 || !wait)
			break;
		if (deadline && time_mono_ms() >= deadline) {
			gave_up = 1;
			break;
		}
		time_sleep_ms(100);
	}
	if (gave_up)
		print_warning(ctx, "still in progress after %s; gave up waiting", cli.timeout);
	if (code)
		dlog_tail(&tail, dir.buf, code == 1 ? 20 : 5);
	print_status(ctx, st, code, &tail);
	r = code;
out:
	json_decref(st);
	strbuf_release(&dir);
	strbuf_release(&tail);
	return r;
}

/* ---- list -------------------------------------------------------------- */

static long long age_s(const json_t *st)
{
	long long t = deploy_parse_timestamp(json_string_value(json_object_get(st, "updated")));

	if (t < 0)
		t = deploy_parse_timestamp(json_string_value(json_object_get(st, "started")));
	return t < 0 ? -1 : (time_wall_ms() - t) / 1000;
}

static void print_row(const char *commit, const json_t *st)
{
	const char *verdict = json_string_value(json_object_get(st, "verdict"));
	const json_t *pid = json_object_get(st, "pid");
	char pidbuf[24] = "-";

	if (json_is_integer(pid))
		snprintf(pidbuf, sizeof(pidbuf), "%lld", (long long)json_integer_value(pid));
	printf("%.12s  %-9s %-8s %-7s %7s  %llds\n", commit,
	       json_string_value(json_object_get(st, "state")), verdict ? verdict : "-",
	       json_string_value(json_object_get(st, "watcher")), pidbuf, age_s(st));
}

static json_t *list_row(const char *commit, const json_t *st)
{
	return json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:I}",
			 "commit", commit, "state", json_object_get(st, "state"),
			 "verdict", json_object_get(st, "verdict"),
			 "watcher", json_object_get(st, "watcher"),
			 "pid", json_object_get(st, "pid"),
			 "started", json_object_get(st, "started"),
			 "updated", json_object_get(st, "updated"),
			 "age_s", (json_int_t)age_s(st));
}

static int deploy_list_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct strbuf dir = STRBUF_INIT;
	struct repo *repo;
	json_t *all, *st;
	char **list;
	size_t nr, i;
	int r;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = ctx_repo(ctx, &repo)) < 0)
		return r;
	all = json_array();
	deploy_list_commits(&list, &nr, repo->common_dir);
	for (i = 0; i < nr; i++) {
		deploy_dir(&dir, repo->common_dir, list[i]);
		if (dstatus_load(&st, dir.buf) < 0) {
			error_clear();
			continue;
		}
		json_array_append_new(all, list_row(list[i], st));
		if (!ctx->json)
			print_row(list[i], st);
		json_decref(st);
	}
	deploy_list_free(list, nr);
	strbuf_release(&dir);
	if (ctx->json)
		out_json(all);
	else
		json_decref(all);
	return 0;
}

/* ---- stop -------------------------------------------------------------- */

/* How long a stopped watcher has to exit before SIGKILL, and then to go. */
#define STOP_GRACE_MS 5000
#define STOP_KILL_MS 1000

static int deploy_stop_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct strbuf dir = STRBUF_INIT;
	struct proc_owner w;
	const char *how = "SIGTERM";
	long long waited;
	char hex[41];
	int r;

	if (argc != 1)
		return cmd_usage_error(argc ? "unexpected argument '%s'" :
				       "which commit?%s", argc ? argv[1] : "");
	if ((r = commit_dir(ctx, argv[0], hex, &dir)) < 0)
		goto out;
	if (watcher_read(dir.buf, &w) < 0 || !proc_owner_alive(&w)) {
		r = error_set(BOSUN_ENOTFOUND, "no watcher is running for %.12s", hex);
		goto out;
	}
	/* The watcher records verdict canceled and exits; wait until it has,
	 * so that what follows reads its last word. */
	r = proc_owner_stop(&w, STOP_GRACE_MS, STOP_KILL_MS, &waited);
	if (r < 0) {
		r = error_set(BOSUN_EBUSY, "the watcher of %.12s (pid %d) still runs "
			      "%d s after SIGTERM and SIGKILL", hex, (int)w.pid,
			      (STOP_GRACE_MS + STOP_KILL_MS) / 1000);
		goto out;
	}
	if (r == 1)
		how = "SIGKILL";
	if (ctx->json)
		out_json(json_pack("{s:s, s:i, s:b, s:s, s:I}", "commit", hex, "pid",
				   (int)w.pid, "stopped", 1, "signal", how,
				   "waited_ms", (json_int_t)waited));
	else if (!ctx->quiet && !strcmp(how, "SIGTERM"))
		printf("stopped the watcher of %.12s (pid %d): it exited %lld ms "
		       "after SIGTERM\n", hex, (int)w.pid, waited);
	else if (!ctx->quiet)
		printf("stopped the watcher of %.12s (pid %d): it did not exit within "
		       "%d s of SIGTERM, so it was killed (SIGKILL); it left no verdict\n",
		       hex, (int)w.pid, STOP_GRACE_MS / 1000);
	r = 0;
out:
	strbuf_release(&dir);
	return r;
}

/* ---- clean ------------------------------------------------------------- */

static const struct option clean_opts[] = {
	OPT_INT(0, "days", &cli.days, "N", "remove watches last updated N days ago or more (default 7)"),
	OPT_END(),
};

/* What to do with one commit's directory: 2 remove it, 1 remove its stale
 * PID file, 0 leave it. */
static int clean_action(const char *dir, int days)
{
	json_t *st;
	const char *watcher;
	long long t;
	int act = 0;

	if (dstatus_load(&st, dir) < 0) {
		struct proc_owner w;

		error_clear();
		/* No readable status: a directory whose watcher died at once. */
		act = watcher_read(dir, &w) == 0 && proc_owner_alive(&w) ? 0 : 2;
		error_clear();
		return act;
	}
	watcher = json_string_value(json_object_get(st, "watcher"));
	t = deploy_parse_timestamp(json_string_value(json_object_get(st, "updated")));
	if (strcmp(watcher, "running") &&
	    (t < 0 || time_wall_ms() - t >= (long long)days * 86400000LL))
		act = 2;
	else if (!strcmp(watcher, "stale"))
		act = 1;
	json_decref(st);
	return act;
}

static int deploy_clean_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int days = cli.days, r = 0;
	struct strbuf dir = STRBUF_INIT, pidf = STRBUF_INIT;
	json_t *removed, *stale;
	struct repo *repo;
	char **list = NULL;
	size_t nr = 0, i;

	removed = json_array();
	stale = json_array();
	if (argc)
		r = cmd_usage_error("unexpected argument '%s'", argv[0]);
	else if (days < 0)
		r = error_set(BOSUN_EUSAGE, "--days: must be 0 or more");
	else
		r = ctx_repo(ctx, &repo);
	if (r < 0)
		goto out;
	deploy_list_commits(&list, &nr, repo->common_dir);
	for (i = 0; i < nr && r >= 0; i++) {
		int act;

		deploy_dir(&dir, repo->common_dir, list[i]);
		act = clean_action(dir.buf, days);
		if (act == 2 && (r = fs_remove_tree(dir.buf)) >= 0)
			json_array_append_new(removed, json_string(list[i]));
		if (act == 1) {
			strbuf_reset(&pidf);
			strbuf_addf(&pidf, "%s/watch.pid", dir.buf);
			if ((r = fs_unlink(pidf.buf)) >= 0)
				json_array_append_new(stale, json_string(list[i]));
		}
	}
	if (r < 0)
		goto out;
	if (ctx->json)
		out_json(json_pack("{s:O, s:O}", "removed", removed, "stale", stale));
	else if (!ctx->quiet)
		printf("removed %zu watches, cleaned %zu stale watchers\n",
		       json_array_size(removed), json_array_size(stale));
out:
	deploy_list_free(list, nr);
	json_decref(removed);
	json_decref(stale);
	strbuf_release(&dir);
	strbuf_release(&pidf);
	return r;
}

/* ---- logs -------------------------------------------------------------- */

static const struct option logs_opts[] = {
	OPT_BOOL('f', "follow", &cli.follow, "keep printing while the watcher runs"),
	OPT_END(),
};

/* Print the log from *off on; returns 0 or a negative kind. */
static int print_from(const char *path, off_t *off)
{
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : error_errno(BOSUN_EIO, "cannot read '%s'", path);
	if (lseek(fd, *off, SEEK_SET) < 0) {
		close(fd);
		return error_errno(BOSUN_EIO, "cannot read '%s'", path);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		*off += n;
	}
	fflush(stdout);
	close(fd);
	return 0;
}

static int still_running(const char *dir)
{
	json_t *st;
	int running;

	if (dstatus_load(&st, dir) < 0) {
		error_clear();
		return 0;
	}
	running = status_code(st) == 2;
	json_decref(st);
	return running;
}

static int deploy_logs_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int follow = cli.follow, r;
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
	off_t off = 0;
	char hex[41];

	if (argc != 1)
		return cmd_usage_error(argc ? "unexpected argument '%s'" :
				       "which commit?%s", argc ? argv[1] : "");
	if ((r = commit_dir(ctx, argv[0], hex, &dir)) < 0)
		goto out;
	strbuf_addf(&path, "%s/watch.log", dir.buf);
	if (!fs_exists(path.buf) && !fs_is_dir(dir.buf)) {
		r = error_set(BOSUN_ENOTFOUND, "nothing known about the deployment of %.12s", hex);
		goto out;
	}
	do {
		int running = follow && still_running(dir.buf);

		if ((r = print_from(path.buf, &off)) < 0 || !running)
			break;
		time_sleep_ms(100);
	} while (1);
out:
	strbuf_release(&dir);
	strbuf_release(&path);
	return r;
}

static const struct sub_entry deploy_subs[] = {
	{ .name = "watch", .summary = "watch a commit's deployment until a verdict",
	  .usage = "[REV] [--detach] [--await REMOTE:BRANCH [--push-pid PID:START]] [--timeout DURATION] "
		   "[--probe NAME]... [--version V]",
	  .help = "Watch the deployment of REV (default HEAD) until a verdict: success,\n"
		  "failed, timeout or canceled. One watcher per commit.",
	  .opts = watch_opts, .flags = CMD_NEEDS_REPO | CMD_NEEDS_STORE,
	  .fn = deploy_watch_cmd },
	/* Agents poll it: reads the status file, no libgit2, no store. */
	{ .name = "status", .summary = "what is known about a commit's deployment",
	  .usage = "[REV] [--wait] [--timeout DURATION]",
	  .help = "What is known about REV's deployment (default HEAD). Exit 0 success,\n"
		  "1 failed or timed out, 2 in progress, 3 nothing known.",
	  .opts = status_opts, .flags = CMD_NEEDS_REPO | CMD_HOT_PATH,
	  .fn = deploy_status_cmd },
	{ .name = "list", .summary = "every watched commit",
	  .help = "Every watched commit: commit, state, verdict, watcher (running, stale\n"
		  "or done), PID and age.",
	  .flags = CMD_NEEDS_REPO, .fn = deploy_list_cmd },
	{ .name = "stop", .summary = "stop a commit's watcher",
	  .usage = "REV",
	  .help = "Stop REV's watcher (verdict canceled). Exit 3 when none is running.",
	  .flags = CMD_NEEDS_REPO, .fn = deploy_stop_cmd },
	{ .name = "clean", .summary = "remove old watches and stale watchers' files",
	  .usage = "[--days N]",
	  .help = "Remove old finished watches and stale watchers' files; running\n"
		  "watchers are left alone.",
	  .opts = clean_opts, .flags = CMD_NEEDS_REPO, .fn = deploy_clean_cmd },
	{ .name = "logs", .summary = "print a commit's watch log",
	  .usage = "REV [--follow]",
	  .help = "Print REV's watch log.",
	  .opts = logs_opts, .flags = CMD_NEEDS_REPO, .fn = deploy_logs_cmd },
	{ NULL },
};

const struct cmd_entry cmd_deploy = {
	.name = "deploy",
	.summary = "watch deployments after a push; status every agent can read",
	.subs = deploy_subs,
};
