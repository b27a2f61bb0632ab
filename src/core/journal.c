/*
 * journal.c - the record that makes a multi-file write all or none under
 * kill -9 (journal.h).
 */
#include "core/journal.h"

#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/pidfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOURNAL_MAGIC "bosun-manifest-journal 1\n"
#define JOURNAL_MAX (1u << 20)
/* How long a writer waits for another to finish. */
#define JOURNAL_WAIT_MS 5000

/* Writers go one at a time through an owner lock of their own,
 * "<journal>.writer.lock": the record itself is replaced through
 * "<journal>.lock" (write_file_atomic()). */
static int writer_lock(struct lockfile *jl, const char *journal)
{
	struct strbuf base = STRBUF_INIT;
	int r;

	strbuf_addf(&base, "%s.writer", journal);
	r = owner_lock_acquire(jl, base.buf, JOURNAL_WAIT_MS);
	strbuf_release(&base);
	return r;
}

int journal_parse(const char *buf, size_t len, int *commit,
		  void (*each)(const char *path, void *data), void *data)
{
	size_t magic = strlen(JOURNAL_MAGIC);
	const char *p = buf + magic, *end = buf + len, *nul;

	if (len < magic || memcmp(buf, JOURNAL_MAGIC, magic))
		return error_set(BOSUN_EDATA, "not a bosun journal");
	if ((size_t)(end - p) >= 8 && !memcmp(p, "prepare\n", 8)) {
		*commit = 0;
		p += 8;
	} else if ((size_t)(end - p) >= 7 && !memcmp(p, "commit\n", 7)) {
		*commit = 1;
		p += 7;
	} else {
		return error_set(BOSUN_EDATA, "a bosun journal with no state");
	}
	for (; p < end; p = nul + 1) {
		if (!(nul = memchr(p, '\0', (size_t)(end - p))) || nul == p)
			return error_set(BOSUN_EDATA, "a bosun journal cut short");
		if (each)
			each(p, data);
	}
	return 0;
}

static void add_name(struct strbuf *report, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (report->len)
		strbuf_addstr(report, ", ");
	strbuf_addstr(report, slash ? slash + 1 : path);
}

struct settle {
	int commit;
	struct strbuf *report;
	int failed;
};

/* After "commit", put the new file in place; before it, drop it. */
static void settle_one(const char *path, void *data)
{
	struct settle *s = data;
	char *target = lock_target(path);
	int r = lock_settle(target, s->commit);

	if (r < 0 && !s->failed)
		s->failed = r;
	add_name(s->report, path);
	free(target);
}

/* With the writer lock held: settle what a killed writer left. */
static int recover_locked(const char *journal, struct strbuf *report)
{
	struct strbuf rec = STRBUF_INIT, names = STRBUF_INIT;
	struct settle s = { 0, &names, 0 };
	int r;

	/* A lock on the record itself is a dead writer's: it was killed
	 * while replacing the record, which is as it was before. */
	if ((r = lock_settle(journal, 0)) < 0)
		goto out;
	strbuf_addf(&rec, "%s.writer", journal);
	lock_sweep_dead_owners(rec.buf);
	strbuf_reset(&rec);
	r = fs_read_file(&rec, journal, JOURNAL_MAX);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if ((r = journal_parse(rec.buf, rec.len, &s.commit, NULL, NULL)) < 0) {
		error_prefix("'%s'", journal);
		goto out;
	}
	journal_parse(rec.buf, rec.len, &s.commit, settle_one, &s);
	if ((r = s.failed) < 0)
		goto out;
	if (unlink(journal) < 0 && errno != ENOENT) {
		r = error_errno(BOSUN_EIO, "cannot remove '%s'", journal);
		goto out;
	}
	if (report)
		strbuf_addbuf(report, &names);
	r = s.commit ? 1 : 2;
out:
	strbuf_release(&rec);
	strbuf_release(&names);
	return r;
}

int journal_recover(const char *journal, struct strbuf *report)
{
	struct strbuf base = STRBUF_INIT;
	struct lockfile jl = LOCKFILE_INIT;
	int r;

	strbuf_addf(&base, "%s.writer.lock", journal);
	if (access(journal, F_OK) < 0 && access(base.buf, F_OK) < 0) {
		/* The common case: a read takes no lock. A writer killed
		 * while taking a lock may have left its owner name alone
		 * (no lock): that goes. */
		strbuf_setlen(&base, base.len - strlen(".lock"));
		lock_sweep_dead_owners(base.buf);
		lock_sweep_dead_owners(journal);
		strbuf_release(&base);
		return 0;
	}
	/* A journal, or a writer lock without one (its writer may have been
	 * killed before the first record): settle it under the lock. */
	strbuf_release(&base);
	if ((r = writer_lock(&jl, journal)) < 0)
		return r;
	r = recover_locked(journal, report);
	lock_rollback(&jl);
	return r;
}

static void record(struct strbuf *sb, const char *state,
		   const char *const *paths, size_t nr)
{
	size_t i;

	strbuf_reset(sb);
	strbuf_addstr(sb, JOURNAL_MAGIC);
	strbuf_addstr(sb, state);
	for (i = 0; i < nr; i++) {
		strbuf_addstr(sb, paths[i]);
		strbuf_addch(sb, '\0');
	}
}

int journal_begin(struct lockfile *jl, const char *journal,
		  const char *const *paths, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	const char *slash = strrchr(journal, '/');
	int r;

	if (slash && slash != journal) {
		strbuf_add(&sb, journal, (size_t)(slash - journal));
		r = fs_mkdir_p(sb.buf);
		if (r < 0)
			goto out;
	}
	if ((r = writer_lock(jl, journal)) < 0)
		goto out;
	if ((r = recover_locked(journal, NULL)) < 0)
		goto out;
	record(&sb, "prepare\n", paths, nr);
	r = write_file_atomic(journal, sb.buf, sb.len, 0644);
out:
	strbuf_release(&sb);
	if (r < 0)
		lock_rollback(jl);
	return r < 0 ? r : 0;
}

int journal_commit(const char *journal, const char *const *paths, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	record(&sb, "commit\n", paths, nr);
	r = write_file_atomic(journal, sb.buf, sb.len, 0644);
	strbuf_release(&sb);
	return r;
}

void journal_end(struct lockfile *jl, const char *journal)
{
	if (unlink(journal) < 0 && errno != ENOENT)
		error_clear(); /* left behind, it is settled by the next run */
	lock_rollback(jl);
}
