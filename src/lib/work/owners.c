/*
 * owners.c - which workstream owns a staged file: the hooks' ownership
 * check (work.h, docs/hooks.md) warns an agent that edits a file another
 * workstream of its plan owns.
 */
#include "lib/work/internal.h"

#include "core/error.h"
#include "core/glob.h"
#include "lib/store/store.h"

#include <string.h>

/* The pattern of w that matches path, or NULL. */
static const char *owner_pattern(const struct work_stream *w, const char *path)
{
	size_t i;

	for (i = 0; i < w->owns_nr; i++)
		if (glob_file_match(w->owns[i], path))
			return w->owns[i];
	return NULL;
}

int work_foreign_staged(struct store *st, const char *gitdir, const char *dir,
			char *const *files,
			size_t nr, struct strbuf *out)
{
	struct strbuf id = STRBUF_INIT;
	struct store_work_item it = { 0 };
	struct work_plan p = WORK_PLAN_INIT;
	const struct work_stream *self = NULL;
	const char *me;
	size_t i, k;
	int r, found = 0;

	/* outside a spawned worktree there is nothing to say */
	if ((r = work_here(gitdir, dir, &id)) == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if ((r = store_work_get(st, id.buf, &it)) == -BOSUN_ENOTFOUND || (r >= 0 && !it.parent)) {
		error_clear();
		r = 0;
		goto out;
	}
	if (r < 0 || (r = work_plan_load(st, it.parent, &p)) < 0)
		goto out;
	me = id.buf + strlen(it.parent) + 1;
	for (k = 0; k < p.nr; k++)
		if (!strcmp(p.ws[k].id, me))
			self = &p.ws[k];
	for (i = 0; i < nr; i++) {
		if (self && owner_pattern(self, files[i]))
			continue;
		for (k = 0; k < p.nr; k++) {
			const char *pat;
			if (&p.ws[k] == self || !(pat = owner_pattern(&p.ws[k], files[i])))
				continue;
			strbuf_addf(out, "%s: owned by workstream '%s' (%s), not '%s'\n",
				    files[i], p.ws[k].id, pat, me);
			found++;
			break;
		}
	}
	r = found;
out:
	work_plan_release(&p);
	store_work_clear(&it);
	strbuf_release(&id);
	return r;
}
