/*
 * doctor.h - bosun doctor: checks of bosun's install, the repository, the
 * optional runtimes and every AI coding CLI, each with a stable id, a
 * status, a message and a fix that is a command which exists.
 *
 *	struct doctor_env env = DOCTOR_ENV_INIT;
 *	env.self = "/usr/bin/bosun"; env.repo = repo; env.cfg = cfg; ...
 *	const struct doctor_check **sel; size_t n;
 *	if ((r = doctor_select(&sel, &n, ids, ids_nr)) < 0)	// -BOSUN_EUSAGE
 *		return r;					// naming the ids
 *	struct doctor_report rep = DOCTOR_REPORT_INIT;
 *	r = doctor_run(&rep, &env, sel, n);	// one result per check
 *	worst = doctor_worst(&rep);		// DOCTOR_OK .. DOCTOR_FAIL
 *	json = doctor_report_json(&rep, &env);	// the schema of docs/doctor.md
 *	doctor_report_release(&rep);
 *
 * A check never fails the run: what it cannot find out is its own result
 * (fail or skip with the reason). Nothing is answered from a cache and
 * nothing touches the network unless env.online is set. Every program a
 * check starts (the CLIs' --version, python3, node, git) runs through
 * core/run with env.timeout_ms as a hard timeout, in its own process group
 * that is killed when the time is up; the CLIs are probed all at once.
 *
 * --fix: doctor_fix_plan() says what doctor_fix() would change (one line
 * each), doctor_fix() does it; a fix is either the check's own (stale
 * locks) or running the fix command it suggests (bosun → this binary).
 * The library prints nothing.
 */
#ifndef BOSUN_LIB_DOCTOR_H
#define BOSUN_LIB_DOCTOR_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <stddef.h>

/* The version of --json's document (docs/doctor.md). */
#define DOCTOR_SCHEMA 1

struct repo;

enum doctor_status { DOCTOR_OK, DOCTOR_SKIP, DOCTOR_WARN, DOCTOR_FAIL };
const char *doctor_status_name(enum doctor_status s);

struct doctor_result {
	const struct doctor_check *check;
	enum doctor_status status;
	char *message;
	char *fix;             /* a command line (bosun or git), or NULL */
	json_t *data;          /* facts: an object, never NULL after a run */
};

struct doctor_report {
	struct doctor_result *items;
	size_t nr;
};
#define DOCTOR_REPORT_INIT { NULL, 0 }
void doctor_report_release(struct doctor_report *rep);

struct doctor_cli_probe;
struct meter;

struct doctor_env {
	const char *self;           /* this binary's real path */
	const char *version;        /* its version */
	struct repo *repo;          /* NULL outside a repository */
	const struct config *cfg;   /* NULL outside a repository */
	const char *home;           /* $HOME (NULL: unknown) */
	const char *path;           /* $PATH */
	int timeout_ms;             /* doctor.timeout */
	int online;                 /* --online: the network may be used */
	struct meter *progress;     /* NULL, or the checks done of those run */
	/* filled while running: the checks run, and the probes of the
	 * programs (CLIs, runtimes) of those, all done at once */
	const struct doctor_check *const *sel;
	size_t sel_nr;
	struct doctor_cli_probe *clis;
	size_t clis_nr;
	int clis_done;
};
#define DOCTOR_ENV_INIT { .timeout_ms = 500 }
void doctor_env_release(struct doctor_env *env);

struct doctor_check {
	const char *id;             /* "install.store", "cli.claude" */
	const char *group;          /* "install", "repo", "runtime", "cli", "scripts" */
	const char *summary;        /* what it checks, one line */
	int in_default;             /* run by a bare `bosun doctor` */
	const void *arg;            /* the check's own (the CLI's table row) */
	/* Fill res (status, message, fix, data). A negative return is a
	 * failure to check, turned into a fail with the message. */
	int (*run)(struct doctor_env *env, const struct doctor_check *c,
		   struct doctor_result *res);
	/* Its own fix (NULL: run res->fix): plan (do 0) or do it (do 1),
	 * one line per change into out. */
	int (*fix)(struct doctor_env *env, const struct doctor_result *res,
		   int doit, struct strbuf *out);
};

/* Every check, in the order of the report; ended by { NULL }. */
extern const struct doctor_check doctor_checks[];
/* The groups, for messages: "install, repo, runtime, cli, scripts". */
void doctor_list_ids(struct strbuf *sb);

/* The checks named by ids (a check's id or a group's name); none: the
 * default ones. An unknown id is -BOSUN_EUSAGE naming the valid ones.
 * *out is allocated, in the registry's order, each once. */
int doctor_select(const struct doctor_check ***out, size_t *nr,
		  const char *const *ids, size_t ids_nr);
const struct doctor_check *doctor_find(const char *id);

/* Run the checks (never negative: each check's trouble is its result). */
int doctor_run(struct doctor_report *rep, struct doctor_env *env,
	       const struct doctor_check *const *sel, size_t nr);
/* The worst status of the report (a skip counts as ok). */
enum doctor_status doctor_worst(const struct doctor_report *rep);
/* The report as docs/doctor.md's document (new reference). */
json_t *doctor_report_json(const struct doctor_report *rep,
			   const struct doctor_env *env);

/* What fixing res would change (doit 0), or change it (doit 1): one line
 * per change into out. -BOSUN_EUSAGE when the check has no fix. */
int doctor_fix(struct doctor_env *env, const struct doctor_result *res,
	       int doit, struct strbuf *out);

/* Set a result (the message printf-style). */
void doctor_set(struct doctor_result *res, enum doctor_status s,
		const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * The parsers of `doctor scripts` (scripts_parse.c), for any bytes:
 * doctor_shebang() puts a script's interpreter into interp ("/bin/sh";
 * the program after /usr/bin/env and its options: "python3") and returns
 * 1, or 0 when text has no "#!" line. doctor_make_parse() appends a
 * Makefile's targets (not special ".X" ones, not pattern rules), each once,
 * with the lines of its recipes (tabs dropped).
 */
int doctor_shebang(struct strbuf *interp, const char *text, size_t len);
struct doctor_make {
	struct doctor_make_target {
		char *name;
		struct strbuf recipe;
	} *items;
	size_t nr;
};
#define DOCTOR_MAKE_INIT { NULL, 0 }
void doctor_make_parse(struct doctor_make *mk, const char *text, size_t len);
void doctor_make_release(struct doctor_make *mk);

/* The configuration keys doctor.* (keys.c). */
extern const struct config_key doctor_config_keys[];

/* The checks, by file (install.c, repo.c, runtime.c, clis.c, scripts.c). */
int doctor_install_version(struct doctor_env *env, const struct doctor_check *c,
			   struct doctor_result *res);
int doctor_install_paths(struct doctor_env *env, const struct doctor_check *c,
			 struct doctor_result *res);
int doctor_install_store(struct doctor_env *env, const struct doctor_check *c,
			 struct doctor_result *res);
int doctor_install_hooks(struct doctor_env *env, const struct doctor_check *c,
			 struct doctor_result *res);
int doctor_install_docs(struct doctor_env *env, const struct doctor_check *c,
			struct doctor_result *res);
int doctor_repo_shallow(struct doctor_env *env, const struct doctor_check *c,
			struct doctor_result *res);
int doctor_repo_hooks_path(struct doctor_env *env, const struct doctor_check *c,
			   struct doctor_result *res);
int doctor_repo_worktrees(struct doctor_env *env, const struct doctor_check *c,
			  struct doctor_result *res);
int doctor_repo_locks(struct doctor_env *env, const struct doctor_check *c,
		      struct doctor_result *res);
int doctor_repo_locks_fix(struct doctor_env *env, const struct doctor_result *res,
			  int doit, struct strbuf *out);
int doctor_repo_watchers(struct doctor_env *env, const struct doctor_check *c,
			 struct doctor_result *res);
int doctor_repo_remote(struct doctor_env *env, const struct doctor_check *c,
		       struct doctor_result *res);
int doctor_runtime_program(struct doctor_env *env, const struct doctor_check *c,
			   struct doctor_result *res);
int doctor_runtime_library(struct doctor_env *env, const struct doctor_check *c,
			   struct doctor_result *res);
int doctor_cli(struct doctor_env *env, const struct doctor_check *c,
	       struct doctor_result *res);
int doctor_scripts(struct doctor_env *env, const struct doctor_check *c,
		   struct doctor_result *res);

/* The rows of the AI CLIs' and runtimes' tables (clis.c, runtime.c). */
struct doctor_cli {
	const char *program;        /* "claude" */
	const char *title;          /* "Claude Code" */
	const char *config_dir;     /* under $HOME */
	const char *agents_target;  /* lib/agents' target id, or NULL */
};
struct doctor_runtime {
	const char *name;           /* "python3", "vectorscan" */
	const char *degrades;       /* what is lost without it */
	int program;                /* 1: a program on PATH; 0: a library */
	const char *fix;            /* the command that installs it, or NULL */
};

#endif
