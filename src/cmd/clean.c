/*
 * clean.c - `bosun clean`: remove what bosun made and no longer needs (the
 * cache, old rotated logs, stale temporary files, finished watchers'
 * status, attic snapshots and backups past their retention), or with
 * --dry-run say what would go (lib/clean, docs/clean.md).
 */
#include "cmd/common.h"
#include "cmd/progress.h"

#include "bosun-config.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/pidfile.h"
#include "core/time.h"
#include "lib/clean/clean.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/store/store.h"
#ifdef BOSUN_HAVE_LOGS
#include "lib/logs/logs.h"
#endif
#ifdef BOSUN_HAVE_BACKUP
#include "lib/backup/backup.h"
#endif
#ifdef BOSUN_HAVE_DEPLOY
#include "lib/deploy/status.h"
#endif
#ifdef BOSUN_HAVE_WORK
#include "lib/work/work.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A second clean waits this long for the first to finish. */
#define CLEAN_WAIT_MS 30000

static struct {
	int dry_run;
	const char *older, *budget;
} ca;

static const struct option clean_opts[] = {
	OPT_DRY_RUN(&ca.dry_run),
	OPT_STRING(0, "older", &ca.older, "DAYS",
		   "cache files and entries, status and snapshots older than DAYS go (clean.older_days)"),
	OPT_STRING(0, "budget", &ca.budget, "SIZE",
		   "then remove the oldest until bosun uses at most SIZE (500M, 2G)"),
	OPT_END(),
};

static int parse_days(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s < '0' || *s > '9' || (v = strtoll(s, &end, 10)) < 0 || *end ||
	    v > 36500)
		return error_set(BOSUN_EUSAGE, "--older needs a number of days, not '%s'", s);
	*out = v;
	return 0;
}

struct where {
	struct strbuf cache, logs, state, backups, deploy;
	const char *common_dir;
};

static void where_release(struct where *w)
{
	strbuf_release(&w->cache);
	strbuf_release(&w->logs);
	strbuf_release(&w->state);
	strbuf_release(&w->backups);
	strbuf_release(&w->deploy);
}

static void find_places(struct bosun_ctx *ctx, const struct config *cfg,
			struct where *w)
{
	struct repo *repo = NULL;

	fs_user_dir(&w->cache, "cache");
	log_dir(&w->logs);
	fs_user_dir(&w->state, "state");
	if (ctx_repo(ctx, &repo) < 0) {
		error_clear();
		return;
	}
	w->common_dir = repo->common_dir;
#ifdef BOSUN_HAVE_DEPLOY
	deploy_root(&w->deploy, repo->common_dir);
#endif
#ifdef BOSUN_HAVE_BACKUP
	{
		const char *v = config_str(cfg, "backup.dir");

		/* As bosun backup reads backup.dir (docs/backup.md). */
		if (v && *v && *v != '/' && repo->workdir)
			fs_path_join(&w->backups, repo->workdir, v);
		else if (v && *v)
			strbuf_addstr(&w->backups, v);
		else
			backup_default_dir(&w->backups, repo->workdir, repo->common_dir);
	}
#endif
	(void)cfg;
}

static void make_plan(const struct config *cfg, const struct where *w,
		      long long older, struct clean_plan *p)
{
	long long now = time_wall_ms() / 1000, cut = now - older * 86400;
	struct strbuf bosun_dir = STRBUF_INIT;

	clean_old_files(p, "cache", w->cache.buf, cut);
	clean_rotated_logs(p, w->logs.buf, "bosun.log",
			   (int)config_int(cfg, "clean.logs_keep"));
	if (w->deploy.len)
		clean_watchers(p, w->deploy.buf, cut);
#ifdef BOSUN_HAVE_BACKUP
	if (w->backups.len)
		clean_backups(p, w->backups.buf, config_int(cfg, "backup.keep"),
			      config_int(cfg, "backup.keep_days"), now);
#endif
	clean_stale_temps(p, w->cache.buf, 2);
	clean_stale_temps(p, w->state.buf, 4);
	if (w->backups.len)
		clean_stale_temps(p, w->backups.buf, 1);
	if (w->common_dir) {
		fs_path_join(&bosun_dir, w->common_dir, "bosun");
		clean_stale_temps(p, bosun_dir.buf, 4);
	}
	strbuf_release(&bosun_dir);
}

/* ------------------------------------------------------------ the store's cache */

struct gone_ctx {
	struct store *st;
	const char *common_dir;
};

/* Whose entries these are is the domains' knowledge: each says which of
 * its own are for something gone. */
static int cache_gone(const struct store_cache_entry *v, size_t nr, char **why,
		      void *data)
{
	struct gone_ctx *g = data;
	int r = 0;

#ifdef BOSUN_HAVE_LOGS
	{
		struct strbuf sb = STRBUF_INIT;
		size_t i;

		for (i = 0; i < nr; i++, strbuf_reset(&sb))
			if (logs_state_gone(v[i].key, &sb))
				why[i] = strbuf_detach(&sb, NULL);
		strbuf_release(&sb);
	}
#endif
#ifdef BOSUN_HAVE_WORK
	r = work_cache_gone(g->st, g->common_dir, v, nr, why);
#endif
	(void)g;
	return r;
}

/* The store's cache entries (store.h): those for gone things, or older
 * than --older. A repository without a store keeps having none, and a dry
 * run opens it read-only. */
static int store_cache(const struct config *cfg, const struct where *w,
		       long long older, int dry_run, struct store **st,
		       struct clean_plan *p)
{
	const char *url = config_str(cfg, "store.url");
	struct gone_ctx g = { NULL, w->common_dir };
	int r;

	if (!w->common_dir)
		return 0;
	if ((r = store_open(st, url, w->common_dir,
			    STORE_OPEN_READ | STORE_OPEN_NO_MIGRATE)) < 0)
		return r;
	if (store_schema_version(*st) <= 0 || !dry_run) {
		int absent = store_schema_version(*st) <= 0;

		store_close(*st);
		*st = NULL;
		if (absent)
			return 0;
		if ((r = store_open(st, url, w->common_dir, 0)) < 0)
			return r;
	}
	g.st = *st;
	return clean_store_cache(p, *st, time_wall_ms() / 1000 - older * 86400,
				 cache_gone, &g);
}

/* ------------------------------------------------------------ the attic */

#ifdef BOSUN_HAVE_WORK
/* Attic snapshots older than --older, or work.attic_days. */
static int attic(struct bosun_ctx *ctx, const struct config *cfg, int dry_run,
		 const char *older, long long older_days, json_t *items)
{
	struct work_config wc;
	struct work_where w = { 0 };
	struct work_removal *out = NULL;
	struct repo *repo;
	size_t nr = 0, i;
	int r;

	if (ctx_repo(ctx, &repo) < 0 || !repo->workdir) {
		error_clear();
		return 0;
	}
	work_config_read(&wc, cfg);
	if (older)
		wc.attic_days = older_days;
	if ((r = work_where_init(&w, repo->workdir, repo->common_dir, &wc)) < 0)
		goto out;
	r = work_attic_expire(&w, &wc, !dry_run, &out, &nr);
	for (i = 0; i < nr; i++)
		json_array_append_new(items, json_pack("{s:s, s:s, s:I, s:s, s:b, s:n, s:n}",
			"kind", "attic", "path", out[i].attic, "bytes", (json_int_t)0,
			"why", out[i].why, "removed", r >= 0 && !dry_run, "kept", "error"));
	work_removal_free(out, nr);
out:
	work_where_release(&w);
	return r;
}
#endif

/* ------------------------------------------------------------ output */

static json_t *item_json(const struct clean_item *it, int dry_run)
{
	return json_pack("{s:s, s:s, s:I, s:s?, s:b, s:s?, s:s?}",
			 "kind", it->kind, "path", it->path, "bytes", (json_int_t)it->bytes,
			 "why", it->kept ? NULL : it->why, "removed", it->removed,
			 "kept", it->kept, "error", it->error);
}

static void human(struct strbuf *sb, long long n)
{
	if (n >= 1LL << 30)
		strbuf_addf(sb, "%.1f GB", (double)n / (1 << 30));
	else if (n >= 1 << 20)
		strbuf_addf(sb, "%.1f MB", (double)n / (1 << 20));
	else if (n >= 1 << 10)
		strbuf_addf(sb, "%.1f KB", (double)n / (1 << 10));
	else
		strbuf_addf(sb, "%lld B", n);
}

static void print_text(struct bosun_ctx *ctx, json_t *doc, int dry_run)
{
	json_t *it;
	size_t i, n = 0;
	long long bytes = 0;

	json_array_foreach(json_object_get(doc, "items"), i, it) {
		struct strbuf sb = STRBUF_INIT;
		const char *kept = json_string_value(json_object_get(it, "kept"));
		const char *err = json_string_value(json_object_get(it, "error"));
		long long b = json_integer_value(json_object_get(it, "bytes"));

		if (kept) {
			if (ctx->verbose)
				strbuf_addf(&sb, "kept          %-8s %s (%s)\n",
					    json_string_value(json_object_get(it, "kind")),
					    json_string_value(json_object_get(it, "path")), kept);
		} else {
			strbuf_addstr(&sb, err ? "failed        " : dry_run ? "would remove  " :
				      "removed       ");
			strbuf_addf(&sb, "%-8s ", json_string_value(json_object_get(it, "kind")));
			human(&sb, b);
			strbuf_addf(&sb, "  %s (%s)\n", json_string_value(json_object_get(it, "path")),
				    err ? err : json_string_value(json_object_get(it, "why")));
			if (!err) {
				n++;
				bytes += b;
			}
		}
		out_write(sb.buf, sb.len);
		strbuf_release(&sb);
	}
	if (!ctx->quiet) {
		struct strbuf sb = STRBUF_INIT;

		human(&sb, bytes);
		printf("%s %zu item%s, %s\n", dry_run ? "would remove" : "removed", n,
		       n == 1 ? "" : "s", sb.buf);
		if (json_object_get(doc, "over_budget") && json_is_true(json_object_get(doc, "over_budget")))
			print_warning(ctx, "still over the budget: what is left is held by running processes or never removed");
		strbuf_release(&sb);
	}
}

/* ------------------------------------------------------------ the command */

static int clean_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct clean_plan plan = CLEAN_PLAN_INIT;
	struct where w = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, NULL };
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf lock_path = STRBUF_INIT;
	struct meter counts = METER_INIT;
	struct progress *prog = NULL;
	struct config *cfg;
	struct store *st = NULL;
	long long older, budget = -1, stays = 0, removed = 0;
	const char *budget_s;
	json_t *doc = NULL, *items;
	size_t i;
	int r, failed = 0;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = ctx_config(ctx, &cfg)) < 0)
		return r;
	older = config_int(cfg, "clean.older_days");
	if (ca.older && (r = parse_days(ca.older, &older)) < 0)
		return r;
	budget_s = ca.budget ? ca.budget : config_str(cfg, "clean.budget");
	if (budget_s && *budget_s && (r = clean_parse_size(budget_s, &budget)) < 0)
		return r;
	find_places(ctx, cfg, &w);
	plan.progress = &counts;
	prog = progress_start(ctx, "cleaning", &counts, "item");
	/* One clean at a time per user: a second waits for the first, and a
	 * killed one's lock is taken over (pidfile.h's owner lock). */
	if (!ca.dry_run) {
		if ((r = fs_mkdir_p(w.state.buf)) < 0)
			goto out;
		fs_path_join(&lock_path, w.state.buf, "clean");
		if ((r = owner_lock_acquire(&lk, lock_path.buf, CLEAN_WAIT_MS)) < 0)
			goto out;
	}
	make_plan(cfg, &w, older, &plan);
	if (store_cache(cfg, &w, older, ca.dry_run, &st, &plan) < 0) {
		print_warning(ctx, "the store's cache: %s", error_message());
		log_event(LOG_DEGRADED, "clean", "the store's cache was left alone: %s",
			  error_message());
		error_clear();
		failed = 1;
	}
	if (budget >= 0)
		stays = clean_budget(&plan, budget);
	if (clean_run(&plan, ca.dry_run) < 0) {
		failed = 1;
		error_clear();
	}
	progress_stop(prog);
	prog = NULL;
	doc = json_object();
	items = json_array();
	json_object_set_new(doc, "dry_run", json_boolean(ca.dry_run));
	json_object_set_new(doc, "items", items);
	for (i = 0; i < plan.nr; i++) {
		if (!plan.v[i].planned && !plan.v[i].kept)
			continue;
		json_array_append_new(items, item_json(&plan.v[i], ca.dry_run));
		if (plan.v[i].removed || (ca.dry_run && plan.v[i].planned && !plan.v[i].kept))
			removed += plan.v[i].bytes;
	}
#ifdef BOSUN_HAVE_WORK
	if (attic(ctx, cfg, ca.dry_run, ca.older, older, items) < 0) {
		print_warning(ctx, "attic snapshots: %s", error_message());
		error_clear();
		failed = 1;
	}
#endif
	json_object_set_new(doc, "bytes", json_integer(removed));
	json_object_set_new(doc, "budget", budget >= 0 ? json_integer(budget) : json_null());
	json_object_set_new(doc, "over_budget", json_boolean(budget >= 0 && stays > budget));
	if (!ca.dry_run)
		log_event(LOG_INFO, "clean", "removed %lld bytes", removed);
	if (ctx->json) {
		out_json(doc);
		doc = NULL;
	} else {
		print_text(ctx, doc, ca.dry_run);
	}
	r = failed ? BOSUN_EFAIL : 0;
out:
	progress_stop(prog);
	if (lk.fd >= 0 || lk.lock_path)
		lock_rollback(&lk);
	json_decref(doc);
	clean_plan_release(&plan);
	store_close(st);
	where_release(&w);
	strbuf_release(&lock_path);
	return r;
}

static const struct sub_entry clean_self = {
	.name = "clean", .summary = "remove what bosun made and no longer needs",
	.usage = "[--dry-run] [--older DAYS] [--budget SIZE]",
	.help = "Remove the cache files, rotated logs beyond clean.logs_keep, temporary\n"
		"files of killed processes, finished deployment watchers' status, attic\n"
		"snapshots and backups past their retention, the store's cache entries\n"
		"for gone files, commits and workstreams or older than --older, and say\n"
		"what and how much.\n"
		"Nothing a running process holds is removed. --dry-run lists the same.",
	.opts = clean_opts, .fn = clean_cmd,
};

const struct cmd_entry cmd_clean = {
	.name = "clean", .summary = "remove what bosun made and no longer needs",
	.self = &clean_self,
};
