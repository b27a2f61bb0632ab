/*
 * work.c - bosun work: parallel agent work in worktrees (docs/work.md).
 * The verbs parse their operands and print; lib/work does the work.
 */
#include "cmd/common.h"

#include "core/error.h"
#include "core/fs.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/store/store.h"
#include "lib/work/work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct work_where w = { 0 };
	struct work_config wc;
	struct work_spawned *res = NULL;
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
	if ((r = work_setup(ctx, &st, &w, &wc)) < 0)
		goto out;
	r = work_spawn(st, &w, &wc, &o, &res, &nr);
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
	{ NULL },
};

const struct cmd_entry cmd_work = {
	.name = "work", .summary = "plan and run parallel agent work in worktrees",
	.subs = work_subs,
};
