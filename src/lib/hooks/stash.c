/*
 * stash.c - set the unstaged changes aside while checks look at the staged
 * content, and put them back whatever happens.
 *
 * Saving, in an order that a crash at any point cannot turn into a loss:
 *   1. `git diff --raw -z` lists the tracked files whose work-tree content
 *      differs from the index;
 *   2. each one's bytes (or symlink target, or its absence) are copied
 *      under <common-dir>/bosun/hooks/stash/<worktree>/files/ and fsynced;
 *   3. the manifest (JSON: owner pid and start time, the files) is written
 *      atomically: from here on the copies are the truth;
 *   4. `git checkout-index -f` writes the index versions into the work tree.
 * Putting back writes each copy to "<file>.bosun-tmp" and renames it over
 * the file (open, read, write, rename: all async-signal-safe, so a signal
 * handler does it too), then removes the manifest. After a kill -9 the
 * manifest is still there with a dead owner; recovery puts each copy back
 * unless the file changed since (then the copy goes beside it, as
 * "<file>.bosun-unstaged").
 */
#include "lib/hooks/hooks.h"
#include "lib/hooks/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/pidfile.h"
#include "core/sigchain.h"
#include "core/time.h"
#include "lib/git/repo.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MANIFEST "manifest.json"
#define MANIFEST_CAP (64u << 20)

struct sentry {
	char *path;       /* relative to the top */
	char *abs;
	char *tmp;        /* abs + ".bosun-tmp" */
	char *backup;     /* the copy, for kind 'f' */
	char *link;       /* the target, for kind 'l' */
	int kind;         /* 'f' file, 'l' symlink, 'a' absent */
	mode_t mode;
};

struct plan {
	struct sentry *e;
	size_t nr;
	char *dir, *manifest;
};

/* What a signal handler reads; set up before `active` is set. */
static struct plan cur;
static volatile sig_atomic_t active;

static int handlers_installed;

static void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		free(p->e[i].path);
		free(p->e[i].abs);
		free(p->e[i].tmp);
		free(p->e[i].backup);
		free(p->e[i].link);
	}
	free(p->e);
	free(p->dir);
	free(p->manifest);
	memset(p, 0, sizeof(*p));
}

void hooks_stash_dir(struct strbuf *sb, const struct repo *repo)
{
	const char *name = "main";

	if (strcmp(repo->gitdir, repo->common_dir)) {
		name = strrchr(repo->gitdir, '/');
		name = name ? name + 1 : repo->gitdir;
	}
	strbuf_reset(sb);
	strbuf_addf(sb, "%s/bosun/hooks/stash/%s", repo->common_dir, name);
}

/* ---- async-signal-safe restore ------------------------------------------- */

static int copy_fd(int in, int out)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		while (w < n) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -1;
			w += k;
		}
	}
}

static int restore_file(const struct sentry *e)
{
	int in, out, r;

	in = open(e->backup, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	unlink(e->tmp);
	out = open(e->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	r = copy_fd(in, out);
	if (r == 0 && fchmod(out, e->mode & 07777) < 0)
		r = -1;
	if (r == 0 && fsync(out) < 0)
		r = -1;
	close(in);
	close(out);
	if (r == 0 && rename(e->tmp, e->abs) < 0)
		r = -1;
	if (r < 0)
		unlink(e->tmp);
	return r;
}

static int restore_one(const struct sentry *e)
{
	if (e->kind == 'a')
		return unlink(e->abs) < 0 && errno != ENOENT ? -1 : 0;
	if (e->kind == 'l') {
		unlink(e->tmp);
		if (symlink(e->link, e->tmp) < 0)
			return -1;
		if (rename(e->tmp, e->abs) < 0) {
			unlink(e->tmp);
			return -1;
		}
		return 0;
	}
	return restore_file(e);
}

/* The index of the first entry that could not be put back, or -1. */
static long restore_all(const struct plan *p)
{
	long bad = -1;
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (restore_one(&p->e[i]) < 0 && bad < 0)
			bad = (long)i;
	return bad;
}

/* Remove the copies and their folders (async-signal-safe). */
static void remove_copies(const struct plan *p)
{
	char files[4096];
	size_t i, n = strlen(p->dir);

	for (i = 0; i < p->nr; i++)
		if (p->e[i].backup)
			unlink(p->e[i].backup);
	if (n + 7 < sizeof(files)) {
		memcpy(files, p->dir, n);
		memcpy(files + n, "/files", 7);
		rmdir(files);
	}
	rmdir(p->dir);
}

static void on_signal(int sig)
{
	if (active) {
		/* Stop the checks before their files are put back, or a
		 * formatter still running could write over what we restore. */
		child_stop_all();
		/* Keep the manifest when a file could not be put back: the next
		 * run, or hooks recover, tries again. */
		if (restore_all(&cur) == -1 && unlink(cur.manifest) == 0)
			remove_copies(&cur);
		active = 0;
	}
	sigchain_pop(sig);
	raise(sig);
}

/* Once: the handler does nothing while no changes are set aside, and a pop
 * later could take off a handler pushed above it (lock files'). */
static void install_handlers(void)
{
	if (handlers_installed)
		return;
	handlers_installed = 1;
	if (sigchain_push_common(on_signal) < 0)
		error_clear();
}

int hk_stash_active(void)
{
	return active;
}

/* ---- the owner: pid and start time ----------------------------------------- */

/* Whether another process owns the manifest: its record, pidfile.h's rule. A
 * manifest naming this process was left by an earlier one with our PID. */
static int owner_alive(json_t *m)
{
	struct proc_owner o;
	const char *boot = json_string_value(json_object_get(m, "boot"));
	json_int_t pid = json_integer_value(json_object_get(m, "pid"));
	json_int_t start = json_integer_value(json_object_get(m, "start"));

	if (pid <= 0 || pid == (json_int_t)getpid() || start < 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.pid = (pid_t)pid;
	o.start = (unsigned long long)start;
	if (boot && strlen(boot) < sizeof(o.boot))
		memcpy(o.boot, boot, strlen(boot) + 1);
	return proc_owner_alive(&o);
}

/* ---- saving ------------------------------------------------------------------ */

struct diff_item {
	char status;
	char *path;
};

/* ":old new oid oid S\0path\0" records; keeps M, T and D. */
static size_t parse_raw(const struct strbuf *out, struct diff_item **items)
{
	size_t pos = 0, nr = 0, alloc = 0;

	*items = NULL;
	while (pos < out->len) {
		const char *rec = out->buf + pos, *path;
		size_t rl = strlen(rec), pl;
		char st = rl ? rec[rl - 1] : 0;

		pos += rl + 1;
		if (pos >= out->len)
			break;
		path = out->buf + pos;
		pl = strlen(path);
		pos += pl + 1;
		if (st != 'M' && st != 'T' && st != 'D')
			continue;
		ALLOC_GROW(*items, nr + 1, alloc);
		(*items)[nr].status = st;
		(*items)[nr++].path = xstrndup(path, pl);
	}
	return nr;
}

static int save_copy(struct sentry *e, size_t i, const char *dir)
{
	struct strbuf b = STRBUF_INIT;
	struct stat st;
	int in = -1, out = -1, r = 0;

	if (lstat(e->abs, &st) < 0) {
		if (errno != ENOENT)
			return error_errno(BOSUN_EIO, "cannot read '%s'", e->path);
		e->kind = 'a';
		return 0;
	}
	e->mode = st.st_mode;
	if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlink(e->abs, t, sizeof(t) - 1);

		if (n < 0)
			return error_errno(BOSUN_EIO, "cannot read link '%s'", e->path);
		e->kind = 'l';
		e->link = xstrndup(t, (size_t)n);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return error_set(BOSUN_EFAIL, "cannot set aside '%s': not a file",
				 e->path);
	e->kind = 'f';
	strbuf_addf(&b, "%s/files/%zu", dir, i);
	e->backup = strbuf_detach(&b, NULL);
	in = open(e->abs, O_RDONLY | O_CLOEXEC);
	out = open(e->backup, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || out < 0 || copy_fd(in, out) < 0 || fsync(out) < 0)
		r = error_errno(BOSUN_EIO, "cannot copy '%s' aside", e->path);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return r;
}

static json_t *manifest_json(const struct plan *p)
{
	json_t *files = json_array();
	size_t i;

	for (i = 0; i < p->nr; i++) {
		const struct sentry *e = &p->e[i];
		char kind[2] = { (char)e->kind, 0 };

		json_array_append_new(files, json_pack("{s:s, s:s, s:i, s:s?, s:s?}",
			"path", e->path, "kind", kind, "mode", (int)(e->mode & 07777),
			"backup", e->backup, "link", e->link));
	}
	struct proc_owner me;

	/* Unreadable: start -1, which no process has (never taken as alive). */
	if (proc_owner_of(&me, getpid()) < 0) {
		error_clear();
		memset(&me, 0, sizeof(me));
		me.pid = getpid();
		me.start = (unsigned long long)-1;
	}
	return json_pack("{s:i, s:I, s:I, s:s, s:o}", "version", 1,
			 "pid", (json_int_t)me.pid, "start", (json_int_t)me.start,
			 "boot", me.boot, "files", files);
}

static int write_manifest(const struct plan *p)
{
	json_t *j = manifest_json(p);
	char *text = json_dumps(j, JSON_COMPACT);
	int r = write_file_atomic(p->manifest, text, strlen(text), 0600);

	free(text);
	json_decref(j);
	return r;
}

static void entry_paths(struct sentry *e, const char *top, const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	e->path = xstrdup(path);
	strbuf_addf(&sb, "%s/%s", top, path);
	e->abs = xstrdup(sb.buf);
	strbuf_addstr(&sb, ".bosun-tmp");
	e->tmp = strbuf_detach(&sb, NULL);
}

static int build_plan(struct plan *p, const struct repo *repo,
		      const struct diff_item *items, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int r;

	hooks_stash_dir(&sb, repo);
	p->dir = xstrdup(sb.buf);
	strbuf_addstr(&sb, "/" MANIFEST);
	p->manifest = strbuf_detach(&sb, NULL);
	/* A folder without a manifest is what a crash before step 3 left. */
	if ((r = fs_remove_tree(p->dir)) < 0)
		return r;
	fs_path_join(&sb, p->dir, "files");
	r = fs_mkdir_p(sb.buf);
	strbuf_release(&sb);
	if (r < 0)
		return r;
	p->e = xcalloc(nr, sizeof(*p->e));
	for (i = 0; i < nr; i++) {
		entry_paths(&p->e[i], repo->workdir, items[i].path);
		p->nr = i + 1;
		if ((r = save_copy(&p->e[i], i, p->dir)) < 0)
			return r;
	}
	return 0;
}

static int checkout_index(const struct repo *repo, const struct plan *p)
{
	static const char *const argv[] = { "checkout-index", "-f", "-z", "--stdin", NULL };
	struct strbuf in = STRBUF_INIT;
	size_t i;
	int r;

	for (i = 0; i < p->nr; i++)
		strbuf_add(&in, p->e[i].path, strlen(p->e[i].path) + 1);
	r = hk_git(repo->workdir, argv, in.buf, in.len, NULL);
	strbuf_release(&in);
	return r;
}

static void free_items(struct diff_item *items, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(items[i].path);
	free(items);
}

int hk_stash_save(struct repo *repo, int *saved)
{
	static const char *const argv[] = { "diff", "--raw", "-z", "--no-abbrev",
		"--ignore-submodules=all", "--no-renames", "--no-ext-diff", NULL };
	struct strbuf out = STRBUF_INIT;
	struct diff_item *items = NULL;
	struct plan p = { 0 };
	sigset_t old;
	size_t nr = 0;
	int r;

	*saved = 0;
	if (!repo->workdir || active)
		return 0;
	if ((r = hk_git(repo->workdir, argv, NULL, 0, &out)) < 0)
		goto out;
	if (!(nr = parse_raw(&out, &items)))
		goto out;
	install_handlers();
	if ((r = build_plan(&p, repo, items, nr)) < 0 ||
	    (r = write_manifest(&p)) < 0) {
		fs_remove_tree(p.dir);
		goto out;
	}
	sigchain_block_common(&old);
	cur = p;
	memset(&p, 0, sizeof(p));
	active = 1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	*saved = 1;
	if ((r = checkout_index(repo, &cur)) < 0) {
		error_prefix("cannot check out the staged content");
		hk_stash_restore();
	}
out:
	plan_release(&p);
	free_items(items, nr);
	strbuf_release(&out);
	return r;
}

int hk_stash_restore(void)
{
	sigset_t old;
	long bad;
	int r = 0;

	if (!active)
		return 0;
	sigchain_block_common(&old);
	bad = restore_all(&cur);
	if (bad >= 0) {
		r = error_errno(BOSUN_EIO, "cannot put back your unstaged changes to '%s'",
				cur.e[bad].path);
		error_hint("they are safe in '%s'; run 'bosun hooks recover'", cur.dir);
	} else {
		unlink(cur.manifest);
		fs_remove_tree(cur.dir);
	}
	active = 0;
	plan_release(&cur);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* ---- recovery after a kill -9 ---------------------------------------------------- */

void hook_recover_release(struct hook_recover *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr_conflicts; i++)
		free(r->conflicts[i]);
	free(r->conflicts);
	memset(r, 0, sizeof(*r));
}

static int load_plan(struct plan *p, const struct repo *repo, json_t *files)
{
	size_t i;

	p->e = xcalloc(json_array_size(files) + 1, sizeof(*p->e));
	for (i = 0; i < json_array_size(files); i++) {
		json_t *f = json_array_get(files, i);
		const char *path = json_string_value(json_object_get(f, "path"));
		const char *kind = json_string_value(json_object_get(f, "kind"));
		const char *b = json_string_value(json_object_get(f, "backup"));
		const char *l = json_string_value(json_object_get(f, "link"));
		struct sentry *e = &p->e[p->nr];

		if (!path || !kind || !strchr("fla", kind[0]) || !kind[0] ||
		    (kind[0] == 'f' && !b) || (kind[0] == 'l' && !l) ||
		    !*path || path[0] == '/' || strstr(path, ".."))
			return error_set(BOSUN_EDATA, "'%s': entry %zu is damaged",
					 p->manifest, i);
		entry_paths(e, repo->workdir, path);
		e->kind = kind[0];
		e->mode = (mode_t)json_integer_value(json_object_get(f, "mode"));
		e->backup = b ? xstrdup(b) : NULL;
		e->link = l ? xstrdup(l) : NULL;
		p->nr++;
	}
	return 0;
}

/* 1 when the file at e->abs holds exactly the saved copy. */
static int same_as_copy(const struct sentry *e)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct stat st;
	int same = 0;

	if (lstat(e->abs, &st) < 0)
		return e->kind == 'a';
	if (e->kind == 'l' && S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlink(e->abs, t, sizeof(t) - 1);

		return n >= 0 && (size_t)n == strlen(e->link) &&
		       !memcmp(t, e->link, (size_t)n);
	}
	if (e->kind != 'f' || !S_ISREG(st.st_mode))
		return 0;
	if (fs_read_file(&a, e->abs, 0) == 0 && fs_read_file(&b, e->backup, 0) == 0)
		same = a.len == b.len && !memcmp(a.buf, b.buf, a.len) &&
		       (st.st_mode & 0111) == (e->mode & 0111);
	error_clear();
	strbuf_release(&a);
	strbuf_release(&b);
	return same;
}

/* Which files still hold what the hook checked out (the index version):
 * those are safe to overwrite. unchanged[i] is set for them. */
static void find_unchanged(const struct repo *repo, const struct plan *p,
			   char *unchanged)
{
	static const char *const ls_argv[] = { "ls-files", "-s", "-z", NULL };
	static const char *const ho_argv[] = { "hash-object", "--stdin-paths", NULL };
	struct strbuf ls = STRBUF_INIT, in = STRBUF_INIT, out = STRBUF_INIT;
	size_t i, *idx = xcalloc(p->nr + 1, sizeof(*idx)), n = 0;
	struct stat st;
	const char *line;

	for (i = 0; i < p->nr; i++) {
		unchanged[i] = 0;
		if (p->e[i].kind == 'l' || (lstat(p->e[i].abs, &st) == 0 &&
					    S_ISLNK(st.st_mode)))
			unchanged[i] = p->e[i].kind == 'l';
		else if (lstat(p->e[i].abs, &st) == 0 && S_ISREG(st.st_mode)) {
			strbuf_addf(&in, "%s\n", p->e[i].path);
			idx[n++] = i;
		}
	}
	if (!n || hk_git(repo->workdir, ho_argv, in.buf, in.len, &out) < 0 ||
	    hk_git(repo->workdir, ls_argv, NULL, 0, &ls) < 0)
		goto out;
	/* hash-object prints one oid a line, in order. */
	line = out.buf;
	for (i = 0; i < n && *line; i++) {
		const char *nl = strchr(line, '\n');
		struct strbuf needle = STRBUF_INIT;

		if (!nl)
			break;
		strbuf_add(&needle, line, (size_t)(nl - line));
		strbuf_addf(&needle, " 0\t%s", p->e[idx[i]].path);
		/* ls-files -s -z: "mode oid stage\tpath\0" */
		if (memmem(ls.buf, ls.len, needle.buf, needle.len + 1))
			unchanged[idx[i]] = 1;
		strbuf_release(&needle);
		line = nl + 1;
	}
out:
	error_clear();
	free(idx);
	strbuf_release(&ls);
	strbuf_release(&in);
	strbuf_release(&out);
}

/* Put a copy beside a file that changed since: <path>.bosun-unstaged. */
static int set_beside(const struct sentry *e, struct hook_recover *res)
{
	struct strbuf dst = STRBUF_INIT;
	struct sentry moved = *e;
	int n = 0, r;

	do {
		strbuf_reset(&dst);
		strbuf_addf(&dst, "%s.bosun-unstaged", e->abs);
		if (n)
			strbuf_addf(&dst, ".%d", n);
		n++;
	} while (fs_exists(dst.buf) && n < 1000);
	moved.abs = dst.buf;
	r = restore_one(&moved) < 0 ?
		error_errno(BOSUN_EIO, "cannot write '%s'", dst.buf) : 0;
	if (r == 0) {
		res->conflicts = xrealloc(res->conflicts, (res->nr_conflicts + 1) *
					  sizeof(*res->conflicts));
		res->conflicts[res->nr_conflicts++] =
			xstrdup(dst.buf + strlen(e->abs) - strlen(e->path));
	}
	strbuf_release(&dst);
	return r;
}

static int recover_plan(const struct repo *repo, const struct plan *p,
			struct hook_recover *res)
{
	char *unchanged = xcalloc(p->nr + 1, 1);
	size_t i;
	int r = 0;

	find_unchanged(repo, p, unchanged);
	for (i = 0; i < p->nr && r == 0; i++) {
		const struct sentry *e = &p->e[i];

		unlink(e->tmp);
		if (same_as_copy(e))
			continue;
		if (unchanged[i] || (e->kind == 'a' && !fs_exists(e->abs))) {
			if (restore_one(e) < 0)
				r = error_errno(BOSUN_EIO, "cannot put back '%s'", e->path);
			else
				res->restored++;
		} else if (e->kind != 'a') {
			r = set_beside(e, res);
		}
	}
	free(unchanged);
	return r;
}

static int read_manifest(json_t **out, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	json_error_t jerr;
	int r;

	if ((r = fs_read_file(&sb, path, MANIFEST_CAP)) < 0)
		goto out;
	*out = json_loadb(sb.buf, sb.len, 0, &jerr);
	if (!*out || !json_is_array(json_object_get(*out, "files")))
		r = error_set(BOSUN_EDATA, "'%s' is damaged: %s", path,
			      *out ? "no files" : jerr.text);
out:
	strbuf_release(&sb);
	return r;
}

static int recover_locked(struct repo *repo, struct plan *p,
			  struct hook_recover *res)
{
	json_t *m = NULL;
	int r;

	if ((r = read_manifest(&m, p->manifest)) < 0)
		goto out;
	if (owner_alive(m)) {
		r = error_set(BOSUN_EBUSY, "a bosun hook (pid %lld) is running in this "
			      "worktree with your unstaged changes set aside",
			      (long long)json_integer_value(json_object_get(m, "pid")));
		goto out;
	}
	res->found = 1;
	if ((r = load_plan(p, repo, json_object_get(m, "files"))) < 0 ||
	    (r = recover_plan(repo, p, res)) < 0)
		goto out;
	unlink(p->manifest);
	fs_remove_tree(p->dir);
out:
	json_decref(m);
	return r;
}

int hooks_recover(struct repo *repo, struct hook_recover *res)
{
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct plan p = { 0 };
	int r;

	memset(res, 0, sizeof(*res));
	if (!repo->workdir)
		return 0;
	hooks_stash_dir(&sb, repo);
	p.dir = xstrdup(sb.buf);
	strbuf_addstr(&sb, "/" MANIFEST);
	p.manifest = strbuf_detach(&sb, NULL);
	if (!fs_exists(p.manifest)) {
		r = fs_remove_tree(p.dir);
		goto out;
	}
	/* The lock keeps two recoveries (two hooks at once) apart. */
	if ((r = lock_acquire(&lk, p.manifest, 2000)) < 0)
		goto out;
	r = recover_locked(repo, &p, res);
	lock_rollback(&lk);
out:
	plan_release(&p);
	return r;
}

int hk_recover_quick(struct repo *repo, struct strbuf *notes)
{
	struct hook_recover res = HOOK_RECOVER_INIT;
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int r = 0;

	hooks_stash_dir(&sb, repo);
	strbuf_addstr(&sb, "/" MANIFEST);
	/* The hot path: one stat when nothing was left behind. */
	if (repo->workdir && fs_exists(sb.buf)) {
		r = hooks_recover(repo, &res);
		if (r == 0 && notes && res.found)
			strbuf_addf(notes, "put back %zu file(s) a killed hook had set aside",
				    res.restored);
		for (i = 0; r == 0 && notes && i < res.nr_conflicts; i++)
			strbuf_addf(notes, "\nchanged since a killed hook set it aside: "
				    "your unstaged version is in '%s'", res.conflicts[i]);
	}
	hook_recover_release(&res);
	strbuf_release(&sb);
	return r;
}
