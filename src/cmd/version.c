/*
 * version.c - bosun version: current, next, bump, set, check, sync.
 */
#include "cmd/common.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/redact.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/json/json.h"
#include "lib/release/manifest.h"
#include "lib/release/release.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int open_env(struct bosun_ctx *ctx, struct rel_env *env,
		    const char *package, const char *format)
{
	struct repo *repo;
	struct config *cfg;
	int r;

	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &cfg)) < 0)
		return r;
	if (format && (r = rtags_check_format(format, package)) < 0)
		return error_set(BOSUN_EUSAGE, "--tag-format: %s", error_message());
	return rel_env_open(env, repo, cfg, package, format, "HEAD");
}

static void warn_skipped(struct bosun_ctx *ctx, const struct rel_env *env)
{
	size_t i;

	if (!ctx->verbose)
		return;
	for (i = 0; i < env->tags.nr_skipped; i++)
		print_warning(ctx, "ignored tag %s", env->tags.skipped[i]);
}

/* The options of every verb; a process runs one verb. */
static struct {
	int tag, dry_run;
	const char *package, *format, *pre, *level;
} cli;

static const struct option current_opts[] = {
	OPT_BOOL(0, "tag", &cli.tag, "print the tag instead of the version"),
	OPT_PACKAGE(&cli.package),
	OPT_TAG_FORMAT(&cli.format),
	OPT_END(),
};

static int version_current_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int show_tag = cli.tag, r;
	const char *package = cli.package, *format = cli.format;
	struct rel_env env = REL_ENV_INIT;
	const struct rtag *cur;
	struct strbuf v = STRBUF_INIT;
	char hex[41];

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = open_env(ctx, &env, package, format)) < 0)
		goto out;
	warn_skipped(ctx, &env);
	if ((r = version_current(&cur, &env.h, &env.tags, env.head, 1)) < 0)
		goto out;
	semver_format(&v, &cur->ver);
	oid_to_hex(env.h.commits[cur->idx].oid, hex);
	if (ctx->json)
		out_json(json_pack("{s:s, s:s, s:s}", "version", v.buf, "tag",
				   cur->name, "commit", hex));
	else
		printf("%s\n", show_tag ? cur->name : v.buf);
out:
	strbuf_release(&v);
	rel_env_release(&env);
	return r;
}

static int parse_level(const char *s, enum bump_level *out)
{
	int l;

	if (!s || !strcmp(s, "auto")) {
		*out = BUMP_NONE;
		return 0;
	}
	l = bump_level_parse(s);
	if (l < 0)
		return error_set(BOSUN_EUSAGE,
				 "'%s' is not a level: use major, minor, patch or auto", s);
	*out = (enum bump_level)l;
	return 0;
}

static json_t *next_json(const struct rel_env *env, const struct next_result *res,
			 const char *version, const char *tag)
{
	json_t *commits = json_array();
	size_t i;

	for (i = 0; i < res->nr; i++) {
		char hex[41];

		oid_to_hex(env->h.commits[res->commits[i].idx].oid, hex);
		json_array_append_new(commits, json_pack("{s:s, s:o, s:s}",
			"commit", hex, "header", json_string_lossy(res->commits[i].header),
			"level", bump_level_name(res->commits[i].level)));
	}
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:I, s:o}",
			 "version", version, "tag", tag,
			 "level", bump_level_name(res->level),
			 "previous", res->previous ? res->previous->name : NULL,
			 "latest", res->latest ? res->latest->name : NULL,
			 "considered", (json_int_t)res->considered,
			 "commits", commits);
}

static void print_decided(struct bosun_ctx *ctx, const struct rel_env *env,
			  const struct next_result *res)
{
	struct strbuf header = STRBUF_INIT;
	size_t i;

	for (i = 0; i < res->nr; i++) {
		const char *h = res->commits[i].header ? res->commits[i].header : "";
		char hex[41];

		oid_to_hex(env->h.commits[res->commits[i].idx].oid, hex);
		strbuf_reset(&header);
		redact_with(&header, h, strlen(h), REDACT_SHAPES);
		fprintf(stderr, "  %s%.7s%s %-5s %s\n", c_dim(ctx), hex, c_reset(ctx),
			bump_level_name(res->commits[i].level), header.buf);
	}
	strbuf_release(&header);
}

/* Compute the next version; shared by next and bump. */
static int compute_next(struct bosun_ctx *ctx, struct rel_env *env,
			struct next_result *res, const char *pre,
			enum bump_level level)
{
	struct next_opts no;

	rel_env_next_opts(env, &no);
	no.pre = pre;
	no.level = level;
	return version_next(res, &env->h, &env->tags, env->head, &no);
}

static const struct option next_opts[] = {
	OPT_PRE(&cli.pre),
	OPT_CHOICE(0, "level", &cli.level, "major|minor|patch|auto", "force the level"),
	OPT_PACKAGE(&cli.package),
	OPT_TAG_FORMAT(&cli.format),
	OPT_END(),
};

static int version_next_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	const char *pre = cli.pre, *level_s = cli.level, *package = cli.package;
	const char *format = cli.format;
	struct rel_env env = REL_ENV_INIT;
	struct next_result res = NEXT_RESULT_INIT;
	struct strbuf v = STRBUF_INIT, tag = STRBUF_INIT;
	enum bump_level level;
	int r;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = parse_level(level_s, &level)) < 0)
		return r;
	if ((r = open_env(ctx, &env, package, format)) < 0)
		goto out;
	warn_skipped(ctx, &env);
	r = compute_next(ctx, &env, &res, pre, level);
	if (r == -BOSUN_EFAIL) {
		/* Not an error: the answer is "no". */
		if (ctx->json)
			out_json(json_pack("{s:n, s:s, s:s?, s:I}", "version", "reason",
					   error_message(), "previous",
					   res.previous ? res.previous->name : NULL,
					   "considered", (json_int_t)res.considered));
		else if (!ctx->quiet)
			fprintf(stderr, "%s\n", error_message());
		r = BOSUN_EFAIL;
		goto out;
	}
	if (r < 0)
		goto out;
	semver_format(&v, &res.next);
	rtags_format(&tag, env.format, env.package, v.buf);
	if (ctx->json) {
		out_json(next_json(&env, &res, v.buf, tag.buf));
	} else {
		printf("%s\n", v.buf);
		if (ctx->verbose)
			print_decided(ctx, &env, &res);
	}
out:
	strbuf_release(&v);
	strbuf_release(&tag);
	next_result_release(&res);
	rel_env_release(&env);
	return r;
}

/*
 * Read the version files, after settling a write of them that a killed
 * bosun left (manifest.h: all new or all old, never a mix); a dry run only
 * says that one is pending.
 */
static int open_manifests(struct bosun_ctx *ctx, struct manifest_set *ms,
			  int dry_run)
{
	struct strbuf what = STRBUF_INIT;
	struct repo *repo;
	struct config *cfg;
	char *journal;
	int r;

	/* CMD_NEEDS_WORKTREE: repo->workdir is set. */
	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &cfg)) < 0)
		return r;
	journal = manifest_journal_path(repo->gitdir);
	if (dry_run && !access(journal, F_OK))
		print_warning(ctx, "a write of the version files was interrupted; "
			      "the next 'bosun version' write or check settles it");
	else if (!dry_run && (r = manifest_recover(journal, &what)) > 0)
		print_warning(ctx, "%s the interrupted write of %s",
			      r == 1 ? "completed" : "undid", what.buf);
	strbuf_release(&what);
	if (r < 0 || (r = manifest_discover(ms, repo->workdir,
					     config_get(cfg, "release.files"))) < 0) {
		free(journal);
		return r;
	}
	ms->journal = journal;
	return 0;
}

static void print_files(struct bosun_ctx *ctx, const struct manifest_set *ms,
			const char *version, int dry_run)
{
	size_t i;

	if (ctx->json) {
		json_t *files = json_array();

		for (i = 0; i < ms->nr; i++)
			json_array_append_new(files, json_pack("{s:s, s:s, s:b}",
				"path", ms->items[i].path, "kind",
				manifest_kind_name(ms->items[i].kind),
				"changed", ms->items[i].changed));
		out_json(json_pack("{s:s, s:b, s:o}", "version", version,
				   "dry_run", dry_run, "files", files));
		return;
	}
	for (i = 0; i < ms->nr; i++)
		if (!ctx->quiet)
			printf("%s%-24s%s %s\n", ms->items[i].changed ? "" : c_dim(ctx),
			       ms->items[i].path, ms->items[i].changed ? "" : c_reset(ctx),
			       ms->items[i].changed ? (dry_run ? "would change" : "changed")
						    : "unchanged");
	if (!ms->nr && !ctx->quiet)
		fprintf(stderr, "no version files found (VERSION, package.json, "
			"pyproject.toml, Cargo.toml or release.files)\n");
	printf("%s\n", version);
}

/* Write version into every version file (or only say what would change). */
static int write_version(struct bosun_ctx *ctx, const char *version, int dry_run)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	int r;

	if ((r = open_manifests(ctx, &ms, dry_run)) < 0)
		goto out;
	if ((r = manifest_set_version(&ms, version)) < 0)
		goto out;
	if (!dry_run && (r = manifest_write(&ms)) < 0)
		goto out;
	print_files(ctx, &ms, version, dry_run);
out:
	manifest_set_release(&ms);
	return r;
}

static const struct option bump_opts[] = {
	OPT_PRE(&cli.pre),
	OPT_DRY_RUN(&cli.dry_run),
	OPT_PACKAGE(&cli.package),
	OPT_END(),
};

static int version_bump_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	const char *pre = cli.pre, *package = cli.package;
	int dry_run = cli.dry_run, r;
	struct rel_env env = REL_ENV_INIT;
	struct next_result res = NEXT_RESULT_INIT;
	struct strbuf v = STRBUF_INIT;
	enum bump_level level;

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	if ((r = parse_level(argc ? argv[0] : NULL, &level)) < 0)
		return r;
	if ((r = open_env(ctx, &env, package, NULL)) < 0)
		goto out;
	r = compute_next(ctx, &env, &res, pre, level);
	if (r == -BOSUN_EFAIL) {
		if (ctx->json)
			out_json(json_pack("{s:n, s:s}", "version", "reason",
					   error_message()));
		else if (!ctx->quiet)
			fprintf(stderr, "%s\n", error_message());
		r = BOSUN_EFAIL;
		goto out;
	}
	if (r < 0)
		goto out;
	semver_format(&v, &res.next);
	r = write_version(ctx, v.buf, dry_run);
out:
	strbuf_release(&v);
	next_result_release(&res);
	rel_env_release(&env);
	return r;
}

static const struct option set_opts[] = {
	OPT_DRY_RUN(&cli.dry_run),
	OPT_END(),
};

static int version_set_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int dry_run = cli.dry_run, r;
	struct semver v = SEMVER_INIT;

	if (argc != 1)
		return cmd_usage_error(argc ? "too many arguments"
					      : "which version? e.g. 'bosun version set 1.2.3'");
	if (semver_parse(&v, argv[0], -1) < 0) {
		r = error_set(BOSUN_EUSAGE, "'%s' is not a semantic version (X.Y.Z)", argv[0]);
		if (argv[0][0] == 'v')
			error_hint("leave out the 'v': bosun version set %s", argv[0] + 1);
		return r;
	}
	semver_release(&v);
	return write_version(ctx, argv[0], dry_run);
}

/* The version of the newest release on HEAD's line, if any; a repository
 * with no commits or no release has none, which is not an error here. */
static int latest_tag_version(struct bosun_ctx *ctx, struct strbuf *out,
			      struct strbuf *tag, const char *package,
			      const char *format)
{
	struct rel_env env = REL_ENV_INIT;
	const struct rtag *cur;
	int r = open_env(ctx, &env, package, format);

	if (r == -BOSUN_ENOTFOUND && !strcmp(error_message(), "the repository has no commits yet")) {
		error_clear();
		r = 0;
	} else if (r == 0) {
		if (version_newest(&cur, &env.h, &env.tags, env.head) == 0) {
			semver_format(out, &cur->ver);
			strbuf_addstr(tag, cur->name);
		}
		error_clear();
	}
	rel_env_release(&env);
	return r;
}

static const struct option check_opts[] = {
	OPT_PACKAGE(&cli.package),
	OPT_TAG_FORMAT(&cli.format),
	OPT_END(),
};

static int version_check_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	const char *package = cli.package, *format = cli.format;
	struct manifest_set ms = MANIFEST_SET_INIT;
	struct strbuf want = STRBUF_INIT, tag = STRBUF_INIT;
	size_t i;
	int r, ok;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = open_manifests(ctx, &ms, 0)) < 0)
		goto out;
	if ((r = latest_tag_version(ctx, &want, &tag, package, format)) < 0)
		goto out;
	ok = release_check_sync(&ms, want.len ? want.buf : NULL) == 0;
	if (ctx->json) {
		json_t *files = json_array();

		for (i = 0; i < ms.nr; i++)
			json_array_append_new(files, json_pack("{s:s, s:s}", "path",
				ms.items[i].path, "version", ms.items[i].version));
		out_json(json_pack("{s:b, s:s?, s:o}", "ok", ok, "tag",
				   tag.len ? tag.buf : NULL, "files", files));
	} else {
		for (i = 0; i < ms.nr; i++)
			printf("%-24s %s\n", ms.items[i].path, ms.items[i].version);
		if (tag.len)
			printf("%-24s %s\n", "latest tag", tag.buf);
		if (!ok)
			fprintf(stderr, "%sversions disagree%s; 'bosun version sync' writes %s everywhere\n",
				c_red(ctx), c_reset(ctx),
				want.len ? want.buf : "the first file's version");
	}
	r = ok ? 0 : BOSUN_EFAIL;
out:
	strbuf_release(&want);
	strbuf_release(&tag);
	manifest_set_release(&ms);
	return r;
}

static const struct option sync_opts[] = {
	OPT_DRY_RUN(&cli.dry_run),
	OPT_PACKAGE(&cli.package),
	OPT_TAG_FORMAT(&cli.format),
	OPT_END(),
};

static int version_sync_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int dry_run = cli.dry_run, r;
	const char *package = cli.package, *format = cli.format;
	struct manifest_set ms = MANIFEST_SET_INIT;
	struct strbuf want = STRBUF_INIT, tag = STRBUF_INIT;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = latest_tag_version(ctx, &want, &tag, package, format)) < 0)
		goto out;
	if (!want.len) {
		if ((r = open_manifests(ctx, &ms, dry_run)) < 0)
			goto out;
		if (!ms.nr) {
			r = error_set(BOSUN_ENOTFOUND, "no release tag and no version file");
			goto out;
		}
		strbuf_addstr(&want, ms.items[0].version);
	}
	r = write_version(ctx, want.buf, dry_run);
out:
	strbuf_release(&want);
	strbuf_release(&tag);
	manifest_set_release(&ms);
	return r;
}

static const struct sub_entry version_subs[] = {
	{ .name = "current", .summary = "print the latest release",
	  .usage = "[--tag] [--package NAME] [--tag-format FMT]",
	  .help = "Print the latest release reachable from HEAD (exit 3 when there is none).",
	  .opts = current_opts, .flags = CMD_NEEDS_REPO, .fn = version_current_cmd },
	{ .name = "next", .summary = "print the next version from the commits",
	  .usage = "[--pre ID] [--level major|minor|patch|auto] [--package NAME] "
		   "[--tag-format FMT]",
	  .help = "Print the next version from the Conventional Commits since the last release\n"
		  "(exit 1 when there is nothing to release).",
	  .opts = next_opts, .flags = CMD_NEEDS_REPO, .fn = version_next_cmd },
	{ .name = "bump", .summary = "write the next version into the version files",
	  .usage = "[major|minor|patch|auto] [--pre ID] [--dry-run] [--package NAME]",
	  .help = "Write the next version (from the commits, or bumped by LEVEL) into the\n"
		  "version files. Commits and tags nothing: see 'bosun release'.",
	  .opts = bump_opts, .flags = CMD_NEEDS_WORKTREE, .fn = version_bump_cmd },
	{ .name = "set", .summary = "write a given version into the version files",
	  .usage = "X.Y.Z [--dry-run]",
	  .help = "Write X.Y.Z into every version file.",
	  .opts = set_opts, .flags = CMD_NEEDS_WORKTREE, .fn = version_set_cmd },
	{ .name = "check", .summary = "check that the version files and the tag agree",
	  .usage = "[--package NAME] [--tag-format FMT]",
	  .help = "Check that every version file agrees with the others and with the latest\n"
		  "tag (exit 1 with the list when they do not).",
	  .opts = check_opts, .flags = CMD_NEEDS_WORKTREE, .fn = version_check_cmd },
	{ .name = "sync", .summary = "make the version files agree with the latest tag",
	  .usage = "[--dry-run] [--package NAME] [--tag-format FMT]",
	  .help = "Write the latest tag's version (or, with no tag yet, the first version\n"
		  "file's) into every version file.",
	  .opts = sync_opts, .flags = CMD_NEEDS_WORKTREE, .fn = version_sync_cmd },
	{ NULL },
};

const struct cmd_entry cmd_version = {
	.name = "version",
	.summary = "versions from tags and Conventional Commits; version files",
	.subs = version_subs,
};
