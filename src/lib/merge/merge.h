/*
 * merge.h - the three-way merge of append-style files (changelogs, roadmaps,
 * session logs, checklists) by entry, the choice of a file's merge kind,
 * and the registration of `bosun merge-driver` with git.
 *
 * Merging entries (docs/merge.md says what an entry is):
 *
 *	struct strbuf out = STRBUF_INIT;
 *	struct merge_opts o = MERGE_OPTS_INIT;
 *	int conflicts = merge_entries(&out, base, blen, ours, olen,
 *				      theirs, tlen, &o);
 *	// out: the merged text; conflicts: how many entries carry markers
 *
 * merge_entries() never fails: every input parses (a line that is no
 * heading or list item is a text entry). An entry changed differently on
 * both sides is written between ordinary conflict markers, once for that
 * entry, and counted.
 *
 * Walking the entries of one text (the tests check the merge's invariants
 * with it):
 *
 *	struct merge_doc *d = merge_doc_parse(text, len);
 *	merge_doc_walk(d, fn, data);	// fn(path key, checked, line, data)
 *	merge_doc_free(d);
 *
 * The kind of a file (merge_kind_for()) comes from merge.kinds (glob ->
 * kind; the first pattern that matches wins) and then the defaults by
 * name (merge_default_kinds[]).
 *
 * Registration: merge_register(repo, scope, command) writes
 * merge.bosun.driver and merge.bosun.name (in .git/config, or with
 * MERGE_SCOPE_WORKTREE in the worktree's own config.worktree, which needs
 * extensions.worktreeConfig and never touches the shared file) and one
 * marked block of "PATTERN merge=bosun" lines in <common-dir>/info/attributes.
 * merge_unregister() removes both. Both are idempotent.
 */
#ifndef BOSUN_LIB_MERGE_H
#define BOSUN_LIB_MERGE_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <stddef.h>

struct repo;

/* The configuration keys merge.* (src/cmd/keys.c lists them). */
extern const struct config_key merge_config_keys[];

/* ---- entries ------------------------------------------------------------- */

struct merge_opts {
	int marker_size;          /* 7 */
	const char *ours_label;   /* after "<<<<<<< " */
	const char *theirs_label; /* after ">>>>>>> " */
};
#define MERGE_OPTS_INIT { 7, "ours", "theirs" }

/* Merge ours and theirs against base into out (appended); returns the
 * number of conflicting entries (0: a clean merge). */
int merge_entries(struct strbuf *out, const char *base, size_t blen,
		  const char *ours, size_t olen, const char *theirs,
		  size_t tlen, const struct merge_opts *o);

struct merge_doc;
struct merge_doc *merge_doc_parse(const char *text, size_t len);
/* Call fn for every entry, parents first: key is the entry's identity with
 * its parents' ("h2:1.0.0/i:fix the bug#0"), checked is -1 (no box), 0 or
 * 1, line the entry's first line (len bytes, no newline). */
void merge_doc_walk(const struct merge_doc *d,
		    void (*fn)(const char *key, int checked, const char *line,
			       size_t len, void *data),
		    void *data);
/* How many entries the text has. */
size_t merge_doc_count(const struct merge_doc *d);
void merge_doc_free(struct merge_doc *d);

/* ---- kinds --------------------------------------------------------------- */

enum merge_kind {
	MERGE_KIND_TEXT,     /* git merge-file */
	MERGE_KIND_ENTRIES,  /* merge_entries() */
	MERGE_KIND_LOCKFILE, /* merge.lockfile_command, or merge.lockfile_side */
	MERGE_KIND_OURS,     /* keep ours */
	MERGE_KIND_THEIRS,   /* take theirs */
};

struct merge_default_kind {
	const char *pattern;
	enum merge_kind kind;
};
/* The defaults by name, ended by { NULL }. */
extern const struct merge_default_kind merge_default_kinds[];

/* "entries", "text", ...; -1 for an unknown name. */
int merge_kind_parse(const char *name);
const char *merge_kind_name(enum merge_kind k);
/* The kind of path (relative to the top of the work tree); cfg may be NULL
 * (the defaults only). */
enum merge_kind merge_kind_for(const struct config *cfg, const char *path);

/* ---- the driver ---------------------------------------------------------- */

struct merge_result {
	enum merge_kind kind;
	int conflicts;            /* entries (or git's hunks) in conflict */
	int clean;                /* 1: %A holds a clean merge */
};

/*
 * Merge the files base, ours and theirs (git's %O %A %B) for the file path
 * (%P, may be NULL) as res->kind (set it first, e.g. from merge_kind_for())
 * and write the result over ours through a lockfile.
 * Returns 0 with *res filled (a conflict is res->clean == 0: ours then
 * holds the text with markers), or a negative kind when a file cannot be
 * read or written or git fails (ours unchanged).
 */
int merge_driver_run(const struct config *cfg, const char *base,
		     const char *ours, const char *theirs, const char *path,
		     const struct merge_opts *o, struct merge_result *res);

/* ---- registration -------------------------------------------------------- */

enum merge_scope {
	MERGE_SCOPE_REPO,     /* .git/config */
	MERGE_SCOPE_WORKTREE, /* this worktree's config.worktree */
};

/* The attributes block's first line. */
#define MERGE_ATTR_MARK "# bosun merge-driver: 'bosun hooks uninstall' removes this block"

/* command: how git starts bosun (an absolute path, or "bosun"). Returns 1
 * when something changed, 0 when all was in place. */
int merge_register(struct repo *repo, const struct config *cfg,
		   enum merge_scope scope, const char *command);
int merge_unregister(struct repo *repo, enum merge_scope scope);

#endif
