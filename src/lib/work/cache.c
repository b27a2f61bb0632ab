/*
 * cache.c - which of work's entries in the store's cache are for things
 * that no longer exist, for bosun clean (docs/clean.md): the keys of
 * internal.h's WORK_KEY_* kinds, a workstream's heartbeat, a worktree's
 * status, and what is known of commits.
 */
#include "lib/work/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/git/rev.h"
#include "lib/git/run.h"
#include "lib/store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const commit_kinds[] = { WORK_KEY_COMMIT, WORK_KEY_BRANCH,
					    WORK_KEY_MERGE, NULL };

void work_cache_key(struct strbuf *key, const char *prefix, const char *a,
		    const char *b)
{
	strbuf_reset(key);
	strbuf_addf(key, "%s%s%s%s", prefix, a, b ? "/" : "", b ? b : "");
}

/* The commits a key names (its '/'-separated hex parts) into oids. */
static int key_commits(const char *key, struct strbuf *oids)
{
	const char *p = NULL, *slash;
	size_t i;
	int n = 0;

	for (i = 0; commit_kinds[i] && !p; i++)
		if (!strncmp(key, commit_kinds[i], strlen(commit_kinds[i])))
			p = key + strlen(commit_kinds[i]);
	for (; p && *p; p = *slash ? slash + 1 : slash) {
		struct strbuf part = STRBUF_INIT;

		slash = strchrnul(p, '/');
		strbuf_add(&part, p, (size_t)(slash - p));
		if (rev_is_hex(part.buf, 40, 64)) {
			strbuf_addbuf(oids, &part);
			strbuf_addch(oids, '\n');
			n++;
		}
		strbuf_release(&part);
	}
	return n;
}

/* Which of the commits in oids (one a line) git lacks: "OID missing"
 * lines of cat-file's answer, into missing. */
static int find_missing(const char *gitdir, const struct strbuf *oids,
			struct strbuf *missing)
{
	const char *args[] = { "cat-file", "--batch-check=%(objectname)", NULL };
	struct gitrun g = GITRUN_INIT;
	int r;

	g.dir = gitdir;
	g.in = oids->buf;
	g.in_len = oids->len;
	if ((r = gitrun_exec(&g, args)) == 0)
		strbuf_addbuf(missing, &g.out);
	gitrun_release(&g);
	return r;
}

static int is_missing(const struct strbuf *missing, const char *oid, size_t len)
{
	const char *p = missing->buf;

	for (; p && (p = strstr(p, " missing\n")); p++) {
		const char *line = p;

		while (line > missing->buf && line[-1] != '\n')
			line--;
		if ((size_t)(p - line) == len && !memcmp(line, oid, len))
			return 1;
	}
	return 0;
}

int work_cache_gone(struct store *st, const char *gitdir,
		    const struct store_cache_entry *v, size_t nr, char **why)
{
	struct strbuf oids = STRBUF_INIT, missing = STRBUF_INIT;
	struct store_work_item it = { 0 };
	size_t i;
	int r = 0;

	for (i = 0; i < nr; i++)
		key_commits(v[i].key, &oids);
	if (oids.len && (r = find_missing(gitdir, &oids, &missing)) < 0)
		goto out;
	for (i = 0; i < nr && r >= 0; i++) {
		const char *key = v[i].key;

		if (why[i])
			continue;
		if (!strncmp(key, WORK_KEY_WTSTATUS, strlen(WORK_KEY_WTSTATUS))) {
			struct stat sb;

			if (lstat(key + strlen(WORK_KEY_WTSTATUS), &sb) < 0 && errno == ENOENT)
				why[i] = xstrdup("its worktree is gone");
			continue;
		}
		if (!strncmp(key, WORK_KEY_HEARTBEAT, strlen(WORK_KEY_HEARTBEAT))) {
			r = store_work_get(st, key + strlen(WORK_KEY_HEARTBEAT), &it);
			store_work_clear(&it);
			memset(&it, 0, sizeof(it));
			if (r == -BOSUN_ENOTFOUND) {
				error_clear();
				why[i] = xstrdup("its workstream is gone");
			}
			r = r == -BOSUN_ENOTFOUND ? 0 : r;
			continue;
		}
		strbuf_reset(&oids);
		if (key_commits(key, &oids)) {
			const char *p = oids.buf, *nl;

			for (; (nl = strchr(p, '\n')); p = nl + 1)
				if (is_missing(&missing, p, (size_t)(nl - p))) {
					why[i] = xstrdup("a commit it is for is gone");
					break;
				}
		}
	}
out:
	strbuf_release(&oids);
	strbuf_release(&missing);
	return r;
}
