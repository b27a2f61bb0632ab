/*
 * integrate.c - bosun work integrate (work.h, docs/work.md "Integrate"):
 * the workstreams' branches merged in merge order on an integration
 * worktree of bosun's own, tested after each merge (or once a batch, with a
 * bisection to the culprit on red), and never left red: a branch that
 * conflicts or fails the tests is ejected (a snapshot of it goes to the
 * attic) and the rest go on.
 *
 * Order of work, so that a run killed anywhere is rolled back by the next:
 *  1. an owner lock (<common>/bosun/integrate/<task>/run.lock): one run of
 *     a task at a time; a dead holder's lock is taken over at once;
 *  2. the store's integration item ("TASK:integration") holds "run" while
 *     a run works and "tip", the last tip whose tests passed. The next run
 *     that finds "run" reports the interrupted run, waits for the git it
 *     left running, aborts its merge and resets the worktree to "tip";
 *  3. the merges of a batch are recorded (tip, each one "merged") in one
 *     transaction after its tests pass; an ejection after its snapshot.
 * So the branch and the store only ever move from a green tip to a green
 * tip, and a merge that was not recorded is done again.
 */
#include "lib/work/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/meter.h"
#include "core/pidfile.h"
#include "core/proc.h"
#include "core/redact.h"
#include "core/run.h"
#include "core/time.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"
#include "lib/merge/merge.h"
#include "lib/store/store.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long the git a killed run left behind is waited for. */
#define ORPHAN_WAIT_MS 30000
/* The output kept in the report and the store: its last bytes. */
#define TAIL_BYTES 2000
/* The output of a test kept in full (its log), at most. */
#define OUTPUT_CAP (4u << 20)

struct cand {
	const struct work_stream *ws;
	char *id;               /* TASK/ID */
	char *branch;           /* work/TASK/ID */
	char *tip;              /* the branch's commit; NULL: no branch */
	char *dir;              /* its worktree (from spawn), or NULL */
	struct work_integrated *res;
	int done;               /* its result is decided */
	int ok;                 /* merged (now or before): its dependants may follow */
};

struct irun {
	struct store *st;
	const struct work_where *w;
	const struct work_config *wc;
	const struct work_integrate_opts *o;
	struct work_integration *res;
	struct work_plan p;
	struct cand *c;
	size_t nr;
	char *item_id;          /* TASK:integration */
	json_t *data;           /* the integration item's data */
	struct strbuf idir, logs;
	struct strbuf tip;      /* the last green tip */
	const char *env[6];     /* git's environment for merges */
};

void work_integration_release(struct work_integration *r)
{
	size_t i;

	for (i = 0; r->v && i < r->nr; i++) {
		free(r->v[i].id);
		free(r->v[i].branch);
		free(r->v[i].commit);
		free(r->v[i].result);
		free(r->v[i].reason);
		free(r->v[i].merge);
		free(r->v[i].output);
		free(r->v[i].log);
		free(r->v[i].attic);
	}
	free(r->v);
	free(r->task);
	free(r->branch);
	free(r->dir);
	free(r->base);
	free(r->tip);
	free(r->interrupted);
	memset(r, 0, sizeof(*r));
}

static void iso_now(char out[32])
{
	time_t t = (time_t)(time_wall_ms() / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* o's string member key, or dflt. */
static const char *jstr(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

/* ------------------------------------------------------------ git */

static int git_at(struct irun *R, struct strbuf *out, const char *const *args)
{
	return work_git_env(R->res->dir, R->env, out, args);
}

/* The commit rev names in dir, into out (trimmed): 1, or 0 when none. */
static int rev_of(const char *dir, const char *rev, struct strbuf *out)
{
	const char *args[] = { "rev-parse", "-q", "--verify", NULL, NULL };
	struct strbuf spec = STRBUF_INIT;
	struct gitrun g = GITRUN_INIT;
	int r;

	strbuf_addf(&spec, "%s^{commit}", rev);
	args[3] = spec.buf;
	g.dir = dir;
	r = gitrun_exec(&g, args);
	strbuf_setlen(out, 0);
	if (r < 0 && g.status == 1) {
		error_clear();
		r = 0;
	} else if (r == 0) {
		strbuf_addbuf(out, &g.out);
		strbuf_trim(out);
		r = 1;
	}
	gitrun_release(&g);
	strbuf_release(&spec);
	return r;
}

/* 1 when a is an ancestor of b (or b itself), 0 when not. */
static int ancestor(const char *dir, const char *a, const char *b)
{
	const char *args[] = { "merge-base", "--is-ancestor", a, b, NULL };
	struct gitrun g = GITRUN_INIT;
	int r;

	g.dir = dir;
	r = gitrun_exec(&g, args);
	if (r < 0 && g.status == 1) {
		error_clear();
		r = 0;
	} else if (r == 0) {
		r = 1;
	}
	gitrun_release(&g);
	return r;
}

/* Put the integration worktree at commit, clean: no merge in progress, no
 * change, no untracked file (ignored ones, a build's, stay). */
static int reset_to(struct irun *R, const char *commit)
{
	static const char *const abort_[] = { "merge", "--abort", NULL };
	static const char *const clean[] = { "clean", "-fdq", NULL };
	const char *reset[] = { "reset", "-q", "--hard", commit, NULL };
	struct strbuf sb = STRBUF_INIT;
	int r;

	if ((r = rev_of(R->res->dir, "MERGE_HEAD", &sb)) > 0 && git_at(R, NULL, abort_) < 0)
		error_clear();  /* the reset below puts it right */
	if (r >= 0 && (r = git_at(R, NULL, reset)) == 0)
		r = git_at(R, NULL, clean);
	strbuf_release(&sb);
	return r < 0 ? error_prefix("cannot reset the integration worktree to %.12s",
				    commit) : 0;
}

/* ------------------------------------------------------------ the store */

static int item_load(struct irun *R)
{
	struct store_work_item it = { 0 };
	json_error_t je;
	int r = store_work_get(R->st, R->item_id, &it);

	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		R->data = json_object();
		return 0;
	}
	if (r < 0)
		return r;
	R->data = json_loads(it.data ? it.data : "", 0, &je);
	store_work_clear(&it);
	if (!json_is_object(R->data)) {
		json_decref(R->data);
		R->data = NULL;
		return error_set(BOSUN_EDATA, "the store holds a malformed integration "
				 "record '%s'", R->item_id);
	}
	return 0;
}

static int item_put(struct irun *R)
{
	struct store_work_item it = { 0 };
	char *text = json_dumps(R->data, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	it.id = R->item_id;
	it.kind = "integration";
	it.state = json_is_null(json_object_get(R->data, "run")) ||
		   !json_object_get(R->data, "run") ? "idle" : "running";
	it.data = text;
	r = store_work_put(R->st, &it);
	free(text);
	return r;
}

/* One transaction: the integration item, and states for some workstreams. */
static int record(struct irun *R, struct cand **set, size_t n, const char *state)
{
	size_t i;
	int r;

	if ((r = store_begin(R->st, STORE_TX_WRITE)) < 0)
		return r;
	r = item_put(R);
	for (i = 0; r >= 0 && i < n; i++) {
		r = store_work_set_state(R->st, set[i]->id, NULL, state);
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			r = 0;
		}
	}
	r = r < 0 ? r : store_commit(R->st);
	if (r < 0)
		store_rollback(R->st);
	return r;
}

/* The run's journal: what it does now (for the report of a killed run). */
/* The step on the command's progress line: "testing, 2 of 5 branches"
 * (those decided so far). */
static void progress_step(struct irun *R, const char *step)
{
	const char *name = !strcmp(step, "merge") ? "merging" :
			   !strcmp(step, "test") ? "testing" :
			   !strcmp(step, "bisect") ? "bisecting" : step;
	size_t i, done = 0;

	if (!R->o->progress)
		return;
	for (i = 0; i < R->nr; i++)
		done += R->c[i].done;
	meter_phase(R->o->progress, name, R->nr, 0);
	meter_set(R->o->progress, done, 0);
}

static int journal(struct irun *R, const char *step, const struct cand *c)
{
	json_t *run = json_object_get(R->data, "run");

	progress_step(R, step);
	if (!json_is_object(run))
		return 0;
	json_object_set_new(run, "step", json_string(step));
	json_object_set_new(run, "workstream", c ? json_string(c->ws->id) : json_null());
	return record(R, NULL, 0, NULL);
}

/* ------------------------------------------------------------ the worktree */

static int branch_taken_check(struct irun *R, const char *branch)
{
	static const char *const list[] = { "worktree", "list", "--porcelain", NULL };
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT, dir = STRBUF_INIT;
	char *line, *save = NULL;
	int r;

	if ((r = work_git(R->w->top, &out, list)) < 0)
		goto out;
	strbuf_addf(&want, "branch refs/heads/%s", branch);
	for (line = strtok_r(out.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "worktree ", 9)) {
			strbuf_setlen(&dir, 0);
			strbuf_addstr(&dir, line + 9);
		} else if (!strcmp(line, want.buf) && strcmp(dir.buf, R->res->dir)) {
			r = error_set(BOSUN_EUSAGE, "the integration branch '%s' is checked "
				      "out in '%s': bosun never takes a branch another "
				      "worktree holds", branch, dir.buf);
			break;
		}
	}
out:
	strbuf_release(&out);
	strbuf_release(&want);
	strbuf_release(&dir);
	return r;
}

/* Whether the registered worktree at dir (admin: git's folder of it) is
 * whole: git was not killed making it, and its folder is there. */
static int worktree_whole(const char *dir, const char *admin)
{
	struct strbuf sb = STRBUF_INIT;
	int whole;

	strbuf_addf(&sb, "%s/.git", dir);
	whole = fs_exists(sb.buf);
	strbuf_setlen(&sb, 0);
	strbuf_addf(&sb, "%s/locked", admin);
	whole = whole && !fs_exists(sb.buf);
	strbuf_release(&sb);
	return whole;
}

/* The integration worktree, made on first use (and again when a killed
 * run left it half made), on its branch; the merge driver registered for
 * it alone. */
static int ensure_worktree(struct irun *R, const char *base)
{
	static const char *const sym[] = { "symbolic-ref", "-q", "HEAD", NULL };
	struct strbuf admin = STRBUF_INIT, ref = STRBUF_INIT, sb = STRBUF_INIT;
	const char *dir = R->res->dir, *branch = R->res->branch;
	const char *co[] = { "checkout", "-q", "-f", branch, NULL };
	int registered, r, has_branch;

	if ((r = branch_taken_check(R, branch)) < 0)
		goto out;
	registered = work_find_admin(R->w, dir, &admin);
	if (registered && !worktree_whole(dir, admin.buf)) {
		/* git was killed making it, or its folder went: make it again
		 * (it holds nothing but bosun's merges, all in the branch) */
		if ((r = fs_remove_tree(admin.buf)) < 0)
			goto out;
		registered = 0;
	}
	if (!registered && fs_exists(dir) && (r = fs_remove_tree(dir)) < 0)
		goto out;
	strbuf_addf(&ref, "refs/heads/%s", branch);
	if ((r = has_branch = rev_of(R->w->top, ref.buf, &sb)) < 0)
		goto out;
	if (!registered) {
		const char *add[] = { "worktree", "add", "-q", dir, branch, NULL };
		const char *add_b[] = { "worktree", "add", "-q", "-b", branch, dir, base, NULL };
		if ((r = fs_mkdir_p(R->idir.buf)) < 0 ||
		    (r = work_git(R->w->top, NULL, has_branch ? add : add_b)) < 0)
			goto out;
		work_find_admin(R->w, dir, &admin);
	}
	/* a run never moves HEAD off the branch; put it back if someone did */
	if (work_git(dir, &sb, sym) < 0 || (strbuf_trim(&sb), strcmp(sb.buf, ref.buf))) {
		error_clear();
		if ((r = work_git(dir, NULL, co)) < 0)
			goto out;
	}
	r = 0;
	if (R->o->driver) {
		struct repo repo = { 0 };
		repo.workdir = (char *)dir;
		repo.gitdir = admin.buf;
		repo.common_dir = R->w->common_dir;
		if ((r = merge_register(&repo, R->o->cfg, MERGE_SCOPE_WORKTREE,
					R->o->driver)) > 0)
			r = 0;
	}
out:
	strbuf_release(&admin);
	strbuf_release(&ref);
	strbuf_release(&sb);
	return r;
}

/*
 * A killed run leaves its children running (kill -9 kills bosun, not
 * them): wait (bounded) for the git ones working in the integration
 * worktree and, after a run that was under way (killed), for anything
 * else there (its tests). Then the locks a git killed with it left are
 * stale: nothing but integrate works in that worktree, and integrate
 * holds its lock. They go, so that no lock blocks the next git.
 */
static void clear_stale(struct irun *R, int killed)
{
	long long deadline = time_mono_ms() + ORPHAN_WAIT_MS;
	struct strbuf admin = STRBUF_INIT, p = STRBUF_INIT;
	struct dirent *e;
	DIR *d;

	while (fs_exists(R->res->dir) && proc_any_in_dir(R->res->dir, killed ? NULL : "git") &&
	       time_mono_ms() < deadline)
		time_sleep_ms(20);
	if (!work_find_admin(R->w, R->res->dir, &admin))
		goto out;
	if ((d = opendir(admin.buf))) {
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l <= 5 || strcmp(e->d_name + l - 5, ".lock"))
				continue;
			strbuf_setlen(&p, 0);
			strbuf_addf(&p, "%s/%s", admin.buf, e->d_name);
			if (fs_unlink(p.buf) < 0)
				error_clear();
		}
		closedir(d);
	}
	strbuf_setlen(&p, 0);
	strbuf_addf(&p, "%s/refs/heads/%s.lock", R->w->common_dir, R->res->branch);
	if (fs_unlink(p.buf) < 0)
		error_clear();
out:
	strbuf_release(&admin);
	strbuf_release(&p);
}

/* ------------------------------------------------------------ tests */

static void tail_of(struct strbuf *out, const char *s, size_t len)
{
	size_t from = len > TAIL_BYTES ? len - TAIL_BYTES : 0;

	/* start at a line */
	while (from && from < len && s[from - 1] != '\n')
		from++;
	strbuf_setlen(out, 0);
	redact_with(out, s + from, len - from, REDACT_ALL);
}

static void add_command_line(struct strbuf *sb, const char *const *argv)
{
	size_t i;

	strbuf_addstr(sb, "$");
	for (i = 0; argv[i]; i++) {
		strbuf_addch(sb, ' ');
		strbuf_add_shell_quoted(sb, argv[i]);
	}
	strbuf_addch(sb, '\n');
}

/* Run one command in the integration worktree; *failed set when it did
 * not exit 0; its output appended to out. */
static int run_one(struct irun *R, const char *const *argv, int *failed,
		   struct strbuf *out)
{
	struct child c = CHILD_INIT;
	const char *env[] = { NULL, NULL };
	struct strbuf ev = STRBUF_INIT;
	int r;

	strbuf_addf(&ev, "BOSUN_INTEGRATE_TASK=%s", R->p.task);
	env[0] = ev.buf;
	c.argv = argv;
	c.env = env;
	c.dir = R->res->dir;
	c.capture = 1;
	c.merge_err = 1;
	c.out_cap = OUTPUT_CAP;
	c.timeout_ms = R->o->test_timeout_ms > 0 ? (int)R->o->test_timeout_ms : 0;
	add_command_line(out, argv);
	r = child_run(&c);
	if (r < 0) {
		/* a test command that cannot start is a red test, not an error */
		strbuf_addf(out, "%s\n", error_message());
		error_clear();
		*failed = 1;
		r = 0;
	} else {
		strbuf_addbuf(out, &c.out);
		if (c.timed_out)
			strbuf_addf(out, "(timed out after %lld s)\n",
				    R->o->test_timeout_ms / 1000);
		else if (c.status)
			strbuf_addf(out, "(exit %d)\n", c.status);
		*failed = c.status != 0;
	}
	child_release(&c);
	strbuf_release(&ev);
	return r;
}

/* The tests for the tip holding members: each one's own test command
 * (one string runs under sh -c), then work.test. *green: all passed (or
 * there was none). */
static int run_tests(struct irun *R, struct cand **members, size_t n, int *green,
		     struct strbuf *out)
{
	size_t i, k, ran = 0;
	int failed = 0, r = 0;

	strbuf_setlen(out, 0);
	*green = 1;
	for (i = 0; i < n && !failed && r >= 0; i++) {
		const struct work_stream *ws = members[i]->ws;
		const char **argv;
		if (!ws->test_nr)
			continue;
		argv = xcalloc(ws->test_nr + 3, sizeof(*argv));
		if (ws->test_nr == 1) {
			argv[0] = "sh";
			argv[1] = "-c";
			argv[2] = ws->test[0];
		} else {
			for (k = 0; k < ws->test_nr; k++)
				argv[k] = ws->test[k];
		}
		r = run_one(R, argv, &failed, out);
		ran++;
		free(argv);
	}
	if (!failed && r >= 0 && R->o->test && json_array_size(R->o->test)) {
		size_t tn = json_array_size(R->o->test);
		const char **argv = xcalloc(tn + 1, sizeof(*argv));
		for (k = 0; k < tn; k++) {
			const char *s = json_string_value(json_array_get(R->o->test, k));
			argv[k] = s ? s : "";
		}
		r = run_one(R, argv, &failed, out);
		ran++;
		free(argv);
	}
	if (ran)
		R->res->test_runs++;
	*green = !failed;
	return r;
}

/* ------------------------------------------------------------ ejection */

static int write_log(struct irun *R, struct cand *c, const struct strbuf *output)
{
	struct strbuf path = STRBUF_INIT, red = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "%s/%s.log", R->logs.buf, c->ws->id);
	redact(&red, output->buf, output->len);
	if ((r = fs_mkdir_p(R->logs.buf)) == 0 &&
	    (r = write_file_atomic(path.buf, red.buf, red.len, 0666)) == 0)
		set_str(&c->res->log, path.buf);
	strbuf_release(&path);
	strbuf_release(&red);
	return r;
}

/* Take c out: a snapshot of it in the attic (its worktree with everything
 * in it when it has one, else its branch's commit), the output kept, the
 * store told. The integration worktree is at the green tip already. */
static int eject(struct irun *R, struct cand *c, const char *reason,
		 const struct strbuf *output)
{
	struct strbuf ref = STRBUF_INIT, admin = STRBUF_INIT;
	json_t *ej;
	char when[32];
	int r;

	set_str(&c->res->result, "ejected");
	set_str(&c->res->reason, reason);
	if (output && output->len) {
		struct strbuf t = STRBUF_INIT;
		tail_of(&t, output->buf, output->len);
		c->res->output = strbuf_detach(&t, NULL);
		if ((r = write_log(R, c, output)) < 0)
			goto out;
	}
	r = -1;
	if (c->dir && fs_is_dir(c->dir) && work_find_admin(R->w, c->dir, &admin)) {
		struct strbuf head = STRBUF_INIT;
		/* the worktree's own state, when it is the ejected commit's */
		if (rev_of(c->dir, "HEAD", &head) > 0 && !strcmp(head.buf, c->tip))
			r = work_snapshot(R->w, R->wc, c->id, c->dir, &ref);
		if (r < 0)
			error_clear();
		strbuf_release(&head);
	}
	if (r < 0 && (r = work_attic_keep(R->w, c->id, c->tip, &ref)) < 0)
		goto out;
	set_str(&c->res->attic, ref.buf);
	iso_now(when);
	ej = json_object_get(R->data, "ejected");
	if (!json_is_object(ej)) {
		ej = json_object();
		json_object_set_new(R->data, "ejected", ej);
	}
	json_object_set_new(ej, c->ws->id, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s}",
		"commit", c->tip, "reason", reason, "attic", ref.buf,
		"log", c->res->log, "output", c->res->output, "at", when));
	json_object_del(json_object_get(R->data, "merged"), c->ws->id);
	r = record(R, &c, 1, "ejected");
out:
	c->done = 1;
	c->ok = 0;
	strbuf_release(&ref);
	strbuf_release(&admin);
	return r;
}

/* ------------------------------------------------------------ merging */

/* Whether c can be merged now: 1 yes; 0 decided otherwise (already
 * merged, no branch, ejected and unchanged since, a dependency not
 * merged), with its result set. */
static int ready(struct irun *R, struct cand *c, struct cand **pending, size_t np)
{
	json_t *ej = json_object_get(json_object_get(R->data, "ejected"), c->ws->id);
	json_t *mg = json_object_get(json_object_get(R->data, "merged"), c->ws->id);
	size_t i, k;
	int r;

	if (c->tip && (r = ancestor(R->w->top, c->tip, R->tip.buf)) != 0) {
		if (r < 0)
			return r;
		set_str(&c->res->result, "already merged");
		set_str(&c->res->merge, json_string_value(json_object_get(mg, "merge")));
		c->done = c->ok = 1;
		return 0;
	}
	if (!c->tip) {
		const char *m = json_string_value(json_object_get(mg, "merge"));
		if (m && ancestor(R->w->top, m, R->tip.buf) > 0) {
			set_str(&c->res->result, "already merged");
			set_str(&c->res->merge, m);
			c->done = c->ok = 1;
			return 0;
		}
		error_clear();
		set_str(&c->res->result, "skipped");
		set_str(&c->res->reason, "it has no branch: not spawned, or cleaned");
		c->done = 1;
		return 0;
	}
	for (i = 0; i < c->ws->depends_nr; i++) {
		const char *dep = c->ws->depends_on[i];
		struct cand *d = NULL;
		int in_batch = 0;
		for (k = 0; k < R->nr; k++)
			if (!strcmp(R->c[k].ws->id, dep))
				d = &R->c[k];
		for (k = 0; k < np; k++)
			in_batch |= pending[k] == d;
		if (d && (d->ok || in_batch))
			continue;
		{
			struct strbuf why = STRBUF_INIT;
			strbuf_addf(&why, "it depends on '%s', which %s", dep,
				    !d ? "is not in the plan" :
				    d->res->result && !strcmp(d->res->result, "ejected") ?
				    "was ejected" : "was not merged");
			set_str(&c->res->result, "skipped");
			c->res->reason = strbuf_detach(&why, NULL);
			c->done = 1;
			return 0;
		}
	}
	if (json_is_object(ej) &&
	    !strcmp(jstr(ej, "commit", ""), c->tip)) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addf(&why, "ejected before (%s); its branch has not changed since",
			    jstr(ej, "reason", "?"));
		set_str(&c->res->result, "ejected");
		c->res->reason = strbuf_detach(&why, NULL);
		set_str(&c->res->attic, json_string_value(json_object_get(ej, "attic")));
		set_str(&c->res->log, json_string_value(json_object_get(ej, "log")));
		set_str(&c->res->output, json_string_value(json_object_get(ej, "output")));
		c->done = 1;
		return 0;
	}
	return 1;
}

/* A conflict marker at the start of an added line. */
static const char *marker_in_diff(const char *d, size_t len)
{
	const char *p = d, *end = d + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (l >= 8 && p[0] == '+' &&
		    (!strncmp(p + 1, "<<<<<<<", 7) || !strncmp(p + 1, ">>>>>>>", 7)) &&
		    (l == 8 || p[8] == ' '))
			return p;
		if (l == 8 && p[0] == '+' && !strncmp(p + 1, "=======", 7))
			return p;
		p += l + 1;
	}
	return NULL;
}

/*
 * Merge c onto the worktree's HEAD (prev). 0: merged, new HEAD in *merge;
 * 1: it could not be merged (a conflict, or it would bring conflict
 * markers in): the merge is undone, and why is in reason and output.
 */
static int merge_one(struct irun *R, struct cand *c, const char *prev,
		     struct strbuf *merge, struct strbuf *reason, struct strbuf *output)
{
	static const char *const unmerged[] = { "diff", "--name-only", "--diff-filter=U", NULL };
	struct strbuf msg = STRBUF_INIT, files = STRBUF_INIT, d = STRBUF_INIT,
		      ref = STRBUF_INIT;
	const char *args[] = { "merge", "--no-ff", "--no-edit", "-m", NULL, ref.buf, NULL };
	struct gitrun g = GITRUN_INIT;
	int r;

	strbuf_addf(&ref, "refs/heads/%s", c->branch);
	args[5] = ref.buf;
	strbuf_addf(&msg, "Merge %s (bosun work integrate)\n\nWorkstream %s, %.12s.",
		    c->branch, c->id, c->tip);
	args[4] = msg.buf;
	g.dir = R->res->dir;
	g.env = R->env;
	g.merge_err = 1;
	r = gitrun_exec(&g, args);
	strbuf_setlen(output, 0);
	strbuf_setlen(reason, 0);
	if (r < 0) {
		strbuf_addstr(output, error_message());
		strbuf_addch(output, '\n');
		strbuf_addbuf(output, &g.out);
		error_clear();
		if (git_at(R, &files, unmerged) == 0 && files.len) {
			strbuf_trim(&files);
			for (size_t i = 0; i < files.len; i++)
				if (files.buf[i] == '\n')
					files.buf[i] = ' ';
			strbuf_addf(reason, "merge conflict: %s", files.buf);
		} else {
			error_clear();
			strbuf_addf(reason, "the merge failed: %s", output->buf);
			strbuf_setlen(reason, strcspn(reason->buf, "\n"));
		}
		r = reset_to(R, prev);
		r = r < 0 ? r : 1;
		goto out;
	}
	if ((r = rev_of(R->res->dir, "HEAD", merge)) < 0)
		goto out;
	{
		/* git's merge writes markers only with a conflict; a branch can
		 * still have committed some */
		const char *diff[] = { "diff", "--no-color", "--no-ext-diff", "-U0", prev,
				       merge->buf, NULL };
		const char *at;
		if ((r = git_at(R, &d, diff)) < 0)
			goto out;
		if ((at = marker_in_diff(d.buf, d.len))) {
			strbuf_addstr(reason, "it brings conflict markers in");
			strbuf_add(output, at + 1, strcspn(at + 1, "\n"));
			strbuf_addch(output, '\n');
			r = reset_to(R, prev);
			r = r < 0 ? r : 1;
			goto out;
		}
	}
	r = 0;
out:
	gitrun_release(&g);
	strbuf_release(&msg);
	strbuf_release(&files);
	strbuf_release(&d);
	strbuf_release(&ref);
	return r;
}

/* The batch is green at the worktree's HEAD: record its members merged. */
static int record_merged(struct irun *R, struct cand **m, char **tips, size_t n,
			 const char *tip)
{
	json_t *mg = json_object_get(R->data, "merged");
	char when[32];
	size_t i;

	iso_now(when);
	if (!json_is_object(mg)) {
		mg = json_object();
		json_object_set_new(R->data, "merged", mg);
	}
	for (i = 0; i < n; i++) {
		set_str(&m[i]->res->result, "merged");
		set_str(&m[i]->res->merge, tips[i]);
		m[i]->done = m[i]->ok = 1;
		json_object_set_new(mg, m[i]->ws->id, json_pack("{s:s, s:s, s:s}",
			"commit", m[i]->tip, "merge", tips[i], "at", when));
		json_object_del(json_object_get(R->data, "ejected"), m[i]->ws->id);
	}
	strbuf_setlen(&R->tip, 0);
	strbuf_addstr(&R->tip, tip);
	json_object_set_new(R->data, "tip", json_string(tip));
	return record(R, m, n, "merged");
}

/*
 * Merge up to batch candidates from the first undecided one, test once;
 * on red, bisect the batch's tips to the first red one (the culprit):
 * those before it are merged, it is ejected, those after it go back to
 * the queue. Returns 0 when there is nothing left to do, 1 to go on.
 */
static int one_batch(struct irun *R, size_t batch)
{
	struct cand **m = xcalloc(batch + 1, sizeof(*m));
	char **tips = xcalloc(batch + 1, sizeof(*tips));
	struct strbuf merge = STRBUF_INIT, reason = STRBUF_INIT, output = STRBUF_INIT,
		      out_hi = STRBUF_INIT;
	char *start = xstrdup(R->tip.buf);
	size_t i, n = 0, left = 0;
	long lo, hi, mid;
	int r = 0, green;

	for (i = 0; i < R->nr && n < batch; i++) {
		struct cand *c = &R->c[i];
		if (c->done)
			continue;
		left++;
		if ((r = ready(R, c, m, n)) < 0)
			goto out;
		if (!r)
			continue;
		if ((r = journal(R, "merge", c)) < 0)
			goto out;
		if ((r = merge_one(R, c, n ? tips[n - 1] : start, &merge, &reason,
				   &output)) < 0)
			goto out;
		if (r == 1) {
			if ((r = eject(R, c, reason.buf, &output)) < 0)
				goto out;
			continue;
		}
		m[n] = c;
		tips[n++] = xstrdup(merge.buf);
	}
	r = left > 0;
	if (!n)
		goto out;
	if ((r = journal(R, "test", m[n - 1])) < 0 ||
	    (r = run_tests(R, m, n, &green, &out_hi)) < 0)
		goto out;
	if (green) {
		r = record_merged(R, m, tips, n, tips[n - 1]);
		r = r < 0 ? r : 1;
		goto out;
	}
	/* tips[-1] (start) is green, tips[hi] red: halve until they touch */
	lo = -1;
	hi = (long)n - 1;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if ((r = journal(R, "bisect", m[mid])) < 0 ||
		    (r = reset_to(R, tips[mid])) < 0 ||
		    (r = run_tests(R, m, (size_t)mid + 1, &green, &output)) < 0)
			goto out;
		if (green) {
			lo = mid;
		} else {
			hi = mid;
			strbuf_setlen(&out_hi, 0);
			strbuf_addbuf(&out_hi, &output);
		}
	}
	if ((r = reset_to(R, lo >= 0 ? tips[lo] : start)) < 0)
		goto out;
	if (lo >= 0 && (r = record_merged(R, m, tips, (size_t)lo + 1, tips[lo])) < 0)
		goto out;
	if ((r = eject(R, m[hi], "the tests failed", &out_hi)) < 0)
		goto out;
	/* those after the culprit were merged on top of it: again, without */
	for (i = (size_t)hi + 1; i < n; i++) {
		set_str(&m[i]->res->result, NULL);
		m[i]->done = 0;
	}
	r = 1;
out:
	for (i = 0; i < n; i++)
		free(tips[i]);
	free(tips);
	free(m);
	free(start);
	strbuf_release(&merge);
	strbuf_release(&reason);
	strbuf_release(&output);
	strbuf_release(&out_hi);
	return r;
}

/* ------------------------------------------------------------ dry run */

static int dry_run(struct irun *R, const char *tip)
{
	size_t i;
	int r = 0;

	strbuf_setlen(&R->tip, 0);
	strbuf_addstr(&R->tip, tip);
	for (i = 0; i < R->nr; i++) {
		struct cand *c = &R->c[i];
		struct gitrun g = GITRUN_INIT;
		const char *mt[] = { "merge-tree", "--write-tree", "--name-only", "--no-messages",
				     tip, c->tip, NULL };
		if ((r = ready(R, c, NULL, 0)) < 0)
			break;
		if (!r)
			continue;
		g.dir = R->w->top;
		r = gitrun_exec(&g, mt);
		if (r < 0 && g.status == 1) {
			/* the tree, then the conflicted files, one a line */
			const char *files = strchr(g.out.buf, '\n');
			struct strbuf why = STRBUF_INIT;
			error_clear();
			strbuf_addstr(&why, "merge conflict with the integration tip:");
			for (const char *p = files; p && p[1]; p = strchr(p + 1, '\n')) {
				size_t l = strcspn(p + 1, "\n");
				if (!l)
					break;
				strbuf_addch(&why, ' ');
				strbuf_add(&why, p + 1, l);
			}
			set_str(&c->res->result, "would conflict");
			c->res->reason = strbuf_detach(&why, NULL);
			c->done = 1;
			r = 0;
		} else if (r == 0) {
			set_str(&c->res->result, "would merge");
			c->done = c->ok = 1;
		}
		gitrun_release(&g);
		if (r < 0)
			break;
	}
	return r;
}

/* ------------------------------------------------------------ the run */

static int load_candidates(struct irun *R)
{
	struct strbuf sb = STRBUF_INIT, tip = STRBUF_INIT;
	size_t i;
	int r = 0;

	R->c = xcalloc(R->p.nr + 1, sizeof(*R->c));
	R->res->v = xcalloc(R->p.nr + 1, sizeof(*R->res->v));
	for (i = 0; i < R->p.nr; i++) {
		struct cand *c = &R->c[R->nr];
		json_t *data = NULL;
		c->ws = &R->p.ws[R->p.order[i]];
		c->res = &R->res->v[R->nr];
		R->nr++;
		R->res->nr = R->nr;
		strbuf_setlen(&sb, 0);
		strbuf_addf(&sb, "%s/%s", R->p.task, c->ws->id);
		c->id = xstrdup(sb.buf);
		c->res->id = xstrdup(c->ws->id);
		strbuf_setlen(&sb, 0);
		strbuf_addf(&sb, "work/%s/%s", R->p.task, c->ws->id);
		c->branch = xstrdup(sb.buf);
		c->res->branch = xstrdup(sb.buf);
		strbuf_insert(&sb, 0, "refs/heads/", 11);
		if ((r = rev_of(R->w->top, sb.buf, &tip)) < 0)
			break;
		if (r) {
			c->tip = xstrdup(tip.buf);
			c->res->commit = xstrdup(tip.buf);
		}
		r = work_item_load(R->st, c->id, &data, NULL);
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			r = 0;
		}
		if (r < 0)
			break;
		{
			json_t *spawn = json_object_get(data, "spawn");
			const char *dir = json_string_value(json_object_get(spawn, "dir"));
			const char *base = json_string_value(json_object_get(spawn, "base"));
			if (dir)
				c->dir = xstrdup(dir);
			if (base && !R->res->base)
				R->res->base = xstrdup(base);
		}
		json_decref(data);
	}
	strbuf_release(&sb);
	strbuf_release(&tip);
	return r;
}

static int check_plan(struct irun *R)
{
	size_t i;

	for (i = 0; i < R->p.nr; i++)
		if (!strcmp(R->p.ws[i].id, "integration"))
			return error_set(BOSUN_EUSAGE, "workstream 'integration' of plan '%s' "
					 "has the integration branch's name (work/%s/integration):"
					 " rename it", R->p.task, R->p.task);
	return 0;
}

/* git needs a name for the merge commits: bosun's when none is set. */
static void identity(struct irun *R)
{
	static const char *const var[] = { "var", "GIT_COMMITTER_IDENT", NULL };
	size_t n = 0;

	R->env[n++] = "GIT_EDITOR=true";
	R->env[n++] = "GIT_MERGE_AUTOEDIT=no";
	if (work_git(R->res->dir, NULL, var) < 0) {
		error_clear();
		R->env[n++] = "GIT_COMMITTER_NAME=bosun";
		R->env[n++] = "GIT_COMMITTER_EMAIL=bosun@localhost";
	}
	R->env[n] = NULL;
}

static int start_run(struct irun *R)
{
	struct proc_owner me;
	struct strbuf sb = STRBUF_INIT;
	char when[32];
	int r;

	if ((r = proc_owner_of(&me, getpid())) < 0)
		return r;
	proc_owner_format(&sb, &me);
	strbuf_rtrim(&sb);
	iso_now(when);
	json_object_set_new(R->data, "run", json_pack("{s:s, s:s, s:s, s:n}", "owner", sb.buf,
		"started", when, "step", "start", "workstream"));
	json_object_set_new(R->data, "tip", json_string(R->tip.buf));
	json_object_set_new(R->data, "branch", json_string(R->res->branch));
	json_object_set_new(R->data, "dir", json_string(R->res->dir));
	json_object_set_new(R->data, "base", json_string(R->res->base));
	r = record(R, NULL, 0, NULL);
	strbuf_release(&sb);
	return r;
}

/* What a killed run left: report it, wait for its git, roll the worktree
 * back to the last green tip. */
static int recover(struct irun *R, json_t *run)
{
	struct strbuf sb = STRBUF_INIT;
	const char *ws = json_string_value(json_object_get(run, "workstream"));
	const char *step = json_string_value(json_object_get(run, "step"));
	int r;

	if ((r = reset_to(R, R->tip.buf)) < 0)
		return r;
	strbuf_addf(&sb, "a run started %s was interrupted (step '%s'%s%s%s); rolled back "
		    "to the last tested tip %.12s",
		    jstr(run, "started", "?"),
		    step ? step : "?", ws ? " of '" : "", ws ? ws : "", ws ? "'" : "",
		    R->tip.buf);
	R->res->interrupted = strbuf_detach(&sb, NULL);
	return 0;
}

static int integrate(struct irun *R)
{
	struct strbuf head = STRBUF_INIT;
	json_t *run;
	const char *rec_tip;
	size_t batch = R->o->batch > 0 ? (size_t)R->o->batch : R->nr + 1;
	int r;

	if ((r = item_load(R)) < 0)
		goto out;
	rec_tip = json_string_value(json_object_get(R->data, "tip"));
	if (!R->res->base && rec_tip)
		R->res->base = xstrdup(jstr(R->data, "base", rec_tip));
	if (!R->res->base) {
		r = error_set(BOSUN_EUSAGE, "plan '%s' has no spawned workstream: nothing "
			      "to integrate", R->p.task);
		error_hint("bosun work spawn %s", R->p.task);
		goto out;
	}
	if (R->o->dry_run) {
		strbuf_addf(&head, "refs/heads/%s", R->res->branch);
		if ((r = rev_of(R->w->top, head.buf, &head)) < 0)
			goto out;
		if (!r)
			strbuf_addstr(&head, R->res->base);
		set_str(&R->res->tip, head.buf);
		r = dry_run(R, head.buf);
		goto out;
	}
	run = json_object_get(R->data, "run");
	clear_stale(R, json_is_object(run));
	if ((r = ensure_worktree(R, R->res->base)) < 0 ||
	    (r = rev_of(R->res->dir, "HEAD", &head)) < 0)
		goto out;
	identity(R);
	if (json_is_object(run)) {
		strbuf_addstr(&R->tip, rec_tip ? rec_tip : R->res->base);
		if ((r = recover(R, run)) < 0)
			goto out;
	} else {
		/* no run was under way: the branch is as a finished run (or a
		 * person) left it */
		strbuf_addbuf(&R->tip, &head);
		if ((r = reset_to(R, R->tip.buf)) < 0)
			goto out;
	}
	if ((r = start_run(R)) < 0)
		goto out;
	while ((r = one_batch(R, batch)) > 0)
		;
	if (r < 0)
		goto out;
	json_object_set_new(R->data, "run", json_null());
	r = record(R, NULL, 0, NULL);
	set_str(&R->res->tip, R->tip.buf);
out:
	strbuf_release(&head);
	return r;
}

int work_integrate(struct store *st, const struct work_where *w,
		   const struct work_config *wc, const struct work_integrate_opts *o,
		   struct work_integration *res)
{
	struct irun R;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf sb = STRBUF_INIT;
	size_t i, ejected = 0, skipped = 0;
	int r, locked = 0;

	memset(res, 0, sizeof(*res));
	memset(&R, 0, sizeof(R));
	R.st = st;
	R.w = w;
	R.wc = wc;
	R.o = o;
	R.res = res;
	R.p = (struct work_plan)WORK_PLAN_INIT;
	strbuf_init(&R.idir, 0);
	strbuf_init(&R.logs, 0);
	strbuf_init(&R.tip, 0);
	if ((r = work_plan_load(st, o->task, &R.p)) < 0 || (r = check_plan(&R)) < 0)
		goto out;
	res->task = xstrdup(R.p.task);
	strbuf_addf(&R.idir, "%s/bosun/integrate/%s", w->common_dir, R.p.task);
	strbuf_addf(&R.logs, "%s/logs", R.idir.buf);
	strbuf_addf(&sb, "%s/tree", R.idir.buf);
	res->dir = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "work/%s/integration", R.p.task);
	res->branch = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s:integration", R.p.task);
	R.item_id = strbuf_detach(&sb, NULL);
	if ((r = load_candidates(&R)) < 0)
		goto out;
	if (!o->dry_run) {
		strbuf_addf(&sb, "%s/run", R.idir.buf);
		if ((r = fs_mkdir_p(R.idir.buf)) < 0)
			goto out;
		r = owner_lock_acquire(&lk, sb.buf, 0);
		if (r == -BOSUN_EBUSY) {
			error_clear();
			r = error_set(BOSUN_EBUSY, "another 'bosun work integrate' of '%s' is "
				      "running", R.p.task);
			error_hint("wait for it to end");
		}
		if (r < 0)
			goto out;
		locked = 1;
	}
	if ((r = integrate(&R)) < 0)
		goto out;
	for (i = 0; i < R.nr; i++) {
		const char *s = R.c[i].res->result;
		ejected += s && (!strcmp(s, "ejected") || !strcmp(s, "would conflict"));
		skipped += !s || !strcmp(s, "skipped");
	}
	if (ejected || skipped)
		r = error_set(BOSUN_EFAIL, "%zu of %zu workstreams %s merged: %zu %s, "
			      "%zu skipped", ejected + skipped, R.nr,
			      o->dry_run ? "would not be" : "not", ejected,
			      o->dry_run ? "would conflict" : "ejected", skipped);
out:
	if (locked)
		lock_rollback(&lk);
	for (i = 0; i < R.nr; i++) {
		free(R.c[i].id);
		free(R.c[i].branch);
		free(R.c[i].tip);
		free(R.c[i].dir);
	}
	free(R.c);
	free(R.item_id);
	json_decref(R.data);
	work_plan_release(&R.p);
	strbuf_release(&R.idir);
	strbuf_release(&R.logs);
	strbuf_release(&R.tip);
	strbuf_release(&sb);
	return r;
}
