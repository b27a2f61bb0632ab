/*
 * work.c - bosun work: parallel agent work in worktrees (docs/work.md).
 * The verbs parse their operands and print; lib/work does the work.
 */
#include "cmd/common.h"
#include "cmd/progress.h"

#include "core/error.h"
#include "core/fs.h"
#include "core/meter.h"
#include "core/sigchain.h"
#include "core/time.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/store/store.h"
#include "lib/work/work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A plan is a small file: anything bigger is a mistake. */
#define PLAN_CAP (1u << 20)

static int open_store(struct bosun_ctx *ctx, struct store **st)
{
	struct repo *repo;
	struct config *cfg;
	int r;

	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &cfg)) < 0)
		return r;
	return store_open(st, config_str(cfg, "store.url"), repo->common_dir, 0);
}

/* ------------------------------------------------------------ plan */

static struct { int check; } plan_args;

static const struct option plan_opts[] = {
	OPT_BOOL(0, "check", &plan_args.check, "check the plan, record nothing"),
	OPT_END(),
};

static void print_plan(const struct work_plan *p)
{
	size_t i, j;

	printf("plan '%s'%s%s%s: %zu workstream%s, base %s\n", p->task,
	       p->title ? " (" : "", p->title ? p->title : "", p->title ? ")" : "",
	       p->nr, p->nr == 1 ? "" : "s", p->base ? p->base : "the current branch");
	for (i = 0; i < p->nr; i++) {
		const struct work_stream *w = &p->ws[p->order[i]];
		printf("%zu. %s", i + 1, w->id);
		if (w->agent)
			printf(" [%s]", w->agent);
		for (j = 0; j < w->owns_nr; j++)
			printf("%s%s", j ? ", " : ": ", w->owns[j]);
		for (j = 0; j < w->depends_nr; j++)
			printf("%s%s", j ? ", " : " (after ", w->depends_on[j]);
		printf("%s\n", w->depends_nr ? ")" : "");
	}
}

static int plan_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct work_plan p = WORK_PLAN_INIT;
	struct strbuf text = STRBUF_INIT;
	struct store *st = NULL;
	const char *name;
	int r;

	if (argc != 1)
		return cmd_usage_error(argc ? "unexpected argument '%s'" :
				       "which plan? give a FILE or - for stdin",
				       argc ? argv[1] : "");
	name = strcmp(argv[0], "-") ? argv[0] : "<stdin>";
	if ((r = fs_read_file(&text, strcmp(argv[0], "-") ? argv[0] : "/dev/stdin",
			      PLAN_CAP)) < 0 ||
	    (r = work_plan_parse(&p, name, text.buf, text.len)) < 0)
		goto out;
	if (!plan_args.check && ((r = open_store(ctx, &st)) < 0 ||
				 (r = work_plan_record(st, &p)) < 0))
		goto out;
	if (ctx->json) {
		json_t *j = work_plan_json(&p);
		json_object_set_new(j, "recorded", json_boolean(!plan_args.check));
		out_json(j);
	} else if (!ctx->quiet) {
		print_plan(&p);
		if (!plan_args.check)
			printf("recorded; next: bosun work spawn %s\n", p.task);
	}
	r = 0;
out:
	store_close(st);
	work_plan_release(&p);
	strbuf_release(&text);
	return r;
}

/* ------------------------------------------------------------ spawn */

static struct { struct opt_list only; int restart; } spawn_args;

static const struct option spawn_opts[] = {
	OPT_LIST(0, "only", &spawn_args.only, "ID", "spawn only this workstream (repeatable)"),
	OPT_BOOL(0, "restart", &spawn_args.restart, "start again an agent that exited"),
	OPT_END(),
};

static int work_setup(struct bosun_ctx *ctx, struct store **st, struct work_where *w,
		      struct work_config *wc)
{
	struct repo *repo;
	struct config *cfg;
	int r;

	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &cfg)) < 0)
		return r;
	work_config_read(wc, cfg);
	if ((r = work_where_init(w, repo->workdir, repo->common_dir, wc)) < 0)
		return r;
	return open_store(ctx, st);
}

static json_t *strs_json(char *const *v, size_t nr)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < nr; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *spawned_json(const struct work_spawned *s)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o}",
			      "id", s->id, "dir", s->dir, "branch", s->branch,
			      "base", s->base, "created", s->created,
			      "repaired", s->repaired ? json_string(s->repaired) : json_null(),
			      "ports", s->port_lo ? json_pack("[i, i]", s->port_lo, s->port_hi)
						  : json_null(),
			      "copied", strs_json(s->copied, s->copied_nr),
			      "linked", strs_json(s->linked, s->linked_nr),
			      "error", s->error ? json_string(s->error) : json_null());

	if (s->agent && strcmp(s->agent, "none"))
		json_object_set_new(o, "agent", json_pack("{s:s, s:I, s:s?}", "state",
			s->agent, "pid", (json_int_t)s->agent_pid, "log", s->agent_log));
	else
		json_object_set_new(o, "agent", json_null());
	return o;
}

static void print_spawned(struct bosun_ctx *ctx, const struct work_spawned *s)
{
	size_t i;

	if (s->error) {
		fprintf(stderr, "bosun: %s: %s\n", s->id, s->error);
		return;
	}
	if (ctx->quiet)
		return;
	printf("%s%s%s: %s (%s)%s\n", c_bold(ctx), s->id, c_reset(ctx), s->dir, s->branch,
	       s->created ? "" : " already there");
	if (s->repaired)
		printf("  repaired: %s, left by an interrupted spawn\n", s->repaired);
	if (s->port_lo)
		printf("  ports %d-%d\n", s->port_lo, s->port_hi);
	for (i = 0; i < s->copied_nr; i++)
		printf("  copied %s\n", s->copied[i]);
	for (i = 0; i < s->linked_nr; i++)
		printf("  linked %s\n", s->linked[i]);
	if (s->agent && strcmp(s->agent, "none"))
		printf("  agent %s, pid %ld, log %s\n", s->agent, s->agent_pid,
		       s->agent_log ? s->agent_log : "-");
}

static int spawn_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct work_spawn_opts o = { 0 };
	struct strbuf self = STRBUF_INIT;
	struct config *cfg;
	struct work_where w = { 0 };
	struct work_config wc;
	struct work_spawned *res = NULL;
	struct meter counts = METER_INIT;
	struct progress *prog;
	struct store *st = NULL;
	const char **only = NULL;
	size_t nr = 0, i;
	int r;

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	o.task = argc ? argv[0] : NULL;
	o.restart = spawn_args.restart;
	only = calloc(spawn_args.only.nr + 1, sizeof(*only));
	for (i = 0; only && i < spawn_args.only.nr; i++)
		only[i] = spawn_args.only.items[i];
	o.only = only;
	if ((r = work_setup(ctx, &st, &w, &wc)) < 0 || (r = ctx_config(ctx, &cfg)) < 0)
		goto out;
	/* the merge driver in each worktree, as `hooks install` does */
	if (cmd_self_path(&self) == 0) {
		o.merge_command = self.buf;
		o.cfg = cfg;
	}
	error_clear();
	o.progress = &counts;
	prog = progress_start(ctx, "spawning", &counts, "worktree");
	r = work_spawn(st, &w, &wc, &o, &res, &nr);
	progress_stop(prog);
	if (r < 0 && !nr)
		goto out;
	if (ctx->json) {
		json_t *a = json_array();
		for (i = 0; i < nr; i++)
			json_array_append_new(a, spawned_json(&res[i]));
		out_json(json_pack("{s:o, s:b}", "workstreams", a, "ok", r >= 0));
	} else {
		for (i = 0; i < nr; i++)
			print_spawned(ctx, &res[i]);
	}
	if (r < 0)
		json_emitted = ctx->json;
out:
	work_spawned_free(res, nr);
	work_where_release(&w);
	store_close(st);
	strbuf_release(&self);
	free(only);
	return r;
}

/* ------------------------------------------------------------ clean, gc, restore */

static struct { struct opt_list only; int force; } clean_args;
static struct { int dry_run, apply; } gc_args;

static const struct option clean_opts[] = {
	OPT_LIST(0, "only", &clean_args.only, "ID", "clean only this workstream (repeatable)"),
	OPT_FORCE(&clean_args.force, "clean even while the agent runs"),
	OPT_END(),
};

static const struct option gc_opts[] = {
	OPT_DRY_RUN(&gc_args.dry_run),
	OPT_BOOL(0, "apply", &gc_args.apply, "do what it says (snapshots first)"),
	OPT_END(),
};

static json_t *removal_json(const struct work_removal *m)
{
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "id", m->id, "dir", m->dir,
			 "why", m->why, "action", m->action, "attic", m->attic,
			 "error", m->error);
}

static void print_removals(struct bosun_ctx *ctx, const struct work_removal *v, size_t nr,
			   int r, int dry)
{
	size_t i;

	if (ctx->json) {
		json_t *a = json_array();
		for (i = 0; i < nr; i++)
			json_array_append_new(a, removal_json(&v[i]));
		out_json(json_pack("{s:o, s:b, s:b}", "items", a, "applied", !dry, "ok", r >= 0));
		json_emitted = 1;
		return;
	}
	for (i = 0; i < nr; i++) {
		if (v[i].error) {
			fprintf(stderr, "bosun: %s: refused: %s\n", v[i].id, v[i].error);
			continue;
		}
		if (ctx->quiet)
			continue;
		printf("%s%s%s", c_bold(ctx), v[i].id, c_reset(ctx));
		if (v[i].dir && strcmp(v[i].dir, v[i].id))
			printf(" (%s)", v[i].dir);
		printf(": %s%s\n", dry ? "would " : "", v[i].action ? v[i].action : "");
		if (v[i].why)
			printf("  why: %s\n", v[i].why);
		if (v[i].attic)
			printf("  snapshot: %s\n", v[i].attic);
	}
	if (!nr && !ctx->quiet)
		printf("nothing to do\n");
}

static int clean_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct work_spawn_opts o = { 0 };
	struct work_where w = { 0 };
	struct work_config wc;
	struct work_removal *res = NULL;
	struct store *st = NULL;
	const char **only;
	size_t nr = 0, i;
	int r;

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	o.task = argc ? argv[0] : NULL;
	only = calloc(clean_args.only.nr + 1, sizeof(*only));
	for (i = 0; only && i < clean_args.only.nr; i++)
		only[i] = clean_args.only.items[i];
	o.only = only;
	if ((r = work_setup(ctx, &st, &w, &wc)) == 0 || nr) {
		r = work_clean(st, &w, &wc, &o, clean_args.force, &res, &nr);
		if (r >= 0 || nr)
			print_removals(ctx, res, nr, r, 0);
		if (!ctx->json)
			json_emitted = 0;
	}
	work_removal_free(res, nr);
	work_where_release(&w);
	store_close(st);
	free(only);
	return r;
}

static int gc_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct work_where w = { 0 };
	struct work_config wc;
	struct work_removal *res = NULL;
	struct store *st = NULL;
	size_t nr = 0;
	int r, apply = gc_args.apply && !gc_args.dry_run;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = work_setup(ctx, &st, &w, &wc)) == 0) {
		r = work_gc(st, &w, &wc, apply, &res, &nr);
		if (r >= 0 || nr)
			print_removals(ctx, res, nr, r, !apply);
		if (!ctx->json)
			json_emitted = 0;
		if (r >= 0 && !apply && nr && !ctx->json && !ctx->quiet)
			printf("(a dry run: --apply does it)\n");
	}
	work_removal_free(res, nr);
	work_where_release(&w);
	store_close(st);
	return r;
}

static int restore_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct work_where w = { 0 };
	struct work_config wc;
	struct work_removal res = { 0 };
	struct store *st = NULL;
	int r;

	if (argc < 1 || argc > 2)
		return cmd_usage_error(argc ? "unexpected argument '%s'" :
				       "which workstream? give TASK/ID", argc ? argv[2] : "");
	if ((r = work_setup(ctx, &st, &w, &wc)) == 0 &&
	    (r = work_restore(st, &w, argv[0], argc > 1 ? argv[1] : NULL, &res)) == 0) {
		if (ctx->json)
			out_json(removal_json(&res));
		else if (!ctx->quiet)
			printf("%s: restored %s from %s\n", res.id, res.dir, res.attic);
	}
	free(res.id);
	free(res.dir);
	free(res.attic);
	free(res.action);
	work_where_release(&w);
	store_close(st);
	return r;
}

/* ------------------------------------------------------------ status, heartbeat */

static struct { int conflicts, watch, no_predict; } status_args;
static struct { const char *id, *state, *note; } hb_args;

static const struct option status_opts[] = {
	OPT_BOOL(0, "conflicts", &status_args.conflicts,
		 "show only the predicted conflicts"),
	OPT_BOOL(0, "no-conflicts", &status_args.no_predict,
		 "do not predict conflicts (faster when branches moved)"),
	OPT_BOOL(0, "watch", &status_args.watch,
		 "redraw every work.watch_interval until Ctrl-C"),
	OPT_END(),
};

static const struct option heartbeat_opts[] = {
	OPT_STRING(0, "id", &hb_args.id, "TASK/ID", "the workstream (default: this worktree's)"),
	OPT_STRING(0, "state", &hb_args.state, "STATE", "active (default), waiting, done or failed"),
	OPT_STRING(0, "note", &hb_args.note, "TEXT", "a short note shown by work status"),
	OPT_END(),
};

static const char *const outcome_names[] = { "done", "in progress", "failed" };
static const int outcome_exit[] = { 0, 2, 1 };

static json_t *null_or(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *paths_json(const struct strbuf *sb)
{
	json_t *a = json_array();
	size_t pos;

	for (pos = 0; pos < sb->len; pos += strlen(sb->buf + pos) + 1)
		json_array_append_new(a, json_string(sb->buf + pos));
	return a;
}

static json_t *conflicts_json(const struct work_status_report *r)
{
	json_t *a;
	size_t i;

	if (!r->predicted)
		return json_null();
	a = json_array();
	for (i = 0; i < r->conf_nr; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:o}", "a", r->conf[i].a,
			"b", null_or(r->conf[i].b), "files", paths_json(&r->conf[i].files)));
	return a;
}

static json_t *status_json(const struct work_status_report *r)
{
	json_t *a = json_array();
	size_t i, n[3] = { 0, 0, 0 };

	for (i = 0; i < r->nr; i++) {
		const struct work_status *s = &r->ws[i];
		json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o}",
			"id", s->id, "state", s->state, "dir", null_or(s->dir),
			"branch", null_or(s->branch), "present", s->present,
			"head", null_or(s->head),
			"ahead", s->ahead >= 0 ? json_integer(s->ahead) : json_null(),
			"behind", s->behind >= 0 ? json_integer(s->behind) : json_null(),
			"dirty", json_integer(s->dirty),
			"last_commit", s->head ? json_pack("{s:I, s:o}", "time",
				(json_int_t)s->commit_s, "subject", null_or(s->subject)) :
				json_null());
		json_object_set_new(o, "checklist", json_pack("{s:i, s:i}", "done", s->done,
							      "total", s->total));
		json_object_set_new(o, "outside_ownership", paths_json(&s->foreign));
		json_object_set_new(o, "agent", json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}",
			"state", work_agent_state_name(s->agent), "how", s->how ? s->how : "",
			"pid", s->pid ? json_integer(s->pid) : json_null(),
			"reported", null_or(s->reported), "note", null_or(s->note),
			"seen", s->seen_ms ? json_integer(s->seen_ms) : json_null()));
		json_object_set_new(o, "outcome", json_string(outcome_names[s->outcome]));
		json_object_set_new(o, "error", null_or(s->error));
		json_array_append_new(a, o);
		n[s->outcome]++;
	}
	return json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:{s:I, s:I}, "
			 "s:{s:I, s:I, s:I}, s:s, s:i}",
			 "version", 1, "task", r->task, "base", r->base, "tip", null_or(r->tip),
			 "integration", null_or(r->integration),
			 "workstreams", a, "conflicts", conflicts_json(r),
			 "prediction", "pairs", (json_int_t)r->pairs, "merges_run",
			 (json_int_t)r->merge_trees,
			 "summary", "done", (json_int_t)n[WORK_DONE], "in_progress",
			 (json_int_t)n[WORK_RUNNING], "failed", (json_int_t)n[WORK_FAILED],
			 "outcome", outcome_names[r->outcome], "exit", outcome_exit[r->outcome]);
}

static void print_age(long long s)
{
	if (s < 120)
		printf("%llds", s < 0 ? 0 : s);
	else if (s < 7200)
		printf("%lldm", s / 60);
	else if (s < 172800)
		printf("%lldh", s / 3600);
	else
		printf("%lldd", s / 86400);
}

static void print_paths(const char *lead, const struct strbuf *sb, size_t nr)
{
	size_t pos, k = 0;

	printf("%s", lead);
	for (pos = 0; pos < sb->len && k < 5; pos += strlen(sb->buf + pos) + 1, k++)
		printf("%s%s", k ? ", " : "", sb->buf + pos);
	if (nr > k)
		printf(" and %zu more", nr - k);
	printf("\n");
}

static void print_conflicts(struct bosun_ctx *ctx, const struct work_status_report *r)
{
	size_t i;

	if (!r->predicted)
		return;
	if (!r->conf_nr) {
		printf("no conflicts predicted (%zu merges looked at)\n", r->pairs);
		return;
	}
	printf("%sconflicts predicted%s:\n", c_bold(ctx), c_reset(ctx));
	for (i = 0; i < r->conf_nr; i++) {
		struct strbuf lead = STRBUF_INIT;
		if (r->conf[i].b)
			strbuf_addf(&lead, "  %s with %s: ", r->conf[i].a, r->conf[i].b);
		else if (r->integration)
			strbuf_addf(&lead, "  %s with work/%s/integration: ", r->conf[i].a,
				    r->task);
		else
			strbuf_addf(&lead, "  %s with %s: ", r->conf[i].a, r->base);
		print_paths(lead.buf, &r->conf[i].files, r->conf[i].nr);
		strbuf_release(&lead);
	}
}

static void print_status(struct bosun_ctx *ctx, const struct work_status_report *r)
{
	long long now = time_wall_ms() / 1000;
	size_t i, n[3] = { 0, 0, 0 };

	printf("task %s, base %s (%.12s)\n", r->task, r->base, r->tip ? r->tip : "unknown");
	for (i = 0; i < r->nr; i++) {
		const struct work_status *s = &r->ws[i];
		const char *col = s->agent == WORK_AGENT_ACTIVE ? c_green(ctx) :
				  s->agent == WORK_AGENT_DEAD ? c_red(ctx) :
				  s->agent == WORK_AGENT_UNKNOWN ? c_dim(ctx) : c_yellow(ctx);
		n[s->outcome]++;
		printf("%s%s%s  %s%s%s  %s", c_bold(ctx), s->id, c_reset(ctx), col,
		       work_agent_state_name(s->agent), c_reset(ctx), s->state);
		if (s->branch)
			printf("  %s", s->branch);
		if (s->ahead >= 0)
			printf(" +%ld -%ld", s->ahead, s->behind);
		if (s->present)
			printf("  %s", s->dirty ? "dirty" : "clean");
		if (s->dirty)
			printf(" (%ld)", s->dirty);
		if (s->total)
			printf("  checklist %d/%d", s->done, s->total);
		printf("  %s\n", outcome_names[s->outcome]);
		if (s->head) {
			printf("  last commit %.12s, ", s->head);
			print_age(now - s->commit_s);
			printf(" ago: ");
			fflush(stdout);
			out_write(s->subject ? s->subject : "", s->subject ? strlen(s->subject) : 0);
			printf("\n");
		}
		printf("  agent: %s", s->how ? s->how : "");
		if (s->reported)
			printf("; reported %s", s->reported);
		if (s->note) {
			printf(" (");
			fflush(stdout);
			out_write(s->note, strlen(s->note));
			printf(")");
		}
		printf("\n");
		if (s->foreign_nr) {
			struct strbuf lead = STRBUF_INIT;
			strbuf_addf(&lead, "  %swarning%s: %zu file%s outside its ownership: ",
				    c_yellow(ctx), c_reset(ctx), s->foreign_nr,
				    s->foreign_nr == 1 ? "" : "s");
			print_paths(lead.buf, &s->foreign, s->foreign_nr);
			strbuf_release(&lead);
		}
		if (s->error)
			printf("  %serror%s: %s\n", c_red(ctx), c_reset(ctx), s->error);
	}
	print_conflicts(ctx, r);
	printf("%zu done, %zu in progress, %zu failed\n", n[WORK_DONE], n[WORK_RUNNING],
	       n[WORK_FAILED]);
	fflush(stdout);
}

static volatile sig_atomic_t watch_stop;

static void on_watch_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static int status_once(struct bosun_ctx *ctx, struct store *st, const struct work_where *w,
		       const struct work_config *wc, const char *task, int clear)
{
	struct work_status_report rep;
	int r = work_status(st, w, wc, task, status_args.conflicts ? WORK_PREDICT_ONLY :
			    !status_args.no_predict, &rep);

	if (r < 0)
		goto out;
	if (clear)
		printf("\033[H\033[2J");
	if (ctx->json) {
		json_t *j = status_json(&rep);
		if (status_args.conflicts) {
			json_t *c = json_pack("{s:i, s:s, s:O, s:O, s:O}", "version", 1, "task",
					      rep.task, "integration",
					      json_object_get(j, "integration"), "conflicts",
					      json_object_get(j, "conflicts"), "prediction",
					      json_object_get(j, "prediction"));
			json_decref(j);
			j = c;
		}
		out_json(j);
	} else if (status_args.conflicts) {
		print_conflicts(ctx, &rep);
	} else if (!ctx->quiet) {
		print_status(ctx, &rep);
	}
	r = status_args.conflicts ? (rep.conf_nr ? 1 : 0) : outcome_exit[rep.outcome];
out:
	work_status_release(&rep);
	return r;
}

static int status_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct work_where w = { 0 };
	struct work_config wc;
	struct store *st = NULL;
	const char *task;
	int r, tty = isatty(STDOUT_FILENO);

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	if (status_args.conflicts && status_args.no_predict)
		return cmd_usage_error("--conflicts and --no-conflicts do not go together");
	task = argc ? argv[0] : NULL;
	if ((r = work_setup(ctx, &st, &w, &wc)) < 0)
		goto out;
	if (!status_args.watch) {
		r = status_once(ctx, st, &w, &wc, task, 0);
		goto out;
	}
	watch_stop = 0;
	sigchain_push(SIGINT, on_watch_stop);
	sigchain_push(SIGTERM, on_watch_stop);
	while (!watch_stop) {
		long long next = time_mono_ms() + wc.watch_ms;
		r = status_once(ctx, st, &w, &wc, task, tty && !ctx->json);
		if (r < 0)
			break;
		if (!tty)
			fflush(stdout);
		time_sleep_until(next, &watch_stop);
	}
	sigchain_pop(SIGTERM);
	sigchain_pop(SIGINT);
out:
	work_where_release(&w);
	store_close(st);
	return r;
}

static int heartbeat_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct strbuf id = STRBUF_INIT;
	struct store *st = NULL;
	struct repo *repo;
	int r;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = ctx_repo(ctx, &repo)) < 0)
		goto out;
	if (hb_args.id)
		strbuf_addstr(&id, hb_args.id);
	else if ((r = work_here(repo->gitdir, repo->workdir ? repo->workdir : ".", &id)) < 0)
		goto out;
	if ((r = open_store(ctx, &st)) < 0 ||
	    (r = work_heartbeat(st, id.buf, hb_args.state, hb_args.note, (long)getppid())) < 0)
		goto out;
	if (ctx->json)
		out_json(json_pack("{s:s, s:s}", "id", id.buf, "state",
				   hb_args.state ? hb_args.state : "active"));
out:
	store_close(st);
	strbuf_release(&id);
	return r;
}

/* ------------------------------------------------------------ integrate */

static struct { int dry_run, batch; } integrate_args;

static const struct option integrate_opts[] = {
	OPT_OPTINT("batch", &integrate_args.batch, "N",
		   "merge up to N branches (default: all), then test once; bisect on red"),
	OPT_DRY_RUN(&integrate_args.dry_run),
	OPT_END(),
};

static json_t *integrated_json(const struct work_integrated *v)
{
	return json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}",
			 "id", v->id, "branch", v->branch, "commit", v->commit,
			 "result", v->result ? v->result : "skipped", "reason", v->reason,
			 "merge", v->merge, "output", v->output, "log", v->log,
			 "attic", v->attic);
}

static void print_integration(struct bosun_ctx *ctx, const struct work_integration *res,
			      int r, int dry)
{
	size_t i;

	if (ctx->json) {
		json_t *a = json_array();
		for (i = 0; i < res->nr; i++)
			json_array_append_new(a, integrated_json(&res->v[i]));
		out_json(json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:o, s:i, s:b, s:b}",
				   "task", res->task, "branch", res->branch, "dir", res->dir,
				   "base", res->base, "tip", res->tip,
				   "interrupted", res->interrupted, "workstreams", a,
				   "test_runs", res->test_runs, "dry_run", dry, "ok", r >= 0));
		json_emitted = 1;
		return;
	}
	if (res->interrupted)
		fprintf(stderr, "bosun: %s\n", res->interrupted);
	for (i = 0; i < res->nr; i++) {
		const struct work_integrated *v = &res->v[i];
		const char *what = v->result ? v->result : "skipped";
		int bad = !strcmp(what, "ejected") || !strcmp(what, "skipped") ||
			  !strcmp(what, "would conflict");
		if (ctx->quiet && !bad)
			continue;
		printf("%s%s%s: %s%s%s", c_bold(ctx), v->id, c_reset(ctx),
		       bad ? c_red(ctx) : c_green(ctx), what, c_reset(ctx));
		if (v->reason)
			printf(": %s", v->reason);
		printf("\n");
		if (v->attic)
			printf("  snapshot: %s\n", v->attic);
		if (v->log)
			printf("  output: %s\n", v->log);
		if (v->output && !ctx->quiet) {
			const char *p = v->output;
			while (*p) {
				size_t l = strcspn(p, "\n");
				printf("  | ");
				out_write(p, l);
				printf("\n");
				p += l + (p[l] == '\n');
			}
		}
	}
	if (!ctx->quiet && res->tip)
		printf("%s %.12s (%d test run%s)\n", res->branch, res->tip, res->test_runs,
		       res->test_runs == 1 ? "" : "s");
}

static int integrate_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct work_integrate_opts o = { 0 };
	struct work_integration res = { 0 };
	struct work_where w = { 0 };
	struct work_config wc;
	struct strbuf self = STRBUF_INIT;
	struct meter counts = METER_INIT;
	struct progress *prog;
	struct store *st = NULL;
	struct config *cfg;
	const json_t *test;
	int r;

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	if ((r = ctx_config(ctx, &cfg)) < 0 || (r = cmd_self_path(&self)) < 0 ||
	    (r = work_setup(ctx, &st, &w, &wc)) < 0)
		goto out;
	test = config_get(cfg, "work.test");
	o.task = argc ? argv[0] : NULL;
	/* not given: 1 (test after each merge); --batch alone: all (0) */
	o.batch = !integrate_args.batch ? 1 : integrate_args.batch < 0 ? 0 : integrate_args.batch;
	o.dry_run = integrate_args.dry_run;
	o.driver = self.buf;
	o.cfg = cfg;
	o.test = test && json_is_array(test) ? test : NULL;
	o.test_timeout_ms = config_int(cfg, "work.test_timeout");
	o.progress = &counts;
	prog = progress_start(ctx, "integrating", &counts, "branch");
	r = work_integrate(st, &w, &wc, &o, &res);
	progress_stop(prog);
	if (r >= 0 || r == -BOSUN_EFAIL)
		print_integration(ctx, &res, r, o.dry_run);
out:
	work_integration_release(&res);
	work_where_release(&w);
	store_close(st);
	strbuf_release(&self);
	return r;
}

/* ------------------------------------------------------------ table */

static const struct sub_entry work_subs[] = {
	{ .name = "plan", .summary = "check a plan of workstreams and record it",
	  .usage = "FILE|- [--check]",
	  .help = "Read a plan (YAML: task, title, base, workstreams with id, agent, owns,\n"
		  "test, checklist, context, contract, depends_on), check it and record it\n"
		  "in the store. A path owned by two workstreams, a cycle, an unknown\n"
		  "dependency or an unknown key is an error FILE:LINE:COL naming both\n"
		  "sides (exit 65), and nothing is recorded. Prints the merge order: the\n"
		  "topological order of depends_on, ties by id.",
	  .opts = plan_opts, .flags = CMD_NEEDS_REPO, .fn = plan_cmd },
	{ .name = "spawn", .summary = "make a worktree for each workstream and start its agent",
	  .usage = "[TASK] [--only ID]... [--restart]",
	  .help = "For each workstream of the plan (TASK may be left out when there is one\n"
		  "plan), make a worktree outside the repository (work.root, default\n"
		  "../<repo>.work/<task>/<id>) on branch work/<task>/<id> from the plan's\n"
		  "base, bring in ignored essentials (work.copy, work.link), hand out a\n"
		  "block of ports (work.ports), write .bosun/work.md, and start\n"
		  "work.agent_command detached. Running it again finishes what an\n"
		  "interrupted spawn left and changes nothing else.",
	  .opts = spawn_opts, .flags = CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE, .fn = spawn_cmd },
	{ .name = "clean", .summary = "snapshot each workstream's worktree, then remove it",
	  .usage = "[TASK] [--only ID]... [--force]",
	  .help = "Snapshot everything in each worktree (tracked, untracked, ignored files\n"
		  "that work.copy names) to refs/bosun/attic/<task>/<id>/<time>, then\n"
		  "remove the worktree and its branch. A workstream whose agent runs, or\n"
		  "whose snapshot fails, is refused and nothing of it is removed.",
	  .opts = clean_opts, .flags = CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE, .fn = clean_cmd },
	{ .name = "restore", .summary = "put a workstream's snapshot back in its worktree",
	  .usage = "TASK/ID [REF]",
	  .help = "Make the workstream's worktree again on its branch and put back every\n"
		  "file of its newest snapshot (or REF) as it was, uncommitted changes\n"
		  "as uncommitted changes.",
	  .flags = CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE, .fn = restore_cmd },
	{ .name = "gc", .summary = "reconcile worktrees, folders and the store",
	  .usage = "[--dry-run] [--apply]",
	  .help = "Compare git's worktree list, the folders under work.root and the store,\n"
		  "and say for each orphan which source disagrees and what gc does about\n"
		  "it; snapshots older than work.attic_days too. A dry run unless --apply;\n"
		  "a source that cannot be read stops gc before it acts.",
	  .opts = gc_opts, .flags = CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE, .fn = gc_cmd },
	{ .name = "status", .summary = "how each workstream and its agent stand",
	  .usage = "[TASK] [--conflicts] [--no-conflicts] [--watch]",
	  .help = "For each workstream: its branch ahead/behind the base, a dirty worktree,\n"
		  "the last commit and its age, the checklist, files changed outside what\n"
		  "it owns, and its agent's state (ACTIVE, WAITING, STALLED, DEAD, UNKNOWN)\n"
		  "with how that was decided. Predicts conflicts of each branch with the\n"
		  "base and of every pair (git merge-tree, cached by commit ids). Exit 0\n"
		  "when all are done, 2 while any is in progress, 1 when any failed.",
	  .opts = status_opts, .flags = CMD_NEEDS_REPO | CMD_NEEDS_STORE, .fn = status_cmd },
	{ .name = "heartbeat", .summary = "tell work status the agent is alive",
	  .usage = "[--id TASK/ID] [--state STATE] [--note TEXT]",
	  .help = "Record a sign of life of this worktree's workstream (or --id) in the\n"
		  "store: its state (active, waiting, done, failed) and a note. For the\n"
		  "agent or its hooks to call; work status reads it.",
	  .opts = heartbeat_opts, .flags = CMD_NEEDS_REPO | CMD_NEEDS_STORE,
	  .fn = heartbeat_cmd },
	{ .name = "integrate", .summary = "merge the workstreams' branches, tested, ejecting the bad",
	  .usage = "[TASK] [--batch[=N]] [--dry-run]",
	  .help = "Merge the branches work/<task>/<id> in merge order onto the branch\n"
		  "work/<task>/integration, in a worktree of its own, with bosun's merge\n"
		  "driver and no editor, and run the tests (each workstream's test, then\n"
		  "work.test) after each merge. A branch whose merge conflicts or whose\n"
		  "tests fail is ejected (a snapshot goes to the attic, its output is\n"
		  "kept) and the rest go on; one that depends on it is skipped. With\n"
		  "--batch[=N], up to N merges (all) are tested at once and a red batch is\n"
		  "bisected to its culprit. Exit 0: all merged; 1: some ejected or\n"
		  "skipped. A run killed midway is rolled back by the next.",
	  .opts = integrate_opts, .flags = CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE,
	  .fn = integrate_cmd },
	{ NULL },
};

const struct cmd_entry cmd_work = {
	.name = "work", .summary = "plan and run parallel agent work in worktrees",
	.subs = work_subs,
};
