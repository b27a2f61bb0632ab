/*
 * journal.h - several files replaced all or none under kill -9: a record of
 * which files a write replaces, and whether it got past the point where
 * every new file was on disk.
 *
 *	struct lockfile jl = LOCKFILE_INIT;
 *	if ((r = journal_begin(&jl, journal, paths, nr)) < 0)	// "prepare"
 *		return r;		// -BOSUN_EBUSY: another writer
 *	// write and lock_sync() every "<path>.lock" (lockfile.h), keep them
 *	if ((r = journal_commit(journal, paths, nr)) < 0)	// "commit"
 *		...;			// roll the locks back, journal_end()
 *	// lock_commit() / lock_rename() every lock
 *	journal_end(&jl, journal);	// the record goes, the writer lock too
 *
 * Writers go one at a time through "<journal>.writer.lock", an owner lock
 * (pidfile.h): one that was killed is taken over. journal_recover()
 * finishes what a killed writer left: after "commit" it renames the lock
 * files still there (every file new), before it removes them (every file
 * old). The record is "bosun-manifest-journal 1\n" (its first user was the
 * version files' write, lib/release/manifest.h), then "prepare\n" or
 * "commit\n", then each path (as given, before symlinks are followed)
 * ending in a NUL byte, so that any byte a path may hold is kept.
 */
#ifndef BOSUN_CORE_JOURNAL_H
#define BOSUN_CORE_JOURNAL_H

#include "core/lockfile.h"
#include "core/strbuf.h"

#include <stddef.h>

/* Take the writer lock, settle a killed writer's record, write "prepare". */
int journal_begin(struct lockfile *jl, const char *journal,
		  const char *const *paths, size_t nr);
/* Record "commit": from here on the write is done, whatever happens. */
int journal_commit(const char *journal, const char *const *paths, size_t nr);
/* Remove the record and the writer lock. */
void journal_end(struct lockfile *jl, const char *journal);
/*
 * Finish or undo a write a killed process left. Returns 0 when there was
 * none, 1 when it was completed (every file new), 2 when it was undone
 * (every file as before); report gets the files' names, comma-separated.
 * -BOSUN_EBUSY when a live writer holds the journal.
 */
int journal_recover(const char *journal, struct strbuf *report);
/* The record (exposed for the fuzz harness): 0 and *commit (1 after
 * "commit"), each path in turn through each(), or -BOSUN_EDATA. */
int journal_parse(const char *buf, size_t len, int *commit,
		  void (*each)(const char *path, void *data), void *data);

#endif
