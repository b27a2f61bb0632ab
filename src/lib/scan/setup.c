/*
 * setup.c - a scan set up from the configuration (scan.h): the rules (the
 * built-in set, scan.rules files, extra files), scan.disable, the ignore
 * file, the baseline and the engine's options; and the text form of a
 * report. Shared by `bosun scan secrets` and the hooks' secrets check.
 */
#include "lib/scan/scan.h"

#include "core/error.h"
#include "core/fs.h"
#include "lib/config/config.h"

#include <stdlib.h>
#include <string.h>

/* Rule files, baselines and .bosunignore are written by people. */
#define INPUT_CAP (16u << 20)

void scan_setup_release(struct scan_setup *s)
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
		      const char *const *extra, size_t nr_extra)
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
	for (i = 0; r == 0 && i < nr_extra; i++)
		r = load_rule_file(&s->rules, extra[i], extra[i]);
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
			 const char *given, int writing)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	const char *name = given;
	int r = 0;

	if (!name) {
		name = config_str(cfg, "scan.baseline");
		if (!name || !*name || writing)
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

int scan_setup_load(struct scan_setup *s, const struct config *cfg, const char *root,
		    const char *const *extra_rules, size_t nr_extra,
		    const char *baseline, int writing_baseline)
{
	long long max;
	int r;

	s->root = root;
	if ((r = load_rules(s, cfg, extra_rules, nr_extra)) < 0 ||
	    (r = load_ignore(s, cfg)) < 0 ||
	    (r = load_baseline(s, cfg, baseline, writing_baseline)) < 0)
		return r;
	max = config_int(cfg, "scan.max_file_size");
	s->opts.max_file_size = max > 0 ? (size_t)max : 0;
	s->opts.entropy = config_bool(cfg, "scan.entropy");
	s->opts.threads = (int)config_int(cfg, "scan.threads");
	if (scan_large_parse(config_str(cfg, "scan.large_files"), &s->opts.large_files) < 0)
		s->opts.large_files = SCAN_LARGE_AUTO;
	s->opts.ignore = &s->ignore;
	s->opts.root = root;
	s->opts.baseline = s->baseline.nr ? &s->baseline : NULL;
	if (!getenv("BOSUN_NO_CACHE") || !strcmp(getenv("BOSUN_NO_CACHE"), "0")) {
		fs_user_dir(&s->cache, "cache");
		s->opts.cache_dir = s->cache.buf;
	}
	return 0;
}

void scan_format_findings(struct strbuf *out, const struct scan_report *rep,
			  const struct scan_colors *c)
{
	size_t i;

	for (i = 0; i < rep->nr; i++) {
		const struct scan_finding *f = &rep->items[i];

		strbuf_addstr(out, c->bold);
		strbuf_add_quoted_path(out, f->file);
		strbuf_addf(out, ":%u:%u%s: %s%s%s: %s", f->line,
			    f->column, c->reset, c->red, f->rule->id, c->reset,
			    f->rule->description);
		if (f->commit)
			strbuf_addf(out, " (commit %.12s)", f->commit);
		strbuf_addf(out, "\n    secret %s  fingerprint %s\n", f->redacted,
			    f->fingerprint);
	}
}

static void human_bytes(struct strbuf *out, unsigned long long n)
{
	if (n >= 1000000)
		strbuf_addf(out, "%.1f MB", (double)n / 1e6);
	else
		strbuf_addf(out, "%llu bytes", n);
}

void scan_format_summary(struct strbuf *out, const struct scan_report *rep,
			 const struct scan_colors *c, const struct scan_opts *o)
{
	const struct scan_stats *st = &rep->st;
	int fail = o && o->large_files == SCAN_LARGE_FAIL;
	size_t i;

	/* Each file not scanned for its size, by name: a secret in it would
	 * otherwise pass unseen. */
	for (i = 0; i < rep->nr_skipped; i++) {
		const struct scan_skipped *k = &rep->skipped[i];

		strbuf_addf(out, "%s%s%s ", fail ? c->red : "", fail ? "not scanned" :
			    "skipped", fail ? c->reset : "");
		strbuf_add_quoted_path(out, k->file);
		if (k->commit)
			strbuf_addf(out, " (commit %.12s)", k->commit);
		strbuf_addstr(out, ": ");
		if (k->size) {
			human_bytes(out, k->size);
			strbuf_addstr(out, ", ");
		}
		strbuf_addstr(out, "larger than scan.max_file_size");
		if (o && o->max_file_size) {
			strbuf_addstr(out, " (");
			human_bytes(out, o->max_file_size);
			strbuf_addch(out, ')');
		}
		strbuf_addstr(out, fail ? "; scan.large_files is fail\n" :
			      "; scan.large_files: stream scans it\n");
	}

	strbuf_addf(out, "%s%zu secret%s found%s in %zu file%s (%.1f MB)",
		    rep->nr ? c->red : c->green, rep->nr, rep->nr == 1 ? "" : "s",
		    c->reset, st->files, st->files == 1 ? "" : "s",
		    (double)st->bytes / 1e6);
	if (st->streamed)
		strbuf_addf(out, "; %zu large file%s streamed", st->streamed,
			    st->streamed == 1 ? "" : "s");
	if (st->binary || st->large || st->ignored)
		strbuf_addf(out, "; skipped %zu binary, %zu too large, %zu ignored",
			    st->binary, st->large, st->ignored);
	if (st->allowed || st->baselined)
		strbuf_addf(out, "; %zu allowed, %zu in the baseline", st->allowed,
			    st->baselined);
	strbuf_addch(out, '\n');
}
