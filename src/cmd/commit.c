/*
 * commit.c - bosun commit lint: Conventional Commits checks for a message
 * file (the commit-msg hook), stdin, or a range of commits.
 */
#include "cmd/common.h"

#include "core/error.h"
#include "core/fs.h"
#include "lib/config/config.h"
#include "lib/git/history.h"
#include "lib/release/lint.h"
#include "lib/release/version.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *lint_range_arg;

static const struct option lint_opts[] = {
	OPT_RANGE(&lint_range_arg, "lint every commit in A..B"),
	OPT_END(),
};

/* Print a result; returns the number of problems. */
static size_t report(struct bosun_ctx *ctx, const char *name,
		     const struct lint_result *res, json_t *jarr)
{
	size_t i;

	for (i = 0; i < res->nr; i++) {
		const struct lint_item *it = &res->items[i];

		if (jarr) {
			json_array_append_new(jarr, json_pack("{s:s, s:i, s:s, s:s, s:s?}",
				"source", name, "line", it->line, "rule", it->rule,
				"message", it->message, "hint", it->hint));
			continue;
		}
		printf("%s:%d: %s%s%s: %s\n", name, it->line, c_red(ctx), it->rule,
		       c_reset(ctx), it->message);
		if (it->hint && !ctx->quiet)
			printf("  %shint: %s%s\n", c_dim(ctx), it->hint, c_reset(ctx));
	}
	return res->nr;
}

static size_t lint_one(struct bosun_ctx *ctx, const struct lint_rules *rules,
		       const char *name, const char *msg, size_t len, json_t *jarr,
		       size_t *skipped)
{
	struct lint_result res = LINT_RESULT_INIT;
	size_t n;

	lint_message(&res, msg, len, rules);
	if (res.skipped)
		(*skipped)++;
	if (res.skipped && ctx->verbose && !jarr)
		fprintf(stderr, "%s: skipped (%s)\n", name, res.skip_reason);
	n = report(ctx, name, &res, jarr);
	lint_result_release(&res);
	return n;
}

static int read_stdin(struct strbuf *sb)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
		strbuf_add(sb, buf, (size_t)n);
		if (sb->len > (1u << 20))
			return error_set(BOSUN_EDATA, "commit message on stdin is over 1 MiB");
	}
	if (n < 0)
		return error_errno(BOSUN_EIO, "cannot read stdin");
	return 0;
}

static int lint_range(struct bosun_ctx *ctx, const struct lint_rules *rules,
		      const char *range, json_t *jarr, size_t *problems,
		      size_t *count, size_t *skipped)
{
	struct history h = HISTORY_INIT;
	struct strbuf a = STRBUF_INIT;
	const char *dots = strstr(range, "..");
	uint32_t ia = 0, ib, *list = NULL;
	struct repo *repo;
	size_t n, i;
	int r;

	if (!dots)
		return error_set(BOSUN_EUSAGE, "--range takes A..B, not '%s'", range);
	strbuf_add(&a, range, (size_t)(dots - range));
	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = history_open(&h, repo)) < 0)
		goto out;
	if (a.len && (r = history_resolve(&h, a.buf, &ia)) < 0)
		goto out;
	if ((r = history_resolve(&h, dots[2] ? dots + 2 : "HEAD", &ib)) < 0)
		goto out;
	n = version_range(&h, ib, &ia, a.len ? 1 : 0, &list);
	for (i = 0; i < n; i++) {
		char hex[41];
		size_t len;
		const char *msg = history_message(&h, list[i], &len);

		oid_to_hex(h.commits[list[i]].oid, hex);
		hex[7] = '\0';
		*problems += lint_one(ctx, rules, hex, msg, len, jarr, skipped);
	}
	*count = n;
out:
	free(list);
	strbuf_release(&a);
	history_release(&h);
	return r;
}

static int commit_lint(struct bosun_ctx *ctx, int argc, char **argv)
{
	const char *range = lint_range_arg;
	struct lint_rules rules = LINT_RULES_INIT;
	struct strbuf msg = STRBUF_INIT, comment = STRBUF_INIT;
	struct config *cfg;
	json_t *jarr = NULL;
	size_t problems = 0, count = 1, skipped = 0;
	const char *name;
	int r;

	if (argc > 1 || (argc && range))
		return cmd_usage_error("give one FILE, '-', or --range");
	if (!argc && !range)
		return cmd_usage_error("what should be linted? a FILE, '-' for stdin, or --range A..B");
	if ((r = ctx_config(ctx, &cfg)) < 0)
		return r;
	if ((r = lint_rules_from_config(&rules, cfg)) < 0)
		return r;
	if (ctx->json)
		jarr = json_array();
	if (range) {
		r = lint_range(ctx, &rules, range, jarr, &problems, &count, &skipped);
	} else {
		name = strcmp(argv[0], "-") ? argv[0] : "<stdin>";
		/* A message git has yet to clean: its comment string. */
		lint_comment_from_git(&rules, &comment, NULL);
		r = strcmp(argv[0], "-") ? fs_read_file(&msg, argv[0], 1u << 20)
					 : read_stdin(&msg);
		if (r == 0)
			problems = lint_one(ctx, &rules, name, msg.buf, msg.len, jarr,
					    &skipped);
	}
	strbuf_release(&msg);
	strbuf_release(&comment);
	if (r < 0) {
		json_decref(jarr);
		return r;
	}
	if (jarr)
		out_json(json_pack("{s:b, s:I, s:I, s:o}", "ok", problems == 0,
				   "checked", (json_int_t)count, "skipped",
				   (json_int_t)skipped, "problems", jarr));
	else if (range && !ctx->quiet)
		fprintf(stderr, "%zu commit(s) checked, %zu skipped, %zu problem(s)\n",
			count, skipped, problems);
	return problems ? BOSUN_EFAIL : 0;
}

static const struct sub_entry commit_subs[] = {
	/* Runs in the commit-msg hook: a FILE is linted without libgit2. */
	{ .name = "lint", .summary = "check messages against Conventional Commits",
	  .usage = "[FILE | - | --range A..B]",
	  .help = "Check commit messages against the Conventional Commits rules; prints\n"
		  "FILE:LINE: rule: message. Merge, revert, fixup!/squash! and release commits\n"
		  "are skipped (commit.skip).",
	  .opts = lint_opts, .flags = CMD_HOT_PATH, .fn = commit_lint },
	{ NULL },
};

const struct cmd_entry cmd_commit = {
	.name = "commit", .summary = "commit message checks", .subs = commit_subs,
};
