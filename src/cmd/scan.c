/*
 * scan.c - bosun scan secrets: find credentials in the work tree, given
 * paths, the staged files, a commit range or the whole history.
 */
#include "cmd/common.h"

#include "bosun-config.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/scan/scan.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rule files, baselines and .bosunignore are written by people. */
#define INPUT_CAP (16u << 20)

static const char secrets_usage[] =
	"bosun scan secrets [PATH...] [--staged] [--range A..B | --history] "
	"[--format text|json|sarif] [--baseline FILE] [--write-baseline FILE] "
	"[--rules FILE]";

struct scan_args {
	int staged, history;
	const char *range, *format, *baseline, *write_baseline;
	struct opt_list rules;
	const char *const *paths;
	size_t nr_paths;
};

struct scan_setup {
	struct scan_rules rules;
	struct glob_list ignore;
	struct scan_baseline baseline;
	struct scan_opts opts;
	struct strbuf cache;
	const char *root;       /* the work tree's top, or NULL outside one */
};

static void setup_release(struct scan_setup *s)
{
	scan_rules_release(&s->rules);
	glob_list_release(&s->ignore);
	scan_baseline_release(&s->baseline);
	strbuf_release(&s->cache);
}

/* path as given, or relative to root when it is relative and root is set. */
static void resolve(struct strbuf *sb, const char *root, const char *path)
{
	strbuf_reset(sb);
	if (root && path[0] != '/')
		fs_path_join(sb, root, path);
	else
		strbuf_addstr(sb, path);
}

static int load_rule_file(struct scan_rules *rs, const char *path, const char *shown)
{
	struct strbuf text = STRBUF_INIT;
	int r = fs_read_file(&text, path, INPUT_CAP);

	if (r == -BOSUN_ENOTFOUND)
		r = error_set(BOSUN_ENOTFOUND, "rule file '%s' not found", shown);
	if (r == 0)
		r = scan_rules_parse(rs, shown, text.buf, text.len);
	strbuf_release(&text);
	return r;
}

static int load_rules(struct scan_setup *s, const struct config *cfg,
		      const struct scan_args *a)
{
	struct strbuf path = STRBUF_INIT;
	const char **list;
	size_t n, i;
	int r = 0;

	if (config_bool(cfg, "scan.default_rules"))
		r = scan_rules_add_default(&s->rules);
	list = config_strlist(cfg, "scan.rules", &n);
	for (i = 0; r == 0 && i < n; i++) {
		resolve(&path, s->root, list[i]);
		r = load_rule_file(&s->rules, path.buf, list[i]);
	}
	for (i = 0; r == 0 && i < a->rules.nr; i++)
		r = load_rule_file(&s->rules, a->rules.items[i], a->rules.items[i]);
	list = config_strlist(cfg, "scan.disable", &n);
	for (i = 0; r == 0 && i < n; i++)
		if ((r = scan_rules_disable(&s->rules, list[i])) < 0)
			r = error_set(BOSUN_EDATA, "scan.disable: no rule '%s'", list[i]);
	strbuf_release(&path);
	return r;
}

static int load_ignore(struct scan_setup *s, const struct config *cfg)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	const char *name = config_str(cfg, "scan.ignore_file");
	int r = 0;

	if (name && *name) {
		resolve(&path, s->root, name);
		r = fs_read_file(&text, path.buf, INPUT_CAP);
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			r = 0;
		}
		glob_list_parse(&s->ignore, text.buf, text.len);
	}
	strbuf_release(&path);
	strbuf_release(&text);
	return r;
}

static int load_baseline(struct scan_setup *s, const struct config *cfg,
			 const struct scan_args *a)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	const char *name = a->baseline;
	int r = 0;

	if (!name) {
		name = config_str(cfg, "scan.baseline");
		if (!name || !*name || a->write_baseline)
			return 0;
		resolve(&path, s->root, name);
	} else {
		strbuf_addstr(&path, name);
	}
	r = fs_read_file(&text, path.buf, INPUT_CAP);
	if (r == -BOSUN_ENOTFOUND)
		r = error_set(BOSUN_ENOTFOUND, "baseline '%s' not found", name);
	if (r == 0)
		r = scan_baseline_parse(&s->baseline, name, text.buf, text.len);
	strbuf_release(&path);
	strbuf_release(&text);
	return r;
}

static int setup(struct bosun_ctx *ctx, struct scan_setup *s, const struct scan_args *a,
		 struct repo **repo)
{
	struct config *cfg;
	long long max;
	int r;

	*repo = NULL;
	if (ctx_repo(ctx, repo) < 0) {
		if (a->staged || a->range || a->history || !a->nr_paths)
			return error_prefix("scan secrets");
		error_clear();
		*repo = NULL;
	}
	s->root = *repo ? (*repo)->workdir : NULL;
	if ((r = ctx_config(ctx, &cfg)) < 0 || (r = load_rules(s, cfg, a)) < 0 ||
	    (r = load_ignore(s, cfg)) < 0 || (r = load_baseline(s, cfg, a)) < 0)
		return r;
	max = config_int(cfg, "scan.max_file_size");
	s->opts.max_file_size = max > 0 ? (size_t)max : 0;
	s->opts.entropy = config_bool(cfg, "scan.entropy");
	s->opts.threads = (int)config_int(cfg, "scan.threads");
	s->opts.ignore = &s->ignore;
	s->opts.baseline = s->baseline.nr ? &s->baseline : NULL;
	if (!getenv("BOSUN_NO_CACHE") || !strcmp(getenv("BOSUN_NO_CACHE"), "0")) {
		fs_user_dir(&s->cache, "cache");
		s->opts.cache_dir = s->cache.buf;
	}
	return 0;
}

static int run_scope(struct scan_engine *e, struct repo *repo,
		     const struct scan_args *a, struct scan_report *rep)
{
	if (a->staged) {
		if (!repo->workdir)
			return error_set(BOSUN_EUSAGE, "--staged needs a work tree");
		return scan_staged(e, repo->workdir, rep);
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

static json_t *jstr(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j;

	strbuf_add_utf8_lossy(&sb, s, strlen(s));
	j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

static json_t *finding_json(const struct scan_finding *f)
{
	json_t *o = json_pack("{s:s, s:o, s:o, s:i, s:i, s:i, s:i}",
			      "rule", f->rule->id, "description", jstr(f->rule->description),
			      "file", jstr(f->file), "line", (int)f->line,
			      "column", (int)f->column, "end_line", (int)f->end_line,
			      "end_column", (int)f->end_column);

	json_object_set_new(o, "commit", f->commit ? json_string(f->commit) : json_null());
	json_object_set_new(o, "secret", jstr(f->redacted));
	json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
	return o;
}

static json_t *stats_json(const struct scan_stats *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "files", (json_int_t)st->files, "bytes", (json_int_t)st->bytes,
			 "skipped_binary", (json_int_t)st->binary,
			 "skipped_large", (json_int_t)st->large,
			 "skipped_ignored", (json_int_t)st->ignored,
			 "allowed", (json_int_t)st->allowed,
			 "baselined", (json_int_t)st->baselined);
}

static json_t *report_json(const struct scan_report *rep)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < rep->nr; i++)
		json_array_append_new(list, finding_json(&rep->items[i]));
	return json_pack("{s:o, s:o}", "findings", list, "stats", stats_json(&rep->st));
}

static json_t *sarif_rules(const struct scan_rules *rs)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < rs->nr; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:{s:o}, s:{s:s}}",
			"id", rs->items[i]->id, "name", rs->items[i]->id,
			"shortDescription", "text", jstr(rs->items[i]->description),
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
			"level", "error", "message", "text", jstr(msg.buf),
			"locations", "physicalLocation", "artifactLocation", "uri", jstr(f->file),
			"region", "startLine", (int)f->line, "startColumn", (int)f->column,
			"endLine", (int)f->end_line, "endColumn", (int)f->end_column,
			"partialFingerprints", "bosun/v1", f->fingerprint);
	if (f->commit)
		json_object_set_new(res, "properties", json_pack("{s:s}", "commit", f->commit));
	strbuf_release(&msg);
	return res;
}

static json_t *report_sarif(const struct scan_rules *rs, const struct scan_report *rep)
{
	json_t *results = json_array();
	size_t i;

	for (i = 0; i < rep->nr; i++)
		json_array_append_new(results, sarif_result(rs, &rep->items[i]));
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:s}]}",
			 "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0",
			 "runs", "tool", "driver", "name", "bosun", "version", BOSUN_VERSION,
			 "informationUri", "https://github.com/bosun/bosun/blob/main/docs/scan.md",
			 "rules", sarif_rules(rs), "results", results,
			 "columnKind", "utf16CodeUnits");
}

static void print_text(struct bosun_ctx *ctx, const struct scan_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nr; i++) {
		const struct scan_finding *f = &rep->items[i];

		printf("%s%s:%u:%u%s: %s%s%s: %s", c_bold(ctx), f->file, f->line, f->column,
		       c_reset(ctx), c_red(ctx), f->rule->id, c_reset(ctx),
		       f->rule->description);
		if (f->commit)
			printf(" (commit %.12s)", f->commit);
		printf("\n    secret %s  fingerprint %s\n", f->redacted, f->fingerprint);
	}
}

static void print_summary(struct bosun_ctx *ctx, const struct scan_report *rep)
{
	const struct scan_stats *st = &rep->st;

	if (ctx->quiet)
		return;
	fprintf(stderr, "%s%zu secret%s found%s in %zu file%s (%.1f MB)",
		rep->nr ? c_red(ctx) : c_green(ctx), rep->nr, rep->nr == 1 ? "" : "s",
		c_reset(ctx), st->files, st->files == 1 ? "" : "s",
		(double)st->bytes / 1e6);
	if (st->binary || st->large || st->ignored)
		fprintf(stderr, "; skipped %zu binary, %zu too large, %zu ignored",
			st->binary, st->large, st->ignored);
	if (st->allowed || st->baselined)
		fprintf(stderr, "; %zu allowed, %zu in the baseline", st->allowed,
			st->baselined);
	fputc('\n', stderr);
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
		  const struct scan_rules *rs, const struct scan_report *rep)
{
	if (a->write_baseline)
		return write_baseline(ctx, a->write_baseline, rep);
	if (!strcmp(a->format, "sarif"))
		out_json(report_sarif(rs, rep));
	else if (!strcmp(a->format, "json") || ctx->json)
		out_json(report_json(rep));
	else
		print_text(ctx, rep);
	print_summary(ctx, rep);
	return rep->nr ? BOSUN_EFAIL : 0;
}

static int check_args(struct scan_args *a, int argc, char **argv)
{
	int scopes = !!a->staged + !!a->range + !!a->history + !!argc;

	if (scopes > 1)
		return cmd_usage_error(secrets_usage, "PATH, --staged, --range and "
				       "--history cannot be combined");
	if (a->range && (!*a->range || a->range[0] == '-'))
		return cmd_usage_error(secrets_usage, "'%s' is not a revision range",
				       a->range);
	if (!a->format)
		a->format = "text";
	a->paths = (const char *const *)argv;
	a->nr_paths = (size_t)argc;
	return 0;
}

static int scan_secrets_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct scan_args a = { 0, 0, NULL, NULL, NULL, NULL, OPT_LIST_INIT, NULL, 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "staged", &a.staged, "scan the staged files (pre-commit)"),
		OPT_STRING(0, "range", &a.range, "A..B", "scan the blobs the commits A..B added"),
		OPT_BOOL(0, "history", &a.history, "scan every blob in the history"),
		OPT_CHOICE(0, "format", &a.format, "text|json|sarif", "output format"),
		OPT_STRING(0, "baseline", &a.baseline, "FILE", "ignore the findings listed in FILE"),
		OPT_STRING(0, "write-baseline", &a.write_baseline, "FILE",
			   "write the findings to FILE to accept them; exit 0"),
		OPT_LIST(0, "rules", &a.rules, "FILE", "add the rules of FILE (repeatable)"),
		OPT_END(),
	};
	struct scan_setup s = { SCAN_RULES_INIT, GLOB_LIST_INIT, SCAN_BASELINE_INIT,
				SCAN_OPTS_INIT, STRBUF_INIT, NULL };
	struct scan_report rep = SCAN_REPORT_INIT;
	struct scan_engine *e = NULL;
	struct repo *repo;
	int r;

	CMD_PARSE(opts, secrets_usage,
		  "Find credentials: in the work tree (tracked and untracked, not ignored),\n"
		  "the PATHs given, the staged files, a commit range or the whole history.\n"
		  "Exit 1 when something is found, 0 when clean.", argc, argv);
	if ((r = check_args(&a, argc, argv)) < 0)
		goto out;
	if ((r = setup(ctx, &s, &a, &repo)) < 0 ||
	    (r = scan_engine_new(&e, &s.rules, &s.opts)) < 0 ||
	    (r = run_scope(e, repo, &a, &rep)) < 0)
		goto out;
	scan_report_finish(&rep);
	log_event(LOG_INFO, "scan", "scanned %zu files: %zu findings, %zu allowed, "
		  "%zu baselined", rep.st.files, rep.nr, rep.st.allowed, rep.st.baselined);
	r = output(ctx, &a, &s.rules, &rep);
out:
	scan_report_release(&rep);
	scan_engine_free(e);
	setup_release(&s);
	opt_list_release(&a.rules);
	return r;
}

static const struct sub_entry scan_subs[] = {
	{ "secrets", "find credentials in files, staged changes or history",
	  scan_secrets_cmd },
	{ NULL, NULL, NULL },
};

const struct cmd_entry cmd_scan = {
	"scan", "secret scanning", NULL, scan_subs,
};
