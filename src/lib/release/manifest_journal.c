/*
 * manifest_journal.c - the version files' write made all or none under
 * kill -9 (manifest.h) through core/journal.h: the journal names the
 * files that change.
 */
#include "lib/release/manifest.h"
#include "lib/release/internal.h"

#include "core/alloc.h"
#include "core/fs.h"
#include "core/journal.h"

#include <stdlib.h>

int manifest_journal_parse(const char *buf, size_t len, int *commit,
			   void (*each)(const char *path, void *data), void *data)
{
	return journal_parse(buf, len, commit, each, data);
}

int manifest_recover(const char *journal, struct strbuf *report)
{
	return journal_recover(journal, report);
}

char *manifest_journal_path(const char *gitdir)
{
	struct strbuf sb = STRBUF_INIT;

	fs_path_join(&sb, gitdir, "bosun/manifest.journal");
	return strbuf_detach(&sb, NULL);
}

/* The full paths of the files that change (free with paths_free()). */
static char **changed_paths(const struct manifest_set *ms, size_t *nr)
{
	char **v = xcalloc(ms->nr + 1, sizeof(*v));
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	*nr = 0;
	for (i = 0; i < ms->nr; i++) {
		if (!ms->items[i].changed)
			continue;
		strbuf_reset(&sb);
		mf_full_path_add(&sb, ms, &ms->items[i]);
		v[(*nr)++] = xstrdup(sb.buf);
	}
	strbuf_release(&sb);
	return v;
}

static void paths_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

int mf_journal_begin(struct lockfile *jl, const struct manifest_set *ms)
{
	size_t nr;
	char **v = changed_paths(ms, &nr);
	int r = journal_begin(jl, ms->journal, (const char *const *)v, nr);

	paths_free(v, nr);
	return r;
}

int mf_journal_commit(const struct manifest_set *ms)
{
	size_t nr;
	char **v = changed_paths(ms, &nr);
	int r = journal_commit(ms->journal, (const char *const *)v, nr);

	paths_free(v, nr);
	return r;
}

void mf_journal_end(struct lockfile *jl, const struct manifest_set *ms)
{
	journal_end(jl, ms->journal);
}
