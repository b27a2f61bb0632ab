/*
 * common.h - what every command group shares: the context built from the
 * global options, the command table types, option parsing that prints help,
 * and output helpers (text, JSON, colour). Only src/cmd and main.c print.
 *
 * A group file exports one `const struct cmd_entry`; its sub-verbs are a
 * static table of struct sub_entry handed to cmd_dispatch(). A handler
 * returns an exit code (>= 0) after printing its own result, or a negative
 * error kind with the message recorded (error.h), which main.c prints.
 */
#ifndef BOSUN_CMD_COMMON_H
#define BOSUN_CMD_COMMON_H

#include "core/opts.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <stdio.h>

struct config;
struct repo;

struct bosun_ctx {
	int json;
	int quiet;
	int verbose;
	int color;
	const char *dir;       /* -C DIR, already applied with chdir() */
	struct config *cfg;    /* loaded on first use: ctx_config() */
	struct repo *repo;     /* opened on first use: ctx_repo() */
};

struct sub_entry {
	const char *name;
	const char *summary;
	int (*fn)(struct bosun_ctx *ctx, int argc, char **argv);
};

struct cmd_entry {
	const char *name;
	const char *summary;
	/* Either a handler for the whole group, or a table of sub-verbs. */
	int (*fn)(struct bosun_ctx *ctx, int argc, char **argv);
	const struct sub_entry *subs;
};

/* The registry (table.c), terminated by { NULL }. */
extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry *cmd_find(const char *name);

/* Run the sub-verb named by argv[1]; prints the group's help for -h, and
 * suggests the closest verb for an unknown one. argv[0] is the group. */
int cmd_dispatch(struct bosun_ctx *ctx, const struct cmd_entry *e,
		 int argc, char **argv);
/* Print a group's help (its sub-verbs) to f. */
void cmd_group_help(FILE *f, const struct cmd_entry *e);

/*
 * Parse options; on -h print "usage: <usage>", the summary and the option
 * table to stdout and return 1; on a usage error return the negative kind.
 * On success *argc is the number of operands, now at argv[0...].
 */
int cmd_parse(const struct option *opts, const char *usage,
	      const char *summary, int *argc, char **argv);
#define CMD_PARSE(opts, usage, summary, argc, argv)                          \
	do {                                                                 \
		int cmd_parse_r_ = cmd_parse((opts), (usage), (summary),     \
					     &(argc), (argv));               \
		if (cmd_parse_r_)                                            \
			return cmd_parse_r_ > 0 ? 0 : cmd_parse_r_;          \
	} while (0)

/* A usage error for extra or missing operands. */
int cmd_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Context resources, loaded on first use (errors recorded). */
int ctx_config(struct bosun_ctx *ctx, struct config **out);
int ctx_repo(struct bosun_ctx *ctx, struct repo **out);
void ctx_release(struct bosun_ctx *ctx);

/* Print a JSON value to stdout (indented, newline) and take the reference. */
void out_json(json_t *v);
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

/* Print "bosun: <what>: message" and the hint to stderr, as main.c does for
 * errors, for handlers that report an error and go on. */
void print_error(const char *what);
void print_warning(struct bosun_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
