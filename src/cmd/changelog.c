/*
 * changelog.c - bosun changelog.
 */
#include "cmd/common.h"

#include "core/error.h"
#include "core/fs.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/release/release.h"

#include <string.h>

static struct {
	int all, unreleased;
	const char *range, *file, *title, *package, *format;
} cli;

static const struct option changelog_opts[] = {
	OPT_BOOL(0, "unreleased", &cli.unreleased, "the commits since the last release (default)"),
	OPT_BOOL('a', "all", &cli.all, "every release, newest first"),
	OPT_RANGE(&cli.range, "the commits in A..B"),
	OPT_STRING(0, "prepend", &cli.file, "FILE", "insert the entry at the top of FILE"),
	OPT_STRING(0, "title", &cli.title, "VERSION", "title the unreleased entry as VERSION"),
	OPT_PACKAGE(&cli.package),
	OPT_TAG_FORMAT(&cli.format),
	OPT_END(),
};

static int resolve(struct rel_env *env, const char *rev, uint32_t *out)
{
	int r = history_resolve(&env->h, rev, out);

	if (r < 0)
		error_prefix("'%s'", rev);
	return r;
}

static int build_range(struct changelog *cl, struct rel_env *env,
		       const char *range, const struct changelog_opts *co)
{
	const char *dots = strstr(range, "..");
	struct strbuf a = STRBUF_INIT;
	const char *b;
	uint32_t ia, ib;
	int r;

	if (!dots)
		return error_set(BOSUN_EUSAGE, "--range takes A..B, not '%s'", range);
	strbuf_add(&a, range, (size_t)(dots - range));
	b = dots[2] ? dots + 2 : "HEAD";
	/* "..B": everything up to B. */
	if ((r = a.len ? resolve(env, a.buf, &ia) : 0) == 0 &&
	    (r = resolve(env, b, &ib)) == 0)
		r = changelog_range(cl, &env->h, a.len ? &ia : NULL, ib, co, b);
	strbuf_release(&a);
	return r;
}

static int prepend(struct bosun_ctx *ctx, const char *file, const struct strbuf *md,
		   const struct changelog *cl)
{
	int r;

	if (!cl->nr || !cl->rel[0].nr) {
		if (ctx->json)
			out_json(json_pack("{s:s, s:b}", "file", file, "added", 0));
		else if (!ctx->quiet)
			fprintf(stderr, "nothing to add to %s: no changes to list\n", file);
		return 0;
	}
	r = changelog_prepend(file, md->buf);
	if (r < 0)
		return r;
	if (ctx->json)
		out_json(json_pack("{s:s, s:b}", "file", file, "added", r == 0));
	else if (!ctx->quiet)
		fprintf(stderr, r ? "%s already has this entry; left unchanged\n"
			: "added the entry to %s\n", file);
	return 0;
}

/* Entries had their credentials redacted when built; say which commits. */
static void warn_secrets(struct bosun_ctx *ctx, const struct changelog *cl)
{
	size_t i, j;
	char hex[41];

	for (i = 0; i < cl->nr; i++)
		for (j = 0; j < cl->rel[i].nr; j++) {
			const struct cl_entry *e = &cl->rel[i].entries[j];

			if (!e->secret)
				continue;
			oid_to_hex(cl->h->commits[e->idx].oid, hex);
			print_warning(ctx, "a secret (%s) in commit %.7s's message; "
				      "shown redacted", e->secret, hex);
		}
}

static int changelog_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int all = cli.all, unreleased = cli.unreleased, r;
	const char *range = cli.range, *file = cli.file, *package = cli.package;
	const char *format = cli.format, *title = cli.title;
	struct rel_env env = REL_ENV_INIT;
	struct changelog cl = CHANGELOG_INIT;
	struct changelog_opts co;
	struct strbuf md = STRBUF_INIT;
	struct repo *repo;
	struct config *cfg;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if (all + unreleased + !!range > 1)
		return cmd_usage_error("--all, --unreleased and --range exclude each other");
	if (file && all)
		return cmd_usage_error("--prepend takes one entry; not with --all");
	if (title && (all || range))
		return cmd_usage_error("--title names the unreleased entry; not with --all or --range");
	if (format && (r = rtags_check_format(format, package)) < 0)
		return error_set(BOSUN_EUSAGE, "--tag-format: %s", error_message());
	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &cfg)) < 0 ||
	    (r = (all ? rel_env_open_full : rel_env_open)(&env, repo, cfg, package,
							format, "HEAD")) < 0)
		goto out;
	rel_env_changelog_opts(&env, &co);
	if (all)
		r = changelog_all(&cl, &env.h, &env.tags, env.head, &co);
	else if (range)
		r = build_range(&cl, &env, range, &co);
	else
		r = changelog_unreleased(&cl, &env.h, &env.tags, env.head, &co,
					 title, NULL);
	if (r < 0)
		goto out;
	warn_secrets(ctx, &cl);
	changelog_markdown(&md, &cl, &co);
	if (file)
		r = prepend(ctx, file, &md, &cl);
	else if (ctx->json)
		out_json(changelog_json(&cl, &co));
	else
		/* The entries were redacted when built (changelog.h), the
		 * rest is bosun's own text: no second pass over all of it. */
		fwrite(md.buf, 1, md.len, stdout);
out:
	strbuf_release(&md);
	changelog_release(&cl);
	rel_env_release(&env);
	return r;
}

static const struct sub_entry changelog_self = {
	.name = "changelog", .summary = "write the changelog from Conventional Commits",
	.usage = "[--unreleased [--title VERSION] | --all | --range A..B] "
		 "[--prepend FILE] [--package NAME] [--tag-format FMT]",
	.help = "Write a changelog from the Conventional Commits: the unreleased changes,\n"
		"every release, or a range; print it, or insert it into a file.",
	.opts = changelog_opts, .flags = CMD_NEEDS_REPO, .fn = changelog_cmd,
};

const struct cmd_entry cmd_changelog = {
	.name = "changelog", .summary = "write the changelog from Conventional Commits",
	.self = &changelog_self,
};
