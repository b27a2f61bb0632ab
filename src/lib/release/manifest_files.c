/*
 * manifest_files.c - the project's version files: finding the known ones
 * and those release.files names, and writing them all or none (every
 * file to its lock file first, renamed only when all are ready).
 */
#include "lib/release/manifest.h"
#include "lib/release/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/sigchain.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Manifests are small; anything this big is not one. */
#define MANIFEST_MAX_SIZE (16u << 20)

/* ---- discover ---- */

static const struct {
	const char *name;
	enum manifest_kind kind;
} known_files[] = {
	{ "VERSION", MANIFEST_VERSION_FILE },
	{ "package.json", MANIFEST_PACKAGE_JSON },
	{ "package-lock.json", MANIFEST_PACKAGE_LOCK },
	{ "pyproject.toml", MANIFEST_PYPROJECT },
	{ "Cargo.toml", MANIFEST_CARGO },
};

static const char *skip_dot_slash(const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return path;
}

static int has_dotdot(const char *path)
{
	const char *p = path;

	for (;;) {
		if (p[0] == '.' && p[1] == '.' && (!p[2] || p[2] == '/'))
			return 1;
		if (!(p = strchr(p, '/')))
			return 0;
		p++;
	}
}

static const char *extra_field(const json_t *e, const char *key)
{
	return json_string_value(json_object_get(e, key));
}

/* The index of the release.files entry for path, or -1. */
static ssize_t extra_find(const json_t *extra, const char *path, size_t before)
{
	size_t i;

	for (i = 0; i < before && i < json_array_size(extra); i++)
		if (!strcmp(skip_dot_slash(extra_field(json_array_get(extra, i),
							"path")), path))
			return (ssize_t)i;
	return -1;
}

static int extra_check_one(const json_t *extra, size_t i)
{
	const json_t *e = json_array_get(extra, i);
	const char *path = extra_field(e, "path");

	if (!json_is_object(e) || !path || !extra_field(e, "pattern"))
		return error_set(BOSUN_EDATA, "release.files[%zu]: expected "
				 "{ path, pattern } with two strings", i);
	path = skip_dot_slash(path);
	if (!*path || *path == '/' || has_dotdot(path))
		return error_set(BOSUN_EDATA, "release.files[%zu]: '%s' is not "
				 "a path inside the repository", i, path);
	if (extra_find(extra, path, i) >= 0)
		return error_set(BOSUN_EDATA, "release.files[%zu]: '%s' is "
				 "listed twice", i, path);
	return 0;
}

/* Check the whole list before reading anything. */
static int extra_check(const json_t *extra)
{
	size_t i;
	int r;

	if (!extra || json_is_null(extra))
		return 0;
	if (!json_is_array(extra))
		return error_set(BOSUN_EDATA, "release.files: expected a list");
	for (i = 0; i < json_array_size(extra); i++)
		if ((r = extra_check_one(extra, i)) < 0)
			return r;
	return 0;
}

static struct manifest *set_append(struct manifest_set *ms,
				   enum manifest_kind kind, const char *path)
{
	struct manifest *m;

	ALLOC_GROW(ms->items, ms->nr + 1, ms->alloc);
	m = &ms->items[ms->nr++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->path = xstrdup(path);
	strbuf_init(&m->content, 0);
	strbuf_init(&m->original, 0);
	return m;
}

/* Read and parse root/path; a missing file is skipped unless required. */
static int read_one(struct manifest_set *ms, const char *path,
		    enum manifest_kind kind, const char *pattern, int required)
{
	struct strbuf full = STRBUF_INIT, data = STRBUF_INIT;
	struct manifest *m;
	int r;

	fs_path_join(&full, ms->root, path);
	r = fs_read_file(&data, full.buf, MANIFEST_MAX_SIZE);
	if (r == -BOSUN_ENOTFOUND && !required) {
		error_clear();
		r = 0;
		goto out;
	}
	if (r == -BOSUN_ENOTFOUND) {
		r = error_set(BOSUN_ENOTFOUND,
			      "'%s' (release.files) does not exist", path);
		goto out;
	}
	if (r < 0)
		goto out;
	m = set_append(ms, kind, path);
	strbuf_addbuf(&m->original, &data);
	m->content = data;
	strbuf_init(&data, 0);
	r = manifest_parse(m, pattern);
out:
	strbuf_release(&data);
	strbuf_release(&full);
	return r;
}

static int discover_known(struct manifest_set *ms, const json_t *extra)
{
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(known_files); i++) {
		/* A pattern given for a known file replaces our reader. */
		if (extra && extra_find(extra, known_files[i].name,
					json_array_size(extra)) >= 0)
			continue;
		r = read_one(ms, known_files[i].name, known_files[i].kind,
			     NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int discover_extra(struct manifest_set *ms, const json_t *extra)
{
	size_t i;
	int r;

	for (i = 0; i < json_array_size(extra); i++) {
		const json_t *e = json_array_get(extra, i);

		r = read_one(ms, skip_dot_slash(extra_field(e, "path")),
			     MANIFEST_PATTERN, extra_field(e, "pattern"), 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int manifest_discover(struct manifest_set *out, const char *root,
		      const json_t *extra_files)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	int r;

	if ((r = extra_check(extra_files)) < 0)
		return r;
	if (json_is_null(extra_files))
		extra_files = NULL;
	ms.root = xstrdup(root ? root : "");
	if ((r = discover_known(&ms, extra_files)) < 0 ||
	    (r = discover_extra(&ms, extra_files)) < 0)
		goto out;
	*out = ms;
	memset(&ms, 0, sizeof(ms));
out:
	manifest_set_release(&ms);
	return r;
}

/* ---- write ---- */

static void manifest_full_path(struct strbuf *sb, const struct manifest_set *ms,
			       const struct manifest *m)
{
	strbuf_reset(sb);
	fs_path_join(sb, ms->root ? ms->root : "", m->path ? m->path : "");
}

void mf_full_path_add(struct strbuf *sb, const struct manifest_set *ms,
		      const struct manifest *m)
{
	struct strbuf path = STRBUF_INIT;

	manifest_full_path(&path, ms, m);
	strbuf_addbuf(sb, &path);
	strbuf_release(&path);
}

static int lock_one(struct lockfile *lk, const char *path,
		    const struct strbuf *content)
{
	struct stat st;
	int r;

	if ((r = lock_acquire(lk, path, 0)) < 0)
		return r;
	/* Keep the file's mode: the lock is created with the default one. */
	if (!stat(path, &st) && fchmod(lk->fd, st.st_mode & 07777) < 0)
		return error_errno(BOSUN_EIO, "cannot set the mode of '%s'",
				   lk->lock_path);
	return lock_write(lk, content->buf, content->len);
}

/* A rename failed after files [0, upto) were replaced: put those back.
 * The error that got us here stays the one reported. */
static void restore_written(const struct manifest_set *ms, size_t upto)
{
	struct strbuf msg = STRBUF_INIT, path = STRBUF_INIT;
	int kind = error_kind();
	size_t i;

	strbuf_addstr(&msg, error_message());
	for (i = 0; i < upto; i++) {
		const struct manifest *m = &ms->items[i];

		if (!m->changed)
			continue;
		manifest_full_path(&path, ms, m);
		/* write_file_atomic() keeps the mode of the file in place. */
		if (write_file_atomic(path.buf, m->original.buf,
				      m->original.len, 0666) < 0)
			strbuf_addf(&msg, "; '%s' could not be put back",
				    m->path);
	}
	error_set(kind, "%s", msg.buf);
	strbuf_release(&path);
	strbuf_release(&msg);
}

/* changed and original are left as they are, so that a caller whose later
 * step fails can still put the files back. */
int manifest_write(struct manifest_set *ms)
{
	struct lockfile *locks = xcalloc(ms->nr, sizeof(*locks));
	struct lockfile jl = LOCKFILE_INIT;
	struct strbuf path = STRBUF_INIT;
	sigset_t old;
	size_t i;
	int r = 0, journal = 0, blocked = 0;

	for (i = 0; i < ms->nr; i++)
		locks[i].fd = -1;
	if (ms->journal && (r = mf_journal_begin(&jl, ms)) < 0)
		goto out;
	journal = ms->journal != NULL;
	for (i = 0; i < ms->nr; i++) {
		if (!ms->items[i].changed)
			continue;
		manifest_full_path(&path, ms, &ms->items[i]);
		r = lock_one(&locks[i], path.buf, &ms->items[i].content);
		if (r < 0 || (journal && (r = lock_sync(&locks[i])) < 0))
			goto out;
	}
	/* From the "commit" record to the last rename the write is done: a
	 * signal then must not remove the new files half-way (only SIGKILL
	 * gets in, and the next run finishes the renames). */
	if (journal) {
		sigchain_block_common(&old);
		blocked = 1;
		if ((r = mf_journal_commit(ms)) < 0)
			goto out;
	}
	for (i = 0; i < ms->nr; i++) {
		if (!ms->items[i].changed)
			continue;
		if ((r = lock_commit(&locks[i])) < 0) {
			restore_written(ms, i);
			goto out;
		}
	}
out:
	for (i = 0; i < ms->nr; i++)
		lock_rollback(&locks[i]);
	if (journal)
		mf_journal_end(&jl, ms);
	if (blocked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	strbuf_release(&path);
	free(locks);
	return r;
}
