/*
 * spawn.c - bosun work spawn (work.h, docs/work.md "Spawn").
 *
 * Order of work, so that a spawn killed anywhere is finished by the next:
 *  0. the task's spawn lock (an owner lock: a killed spawn's is taken
 *     over), so no other spawn works on these worktrees;
 *  1. one store transaction fixes each workstream's directory, branch,
 *     base commit and ports (under the store's write lock: two spawns never
 *     get one block), and marks it "spawning";
 *  2. `git worktree add --no-checkout` and our own checkout for every
 *     workstream, on core/parallel's threads; what a killed spawn left is
 *     judged once the git commands it left running are done (its own git
 *     died with it: core/run), and then completed or rolled back
 *     (examine(), checkout());
 *  3. in this thread: per-worktree config, ignored essentials, the
 *     context file; one transaction marks them "spawned"; the lock goes;
 *  4. the agent (a PID file says whether one runs already), recorded.
 * Every step looks before it acts, so running it again changes nothing.
 */
#include "lib/work/internal.h"

#include "bosun-config.h"

#include "core/alloc.h"
#include "core/daemon.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/glob.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/parallel.h"
#include "core/pidfile.h"
#include "core/proc.h"
#include "core/time.h"
#include "lib/store/store.h"
#ifdef BOSUN_HAVE_MERGE
#include "lib/git/repo.h"
#include "lib/merge/merge.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long a spawn waits for another of the same task. */
#define SPAWN_LOCK_WAIT_MS 120000

struct job {
	const struct work_stream *ws;
	struct work_spawned *res;
	json_t *data;           /* the row's data, with "spawn" */
	struct strbuf state;
	int err;
};

struct run {
	const struct work_where *w;
	const struct work_config *wc;
	const struct work_spawn_opts *o;
	const struct work_plan *p;
	struct job *jobs;
	size_t nr;
	struct meter *progress;   /* the opts' */
};

/* ------------------------------------------------------------ 1: the plan */

static int selected(const struct work_spawn_opts *o, const char *id)
{
	size_t i;

	if (!o->only || !o->only[0])
		return 1;
	for (i = 0; o->only[i]; i++)
		if (!strcmp(o->only[i], id))
			return 1;
	return 0;
}

static int check_only(const struct work_plan *p, const struct work_spawn_opts *o)
{
	size_t i, k;

	for (i = 0; o->only && o->only[i]; i++) {
		for (k = 0; k < p->nr && strcmp(p->ws[k].id, o->only[i]); k++)
			;
		if (k == p->nr)
			return error_set(BOSUN_EUSAGE, "plan '%s' has no workstream '%s'",
					 p->task, o->only[i]);
	}
	return 0;
}

static int resolve_base(const struct work_where *w, const struct work_plan *p,
			struct strbuf *commit)
{
	static const char *const head[] = { "symbolic-ref", "--short", "-q", "HEAD", NULL };
	struct strbuf name = STRBUF_INIT, rev = STRBUF_INIT;
	const char *args[] = { "rev-parse", "--verify", "-q", NULL, NULL };
	int r = 0;

	if (p->base)
		strbuf_addstr(&name, p->base);
	else if ((r = work_git_dying(w->top, &name, head)) < 0)
		r = error_set(BOSUN_EUSAGE, "plan '%s' names no base and HEAD is on no "
			      "branch: set base in the plan", p->task);
	strbuf_trim(&name);
	if (r < 0)
		goto out;
	strbuf_addf(&rev, "%s^{commit}", name.buf);
	args[3] = rev.buf;
	if (work_git_dying(w->top, commit, args) < 0) {
		r = error_set(BOSUN_EUSAGE, "the base '%s' of plan '%s' is not a commit",
			      name.buf, p->task);
		goto out;
	}
	strbuf_trim(commit);
out:
	strbuf_release(&name);
	strbuf_release(&rev);
	return r;
}

struct used_ports {
	long long *lo;
	size_t nr, alloc;
};

static int port_row(const char *id, const char *state, const json_t *spawn, void *data)
{
	struct used_ports *u = data;
	const json_t *ports = json_object_get(spawn, "ports");

	(void)id;
	if (json_array_size(ports) == 2 && strcmp(state, "cleaned")) {
		ALLOC_GROW(u->lo, u->nr + 1, u->alloc);
		u->lo[u->nr++] = json_integer_value(json_array_get(ports, 0));
	}
	return 0;
}

/* The port blocks that rows of every plan hold. */
static int ports_in_use(struct store *st, long long **lo, size_t *nr)
{
	struct used_ports u = { NULL, 0, 0 };
	int r = work_each_spawn(st, port_row, &u);

	*lo = u.lo;
	*nr = u.nr;
	return r;
}

static long long free_block(const struct work_config *wc, long long *used, size_t *nr,
			    size_t *alloc)
{
	long long lo;
	size_t i;

	for (lo = wc->port_base; lo + wc->ports - 1 <= 65535; lo += wc->ports) {
		for (i = 0; i < *nr && (used[i] + wc->ports <= lo || used[i] >= lo + wc->ports); i++)
			;
		if (i == *nr)
			return lo;
	}
	(void)alloc;
	return -1;
}

static int fix_one(struct store *st, struct run *run, struct job *j, const char *base,
		   long long **used, size_t *nused, size_t *alloc)
{
	struct strbuf id = STRBUF_INIT, sb = STRBUF_INIT;
	json_t *spawn;
	int r;

	strbuf_addf(&id, "%s/%s", run->p->task, j->ws->id);
	if ((r = work_item_load(st, id.buf, &j->data, &j->state)) < 0)
		goto out;
	if (!(spawn = json_object_get(j->data, "spawn"))) {
		spawn = json_object();
		strbuf_addf(&sb, "%s/%s/%s", run->w->root, run->p->task, j->ws->id);
		json_object_set_new(spawn, "dir", json_string(sb.buf));
		strbuf_setlen(&sb, 0);
		strbuf_addf(&sb, "work/%s/%s", run->p->task, j->ws->id);
		json_object_set_new(spawn, "branch", json_string(sb.buf));
		json_object_set_new(spawn, "base", json_string(base));
		json_object_set_new(j->data, "spawn", spawn);
	}
	if (run->wc->ports > 0 && json_array_size(json_object_get(spawn, "ports")) != 2) {
		long long lo = free_block(run->wc, *used, nused, alloc);
		if (lo < 0) {
			r = error_set(BOSUN_EUNAVAILABLE, "no free block of %lld ports from "
				      "%lld", run->wc->ports, run->wc->port_base);
			goto out;
		}
		json_object_set_new(spawn, "ports", json_pack("[I, I]", lo,
							      lo + run->wc->ports - 1));
		ALLOC_GROW(*used, *nused + 1, *alloc);
		(*used)[(*nused)++] = lo;
	}
	if (!strcmp(j->state.buf, "planned") || !strcmp(j->state.buf, "cleaned")) {
		strbuf_setlen(&j->state, 0);
		strbuf_addstr(&j->state, "spawning");
	}
	r = work_item_save(st, id.buf, run->p->task, j->state.buf, j->data);
out:
	strbuf_release(&id);
	strbuf_release(&sb);
	return r;
}

static int fix_all(struct store *st, struct run *run, const char *base)
{
	long long *used = NULL;
	size_t nused = 0, alloc = 0, i;
	int r;

	if ((r = store_begin(st, STORE_TX_WRITE)) < 0)
		return r;
	if ((r = ports_in_use(st, &used, &nused)) < 0)
		goto out;
	alloc = nused;
	for (i = 0; i < run->nr; i++)
		if ((r = fix_one(st, run, &run->jobs[i], base, &used, &nused, &alloc)) < 0)
			goto out;
	r = store_commit(st);
out:
	if (r < 0)
		store_rollback(st);
	free(used);
	return r;
}

/* ------------------------------------------------------------ 2: worktrees */

static const char *spawn_str(const struct job *j, const char *key)
{
	return json_string_value(json_object_get(json_object_get(j->data, "spawn"), key));
}

/* The admin folder (common_dir/worktrees/X) whose gitdir names dir, if any. */
int work_find_admin(const struct work_where *w, const char *dir, struct strbuf *out)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, want = STRBUF_INIT;
	struct dirent *e;
	DIR *d;
	int found = 0;

	strbuf_addf(&path, "%s/worktrees", w->common_dir);
	strbuf_addf(&want, "%s/.git", dir);
	if (!(d = opendir(path.buf))) {
		strbuf_release(&path);
		strbuf_release(&want);
		return 0;
	}
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		strbuf_setlen(&path, 0);
		strbuf_addf(&path, "%s/worktrees/%s/gitdir", w->common_dir, e->d_name);
		strbuf_setlen(&text, 0);
		if (fs_read_file(&text, path.buf, 1 << 16) < 0) {
			error_clear();
			continue;
		}
		strbuf_trim(&text);
		if (!strcmp(text.buf, want.buf)) {
			found = 1;
			strbuf_setlen(out, 0);
			strbuf_addf(out, "%s/worktrees/%s", w->common_dir, e->d_name);
		}
	}
	closedir(d);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&want);
	return found;
}

/* git's mark on a worktree it has not finished making. */
static int initializing(const char *admin)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "%s/locked", admin);
	r = fs_read_file(&text, path.buf, 4096) == 0 && strstr(text.buf, "initializing");
	error_clear();
	strbuf_release(&path);
	strbuf_release(&text);
	return r;
}

static int dir_empty(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* The value of NAME in text (NUL-separated "NAME=value", /proc's environ),
 * or NULL. */
static const char *env_value(const struct strbuf *text, const char *name)
{
	size_t nl = strlen(name);
	const char *p = text->buf, *end = text->buf + text->len;

	for (; p < end; p += strlen(p) + 1)
		if (!strncmp(p, name, nl) && p[nl] == '=')
			return p + nl + 1;
	return NULL;
}

/* Whether text (as env_value() reads) has NAME set to dir or dir + tail. */
static int env_names(const struct strbuf *text, const char *name, const char *dir,
		     const char *tail)
{
	const char *v = env_value(text, name);
	size_t dl = strlen(dir);

	return v && !strncmp(v, dir, dl) && !strcmp(v + dl, tail);
}

static int read_proc(struct strbuf *text, const char *pid, const char *what)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "/proc/%s/%s", pid, what);
	strbuf_setlen(text, 0);
	if ((r = fs_read_file(text, path.buf, 1 << 18)) < 0)
		error_clear();
	strbuf_release(&path);
	return r;
}

/* Whether cmdline (/proc's, NUL-separated) runs git (an argument named
 * "git", as the program or a script's path) and, with adding, its
 * "worktree add". */
static int runs_git(const struct strbuf *cmdline, int adding)
{
	const char *p = cmdline->buf, *end = cmdline->buf + cmdline->len, *base;
	int git = 0, worktree = 0;

	for (; p < end; p += strlen(p) + 1) {
		base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
		if (!git) {
			git = !strcmp(base, "git");
			continue;
		}
		if (!adding)
			return 1;
		if (!worktree)
			worktree = !strcmp(p, "worktree");
		else if (!strcmp(p, "add"))
			return 1;
	}
	return git && !adding;
}

/* Whether cmdline (as runs_git() reads) has an argument that is dir or a
 * path inside it. */
static int names_dir(const struct strbuf *cmdline, const char *dir)
{
	const char *p = cmdline->buf, *end = cmdline->buf + cmdline->len;
	size_t dl = strlen(dir);

	for (; p < end; p += strlen(p) + 1)
		if (!strncmp(p, dir, dl) && (!p[dl] || p[dl] == '/'))
			return 1;
	return 0;
}

/*
 * A process other than us that works on dir: its working directory is in
 * it, its command line is a git naming it (or a path inside), or its environment
 * points git at it (GIT_WORK_TREE, GIT_DIR: the "git reset --hard" and
 * "git symbolic-ref" that "git worktree add" runs, which outlive a killed
 * spawn: the git bosun started dies with it, its children do not). The
 * pid, or 0.
 */
static long someone_in(const char *dir)
{
	struct strbuf text = STRBUF_INIT, path = STRBUF_INIT;
	char cwd[4096];
	struct dirent *e;
	DIR *d = opendir("/proc");
	size_t dl = strlen(dir);
	long found = 0, pid;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		ssize_t n;
		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    (pid = atol(e->d_name)) == (long)getpid())
			continue;
		strbuf_setlen(&path, 0);
		strbuf_addf(&path, "/proc/%s/cwd", e->d_name);
		n = readlink(path.buf, cwd, sizeof(cwd) - 1);
		if (n >= (ssize_t)dl && !strncmp(cwd, dir, dl) &&
		    (n == (ssize_t)dl || cwd[dl] == '/')) {
			found = pid;
			break;
		}
		if (read_proc(&text, e->d_name, "cmdline") < 0)
			continue;
		if (runs_git(&text, 0) && names_dir(&text, dir)) {
			found = pid;
			break;
		}
		if (read_proc(&text, e->d_name, "environ") == 0 &&
		    (env_names(&text, "GIT_WORK_TREE", dir, "") ||
		     env_names(&text, "GIT_DIR", dir, "/.git")))
			found = pid;
	}
	closedir(d);
	strbuf_release(&text);
	strbuf_release(&path);
	return found;
}

/* Whether path is base or inside it. */
static int under(const char *path, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(path, base, n) && (!path[n] || path[n] == '/');
}

/* Whether path (relative: to cwd) names common or a folder inside it; a
 * path that cannot be resolved counts (the caller then waits, never
 * removes what another git may be making). */
static int resolves_under(const char *cwd, const char *path, const char *common)
{
	struct strbuf full = STRBUF_INIT;
	char *real;
	int r;

	if (path[0] != '/')
		strbuf_addf(&full, "%s/", cwd);
	strbuf_addstr(&full, path);
	real = realpath(full.buf, NULL);
	r = !real || under(real, common);
	free(real);
	strbuf_release(&full);
	return r;
}

/* Whether the repository git finds from dir (the nearest ".git" upwards: a
 * folder, or a file naming a worktree's admin folder) is the one of common. */
static int dir_in_repo(const char *dir, const char *common)
{
	struct strbuf at = STRBUF_INIT, git = STRBUF_INIT, text = STRBUF_INIT;
	struct stat st;
	int r = 0;
	char *slash;

	if (under(dir, common))
		return 1;
	strbuf_addstr(&at, dir);
	for (;;) {
		strbuf_setlen(&git, 0);
		strbuf_addf(&git, "%s/.git", at.len ? at.buf : "");
		if (lstat(git.buf, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				r = resolves_under(at.buf, git.buf, common);
			} else if (fs_read_file(&text, git.buf, 4096) == 0 &&
				   !strncmp(text.buf, "gitdir: ", 8)) {
				strbuf_trim(&text);
				r = resolves_under(at.len ? at.buf : "/", text.buf + 8, common);
			}
			error_clear();
			break;
		}
		if (!(slash = strrchr(at.buf, '/')) || !at.len)
			break;
		strbuf_setlen(&at, (size_t)(slash - at.buf));
	}
	strbuf_release(&at);
	strbuf_release(&git);
	strbuf_release(&text);
	return r;
}

/*
 * A git other than us that works on this repository, as /proc shows it:
 * its GIT_DIR or GIT_COMMON_DIR, else the repository of its working
 * folder (git moves to the top of its worktree before it does anything).
 * With adding, only a "git worktree add". A git anywhere else, on another
 * repository, is no reason to wait; a process whose working folder we may
 * not read is another user's, who cannot write our repository. The pid,
 * or 0.
 */
static long git_here(const struct work_where *w, int adding)
{
	struct strbuf text = STRBUF_INIT, path = STRBUF_INIT;
	char cwd[4096], *common = realpath(w->common_dir, NULL);
	const char *dir;
	struct dirent *e;
	DIR *d = opendir("/proc");
	long found = 0, pid;
	ssize_t n;

	if (!d || !common)
		goto out;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    (pid = atol(e->d_name)) == (long)getpid() ||
		    read_proc(&text, e->d_name, "cmdline") < 0 || !runs_git(&text, adding))
			continue;
		strbuf_setlen(&path, 0);
		strbuf_addf(&path, "/proc/%s/cwd", e->d_name);
		if ((n = readlink(path.buf, cwd, sizeof(cwd) - 1)) <= 0)
			continue;
		cwd[n] = '\0';
		if (read_proc(&text, e->d_name, "environ") == 0 &&
		    ((dir = env_value(&text, "GIT_COMMON_DIR")) || (dir = env_value(&text, "GIT_DIR"))))
			found = resolves_under(cwd, dir, common) ? pid : 0;
		else
			found = dir_in_repo(cwd, common) ? pid : 0;
	}
out:
	if (d)
		closedir(d);
	free(common);
	strbuf_release(&text);
	strbuf_release(&path);
	return found;
}

/* dir holds only what a killed "git worktree add" made before it
 * registered it: a ".git" file naming an admin folder of this repository
 * that is not there (and maybe the start of git's checkout). */
static int unregistered_ours(const struct work_where *w, const char *dir)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, want = STRBUF_INIT;
	int r = 0;

	strbuf_addf(&path, "%s/.git", dir);
	strbuf_addf(&want, "gitdir: %s/worktrees/", w->common_dir);
	if (fs_is_dir(path.buf) || fs_read_file(&text, path.buf, 4096) < 0) {
		error_clear();
		goto out;
	}
	strbuf_trim(&text);
	r = !strncmp(text.buf, want.buf, want.len) && !strchr(text.buf + want.len, '/') &&
	    !fs_exists(text.buf + strlen("gitdir: "));
out:
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&want);
	return r;
}

static int settle_git_lock(const char *dir, const char *name);

static void say_repaired(struct job *j, const char *what)
{
	free(j->res->repaired);
	j->res->repaired = xstrdup(what);
}

/*
 * 1 when dir is a finished worktree of ours, 0 when there is none (what a
 * killed spawn left half-made rolled back: *repaired says so), or an error
 * when dir holds something else. Called under the task's spawn lock, so no
 * other spawn works on dir; a killed one's git children may still run (the
 * git it started died with it): they are waited for first.
 */
static int examine(const struct work_where *w, const char *dir, struct job *j)
{
	struct strbuf admin = STRBUF_INIT;
	int has_admin = work_find_admin(w, dir, &admin), r = 0, waited;
	long busy = 0;

	if (has_admin && !initializing(admin.buf) && fs_exists(dir))
		goto finished;
	if (has_admin || fs_exists(dir)) {
		for (waited = 0; (busy = someone_in(dir)) && waited < 600; waited++)
			time_sleep_ms(50);
		has_admin = work_find_admin(w, dir, &admin);
	}
	if (has_admin && !initializing(admin.buf) && fs_exists(dir))
		goto finished;
	if (busy) {
		r = error_set(BOSUN_EBUSY, "'%s' is being worked on by process %ld, not a "
			      "spawn: try again once it is done", dir, busy);
	} else if (has_admin && initializing(admin.buf)) {
		/* git was killed while making it: only its checkout is there */
		if ((r = fs_remove_tree(dir)) == 0 && (r = fs_remove_tree(admin.buf)) == 0)
			say_repaired(j, "rolled back a worktree git had not finished "
				     "making, and made it again");
	} else if (has_admin) {
		/* registered, its folder gone: git would refuse to add it */
		if ((r = fs_remove_tree(admin.buf)) == 0)
			say_repaired(j, "dropped a registration whose folder was gone, and "
				     "made the worktree again");
	} else if (fs_is_dir(dir) && dir_empty(dir)) {
		if (rmdir(dir))
			r = error_errno(BOSUN_EIO, "cannot remove the empty '%s'", dir);
		else
			say_repaired(j, "removed an empty folder, and made the worktree");
	} else if (unregistered_ours(w, dir)) {
		if ((r = fs_remove_tree(dir)) == 0)
			say_repaired(j, "rolled back a folder git had not registered yet, "
				     "and made the worktree again");
	} else if (fs_exists(dir)) {
		r = error_set(BOSUN_EUSAGE, "'%s' exists and is not a worktree of this "
			      "repository: move it away first", dir);
	}
	strbuf_release(&admin);
	return r;
finished:
	/* Never spawned whole: no agent has worked here, only our gits, and
	 * a git killed with us may have left a lock (one it had just made). */
	if (!strcmp(j->state.buf, "spawning")) {
		static const char *const locks[] = { "index", "HEAD", "ORIG_HEAD",
						     "config.worktree", NULL };
		const char *const *l;
		/* a git the killed one left running still holds them */
		for (waited = 0; someone_in(dir) && waited < 600; waited++)
			time_sleep_ms(50);
		for (l = locks; r >= 0 && *l; l++)
			r = settle_git_lock(admin.buf, *l);
		if (!j->res->repaired)
			say_repaired(j, "completed the set-up of a worktree git had made");
	}
	strbuf_release(&admin);
	return r < 0 ? r : 1;
}

/* Whether common_dir/worktrees/name is a registration git has only begun:
 * no gitdir file, and locked "initializing" or not locked at all. */
static int stillborn(const struct work_where *w, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "%s/worktrees/%s", w->common_dir, name);
	r = fs_is_dir(path.buf);
	strbuf_addstr(&path, "/gitdir");
	r = r && !fs_exists(path.buf);
	strbuf_setlen(&path, path.len - strlen("/gitdir"));
	if (r && !initializing(path.buf)) {
		strbuf_addstr(&path, "/locked");
		r = !fs_exists(path.buf);
	}
	strbuf_release(&path);
	return r;
}

/*
 * An admin folder (common_dir/worktrees/X) with no gitdir file yet, locked
 * "initializing" or not locked at all: a "git worktree add" was killed
 * between making it and writing its first file. No worktree names it and
 * git never prunes a locked one. Those seen are removed when then no "git
 * worktree add" on this repository runs: one that was making one of them
 * would still run, and one that starts later makes a folder of another
 * name (git never reuses one). Those found before the look only: one found
 * after it may be a git's that started meanwhile.
 */
static int drop_stillborn(const struct work_where *w, size_t *dropped)
{
	struct strbuf path = STRBUF_INIT, seen = STRBUF_INIT;
	struct dirent *e;
	const char *name;
	DIR *d;
	int r = 0;

	*dropped = 0;
	strbuf_addf(&path, "%s/worktrees", w->common_dir);
	if (!(d = opendir(path.buf)))
		goto out;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && stillborn(w, e->d_name))
			strbuf_add(&seen, e->d_name, strlen(e->d_name) + 1);
	closedir(d);
	if (!seen.len || git_here(w, 1))
		goto out;
	for (name = seen.buf; r >= 0 && name < seen.buf + seen.len; name += strlen(name) + 1) {
		/* its git may have finished it meanwhile */
		if (!stillborn(w, name))
			continue;
		strbuf_setlen(&path, 0);
		strbuf_addf(&path, "%s/worktrees/%s", w->common_dir, name);
		if ((r = fs_remove_tree(path.buf)) == 0)
			(*dropped)++;
	}
out:
	strbuf_release(&path);
	strbuf_release(&seen);
	return r;
}

/*
 * The checkout, as "git worktree add" would have made it, but run here: a
 * git bosun starts dies with bosun (core/run), where the checkout git's
 * "worktree add" starts would go on writing after a kill. A worktree has
 * no index until its checkout is done, so one without is finished here
 * (nobody worked in it: an agent starts only once its spawn is done).
 */
static int checkout(const struct work_where *w, const char *dir, struct job *j,
		    int found)
{
	static const char *const reset[] = { "reset", "--hard", "--no-recurse-submodules",
					     "-q", NULL };
	struct strbuf admin = STRBUF_INIT, index = STRBUF_INIT;
	int r = 0;

	if (!work_find_admin(w, dir, &admin)) {
		r = error_set(BOSUN_EINTERNAL, "git made '%s' but does not list it", dir);
		goto out;
	}
	strbuf_addf(&index, "%s/index", admin.buf);
	if (fs_exists(index.buf))
		goto out;
	if ((r = settle_git_lock(admin.buf, "index")) < 0 || (r = work_git_dying(dir, NULL, reset)) < 0)
		goto out;
	if (found)
		say_repaired(j, "completed the checkout of a worktree git had made");
out:
	strbuf_release(&admin);
	strbuf_release(&index);
	return r;
}

static int add_worktree(void *data, size_t i)
{
	struct run *run = data;
	struct job *j = &run->jobs[i];
	const char *dir = spawn_str(j, "dir"), *branch = spawn_str(j, "branch");
	const char *base = spawn_str(j, "base");
	struct strbuf ref = STRBUF_INIT;
	const char *exists[] = { "rev-parse", "--verify", "-q", NULL, NULL };
	const char *add_b[] = { "worktree", "add", "-q", "--no-checkout", "-b", branch, dir,
				base, NULL };
	const char *add[] = { "worktree", "add", "-q", "--no-checkout", dir, branch, NULL };
	int r, tries;

	if (!dir || !branch || !base) {
		r = error_set(BOSUN_EDATA, "the store's record of '%s' has no dir, "
			      "branch or base", j->ws->id);
		goto out;
	}
	strbuf_addf(&ref, "refs/heads/%s", branch);
	exists[3] = ref.buf;
	/* A "-b" whose git lost a race after making the branch (work_git
	 * retries it), or that meets the git of a killed spawn making the
	 * same worktree (which may then remove the folder under ours), finds
	 * the branch or the folder there: look again, then add it as it is. */
	for (tries = 0; tries < 6; tries++) {
		if ((r = examine(run->w, dir, j)) != 0 || (r = fs_mkdir_p(run->w->root)) < 0)
			break;
		if (work_git_dying(run->w->top, NULL, exists) == 0) {
			r = work_git_dying(run->w->top, NULL, add);
		} else {
			error_clear();
			r = work_git_dying(run->w->top, NULL, add_b);
		}
		if (r == 0 || (!strstr(error_message(), "a branch named") &&
			       !strstr(error_message(), "cannot lock ref") &&
			       !strstr(error_message(), "already exists") &&
			       !strstr(error_message(), "cannot create directory")))
			break;
		error_clear();
		time_sleep_ms(50 + tries * 100);
	}
	if (r == 0)
		j->res->created = 1;
	if (r >= 0)
		r = checkout(run->w, dir, j, r == 1);
out:
	r = r < 0 ? r : 0;
	if (r < 0) {
		j->err = r;
		j->res->error = xstrdup(error_message());
	}
	strbuf_release(&ref);
	error_release();
	return 0;
}

/* add_worktree(), counted (the jobs run on several threads: the meter's
 * counts are atomic). */
static int add_worktree_counted(void *data, size_t i)
{
	struct run *run = data;
	int r = add_worktree(data, i);

	meter_add(run->progress, 1, 0);
	return r;
}

/* ------------------------------------------------------------ 3: inside */

/*
 * "<file>.lock" left by a git a killed spawn ran (that git died with it,
 * PR_SET_PDEATHSIG, maybe holding the lock): git never removes another's
 * lock, so every later "git config" would fail. It is stale when no
 * process has it open, looked at twice (a git that is creating it right
 * now has it open a moment later).
 */
static int settle_git_lock(const char *dir, const char *name)
{
	struct strbuf lock = STRBUF_INIT;
	char *real = realpath(dir, NULL);
	int r = 0, i;

	strbuf_addf(&lock, "%s/%s.lock", real ? real : dir, name);
	for (i = 0; i < 2 && fs_exists(lock.buf); i++) {
		if (proc_holding_open(lock.buf))
			goto out;
		if (i == 0)
			time_sleep_ms(20);
		else if (unlink(lock.buf) < 0 && errno != ENOENT)
			r = error_errno(BOSUN_EIO, "cannot remove the stale '%s'", lock.buf);
		else
			log_event(LOG_WARN, "work", "removed '%s', left by a git that was "
				  "killed", lock.buf);
	}
out:
	free(real);
	strbuf_release(&lock);
	return r;
}

/*
 * extensions.worktreeConfig, so that each worktree's settings go to its own
 * config.worktree: the one line spawn ever adds to the shared config, once.
 * Spawns running at once race for config.lock; the loser finds it set.
 */
static int worktree_config_on(const struct work_where *w)
{
	static const char *const get[] = { "config", "--get", "extensions.worktreeConfig", NULL };
	static const char *const on[] = { "config", "extensions.worktreeConfig", "true", NULL };
	struct strbuf out = STRBUF_INIT;
	int r = 0, tries;

	/* The shared config.lock may be any git's on this repository: stale
	 * only while none runs (git closes a lock before it renames it). */
	if (!git_here(w, 0) && (r = settle_git_lock(w->common_dir, "config")) < 0)
		return r;
	for (tries = 0; tries < 50; tries++) {
		if (work_git_dying(w->top, &out, get) == 0 && !strcmp(out.buf, "true\n")) {
			r = 0;
			break;
		}
		error_clear();
		if ((r = work_git_dying(w->top, NULL, on)) == 0)
			break;
		time_sleep_ms(20);
	}
	strbuf_release(&out);
	return r;
}

/*
 * bosun's merge driver in this worktree's own config.worktree (the shared
 * config stays as it is), and its attribute lines in info/attributes:
 * changelogs and checklists the agents both add to merge without a loss.
 */
static int register_merge(const struct run *run, const char *dir, const char *admin)
{
#ifdef BOSUN_HAVE_MERGE
	struct repo repo = { 0 };
	int r;

	if (!run->o->merge_command)
		return 0;
	repo.workdir = (char *)dir;
	repo.gitdir = (char *)admin;
	repo.common_dir = run->w->common_dir;
	/* Its git config calls retry git's races with the other spawns'
	 * gits (lib/merge/register.c, lib/git/run.h). */
	r = merge_register(&repo, run->o->cfg, MERGE_SCOPE_WORKTREE,
			   run->o->merge_command);
	return r < 0 ? r : 0;
#else
	(void)run;
	(void)dir;
	(void)admin;
	return 0;
#endif
}

static int set_config(const struct run *run, const char *dir, const char *task,
		      const char *id)
{
	const struct work_where *w = run->w;
	struct strbuf out = STRBUF_INIT, val = STRBUF_INIT, admin = STRBUF_INIT;
	const char *set[] = { "config", "--worktree", "bosun.workstream", NULL, NULL };
	const char *cur[] = { "config", "--worktree", "--get", "bosun.workstream", NULL };
	int r = 0;

	if (work_find_admin(w, dir, &admin) && (r = settle_git_lock(admin.buf,
								    "config.worktree")) < 0)
		goto out;
	strbuf_addf(&val, "%s/%s", task, id);
	set[3] = val.buf;
	if (work_git_dying(dir, &out, cur) < 0 || (strbuf_trim(&out), strcmp(out.buf, val.buf))) {
		error_clear();
		r = work_git_dying(dir, NULL, set);
	}
	if (r == 0)
		r = register_merge(run, dir, admin.buf);
out:
	strbuf_release(&out);
	strbuf_release(&val);
	strbuf_release(&admin);
	return r;
}

static enum work_bring bring_mode(const char *s)
{
	if (!s || !strcmp(s, "auto"))
		return BRING_AUTO;
	if (!strcmp(s, "reflink"))
		return BRING_REFLINK;
	if (!strcmp(s, "symlink"))
		return BRING_SYMLINK;
	return BRING_COPY;
}

/* ".env*" files come only when a pattern names them: its last component
 * starts with ".env". */
static int names_env(const char *const *pats, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		const char *last = strrchr(pats[i], '/');
		if (!strncmp(last ? last + 1 : pats[i], ".env", 4))
			return 1;
	}
	return 0;
}

static int is_env(const char *path)
{
	const char *last = strrchr(path, '/');
	return !strncmp(last ? last + 1 : path, ".env", 4);
}

static void add_str(char ***v, size_t *nr, const char *s)
{
	*v = xrealloc(*v, (*nr + 2) * sizeof(**v));
	(*v)[(*nr)++] = xstrdup(s);
	(*v)[*nr] = NULL;
}

/* The ignored entries of the main worktree (folders as "dir/"), NUL-separated. */
static int ignored_entries(const struct work_where *w, struct strbuf *out)
{
	static const char *const args[] = { "ls-files", "-z", "--others", "--ignored",
					    "--exclude-standard", "--directory", NULL };
	return work_git_dying(w->top, out, args);
}

/*
 * A folder ignored as "name/" is not ignored once it is a symlink: its
 * name goes into info/exclude (anchored, no slash), or the agent would
 * commit the link. Only that one line is added, once.
 */
static int exclude_link(const struct work_where *w, const char *path)
{
	struct strbuf file = STRBUF_INIT, text = STRBUF_INIT, line = STRBUF_INIT;
	int r;

	strbuf_addf(&file, "%s/info/exclude", w->common_dir);
	strbuf_addf(&line, "/%s\n", path);
	if ((r = fs_read_file(&text, file.buf, 1 << 20)) == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
	}
	strbuf_insert(&text, 0, "\n", 1);
	strbuf_insert(&line, 0, "\n", 1);
	if (r < 0 || strstr(text.buf, line.buf))
		goto out;
	strbuf_splice(&text, 0, 1, "", 0);
	strbuf_splice(&line, 0, 1, "", 0);
	if (text.len && text.buf[text.len - 1] != '\n')
		strbuf_addch(&text, '\n');
	strbuf_addstr(&text, "# bosun work: a linked folder (docs/work.md)\n");
	strbuf_addbuf(&text, &line);
	strbuf_setlen(&file, 0);
	strbuf_addf(&file, "%s/info", w->common_dir);
	if ((r = fs_mkdir_p(file.buf)) == 0) {
		strbuf_addstr(&file, "/exclude");
		r = write_file_atomic(file.buf, text.buf, text.len, 0666);
	}
out:
	strbuf_release(&file);
	strbuf_release(&text);
	strbuf_release(&line);
	return r;
}

static int bring_all(const struct run *run, struct job *j, const struct strbuf *ign)
{
	struct glob_list copy = GLOB_LIST_INIT, link = GLOB_LIST_INIT;
	struct strbuf src = STRBUF_INIT, dst = STRBUF_INIT, item = STRBUF_INIT;
	const char *dir = spawn_str(j, "dir"), *p, *end = ign->buf + ign->len;
	int env_ok = names_env(run->wc->copy, run->wc->copy_nr), r = 0;
	size_t i;

	for (i = 0; i < run->wc->copy_nr; i++)
		glob_list_add(&copy, run->wc->copy[i]);
	for (i = 0; i < run->wc->link_nr; i++)
		glob_list_add(&link, run->wc->link[i]);
	for (p = ign->buf; r >= 0 && p < end; p += strlen(p) + 1) {
		const char *how;
		int as_link;
		strbuf_setlen(&item, 0);
		strbuf_addstr(&item, p);
		while (item.len && item.buf[item.len - 1] == '/')
			strbuf_setlen(&item, item.len - 1);
		if (!item.len || !strcmp(item.buf, ".bosun"))
			continue;
		as_link = glob_list_match(&link, item.buf);
		if (!as_link && !glob_list_match(&copy, item.buf))
			continue;
		if (!as_link && is_env(item.buf) && !env_ok)
			continue;
		fs_path_join(&src, run->w->top, item.buf);
		fs_path_join(&dst, dir, item.buf);
		if (fs_exists(dst.buf))
			continue;
		r = work_bring(src.buf, dst.buf, as_link ? bring_mode(run->wc->link_mode) :
			       BRING_AUTO, &how);
		if (r < 0)
			break;
		if (as_link && !strcmp(how, "symlink"))
			r = exclude_link(run->w, item.buf);
		if (as_link) {
			strbuf_addf(&item, " (%s)", how);
			add_str(&j->res->linked, &j->res->linked_nr, item.buf);
		} else {
			add_str(&j->res->copied, &j->res->copied_nr, item.buf);
		}
	}
	glob_list_release(&copy);
	glob_list_release(&link);
	strbuf_release(&src);
	strbuf_release(&dst);
	strbuf_release(&item);
	return r;
}

static void context_text(struct strbuf *sb, const struct run *run, const struct job *j)
{
	const struct work_stream *ws = j->ws;
	const json_t *ports = json_object_get(json_object_get(j->data, "spawn"), "ports");
	size_t i;

	strbuf_addf(sb, "# Workstream %s of task %s\n\n", ws->id, run->p->task);
	if (run->p->title)
		strbuf_addf(sb, "Task: %s\n\n", run->p->title);
	strbuf_addf(sb, "Branch: %s (from %.12s)\n", spawn_str(j, "branch"),
		    spawn_str(j, "base"));
	if (ws->agent)
		strbuf_addf(sb, "Agent: %s\n", ws->agent);
	if (json_array_size(ports) == 2)
		strbuf_addf(sb, "Ports: %lld-%lld (also in $BOSUN_PORT_LO, $BOSUN_PORT_HI)\n",
			    json_integer_value(json_array_get(ports, 0)),
			    json_integer_value(json_array_get(ports, 1)));
	if (ws->context)
		strbuf_addf(sb, "\n## Context\n\n%s\n", ws->context);
	strbuf_addstr(sb, "\n## Files you own\n\nChange only these; other workstreams own "
		      "the rest.\n\n");
	for (i = 0; i < ws->owns_nr; i++)
		strbuf_addf(sb, "- `%s`\n", ws->owns[i]);
	if (!ws->owns_nr)
		strbuf_addstr(sb, "- (none listed)\n");
	strbuf_addstr(sb, "\n## Contract\n\n");
	if (ws->contract)
		strbuf_addf(sb, "%s\n", ws->contract);
	if (ws->test_nr) {
		strbuf_addstr(sb, "The test command must pass:");
		for (i = 0; i < ws->test_nr; i++)
			strbuf_addf(sb, " %s", ws->test[i]);
		strbuf_addch(sb, '\n');
	}
	if (!ws->contract && !ws->test_nr)
		strbuf_addstr(sb, "(none given)\n");
	for (i = 0; i < ws->depends_nr; i++)
		strbuf_addf(sb, "%sMerged after: %s", i ? ", " : "\n", ws->depends_on[i]);
	strbuf_addstr(sb, ws->depends_nr ? "\n" : "");
	strbuf_addstr(sb, "\n## Checklist\n\nCheck an item ([x]) when it is done.\n\n");
	for (i = 0; i < ws->checklist_nr; i++)
		strbuf_addf(sb, "%zu. [ ] %s\n", i + 1, ws->checklist[i]);
}

/* .bosun/work.md, ignored by a .gitignore of its own (the shared
 * info/exclude stays as it is); an existing work.md is the agent's now
 * (it checks items off) and is left alone. */
static int write_context(const struct run *run, const struct job *j)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	const char *dir = spawn_str(j, "dir");
	int r;

	strbuf_addf(&path, "%s/.bosun", dir);
	if ((r = fs_mkdir_p(path.buf)) < 0)
		goto out;
	strbuf_addstr(&path, "/.gitignore");
	if (!fs_exists(path.buf) &&
	    (r = write_file_atomic(path.buf, "/work.md\n/.gitignore\n", 21, 0666)) < 0)
		goto out;
	strbuf_setlen(&path, 0);
	strbuf_addf(&path, "%s/.bosun/work.md", dir);
	if (fs_exists(path.buf))
		goto out;
	context_text(&text, run, j);
	r = write_file_atomic(path.buf, text.buf, text.len, 0666);
out:
	strbuf_release(&path);
	strbuf_release(&text);
	return r;
}

/* ------------------------------------------------------------ the agent */

static void fill(struct strbuf *sb, const char *arg, const char *const *vars)
{
	strbuf_setlen(sb, 0);
	strbuf_expand(sb, arg, vars);
}

/* work.agent_command with its placeholders filled: a list is the argv, a
 * string is run by sh -c. NULL-terminated, freed by the caller. */
static char **agent_argv(const json_t *cmd, const char *const *vars)
{
	static const char *const none[] = { NULL };
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = json_is_array(cmd) ? json_array_size(cmd) : 3;
	char **argv = xcalloc(n + 1, sizeof(*argv));

	for (i = 0; i < n; i++) {
		const char *arg;
		if (!json_is_array(cmd))
			arg = i == 0 ? "/bin/sh" : i == 1 ? "-c" : json_string_value(cmd);
		else
			arg = json_string_value(json_array_get(cmd, i));
		fill(&sb, arg ? arg : "", i < 2 && !json_is_array(cmd) ? none : vars);
		argv[i] = xstrdup(sb.buf);
	}
	strbuf_release(&sb);
	return argv;
}

static void free_argv(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* In the daemon: the worktree, its environment, then the agent. A failed
 * exec is told in the log (stderr is the log here). */
static void exec_agent(const char *dir, char **argv, const json_t *ports,
		       const char *ws)
{
	char lo[16], hi[16];

	if (chdir(dir) < 0)
		_exit(126);
	setenv("BOSUN_WORKSTREAM", ws, 1);
	if (json_array_size(ports) == 2) {
		snprintf(lo, sizeof(lo), "%lld", json_integer_value(json_array_get(ports, 0)));
		snprintf(hi, sizeof(hi), "%lld", json_integer_value(json_array_get(ports, 1)));
		setenv("BOSUN_PORT_LO", lo, 1);
		setenv("BOSUN_PORT_HI", hi, 1);
	}
	execvp(argv[0], argv);
	dprintf(2, "bosun: cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Start the agent unless one runs (its PID file says so) or one ran and
 * exited (then only with restart). */
static int start_agent(const struct run *run, struct job *j, int restart)
{
	struct strbuf sdir = STRBUF_INIT, pidpath = STRBUF_INIT, ctx = STRBUF_INIT,
		      wsid = STRBUF_INIT;
	struct lockfile lk = LOCKFILE_INIT;
	struct daemon d = DAEMON_INIT;
	struct proc_owner holder;
	const char *dir = spawn_str(j, "dir");
	json_t *spawn = json_object_get(j->data, "spawn"), *agent;
	char **argv = NULL;
	pid_t pid;
	int r;

	strbuf_addf(&sdir, "%s/%s/%s", run->w->state, run->p->task, j->ws->id);
	strbuf_addf(&pidpath, "%s/agent.pid", sdir.buf);
	strbuf_addf(&wsid, "%s/%s", run->p->task, j->ws->id);
	strbuf_addstr(&sdir, "/agent.log");
	j->res->agent_log = xstrdup(sdir.buf);
	fs_dirname(&sdir, pidpath.buf);
	if ((r = fs_mkdir_p(sdir.buf)) < 0)
		goto out;
	r = pidfile_claim(&lk, pidpath.buf, &holder, 2000);
	if (r == -BOSUN_EBUSY) {
		error_clear();
		j->res->agent = xstrdup("running");
		j->res->agent_pid = (long)holder.pid;
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if (json_object_get(spawn, "agent") && !restart) {
		lock_rollback(&lk);
		j->res->agent = xstrdup("exited");
		j->res->agent_pid = (long)json_integer_value(json_object_get(
			json_object_get(spawn, "agent"), "pid"));
		goto out;
	}
	strbuf_addf(&ctx, "%s/.bosun/work.md", dir);
	{
		const char *vars[] = { "{context}", ctx.buf, "{id}", j->ws->id, "{task}",
				       run->p->task, "{dir}", dir, NULL };
		argv = agent_argv(run->wc->agent_command, vars);
	}
	d.log_path = j->res->agent_log;
	d.timeout_ms = 10000;
	pid = daemon_detach(&d);
	if (pid == 0) {
		int rr = pidfile_commit(&lk, getpid());
		daemon_ready(&d, rr);
		if (rr < 0)
			_exit(1);
		exec_agent(dir, argv, json_object_get(spawn, "ports"), wsid.buf);
	}
	/* Handed over to the agent's daemon, so only closed here (its memory
	 * freed); removed when the fork failed. */
	lock_rollback(&lk);
	if (pid < 0) {
		r = (int)pid;
		goto out;
	}
	{
		struct proc_owner o;
		if (proc_owner_of(&o, pid) < 0) {
			error_clear();
			o.start = 0;
		}
		agent = json_pack("{s:I, s:I, s:s, s:I}", "pid", (json_int_t)pid,
				  "start", (json_int_t)o.start, "log", j->res->agent_log,
				  "started_ms", (json_int_t)time_wall_ms());
		json_object_set_new(spawn, "agent", agent);
		json_object_set_new(spawn, "agent_new", json_true());
	}
	j->res->agent = xstrdup("started");
	j->res->agent_pid = (long)pid;
out:
	free_argv(argv);
	strbuf_release(&sdir);
	strbuf_release(&pidpath);
	strbuf_release(&ctx);
	strbuf_release(&wsid);
	return r;
}

/* ------------------------------------------------------------ the whole */

static int inside(const struct run *run, struct job *j, const struct strbuf *ign)
{
	const char *dir = spawn_str(j, "dir");
	int r;

	if ((r = set_config(run, dir, run->p->task, j->ws->id)) < 0 ||
	    (r = bring_all(run, j, ign)) < 0)
		return r;
	return write_context(run, j);
}

/* Each workstream that is whole (after step 5) is "spawned"; with agents,
 * again those whose agent this run started, with its record. */
static int finish_all(struct store *st, struct run *run, int agents)
{
	struct strbuf id = STRBUF_INIT;
	size_t i;
	int r;

	if ((r = store_begin(st, STORE_TX_WRITE)) < 0)
		return r;
	for (i = 0; r >= 0 && i < run->nr; i++) {
		struct job *j = &run->jobs[i];
		if (j->err || (agents && !json_object_get(json_object_get(j->data, "spawn"),
							  "agent_new")))
			continue;
		json_object_del(json_object_get(j->data, "spawn"), "agent_new");
		strbuf_setlen(&id, 0);
		strbuf_addf(&id, "%s/%s", run->p->task, j->ws->id);
		r = work_item_save(st, id.buf, run->p->task, "spawned", j->data);
	}
	r = r < 0 ? r : store_commit(st);
	if (r < 0)
		store_rollback(st);
	strbuf_release(&id);
	return r;
}

static void result_init(struct job *j, const struct run *run)
{
	struct work_spawned *s = j->res;
	const json_t *ports = json_object_get(json_object_get(j->data, "spawn"), "ports");

	s->id = xstrdup(j->ws->id);
	s->dir = xstrdup(spawn_str(j, "dir") ? spawn_str(j, "dir") : "");
	s->branch = xstrdup(spawn_str(j, "branch") ? spawn_str(j, "branch") : "");
	s->base = xstrdup(spawn_str(j, "base") ? spawn_str(j, "base") : "");
	if (json_array_size(ports) == 2) {
		s->port_lo = (int)json_integer_value(json_array_get(ports, 0));
		s->port_hi = (int)json_integer_value(json_array_get(ports, 1));
	}
	(void)run;
}

int work_spawn(struct store *st, const struct work_where *w,
	       const struct work_config *wc, const struct work_spawn_opts *opts,
	       struct work_spawned **out, size_t *nr)
{
	struct work_plan p = WORK_PLAN_INIT;
	struct strbuf base = STRBUF_INIT, ign = STRBUF_INIT, lockpath = STRBUF_INIT;
	struct lockfile lk = LOCKFILE_INIT;
	struct run run = { w, wc, opts, &p, NULL, 0 };
	size_t i, failed = 0, dropped = 0;
	int r;

	*out = NULL;
	*nr = 0;
	if ((r = work_plan_load(st, opts->task, &p)) < 0 || (r = check_only(&p, opts)) < 0 ||
	    (r = resolve_base(w, &p, &base)) < 0)
		goto out;
	run.jobs = xcalloc(p.nr + 1, sizeof(*run.jobs));
	*out = xcalloc(p.nr + 1, sizeof(**out));
	for (i = 0; i < p.nr; i++) {
		const struct work_stream *ws = &p.ws[p.order[i]];
		if (!selected(opts, ws->id))
			continue;
		run.jobs[run.nr].ws = ws;
		run.jobs[run.nr].res = &(*out)[run.nr];
		strbuf_init(&run.jobs[run.nr].state, 0);
		run.nr++;
	}
	*nr = run.nr;
	/* One spawn of a task at a time: the next waits, then finds the
	 * worktrees made; a killed one's lock is taken over. Given up before
	 * the agents start (a daemon would inherit it). */
	strbuf_addf(&lockpath, "%s/%s", w->state, p.task);
	if ((r = fs_mkdir_p(lockpath.buf)) < 0)
		goto out;
	strbuf_addstr(&lockpath, "/spawn");
	if ((r = owner_lock_acquire(&lk, lockpath.buf, SPAWN_LOCK_WAIT_MS)) < 0) {
		if (r == -BOSUN_EBUSY)
			r = error_set(BOSUN_EBUSY, "another spawn of task '%s' has run for "
				      "%d s and is still running", p.task,
				      SPAWN_LOCK_WAIT_MS / 1000);
		goto out;
	}
	if ((r = fix_all(st, &run, base.buf)) < 0 || (r = worktree_config_on(w)) < 0)
		goto out;
	for (i = 0; i < run.nr; i++)
		result_init(&run.jobs[i], &run);
	if ((r = drop_stillborn(w, &dropped)) < 0)
		goto out;
	if (dropped)
		log_event(LOG_WARN, "work", "removed %zu worktree registration%s a killed "
			  "'git worktree add' had only begun", dropped, dropped == 1 ? "" : "s");
	run.progress = opts->progress;
	meter_phase(run.progress, "creating", run.nr, 0);
	if ((r = parallel_for(run.nr, 1, add_worktree_counted, &run)) < 0)
		goto out;
	if ((r = ignored_entries(w, &ign)) < 0)
		goto out;
	meter_phase(run.progress, "setting up", run.nr, 0);
	for (i = 0; i < run.nr; i++) {
		struct job *j = &run.jobs[i];
		if (!j->err && (j->err = inside(&run, j, &ign)) < 0)
			j->res->error = xstrdup(error_message());
		error_clear();
		meter_add(run.progress, 1, 0);
	}
	if ((r = finish_all(st, &run, 0)) < 0)
		goto out;
	lock_rollback(&lk);
	for (i = 0; wc->agent_command && i < run.nr; i++) {
		struct job *j = &run.jobs[i];
		if (!j->err && (j->err = start_agent(&run, j, opts->restart)) < 0)
			j->res->error = xstrdup(error_message());
		error_clear();
	}
	for (i = 0; i < run.nr; i++) {
		if (!wc->agent_command && !run.jobs[i].err)
			run.jobs[i].res->agent = xstrdup("none");
		failed += run.jobs[i].err < 0;
	}
	if (wc->agent_command && (r = finish_all(st, &run, 1)) < 0)
		goto out;
	if (failed)
		r = error_set(BOSUN_EFAIL, "%zu of %zu workstream%s could not be spawned",
			      failed, run.nr, run.nr == 1 ? "" : "s");
out:
	lock_rollback(&lk);
	strbuf_release(&lockpath);
	for (i = 0; i < run.nr; i++) {
		json_decref(run.jobs[i].data);
		strbuf_release(&run.jobs[i].state);
	}
	free(run.jobs);
	work_plan_release(&p);
	strbuf_release(&base);
	strbuf_release(&ign);
	return r;
}

void work_spawned_free(struct work_spawned *v, size_t nr)
{
	size_t i, k;

	for (i = 0; v && i < nr; i++) {
		free(v[i].id);
		free(v[i].dir);
		free(v[i].branch);
		free(v[i].base);
		free(v[i].repaired);
		for (k = 0; k < v[i].copied_nr; k++)
			free(v[i].copied[k]);
		free(v[i].copied);
		for (k = 0; k < v[i].linked_nr; k++)
			free(v[i].linked[k]);
		free(v[i].linked);
		free(v[i].agent);
		free(v[i].agent_log);
		free(v[i].error);
	}
	free(v);
}
