/*
 * doctor.c - bosun doctor: check bosun's install, the repository, the
 * optional runtimes and the AI coding CLIs (lib/doctor), print the report
 * or its JSON, and carry out one check's fix (--fix ID).
 */
#include "bosun-config.h"
#include "cmd/common.h"
#include "cmd/progress.h"

#include "core/error.h"
#include "core/meter.h"
#include "lib/config/config.h"
#include "lib/doctor/doctor.h"
#include "lib/git/repo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *fix;
	int online;
} cli;

static const struct option doctor_opts[] = {
	OPT_STRING(0, "fix", &cli.fix, "ID", "show what fixing check ID changes, and do it"),
	OPT_BOOL(0, "online", &cli.online, "let checks use the network (the remote)"),
	OPT_END(),
};

/* The environment of the checks; outside a repository there is none. */
static int open_env(struct bosun_ctx *ctx, struct doctor_env *env, char *self)
{
	struct config *cfg = NULL;
	struct repo *repo = NULL;
	int r;

	if (!realpath("/proc/self/exe", self))
		return error_errno(BOSUN_EIO, "cannot find bosun's own path");
	env->self = self;
	env->version = BOSUN_VERSION;
	env->home = getenv("HOME");
	env->path = getenv("PATH");
	env->online = cli.online;
	if ((r = ctx_repo(ctx, &repo)) == -BOSUN_ENOTFOUND)
		error_clear();
	else if (r < 0)
		return r;
	else
		env->repo = repo;
	if ((r = ctx_config(ctx, &cfg)) < 0)
		return r;
	env->cfg = cfg;
	env->timeout_ms = (int)config_int(cfg, "doctor.timeout");
	return 0;
}

static const char *status_colour(struct bosun_ctx *ctx, enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK: return c_green(ctx);
	case DOCTOR_WARN: return c_yellow(ctx);
	case DOCTOR_FAIL: return c_red(ctx);
	case DOCTOR_SKIP: return c_dim(ctx);
	}
	return "";
}

/* doctor scripts: one line per script, its problems below it. */
static void print_scripts(struct bosun_ctx *ctx, struct strbuf *line, const json_t *list)
{
	size_t i, k;
	json_t *s, *pb;

	json_array_foreach(list, i, s) {
		const char *st = json_string_value(json_object_get(s, "status"));
		const char *prog = json_string_value(json_object_get(s, "program"));

		strbuf_addf(line, "      %-4s  %-32s %s\n", st,
			    json_string_value(json_object_get(s, "name")), prog ? prog : "");
		json_array_foreach(json_object_get(s, "problems"), k, pb)
			strbuf_addf(line, "            %s%s%s\n", c_dim(ctx),
				    json_string_value(pb), c_reset(ctx));
	}
}

static void print_result(struct bosun_ctx *ctx, const struct doctor_result *r)
{
	struct strbuf line = STRBUF_INIT;

	if (ctx->quiet && (r->status == DOCTOR_OK || r->status == DOCTOR_SKIP))
		return;
	strbuf_addf(&line, "%s%-4s%s  %-18s %s\n", status_colour(ctx, r->status),
		    doctor_status_name(r->status), c_reset(ctx), r->check->id, r->message);
	if (r->fix)
		strbuf_addf(&line, "      %-18s %sfix:%s %s\n", "", c_dim(ctx), c_reset(ctx),
			    r->fix);
	if (!strcmp(r->check->group, "scripts"))
		print_scripts(ctx, &line, json_object_get(r->data, "scripts"));
	out_write(line.buf, line.len);
	strbuf_release(&line);
}

/* 0 healthy, 1 a check failed, 2 only warnings (docs/doctor.md). */
static int exit_code(enum doctor_status worst)
{
	return worst == DOCTOR_FAIL ? 1 : worst == DOCTOR_WARN ? 2 : 0;
}

static int run_checks(struct bosun_ctx *ctx, struct doctor_env *env, int argc,
		      char **argv)
{
	struct doctor_report rep = DOCTOR_REPORT_INIT;
	const struct doctor_check **sel = NULL;
	struct meter counts = METER_INIT;
	struct progress *prog;
	size_t nr, i;
	int r;

	if ((r = doctor_select(&sel, &nr, (const char *const *)argv, (size_t)argc)) < 0)
		return r;
	env->progress = &counts;
	prog = progress_start(ctx, "checking", &counts, "check");
	doctor_run(&rep, env, sel, nr);
	progress_stop(prog);
	env->progress = NULL;
	if (ctx->json) {
		out_json(doctor_report_json(&rep, env));
	} else {
		size_t n[4] = { 0, 0, 0, 0 };

		for (i = 0; i < rep.nr; i++) {
			print_result(ctx, &rep.items[i]);
			n[rep.items[i].status]++;
		}
		if (!ctx->quiet)
			fprintf(stderr, "%zu ok, %zu warning%s, %zu failed, %zu skipped\n",
				n[DOCTOR_OK], n[DOCTOR_WARN], n[DOCTOR_WARN] == 1 ? "" : "s",
				n[DOCTOR_FAIL], n[DOCTOR_SKIP]);
	}
	r = exit_code(doctor_worst(&rep));
	doctor_report_release(&rep);
	free(sel);
	return r;
}

/* Run one check into rep. */
static void check_one(struct doctor_env *env, const struct doctor_check *c,
		      struct doctor_report *rep)
{
	doctor_report_release(rep);
	doctor_env_release(env);
	doctor_run(rep, env, &c, 1);
}

static int fix_one(struct bosun_ctx *ctx, struct doctor_env *env, const char *id)
{
	struct doctor_report before = DOCTOR_REPORT_INIT, after = DOCTOR_REPORT_INIT;
	struct strbuf plan = STRBUF_INIT, did = STRBUF_INIT;
	const struct doctor_check *c = doctor_find(id);
	int r;

	if (!c) {
		struct strbuf ids = STRBUF_INIT;

		doctor_list_ids(&ids);
		r = error_set(BOSUN_EUSAGE, "unknown check '%s': the checks are %s", id,
			      ids.buf);
		strbuf_release(&ids);
		return r;
	}
	check_one(env, c, &before);
	if (before.items[0].status == DOCTOR_OK || before.items[0].status == DOCTOR_SKIP) {
		if (ctx->json)
			out_json(json_pack("{s:i, s:s, s:b, s:[], s:o}", "schema", DOCTOR_SCHEMA,
					   "id", id, "fixed", 0, "changes", "check",
					   doctor_report_json(&before, env)));
		else if (!ctx->quiet)
			fprintf(stderr, "%s: nothing to fix (%s)\n", id, before.items[0].message);
		r = 0;
		goto out;
	}
	if ((r = doctor_fix(env, &before.items[0], 0, &plan)) < 0)
		goto out;
	if (!ctx->json && !ctx->quiet) {
		fprintf(stderr, "%s: %s\n", id, before.items[0].message);
		out_write(plan.buf, plan.len);
	}
	r = doctor_fix(env, &before.items[0], 1, &did);
	if (!ctx->json && did.len)
		out_write(did.buf, did.len);
	if (r < 0)
		goto out;
	check_one(env, c, &after);
	if (ctx->json)
		out_json(json_pack("{s:i, s:s, s:b, s:s, s:s, s:o}", "schema", DOCTOR_SCHEMA,
				   "id", id, "fixed", 1, "plan", plan.buf, "output", did.buf,
				   "check", doctor_report_json(&after, env)));
	else
		print_result(ctx, &after.items[0]);
	r = exit_code(doctor_worst(&after));
out:
	doctor_report_release(&before);
	doctor_report_release(&after);
	strbuf_release(&plan);
	strbuf_release(&did);
	return r;
}

static int doctor_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct doctor_env env = DOCTOR_ENV_INIT;
	char self[PATH_MAX];
	int r;

	if (cli.fix && argc)
		return cmd_usage_error("--fix takes one check; no other operand");
	if ((r = open_env(ctx, &env, self)) < 0)
		return r;
	r = cli.fix ? fix_one(ctx, &env, cli.fix) : run_checks(ctx, &env, argc, argv);
	doctor_env_release(&env);
	return r;
}

static const struct sub_entry doctor_self = {
	.name = "doctor", .summary = "check bosun's install, the repository and the AI CLIs",
	.usage = "[CHECK...] [--fix ID] [--online]",
	.help = "Run health checks, each with a stable id and a status (ok, warn, fail,\n"
		"skip), a message and a fix that is a bosun or git command. CHECK is an id\n"
		"(install.store, cli.claude) or a group (install, repo, runtime, cli,\n"
		"scripts); none runs every check but scripts. Nothing uses the network\n"
		"unless --online. Exit 0 healthy, 1 a check failed, 2 only warnings.\n"
		"--fix ID shows what fixing that check changes, does it, and checks again.",
	.opts = doctor_opts, .fn = doctor_cmd,
};

const struct cmd_entry cmd_doctor = {
	.name = "doctor", .summary = "check bosun's install, the repository and the AI CLIs",
	.self = &doctor_self,
};
