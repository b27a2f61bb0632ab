/*
 * manifest.h - the files that carry the project's version.
 *
 *	struct manifest_set ms = MANIFEST_SET_INIT;
 *	if ((r = manifest_discover(&ms, root, extra_files)) < 0)   // reads all
 *		return r;	// -BOSUN_EDATA: "package.json:3:14: invalid JSON ..."
 *	for (i = 0; i < ms.nr; i++)
 *		ms.items[i].path, ms.items[i].version
 *	if ((r = manifest_set_version(&ms, "1.3.0")) < 0) ...	// in memory
 *	if ((r = manifest_write(&ms)) < 0) ...	// all files or none
 *	manifest_set_release(&ms);
 *
 * Known files, looked for in root: VERSION (the whole file, trailing
 * newline kept), package.json (top-level "version"), package-lock.json (the
 * top-level "version" and packages[""].version), pyproject.toml
 * ([project].version or [tool.poetry].version), Cargo.toml
 * ([package].version). extra_files is a jansson array of { "path": P,
 * "pattern": R } (release.files) where R is a POSIX extended regex whose
 * first group is the version text, e.g. "__version__ = \"([^\"]+)\"". A
 * file missing from disk is skipped unless it is named in extra_files (then
 * -BOSUN_ENOTFOUND). A file that exists but has no version, or whose version
 * cannot be located, is -BOSUN_EDATA with FILE:LINE:COL.
 *
 * Writing replaces only the bytes of each version string; every other byte is
 * kept. manifest_write() first writes every new file to "<path>.lock", and
 * only when all are written renames them in place; if a rename fails, the
 * files already renamed are put back from the original bytes.
 *
 * A kill -9 halfway through the renames would still leave some files new
 * and some old, so with ms->journal set (a path in the git directory, e.g.
 * "<gitdir>/bosun/manifest.journal") the write keeps a journal:
 *
 *	1. take "<journal>.writer.lock", an owner lock: writers go one at a
 *	   time, and one that was killed is taken over;
 *	2. record the files about to change ("prepare"), write and sync every
 *	   "<file>.lock";
 *	3. record "commit": from here on, the write is done;
 *	4. rename every lock into place, and remove the record.
 *
 * manifest_recover() finishes what a killed writer left: after "commit" it
 * renames the lock files still there (all new), before it removes them (all
 * old). Commands that write or check version files call it first.
 */
#ifndef BOSUN_LIB_MANIFEST_H
#define BOSUN_LIB_MANIFEST_H

#include "core/strbuf.h"

#include <jansson.h>
#include <stddef.h>

enum manifest_kind {
	MANIFEST_VERSION_FILE,
	MANIFEST_PACKAGE_JSON,
	MANIFEST_PACKAGE_LOCK,
	MANIFEST_PYPROJECT,
	MANIFEST_CARGO,
	MANIFEST_PATTERN,
};

struct manifest_span {
	size_t off, len;        /* the version text's bytes in content */
	int line, col;
};

struct manifest {
	enum manifest_kind kind;
	char *path;             /* relative to root, as shown to users */
	char *version;          /* the version text of the first span */
	struct strbuf content;  /* the file's bytes (new bytes after set) */
	struct strbuf original; /* as read */
	struct manifest_span *spans;
	size_t nr_spans;
	int changed;
};

struct manifest_set {
	char *root;
	struct manifest *items;
	size_t nr, alloc;
	char *journal;          /* set for an all-or-none write under kill -9 */
};
#define MANIFEST_SET_INIT { NULL, NULL, 0, 0, NULL }

int manifest_discover(struct manifest_set *out, const char *root,
		      const json_t *extra_files);
int manifest_set_version(struct manifest_set *ms, const char *version);
int manifest_write(struct manifest_set *ms);
void manifest_set_release(struct manifest_set *ms);

/*
 * Finish or undo a journalled write a killed process left (see above).
 * Returns 0 when there was none, 1 when it was completed (every file new),
 * 2 when it was undone (every file as before); report gets the files' names,
 * comma-separated. -BOSUN_EBUSY when a live writer holds the journal.
 */
int manifest_recover(const char *journal, struct strbuf *report);
/* The journal's path for a work tree whose git directory is gitdir
 * ("<gitdir>/bosun/manifest.journal"; free() it). */
char *manifest_journal_path(const char *gitdir);

/* The journal's record (exposed for the fuzz harness): 0 and *commit (1
 * after "commit"), with the paths' count and each path in turn through
 * each(), or -BOSUN_EDATA. */
int manifest_journal_parse(const char *buf, size_t len, int *commit,
			   void (*each)(const char *path, void *data), void *data);

const char *manifest_kind_name(enum manifest_kind kind);

/* Locate the version in one file's bytes (exposed for the fuzz harness and
 * unit tests). pattern is used for MANIFEST_PATTERN only. */
int manifest_parse(struct manifest *m, const char *pattern);

#endif
