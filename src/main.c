/*
 * main.c - global options, command lookup, exit code.
 *
 *	bosun [-C DIR] [--json] [-q] [-v] [--no-color] COMMAND [ARGS]
 *
 * --json, -q, -v and --no-color are also accepted after the verb
 * (cmd_run_sub()); -C DIR and --version only before the command.
 * Every handler returns an exit code or a negative error kind (error.h);
 * this file is the one place that turns the latter into a message and an
 * exit code from DESIGN.md's table.
 */
#include "bosun-config.h"
#include "cmd/common.h"
#include "core/error.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "core/opts.h"
#include "lib/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: bosun [-C DIR] [--json] [-q] [-v] [--no-color] COMMAND [ARGS]\n";

static void print_main_help(FILE *f)
{
	const struct cmd_entry *const *e;
	struct bosun_ctx dummy = { 0 };
	const char *dir;
	int version;
	const struct option opts[] = {
		MAIN_OPTS(&dummy, &dir, &version),
		OPT_END(),
	};
	struct strbuf sb = STRBUF_INIT;

	fputs(usage_text, f);
	fputs("\nbosun runs a repository's releases, agents, hooks, deployments "
	      "and upkeep.\n\ncommands:\n", f);
	for (e = cmd_table; *e; e++)
		if (!((*e)->flags & CMD_HIDDEN))
			fprintf(f, "    %-12s %s\n", (*e)->name, (*e)->summary);
	fputs("    help         show help for a command: bosun help COMMAND [VERB]\n"
	      "\nglobal options (before the command; all but -C and --version also\n"
	      "after the verb: bosun version next --json):\n", f);
	opts_help(&sb, opts);
	fwrite(sb.buf, 1, sb.len, f);
	strbuf_release(&sb);
	fputs("\nexit codes: 0 ok, 1 check failed, 2 in progress, 3 not found,\n"
	      "4 conflict, 64 usage, 65 bad input data, 69 unavailable,\n"
	      "70 internal error, 74 I/O error, 75 busy (a lock is held),\n"
	      "77 authentication refused\n", f);
}

static int unknown_command(const char *name)
{
	const char *cands[64];
	const struct cmd_entry *const *e;
	const char *s;
	size_t n = 0;

	for (e = cmd_table; *e && n < 62; e++)
		if (!((*e)->flags & CMD_HIDDEN))
			cands[n++] = (*e)->name;
	cands[n++] = "help";
	cands[n] = NULL;
	s = opts_suggest(name, cands);
	if (s)
		return error_set(BOSUN_EUSAGE,
				 "'%s' is not a bosun command (did you mean '%s'?)",
				 name, s);
	return error_set(BOSUN_EUSAGE,
			 "'%s' is not a bosun command; see 'bosun help'", name);
}

static int run_command(struct bosun_ctx *ctx, int argc, char **argv);

static int cmd_help(struct bosun_ctx *ctx, int argc, char **argv)
{
	char *sub[4];
	int n;

	if (argc < 2 || !strcmp(argv[1], "help")) {
		print_main_help(stdout);
		return 0;
	}
	/* "bosun help X [Y]" is "bosun X [Y] -h", so help and -h never differ. */
	n = 0;
	sub[n++] = argv[1];
	if (argc > 2)
		sub[n++] = argv[2];
	sub[n++] = (char *)"-h";
	sub[n] = NULL;
	return run_command(ctx, n, sub);
}

static int run_command(struct bosun_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e;

	if (!strcmp(argv[0], "help"))
		return cmd_help(ctx, argc, argv);
	e = cmd_find(argv[0]);
	if (!e)
		return unknown_command(argv[0]);
	return cmd_dispatch(ctx, e, argc, argv);
}

static int parse_global(struct bosun_ctx *ctx, int *argc, char **argv)
{
	int show_version = 0;
	const char *dir = NULL;
	const struct option opts[] = {
		MAIN_OPTS(ctx, &dir, &show_version),
		OPT_END(),
	};
	int n = opts_parse(opts, *argc, argv, OPTS_STOP_AT_OPERAND);

	if (n == OPTS_HELP) {
		print_main_help(stdout);
		return 1;
	}
	if (n < 0)
		return n;
	if (show_version) {
		if (ctx->json)
			printf("{\"version\": \"%s\"}\n", BOSUN_VERSION);
		else
			printf("bosun %s\n", BOSUN_VERSION);
		return 1;
	}
	if (dir && chdir(dir) < 0)
		return error_errno(BOSUN_EUSAGE, "cannot change to '%s'", dir);
	ctx->dir = dir;
	ctx_set_color(ctx);
	*argc = n;
	return 0;
}

/*
 * "bosun hook-shim PATH ARGS" is how the kernel runs a hook whose first line
 * is "#!/path/to/bosun hook-shim" (src/lib/hooks/install.c): it becomes
 * "bosun hooks run NAME ARGS", NAME being the hook file's name.
 */
static char **shim_argv(int *argc, char **argv)
{
	char **nv;
	const char *name;
	int i;

	if (*argc < 3 || strcmp(argv[1], "hook-shim"))
		return NULL;
	name = strrchr(argv[2], '/');
	name = name ? name + 1 : argv[2];
	nv = calloc((size_t)*argc + 3, sizeof(*nv));
	if (!nv)
		return NULL;
	nv[0] = argv[0];
	nv[1] = (char *)"hooks";
	nv[2] = (char *)"run";
	nv[3] = (char *)name;
	for (i = 3; i < *argc; i++)
		nv[i + 1] = argv[i];
	*argc += 1;
	return nv;
}

static struct bosun_ctx *takeover_ctx;

/* A lock left by a killed bosun was taken over (core/lockfile.h): say so. */
static void on_lock_takeover(const char *lock_path, long pid)
{
	print_warning(takeover_ctx, "took over '%s': the bosun that held it "
		      "(pid %ld) is gone", lock_path, pid);
}

int main(int argc, char **argv)
{
	struct bosun_ctx ctx = { 0 };
	char **shim = shim_argv(&argc, argv);
	int r;

	if (shim)
		argv = shim;
	r = parse_global(&ctx, &argc, argv);
	if (r > 0)
		return fflush(stdout) != 0 || ferror(stdout) ? BOSUN_EIO : 0;
	if (r == 0 && argc == 0) {
		print_main_help(stderr);
		return BOSUN_EUSAGE;
	}
	takeover_ctx = &ctx;
	lock_on_takeover(on_lock_takeover);
#ifdef BOSUN_HAVE_BACKUP
	store_set_migrate_hook(cmd_backup_before_migrate, &ctx);
#endif
	if (r == 0)
		r = run_command(&ctx, argc, argv);
	fflush(stdout);
	if (r < 0) {
		int code = error_exit_code(r);

		cmd_print_error(&ctx, code);
		if (code == BOSUN_EINTERNAL)
			log_event(LOG_ERROR, "internal", "%s", error_message());
		r = code;
	}
	ctx_release(&ctx);
	free(shim);
	tempfile_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout))
		return BOSUN_EIO;
	return r;
}
