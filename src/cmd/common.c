#include "cmd/common.h"

#include "core/error.h"
#include "core/log.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const struct cmd_entry *cmd_find(const char *name)
{
	const struct cmd_entry *const *e;

	for (e = cmd_table; *e; e++)
		if (!strcmp((*e)->name, name))
			return *e;
	return NULL;
}

void cmd_group_help(FILE *f, const struct cmd_entry *e)
{
	const struct sub_entry *s;

	fprintf(f, "usage: bosun %s <verb> [options]\n\n%s\n\nverbs:\n",
		e->name, e->summary);
	for (s = e->subs; s->name; s++)
		fprintf(f, "    %-12s %s\n", s->name, s->summary);
	fprintf(f, "\nsee 'bosun help %s <verb>' for a verb's options\n", e->name);
}

int cmd_dispatch(struct bosun_ctx *ctx, const struct cmd_entry *e,
		 int argc, char **argv)
{
	const struct sub_entry *s;
	const char *cands[32];
	const char *hint;
	size_t n = 0;

	if (argc < 2) {
		cmd_group_help(stderr, e);
		return BOSUN_EUSAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cmd_group_help(stdout, e);
		return 0;
	}
	for (s = e->subs; s->name; s++) {
		if (!strcmp(s->name, argv[1]))
			return s->fn(ctx, argc - 1, argv + 1);
		if (n < 31)
			cands[n++] = s->name;
	}
	cands[n] = NULL;
	hint = opts_suggest(argv[1], cands);
	if (hint)
		return error_set(BOSUN_EUSAGE,
				 "'%s' is not a '%s' verb (did you mean '%s'?)",
				 argv[1], e->name, hint);
	return error_set(BOSUN_EUSAGE, "'%s' is not a '%s' verb; see 'bosun help %s'",
			 argv[1], e->name, e->name);
}

int cmd_parse(const struct option *opts, const char *usage,
	      const char *summary, int *argc, char **argv)
{
	int n = opts_parse(opts, *argc, argv, 0);

	if (n == OPTS_HELP) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "usage: %s\n", usage);
		if (summary)
			strbuf_addf(&sb, "\n%s\n", summary);
		if (opts[0].type != OPTT_END) {
			strbuf_addstr(&sb, "\noptions:\n");
			opts_help(&sb, opts);
		}
		fwrite(sb.buf, 1, sb.len, stdout);
		strbuf_release(&sb);
		return 1;
	}
	if (n < 0) {
		error_hint("usage: %s", usage);
		return n;
	}
	*argc = n;
	return 0;
}

int cmd_usage_error(const char *usage, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	r = error_set(BOSUN_EUSAGE, "%s", sb.buf);
	error_hint("usage: %s", usage);
	strbuf_release(&sb);
	return r;
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
		if ((r = config_load(&ctx->cfg, root)) < 0)
			return r;
		lvl = log_level_parse(config_str(ctx->cfg, "log.level"));
		if (lvl >= 0)
			log_set_level((enum log_level)lvl);
	}
	*out = ctx->cfg;
	return 0;
}

void ctx_release(struct bosun_ctx *ctx)
{
	config_free(ctx->cfg);
	ctx->cfg = NULL;
	repo_free(ctx->repo);
	ctx->repo = NULL;
}

int json_emitted;

void out_json(json_t *v)
{
	if (!v)
		return;
	json_emitted = 1;
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(v);
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

void print_error(const char *what)
{
	const char *hint = error_hint_text();

	if (what)
		fprintf(stderr, "bosun: %s: %s\n", what, error_message());
	else
		fprintf(stderr, "bosun: %s\n", error_message());
	if (hint)
		fprintf(stderr, "hint: %s\n", hint);
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
