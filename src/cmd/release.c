/*
 * release.c - bosun release: gates, bump, changelog, commit, tag, build,
 * publish, push; undone when it fails before anything left the machine.
 */
#include "cmd/common.h"

#include "core/error.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/release/release.h"

#include <string.h>

static struct release_args opt_args;
static const char *opt_package;

static const struct option release_opts[] = {
	OPT_PRE(&opt_args.pre),
	OPT_DRY_RUN(&opt_args.dry_run),
	OPT_BOOL(0, "no-push", &opt_args.no_push, "do everything but push"),
	OPT_BOOL(0, "no-publish", &opt_args.no_publish, "skip the publish steps"),
	OPT_PACKAGE(&opt_package),
	OPT_BOOL(0, "resume", &opt_args.resume,
		 "finish a release that was interrupted (killed)"),
	OPT_BOOL(0, "abort", &opt_args.abort,
		 "undo what an interrupted release left"),
	OPT_END(),
};

struct progress {
	struct bosun_ctx *ctx;
	json_t *steps;
};

static void on_step(void *data, const char *step, enum release_step_state st,
		    const char *detail)
{
	struct progress *p = data;
	static const char *const names[] = { "start", "ok", "failed", "skipped" };

	if (p->steps && st != STEP_START)
		json_array_append_new(p->steps, json_pack("{s:s, s:s, s:s?}",
			"step", step, "state", names[st], "detail", detail));
	if (p->ctx->json || p->ctx->quiet || st == STEP_START)
		return;
	fprintf(stderr, "%s%s%s %s%s%s\n",
		st == STEP_OK ? c_green(p->ctx) : st == STEP_FAIL ? c_red(p->ctx) : c_dim(p->ctx),
		st == STEP_OK ? "ok  " : st == STEP_FAIL ? "FAIL" : "skip",
		c_reset(p->ctx), step, detail ? " " : "", detail ? detail : "");
}

static const char *step_name(const json_t *step)
{
	const char *n = json_string_value(json_object_get(step, "name"));

	return n ? n : json_string_value(json_array_get(json_object_get(step, "run"), 0));
}

static void print_steps(struct rel_env *env, const char *key, const char *what,
			int *n)
{
	const json_t *steps = config_get(env->cfg, key);
	size_t i;

	for (i = 0; i < json_array_size(steps); i++)
		printf("  %d. %s: %s\n", (*n)++, what, step_name(json_array_get(steps, i)));
}

static void print_plan(struct bosun_ctx *ctx, const struct release_plan *plan,
		       struct rel_env *env, const struct release_args *args)
{
	const char *vars[] = { "{version}", plan->version, "{tag}", plan->tag, NULL };
	struct strbuf msg = STRBUF_INIT;
	const json_t *test = config_get(env->cfg, "release.test");
	int n = 1;
	size_t i;

	strbuf_expand(&msg, config_str(env->cfg, "release.commit_message"), vars);
	printf("release %s%s%s (%s, %s) on %s, channel %s\n", c_bold(ctx), plan->tag,
	       c_reset(ctx), bump_level_name(plan->next.level),
	       plan->next.previous ? plan->next.previous->name : "first release",
	       plan->branch, plan->channel);
	if (test && !json_is_null(test))
		printf("  %d. run the tests: %s\n", n++,
		       json_string_value(json_array_get(test, 0)));
	printf("  %d. write %s into", n++, plan->version);
	for (i = 0; i < plan->ms.nr; i++)
		printf(" %s", plan->ms.items[i].path);
	printf("%s and %s\n", plan->ms.nr ? "" : " no version file",
	       config_str(env->cfg, "changelog.file"));
	printf("  %d. commit \"%s\" and tag %s\n", n++, msg.buf, plan->tag);
	print_steps(env, "release.build", "build", &n);
	if (!args->no_publish)
		print_steps(env, "release.publish", "publish", &n);
	if (!args->no_push && config_bool(env->cfg, "release.push"))
		printf("  %d. push %s and %s to %s atomically\n", n, plan->branch,
		       plan->tag, config_str(env->cfg, "release.remote"));
	printf("\n%s", plan->entry);
	strbuf_release(&msg);
}

static json_t *plan_json(const struct release_plan *plan, int dry_run,
			 json_t *steps, int ok)
{
	return json_pack("{s:b, s:I, s:s, s:s, s:s?, s:s, s:s, s:b, s:s, s:o, s:s?}",
			 "ok", ok, "id", (json_int_t)plan->record_id,
			 "version", plan->version, "tag", plan->tag,
			 "previous", plan->next.previous ? plan->next.previous->name : NULL,
			 "level", bump_level_name(plan->next.level),
			 "channel", plan->channel, "dry_run", dry_run,
			 "entry", plan->entry, "steps", steps ? steps : json_array(),
			 "resume", plan->resume.len ? plan->resume.buf : NULL);
}

static int parse_args(struct release_args *a, int argc, char **argv)
{
	int l;

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	if (!argc || !strcmp(argv[0], "auto"))
		return 0;
	l = bump_level_parse(argv[0]);
	if (l < 0)
		return cmd_usage_error("'%s' is not a level: use major, minor, patch or auto",
				       argv[0]);
	a->level = (enum bump_level)l;
	return 0;
}

static int report_failure(struct bosun_ctx *ctx, struct release_plan *plan)
{
	if (ctx->json)
		return 0;
	if (plan->output.len) {
		fprintf(stderr, "--- output of the failing step ---\n");
		fwrite(plan->output.buf, 1, plan->output.len, stderr);
		if (plan->output.buf[plan->output.len - 1] != '\n')
			fputc('\n', stderr);
		fprintf(stderr, "---\n");
	}
	if (plan->resume.len)
		error_hint("%s", plan->resume.buf);
	return 0;
}

/* A release was interrupted: say what it left, and refuse a new one. */
static int report_interrupted(struct bosun_ctx *ctx, struct release_interrupted *in)
{
	struct strbuf msg = STRBUF_INIT;
	int r;

	strbuf_addf(&msg, "release %s (started %s) was interrupted at step '%s'",
		    in->row.tag, in->row.started_at ? in->row.started_at : "?",
		    in->row.step ? in->row.step : "?");
	if (in->commit_local || in->tag_local)
		strbuf_addf(&msg, "\n  %s: %s%s%s%.7s", in->pushed > 0 ? "pushed" :
			    in->pushed == 0 ? "local only" : "maybe not pushed",
			    in->tag_local ? "tag " : "", in->tag_local ? in->row.tag : "",
			    in->tag_local && in->commit_local ? ", commit " :
			    in->commit_local ? "commit " : "",
			    in->commit_local ? in->commit : "");
	if (in->staged.len)
		strbuf_addf(&msg, "\n  written, not committed: %s", in->staged.buf);
	if (ctx->json) {
		out_json(json_pack("{s:b, s:s, s:o}", "ok", 0, "reason", msg.buf,
				   "interrupted", release_interrupted_json(in)));
		fprintf(stderr, "bosun: %s\n", msg.buf);
		r = BOSUN_EFAIL;
	} else {
		r = error_set(BOSUN_EFAIL, "%s", msg.buf);
		error_hint("finish it with 'bosun release --resume', or undo what it "
			   "left with 'bosun release --abort'");
	}
	strbuf_release(&msg);
	return r;
}

static int do_abort(struct bosun_ctx *ctx, struct release_interrupted *in,
		    struct rel_env *env, struct release_cb *cb)
{
	json_t *rep = json_object();
	size_t i;
	int r = release_abort(in, env, cb, rep);
	json_t *undone = json_object_get(rep, "undone"), *left = json_object_get(rep, "left");

	if (ctx->json && r == 0) {
		out_json(json_pack("{s:b, s:s, s:o, s:O, s:O}", "ok", 1, "action", "abort",
				   "interrupted", release_interrupted_json(in),
				   "undone", undone, "left", left));
	} else if (!ctx->quiet) {
		for (i = 0; i < json_array_size(undone); i++) {
			const json_t *u = json_array_get(undone, i);

			fprintf(stderr, "undone %s %s\n",
				json_string_value(json_object_get(u, "what")),
				json_string_value(json_object_get(u, "name")));
		}
		for (i = 0; i < json_array_size(left); i++) {
			const json_t *u = json_array_get(left, i);

			fprintf(stderr, "left %s: %s\n",
				json_string_value(json_object_get(u, "path")),
				json_string_value(json_object_get(u, "reason")));
		}
		if (r == 0)
			fprintf(stderr, "aborted %s\n", in->row.tag);
	}
	json_decref(rep);
	return r;
}

static int release_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct release_args args = opt_args;
	const char *package = opt_package;
	struct rel_env env = REL_ENV_INIT;
	struct release_plan plan = RELEASE_PLAN_INIT;
	struct progress prog = { ctx, NULL };
	struct release_cb cb = { on_step, &prog };
	struct release_interrupted in = { 0 };
	struct release_lease lease = { 0 };
	struct store *st = NULL;
	struct repo *repo;
	struct config *cfg;
	int r;

	if ((r = parse_args(&args, argc, argv)) < 0)
		return r;
	if (args.resume && args.abort)
		return cmd_usage_error("--resume and --abort exclude each other");
	if ((args.resume || args.abort) && (argc || args.pre || args.dry_run))
		return cmd_usage_error("--%s takes no level, --pre or --dry-run: it "
				       "finishes what was started", args.resume ? "resume" : "abort");
	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &cfg)) < 0)
		return r;
	if ((r = rel_env_open(&env, repo, cfg, package, NULL, "HEAD")) < 0)
		goto out;
	if (!args.dry_run) {
		/* One release at a time, from before the first gate. */
		if ((r = release_store_open(&st, &env)) < 0 ||
		    (r = release_lease_claim(&lease, st)) < 0)
			goto out;
		if (lease.notice.len && !ctx->quiet)
			print_warning(ctx, "%s", lease.notice.buf);
		if ((r = release_find_interrupted(&in, st, &env)) < 0)
			goto out;
		if (r == 1 && args.abort) {
			r = do_abort(ctx, &in, &env, &cb);
			goto out;
		}
		if (r == 1 && args.resume) {
			if (ctx->json)
				prog.steps = json_array();
			plan.st = st;
			plan.lease = &lease;
			r = release_resume(&plan, &env, &in, &cb);
			if (r == 1) {
				/* Before its commit: made again from the start. */
				args.level = plan.resumed_args->level;
				args.pre = plan.resumed_args->pre;
				args.no_push = plan.resumed_args->no_push;
				args.no_publish = plan.resumed_args->no_publish;
				release_plan_release(&plan);
				rel_env_release(&env);
				if ((r = rel_env_open(&env, repo, cfg, package, NULL, "HEAD")) < 0)
					goto out;
			} else {
				if (ctx->json)
					out_json(json_pack("{s:b, s:s, s:o, s:O, s:s?, s:s?}",
						"ok", r == 0, "action", "resume",
						"interrupted", release_interrupted_json(&in),
						"steps", prog.steps, "tag", plan.tag,
						"resume", plan.resume.len ? plan.resume.buf : NULL));
				if (r < 0)
					report_failure(ctx, &plan);
				else if (!ctx->json)
					printf("%s\n", plan.tag);
				goto out;
			}
		} else if (r == 1) {
			r = report_interrupted(ctx, &in);
			goto out;
		} else if (args.resume || args.abort) {
			if (ctx->json)
				out_json(json_pack("{s:b, s:s, s:n}", "ok", 1, "action",
						   args.resume ? "resume" : "abort", "interrupted"));
			else if (!ctx->quiet)
				fprintf(stderr, "no interrupted release to %s\n",
					args.resume ? "resume" : "abort");
			r = 0;
			goto out;
		}
		plan.st = st;
		plan.lease = &lease;
	}
	r = release_prepare(&plan, &env, &args);
	if (r == -BOSUN_EFAIL && !plan.version && !strncmp(error_message(), "nothing", 7)) {
		if (ctx->json)
			out_json(json_pack("{s:b, s:s}", "ok", 0, "reason", error_message()));
		else
			fprintf(stderr, "%s\n", error_message());
		r = BOSUN_EFAIL;
		goto out;
	}
	if (r < 0)
		goto out;
	if (args.dry_run) {
		if (ctx->json)
			out_json(plan_json(&plan, 1, NULL, 1));
		else
			print_plan(ctx, &plan, &env, &args);
		goto out;
	}
	if (ctx->json && !prog.steps)
		prog.steps = json_array();
	r = release_run(&plan, &env, &args, &cb);
	if (ctx->json)
		out_json(plan_json(&plan, 0, json_incref(prog.steps), r == 0));
	if (r < 0)
		report_failure(ctx, &plan);
	else if (!ctx->json)
		printf("%s\n", plan.tag);
	if (r == 0 && !plan.pushed && !ctx->json && !ctx->quiet)
		fprintf(stderr, "not pushed; to publish the release: %s\n",
			plan.push_cmd.buf);
out:
	json_decref(prog.steps);
	release_plan_release(&plan);
	release_interrupted_release(&in);
	release_lease_release(&lease);
	store_close(st);
	rel_env_release(&env);
	return r;
}

static const struct sub_entry release_self = {
	.name = "release", .summary = "make a release that loses nothing",
	.usage = "[major|minor|patch|auto] [--pre ID] [--dry-run] [--no-push] "
		 "[--no-publish] [--package NAME] | --resume | --abort",
	.help = "Make a release: gates (clean tree, release branch, versions in sync, tests),\n"
		"then bump, changelog, commit, annotated tag, build, publish, atomic push.\n"
		"One release at a time per repository (a lease; a second one exits 75).\n"
		"A release that was killed is reported; --resume finishes it, --abort\n"
		"undoes what it left.",
	.opts = release_opts, .flags = CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE,
	.fn = release_cmd,
};

const struct cmd_entry cmd_release = {
	.name = "release", .summary = "make a release that loses nothing",
	.self = &release_self,
};
