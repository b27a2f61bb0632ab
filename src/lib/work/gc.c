/*
 * gc.c - bosun work gc: reconcile git's worktree list, the folders under
 * work.root and the store (work.h, docs/work.md "gc"). Every source is
 * read first; a source that cannot be read stops gc before it acts (a
 * lookup error is not an orphan).
 */
#include "lib/work/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/proc.h"
#include "core/time.h"
#include "lib/store/store.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* In a worktree's admin folder, which git removes last: the snapshot a gc
 * took of it before it began to remove it. */
#define TAKEN "bosun-attic"
/* A ref lock git holds for milliseconds; one this old is a killed git's. */
#define STALE_LOCK_S 60

/* The crash test's hook (t5025): BOSUN_TEST_GC_KILL=POINT sends SIGKILL
 * when gc reaches POINT, the same on a fast machine or a slow one. */
static void kill_point(const char *point)
{
	const char *at = getenv("BOSUN_TEST_GC_KILL");

	if (at && !strcmp(at, point))
		kill(getpid(), SIGKILL);
}

struct seen {
	char *dir, *id, *state;   /* id: TASK/ID when known */
	int git, disk, store;
};

struct table {
	struct seen *v;
	size_t nr, alloc;
};

static struct seen *at(struct table *t, const char *dir)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->v[i].dir, dir))
			return &t->v[i];
	ALLOC_GROW(t->v, t->nr + 1, t->alloc);
	memset(&t->v[t->nr], 0, sizeof(t->v[0]));
	t->v[t->nr].dir = xstrdup(dir);
	return &t->v[t->nr++];
}

static int from_git(const struct work_where *w, struct table *t)
{
	static const char *const args[] = { "worktree", "list", "--porcelain", NULL };
	struct strbuf out = STRBUF_INIT;
	size_t rl = strlen(w->root);
	char *line, *save = NULL;
	int r;

	if ((r = work_git(w->top, &out, args)) < 0)
		return error_prefix("cannot list git's worktrees");
	for (line = strtok_r(out.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "worktree ", 9) && !strncmp(line + 9, w->root, rl) &&
		    line[9 + rl] == '/')
			at(t, line + 9)->git = 1;
	strbuf_release(&out);
	return 0;
}

static int from_disk(const struct work_where *w, struct table *t)
{
	struct strbuf sub = STRBUF_INIT, leaf = STRBUF_INIT;
	struct dirent *e, *f;
	DIR *top = opendir(w->root), *d;
	int r = 0;

	if (!top)
		return errno == ENOENT ? 0 : error_errno(BOSUN_EIO, "cannot read '%s'", w->root);
	while (r >= 0 && (e = readdir(top))) {
		if (e->d_name[0] == '.')
			continue;
		fs_path_join(&sub, w->root, e->d_name);
		if (!fs_is_dir(sub.buf))
			continue;
		if (!(d = opendir(sub.buf))) {
			r = error_errno(BOSUN_EIO, "cannot read '%s'", sub.buf);
			break;
		}
		while ((f = readdir(d))) {
			if (f->d_name[0] == '.')
				continue;
			fs_path_join(&leaf, sub.buf, f->d_name);
			if (fs_is_dir(leaf.buf)) {
				struct seen *s = at(t, leaf.buf);
				s->disk = 1;
				if (!s->id) {
					s->id = xstrdup(leaf.buf + strlen(w->root) + 1);
				}
			}
		}
		closedir(d);
	}
	closedir(top);
	strbuf_release(&sub);
	strbuf_release(&leaf);
	return r;
}

static int store_row(const char *id, const char *state, const json_t *spawn, void *data)
{
	const char *dir = json_string_value(json_object_get(spawn, "dir"));
	struct seen *s;

	if (!dir)
		return 0;
	s = at(data, dir);
	s->store = 1;
	free(s->id);
	s->id = xstrdup(id);
	free(s->state);
	s->state = xstrdup(state);
	return 0;
}

static int from_store(struct store *st, struct table *t)
{
	return work_each_spawn(st, store_row, t);
}

static int live(const struct seen *s)
{
	/* merged and ejected ones (work integrate) are still their agents' */
	return s->store && s->state && (!strcmp(s->state, "spawned") ||
					 !strcmp(s->state, "spawning") ||
					 !strcmp(s->state, "merged") ||
					 !strcmp(s->state, "ejected"));
}

/*
 * Snapshot the worktree at s->dir, then remove it. The snapshot's name is
 * written to the admin folder before git deletes anything, so a gc killed
 * while git deletes files is finished by the next one without a second
 * snapshot of a half-deleted folder (restore takes the newest). 1 when
 * it is gone already.
 */
static int remove_worktree(const struct work_where *w, const struct work_config *wc,
			   const struct seen *s, struct strbuf *ref)
{
	const char *rm[] = { "worktree", "remove", "--force", s->dir, NULL };
	struct strbuf admin = STRBUF_INIT, taken = STRBUF_INIT;
	int r, tries, has_admin = work_find_admin(w, s->dir, &admin);

	if (!has_admin && !fs_exists(s->dir)) {
		/* gone since gc looked: the git of a gc killed after its
		 * snapshot has finished removing it */
		r = 1;
		goto out;
	}
	strbuf_addf(&taken, "%s/" TAKEN, admin.buf);
	if (has_admin && fs_read_file(ref, taken.buf, 4096) == 0 &&
	    (strbuf_trim(ref), ref->len)) {
		/* a killed gc's: its git may still be deleting, so try again
		 * a few times before giving up */
		for (tries = 0; (r = fs_remove_tree(s->dir)) < 0 ||
				(r = fs_remove_tree(admin.buf)) < 0; tries++) {
			if (tries == 3)
				goto out;
			error_clear();
			time_sleep_ms(250 << tries);
		}
		goto out;
	}
	error_clear();
	strbuf_setlen(ref, 0);
	if ((r = work_snapshot(w, wc, s->id, s->dir, ref)) < 0)
		goto out;
	kill_point("snapshot");
	if (has_admin && (r = write_file_atomic(taken.buf, ref->buf, ref->len, 0644)) < 0)
		goto out;
	kill_point("taken");
	r = work_git(w->top, NULL, rm);
	kill_point("removed");
out:
	strbuf_release(&admin);
	strbuf_release(&taken);
	return r;
}

/*
 * A ref lock left by a git killed with SIGKILL blocks that ref for good.
 * For refs only bosun writes (refs/bosun/attic/, a branch of a worktree
 * it removed) a lock is stale when no git runs in the repository's top
 * (where bosun runs its gits) or in dir, or it is older than any ref
 * update takes.
 */
static int stale_lock(const struct work_where *w, const char *path, const char *dir)
{
	struct stat sb;

	return lstat(path, &sb) == 0 &&
	       (time_wall_ms() / 1000 - (long long)sb.st_mtime >= STALE_LOCK_S ||
		(!proc_any_in_dir(w->top, "git") && (!dir || !proc_any_in_dir(dir, "git"))));
}

int work_settle_ref_lock(const struct work_where *w, const char *ref, const char *dir)
{
	struct strbuf lock = STRBUF_INIT;
	int r = 0;

	strbuf_addf(&lock, "%s/%s.lock", w->common_dir, ref);
	if (stale_lock(w, lock.buf, dir))
		r = fs_unlink(lock.buf);
	strbuf_release(&lock);
	return r;
}

/* The stale locks of refs that are not there (a snapshot's ref being
 * made when its git was killed), under dir (a folder of refs/bosun/attic,
 * at most depth levels down): each an item, removed when apply. */
static int stray_locks(const struct work_where *w, const char *dir, int depth, int apply,
		       struct work_removal **out, size_t *nr, size_t *alloc)
{
	struct strbuf p = STRBUF_INIT, ref = STRBUF_INIT;
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t l;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : error_errno(BOSUN_EIO, "cannot read '%s'", dir);
	while (r >= 0 && (e = readdir(d))) {
		struct work_removal *res;
		if (e->d_name[0] == '.')
			continue;
		fs_path_join(&p, dir, e->d_name);
		l = strlen(p.buf);
		if (fs_is_dir(p.buf)) {
			if (depth > 0)
				r = stray_locks(w, p.buf, depth - 1, apply, out, nr, alloc);
			continue;
		}
		strbuf_setlen(&ref, 0);
		strbuf_add(&ref, p.buf, l > 5 ? l - 5 : 0);
		if (l <= 5 || strcmp(p.buf + l - 5, ".lock") || fs_exists(ref.buf) ||
		    !stale_lock(w, p.buf, NULL))
			continue;
		ALLOC_GROW(*out, *nr + 1, *alloc);
		res = &(*out)[(*nr)++];
		memset(res, 0, sizeof(*res));
		res->id = xstrdup(ref.buf + strlen(w->common_dir) + 1);
		res->dir = xstrdup(p.buf);
		res->why = xstrdup("a ref lock a killed git left (no git runs here, or it "
				   "is over a minute old) on a ref that is not there");
		res->action = xstrdup("remove the lock");
		if (apply)
			r = fs_unlink(p.buf);
	}
	closedir(d);
	strbuf_release(&p);
	strbuf_release(&ref);
	return r;
}

static int act(struct store *st, const struct work_where *w, const struct work_config *wc,
	       const struct seen *s, int apply, struct work_removal *res)
{
	struct strbuf why = STRBUF_INIT, ref = STRBUF_INIT, admin = STRBUF_INIT;
	int r = 0;

	res->id = xstrdup(s->id ? s->id : s->dir);
	res->dir = xstrdup(s->dir);
	if (s->git && !s->disk) {
		strbuf_addstr(&why, "git lists it; its folder is gone");
		res->action = xstrdup("drop git's record of it (nothing is left to lose)");
		if (apply && work_find_admin(w, s->dir, &admin))
			r = fs_remove_tree(admin.buf);
	} else if (s->disk && !s->git) {
		strbuf_addstr(&why, "a folder on disk that git does not list as a worktree");
		res->action = xstrdup("leave it: not a worktree, so bosun cannot snapshot "
				      "it; move or delete it yourself");
	} else if (s->git && s->disk) {
		strbuf_addf(&why, "git and the disk have it; the store %s",
			    s->store ? "says it is " : "has no record of it");
		if (s->store)
			strbuf_addstr(&why, s->state);
		res->action = xstrdup("snapshot it to the attic, then remove the worktree "
				      "(the branch stays)");
		if (s->store && !strcmp(s->state, "removing")) {
			free(res->action);
			res->action = xstrdup("leave it: a killed 'bosun work clean' was removing "
					      "it, and the next one finishes that");
		} else if (apply && (r = remove_worktree(w, wc, s, &ref)) == 0) {
			res->attic = xstrdup(ref.buf);
		} else if (r == 1) {
			free(res->action);
			res->action = xstrdup("nothing left to do: git removed it meanwhile");
			r = 0;
		}
	} else {
		strbuf_addstr(&why, "the store has it; git and the disk do not");
		res->action = xstrdup("mark it 'missing' in the store");
		if (apply)
			r = store_work_set_state(st, s->id, NULL, "missing");
	}
	res->why = strbuf_detach(&why, NULL);
	strbuf_release(&ref);
	strbuf_release(&admin);
	return r;
}

/* The snapshots past work.attic_days; a deletion that fails is the item's
 * error, counted in *failed. */
static int expired(const struct work_where *w, const struct work_config *wc, int apply,
		   struct work_removal **out, size_t *nr, size_t *alloc, size_t *failed)
{
	static const char *const args[] = { "for-each-ref",
		"--format=%(refname)", "refs/bosun/attic/", NULL };
	struct strbuf list = STRBUF_INIT;
	long long cut = time_wall_ms() / 1000 - wc->attic_days * 86400;
	char *line, *save = NULL;
	int r;

	if ((r = work_git(w->top, &list, args)) < 0)
		return r;
	for (line = strtok_r(list.buf, "\n", &save); r >= 0 && line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* the time is the ref's last component (attic.c's stamp), UTC;
		 * a ref whose name has none is kept */
		const char *last = strrchr(line, '/');
		struct tm tm;
		struct work_removal *res;
		memset(&tm, 0, sizeof(tm));
		if (!last || sscanf(last + 1, "%4d%2d%2dT%2d%2d%2d", &tm.tm_year, &tm.tm_mon,
				    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
			continue;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		if ((long long)timegm(&tm) >= cut)
			continue;
		ALLOC_GROW(*out, *nr + 1, *alloc);
		res = &(*out)[(*nr)++];
		memset(res, 0, sizeof(*res));
		res->id = xstrdup(line);
		res->attic = xstrdup(line);
		res->why = xstrdup("a snapshot older than work.attic_days");
		res->action = xstrdup("delete the snapshot");
		if (apply) {
			const char *del[] = { "update-ref", "-d", line, NULL };
			kill_point("expire");
			if (work_settle_ref_lock(w, line, NULL) < 0 || work_git(w->top, NULL, del) < 0) {
				res->error = xstrdup(error_message());
				error_clear();
				(*failed)++;
			}
		}
	}
	strbuf_release(&list);
	return r;
}

int work_gc(struct store *st, const struct work_where *w,
	    const struct work_config *wc, int apply,
	    struct work_removal **out, size_t *nr)
{
	struct table t = { NULL, 0, 0 };
	struct strbuf attic = STRBUF_INIT;
	size_t i, alloc = 0, failed = 0;
	int r;

	*out = NULL;
	*nr = 0;
	if ((r = from_git(w, &t)) < 0 || (r = from_disk(w, &t)) < 0 ||
	    (r = from_store(st, &t)) < 0)
		goto out;
	for (i = 0; i < t.nr; i++) {
		struct seen *s = &t.v[i];
		struct work_removal *res;
		if (s->git && s->disk && live(s))
			continue;
		if (!s->git && !s->disk && !live(s))
			continue;
		ALLOC_GROW(*out, *nr + 1, alloc);
		res = &(*out)[(*nr)++];
		memset(res, 0, sizeof(*res));
		if (act(st, w, wc, s, apply, res) < 0) {
			res->error = xstrdup(error_message());
			error_clear();
			failed++;
		}
	}
	if ((r = expired(w, wc, apply, out, nr, &alloc, &failed)) < 0)
		goto out;
	strbuf_addf(&attic, "%s/refs/bosun/attic", w->common_dir);
	if ((r = stray_locks(w, attic.buf, 4, apply, out, nr, &alloc)) < 0)
		goto out;
	if (failed)
		r = error_set(BOSUN_EFAIL, "gc could not act on %zu of them", failed);
out:
	for (i = 0; i < t.nr; i++) {
		free(t.v[i].dir);
		free(t.v[i].id);
		free(t.v[i].state);
	}
	free(t.v);
	strbuf_release(&attic);
	return r;
}

int work_attic_expire(const struct work_where *w, const struct work_config *wc,
		      int apply, struct work_removal **out, size_t *nr)
{
	size_t alloc = *nr, failed = 0;
	int r = expired(w, wc, apply, out, nr, &alloc, &failed);

	if (r >= 0 && failed)
		r = error_set(BOSUN_EFAIL, "%zu snapshot%s could not be deleted", failed,
			      failed == 1 ? "" : "s");
	return r;
}
