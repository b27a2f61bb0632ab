/*
 * hooks.h - bosun's git hooks: the checks a hook runs (hooks.<hook>.checks
 * in bosun.yml), the shims `hooks install` writes, and the runner behind
 * `hooks run`.
 *
 * Configuration:
 *
 *	struct hook_checks hc = HOOK_CHECKS_INIT;
 *	struct strbuf why = STRBUF_INIT;
 *	if (hook_checks_parse(&hc, "pre-commit", json, &why) < 0)
 *		... why.buf is "[1].run: must be ..."
 *	hook_checks_release(&hc);
 *
 * Installing (the hooks directory is `git rev-parse --git-path hooks`, which
 * honours core.hooksPath and worktrees; an existing hook is moved to
 * <common-dir>/bosun/hooks/orig/<hook> and restored by uninstall):
 *
 *	struct hook_install_opts o = HOOK_INSTALL_OPTS_INIT;
 *	o.hooks = names; o.nr = n; o.command = "/usr/bin/bosun";
 *	r = hooks_install(repo, &o, &res);	// res: one line per hook
 *	r = hooks_uninstall(repo, &o, &res);
 *	r = hooks_list(repo, cfg, &res);
 *	hook_status_list_release(&res);
 *
 * Running (the hot path: no libgit2, no SQLite; git is run only when a
 * check needs the staged files):
 *
 *	struct hook_run_opts o = HOOK_RUN_OPTS_INIT;
 *	o.hook = "pre-commit"; o.args = argv; o.nr_args = argc;
 *	o.on_result = print_line; o.data = ctx;
 *	r = hooks_run(repo, cfg, &o, &report);	// report.failed: block
 *	hook_report_release(&report);
 *
 * Checks see the staged content: before a pre-commit check that reads the
 * work tree runs, the unstaged changes of tracked files are saved under
 * <common-dir>/bosun/hooks/stash/<worktree>/ (a copy of each file, then a
 * manifest written atomically), the index versions are checked out, and
 * afterwards the copies are put back byte for byte. A signal (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT, SIGPIPE) puts them back before the process
 * dies; after a kill -9, the next hooks_run() in that worktree, or
 * hooks_recover(), does.
 */
#ifndef BOSUN_LIB_HOOKS_H
#define BOSUN_LIB_HOOKS_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <stddef.h>

struct repo;

/* ---- configuration ------------------------------------------------------ */

enum hook_builtin {
	HB_NONE,            /* a command: run */
	HB_COMMIT_LINT,
	HB_SECRETS,
	HB_BEHIND,
	HB_BRANCH_NAME,
	HB_CONFLICT_MARKERS,
	HB_LARGE_FILES,
	HB_OWNERSHIP,       /* a staged file another workstream owns (lib/work) */
};

struct hook_check {
	char *name;
	enum hook_builtin builtin;
	char **run;             /* NULL-terminated argv (or one script) */
	int use_shell;          /* run was written as a string: sh -c */
	char **glob;            /* NULL-terminated, or NULL */
	char **exclude;
	char **env;             /* "NAME=value", NULL-terminated, or NULL */
	int pass_files, stage_fixed, parallel, fail_fast;
	long long timeout_ms;   /* 0: none */
	/* built-in options */
	char *pattern;          /* branch-name: an extended regex */
	long long max_bytes;    /* large-files */
	int fetch;              /* behind: fetch first */
	long long fetch_timeout_ms;
};

struct hook_checks {
	struct hook_check *items;
	size_t nr;
};
#define HOOK_CHECKS_INIT { NULL, 0 }

/* The hooks with a hooks.<hook>.checks key, NULL-terminated. */
extern const char *const hooks_known[];
/* Every hook name git knows (NULL-terminated), and whether name is one. */
extern const char *const hooks_git[];
int hook_is_git_hook(const char *name);
int hooks_is_known(const char *hook);
/* The name of a built-in ("secrets"), or NULL for HB_NONE. */
const char *hook_builtin_name(enum hook_builtin b);

/* Parse v (a hooks.<hook>.checks value) for hook; -1 with "must be ..."
 * after a field path ("[0].glob") in why. */
int hook_checks_parse(struct hook_checks *out, const char *hook,
		      const json_t *v, struct strbuf *why);
void hook_checks_release(struct hook_checks *hc);
/* Load hooks.<hook>.checks from cfg (an unknown hook has no checks). */
int hook_checks_load(struct hook_checks *out, const struct config *cfg,
		     const char *hook);

/* The configuration keys hooks.* (keys.c). */
extern const struct config_key hooks_config_keys[];

/* ---- pre-push input ------------------------------------------------------- */

struct push_ref {
	char *local_ref, *remote_ref;
	char local_oid[65], remote_oid[65];
};
struct push_refs {
	struct push_ref *items;
	size_t nr, alloc;
};
#define PUSH_REFS_INIT { NULL, 0, 0 }

/* Parse the pre-push hook's stdin: "<local ref> <local oid> <remote ref>
 * <remote oid>" lines (40 or 64 hex digits). -BOSUN_EDATA with the line
 * number on anything else. */
int push_refs_parse(struct push_refs *out, const char *buf, size_t len);
void push_refs_release(struct push_refs *p);
/* An all-zero oid: a deleted ref (local) or a new one (remote). */
int push_oid_is_zero(const char *oid);

/* ---- install, uninstall, list --------------------------------------------- */

struct hook_install_opts {
	const char *const *hooks;  /* names; NULL: hooks.install */
	size_t nr;
	const char *command;       /* how the shim starts bosun */
	int force;                 /* install into core.hooksPath */
};
#define HOOK_INSTALL_OPTS_INIT { NULL, 0, NULL, 0 }

enum hook_state {
	HS_NONE,        /* no hook */
	HS_BOSUN,       /* bosun's shim */
	HS_OTHER,       /* somebody else's hook */
};

struct hook_status {
	char *hook;
	enum hook_state state;
	int has_orig;          /* a previous hook is kept and run first */
	size_t checks;         /* configured checks */
	char **check_names;
	const char *action;    /* install/uninstall: what was done */
};
struct hook_status_list {
	struct hook_status *items;
	size_t nr, alloc;
	char *dir;             /* the hooks directory */
	char *hooks_path;      /* core.hooksPath, or NULL */
};
#define HOOK_STATUS_LIST_INIT { NULL, 0, 0, NULL, NULL }
void hook_status_list_release(struct hook_status_list *l);

/* The first line after "#!/bin/sh" that marks a shim as bosun's. */
#define HOOK_SHIM_MARK "# bosun hooks shim: 'bosun hooks uninstall' restores what was here"

int hooks_install(struct repo *repo, const struct config *cfg,
		  const struct hook_install_opts *o,
		  struct hook_status_list *out);
int hooks_uninstall(struct repo *repo, const struct config *cfg,
		    const struct hook_install_opts *o,
		    struct hook_status_list *out);
int hooks_list(struct repo *repo, const struct config *cfg,
	       struct hook_status_list *out);
/* The shim's text for hook, started with command. */
void hooks_shim_text(struct strbuf *sb, const char *command, const char *hook);
/* <common-dir>/bosun/hooks/orig/<hook> into sb. */
void hooks_orig_path(struct strbuf *sb, const struct repo *repo, const char *hook);

/* ---- running -------------------------------------------------------------- */

enum hook_result_status { HR_PASS, HR_FAIL, HR_WARN, HR_SKIP };

struct hook_result {
	char *name;
	enum hook_result_status status;
	char *reason;          /* skip or warning reason, or NULL */
	long long ms;
	struct strbuf out;     /* output (commands: stdout and stderr) */
	int parallel;          /* ran in a group: ms is the group's */
};

struct hook_report {
	struct hook_result *items;
	size_t nr, alloc;
	long long ms;
	size_t passed, failed, warned, skipped;
	int stashed;           /* unstaged changes were set aside */
	size_t restaged;       /* files stage_fixed added back */
	char **notes;          /* things the user should know, NULL-terminated */
	size_t nr_notes;
};
#define HOOK_REPORT_INIT { NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 0 }
void hook_report_release(struct hook_report *rep);

struct hook_run_opts {
	const char *hook;
	char **args;           /* the hook's arguments from git */
	int nr_args;
	const char *in;        /* the hook's stdin (pre-push), or NULL */
	size_t in_len;
	const char *self;      /* bosun's own executable (secrets, deploy) */
	int have_scan;         /* `bosun scan` is built in */
	/* Start the deployment watcher after a push (lib/deploy/trigger.h's
	 * deploy_after_push), or NULL when `bosun deploy` is not built in. */
	int (*after_push)(const struct config *cfg, const char *self, const char *dir,
			  const char *remote, const char *branch, const char *oid,
			  struct strbuf *why);
	const char *skip;      /* BOSUN_SKIP */
	int off;               /* BOSUN_HOOKS=0: only the kept original runs */
	void (*on_result)(const struct hook_result *res, void *data);
	void *data;
	/* The secrets check on the staged files, run in this process rather
	 * than as `bosun scan secrets --staged` (NULL: as a child): returns 0
	 * clean, 1 found, 2 clean but files too large were skipped (a
	 * warning), < 0 an error; the report's text goes to out. Used
	 * for a check with no timeout and no env (which need a child). */
	int (*scan_staged)(void *data, struct strbuf *out);
	void *scan_data;
};
#define HOOK_RUN_OPTS_INIT { NULL, NULL, 0, NULL, 0, NULL, 0, 0, NULL, 0, NULL, NULL, \
			     NULL, NULL }

/* Run the kept original hook, then the configured checks. A failing check
 * sets report.failed; a negative return is an error that stopped the run. */
int hooks_run(struct repo *repo, const struct config *cfg,
	      const struct hook_run_opts *o, struct hook_report *out);

/* ---- the stash of unstaged changes ------------------------------------------ */

struct hook_recover {
	size_t restored;       /* files put back */
	char **conflicts;      /* "<path>" whose copy went to <path>.bosun-unstaged */
	size_t nr_conflicts;
	int found;             /* there was something to recover */
};
#define HOOK_RECOVER_INIT { 0, NULL, 0, 0 }
void hook_recover_release(struct hook_recover *r);

/* Put back the unstaged changes a killed hook left aside in this worktree.
 * A file changed since is not overwritten: the saved copy goes beside it
 * as <path>.bosun-unstaged. -BOSUN_EBUSY when the hook that saved them
 * is still running. */
int hooks_recover(struct repo *repo, struct hook_recover *out);
/* <common-dir>/bosun/hooks/stash/<worktree> into sb. */
void hooks_stash_dir(struct strbuf *sb, const struct repo *repo);

#endif
