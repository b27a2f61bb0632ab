/*
 * agents.c - bosun agents: deploy, diff, verify, list, clean, rollback, env
 * (docs/agents.md).
 */
#include "cmd/common.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/run.h"
#include "lib/agents/agents.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What every verb opens: the repository, the configuration, the store and
 * the targets. */
struct agents_cmd {
	struct agents_env env;
	struct config *cfg;
	struct opt_list targets;
	int user;
	int all_targets;   /* verify/list: every recorded target by default */
};
#define AGENTS_CMD_INIT { AGENTS_ENV_INIT, NULL, OPT_LIST_INIT, 0, 0 }

/* The options of every verb; a process runs one verb. */
static struct {
	int dry_run, force, adopt, user;
	struct opt_list targets, only;
	const char *shell;
} cli;

/* The verb's options into c (which then owns the lists). */
static void take_opts(struct agents_cmd *c)
{
	c->targets = cli.targets;
	c->user = cli.user;
}

static int cmd_open(struct bosun_ctx *ctx, struct agents_cmd *c)
{
	struct repo *repo;
	const char **ids;
	size_t nr;
	int r;

	/* CMD_NEEDS_WORKTREE: repo->workdir is set. */
	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &c->cfg)) < 0)
		return r;
	c->env.root = repo->workdir;
	c->env.common_dir = repo->common_dir;
	c->env.store_url = config_str(c->cfg, "store.url");
	c->env.home = getenv("HOME");
	c->env.user = c->user;
	if (c->user && (!c->env.home || !*c->env.home))
		return error_set(BOSUN_EUSAGE, "--user needs $HOME");
	ids = c->targets.nr ? c->targets.items :
	      config_strlist(c->cfg, "agents.targets", &nr);
	if (c->targets.nr)
		nr = c->targets.nr;
	if ((r = agents_pick_targets(&c->env.targets, &c->env.targets_nr, ids, nr,
				     c->env.root)) < 0)
		return c->targets.nr ? r : error_set(BOSUN_EDATA, "agents.targets: %s",
						     error_message());
	return agents_env_open(&c->env);
}

static void cmd_close(struct agents_cmd *c)
{
	agents_env_close(&c->env);
	opt_list_release(&c->targets);
}

static void print_problems(struct bosun_ctx *ctx, const struct agent_problems *pb)
{
	json_t *list;
	size_t i;

	if (!ctx->json) {
		for (i = 0; i < pb->nr; i++)
			fprintf(stderr, "%s\n", pb->items[i]);
		return;
	}
	list = json_array();
	for (i = 0; i < pb->nr; i++)
		json_array_append_new(list, json_string(pb->items[i]));
	/* The one error object of docs/exit-codes.md, with the list. */
	out_json(json_pack("{s:{s:s, s:i, s:s?, s:o}}", "error", "message",
			   error_message(), "exit", 65, "hint", error_hint_text(),
			   "problems", list));
}

static int load_templates(struct bosun_ctx *ctx, struct agents_cmd *c,
			  struct agent_set *set)
{
	struct agent_problems pb = AGENT_PROBLEMS_INIT;
	struct strbuf dir = STRBUF_INIT;
	const char *base = config_str(c->cfg, "agents.base");
	int base_default = !strcmp(config_origin(c->cfg, "agents.base"), "default");
	size_t i;
	int r;

	fs_path_join(&dir, c->env.root, config_str(c->cfg, "agents.source"));
	r = agents_load_set(set, &c->env, dir.buf, config_str(c->cfg, "agents.source"),
			    base, base_default, &pb);
	if (r == -BOSUN_ENOTFOUND)
		error_hint("put agent templates in '%s' or set agents.source",
			   config_str(c->cfg, "agents.source"));
	if (r == -BOSUN_EDATA && pb.nr)
		error_hint("fix the templates named above (FILE:LINE:COL) and run again");
	if (pb.nr)
		print_problems(ctx, &pb);
	for (i = 0; i < set->warnings.nr; i++)
		print_warning(ctx, "%s", set->warnings.items[i]);
	agent_problems_release(&pb);
	strbuf_release(&dir);
	return r;
}

/* ------------------------------------------------------------ reports */

static const char *report_key(enum agent_act a)
{
	return a == ACT_CONFLICT ? "conflicts" : a == ACT_ERROR ? "errors" :
	       agent_act_name(a);
}

static json_t *op_entry(const struct agent_op *op)
{
	json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "name", op->name ? op->name : "",
			      "target", op->target, "path", op->path,
			      "version", op->version ? op->version : "");

	if (op->reason)
		json_object_set_new(e, "reason", json_string(op->reason));
	if (op->forced)
		json_object_set_new(e, "forced", json_true());
	return e;
}

static json_t *report_json(const struct agent_plan *plan, const char *id,
			   int dry_run, const enum agent_act *acts, size_t acts_nr)
{
	json_t *o = json_pack("{s:s, s:b, s:s?}", "kind", plan->kind, "dry_run",
			      dry_run, "id", id);
	size_t i, k;

	if (plan->rollback_of)
		json_object_set_new(o, "rollback_of", json_string(plan->rollback_of));
	for (k = 0; k < acts_nr; k++) {
		json_t *list = json_array();

		for (i = 0; i < plan->nr; i++)
			if (plan->ops[i].act == acts[k])
				json_array_append_new(list, op_entry(&plan->ops[i]));
		json_object_set_new(o, report_key(acts[k]), list);
	}
	return o;
}

static void report_text(struct bosun_ctx *ctx, const struct agent_plan *plan,
			int dry_run, const enum agent_act *acts, size_t acts_nr)
{
	size_t counts[ACT_ERROR + 1] = { 0 }, i, k;
	struct strbuf sum = STRBUF_INIT;

	for (i = 0; i < plan->nr; i++) {
		const struct agent_op *op = &plan->ops[i];

		counts[op->act]++;
		if (op->act == ACT_SKIP && !ctx->verbose)
			continue;
		if (ctx->quiet && op->act != ACT_ERROR && op->act != ACT_CONFLICT &&
		    op->act != ACT_MODIFIED)
			continue;
		printf("%-9s %s%s%s%s%s\n", agent_act_name(op->act), op->path,
		       op->version && *op->version ? " " : "",
		       op->version ? op->version : "", op->reason ? ": " : "",
		       op->reason ? op->reason : "");
	}
	for (k = 0; k < acts_nr; k++)
		strbuf_addf(&sum, "%s%zu %s", k ? ", " : "", counts[acts[k]],
			    report_key(acts[k]));
	if (!ctx->quiet)
		fprintf(stderr, "%s%s: %s\n", dry_run ? "dry run, nothing changed; " : "",
			plan->kind, sum.buf);
	strbuf_release(&sum);
}

static int report(struct bosun_ctx *ctx, const struct agent_plan *plan,
		  const char *id, int dry_run)
{
	static const enum agent_act deploy_acts[] = {
		ACT_DEPLOY, ACT_UPDATE, ACT_MIGRATE, ACT_SKIP, ACT_MODIFIED,
		ACT_CONFLICT, ACT_ERROR,
	};
	static const enum agent_act other_acts[] = {
		ACT_REMOVE, ACT_RESTORE, ACT_MODIFIED, ACT_ERROR,
	};
	int deploy = !strcmp(plan->kind, "deploy");
	const enum agent_act *acts = deploy ? deploy_acts : other_acts;
	size_t n = deploy ? ARRAY_SIZE(deploy_acts) : ARRAY_SIZE(other_acts), i;

	if (ctx->json)
		out_json(report_json(plan, id, dry_run, acts, n));
	else
		report_text(ctx, plan, dry_run, acts, n);
	for (i = 0; i < plan->nr; i++)
		if (plan->ops[i].act == ACT_ERROR)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ running a plan */

enum plan_kind { PLAN_DEPLOY, PLAN_CLEAN, PLAN_ROLLBACK };

struct run_opts {
	enum plan_kind kind;
	int dry_run, flags;
	struct opt_list only;
};

static int make_plan(struct bosun_ctx *ctx, struct agents_cmd *c,
		     struct agent_plan *plan, struct run_opts *o)
{
	struct agent_set set = AGENT_SET_INIT;
	int r;

	if (o->kind == PLAN_CLEAN)
		return agents_plan_clean(plan, &c->env);
	if (o->kind == PLAN_ROLLBACK)
		return agents_plan_rollback(plan, &c->env);
	if ((r = load_templates(ctx, c, &set)) >= 0)
		r = agents_plan_deploy(plan, &c->env, &set, o->only.items, o->only.nr,
				       o->flags);
	agent_set_release(&set);
	return r;
}

static int run_plan(struct bosun_ctx *ctx, struct agents_cmd *c, struct run_opts *o)
{
	struct lockfile lk = LOCKFILE_INIT;
	struct agent_plan plan = AGENT_PLAN_INIT;
	struct strbuf src = STRBUF_INIT;
	char *id = NULL, key[65];
	int r, locked = 0, snap = 0;

	if ((r = cmd_open(ctx, c)) < 0)
		goto out;
	if (!o->dry_run) {
		if ((r = agents_lock(&c->env, &lk, (int)config_int(c->cfg,
						"agents.lock_timeout"))) < 0)
			goto out;
		locked = 1;
	}
	/* A plain deploy may find, by the no-op snapshot, that nothing moved
	 * (BOSUN_NO_CACHE=1: it plans in full, and keeps no snapshot). */
	if (o->kind == PLAN_DEPLOY && !o->flags && !o->only.nr && !c->user &&
	    (!getenv("BOSUN_NO_CACHE") || !strcmp(getenv("BOSUN_NO_CACHE"), "0"))) {
		fs_path_join(&src, c->env.root, config_str(c->cfg, "agents.source"));
		agents_snapshot_key(key, &c->env, src.buf, config_str(c->cfg, "agents.base"),
				    o->flags);
		snap = 1 + agents_snapshot_use(&plan, &c->env, key);
	}
	if (snap != 2 && (r = make_plan(ctx, c, &plan, o)) < 0)
		goto out;
	if (!o->dry_run && (r = agents_apply(&plan, &c->env, &id)) < 0)
		goto out;
	/* Best effort: without it, the next no-op only plans in full. */
	if (snap == 1 && !o->dry_run &&
	    agents_snapshot_save(&c->env, key, src.buf, config_str(c->cfg, "agents.base"),
				 &plan) < 0)
		agents_degraded("no-op snapshot not kept");
	r = report(ctx, &plan, id, o->dry_run);
out:
	if (locked)
		agents_unlock(&lk);
	free(id);
	strbuf_release(&src);
	agent_plan_release(&plan);
	opt_list_release(&o->only);
	cmd_close(c);
	return r;
}

/* ------------------------------------------------------------ deploy */

static const struct option deploy_opts[] = {
	OPT_DRY_RUN(&cli.dry_run),
	OPT_FORCE(&cli.force, "overwrite files edited by a person (after a backup)"),
	OPT_BOOL(0, "adopt", &cli.adopt, "take over and migrate claude-mpm's agent files"),
	OPT_TARGET(&cli.targets, "deploy to this CLI (claude, qwen, opencode, copilot)"),
	OPT_LIST(0, "only", &cli.only, "NAME", "deploy only this agent"),
	OPT_USER(&cli.user, "deploy into the user's folders (~/.claude/agents, ...)"),
	OPT_END(),
};

static int agents_deploy_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct agents_cmd c = AGENTS_CMD_INIT;
	struct run_opts o = { PLAN_DEPLOY, 0, 0, OPT_LIST_INIT };

	take_opts(&c);
	o.dry_run = cli.dry_run;
	o.only = cli.only;
	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	o.flags = (cli.force ? AGENT_FORCE : 0) | (cli.adopt ? AGENT_ADOPT : 0);
	return run_plan(ctx, &c, &o);
}

/* ------------------------------------------------------------ clean */

static const struct option clean_opts[] = {
	OPT_DRY_RUN(&cli.dry_run),
	OPT_TARGET(&cli.targets, "clean only this CLI's files"),
	OPT_USER(&cli.user, "clean the user-level install"),
	OPT_END(),
};

static int agents_clean_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct agents_cmd c = AGENTS_CMD_INIT;
	struct run_opts o = { PLAN_CLEAN, 0, 0, OPT_LIST_INIT };

	take_opts(&c);
	o.dry_run = cli.dry_run;
	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	return run_plan(ctx, &c, &o);
}

/* ------------------------------------------------------------ rollback */

static const struct option rollback_opts[] = {
	OPT_DRY_RUN(&cli.dry_run),
	OPT_END(),
};

static int agents_rollback_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct agents_cmd c = AGENTS_CMD_INIT;
	struct run_opts o = { PLAN_ROLLBACK, 0, 0, OPT_LIST_INIT };

	o.dry_run = cli.dry_run;
	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	return run_plan(ctx, &c, &o);
}

/* ------------------------------------------------------------ diff */

static int diff_one(const struct agent_op *op, struct strbuf *out)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct child ch = CHILD_INIT;
	const char *argv[] = { "diff", "-u", "--label", NULL, "--label", NULL,
			       NULL, "-", NULL };
	int r;

	strbuf_addf(&a, "a/%s", op->path);
	strbuf_addf(&b, "b/%s", op->path);
	argv[3] = op->prev_hash[0] ? a.buf : "/dev/null";
	argv[5] = b.buf;
	argv[6] = op->prev_hash[0] ? op->abs : "/dev/null";
	ch.argv = argv;
	ch.capture = 1;
	ch.in = op->content.buf;
	ch.in_len = op->content.len;
	ch.timeout_ms = 30000;
	r = child_run(&ch);
	if (r >= 0 && ch.status > 1)
		r = error_set(BOSUN_EUNAVAILABLE, "diff failed: %s", ch.err.buf);
	if (r >= 0)
		strbuf_addbuf(out, &ch.out);
	child_release(&ch);
	strbuf_release(&a);
	strbuf_release(&b);
	return r;
}


static int diff_plan(struct bosun_ctx *ctx, struct agent_plan *plan)
{
	json_t *list = json_array();
	struct strbuf d = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < plan->nr && r >= 0; i++) {
		const struct agent_op *op = &plan->ops[i];

		strbuf_reset(&d);
		if (op->write == 1 && (r = diff_one(op, &d)) < 0)
			break;
		if (op->act == ACT_SKIP)
			continue;
		if (ctx->json) {
			json_t *e = op_entry(op);

			json_object_set_new(e, "action", json_string(agent_act_name(op->act)));
			json_object_set_new(e, "diff", json_string(d.buf));
			json_array_append_new(list, e);
		} else if (op->write) {
			fwrite(d.buf, 1, d.len, stdout);
		} else {
			printf("# %s: %s%s%s\n", op->path, agent_act_name(op->act),
			       op->reason ? ": " : "", op->reason ? op->reason : "");
		}
	}
	if (r >= 0 && ctx->json)
		out_json(json_pack("{s:O}", "changes", list));
	json_decref(list);
	strbuf_release(&d);
	return r;
}

static const struct option diff_opts[] = {
	OPT_FORCE(&cli.force, "show what --force would overwrite"),
	OPT_BOOL(0, "adopt", &cli.adopt, "show what --adopt would migrate"),
	OPT_TARGET(&cli.targets, "only this CLI"),
	OPT_LIST(0, "only", &cli.only, "NAME", "only this agent"),
	OPT_USER(&cli.user, "the user-level install"),
	OPT_END(),
};

static int agents_diff_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct agents_cmd c = AGENTS_CMD_INIT;
	struct run_opts o = { PLAN_DEPLOY, 1, 0, OPT_LIST_INIT };
	struct agent_plan plan = AGENT_PLAN_INIT;
	int r;

	take_opts(&c);
	o.only = cli.only;
	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	o.flags = (cli.force ? AGENT_FORCE : 0) | (cli.adopt ? AGENT_ADOPT : 0);
	if ((r = cmd_open(ctx, &c)) >= 0 && (r = make_plan(ctx, &c, &plan, &o)) >= 0)
		r = diff_plan(ctx, &plan);
	agent_plan_release(&plan);
	opt_list_release(&o.only);
	cmd_close(&c);
	return r;
}

/* ------------------------------------------------------------ verify */

static int selected(const struct agents_cmd *c, const char *key)
{
	size_t i;

	if (!c->targets.nr)
		return 1;
	if (!strncmp(key, "user:", 5))
		key += 5;
	for (i = 0; i < c->targets.nr; i++)
		if (!strcmp(c->targets.items[i], key))
			return 1;
	return 0;
}

static void add_problem(json_t *list, const char *target, const char *path,
			const char *problem)
{
	json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "target", target,
					      "path", path, "problem", problem));
}

/* A recorded file: present, unchanged, frontmatter valid for its target. */
static void verify_file(const struct agents_env *env, const struct agent_rec *rec,
			json_t *problems)
{
	const struct agent_target *tg = agent_target_find(!strncmp(rec->target, "user:", 5) ?
							  rec->target + 5 : rec->target);
	struct strbuf abs = STRBUF_INIT, text = STRBUF_INIT, why = STRBUF_INIT;
	const char *state;
	json_t *fm = NULL;
	char h[65];
	size_t body;
	int marker, cached;

	state = agents_file_check(env, rec, h, &text, &cached);
	if (strcmp(state, "ok")) {
		add_problem(problems, rec->target, rec->path, state);
		goto out;
	}
	/* Unchanged, by its stat, since this renderer wrote it: its
	 * frontmatter is the renderer's, valid for its target. */
	if (cached && tg && rec->renderer && !strcmp(rec->renderer, AGENT_RENDERER))
		goto out;
	agents_rec_path(&abs, env, rec->target, rec->path);
	if (!tg || (cached && fs_read_file(&text, abs.buf, 4 * 1024 * 1024) < 0) ||
	    agent_file_parse(&fm, &body, &marker, text.buf, text.len) < 0) {
		strbuf_addf(&why, "invalid frontmatter: %s", error_message());
		add_problem(problems, rec->target, rec->path, why.buf);
		error_clear();
		goto out;
	}
	if (!marker)
		add_problem(problems, rec->target, rec->path, "no ownership marker");
	if (agent_frontmatter_check(fm, tg, &why))
		add_problem(problems, rec->target, rec->path, why.buf);
out:
	json_decref(fm);
	strbuf_release(&abs);
	strbuf_release(&text);
	strbuf_release(&why);
}

/* "~/x" in a configured value means $HOME/x. */
static void expand_home(struct strbuf *sb, const struct agents_env *env,
			const char *v)
{
	strbuf_reset(sb);
	if (!strncmp(v, "~/", 2) && env->home)
		strbuf_addf(sb, "%s/%s", env->home, v + 2);
	else
		strbuf_addstr(sb, v);
}

static void verify_env(const struct agents_cmd *c, json_t *problems)
{
	json_t *env = config_get(c->cfg, "agents.env"), *v;
	struct strbuf want = STRBUF_INIT, why = STRBUF_INIT;
	const char *name, *got;

	json_object_foreach(env, name, v) {
		expand_home(&want, &c->env, json_string_value(v));
		got = getenv(name);
		if (got && !strcmp(got, want.buf))
			continue;
		strbuf_reset(&why);
		strbuf_addf(&why, "%s is %s%s%s, want '%s' (see 'bosun agents env')",
			    name, got ? "'" : "not set", got ? got : "", got ? "'" : "",
			    want.buf);
		add_problem(problems, "env", name, why.buf);
	}
	strbuf_release(&want);
	strbuf_release(&why);
}

static const struct option verify_opts[] = {
	OPT_TARGET(&cli.targets, "check only this CLI's files"),
	OPT_END(),
};

static int agents_verify_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct agents_cmd c = AGENTS_CMD_INIT;
	struct agent_rec *recs = NULL;
	json_t *problems = NULL, *p;
	struct strbuf jp = STRBUF_INIT;
	size_t nr = 0, i, checked = 0;
	int r;

	take_opts(&c);
	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	problems = json_array();
	c.env.read = 1;  /* a read: it creates nothing */
	if ((r = cmd_open(ctx, &c)) < 0 || (r = agents_records(&recs, &nr, &c.env)) < 0)
		goto out;
	fs_path_join(&jp, c.env.agents_dir, "journal.json");
	if (fs_exists(jp.buf))
		add_problem(problems, "store", "journal.json",
			    "a deploy was interrupted; the next deploy settles it");
	for (i = 0; i < nr; i++)
		if (selected(&c, recs[i].target)) {
			verify_file(&c.env, &recs[i], problems);
			checked++;
		}
	verify_env(&c, problems);
	if (ctx->json) {
		out_json(json_pack("{s:b, s:I, s:O}", "ok", !json_array_size(problems),
				   "checked", (json_int_t)checked, "problems", problems));
	} else {
		json_array_foreach(problems, i, p)
			printf("%s %s: %s\n", json_string_value(json_object_get(p, "target")),
			       json_string_value(json_object_get(p, "path")),
			       json_string_value(json_object_get(p, "problem")));
		if (!ctx->quiet)
			fprintf(stderr, "verify: %zu file%s checked, %zu problem%s\n", checked,
				checked == 1 ? "" : "s", json_array_size(problems),
				json_array_size(problems) == 1 ? "" : "s");
	}
	r = json_array_size(problems) ? 1 : 0;
out:
	json_decref(problems);
	agent_recs_free(recs, nr);
	strbuf_release(&jp);
	cmd_close(&c);
	return r;
}

/* ------------------------------------------------------------ list */

static const char *list_state(const struct agents_env *env, const struct agent_rec *rec,
			      const struct agent_tmpl *t)
{
	char h[65];
	const char *s = agents_file_state(env, rec, h);

	if (!t)
		return strcmp(s, "ok") ? s : "orphaned";
	if (!strcmp(s, "ok") && strcmp(rec->version, t->version))
		return "outdated";
	return s;
}

/* A target with no row for the template, whose file is there all the same,
 * is a person's (or another tool's) file: deploy calls that a conflict, and
 * so does list. */
static void add_conflicts(json_t *targets, const struct agents_cmd *c,
			  const struct agent_tmpl *t, const char *name,
			  const struct agent_rec *recs, size_t nr)
{
	struct strbuf key = STRBUF_INIT, rel = STRBUF_INIT, abs = STRBUF_INIT;
	size_t i, k;
	struct stat st;

	for (i = 0; i < c->env.targets_nr; i++) {
		const struct agent_target *tg = c->env.targets[i];

		strbuf_reset(&key);
		strbuf_addf(&key, "%s%s", c->env.user ? "user:" : "", tg->id);
		for (k = 0; k < nr; k++)
			if (!strcmp(recs[k].template, name) && !strcmp(recs[k].target, key.buf))
				break;
		if (k < nr || !selected(c, key.buf))
			continue;
		strbuf_reset(&rel);
		strbuf_addf(&rel, "%s/%s%s", c->env.user ? tg->user_dir : tg->dir,
			    t->name, tg->suffix);
		agents_rec_path(&abs, &c->env, key.buf, rel.buf);
		if (lstat(abs.buf, &st) == 0)
			json_array_append_new(targets, json_pack("{s:s, s:s, s:s, s:s}",
				"target", key.buf, "path", rel.buf, "version", "",
				"state", "conflict"));
	}
	strbuf_release(&key);
	strbuf_release(&rel);
	strbuf_release(&abs);
}

static json_t *list_agent(const struct agents_cmd *c, const struct agent_tmpl *t,
			  const char *name, const struct agent_rec *recs, size_t nr)
{
	json_t *targets = json_array();
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(recs[i].template, name) && selected(c, recs[i].target))
			json_array_append_new(targets, json_pack("{s:s, s:s, s:s, s:s}",
				"target", recs[i].target, "path", recs[i].path,
				"version", recs[i].version,
				"state", list_state(&c->env, &recs[i], t)));
	if (t)
		add_conflicts(targets, c, t, name, recs, nr);
	return json_pack("{s:s, s:s, s:o}", "name", name, "version",
			 t ? t->version : "", "targets", targets);
}

static void print_list(json_t *agents)
{
	json_t *a, *t;
	size_t i, j;

	json_array_foreach(agents, i, a) {
		struct strbuf sb = STRBUF_INIT;

		json_array_foreach(json_object_get(a, "targets"), j, t)
			strbuf_addf(&sb, "%s%s:%s", j ? " " : "",
				    json_string_value(json_object_get(t, "target")),
				    json_string_value(json_object_get(t, "state")));
		printf("%-30s %-10s %s\n", json_string_value(json_object_get(a, "name")),
		       json_string_value(json_object_get(a, "version")),
		       sb.len ? sb.buf : "not deployed");
		strbuf_release(&sb);
	}
}

static const struct option list_opts[] = {
	OPT_TARGET(&cli.targets, "show only this CLI's files"),
	OPT_END(),
};

static int agents_list_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct agents_cmd c = AGENTS_CMD_INIT;
	struct agent_set set = AGENT_SET_INIT;
	struct agent_rec *recs = NULL;
	struct repo *repo;
	json_t *agents = NULL;
	size_t nr = 0, i;
	int r;

	take_opts(&c);
	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	agents = json_array();
	if ((r = ctx_repo(ctx, &repo)) < 0)
		goto out;
	/* Agent files live in a work tree: a bare repository has none, and
	 * listing them is no error. */
	if (!repo->workdir) {
		if (ctx->json)
			out_json(json_pack("{s:O}", "agents", agents));
		else if (!ctx->quiet)
			fprintf(stderr, "bosun: a bare repository has no work tree, "
				"so no agent files\n");
		r = 0;
		goto out;
	}
	/* A read: it creates nothing (no store, no folder, no cache). */
	c.env.read = 1;
	if ((r = cmd_open(ctx, &c)) < 0 || (r = load_templates(ctx, &c, &set)) < 0 ||
	    (r = agents_records(&recs, &nr, &c.env)) < 0)
		goto out;
	for (i = 0; i < set.nr; i++)
		json_array_append_new(agents, list_agent(&c, &set.items[i],
							 set.items[i].name, recs, nr));
	for (i = 0; i < nr; i++)
		if (!agent_set_find(&set, recs[i].template) &&
		    (!i || strcmp(recs[i].template, recs[i - 1].template)))
			json_array_append_new(agents, list_agent(&c, NULL, recs[i].template,
								 recs, nr));
	if (ctx->json)
		out_json(json_pack("{s:O}", "agents", agents));
	else
		print_list(agents);
out:
	json_decref(agents);
	agent_recs_free(recs, nr);
	agent_set_release(&set);
	cmd_close(&c);
	return r;
}

/* ------------------------------------------------------------ env */

static const struct option env_opts[] = {
	OPT_CHOICE(0, "shell", &cli.shell, "sh|fish", "the shell to print for"),
	OPT_END(),
};

static int agents_env_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct agents_cmd c = AGENTS_CMD_INIT;
	const char *shell = cli.shell ? cli.shell : "sh", *name;
	struct strbuf sb = STRBUF_INIT, v = STRBUF_INIT;
	json_t *env, *val, *out = NULL;
	int r;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	out = json_object();
	if ((r = cmd_open(ctx, &c)) < 0)
		goto out;
	env = config_get(c.cfg, "agents.env");
	json_object_foreach(env, name, val) {
		expand_home(&v, &c.env, json_string_value(val));
		json_object_set_new(out, name, json_string(v.buf));
		strbuf_addf(&sb, strcmp(shell, "fish") ? "export %s=" : "set -gx %s ", name);
		strbuf_add_shell_quoted(&sb, v.buf);
		strbuf_addstr(&sb, strcmp(shell, "fish") ? "\n" : ";\n");
	}
	if (ctx->json)
		out_json(json_pack("{s:O}", "env", out));
	else
		fwrite(sb.buf, 1, sb.len, stdout);
out:
	json_decref(out);
	strbuf_release(&sb);
	strbuf_release(&v);
	cmd_close(&c);
	return r;
}

#define AGENTS_FLAGS (CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE)

static const struct sub_entry agents_subs[] = {
	{ .name = "deploy", .summary = "write the agent files for every target CLI",
	  .usage = "[--dry-run] [--force] [--adopt] [--target T]... [--only NAME]... [--user]",
	  .help = "Write the agent files of every template for every target CLI; never\n"
		  "touch a file bosun does not own, nor one a person edited.",
	  .opts = deploy_opts, .flags = AGENTS_FLAGS, .fn = agents_deploy_cmd },
	{ .name = "diff", .summary = "show what a deploy would change",
	  .usage = "[--force] [--adopt] [--target T]... [--only NAME]... [--user]",
	  .help = "Show what a deploy would change, as a unified diff.",
	  .opts = diff_opts, .flags = AGENTS_FLAGS, .fn = agents_diff_cmd },
	{ .name = "verify", .summary = "check the deployed files and the environment",
	  .usage = "[--target T]...",
	  .help = "Check that every file bosun owns is present, unchanged and valid for\n"
		  "its CLI, and that agents.env is set (exit 1 with the list).",
	  .opts = verify_opts, .flags = AGENTS_FLAGS, .fn = agents_verify_cmd },
	{ .name = "list", .summary = "list the agents and their state per target",
	  .usage = "[--target T]...",
	  .help = "List the agents: name, version, and each target's state (ok, outdated,\n"
		  "modified, missing; orphaned when its template is gone).",
	  .opts = list_opts, .flags = CMD_NEEDS_REPO | CMD_NEEDS_STORE,
	  .fn = agents_list_cmd },
	{ .name = "clean", .summary = "remove the unmodified files bosun deployed",
	  .usage = "[--dry-run] [--target T]... [--user]",
	  .help = "Remove the agent files bosun deployed and nobody edited, after a backup.",
	  .opts = clean_opts, .flags = AGENTS_FLAGS, .fn = agents_clean_cmd },
	{ .name = "rollback", .summary = "undo the latest deploy or clean",
	  .usage = "[--dry-run]",
	  .help = "Undo the latest deploy or clean: restore every file and record it\n"
		  "changed (exit 3 when there is none).",
	  .opts = rollback_opts, .flags = AGENTS_FLAGS, .fn = agents_rollback_cmd },
	{ .name = "env", .summary = "print the discovery environment as export lines",
	  .usage = "[--shell sh|fish]",
	  .help = "Print the discovery variables (agents.env) as export lines:\n"
		  "eval \"$(bosun agents env)\".",
	  .opts = env_opts, .flags = AGENTS_FLAGS, .fn = agents_env_cmd },
	{ NULL },
};

const struct cmd_entry cmd_agents = {
	.name = "agents",
	.summary = "agent files for Claude Code, Qwen Code, OpenCode and Copilot",
	.subs = agents_subs,
};
