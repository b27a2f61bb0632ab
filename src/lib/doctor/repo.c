/*
 * repo.c - the checks of the repository: shallow, core.hooksPath,
 * prunable worktrees, stale locks of bosun's, dead deploy watchers, and
 * (only with --online) whether the remote answers.
 */
#include "bosun-config.h"
#include "lib/doctor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "core/pidfile.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"
#ifdef BOSUN_HAVE_DEPLOY
#include "lib/deploy/status.h"
#endif

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int need_repo(const struct doctor_env *env, struct doctor_result *res)
{
	if (env->repo)
		return 1;
	doctor_set(res, DOCTOR_SKIP, NULL, "not in a repository");
	return 0;
}

static const char *git_dir_of(const struct doctor_env *env)
{
	return env->repo->workdir ? env->repo->workdir : env->repo->gitdir;
}

int doctor_repo_shallow(struct doctor_env *env, const struct doctor_check *c,
			struct doctor_result *res)
{
	if (!need_repo(env, res))
		return 0;
	json_object_set_new(res->data, "shallow", json_boolean(env->repo->shallow));
	if (env->repo->shallow)
		doctor_set(res, DOCTOR_WARN, "git fetch --unshallow", "the clone is shallow: "
			   "versions, changelogs and conflict prediction see only part "
			   "of the history");
	else
		doctor_set(res, DOCTOR_OK, NULL, "the whole history is here");
	return 0;
}

int doctor_repo_hooks_path(struct doctor_env *env, const struct doctor_check *c,
			   struct doctor_result *res)
{
	struct strbuf v = STRBUF_INIT, shim = STRBUF_INIT;
	int r;

	if (!need_repo(env, res))
		return 0;
	if ((r = gitrun_config_last(&v, git_dir_of(env), "^core\\.hookspath$")) < 0)
		goto out;
	json_object_set_new(res->data, "hooks_path", r ? json_string(v.buf) : json_null());
	if (!r) {
		doctor_set(res, DOCTOR_OK, NULL, "core.hooksPath is not set");
		goto out;
	}
	/* Set: bosun's shims work only when they are in that folder. */
	if (v.buf[0] != '/' && env->repo->workdir)
		strbuf_addf(&shim, "%s/", env->repo->workdir);
	strbuf_addstr(&shim, v.buf);
	if (fs_is_dir(shim.buf))
		doctor_set(res, DOCTOR_OK, NULL, "core.hooksPath is '%s': git runs the "
			   "hooks there ('bosun hooks install --force' puts bosun's there)",
			   v.buf);
	else
		doctor_set(res, DOCTOR_WARN, "git config --unset core.hooksPath",
			   "core.hooksPath is '%s', which does not exist: git runs no "
			   "hook at all", v.buf);
	r = 0;
out:
	strbuf_release(&v);
	strbuf_release(&shim);
	return r;
}

int doctor_repo_worktrees(struct doctor_env *env, const struct doctor_check *c,
			  struct doctor_result *res)
{
	static const char *const args[] = { "worktree", "list", "--porcelain", NULL };
	struct gitrun g = GITRUN_INIT;
	json_t *prunable = json_array();
	const char *p, *wt = NULL;
	size_t total = 0, wt_len = 0;
	int r;

	if (!need_repo(env, res)) {
		json_decref(prunable);
		return 0;
	}
	g.dir = git_dir_of(env);
	g.timeout_ms = 30000;
	if ((r = gitrun_exec(&g, args)) < 0) {
		json_decref(prunable);
		goto out;
	}
	for (p = g.out.buf; *p; ) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len > 9 && !strncmp(p, "worktree ", 9)) {
			wt = p + 9;
			wt_len = len - 9;
			total++;
		} else if (wt && len >= 8 && !strncmp(p, "prunable", 8)) {
			json_array_append_new(prunable, json_stringn(wt, wt_len));
		}
		p += len + (e ? 1 : 0);
	}
	json_object_set_new(res->data, "worktrees", json_integer((json_int_t)total));
	json_object_set_new(res->data, "prunable", prunable);
	if (json_array_size(prunable))
		doctor_set(res, DOCTOR_WARN, "git worktree prune", "%zu worktree%s gone "
			   "from disk but still registered (prunable)",
			   json_array_size(prunable), json_array_size(prunable) == 1 ? "" : "s");
	else
		doctor_set(res, DOCTOR_OK, NULL, "%zu worktree%s, none prunable", total,
			   total == 1 ? "" : "s");
out:
	gitrun_release(&g);
	return r;
}

/* ------------------------------------------------------------ locks */

/* One "*.lock" of bosun's whose owner is dead: its path, the owner's PID,
 * and how it names its owner ("link": an owner name hard-linked to it,
 * "record": the owner record as its content). */
struct stale_lock {
	char *path;
	long pid;
	const char *kind;
};

struct lock_scan {
	struct stale_lock *items;
	size_t nr, live;
};

static void add_stale(struct lock_scan *ls, const char *path, long pid,
		      const char *kind)
{
	ls->items = xrealloc(ls->items, (ls->nr + 1) * sizeof(*ls->items));
	ls->items[ls->nr].path = xstrdup(path);
	ls->items[ls->nr].pid = pid;
	ls->items[ls->nr].kind = kind;
	ls->nr++;
}

static void check_lock(struct lock_scan *ls, const char *path)
{
	struct proc_owner o;
	unsigned long long start;
	pid_t pid;
	const char *kind = NULL;
	int r;

	if ((r = lock_owner(path, &pid, &start)) == 1) {
		if (proc_alive(pid, start)) {
			ls->live++;
			return;
		}
		kind = "link";
	} else if (r == 0 && pidfile_read(&o, path) == 0) {
		if (proc_owner_alive(&o)) {
			ls->live++;
			return;
		}
		pid = o.pid;
		kind = "record";
	}
	error_clear();
	if (!kind)
		return; /* not bosun's, or no owner to ask: left alone */
	add_stale(ls, path, (long)pid, kind);
}

/*
 * What a taker of a lock killed halfway leaves: "<x>.lock.stale.<pid>", a
 * lock moved aside while being taken over, and "<x>.lock.owner.<pid>.<start>",
 * an owner name linked to no lock. Litter once that process is gone.
 */
static void check_litter(struct lock_scan *ls, const char *path, const char *name,
			 const struct stat *st)
{
	const char *aside = strstr(name, ".lock.stale."), *owner = strstr(name, ".lock.owner.");
	unsigned long long start;
	char *end;
	long pid;

	if (aside) {
		pid = strtol(aside + 12, &end, 10);
		if (!*end && pid > 0 && proc_start_time((pid_t)pid, &start) < 0)
			add_stale(ls, path, pid, "aside");
	} else if (owner && st->st_nlink == 1) {
		pid = strtol(owner + 12, &end, 10);
		if (*end == '.' && pid > 0 && !proc_alive((pid_t)pid, strtoull(end + 1, NULL, 10)))
			add_stale(ls, path, pid, "owner");
	}
	error_clear();
}

static void scan_dir(struct lock_scan *ls, const char *dir, int depth)
{
	struct strbuf p = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.' && (!de->d_name[1] ||
					     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir, de->d_name);
		if (lstat(p.buf, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth > 0)
			scan_dir(ls, p.buf, depth - 1);
		else if (S_ISREG(st.st_mode) && n > 5 && !strcmp(de->d_name + n - 5, ".lock"))
			check_lock(ls, p.buf);
		else if (S_ISREG(st.st_mode))
			check_litter(ls, p.buf, de->d_name, &st);
	}
	closedir(d);
	strbuf_release(&p);
}

static void stale_locks(struct lock_scan *ls, const struct doctor_env *env)
{
	struct strbuf dir = STRBUF_INIT;

	log_dir(&dir);
	scan_dir(ls, dir.buf, 1);
	if (env->repo) {
		strbuf_reset(&dir);
		strbuf_addf(&dir, "%s/bosun", env->repo->common_dir);
		scan_dir(ls, dir.buf, 5);
		if (env->repo->workdir)
			scan_dir(ls, env->repo->workdir, 0);
	}
	strbuf_release(&dir);
}

static void lock_scan_release(struct lock_scan *ls)
{
	size_t i;

	for (i = 0; i < ls->nr; i++)
		free(ls->items[i].path);
	free(ls->items);
}

int doctor_repo_locks(struct doctor_env *env, const struct doctor_check *c,
		      struct doctor_result *res)
{
	struct lock_scan ls = { NULL, 0, 0 };
	json_t *stale = json_array();
	size_t i;

	stale_locks(&ls, env);
	for (i = 0; i < ls.nr; i++)
		json_array_append_new(stale, json_pack("{s:s, s:I, s:s}", "path",
			ls.items[i].path, "pid", (json_int_t)ls.items[i].pid,
			"kind", ls.items[i].kind));
	json_object_set_new(res->data, "stale", stale);
	json_object_set_new(res->data, "held", json_integer((json_int_t)ls.live));
	if (ls.nr)
		doctor_set(res, DOCTOR_WARN, "bosun doctor --fix repo.locks",
			   "%zu lock%s left by a dead process: %s%s", ls.nr,
			   ls.nr == 1 ? "" : "s", ls.items[0].path, ls.nr > 1 ? ", ..." : "");
	else
		doctor_set(res, DOCTOR_OK, NULL, "no stale lock (%zu held by running "
			   "processes)", ls.live);
	lock_scan_release(&ls);
	return 0;
}

int doctor_repo_locks_fix(struct doctor_env *env, const struct doctor_result *res,
			  int doit, struct strbuf *out)
{
	struct lock_scan ls = { NULL, 0, 0 };
	size_t i;

	/* Looked at again: only what is stale now is removed. */
	stale_locks(&ls, env);
	for (i = 0; i < ls.nr; i++) {
		struct stale_lock *s = &ls.items[i];
		const char *base = strrchr(s->path, '/');
		char *target = xstrndup(s->path, (size_t)(strstr(base ? base : s->path,
								 ".lock") - s->path));

		if (!doit) {
			strbuf_addf(out, "remove: %s (process %ld is gone)\n", s->path, s->pid);
		} else if (!strcmp(s->kind, "aside") || !strcmp(s->kind, "owner")) {
			if (!strcmp(s->kind, "aside") && unlink(s->path) == 0)
				strbuf_addf(out, "removed: %s\n", s->path);
			lock_sweep_dead_owners(target);
		} else if (!strcmp(s->kind, "link") ? lock_take_over_dead(s->path) :
			   owner_lock_take_over(s->path)) {
			/* Taken over as any bosun takes over a dead owner's lock:
			 * one taken meanwhile by a live process is never removed. */
			lock_sweep_dead_owners(target);
			log_event(LOG_WARN, "doctor", "removed '%s': its owner, process "
				  "%ld, is gone", s->path, s->pid);
			strbuf_addf(out, "removed: %s\n", s->path);
		}
		free(target);
	}
	if (!ls.nr)
		strbuf_addstr(out, "no stale lock\n");
	lock_scan_release(&ls);
	return 0;
}

/* ------------------------------------------------------------ watchers */

int doctor_repo_watchers(struct doctor_env *env, const struct doctor_check *c,
			 struct doctor_result *res)
{
#ifdef BOSUN_HAVE_DEPLOY
	struct strbuf dir = STRBUF_INIT;
	json_t *dead = json_array();
	char **list = NULL;
	size_t nr = 0, i, running = 0;
	int r;

	if (!need_repo(env, res)) {
		json_decref(dead);
		return 0;
	}
	if ((r = deploy_list_commits(&list, &nr, env->repo->common_dir)) < 0) {
		json_decref(dead);
		return r;
	}
	for (i = 0; i < nr; i++) {
		struct proc_owner w;

		deploy_dir(&dir, env->repo->common_dir, list[i]);
		if (watcher_read(dir.buf, &w) < 0) {
			error_clear();
			continue;
		}
		if (proc_owner_alive(&w))
			running++;
		else
			json_array_append_new(dead, json_pack("{s:s, s:I}", "commit", list[i],
							      "pid", (json_int_t)w.pid));
	}
	json_object_set_new(res->data, "running", json_integer((json_int_t)running));
	json_object_set_new(res->data, "dead", dead);
	if (json_array_size(dead))
		doctor_set(res, DOCTOR_WARN, "bosun deploy clean", "%zu deploy watcher%s "
			   "died before a verdict", json_array_size(dead),
			   json_array_size(dead) == 1 ? "" : "s");
	else
		doctor_set(res, DOCTOR_OK, NULL, "%zu watcher%s running, none dead", running,
			   running == 1 ? "" : "s");
	deploy_list_free(list, nr);
	strbuf_release(&dir);
#else
	doctor_set(res, DOCTOR_SKIP, NULL, "this build has no deploy watching");
#endif
	return 0;
}

int doctor_repo_remote(struct doctor_env *env, const struct doctor_check *c,
		       struct doctor_result *res)
{
	static const char *const remotes[] = { "remote", NULL };
	struct gitrun g = GITRUN_INIT;
	char *name = NULL;
	int r = 0;

	if (!need_repo(env, res))
		return 0;
	if (!env->online) {
		doctor_set(res, DOCTOR_SKIP, NULL, "offline: --online asks the remote");
		return 0;
	}
	g.dir = git_dir_of(env);
	if ((r = gitrun_exec(&g, remotes)) < 0)
		goto out;
	if (!g.out.len) {
		doctor_set(res, DOCTOR_SKIP, NULL, "no remote");
		goto out;
	}
	name = xstrndup(g.out.buf, strcspn(g.out.buf, "\n"));
	gitrun_release(&g);
	{
		const char *const args[] = { "ls-remote", "--heads", name, NULL };
		struct gitrun l = GITRUN_INIT;

		l.dir = git_dir_of(env);
		l.timeout_ms = env->timeout_ms * 20;
		json_object_set_new(res->data, "remote", json_string(name));
		if (gitrun_exec(&l, args) < 0) {
			doctor_set(res, DOCTOR_WARN, NULL, "'%s' does not answer: %s", name,
				   error_message());
			error_clear();
		} else {
			doctor_set(res, DOCTOR_OK, NULL, "'%s' answers", name);
		}
		gitrun_release(&l);
	}
out:
	free(name);
	gitrun_release(&g);
	return r;
}
