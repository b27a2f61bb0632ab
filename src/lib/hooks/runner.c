/*
 * runner.c - hooks run: the kept original hook, then the configured checks
 * (in order; consecutive parallel commands together), on the staged
 * content, with a result per check.
 */
#include "lib/hooks/hooks.h"
#include "lib/hooks/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/glob.h"
#include "core/redact.h"
#include "core/time.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

#define OUT_CAP (1u << 20)

void hook_report_release(struct hook_report *rep)
{
	size_t i;

	if (!rep)
		return;
	for (i = 0; i < rep->nr; i++) {
		free(rep->items[i].name);
		free(rep->items[i].reason);
		strbuf_release(&rep->items[i].out);
	}
	free(rep->items);
	for (i = 0; i < rep->nr_notes; i++)
		free(rep->notes[i]);
	free(rep->notes);
	memset(rep, 0, sizeof(*rep));
}

static void add_note(struct hook_report *rep, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		if (n) {
			rep->notes = xrealloc(rep->notes, (rep->nr_notes + 2) *
					      sizeof(*rep->notes));
			rep->notes[rep->nr_notes++] = xstrndup(p, n);
			rep->notes[rep->nr_notes] = NULL;
		}
		p += n + (p[n] ? 1 : 0);
	}
}

static size_t add_result(struct hook_report *rep, const char *name)
{
	struct hook_result *res;

	ALLOC_GROW(rep->items, rep->nr + 1, rep->alloc);
	res = &rep->items[rep->nr];
	memset(res, 0, sizeof(*res));
	res->name = xstrdup(name);
	strbuf_init(&res->out, 0);
	return rep->nr++;
}

/*
 * A check's output is shown on the terminal, in --json and in the log: a
 * credential a tool printed (an env dump, a failing request's URL) is
 * redacted here, where every result passes once, before anyone sees it.
 */
static void redact_result(struct hook_result *res)
{
	struct strbuf sb = STRBUF_INIT;

	if (redact_with(&sb, res->out.buf, res->out.len, REDACT_SHAPES)) {
		strbuf_release(&res->out);
		res->out = sb;
		strbuf_init(&sb, 0);
	}
	strbuf_reset(&sb);
	if (res->reason &&
	    redact_with(&sb, res->reason, strlen(res->reason), REDACT_SHAPES)) {
		free(res->reason);
		res->reason = strbuf_detach(&sb, NULL);
	}
	strbuf_release(&sb);
}

static void finish(struct hk_run *rc, struct hook_report *rep, size_t idx)
{
	struct hook_result *res = &rep->items[idx];

	redact_result(res);
	switch (res->status) {
	case HR_PASS: rep->passed++; break;
	case HR_FAIL: rep->failed++; break;
	case HR_WARN: rep->warned++; break;
	case HR_SKIP: rep->skipped++; break;
	}
	if (rc->o->on_result)
		rc->o->on_result(res, rc->o->data);
}

static void skip(struct hk_run *rc, struct hook_report *rep, const char *name,
		 const char *why)
{
	size_t idx = add_result(rep, name);

	rep->items[idx].status = HR_SKIP;
	rep->items[idx].reason = xstrdup(why);
	finish(rc, rep, idx);
}

/* BOSUN_SKIP=name,name */
static int skipped_by_env(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (p && *p) {
		size_t l = strcspn(p, ",");

		while (l && (*p == ' ')) {
			p++;
			l--;
		}
		if ((l == n && !strncmp(p, name, n)) || (l == 3 && !strncmp(p, "all", 3)))
			return 1;
		p += l + (p[l] ? 1 : 0);
	}
	return 0;
}

/* ---- the original hook -------------------------------------------------------- */

static int run_orig(struct hk_run *rc, struct hook_report *rep)
{
	const struct hook_run_opts *o = rc->o;
	struct strbuf path = STRBUF_INIT, name = STRBUF_INIT;
	const char **argv;
	struct child c = CHILD_INIT;
	long long t0 = time_mono_ms();
	size_t idx;
	int i, r;

	hooks_orig_path(&path, rc->repo, o->hook);
	if (access(path.buf, X_OK) < 0) {
		strbuf_release(&path);
		return 0;
	}
	argv = xcalloc((size_t)o->nr_args + 2, sizeof(*argv));
	argv[0] = path.buf;
	for (i = 0; i < o->nr_args; i++)
		argv[i + 1] = o->args[i];
	c.argv = argv;
	c.in = o->in;
	c.in_len = o->in_len;
	c.inherit_stdin = !o->in;
	r = child_run(&c);
	strbuf_addf(&name, "previous %s hook", o->hook);
	idx = add_result(rep, name.buf);
	rep->items[idx].ms = time_mono_ms() - t0;
	if (r < 0 || c.status) {
		rep->items[idx].status = HR_FAIL;
		if (r < 0)
			strbuf_addstr(&rep->items[idx].out, error_message());
		error_clear();
	}
	finish(rc, rep, idx);
	child_release(&c);
	free(argv);
	strbuf_release(&name);
	strbuf_release(&path);
	return 0;
}

/* ---- files ------------------------------------------------------------------------ */

static int load_staged(struct hk_run *rc)
{
	static const char *const argv[] = { "diff", "--cached", "--name-only", "-z",
		"--diff-filter=ACMR", "--no-ext-diff", NULL };
	struct strbuf out = STRBUF_INIT;
	size_t pos = 0, alloc = 0;
	int r;

	if (rc->staged)
		return 0;
	if ((r = hk_git(hk_repo_dir(rc->repo), argv, NULL, 0, &out)) < 0)
		goto out;
	while (pos < out.len) {
		size_t l = strlen(out.buf + pos);

		ALLOC_GROW(rc->staged, rc->nr_staged + 2, alloc);
		rc->staged[rc->nr_staged++] = xstrndup(out.buf + pos, l);
		pos += l + 1;
	}
	if (!rc->staged)
		rc->staged = xcalloc(1, sizeof(*rc->staged));
	rc->staged[rc->nr_staged] = NULL;
out:
	strbuf_release(&out);
	return r;
}

static int any_match(char **pats, const char *path)
{
	size_t i;

	for (i = 0; pats && pats[i]; i++)
		if (glob_file_match(pats[i], path))
			return 1;
	return 0;
}

/* The staged files chk looks at (borrowed strings). */
static size_t match_files(struct hk_run *rc, const struct hook_check *chk,
			  char ***out)
{
	size_t i, n = 0;

	*out = xcalloc(rc->nr_staged + 1, sizeof(**out));
	for (i = 0; i < rc->nr_staged; i++) {
		const char *p = rc->staged[i];

		if (chk->glob && !any_match(chk->glob, p))
			continue;
		if (any_match(chk->exclude, p))
			continue;
		(*out)[n++] = rc->staged[i];
	}
	return n;
}

static int wants_files(const struct hook_check *chk)
{
	return chk->glob || chk->exclude || chk->pass_files ||
	       chk->builtin == HB_CONFLICT_MARKERS || chk->builtin == HB_LARGE_FILES ||
	       chk->builtin == HB_OWNERSHIP;
}

/* Checks that read the work tree need the staged content checked out. */
static int wants_stash(const struct hook_check *chk)
{
	return chk->builtin == HB_NONE || chk->builtin == HB_CONFLICT_MARKERS ||
	       chk->builtin == HB_LARGE_FILES;
}

static int has_files(const char *hook)
{
	return !strcmp(hook, "pre-commit") || !strcmp(hook, "pre-merge-commit");
}

/* ---- commands ------------------------------------------------------------------------ */

/* Bytes an exec may use for arguments, with room for the environment. */
static size_t arg_budget(void)
{
	const char *t = getenv("BOSUN_HOOKS_ARG_MAX");
	long max = sysconf(_SC_ARG_MAX);
	size_t env = 0, b;
	char **e;

	if (t && atol(t) > 0)
		return (size_t)atol(t);
	if (max <= 0)
		max = 131072;
	for (e = environ; *e; e++)
		env += strlen(*e) + 1 + sizeof(char *);
	b = (size_t)max > env + 8192 ? (size_t)max - env - 8192 : 4096;
	return b > (1u << 20) ? (1u << 20) : b;
}

struct cmdjob {
	struct hook_check *chk;
	size_t idx;             /* result */
	size_t first, nr;       /* its children */
	char **files;
	size_t nr_files;
};

struct cmdset {
	struct child *c;
	const char ***argvs;
	const char ***envs;
	size_t nr, alloc;
};

static void cmdset_release(struct cmdset *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		child_release(&s->c[i]);
		free(s->argvs[i]);
		free(s->envs[i]);
	}
	free(s->c);
	free(s->argvs);
	free(s->envs);
	memset(s, 0, sizeof(*s));
}

static const char **check_env(const struct hk_run *rc, const struct hook_check *chk,
			      char *hookvar)
{
	size_t n = 0, i;
	const char **env;

	while (chk->env && chk->env[n])
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	env[0] = hookvar;
	for (i = 0; i < n; i++)
		env[i + 1] = chk->env[i];
	(void)rc;
	return env;
}

static void add_child(struct cmdset *s, const char **argv, const char **env,
		      const struct hook_check *chk, const char *dir, int shell)
{
	struct child *c;
	size_t alloc = s->alloc;

	ALLOC_GROW(s->c, s->nr + 1, s->alloc);
	s->argvs = xrealloc(s->argvs, s->alloc * sizeof(*s->argvs));
	s->envs = xrealloc(s->envs, s->alloc * sizeof(*s->envs));
	(void)alloc;
	c = &s->c[s->nr];
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->out, 0);
	strbuf_init(&c->err, 0);
	c->argv = argv;
	c->env = env;
	c->dir = dir;
	c->use_shell = shell;
	c->capture = 1;
	c->merge_err = 1;
	c->out_cap = OUT_CAP;
	c->timeout_ms = chk ? (int)chk->timeout_ms : 0;
	s->argvs[s->nr] = argv;
	s->envs[s->nr] = env;
	s->nr++;
}

/* argv = run [+ files from..to]; a string command gets the files as "$@". */
static const char **cmd_argv(const struct hook_check *chk, char **files,
			     size_t from, size_t to)
{
	size_t n = 0, i, k = 0;
	const char **argv;

	while (chk->run[n])
		n++;
	argv = xcalloc(n + (to - from) + 2, sizeof(*argv));
	for (i = 0; i < n; i++)
		argv[k++] = chk->run[i];
	if (chk->use_shell)
		argv[k++] = chk->name; /* $0 */
	for (i = from; i < to; i++)
		argv[k++] = files[i];
	return argv;
}

static void add_command(struct hk_run *rc, struct cmdset *s, struct cmdjob *j,
			char *hookvar)
{
	const struct hook_check *chk = j->chk;
	size_t budget = arg_budget(), base = 0, i, from = 0, used;
	const char *dir = hk_repo_dir(rc->repo);

	for (i = 0; chk->run[i]; i++)
		base += strlen(chk->run[i]) + 1 + sizeof(char *);
	j->first = s->nr;
	if (!chk->pass_files) {
		add_child(s, cmd_argv(chk, NULL, 0, 0), check_env(rc, chk, hookvar),
			  chk, dir, chk->use_shell);
		j->nr = 1;
		return;
	}
	/* Split the files so that each run fits the argument limit. */
	while (from < j->nr_files) {
		used = base;
		for (i = from; i < j->nr_files; i++) {
			size_t cost = strlen(j->files[i]) + 1 + sizeof(char *);

			if (i > from && used + cost > budget)
				break;
			used += cost;
		}
		add_child(s, cmd_argv(chk, j->files, from, i),
			  check_env(rc, chk, hookvar), chk, dir, chk->use_shell);
		from = i;
	}
	j->nr = s->nr - j->first;
}

static void add_secrets(struct hk_run *rc, struct cmdset *s, struct cmdjob *j,
			char *hookvar)
{
	const char *dir = hk_repo_dir(rc->repo);
	const char **argv;
	size_t i;

	j->first = s->nr;
	if (!rc->refs) {
		argv = xcalloc(5, sizeof(*argv));
		argv[0] = rc->o->self;
		argv[1] = "scan";
		argv[2] = "secrets";
		argv[3] = "--staged";
		add_child(s, argv, check_env(rc, j->chk, hookvar), j->chk, dir, 0);
	}
	for (i = 0; rc->refs && i < rc->refs->nr; i++) {
		struct push_ref *pr = &rc->refs->items[i];
		struct strbuf range = STRBUF_INIT;

		if (push_oid_is_zero(pr->local_oid))
			continue;
		/* A new branch: the commits that are on no remote-tracking ref
		 * ("--range B" alone); else what the remote does not have. */
		if (!push_oid_is_zero(pr->remote_oid))
			strbuf_addf(&range, "%s..", pr->remote_oid);
		strbuf_addstr(&range, pr->local_oid);
		/* The range string lives as long as the argv: keep it in it. */
		argv = xcalloc(6, sizeof(*argv));
		argv[0] = rc->o->self;
		argv[1] = "scan";
		argv[2] = "secrets";
		argv[3] = "--range";
		argv[4] = strbuf_detach(&range, NULL);
		add_child(s, argv, check_env(rc, j->chk, hookvar), j->chk, dir, 0);
	}
	j->nr = s->nr - j->first;
}

static void collect(struct hook_report *rep, struct cmdset *s,
		    const struct cmdjob *j, long long ms, int parallel,
		    const char *first_err)
{
	struct hook_result *res = &rep->items[j->idx];
	size_t i;

	res->ms = ms;
	res->parallel = parallel;
	for (i = j->first; i < j->first + j->nr; i++) {
		struct child *c = &s->c[i];

		strbuf_addbuf(&res->out, &c->out);
		if (!c->pid)
			strbuf_addf(&res->out, "%s\n", first_err && *first_err ? first_err :
				    "cannot start the command");
		if (!c->status)
			continue;
		res->status = HR_FAIL;
		if (c->timed_out && !res->reason) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "timed out after %lld ms", j->chk->timeout_ms);
			res->reason = strbuf_detach(&sb, NULL);
		} else if (j->chk->builtin == HB_SECRETS && c->status != 1 && !res->reason) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "scanner error (exit %d)", c->status);
			res->reason = strbuf_detach(&sb, NULL);
		}
	}
}

static void free_secret_ranges(struct cmdset *s, const struct cmdjob *jobs,
			       size_t nj)
{
	size_t i, k;

	for (k = 0; k < nj; k++)
		if (jobs[k].chk->builtin == HB_SECRETS)
			for (i = jobs[k].first; i < jobs[k].first + jobs[k].nr; i++)
				if (s->argvs[i][3] && !strcmp(s->argvs[i][3], "--range"))
					free((char *)s->argvs[i][4]);
}

/*
 * The secrets check on the staged files in this process (hook_run_opts'
 * scan_staged): no bosun to start, no second configuration to read. It
 * runs on a thread while the group's children run.
 */
struct inproc {
	struct hk_run *rc;
	struct cmdjob *job;     /* NULL: none in this group */
	struct strbuf out;
	int status;             /* 0 clean, 1 found, 2 large files skipped, -1 error */
	pthread_t thread;
};

static int in_process(const struct hk_run *rc, const struct hook_check *chk)
{
	return chk->builtin == HB_SECRETS && !rc->refs && rc->o->scan_staged &&
	       !chk->timeout_ms && !chk->env;
}

static void run_scan(struct inproc *ip)
{
	int r = ip->rc->o->scan_staged(ip->rc->o->scan_data, &ip->out);

	if (r < 0) {
		strbuf_addf(&ip->out, "%s\n", error_message());
		error_clear();
	}
	ip->status = r < 0 ? -1 : r;
}

static void *scan_thread(void *arg)
{
	run_scan(arg);
	error_release();
	return NULL;
}

static void collect_inproc(struct hook_report *rep, const struct inproc *ip,
			   long long ms, int parallel)
{
	struct hook_result *res = &rep->items[ip->job->idx];

	res->ms = ms;
	res->parallel = parallel;
	strbuf_addbuf(&res->out, &ip->out);
	if (!ip->status)
		return;
	if (ip->status == 2) {
		/* Passing, but the names of what was not scanned are shown. */
		res->status = HR_WARN;
		res->reason = xstrdup("large files not scanned (scan.large_files: skip)");
		return;
	}
	res->status = HR_FAIL;
	if (ip->status < 0 && !res->reason)
		res->reason = xstrdup("scanner error");
}

/* Run commands (and secrets) together; results in their order. */
static int run_group(struct hk_run *rc, struct hook_report *rep,
		     struct cmdjob *jobs, size_t nj, int parallel)
{
	struct strbuf hookvar = STRBUF_INIT, first_err = STRBUF_INIT;
	struct inproc ip = { rc, NULL, STRBUF_INIT, 0, 0 };
	struct cmdset s = { 0 };
	long long t0 = time_mono_ms(), ms;
	sigset_t all, old;
	size_t k;
	int r, threaded = 0;

	strbuf_addf(&hookvar, "BOSUN_HOOK=%s", rc->o->hook);
	for (k = 0; k < nj; k++)
		if (!ip.job && in_process(rc, jobs[k].chk))
			ip.job = &jobs[k];
		else if (jobs[k].chk->builtin == HB_SECRETS)
			add_secrets(rc, &s, &jobs[k], hookvar.buf);
		else
			add_command(rc, &s, &jobs[k], hookvar.buf);
	if (ip.job && s.nr && parallel) {
		/* Signals stay with this thread, which runs the children. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		threaded = !pthread_create(&ip.thread, NULL, scan_thread, &ip);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (ip.job && !threaded)
		run_scan(&ip);
	r = child_run_parallel(s.c, s.nr, parallel ? 0 : 1);
	if (r < 0) {
		strbuf_addstr(&first_err, error_message());
		error_clear();
	}
	if (threaded)
		pthread_join(ip.thread, NULL);
	ms = time_mono_ms() - t0;
	for (k = 0; k < nj; k++) {
		if (&jobs[k] == ip.job)
			collect_inproc(rep, &ip, ms, nj > 1);
		else
			collect(rep, &s, &jobs[k], ms, nj > 1, first_err.buf);
		finish(rc, rep, jobs[k].idx);
	}
	strbuf_release(&ip.out);
	free_secret_ranges(&s, jobs, nj);
	cmdset_release(&s);
	strbuf_release(&first_err);
	strbuf_release(&hookvar);
	return 0;
}

/* ---- stage_fixed ------------------------------------------------------------------------ */

static int restage(struct hk_run *rc, struct hook_report *rep, char **files,
		   size_t nr)
{
	static const char *const diff_argv[] = { "diff", "--name-only", "-z",
		"--no-ext-diff", NULL };
	static const char *const add_argv[] = { "add", "--pathspec-from-file=-",
		"--pathspec-file-nul", "--", NULL };
	struct strbuf out = STRBUF_INIT, in = STRBUF_INIT;
	const char *dir = hk_repo_dir(rc->repo);
	size_t pos = 0, i;
	int r;

	if ((r = hk_git(dir, diff_argv, NULL, 0, &out)) < 0)
		goto out;
	while (pos < out.len) {
		const char *p = out.buf + pos;

		for (i = 0; i < nr; i++)
			if (!strcmp(files[i], p)) {
				strbuf_add(&in, p, strlen(p) + 1);
				rep->restaged++;
				break;
			}
		pos += strlen(p) + 1;
	}
	if (in.len)
		r = hk_git(dir, add_argv, in.buf, in.len, NULL);
out:
	strbuf_release(&in);
	strbuf_release(&out);
	return r;
}

/* ---- the loop ------------------------------------------------------------------------------ */

static int is_child_check(const struct hook_check *c)
{
	return c->builtin == HB_NONE || c->builtin == HB_SECRETS;
}

/* A prepared check, or a skip: 1 when it should run. */
static int prepare(struct hk_run *rc, struct hook_report *rep,
		   struct hook_check *chk, struct cmdjob *j)
{
	memset(j, 0, sizeof(*j));
	j->chk = chk;
	if (rc->o->skip && skipped_by_env(rc->o->skip, chk->name)) {
		skip(rc, rep, chk->name, "BOSUN_SKIP");
		return 0;
	}
	if (has_files(rc->o->hook) && wants_files(chk)) {
		j->nr_files = match_files(rc, chk, &j->files);
		if (!j->nr_files && (chk->glob || chk->pass_files || chk->exclude)) {
			skip(rc, rep, chk->name, "no matching staged files");
			free(j->files);
			j->files = NULL;
			return 0;
		}
	}
	if (chk->builtin == HB_SECRETS && !rc->o->have_scan) {
		j->idx = add_result(rep, chk->name);
		rep->items[j->idx].status = HR_FAIL;
		rep->items[j->idx].reason = xstrdup("scanner unavailable");
		strbuf_addstr(&rep->items[j->idx].out, "scanner unavailable: this bosun "
			      "has no 'scan secrets' command\n");
		finish(rc, rep, j->idx);
		return 0;
	}
	j->idx = add_result(rep, chk->name);
	return 1;
}

static int failed_since(const struct hook_report *rep, size_t from)
{
	size_t i;

	for (i = from; i < rep->nr; i++)
		if (rep->items[i].status == HR_FAIL)
			return 1;
	return 0;
}

static int stop_after(const struct hook_report *rep, const struct hook_check *chks,
		      const struct cmdjob *jobs, size_t nj, int fail_fast)
{
	size_t k;

	for (k = 0; k < nj; k++)
		if (rep->items[jobs[k].idx].status == HR_FAIL &&
		    (fail_fast || jobs[k].chk->fail_fast))
			return 1;
	(void)chks;
	return 0;
}

static int run_checks(struct hk_run *rc, struct hook_checks *hc,
		      struct hook_report *rep)
{
	struct cmdjob *jobs = xcalloc(hc->nr + 1, sizeof(*jobs));
	int fail_fast = config_bool(rc->cfg, "hooks.fail_fast");
	int parallel = config_bool(rc->cfg, "hooks.parallel");
	size_t i = 0, k, nj;
	int stop = 0, r = 0;

	while (i < hc->nr && r == 0) {
		struct hook_check *chk = &hc->items[i];

		if (stop) {
			skip(rc, rep, chk->name, "an earlier check failed (fail_fast)");
			i++;
			continue;
		}
		nj = 0;
		/* Consecutive parallel commands form one group. */
		do {
			chk = &hc->items[i++];
			if (prepare(rc, rep, chk, &jobs[nj]))
				nj++;
			else if (chk->fail_fast && failed_since(rep, rep->nr - 1))
				stop = 1;
		} while (!stop && i < hc->nr && parallel && is_child_check(chk) &&
			 chk->parallel && is_child_check(&hc->items[i]) &&
			 hc->items[i].parallel);
		if (nj && is_child_check(jobs[0].chk)) {
			r = run_group(rc, rep, jobs, nj, parallel);
		} else if (nj) {
			long long t0 = time_mono_ms();
			struct hook_result *res = &rep->items[jobs[0].idx];

			hk_builtin(rc, jobs[0].chk, jobs[0].files, jobs[0].nr_files, res);
			res->ms = time_mono_ms() - t0;
			finish(rc, rep, jobs[0].idx);
		}
		for (k = 0; k < nj && r == 0; k++)
			if (jobs[k].chk->stage_fixed &&
			    rep->items[jobs[k].idx].status == HR_PASS)
				r = restage(rc, rep, jobs[k].files, jobs[k].nr_files);
		if (stop_after(rep, hc->items, jobs, nj, fail_fast) ||
		    (fail_fast && failed_since(rep, 0)))
			stop = 1;
		for (k = 0; k < nj; k++)
			free(jobs[k].files);
	}
	free(jobs);
	return r;
}

static int needs(const struct hook_checks *hc, const char *skip_list,
		 int (*pred)(const struct hook_check *))
{
	size_t i;

	for (i = 0; i < hc->nr; i++)
		if (pred(&hc->items[i]) &&
		    !(skip_list && skipped_by_env(skip_list, hc->items[i].name)))
			return 1;
	return 0;
}

static int prepare_input(struct hk_run *rc, const struct hook_checks *hc,
			 struct push_refs *refs, struct hook_report *rep)
{
	const struct hook_run_opts *o = rc->o;
	int r = 0, saved = 0;

	if (!strcmp(o->hook, "pre-push")) {
		if ((r = push_refs_parse(refs, o->in ? o->in : "", o->in_len)) < 0)
			return r;
		rc->refs = refs;
	}
	if (!has_files(o->hook))
		return 0;
	if (needs(hc, o->skip, wants_files) && (r = load_staged(rc)) < 0)
		return r;
	if (needs(hc, o->skip, wants_stash) && (r = hk_stash_save(rc->repo, &saved)) < 0)
		return r;
	rep->stashed = saved;
	return 0;
}

static void free_staged(struct hk_run *rc)
{
	size_t i;

	for (i = 0; i < rc->nr_staged; i++)
		free(rc->staged[i]);
	free(rc->staged);
}

int hooks_run(struct repo *repo, const struct config *cfg,
	      const struct hook_run_opts *o, struct hook_report *rep)
{
	struct hk_run rc = { repo, cfg, o, NULL, 0, NULL };
	struct hook_checks hc = HOOK_CHECKS_INIT;
	struct push_refs refs = PUSH_REFS_INIT;
	struct strbuf notes = STRBUF_INIT;
	long long t0 = time_mono_ms();
	int r, r2;

	memset(rep, 0, sizeof(*rep));
	if ((r = hk_recover_quick(repo, &notes)) < 0)
		goto out;
	if ((r = hook_checks_load(&hc, cfg, o->hook)) < 0)
		goto out;
	if ((r = run_orig(&rc, rep)) < 0 || rep->failed || o->off)
		goto out;
	if (!hc.nr) {
		/* No checks; a push may still start the deployment watcher. */
		if (!strcmp(o->hook, "pre-push") &&
		    (r = push_refs_parse(&refs, o->in ? o->in : "", o->in_len)) == 0) {
			rc.refs = &refs;
			hk_deploy_trigger(&rc, &notes);
		}
		goto out;
	}
	if ((r = prepare_input(&rc, &hc, &refs, rep)) == 0)
		r = run_checks(&rc, &hc, rep);
	r2 = hk_stash_restore();
	if (r == 0)
		r = r2;
	if (r == 0 && !rep->failed && rc.refs)
		hk_deploy_trigger(&rc, &notes);
	if (rep->restaged && rep->stashed)
		strbuf_addstr(&notes, "\nstage_fixed: fixes were staged; files you had "
			      "partially staged keep your unstaged version in the work tree");
out:
	rep->ms = time_mono_ms() - t0;
	add_note(rep, notes.buf);
	strbuf_release(&notes);
	push_refs_release(&refs);
	hook_checks_release(&hc);
	free_staged(&rc);
	return r;
}
