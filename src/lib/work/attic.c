/*
 * attic.c - nothing is ever lost (work.h, docs/work.md "Nothing is lost"):
 * before a worktree or a branch goes, a snapshot commit of everything in
 * it goes to refs/bosun/attic/<task>/<id>/<time>; restore puts it back;
 * gc reconciles git's worktree list, the folders on disk and the store.
 */
#include "lib/work/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/glob.h"
#include "core/pidfile.h"
#include "core/proc.h"
#include "core/time.h"
#include "lib/store/store.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ATTIC "refs/bosun/attic/"

void work_removal_free(struct work_removal *v, size_t nr)
{
	size_t i;

	for (i = 0; v && i < nr; i++) {
		free(v[i].id);
		free(v[i].dir);
		free(v[i].attic);
		free(v[i].action);
		free(v[i].why);
		free(v[i].error);
	}
	free(v);
}

static void stamp(char out[64])
{
	long long ms = time_wall_ms();
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 64, "%04d%02d%02dT%02d%02d%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ms % 1000));
}

/* The ignored entries of dir that work.copy names, and .bosun/work.md:
 * forced into the snapshot's index. */
static int add_ignored(const struct work_config *wc, const char *dir,
		       const char *const *env)
{
	static const char *const ls[] = { "ls-files", "-z", "--others", "--ignored",
					  "--exclude-standard", NULL };
	struct glob_list gl = GLOB_LIST_INIT;
	struct strbuf out = STRBUF_INIT, path = STRBUF_INIT;
	const char *p, *end;
	size_t i;
	int r;

	for (i = 0; i < wc->copy_nr; i++)
		glob_list_add(&gl, wc->copy[i]);
	glob_list_add(&gl, "/.bosun/work.md");
	glob_list_add(&gl, "/.bosun/.gitignore");
	if ((r = work_git_env(dir, env, &out, ls)) < 0)
		goto out;
	end = out.buf + out.len;
	for (p = out.buf; r >= 0 && p < end; p += strlen(p) + 1) {
		const char *add[] = { "add", "-f", "--", p, NULL };
		fs_path_join(&path, dir, p);
		if (*p && glob_list_match(&gl, p) && !fs_is_dir(path.buf))
			r = work_git_env(dir, env, NULL, add);
	}
out:
	glob_list_release(&gl);
	strbuf_release(&out);
	strbuf_release(&path);
	return r;
}

/* The temporary index of a snapshot is named after its maker
 * (attic-PID.START.index): those of makers killed with SIGKILL, and git's
 * locks on them, go before the next snapshot. */
static void sweep_indexes(const char *state)
{
	struct strbuf p = STRBUF_INIT;
	struct dirent *e;
	DIR *d = opendir(state);
	unsigned long long start;
	long pid;
	int at;

	while (d && (e = readdir(d))) {
		at = 0;
		if (sscanf(e->d_name, "attic-%ld.%llu.index%n", &pid, &start, &at) != 2 || !at ||
		    (e->d_name[at] && strcmp(e->d_name + at, ".lock")) ||
		    proc_alive((pid_t)pid, start))
			continue;
		fs_path_join(&p, state, e->d_name);
		if (fs_unlink(p.buf) < 0)
			error_clear();
	}
	if (d)
		closedir(d);
	strbuf_release(&p);
}

int work_snapshot(const struct work_where *w, const struct work_config *wc,
		  const char *id, const char *dir, struct strbuf *ref)
{
	static const char *const add_all[] = { "add", "-A", "--", ".", NULL };
	static const char *const write_tree[] = { "write-tree", NULL };
	static const char *const head[] = { "rev-parse", "-q", "--verify", "HEAD^{commit}", NULL };
	struct strbuf idx = STRBUF_INIT, envv = STRBUF_INIT, tree = STRBUF_INIT,
		      parent = STRBUF_INIT, commit = STRBUF_INIT, msg = STRBUF_INIT;
	const char *env[] = { NULL, NULL };
	unsigned long long start = 0;
	char when[64];
	int r;

	stamp(when);
	sweep_indexes(w->state);
	if (proc_start_time(getpid(), &start) < 0)
		error_clear();
	strbuf_addf(&idx, "%s/attic-%ld.%llu.index", w->state, (long)getpid(), start);
	strbuf_addf(&envv, "GIT_INDEX_FILE=%s", idx.buf);
	env[0] = envv.buf;
	if ((r = fs_mkdir_p(w->state)) < 0 || (r = fs_unlink(idx.buf)) < 0)
		goto out;
	if (work_git(dir, &parent, head) < 0) {
		r = error_prefix("cannot snapshot '%s'", dir);
		goto out;
	}
	strbuf_trim(&parent);
	{
		const char *rt[] = { "read-tree", parent.buf, NULL };
		if ((r = work_git_env(dir, env, NULL, rt)) < 0)
			goto out;
	}
	if ((r = work_git_env(dir, env, NULL, add_all)) < 0 ||
	    (r = add_ignored(wc, dir, env)) < 0 ||
	    (r = work_git_env(dir, env, &tree, write_tree)) < 0)
		goto out;
	strbuf_trim(&tree);
	strbuf_addf(&msg, "bosun attic: %s at %s\n\nEverything in %s before bosun removed it.\n",
		    id, when, dir);
	{
		const char *ct[] = { "-c", "user.name=bosun", "-c", "user.email=bosun@localhost",
				     "commit-tree", tree.buf, "-p", parent.buf, "-m", msg.buf, NULL };
		if ((r = work_git(dir, &commit, ct)) < 0)
			goto out;
	}
	strbuf_trim(&commit);
	strbuf_setlen(ref, 0);
	strbuf_addf(ref, ATTIC "%s/%s", id, when);
	{
		const char *ur[] = { "update-ref", "-m", "bosun work: attic", ref->buf,
				     commit.buf, NULL };
		r = work_git(w->top, NULL, ur);
	}
out:
	unlink(idx.buf);
	strbuf_release(&idx);
	strbuf_release(&envv);
	strbuf_release(&tree);
	strbuf_release(&parent);
	strbuf_release(&commit);
	strbuf_release(&msg);
	return r;
}

int work_attic_keep(const struct work_where *w, const char *id, const char *commit,
		    struct strbuf *ref)
{
	const char *ur[] = { "update-ref", "-m", "bosun work: attic", NULL, commit, NULL };
	char when[64];

	stamp(when);
	strbuf_setlen(ref, 0);
	strbuf_addf(ref, ATTIC "%s/%s", id, when);
	ur[3] = ref->buf;
	return work_git(w->top, NULL, ur);
}

/* ------------------------------------------------------------ restore */

static int newest_attic(const struct work_where *w, const char *id, struct strbuf *ref)
{
	struct strbuf pat = STRBUF_INIT, out = STRBUF_INIT;
	const char *args[] = { "for-each-ref", "--sort=-refname", "--count=1",
			       "--format=%(refname)", NULL, NULL };
	int r;

	strbuf_addf(&pat, ATTIC "%s/", id);
	args[4] = pat.buf;
	if ((r = work_git(w->top, &out, args)) == 0) {
		strbuf_trim(&out);
		if (!out.len)
			r = error_set(BOSUN_ENOTFOUND, "no snapshot of '%s' under %s", id,
				      ATTIC);
		strbuf_setlen(ref, 0);
		strbuf_addbuf(ref, &out);
	}
	strbuf_release(&pat);
	strbuf_release(&out);
	return r;
}

/* ------------------------------------------------------------ clean */

static int agent_runs(const struct work_where *w, const char *id, long *pid)
{
	struct strbuf path = STRBUF_INIT;
	struct proc_owner o;
	int r = 0;

	strbuf_addf(&path, "%s/%s/agent.pid", w->state, id);
	if (pidfile_read(&o, path.buf) == 0 && proc_owner_alive(&o)) {
		*pid = (long)o.pid;
		r = 1;
	}
	error_clear();
	strbuf_release(&path);
	return r;
}

/* git worktree remove deletes the files, then its admin folder; killed
 * in between, neither is whole. */
static int half_removed(const char *dir, const char *admin)
{
	static const char *const need[] = { "HEAD", "commondir", "gitdir", NULL };
	struct strbuf p = STRBUF_INIT;
	int half;
	size_t i;

	strbuf_addf(&p, "%s/.git", dir);
	half = !fs_exists(p.buf);
	for (i = 0; !half && need[i]; i++) {
		strbuf_setlen(&p, 0);
		strbuf_addf(&p, "%s/%s", admin, need[i]);
		half = !fs_exists(p.buf);
	}
	strbuf_release(&p);
	return half;
}

/*
 * The snapshot is recorded in the store ("removing", spawn.attic) before
 * anything is removed, so a clean killed while git deletes files is
 * finished by the next one without a second snapshot of a half-deleted
 * folder.
 */
static int clean_one(struct store *st, const struct work_where *w,
		     const struct work_config *wc, const char *id, const char *dir,
		     const char *branch, int force, json_t *data, const char *state,
		     struct work_removal *res)
{
	json_t *spawn = json_object_get(data, "spawn");
	const char *done = !strcmp(state, "removing") ?
		json_string_value(json_object_get(spawn, "attic")) : NULL;
	struct strbuf task = STRBUF_INIT;
	struct strbuf admin = STRBUF_INIT, ref = STRBUF_INIT, tip = STRBUF_INIT;
	const char *rm[] = { "worktree", "remove", "--force", dir, NULL };
	const char *verify[] = { "rev-parse", "-q", "--verify", NULL, NULL };
	long pid = 0;
	int r = 0, registered = work_find_admin(w, dir, &admin);

	if (!force && agent_runs(w, id, &pid)) {
		r = error_set(BOSUN_EBUSY, "its agent runs (pid %ld): stop it first, "
			      "or use --force", pid);
		goto out;
	}
	strbuf_add(&task, id, strcspn(id, "/"));
	if (done) {
		/* a removal that was killed: its snapshot is taken */
		res->attic = xstrdup(done);
		if (registered && fs_is_dir(dir) && half_removed(dir, admin.buf)) {
			if ((r = fs_remove_tree(dir)) < 0 || (r = fs_remove_tree(admin.buf)) < 0)
				goto out;
		} else if (registered && (r = work_git(w->top, NULL, rm)) < 0) {
			goto out;
		} else if (!registered && fs_exists(dir) && (r = fs_remove_tree(dir)) < 0) {
			goto out;
		}
	} else if (registered && fs_is_dir(dir)) {
		if ((r = work_snapshot(w, wc, id, dir, &ref)) < 0)
			goto out;
		res->attic = xstrdup(ref.buf);
		json_object_set_new(spawn, "attic", json_string(ref.buf));
		if ((r = work_item_save(st, id, task.buf, "removing", data)) < 0 ||
		    (r = work_git(w->top, NULL, rm)) < 0)
			goto out;
	} else if (registered) {
		/* its folder is gone already: only git's record is left */
		if ((r = fs_remove_tree(admin.buf)) < 0)
			goto out;
	} else if (fs_exists(dir)) {
		r = error_set(BOSUN_EUSAGE, "'%s' is not a worktree of this repository: "
			      "left alone", dir);
		goto out;
	}
	strbuf_setlen(&tip, 0);
	strbuf_addf(&tip, "refs/heads/%s", branch);
	verify[3] = tip.buf;
	if (work_git(w->top, NULL, verify) == 0) {
		/* the branch's commits stay reachable from the attic */
		const char *del[] = { "update-ref", "-d", tip.buf, NULL };
		if (!res->attic) {
			struct strbuf out = STRBUF_INIT;
			const char *head[] = { "rev-parse", tip.buf, NULL };
			if ((r = work_git(w->top, &out, head)) == 0) {
				strbuf_trim(&out);
				r = work_attic_keep(w, id, out.buf, &ref);
			}
			strbuf_release(&out);
			if (r < 0)
				goto out;
			res->attic = xstrdup(ref.buf);
		}
		/* a lock a git killed with a clean left would block it for good */
		if ((r = work_settle_ref_lock(w, tip.buf, dir)) < 0 ||
		    (r = work_git(w->top, NULL, del)) < 0)
			goto out;
	} else {
		error_clear();
	}
	res->action = xstrdup(res->attic ? "snapshot, removed" : "nothing to remove");
out:
	strbuf_release(&admin);
	strbuf_release(&ref);
	strbuf_release(&tip);
	strbuf_release(&task);
	return r;
}

static int streams_of(struct store *st, const char *task, struct work_plan *p)
{
	return work_plan_load(st, task, p);
}

int work_clean(struct store *st, const struct work_where *w,
	       const struct work_config *wc, const struct work_spawn_opts *opts,
	       int force, struct work_removal **out, size_t *nr)
{
	struct work_plan p = WORK_PLAN_INIT;
	struct strbuf id = STRBUF_INIT, state = STRBUF_INIT;
	size_t i, k, failed = 0;
	int r, tries;

	*out = NULL;
	*nr = 0;
	if ((r = streams_of(st, opts->task, &p)) < 0)
		goto out;
	for (i = 0; opts->only && opts->only[i]; i++) {
		for (k = 0; k < p.nr && strcmp(p.ws[k].id, opts->only[i]); k++)
			;
		if (k == p.nr) {
			r = error_set(BOSUN_EUSAGE, "plan '%s' has no workstream '%s'",
				      p.task, opts->only[i]);
			goto out;
		}
	}
	*out = xcalloc(p.nr + 1, sizeof(**out));
	for (i = 0; i < p.nr; i++) {
		const struct work_stream *ws = &p.ws[p.order[i]];
		struct work_removal *res = &(*out)[*nr];
		json_t *data = NULL, *spawn;
		int sel = !opts->only || !opts->only[0];
		for (k = 0; !sel && opts->only[k]; k++)
			sel = !strcmp(opts->only[k], ws->id);
		if (!sel)
			continue;
		strbuf_setlen(&id, 0);
		strbuf_addf(&id, "%s/%s", p.task, ws->id);
		if ((r = work_item_load(st, id.buf, &data, &state)) < 0)
			goto out;
		spawn = json_object_get(data, "spawn");
		res->id = xstrdup(id.buf);
		(*nr)++;
		if (!spawn || !strcmp(state.buf, "cleaned")) {
			res->action = xstrdup("not spawned");
			json_decref(data);
			continue;
		}
		res->dir = xstrdup(json_string_value(json_object_get(spawn, "dir")));
		/* A git left running by a clean killed with SIGKILL may still be
		 * deleting this worktree: look again once it has had time. */
		for (tries = 0; tries < 4; tries++) {
			r = clean_one(st, w, wc, id.buf, res->dir,
				      json_string_value(json_object_get(spawn, "branch")),
				      force, data, state.buf, res);
			if (r >= 0 || r == -BOSUN_EBUSY)
				break;
			error_clear();
			free(res->attic);
			res->attic = NULL;
			time_sleep_ms(250 << tries);
			json_decref(data);
			if ((r = work_item_load(st, id.buf, &data, &state)) < 0)
				goto out;
			spawn = json_object_get(data, "spawn");
		}
		if (r == 0)
			r = work_item_save(st, id.buf, p.task, "cleaned", data);
		if (r < 0) {
			res->error = xstrdup(error_message());
			error_clear();
			failed++;
		}
		json_decref(data);
	}
	r = failed ? error_set(BOSUN_EFAIL, "%zu workstream%s refused: nothing of %s "
			       "was removed", failed, failed == 1 ? "" : "s",
			       failed == 1 ? "it" : "them") : 0;
out:
	work_plan_release(&p);
	strbuf_release(&id);
	strbuf_release(&state);
	return r;
}

int work_restore(struct store *st, const struct work_where *w, const char *id,
		 const char *ref_in, struct work_removal *res)
{
	struct strbuf ref = STRBUF_INIT, dir = STRBUF_INIT, branch = STRBUF_INIT,
		      rev = STRBUF_INIT, gone = STRBUF_INIT;
	const char *slash = strchr(id, '/');
	json_t *data = NULL, *spawn;
	struct strbuf state = STRBUF_INIT, task = STRBUF_INIT;
	int r;

	memset(res, 0, sizeof(*res));
	res->id = xstrdup(id);
	if (!slash)
		return error_set(BOSUN_EUSAGE, "restore takes TASK/ID, not '%s'", id);
	strbuf_add(&task, id, (size_t)(slash - id));
	if (ref_in)
		strbuf_addstr(&ref, ref_in);
	else if ((r = newest_attic(w, id, &ref)) < 0)
		goto out;
	if ((r = work_item_load(st, id, &data, &state)) < 0)
		goto out;
	spawn = json_object_get(data, "spawn");
	strbuf_addstr(&dir, spawn ? json_string_value(json_object_get(spawn, "dir")) : "");
	strbuf_addstr(&branch, spawn ? json_string_value(json_object_get(spawn, "branch")) : "");
	if (!dir.len || !branch.len) {
		r = error_set(BOSUN_EDATA, "the store has no folder for '%s'", id);
		goto out;
	}
	res->dir = xstrdup(dir.buf);
	res->attic = xstrdup(ref.buf);
	if (fs_exists(dir.buf)) {
		r = error_set(BOSUN_EUSAGE, "'%s' exists: restore puts a snapshot back only "
			      "where nothing is (clean it first)", dir.buf);
		goto out;
	}
	strbuf_addf(&rev, "%s^1", ref.buf);
	{
		const char *tip[] = { "rev-parse", "-q", "--verify", NULL, NULL };
		const char *add_b[] = { "worktree", "add", "-q", "-b", branch.buf, dir.buf,
					rev.buf, NULL };
		const char *add[] = { "worktree", "add", "-q", dir.buf, branch.buf, NULL };
		struct strbuf h = STRBUF_INIT;
		strbuf_addf(&h, "refs/heads/%s", branch.buf);
		tip[3] = h.buf;
		r = work_git(w->top, NULL, tip) == 0 ? work_git(w->top, NULL, add) :
			(error_clear(), work_git(w->top, NULL, add_b));
		strbuf_release(&h);
		if (r < 0)
			goto out;
	}
	{
		const char *co[] = { "checkout", ref.buf, "--", ".", NULL };
		const char *reset[] = { "reset", "-q", NULL };
		const char *deleted[] = { "diff", "--name-only", "-z", "--diff-filter=D",
					  "HEAD", ref.buf, NULL };
		const char *p, *end;
		if ((r = work_git(dir.buf, NULL, co)) < 0 ||
		    (r = work_git(dir.buf, NULL, reset)) < 0 ||
		    (r = work_git(dir.buf, &gone, deleted)) < 0)
			goto out;
		end = gone.buf + gone.len;
		for (p = gone.buf; r >= 0 && p < end; p += strlen(p) + 1) {
			struct strbuf f = STRBUF_INIT;
			fs_path_join(&f, dir.buf, p);
			r = fs_unlink(f.buf);
			strbuf_release(&f);
		}
		if (r < 0)
			goto out;
	}
	r = work_item_save(st, id, task.buf, "spawned", data);
	res->action = xstrdup("restored");
out:
	json_decref(data);
	strbuf_release(&ref);
	strbuf_release(&dir);
	strbuf_release(&branch);
	strbuf_release(&rev);
	strbuf_release(&gone);
	strbuf_release(&state);
	strbuf_release(&task);
	return r;
}
