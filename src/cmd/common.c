#include "cmd/common.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct cmd_entry *cmd_find(const char *name)
{
	const struct cmd_entry *const *e;

	for (e = cmd_table; *e; e++)
		if (!strcmp((*e)->name, name))
			return *e;
	return NULL;
}

const struct sub_entry *cmd_find_sub(const struct cmd_entry *e, const char *name)
{
	const struct sub_entry *s;

	for (s = e->subs; s && s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

void cmd_group_help(FILE *f, const struct cmd_entry *e)
{
	const struct sub_entry *s;

	fprintf(f, "usage: bosun %s <verb> [options]\n\n%s\n\nverbs:\n",
		e->name, e->summary);
	for (s = e->subs; s->name; s++)
		if (!(s->flags & CMD_HIDDEN))
			fprintf(f, "    %-12s %s\n", s->name, s->summary);
	fprintf(f, "\nsee 'bosun help %s <verb>' for a verb's options\n", e->name);
}

void cmd_synopsis(struct strbuf *sb, const struct cmd_entry *e,
		  const struct sub_entry *s)
{
	strbuf_addf(sb, "bosun %s", e->name);
	if (!e->self)
		strbuf_addf(sb, " %s", s->name);
	if (s->usage && *s->usage)
		strbuf_addf(sb, " %s", s->usage);
}

/* The verb cmd_run_sub() is running, for cmd_usage_error()'s hint. */
static const struct cmd_entry *cur_group;
static const struct sub_entry *cur_sub;

static void usage_hint(void)
{
	struct strbuf sb = STRBUF_INIT;

	if (!cur_sub)
		return;
	cmd_synopsis(&sb, cur_group, cur_sub);
	error_hint("usage: %s", sb.buf);
	strbuf_release(&sb);
}

static void print_sub_help(const struct cmd_entry *e, const struct sub_entry *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "usage: ");
	cmd_synopsis(&sb, e, s);
	strbuf_addch(&sb, '\n');
	if (s->help)
		strbuf_addf(&sb, "\n%s\n", s->help);
	if (s->opts && s->opts[0].type != OPTT_END) {
		strbuf_addstr(&sb, "\noptions:\n");
		opts_help(&sb, s->opts);
	}
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
}

/* The verb's options, then the global ones: a verb's own -v or --json
 * comes first and wins (opts_parse() takes the first match). */
static struct option *with_globals(struct bosun_ctx *ctx, const struct option *opts)
{
	const struct option globals[] = { GLOBAL_OPTS(ctx), OPT_END() };
	struct option *all;
	size_t n = 0;

	while (opts && opts[n].type != OPTT_END)
		n++;
	all = xcalloc(n + ARRAY_SIZE(globals), sizeof(*all));
	if (n)
		memcpy(all, opts, n * sizeof(*all));
	memcpy(all + n, globals, sizeof(globals));
	return all;
}

static int check_flags(struct bosun_ctx *ctx, unsigned flags)
{
	struct repo *repo;
	int r;

	if (!(flags & (CMD_NEEDS_REPO | CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE)))
		return 0;
	if ((r = ctx_repo(ctx, &repo)) < 0)
		return r;
	if ((flags & CMD_NEEDS_WORKTREE) && !repo->workdir) {
		struct strbuf sb = STRBUF_INIT;

		cmd_synopsis(&sb, cur_group, cur_sub);
		/* Only "bosun GROUP [VERB]": the synopsis up to its usage. */
		if (cur_sub->usage && *cur_sub->usage)
			strbuf_setlen(&sb, sb.len - strlen(cur_sub->usage) - 1);
		r = error_set(BOSUN_EUSAGE, "'%s' needs a work tree; this repository is bare",
			      sb.buf);
		strbuf_release(&sb);
		return r;
	}
	return 0;
}

int cmd_run_sub(struct bosun_ctx *ctx, const struct cmd_entry *e,
		const struct sub_entry *s, int argc, char **argv)
{
	struct option *all = with_globals(ctx, s->opts);
	int n, r;

	cur_group = e;
	cur_sub = s;
	n = opts_parse(all, argc, argv,
		       s->flags & CMD_STOP_AT_OPERAND ? OPTS_STOP_AT_OPERAND : 0);
	free(all);
	if (n == OPTS_HELP) {
		print_sub_help(e, s);
		return 0;
	}
	if (n < 0) {
		usage_hint();
		return n;
	}
	ctx_set_color(ctx);
	if ((r = check_flags(ctx, s->flags)) < 0)
		return r;
	return s->fn(ctx, n, argv);
}

int cmd_dispatch(struct bosun_ctx *ctx, const struct cmd_entry *e,
		 int argc, char **argv)
{
	const struct sub_entry *s;
	const char *cands[32];
	const char *hint;
	size_t n = 0;

	if (e->self)
		return cmd_run_sub(ctx, e, e->self, argc, argv);
	/* Global options between the group and the verb (bosun agents -q
	 * deploy): argv becomes the verb and what follows it. */
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] &&
	    strcmp(argv[1], "-h") && strcmp(argv[1], "--help")) {
		const struct option globals[] = { GLOBAL_OPTS(ctx), OPT_END() };
		int nop = opts_parse(globals, argc, argv, OPTS_STOP_AT_OPERAND);

		if (nop == OPTS_HELP) {
			cmd_group_help(stdout, e);
			return 0;
		}
		if (nop < 0)
			return nop;
		ctx_set_color(ctx);
		if (!nop) {
			cmd_group_help(stderr, e);
			return BOSUN_EUSAGE;
		}
		memmove(argv + 1, argv, (size_t)nop * sizeof(*argv));
		argv[0] = (char *)e->name;
		argv[nop + 1] = NULL;
		argc = nop + 1;
	}
	if (argc < 2) {
		cmd_group_help(stderr, e);
		return BOSUN_EUSAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cmd_group_help(stdout, e);
		return 0;
	}
	if ((s = cmd_find_sub(e, argv[1])))
		return cmd_run_sub(ctx, e, s, argc - 1, argv + 1);
	for (s = e->subs; s->name && n < 31; s++)
		if (!(s->flags & CMD_HIDDEN))
			cands[n++] = s->name;
	cands[n] = NULL;
	hint = opts_suggest(argv[1], cands);
	if (hint)
		return error_set(BOSUN_EUSAGE,
				 "'%s' is not a '%s' verb (did you mean '%s'?)",
				 argv[1], e->name, hint);
	return error_set(BOSUN_EUSAGE, "'%s' is not a '%s' verb; see 'bosun help %s'",
			 argv[1], e->name, e->name);
}

int cmd_usage_error(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	r = error_set(BOSUN_EUSAGE, "%s", sb.buf);
	usage_hint();
	strbuf_release(&sb);
	return r;
}

int cmd_self_path(struct strbuf *sb)
{
	char buf[PATH_MAX];
	char *real = realpath("/proc/self/exe", buf);

	if (!real)
		return error_errno(BOSUN_EIO, "cannot find bosun's own path");
	strbuf_addstr(sb, real);
	return 0;
}

int ctx_repo(struct bosun_ctx *ctx, struct repo **out)
{
	int r;

	if (!ctx->repo && (r = repo_discover(&ctx->repo, ".")) < 0)
		return r;
	*out = ctx->repo;
	return 0;
}

int ctx_config(struct bosun_ctx *ctx, struct config **out)
{
	int r;

	if (!ctx->cfg) {
		struct repo *repo = NULL;
		int lvl;
		const char *root = NULL;

		/* Outside a repository only the user file and env apply. */
		if (ctx_repo(ctx, &repo) == 0)
			root = repo->workdir;
		else
			error_clear();
		if ((r = config_load(&ctx->cfg, config_tables, root)) < 0)
			return r;
		lvl = log_level_parse(config_str(ctx->cfg, "log.level"));
		if (lvl >= 0)
			log_set_level((enum log_level)lvl);
	}
	*out = ctx->cfg;
	return 0;
}

void ctx_set_color(struct bosun_ctx *ctx)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	ctx->color = !ctx->no_color && !(nc && *nc) && isatty(STDOUT_FILENO) &&
		     !(term && !strcmp(term, "dumb"));
}

void ctx_release(struct bosun_ctx *ctx)
{
	config_free(ctx->cfg);
	ctx->cfg = NULL;
	repo_free(ctx->repo);
	ctx->repo = NULL;
	free(ctx->migrate_backup);
	ctx->migrate_backup = NULL;
}

int json_emitted;

void out_json(json_t *v)
{
	char *text;

	if (!v)
		return;
	json_emitted = 1;
	text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text) {
		out_write(text, strlen(text));
		free(text);
	}
	fputc('\n', stdout);
	json_decref(v);
}

void out_write(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at = 0, end;

	/* The common case, no credential shape at all, is written as it is. */
	if (!redact_find(s, len, REDACT_SHAPES, &at, &end)) {
		fwrite(s, 1, len, stdout);
		return;
	}
	redact_with(&sb, s, len, REDACT_SHAPES);
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_release(&sb);
}

#define COLOR_FN(name, code)                                  \
	const char *name(const struct bosun_ctx *ctx)         \
	{                                                     \
		return ctx && ctx->color ? code : "";         \
	}
COLOR_FN(c_bold, "\033[1m")
COLOR_FN(c_red, "\033[31m")
COLOR_FN(c_green, "\033[32m")
COLOR_FN(c_yellow, "\033[33m")
COLOR_FN(c_dim, "\033[2m")
COLOR_FN(c_reset, "\033[0m")

void cmd_print_error(const struct bosun_ctx *ctx, int code)
{
	const char *hint = error_hint_text();
	const char *p;

	fprintf(stderr, "bosun: %s\n", error_message());
	for (p = hint; p && *p;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(stderr, "hint: %.*s\n", len, p);
		p += len + (nl ? 1 : 0);
	}
	if (ctx->json && !json_emitted)
		out_json(json_pack("{s:{s:s, s:i, s:s?}}", "error",
				   "message", error_message(), "exit", code,
				   "hint", hint));
}

void print_warning(struct bosun_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	fputs("bosun: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
