/*
 * scan.c - bosun scan secrets: find credentials in the work tree, given
 * paths, the staged files, a commit range or the whole history.
 */
#include "cmd/common.h"
#include "cmd/progress.h"

#include "bosun-config.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/json/json.h"
#include "lib/scan/scan.h"

#include <stdlib.h>
#include <string.h>

struct scan_args {
	int staged, history;
	const char *range, *format, *baseline, *write_baseline, *large_files;
	struct opt_list rules;
	const char *const *paths;
	size_t nr_paths;
};

static struct scan_args opt_args;

static const struct option secrets_opts[] = {
	OPT_BOOL(0, "staged", &opt_args.staged, "scan the staged files (pre-commit)"),
	OPT_RANGE(&opt_args.range, "scan the blobs the commits A..B added"),
	OPT_BOOL(0, "history", &opt_args.history, "scan every blob in the history"),
	OPT_CHOICE(0, "format", &opt_args.format, "text|json|sarif", "output format"),
	OPT_STRING(0, "baseline", &opt_args.baseline, "FILE", "ignore the findings listed in FILE"),
	OPT_STRING(0, "write-baseline", &opt_args.write_baseline, "FILE",
		   "write the findings to FILE to accept them; exit 0"),
	OPT_LIST(0, "rules", &opt_args.rules, "FILE", "add the rules of FILE (repeatable)"),
	OPT_CHOICE(0, "large-files", &opt_args.large_files, "stream|fail|skip",
		   "files over scan.max_file_size: scan streaming, fail, or skip"),
	OPT_END(),
};

static int setup(struct bosun_ctx *ctx, struct scan_setup *s, const struct scan_args *a,
		 struct repo **repo)
{
	struct config *cfg;
	int r;

	*repo = NULL;
	if (ctx_repo(ctx, repo) < 0) {
		if (a->staged || a->range || a->history || !a->nr_paths)
			return error_prefix("scan secrets");
		error_clear();
		*repo = NULL;
	}
	if ((r = ctx_config(ctx, &cfg)) < 0)
		return r;
	if ((r = scan_setup_load(s, cfg, *repo ? (*repo)->workdir : NULL,
				 (const char *const *)a->rules.items, a->rules.nr,
				 a->baseline, a->write_baseline != NULL)) < 0)
		return r;
	/* In a git hook (the pre-push check runs this command) a large file
	 * is streamed unless configured otherwise. */
	if (a->large_files)
		scan_large_parse(a->large_files, &s->opts.large_files);
	s->opts.large_files = scan_large_resolve(s->opts.large_files,
						 getenv("BOSUN_HOOK") && *getenv("BOSUN_HOOK"));
	return 0;
}

static int run_scope(struct scan_engine *e, struct repo *repo,
		     const struct scan_args *a, struct scan_report *rep)
{
	if (a->staged) {
		if (!repo->workdir)
			return error_set(BOSUN_EUSAGE, "--staged needs a work tree");
		struct strbuf objects = STRBUF_INIT;
		int r;

		fs_path_join(&objects, repo->common_dir, "objects");
		r = scan_staged(e, repo, repo->workdir, objects.buf, rep);
		strbuf_release(&objects);
		return r;
	}
	if (a->range || a->history)
		return scan_history(e, repo, a->range, rep);
	if (a->nr_paths)
		return scan_paths(e, a->paths, a->nr_paths, rep);
	if (!repo->workdir)
		return error_set(BOSUN_EUSAGE, "this is a bare repository; "
				 "use --history or --range");
	return scan_worktree(e, repo->workdir, rep);
}

/* ---- output -------------------------------------------------------------- */

static json_t *finding_json(const struct scan_finding *f)
{
	json_t *o = json_pack("{s:s, s:o, s:o, s:i, s:i, s:i, s:i}",
			      "rule", f->rule->id, "description", json_string_lossy(f->rule->description),
			      "file", json_string_lossy(f->file), "line", (int)f->line,
			      "column", (int)f->column, "end_line", (int)f->end_line,
			      "end_column", (int)f->end_column);

	json_object_set_new(o, "commit", f->commit ? json_string(f->commit) : json_null());
	json_object_set_new(o, "secret", json_string_lossy(f->redacted));
	json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
	return o;
}

static json_t *stats_json(const struct scan_stats *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "files", (json_int_t)st->files, "bytes", (json_int_t)st->bytes,
			 "streamed", (json_int_t)st->streamed,
			 "skipped_binary", (json_int_t)st->binary,
			 "skipped_large", (json_int_t)st->large,
			 "skipped_ignored", (json_int_t)st->ignored,
			 "allowed", (json_int_t)st->allowed,
			 "baselined", (json_int_t)st->baselined);
}

static const char *const large_names[] = { "skip", "stream", "fail" };

/* The files not scanned for their size, by name. */
static json_t *skipped_json(const struct scan_report *rep)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < rep->nr_skipped; i++) {
		const struct scan_skipped *k = &rep->skipped[i];

		json_array_append_new(list, json_pack("{s:o, s:o, s:I, s:s}",
			"file", json_string_lossy(k->file),
			"commit", k->commit ? json_string(k->commit) : json_null(),
			"size", (json_int_t)k->size, "reason", "large"));
	}
	return list;
}

static json_t *report_json(const struct scan_report *rep, const struct scan_opts *o,
			   const struct scan_engine *e)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < rep->nr; i++)
		json_array_append_new(list, finding_json(&rep->items[i]));
	return json_pack("{s:o, s:o, s:o, s:s, s:s}", "findings", list, "skipped",
			 skipped_json(rep), "stats", stats_json(&rep->st),
			 "large_files", large_names[o->large_files],
			 "engine", scan_engine_kind(e));
}

static json_t *sarif_rules(const struct scan_rules *rs)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < rs->nr; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:{s:o}, s:{s:s}}",
			"id", rs->items[i]->id, "name", rs->items[i]->id,
			"shortDescription", "text", json_string_lossy(rs->items[i]->description),
			"defaultConfiguration", "level", "error"));
	return list;
}

static size_t rule_index(const struct scan_rules *rs, const struct scan_rule *r)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		if (rs->items[i] == r)
			return i;
	return 0;
}

/* A SARIF artifactLocation.uri is a URI reference: a relative path with
 * every byte outside RFC 3986's unreserved set, its sub-delims, ':', '@'
 * and '/' percent-encoded (a newline, a space, '%', '#', '?', non-ASCII). */
static json_t *uri_path(const char *path)
{
	static const char ok[] = "-._~!$&'()*+,;=:@/";
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;
	json_t *j;

	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(ok, *p))
			strbuf_addch(&sb, (char)*p);
		else
			strbuf_addf(&sb, "%%%02X", *p);
	}
	j = json_string(sb.buf);
	strbuf_release(&sb);
	return j;
}

static json_t *sarif_result(const struct scan_rules *rs, const struct scan_finding *f)
{
	struct strbuf msg = STRBUF_INIT;
	json_t *res;

	strbuf_addf(&msg, "%s: %s", f->rule->description, f->redacted);
	if (f->commit)
		strbuf_addf(&msg, " (commit %.12s)", f->commit);
	res = json_pack("{s:s, s:i, s:s, s:{s:o}, s:[{s:{s:{s:o}, s:{s:i, s:i, s:i, s:i}}}],"
			" s:{s:s}}",
			"ruleId", f->rule->id, "ruleIndex", (int)rule_index(rs, f->rule),
			"level", "error", "message", "text", json_string_lossy(msg.buf),
			"locations", "physicalLocation", "artifactLocation", "uri", uri_path(f->file),
			"region", "startLine", (int)f->line, "startColumn", (int)f->column,
			"endLine", (int)f->end_line, "endColumn", (int)f->end_column,
			"partialFingerprints", "bosun/v1", f->fingerprint);
	if (f->commit)
		json_object_set_new(res, "properties", json_pack("{s:s}", "commit", f->commit));
	strbuf_release(&msg);
	return res;
}

/* The run's invocation: each file not scanned for its size is a
 * notification naming it; with scan.large_files: fail the run failed. */
static json_t *sarif_invocation(const struct scan_report *rep, const struct scan_opts *o)
{
	json_t *notes = json_array();
	size_t i;
	int fail = o->large_files == SCAN_LARGE_FAIL;

	for (i = 0; i < rep->nr_skipped; i++) {
		const struct scan_skipped *k = &rep->skipped[i];
		struct strbuf msg = STRBUF_INIT;

		strbuf_addf(&msg, "%s: larger than scan.max_file_size (%llu bytes)",
			    fail ? "not scanned" : "skipped", k->size);
		json_array_append_new(notes, json_pack("{s:s, s:{s:o}, s:[{s:{s:{s:o}}}]}",
			"level", fail ? "error" : "warning", "message", "text",
			json_string_lossy(msg.buf), "locations", "physicalLocation",
			"artifactLocation", "uri", uri_path(k->file)));
		strbuf_release(&msg);
	}
	return json_pack("{s:b, s:o}", "executionSuccessful",
			 !(fail && rep->st.large), "toolExecutionNotifications", notes);
}

/* The run's properties name the engine, as --json's "engine" does. */
static json_t *report_sarif(const struct scan_rules *rs, const struct scan_report *rep,
			    const struct scan_opts *o, const struct scan_engine *e)
{
	json_t *results = json_array();
	size_t i;

	for (i = 0; i < rep->nr; i++)
		json_array_append_new(results, sarif_result(rs, &rep->items[i]));
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:[o], s:s, s:{s:s}}]}",
			 "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0",
			 "runs", "tool", "driver", "name", "bosun", "version", BOSUN_VERSION,
			 "informationUri", "https://github.com/bosun/bosun/blob/main/docs/scan.md",
			 "rules", sarif_rules(rs), "results", results,
			 "invocations", sarif_invocation(rep, o),
			 "columnKind", "utf16CodeUnits",
			 "properties", "engine", scan_engine_kind(e));
}

static void colors(struct bosun_ctx *ctx, struct scan_colors *c)
{
	c->bold = c_bold(ctx);
	c->red = c_red(ctx);
	c->green = c_green(ctx);
	c->reset = c_reset(ctx);
}

static void print_text(struct bosun_ctx *ctx, const struct scan_report *rep)
{
	struct strbuf sb = STRBUF_INIT;
	struct scan_colors c;

	colors(ctx, &c);
	scan_format_findings(&sb, rep, &c);
	fputs(sb.buf, stdout);
	strbuf_release(&sb);
}

static void print_summary(struct bosun_ctx *ctx, const struct scan_report *rep,
			  const struct scan_opts *o)
{
	struct strbuf sb = STRBUF_INIT;
	struct scan_colors c;

	if (ctx->quiet)
		return;
	colors(ctx, &c);
	scan_format_summary(&sb, rep, &c, o);
	fputs(sb.buf, stderr);
	strbuf_release(&sb);
}

static int write_baseline(struct bosun_ctx *ctx, const char *path,
			  const struct scan_report *rep)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	scan_baseline_format(&sb, rep);
	r = write_file_atomic(path, sb.buf, sb.len, 0644);
	strbuf_release(&sb);
	if (r < 0)
		return r;
	if (ctx->json)
		out_json(json_pack("{s:s, s:I}", "baseline", path, "findings",
				   (json_int_t)rep->nr));
	else if (!ctx->quiet)
		fprintf(stderr, "wrote %zu finding%s to %s\n", rep->nr,
			rep->nr == 1 ? "" : "s", path);
	return 0;
}

static int output(struct bosun_ctx *ctx, const struct scan_args *a,
		  const struct scan_setup *s, const struct scan_report *rep,
		  const struct scan_engine *e)
{
	if (a->write_baseline)
		return write_baseline(ctx, a->write_baseline, rep);
	if (!strcmp(a->format, "sarif"))
		out_json(report_sarif(&s->rules, rep, &s->opts, e));
	else if (!strcmp(a->format, "json") || ctx->json)
		out_json(report_json(rep, &s->opts, e));
	else
		print_text(ctx, rep);
	print_summary(ctx, rep, &s->opts);
	return scan_report_failed(rep, &s->opts) ? BOSUN_EFAIL : 0;
}

/* The progress line's text (progress.h): the engine's counters. */
static void progress_text(struct strbuf *sb, void *data)
{
	size_t files, bytes;

	scan_engine_progress(data, &files, &bytes);
	strbuf_addf(sb, "%zu file%s, ", files, files == 1 ? "" : "s");
	progress_add_bytes(sb, bytes);
}

static int check_args(struct scan_args *a, int argc, char **argv)
{
	int scopes = !!a->staged + !!a->range + !!a->history + !!argc;

	if (scopes > 1)
		return cmd_usage_error("PATH, --staged, --range and "
				       "--history cannot be combined");
	if (a->range && (!*a->range || a->range[0] == '-'))
		return cmd_usage_error("'%s' is not a revision range",
				       a->range);
	if (!a->format)
		a->format = "text";
	a->paths = (const char *const *)argv;
	a->nr_paths = (size_t)argc;
	return 0;
}

static int scan_secrets_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct scan_args a = opt_args;
	struct scan_setup s = SCAN_SETUP_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;
	struct scan_engine *e = NULL;
	struct progress *prog;
	struct repo *repo;
	int r;

	if ((r = check_args(&a, argc, argv)) < 0)
		goto out;
	if ((r = setup(ctx, &s, &a, &repo)) < 0 ||
	    (r = scan_engine_new(&e, &s.rules, &s.opts)) < 0)
		goto out;
	prog = progress_start_fn(ctx, "scanning", progress_text, e);
	r = run_scope(e, repo, &a, &rep);
	progress_stop(prog);
	if (r < 0)
		goto out;
	scan_report_finish(&rep);
	log_event(LOG_INFO, "scan", "scanned %zu files: %zu findings, %zu allowed, "
		  "%zu baselined", rep.st.files, rep.nr, rep.st.allowed, rep.st.baselined);
	r = output(ctx, &a, &s, &rep, e);
out:
	scan_report_release(&rep);
	scan_engine_free(e);
	scan_setup_release(&s);
	opt_list_release(&a.rules);
	return r;
}

static const struct sub_entry scan_subs[] = {
	/* PATHs are scanned outside a repository too: no CMD_NEEDS_REPO. */
	{ .name = "secrets", .summary = "find credentials in files, staged changes or history",
	  .usage = "[PATH...] [--staged] [--range A..B | --history] "
		   "[--format text|json|sarif] [--baseline FILE] [--write-baseline FILE] "
		   "[--rules FILE] [--large-files stream|fail|skip]",
	  .help = "Find credentials: in the work tree (tracked and untracked, not ignored),\n"
		  "the PATHs given, the staged files, a commit range or the whole history.\n"
		  "Exit 1 when something is found, 0 when clean.",
	  .opts = secrets_opts, .fn = scan_secrets_cmd },
	{ NULL },
};

const struct cmd_entry cmd_scan = {
	.name = "scan", .summary = "secret scanning", .subs = scan_subs,
};
