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

static const char usage[] =
	"bosun changelog [--unreleased [--title VERSION] | --all | --range A..B] "
	"[--prepend FILE] [--package NAME] [--tag-format FMT]";

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

static int changelog_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int all = 0, unreleased = 0, r;
	const char *range = NULL, *file = NULL, *package = NULL, *format = NULL;
	const char *title = NULL;
	const struct option opts[] = {
		OPT_BOOL(0, "unreleased", &unreleased, "the commits since the last release (default)"),
		OPT_BOOL('a', "all", &all, "every release, newest first"),
		OPT_STRING(0, "range", &range, "A..B", "the commits in A..B"),
		OPT_STRING(0, "prepend", &file, "FILE", "insert the entry at the top of FILE"),
		OPT_STRING(0, "title", &title, "VERSION", "title the unreleased entry as VERSION"),
		OPT_STRING('p', "package", &package, "NAME", "a monorepo package (fills {name})"),
		OPT_STRING(0, "tag-format", &format, "FMT", "tag format instead of release.tag"),
		OPT_END(),
	};
	struct rel_env env = REL_ENV_INIT;
	struct changelog cl = CHANGELOG_INIT;
	struct changelog_opts co;
	struct strbuf md = STRBUF_INIT;
	struct repo *repo;
	struct config *cfg;

	CMD_PARSE(opts, usage,
		  "Write a changelog from the Conventional Commits: the unreleased changes,\n"
		  "every release, or a range; print it, or insert it into a file.",
		  argc, argv);
	if (argc)
		return cmd_usage_error(usage, "unexpected argument '%s'", argv[0]);
	if (all + unreleased + !!range > 1)
		return cmd_usage_error(usage, "--all, --unreleased and --range exclude each other");
	if (file && all)
		return cmd_usage_error(usage, "--prepend takes one entry; not with --all");
	if (title && (all || range))
		return cmd_usage_error(usage, "--title names the unreleased entry; not with --all or --range");
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
	changelog_markdown(&md, &cl, &co);
	if (file)
		r = prepend(ctx, file, &md, &cl);
	else if (ctx->json)
		out_json(changelog_json(&cl, &co));
	else
		fwrite(md.buf, 1, md.len, stdout);
out:
	strbuf_release(&md);
	changelog_release(&cl);
	rel_env_release(&env);
	return r;
}

const struct cmd_entry cmd_changelog = {
	"changelog", "write the changelog from Conventional Commits",
	changelog_cmd, NULL,
};
