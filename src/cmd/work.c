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
	{ NULL },
};

const struct cmd_entry cmd_work = {
	.name = "work", .summary = "plan and run parallel agent work in worktrees",
	.subs = work_subs,
};
