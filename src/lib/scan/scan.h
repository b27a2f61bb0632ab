/*
 * scan.h - the secret scanner: Vectorscan finds candidate regions for every
 * rule in one pass over a file, PCRE2 (JIT) confirms each candidate and
 * extracts the secret, then entropy, allowlists, `bosun:allow` comments and
 * the baseline decide.
 *
 *	struct scan_opts o = SCAN_OPTS_INIT;
 *	struct scan_engine *e;
 *	struct scan_report rep = SCAN_REPORT_INIT;
 *	o.cache_dir = "/home/u/.cache/bosun";	// compiled databases, or NULL
 *	if ((r = scan_engine_new(&e, &rules, &o)) < 0)	// rules stay owned by
 *		return r;				// the caller, alive
 *	r = scan_worktree(e, repo->workdir, &rep);	// or scan_paths,
 *	...						// scan_staged, scan_history
 *	scan_report_finish(&rep);	// sorted, merged, baselined dropped
 *	scan_report_release(&rep);
 *	scan_engine_free(e);
 *
 * Findings never hold the secret itself: only its first four characters
 * followed by "****", and a fingerprint (a hash of the rule, the file and
 * the line's content) that a baseline can list to accept it.
 */
#ifndef BOSUN_LIB_SCAN_SCAN_H
#define BOSUN_LIB_SCAN_SCAN_H

#include "core/strbuf.h"
#include "core/glob.h"
#include "lib/config/config.h"
#include "lib/scan/rules.h"

#include <stddef.h>

struct repo;

/* A baseline: accepted fingerprints, sorted. */
struct scan_baseline {
	char **fps;
	size_t nr, alloc;
};
#define SCAN_BASELINE_INIT { NULL, 0, 0 }

struct scan_opts {
	size_t max_file_size;           /* larger files are skipped (0: no cap) */
	int entropy;                    /* apply the rules' entropy thresholds */
	int threads;                    /* 0: one per CPU */
	const char *cache_dir;          /* where compiled databases go; NULL: none */
	const struct glob_list *ignore; /* .bosunignore, or NULL */
	const struct scan_baseline *baseline; /* or NULL */
	/* The work tree's top, or NULL: a finding's fingerprint hashes its
	 * path relative to it however the path was given (absolute, "./x",
	 * from a subdirectory), so that a baseline keeps matching. */
	const char *root;
	int large_files;                /* enum scan_large: files over max_file_size */
	size_t stream_chunk;            /* bytes read at a time when streaming (0: 1 MiB) */
};
/* What becomes of a file or blob larger than max_file_size: skipped (and
 * named in the report), scanned in streaming mode (read a chunk at a
 * time, never whole in memory), or the scan fails closed (named, and the
 * command exits 1). AUTO is the configuration's default before a context
 * decides it (scan_large_resolve). */
enum scan_large {
	SCAN_LARGE_AUTO = -1,
	SCAN_LARGE_SKIP = 0,
	SCAN_LARGE_STREAM,
	SCAN_LARGE_FAIL,
};
#define SCAN_OPTS_INIT { 10 * 1024 * 1024, 1, 0, NULL, NULL, NULL, NULL, SCAN_LARGE_SKIP, 0 }

struct scan_finding {
	const struct scan_rule *rule;
	char *file;
	char *commit;           /* the commit that added the blob (history), or NULL */
	unsigned line, column;  /* 1-based; the column counts bytes */
	unsigned end_line, end_column;
	char *redacted;         /* "ghp_****" */
	char fingerprint[17];   /* 16 hex digits */
	double entropy;
	size_t offset;          /* the secret's offset in the file */
	unsigned rule_idx;      /* the rule's place in the rules */
	int baselined;          /* listed by the baseline: dropped, with the
				 * other rules' findings of this secret, when
				 * the report is finished */
};

struct scan_stats {
	size_t files, bytes;    /* scanned */
	size_t binary, large, ignored;  /* skipped */
	size_t allowed, baselined;      /* findings dropped */
	size_t streamed;        /* of files: large ones scanned in streaming mode */
};

/* A file or blob over max_file_size that was not scanned. */
struct scan_skipped {
	char *file;
	char *commit;           /* history scans, else NULL */
	unsigned long long size;
};

struct scan_report {
	struct scan_finding *items;
	size_t nr, alloc;
	struct scan_stats st;
	struct scan_skipped *skipped;   /* st.large of them, sorted by file */
	size_t nr_skipped, alloc_skipped;
};
#define SCAN_REPORT_INIT { NULL, 0, 0, { 0, 0, 0, 0, 0, 0, 0, 0 }, NULL, 0, 0 }

struct scan_engine;

/* Compile (or load from the cache) the database of rules; -BOSUN_EDATA
 * names a rule neither Vectorscan nor PCRE2 can use. Without Vectorscan
 * the engine scans with PCRE2 only (scan_engine_kind()). */
int scan_engine_new(struct scan_engine **out, struct scan_rules *rules,
		    const struct scan_opts *o);
void scan_engine_free(struct scan_engine *e);
/* 1 when the database came from the cache (for tests and -v). */
int scan_engine_cached(const struct scan_engine *e);
/* What scans: "vectorscan", or "pcre2" when Vectorscan cannot be loaded
 * (or BOSUN_DL_DENY=vectorscan): then every rule's regex runs through
 * PCRE2 over the whole content, the same findings, slower, and a
 * DEGRADED event says so once per run. */
const char *scan_engine_kind(const struct scan_engine *e);
/* Files and bytes scanned so far by any thread (for a progress line;
 * may be read while a scan runs). */
void scan_engine_progress(struct scan_engine *e, size_t *files, size_t *bytes);

/* Scan one buffer, named path (commit may be NULL), into rep. Single
 * thread; the callers below use several. */
int scan_buffer(struct scan_engine *e, const char *path, const char *commit,
		const char *buf, size_t len, struct scan_report *rep);
/* The same in streaming mode, opts.stream_chunk bytes at a time, as a
 * file too large to hold is scanned (for tests: the findings agree). */
int scan_buffer_streamed(struct scan_engine *e, const char *path, const char *commit,
			 const char *buf, size_t len, struct scan_report *rep);

/* Tracked and untracked-not-ignored files of the work tree at workdir
 * (git ls-files); paths are relative to it. */
int scan_worktree(struct scan_engine *e, const char *workdir, struct scan_report *rep);
/* Files and directories (walked, skipping .git) as named. */
int scan_paths(struct scan_engine *e, const char *const *paths, size_t n,
	       struct scan_report *rep);
/* The staged version of each added or changed file: listed from repo's
 * index (or, when it cannot be read here or repo is NULL, by git diff
 * --cached); blobs are read from objects_dir (git's, or NULL) when loose,
 * else through git cat-file. BOSUN_STAGED_GIT=1 always asks git. */
int scan_staged(struct scan_engine *e, struct repo *repo, const char *workdir,
		const char *objects_dir, struct scan_report *rep);
/* The same in two steps, so that the engine can be made meanwhile: the
 * list of staged blobs (and the bytes of the loose ones, each up to
 * max_size, 0: any), then their scan. */
struct scan_staged;
int scan_staged_list(struct scan_staged **out, struct repo *repo, const char *workdir,
		     const char *objects_dir, size_t max_size);
int scan_staged_scan(struct scan_engine *e, struct scan_staged *st,
		     const char *workdir, struct scan_report *rep);
void scan_staged_free(struct scan_staged *st);
/* Blobs added or changed by the commits of range ("A..B", any revision
 * expression git log takes), or of the whole history when range is NULL;
 * each blob is scanned once. An A of forty zeros (a new branch in a
 * pre-push hook) means the commits of B not on any remote-tracking ref. */
int scan_history(struct scan_engine *e, struct repo *repo, const char *range,
		 struct scan_report *rep);

/* 1 when the scan did not pass: a finding, or (scan.large_files: fail) a
 * file too large to scan. */
int scan_report_failed(const struct scan_report *rep, const struct scan_opts *o);
/* "stream", "fail", "skip" (or "auto") to enum scan_large; -1 for another
 * word. */
int scan_large_parse(const char *s, int *out);
/* SCAN_LARGE_AUTO decided by the context: in a git hook (where a secret
 * must not pass unseen) stream, elsewhere skip (and name). */
int scan_large_resolve(int large, int in_hook);

/* Sort by file, line, column; merge the findings of several rules on one
 * secret into the first rule's; drop a secret the baseline accepts (it
 * lists any of its rules' fingerprints) and count it in st.baselined. */
void scan_report_finish(struct scan_report *rep);
void scan_report_release(struct scan_report *rep);

/* 1 when the line (len bytes, no newline) has a `bosun:allow` comment that
 * covers rule_id: "bosun:allow" alone covers every rule, and
 * "bosun:allow=id1,id2" only those. */
int scan_line_allows(const char *line, size_t len, const char *rule_id);

/* ---- baselines (baseline.c) ---- */

/* Parse a baseline file's text: {"version": 1, "findings": [{"fingerprint":
 * "...", ...}, ...]}; errors are "NAME:LINE:COL: message", BOSUN_EDATA. */
int scan_baseline_parse(struct scan_baseline *b, const char *name,
			const char *text, size_t len);
int scan_baseline_has(const struct scan_baseline *b, const char *fp);
void scan_baseline_release(struct scan_baseline *b);
/* The baseline file's text for the findings of rep (appended to sb). */
void scan_baseline_format(struct strbuf *sb, const struct scan_report *rep);

/* ---- set up from the configuration (setup.c) ---- */

struct config;
struct scan_setup {
	struct scan_rules rules;
	struct glob_list ignore;
	struct scan_baseline baseline;
	struct scan_opts opts;
	struct strbuf cache;
	const char *root;       /* the work tree's top, or NULL outside one */
};
#define SCAN_SETUP_INIT { SCAN_RULES_INIT, GLOB_LIST_INIT, SCAN_BASELINE_INIT, \
			  SCAN_OPTS_INIT, STRBUF_INIT, NULL }
/* The rules (scan.default_rules, scan.rules, then extra_rules; minus
 * scan.disable), the ignore file, the baseline (the file given, else
 * scan.baseline unless writing one) and the options, paths relative to
 * root (NULL: outside a work tree). */
int scan_setup_load(struct scan_setup *s, const struct config *cfg, const char *root,
		    const char *const *extra_rules, size_t nr_extra,
		    const char *baseline, int writing_baseline);
void scan_setup_release(struct scan_setup *s);

/* Escapes to colour the text form ("" for none). */
struct scan_colors {
	const char *bold, *red, *green, *reset;
};
/* The text form: two lines per finding; then a line naming each file
 * not scanned for its size, and the one-line summary (o: the options
 * scanned with, for the limit and scan.large_files; may be NULL). */
void scan_format_findings(struct strbuf *out, const struct scan_report *rep,
			  const struct scan_colors *c);
void scan_format_summary(struct strbuf *out, const struct scan_report *rep,
			 const struct scan_colors *c, const struct scan_opts *o);

/* The configuration keys scan.* (keys.c). */
extern const struct config_key scan_config_keys[];

#endif
