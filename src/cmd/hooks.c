/*
 * hooks.c - bosun hooks: install, uninstall, list, run, recover.
 */
#include "cmd/common.h"

#include "bosun-config.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/hooks/hooks.h"
#ifdef BOSUN_HAVE_MERGE
#include "lib/merge/merge.h"
#endif
#ifdef BOSUN_HAVE_SCAN
#include "core/fs.h"
#include "lib/scan/scan.h"

#include <pthread.h>
#include <signal.h>
#endif
#ifdef BOSUN_HAVE_DEPLOY
#include "lib/deploy/trigger.h"
#endif

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STDIN_CAP (16u << 20)

static const char *state_name(enum hook_state s)
{
	return s == HS_BOSUN ? "bosun" : s == HS_OTHER ? "other" : "none";
}

static json_t *status_json(const struct hook_status_list *l, int with_action)
{
	json_t *arr = json_array();
	size_t i, j;

	for (i = 0; i < l->nr; i++) {
		const struct hook_status *s = &l->items[i];
		json_t *o = json_pack("{s:s, s:s, s:b}", "hook", s->hook,
				      "installed", state_name(s->state),
				      "previous", s->has_orig);

		if (with_action)
			json_object_set_new(o, "action", json_string(s->action));
		else {
			json_t *names = json_array();

			for (j = 0; j < s->checks; j++)
				json_array_append_new(names, json_string(s->check_names[j]));
			json_object_set_new(o, "checks", names);
		}
		json_array_append_new(arr, o);
	}
	return json_pack("{s:s, s:s?, s:o}", "dir", l->dir, "hooks_path",
			 l->hooks_path, "hooks", arr);
}

static int same_dir(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/*
 * git runs a linked worktree's hooks with GIT_DIR set to the worktree's git
 * directory, which repo_discover() does not take (it wants objects/ there):
 * then find the repository from the work tree, and check it is the same.
 */
static int hook_repo(struct bosun_ctx *ctx, struct repo **out)
{
	const char *gd = getenv("GIT_DIR");
	char *saved;
	int r;

	if ((r = ctx_repo(ctx, out)) == 0 || !gd || !*gd)
		return r;
	saved = xstrdup(gd);
	error_clear();
	unsetenv("GIT_DIR");
	r = ctx_repo(ctx, out);
	setenv("GIT_DIR", saved, 1);
	if (r == 0 && !same_dir((*out)->gitdir, saved))
		r = error_set(BOSUN_ENOTFOUND, "not a git repository: GIT_DIR='%s'", saved);
	free(saved);
	return r;
}

static int open_both(struct bosun_ctx *ctx, struct repo **repo,
		     struct config **cfg)
{
	int r;

	if ((r = hook_repo(ctx, repo)) < 0 || (r = ctx_config(ctx, cfg)) < 0)
		return r;
	if (!(*repo)->workdir)
		return error_set(BOSUN_EUSAGE, "hooks need a work tree; this repository is bare");
	return 0;
}

/* ---- install / uninstall ------------------------------------------------------- */

/* merge: what became of the merge driver's registration (NULL: none). */
static void print_changes(struct bosun_ctx *ctx, const struct hook_status_list *l,
			  const char *merge)
{
	size_t i;

	if (ctx->json) {
		json_t *o = status_json(l, 1);

		if (merge)
			json_object_set_new(o, "merge_driver", json_string(merge));
		out_json(o);
		return;
	}
	for (i = 0; i < l->nr; i++)
		printf("%-18s %s\n", l->items[i].hook, l->items[i].action);
	if (merge)
		printf("%-18s %s\n", "merge-driver", merge);
	if (!ctx->quiet)
		fprintf(stderr, "hooks folder: %s\n", l->dir);
}

static int opt_force, opt_use_path;

static const struct option install_opts[] = {
	OPT_FORCE(&opt_force, "install into core.hooksPath when it is set"),
	OPT_BOOL(0, "use-path", &opt_use_path, "shims run 'bosun' from PATH, not this binary's absolute path"),
	OPT_END(),
};

static int hooks_install_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int force = opt_force, use_path = opt_use_path, r;
	struct hook_install_opts o = HOOK_INSTALL_OPTS_INIT;
	struct hook_status_list l = HOOK_STATUS_LIST_INIT;
	struct strbuf self = STRBUF_INIT;
	const char *merge = NULL;
	struct repo *repo;
	struct config *cfg;

	if ((r = open_both(ctx, &repo, &cfg)) < 0)
		return r;
	if (use_path)
		strbuf_addstr(&self, "bosun");
	else if ((r = cmd_self_path(&self)) < 0)
		return r;
	o.hooks = (const char *const *)argv;
	o.nr = (size_t)argc;
	o.command = self.buf;
	o.force = force;
	r = hooks_install(repo, cfg, &o, &l);
#ifdef BOSUN_HAVE_MERGE
	/* The merge driver for changelogs, roadmaps and checklists comes
	 * with the hooks (docs/merge.md). */
	if (r == 0 && (r = merge_register(repo, cfg, MERGE_SCOPE_REPO, self.buf)) >= 0) {
		merge = r ? "registered" : "unchanged";
		r = 0;
	}
#endif
	if (r == 0)
		print_changes(ctx, &l, merge);
	hook_status_list_release(&l);
	strbuf_release(&self);
	return r;
}

static int hooks_uninstall_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	const char *merge = NULL;
	struct hook_install_opts o = HOOK_INSTALL_OPTS_INIT;
	struct hook_status_list l = HOOK_STATUS_LIST_INIT;
	struct repo *repo;
	struct config *cfg;
	int r;

	if ((r = open_both(ctx, &repo, &cfg)) < 0)
		return r;
	o.hooks = (const char *const *)argv;
	o.nr = (size_t)argc;
	r = hooks_uninstall(repo, cfg, &o, &l);
#ifdef BOSUN_HAVE_MERGE
	/* Only a full uninstall takes the merge driver away. */
	if (r == 0 && !argc && (r = merge_unregister(repo, MERGE_SCOPE_REPO)) >= 0) {
		merge = r ? "removed" : "not registered";
		r = 0;
	}
#endif
	if (r == 0)
		print_changes(ctx, &l, merge);
	hook_status_list_release(&l);
	return r;
}

/* ---- list ------------------------------------------------------------------------ */

static int hooks_list_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct hook_status_list l = HOOK_STATUS_LIST_INIT;
	struct repo *repo;
	struct config *cfg;
	size_t i, j;
	int r;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = open_both(ctx, &repo, &cfg)) < 0 || (r = hooks_list(repo, cfg, &l)) < 0)
		goto out;
	if (ctx->json) {
		out_json(status_json(&l, 0));
		goto out;
	}
	for (i = 0; i < l.nr; i++) {
		const struct hook_status *s = &l.items[i];

		printf("%-18s %-22s", s->hook,
		       s->state == HS_BOSUN ? (s->has_orig ? "installed (+previous)" : "installed")
		       : s->state == HS_OTHER ? "other hook" : "not installed");
		for (j = 0; j < s->checks; j++)
			printf("%s%s", j ? ", " : "", s->check_names[j]);
		printf("%s\n", s->checks ? "" : "-");
	}
	if (!ctx->quiet)
		fprintf(stderr, "hooks folder: %s%s%s\n", l.dir,
			l.hooks_path ? " (core.hooksPath)" : "", "");
out:
	hook_status_list_release(&l);
	return r;
}

/* ---- run ------------------------------------------------------------------------- */

static const char *status_word(enum hook_result_status s)
{
	switch (s) {
	case HR_PASS: return "ok";
	case HR_FAIL: return "FAIL";
	case HR_WARN: return "warn";
	case HR_SKIP: return "skip";
	}
	return "?";
}

static void print_output(const struct strbuf *out)
{
	const char *p = out->buf;

	while (*p) {
		size_t n = strcspn(p, "\n");

		fprintf(stderr, "      %.*s\n", (int)n, p);
		p += n + (p[n] ? 1 : 0);
	}
}

static void on_result(const struct hook_result *res, void *data)
{
	struct bosun_ctx *ctx = data;
	const char *color = res->status == HR_FAIL ? c_red(ctx) :
			    res->status == HR_WARN ? c_yellow(ctx) :
			    res->status == HR_PASS ? c_green(ctx) : c_dim(ctx);

	if (ctx->json || (ctx->quiet && res->status != HR_FAIL))
		return;
	fprintf(stderr, "  %s%-4s%s  %-24s", color, status_word(res->status),
		c_reset(ctx), res->name);
	if (res->status == HR_SKIP)
		fprintf(stderr, " %s\n", res->reason ? res->reason : "");
	else
		fprintf(stderr, " %5lld ms%s%s%s\n", res->ms,
			res->parallel ? " (parallel)" : "", res->reason ? ": " : "",
			res->reason ? res->reason : "");
	if (res->status == HR_FAIL || res->status == HR_WARN || ctx->verbose)
		print_output(&res->out);
}

static json_t *report_json(const char *hook, const struct hook_report *rep)
{
	json_t *checks = json_array(), *notes = json_array();
	static const char *const names[] = { "pass", "fail", "warn", "skip" };
	size_t i;

	for (i = 0; i < rep->nr; i++) {
		const struct hook_result *r = &rep->items[i];
		struct strbuf out = STRBUF_INIT;

		strbuf_add_utf8_lossy(&out, r->out.buf, r->out.len);
		json_array_append_new(checks, json_pack("{s:s, s:s, s:I, s:s?, s:s%}",
			"name", r->name, "status", names[r->status], "ms", (json_int_t)r->ms,
			"reason", r->reason, "output", out.buf, out.len));
		strbuf_release(&out);
	}
	for (i = 0; i < rep->nr_notes; i++)
		json_array_append_new(notes, json_string(rep->notes[i]));
	return json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:b, s:o, s:o}",
			 "hook", hook, "ok", !rep->failed, "ms", (json_int_t)rep->ms,
			 "passed", (json_int_t)rep->passed, "failed", (json_int_t)rep->failed,
			 "warned", (json_int_t)rep->warned, "skipped", (json_int_t)rep->skipped,
			 "stashed", rep->stashed, "checks", checks, "notes", notes);
}

static void print_summary(struct bosun_ctx *ctx, const char *hook,
			  const struct hook_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nr_notes && !ctx->json; i++)
		fprintf(stderr, "bosun: %s\n", rep->notes[i]);
	if (ctx->json) {
		out_json(report_json(hook, rep));
		return;
	}
	if (!rep->nr || (ctx->quiet && !rep->failed))
		return;
	fprintf(stderr, "bosun %s: %s%zu failed%s, %zu passed", hook,
		rep->failed ? c_red(ctx) : "", rep->failed, c_reset(ctx), rep->passed);
	if (rep->warned)
		fprintf(stderr, ", %zu warning(s)", rep->warned);
	if (rep->skipped)
		fprintf(stderr, ", %zu skipped", rep->skipped);
	fprintf(stderr, " (%lld ms)%s\n", rep->ms,
		rep->failed ? "; skip a check with BOSUN_SKIP=name, all with --no-verify" : "");
}

static int read_all_stdin(struct strbuf *sb)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		strbuf_add(sb, buf, (size_t)n);
		if (sb->len > STDIN_CAP)
			return error_set(BOSUN_EDATA, "hook input on stdin is over 16 MiB");
	}
	if (n < 0)
		return error_errno(BOSUN_EIO, "cannot read the hook's stdin");
	return 0;
}

static int hooks_off(void)
{
	const char *v = getenv("BOSUN_HOOKS");

	return v && (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") ||
		     !strcmp(v, "off"));
}

#ifdef BOSUN_HAVE_SCAN
/* The secrets check of a pre-commit hook, here rather than in a child
 * `bosun scan secrets --staged`: the same setup, scan and text. The
 * engine (Vectorscan loaded, its database read) is made on a thread
 * while git lists the staged files. */
struct staged_scan {
	struct repo *repo;
	const struct config *cfg;
	struct scan_setup setup;
	struct scan_engine *e;
	int r;
	struct strbuf err;
};

static void *make_engine(void *arg)
{
	struct staged_scan *ss = arg;

	if ((ss->r = scan_engine_new(&ss->e, &ss->setup.rules, &ss->setup.opts)) < 0)
		strbuf_addstr(&ss->err, error_message());
	error_release();
	return NULL;
}

static int scan_staged_here(void *data, struct strbuf *out)
{
	struct staged_scan *ss = data;
	const struct scan_colors plain = { "", "", "", "" };
	struct scan_report rep = SCAN_REPORT_INIT;
	struct scan_staged *st = NULL;
	struct strbuf objects = STRBUF_INIT;
	pthread_t thread;
	sigset_t all, old;
	int r, threaded;

	ss->e = NULL;
	ss->r = 0;
	strbuf_init(&ss->err, 0);
	if ((r = scan_setup_load(&ss->setup, ss->cfg, ss->repo->workdir, NULL, 0,
				 NULL, 0)) < 0)
		goto out;
	/* A hook must not let a secret pass unseen: large files are
	 * streamed unless scan.large_files says otherwise. */
	ss->setup.opts.large_files = scan_large_resolve(ss->setup.opts.large_files, 1);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	threaded = !pthread_create(&thread, NULL, make_engine, ss);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fs_path_join(&objects, ss->repo->common_dir, "objects");
	r = scan_staged_list(&st, ss->repo, ss->repo->workdir, objects.buf,
			     ss->setup.opts.max_file_size);
	if (threaded)
		pthread_join(thread, NULL);
	else
		make_engine(ss);
	if (r < 0)
		goto out;
	if ((r = ss->r) < 0) {
		r = error_set(-r, "%s", ss->err.buf);
		goto out;
	}
	if ((r = scan_staged_scan(ss->e, st, ss->repo->workdir, &rep)) < 0)
		goto out;
	scan_report_finish(&rep);
	scan_format_findings(out, &rep, &plain);
	scan_format_summary(out, &rep, &plain, &ss->setup.opts);
	/* Large files skipped (scan.large_files: skip) pass with a warning,
	 * so that the hook shows their names. */
	r = scan_report_failed(&rep, &ss->setup.opts) ? 1 : rep.nr_skipped ? 2 : 0;
out:
	scan_staged_free(st);
	scan_report_release(&rep);
	scan_engine_free(ss->e);
	scan_setup_release(&ss->setup);
	strbuf_release(&objects);
	strbuf_release(&ss->err);
	return r;
}
#endif

static int hooks_run_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct hook_run_opts o = HOOK_RUN_OPTS_INIT;
	struct hook_report rep = HOOK_REPORT_INIT;
	struct strbuf in = STRBUF_INIT, self = STRBUF_INIT;
	struct repo *repo;
	struct config *cfg;
#ifdef BOSUN_HAVE_SCAN
	struct staged_scan ss;
#endif
	int n = argc, r;

	if (n < 1)
		return cmd_usage_error("which hook? e.g. pre-commit");
	if (!hook_is_git_hook(argv[0])) {
		const char *near = opts_suggest(argv[0], hooks_git);

		return near ? cmd_usage_error("'%s' is not a git hook (did you mean '%s'?)",
					      argv[0], near)
			    : cmd_usage_error("'%s' is not a git hook; see githooks(5)",
					      argv[0]);
	}
	if ((r = open_both(ctx, &repo, &cfg)) < 0)
		return r;
	o.hook = argv[0];
	o.args = argv + 1;
	o.nr_args = n - 1;
	if (!strcmp(o.hook, "pre-push") || !strcmp(o.hook, "post-rewrite")) {
		if ((r = read_all_stdin(&in)) < 0)
			goto out;
		o.in = in.buf;
		o.in_len = in.len;
	}
	if (cmd_self_path(&self) == 0)
		o.self = self.buf;
	error_clear();
	o.have_scan = cmd_find("scan") != NULL;
#ifdef BOSUN_HAVE_SCAN
	memset(&ss, 0, sizeof(ss));
	ss.repo = repo;
	ss.cfg = cfg;
	ss.setup = (struct scan_setup)SCAN_SETUP_INIT;
	o.scan_staged = scan_staged_here;
	o.scan_data = &ss;
#endif
#ifdef BOSUN_HAVE_DEPLOY
	o.after_push = deploy_after_push;
#endif
	o.skip = getenv("BOSUN_SKIP");
	o.off = hooks_off();
	o.on_result = on_result;
	o.data = ctx;
	r = hooks_run(repo, cfg, &o, &rep);
	if (r == 0) {
		print_summary(ctx, o.hook, &rep);
		r = rep.failed ? BOSUN_EFAIL : 0;
	}
	hook_report_release(&rep);
out:
	strbuf_release(&self);
	strbuf_release(&in);
	return r;
}

/* ---- recover --------------------------------------------------------------------- */

static int hooks_recover_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct hook_recover res = HOOK_RECOVER_INIT;
	struct repo *repo;
	size_t i;
	int r;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = hook_repo(ctx, &repo)) < 0 || (r = hooks_recover(repo, &res)) < 0)
		return r;
	if (ctx->json) {
		json_t *beside = json_array();

		for (i = 0; i < res.nr_conflicts; i++)
			json_array_append_new(beside, json_string(res.conflicts[i]));
		out_json(json_pack("{s:b, s:I, s:o}", "found", res.found,
				   "restored", (json_int_t)res.restored, "beside", beside));
	} else if (!res.found) {
		printf("nothing to recover\n");
	} else {
		printf("put back %zu file(s)\n", res.restored);
		for (i = 0; i < res.nr_conflicts; i++)
			printf("changed since: your unstaged version is in %s\n",
			       res.conflicts[i]);
	}
	hook_recover_release(&res);
	return 0;
}

static const struct sub_entry hooks_subs[] = {
	{ .name = "install", .summary = "write the hook shims (keeping any hook already there)",
	  .usage = "[--force] [--use-path] [HOOK...]",
	  .help = "Write shims that run 'bosun hooks run HOOK' for the hooks named, or\n"
		  "hooks.install (default pre-commit, commit-msg, pre-push). A hook already\n"
		  "there is kept and run first; 'bosun hooks uninstall' puts it back.\n"
		  "Also registers 'bosun merge-driver' (merge.bosun.* in .git/config, and\n"
		  "merge=bosun for the merge.kinds files in .git/info/attributes).",
	  .opts = install_opts, .fn = hooks_install_cmd },
	{ .name = "uninstall", .summary = "remove the shims and put back what was there",
	  .usage = "[HOOK...]",
	  .help = "Remove bosun's shims (all, or the hooks named) and put back the hooks\n"
		  "they replaced, byte for byte. Hooks that are not bosun's are left alone.\n"
		  "Without HOOKs it also removes the merge driver's registration.",
	  .fn = hooks_uninstall_cmd },
	{ .name = "list", .summary = "show installed hooks and configured checks",
	  .help = "Show each hook: whether bosun's shim is installed, whether a previous\n"
		  "hook is kept, and the checks configured for it.",
	  .fn = hooks_list_cmd },
	/* What git runs: git's arguments after HOOK are passed on untouched.
	 * The repository is found by hook_repo() (a linked worktree's GIT_DIR),
	 * so no CMD_NEEDS_REPO. */
	{ .name = "run", .summary = "run a hook's checks (what the shims call)",
	  .usage = "HOOK [ARG...]",
	  .help = "Run HOOK's checks (what the shims do); ARGs are git's.\n"
		  "BOSUN_SKIP=name,name skips checks; BOSUN_HOOKS=0 skips them all.",
	  .flags = CMD_STOP_AT_OPERAND | CMD_HOT_PATH, .fn = hooks_run_cmd },
	{ .name = "recover", .summary = "put back unstaged changes a killed hook set aside",
	  .help = "Put back the unstaged changes a killed hook (kill -9, power loss) left\n"
		  "set aside. A file changed since is not overwritten: the saved version\n"
		  "goes beside it as FILE.bosun-unstaged.",
	  .fn = hooks_recover_cmd },
	{ NULL },
};

const struct cmd_entry cmd_hooks = {
	.name = "hooks", .summary = "git hooks with millisecond overhead",
	.subs = hooks_subs,
};
