/*
 * common.h - what every command group shares: the context built from the
 * global options, the command table, option parsing that prints help, and
 * output helpers (text, JSON, colour). Only src/cmd and main.c print.
 *
 * A group file exports one `const struct cmd_entry`: either a table of
 * verbs (struct sub_entry, ended by { NULL }) or, for a group that is one
 * command (`bosun release`), that one entry as `self`. An entry carries all
 * that is known about its command before it runs: summary, usage, help
 * text, option table and flags. The same entry parses argv, prints -h, and
 * is read by `bosun __generate` to write the man pages and the shell
 * completions, so none of them can drift from the others.
 *
 *	static struct { int dry_run; const char *pre; } bump_args;
 *	static const struct option bump_opts[] = {
 *		OPT_PRE(&bump_args.pre),
 *		OPT_DRY_RUN(&bump_args.dry_run),
 *		OPT_END(),
 *	};
 *	static const struct sub_entry version_subs[] = {
 *		{ .name = "bump", .summary = "write the next version",
 *		  .usage = "[LEVEL] [--pre ID] [--dry-run]",
 *		  .help = "Write the next version into the version files.",
 *		  .opts = bump_opts, .flags = CMD_NEEDS_WORKTREE,
 *		  .fn = version_bump_cmd },
 *		{ NULL },
 *	};
 *
 * cmd_run() parses the verb's options (and the global ones, which are
 * accepted after the verb too), prints -h, acts on the flags, then calls the
 * handler with the operands only: argv[0 .. argc-1]. A process runs one
 * verb, so option values live in the verb's file-scope args struct. A
 * handler returns an exit code (>= 0) after printing its own result, or a
 * negative error kind with the message recorded (error.h), which main.c
 * prints with cmd_print_error().
 */
#ifndef BOSUN_CMD_COMMON_H
#define BOSUN_CMD_COMMON_H

#include "core/opts.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <stdio.h>

struct config;
struct config_key;
struct repo;

struct bosun_ctx {
	int json;
	int quiet;
	int verbose;
	int no_color;          /* --no-color, before or after the verb */
	int color;             /* colour on: see ctx_set_color() */
	const char *dir;       /* -C DIR, already applied with chdir() */
	struct config *cfg;    /* loaded on first use: ctx_config() */
	struct repo *repo;     /* opened on first use: ctx_repo() */
	/* The backup cmd_backup_before_migrate() took (NULL: none), and its
	 * size, for bosun migrate --json. */
	char *migrate_backup;
	long long migrate_backup_bytes;
};

/*
 * What cmd_run() does before the handler (git's RUN_SETUP, NEED_WORK_TREE).
 */
enum cmd_flags {
	/* Open the repository (ctx->repo) before the handler; outside one the
	 * verb fails with repo_discover()'s one message and hint (exit 3). */
	CMD_NEEDS_REPO = 1 << 0,
	/* CMD_NEEDS_REPO, and a bare repository is a usage error (64) with
	 * one message for every verb. */
	CMD_NEEDS_WORKTREE = 1 << 1,
	/* The verb reads or writes the state store (in the repository's
	 * common dir): implies CMD_NEEDS_REPO, and may not be CMD_HOT_PATH
	 * (`bosun __generate check` fails on both). */
	CMD_NEEDS_STORE = 1 << 2,
	/* The verb runs inside git hooks and agents' loops and must start in
	 * about a millisecond: its common path must not load libgit2, libcurl
	 * or Vectorscan, nor open the state store. Nothing enforces this at
	 * run time; tests/cli/t0010-command-table.sh runs every hot verb under
	 * LD_DEBUG and fails when one of them is loaded. */
	CMD_HOT_PATH = 1 << 3,
	/* Options end at the first operand, which is kept with everything
	 * after it (`hooks run HOOK ARG...`: git's arguments are not ours). */
	CMD_STOP_AT_OPERAND = 1 << 4,
	/* Not listed by help, man pages or completions (`__generate`). */
	CMD_HIDDEN = 1 << 5,
};

struct sub_entry {
	const char *name;
	const char *summary;          /* one line, lowercase: lists, man NAME */
	const char *usage;            /* what follows "bosun GROUP VERB" */
	const char *help;             /* -h's paragraph, and the man page's */
	const struct option *opts;    /* NULL: no options of its own */
	unsigned flags;               /* enum cmd_flags */
	int (*fn)(struct bosun_ctx *ctx, int argc, char **argv);
};

struct cmd_entry {
	const char *name;
	const char *summary;
	/* Either a table of verbs, or the group is one command: self. */
	const struct sub_entry *subs;
	const struct sub_entry *self;
	unsigned flags;               /* CMD_HIDDEN */
};

/*
 * Options that several verbs share, declared once so that they read alike
 * everywhere (the same name, short name, argument and help).
 */
#define OPT_DRY_RUN(v) \
	OPT_BOOL('n', "dry-run", (v), "show what would change, change nothing")
#define OPT_PACKAGE(v) \
	OPT_STRING('p', "package", (v), "NAME", "a monorepo package (fills {name})")
#define OPT_TAG_FORMAT(v) \
	OPT_STRING(0, "tag-format", (v), "FMT", "tag format instead of release.tag")
#define OPT_PRE(v) OPT_STRING(0, "pre", (v), "ID", "a prerelease: X.Y.Z-ID.N")
#define OPT_RANGE(v, h) OPT_STRING(0, "range", (v), "A..B", (h))
#define OPT_FORCE(v, h) OPT_BOOL('f', "force", (v), (h))
#define OPT_TARGET(v, h) OPT_LIST('t', "target", (v), "T", (h))
#define OPT_USER(v, h) OPT_BOOL(0, "user", (v), (h))

/*
 * The global options accepted before the command and after the verb:
 * GLOBAL_OPTS(ctx) goes into an option table. -C DIR and --version are
 * accepted before the command only (main.c).
 */
#define GLOBAL_OPTS(ctx)                                                    \
	OPT_BOOL(0, "json", &(ctx)->json, "machine-readable output on stdout"), \
	OPT_BOOL('q', "quiet", &(ctx)->quiet, "print only errors and results"), \
	OPT_COUNT('v', "verbose", &(ctx)->verbose, "say more (repeat for more)"), \
	OPT_BOOL(0, "no-color", &(ctx)->no_color, "no colour (also: NO_COLOR=1)")
/* The options before the command: -C DIR, the global ones, --version. */
#define MAIN_OPTS(ctx, dir, version)                                        \
	OPT_STRING('C', NULL, (dir), "DIR", "run as if started in DIR"),     \
	GLOBAL_OPTS(ctx),                                                   \
	OPT_BOOL(0, "version", (version), "print bosun's version")

/* The registry (table.c), terminated by { NULL }. */
extern const struct cmd_entry *const cmd_table[];
/* The tables of configuration keys of the groups built (keys.c), in the
 * order of "bosun config", terminated by NULL; ctx_config() loads them. */
extern const struct config_key *const config_tables[];
const struct cmd_entry *cmd_find(const char *name);
/* A group's verb by name, or NULL. */
const struct sub_entry *cmd_find_sub(const struct cmd_entry *e, const char *name);

/*
 * Run a command: argv[0] is the group. A group of verbs takes the verb from
 * argv[1] (its list for -h, the closest verb for an unknown one); then
 * cmd_run_sub() runs it.
 */
int cmd_dispatch(struct bosun_ctx *ctx, const struct cmd_entry *e,
		 int argc, char **argv);
/* Parse s's options and the global ones from argv (argv[0] is the verb),
 * print -h, act on s->flags, call s->fn with the operands. */
int cmd_run_sub(struct bosun_ctx *ctx, const struct cmd_entry *e,
		const struct sub_entry *s, int argc, char **argv);
/* Print a group's help (its sub-verbs) to f. */
void cmd_group_help(FILE *f, const struct cmd_entry *e);
/* "bosun GROUP [VERB] USAGE", the verb's synopsis. */
void cmd_synopsis(struct strbuf *sb, const struct cmd_entry *e,
		  const struct sub_entry *s);

/* A usage error for extra or missing operands of the running verb, with
 * its synopsis as the hint. */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The store's migrate hook (lib/store/store.h), set by main.c: a backup
 * before any migration (cmd/backup.c). data is the bosun_ctx. */
int cmd_backup_before_migrate(void *data, const char *location, int from, int to);

/* Context resources, loaded on first use (errors recorded). */
int ctx_config(struct bosun_ctx *ctx, struct config **out);
int ctx_repo(struct bosun_ctx *ctx, struct repo **out);
/* bosun's own absolute path (for git to start it: hooks, the merge driver). */
int cmd_self_path(struct strbuf *sb);
void ctx_release(struct bosun_ctx *ctx);
/* Colour on unless --no-color, NO_COLOR, a non-terminal or TERM=dumb. */
void ctx_set_color(struct bosun_ctx *ctx);

/* Print a JSON value to stdout (indented, newline) and take the reference.
 * Like out_write(), it never prints a credential whole. */
void out_json(json_t *v);
/* Write s to stdout with credential shapes (tokens, key ids, private keys,
 * URL passwords: core/redact.h's REDACT_SHAPES) replaced by "[REDACTED]".
 * Text that may hold data from outside bosun (commit messages, config
 * values) goes through here or out_json(). */
void out_write(const char *s, size_t len);
/* Whether a command already printed its JSON document (main.c then prints
 * no second one for an error). */
extern int json_emitted;

/* Colour helpers: return the escape when colour is on, else "". */
const char *c_bold(const struct bosun_ctx *ctx);
const char *c_red(const struct bosun_ctx *ctx);
const char *c_green(const struct bosun_ctx *ctx);
const char *c_yellow(const struct bosun_ctx *ctx);
const char *c_dim(const struct bosun_ctx *ctx);
const char *c_reset(const struct bosun_ctx *ctx);

/*
 * The one error printer: "bosun: message" and a "hint: " line for each line
 * of the hint on stderr, and with --json (unless the command printed its
 * document already) {"error": {"message", "exit", "hint"}} on stdout, as
 * docs/exit-codes.md shows. code is the exit code.
 */
void cmd_print_error(const struct bosun_ctx *ctx, int code);
void print_warning(struct bosun_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
