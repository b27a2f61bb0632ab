/*
 * merge.c - bosun merge-driver: the merge driver git runs for the files
 * `bosun hooks install` marks with merge=bosun (docs/merge.md).
 */
#include "cmd/common.h"

#include "core/error.h"
#include "lib/config/config.h"
#include "lib/merge/merge.h"

#include <stdio.h>
#include <string.h>

static struct {
	int marker_size;
	const char *kind;
	const char *ours_label;
	const char *theirs_label;
} md_args;

static const struct option md_opts[] = {
	OPT_INT(0, "marker-size", &md_args.marker_size, "N",
		"length of the conflict markers (git's %L; default 7)"),
	OPT_STRING(0, "kind", &md_args.kind, "KIND",
		   "merge as this kind instead of merge.kinds and the defaults"),
	OPT_STRING(0, "ours-label", &md_args.ours_label, "L",
		   "the text after <<<<<<< (default: ours)"),
	OPT_STRING(0, "theirs-label", &md_args.theirs_label, "L",
		   "the text after >>>>>>> (default: theirs)"),
	OPT_END(),
};

static int merge_driver_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct merge_opts o = MERGE_OPTS_INIT;
	struct merge_result res = { MERGE_KIND_TEXT, 0, 0 };
	struct config *cfg = NULL;
	const char *path;
	int r;

	if (argc < 3)
		return cmd_usage_error("expected BASE OURS THEIRS [PATH]");
	if (argc > 4)
		return cmd_usage_error("unexpected argument '%s'", argv[4]);
	path = argc == 4 ? argv[3] : argv[1];
	if (md_args.marker_size < 0 || md_args.marker_size > 100)
		return error_set(BOSUN_EUSAGE, "--marker-size must be between 1 and 100");
	if (md_args.marker_size)
		o.marker_size = md_args.marker_size;
	if (md_args.ours_label)
		o.ours_label = md_args.ours_label;
	if (md_args.theirs_label)
		o.theirs_label = md_args.theirs_label;
	if ((r = ctx_config(ctx, &cfg)) < 0)
		return r;
	if (md_args.kind) {
		int k = merge_kind_parse(md_args.kind);

		if (k < 0)
			return error_set(BOSUN_EUSAGE, "unknown merge kind '%s'", md_args.kind);
		res.kind = (enum merge_kind)k;
	} else {
		res.kind = merge_kind_for(cfg, path);
	}
	if ((r = merge_driver_run(cfg, argv[0], argv[1], argv[2], path, &o, &res)) < 0)
		return r;
	if (ctx->json)
		out_json(json_pack("{s:s, s:s, s:b, s:i}", "path", path, "kind",
				   merge_kind_name(res.kind), "clean", res.clean,
				   "conflicts", res.conflicts));
	else if (!res.clean && !ctx->quiet)
		fprintf(stderr, "bosun: %d %s in conflict in '%s' (merged as %s)\n",
			res.conflicts,
			res.kind == MERGE_KIND_ENTRIES ? (res.conflicts == 1 ? "entry" : "entries")
						       : (res.conflicts == 1 ? "hunk" : "hunks"),
			path, merge_kind_name(res.kind));
	/* git's convention: non-zero leaves the file in conflict. */
	return res.clean ? 0 : 1;
}

static const struct sub_entry merge_driver_self = {
	.name = "merge-driver", .summary = "merge a file for git, keeping every entry",
	.usage = "[--marker-size N] [--kind KIND] [--ours-label L] [--theirs-label L] "
		 "BASE OURS THEIRS [PATH]",
	.help = "git's merge driver (%O %A %B %P): merge OURS and THEIRS against BASE and\n"
		"write the result over OURS. Changelogs, roadmaps, session logs and checklists\n"
		"are merged entry by entry, lockfiles by merge.lockfile_*, other files by\n"
		"git merge-file (merge.kinds, docs/merge.md). Exit 0: a clean merge; 1: OURS\n"
		"holds conflict markers. 'bosun hooks install' registers it.",
	.opts = md_opts, .fn = merge_driver_cmd,
};

const struct cmd_entry cmd_merge_driver = {
	.name = "merge-driver", .summary = "merge a file for git, keeping every entry",
	.self = &merge_driver_self,
};
