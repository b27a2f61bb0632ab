/*
 * doctor.c - the checks' registry, selection, run, report and fixes
 * (doctor.h).
 */
#include "lib/doctor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/meter.h"
#include "core/run.h"
#include "core/time.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLI(i, name) { "cli." name, "cli", "the AI coding CLI " name ": every copy on PATH", \
		       1, &doctor_clis[i], doctor_cli, NULL }
#define RUNTIME(i, name, fn) { "runtime." name, "runtime", "the optional runtime " name, \
			       1, &doctor_runtimes[i], fn, NULL }

const struct doctor_check doctor_checks[] = {
	{ "install.version", "install", "bosun's version and where it runs from", 1, NULL,
	  doctor_install_version, NULL },
	{ "install.paths", "install", "the folders bosun writes are writable", 1, NULL,
	  doctor_install_paths, NULL },
	{ "install.store", "install", "the state store's schema is current", 1, NULL,
	  doctor_install_store, NULL },
	{ "install.hooks", "install", "the git hooks are installed and start this bosun", 1,
	  NULL, doctor_install_hooks, NULL },
	{ "install.docs", "install", "the man pages and shell completions are present", 1,
	  NULL, doctor_install_docs, NULL },
	{ "repo.shallow", "repo", "the repository has its whole history", 1, NULL,
	  doctor_repo_shallow, NULL },
	{ "repo.hooks_path", "repo", "core.hooksPath does not hide bosun's hooks", 1, NULL,
	  doctor_repo_hooks_path, NULL },
	{ "repo.worktrees", "repo", "no worktree is left prunable", 1, NULL,
	  doctor_repo_worktrees, NULL },
	{ "repo.locks", "repo", "no lock of bosun's is left by a dead process", 1, NULL,
	  doctor_repo_locks, doctor_repo_locks_fix },
	{ "repo.watchers", "repo", "no deploy watcher died before its verdict", 1, NULL,
	  doctor_repo_watchers, NULL },
	{ "repo.remote", "repo", "the remote answers (only with --online)", 1, NULL,
	  doctor_repo_remote, NULL },
	RUNTIME(0, "python3", doctor_runtime_program),
	RUNTIME(1, "node", doctor_runtime_program),
	RUNTIME(2, "libgit2", doctor_runtime_library),
	RUNTIME(3, "vectorscan", doctor_runtime_library),
	RUNTIME(4, "libcurl", doctor_runtime_library),
	CLI(0, "claude"), CLI(1, "gemini"), CLI(2, "codex"), CLI(3, "qwen"),
	CLI(4, "copilot"), CLI(5, "opencode"), CLI(6, "cursor-agent"), CLI(7, "aider"),
	CLI(8, "iflow"), CLI(9, "qodercli"), CLI(10, "codebuddy"),
	{ "scripts", "scripts", "the scripts the repository relies on", 0, NULL,
	  doctor_scripts, NULL },
	{ NULL, NULL, NULL, 0, NULL, NULL, NULL },
};

static const char *const groups[] = { "install", "repo", "runtime", "cli", "scripts", NULL };

const char *doctor_status_name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK: return "ok";
	case DOCTOR_SKIP: return "skip";
	case DOCTOR_WARN: return "warn";
	case DOCTOR_FAIL: return "fail";
	}
	return "fail";
}

void doctor_list_ids(struct strbuf *sb)
{
	const struct doctor_check *c;
	size_t i;

	for (i = 0; groups[i]; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", groups[i]);
	for (c = doctor_checks; c->id; c++)
		if (strcmp(c->id, c->group))
			strbuf_addf(sb, ", %s", c->id);
}

const struct doctor_check *doctor_find(const char *id)
{
	const struct doctor_check *c;

	for (c = doctor_checks; c->id; c++)
		if (!strcmp(c->id, id))
			return c;
	return NULL;
}

static int is_group(const char *name)
{
	size_t i;

	for (i = 0; groups[i]; i++)
		if (!strcmp(groups[i], name))
			return 1;
	return 0;
}

int doctor_select(const struct doctor_check ***out, size_t *nr,
		  const char *const *ids, size_t ids_nr)
{
	size_t n = sizeof(doctor_checks) / sizeof(doctor_checks[0]), i, k = 0;
	char *want = xcalloc(n, 1);
	const struct doctor_check *c;
	struct strbuf valid = STRBUF_INIT;

	for (i = 0; i < ids_nr; i++) {
		int group = is_group(ids[i]), hit = 0;

		for (c = doctor_checks; c->id; c++)
			if (group ? !strcmp(c->group, ids[i]) : !strcmp(c->id, ids[i]))
				hit = want[c - doctor_checks] = 1;
		if (!hit) {
			doctor_list_ids(&valid);
			free(want);
			error_set(BOSUN_EUSAGE, "unknown check '%s': the checks are %s",
				  ids[i], valid.buf);
			strbuf_release(&valid);
			return -BOSUN_EUSAGE;
		}
	}
	*out = xcalloc(n, sizeof(**out));
	for (c = doctor_checks; c->id; c++)
		if (ids_nr ? want[c - doctor_checks] : c->in_default)
			(*out)[k++] = c;
	*nr = k;
	free(want);
	return 0;
}

void doctor_set(struct doctor_result *res, enum doctor_status s,
		const char *fix, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(res->message);
	free(res->fix);
	res->status = s;
	res->message = strbuf_detach(&sb, NULL);
	res->fix = fix ? xstrdup(fix) : NULL;
}

int doctor_run(struct doctor_report *rep, struct doctor_env *env,
	       const struct doctor_check *const *sel, size_t nr)
{
	size_t i;

	rep->items = xcalloc(nr ? nr : 1, sizeof(*rep->items));
	rep->nr = nr;
	env->sel = sel;
	env->sel_nr = nr;
	meter_phase(env->progress, NULL, nr, 0);
	for (i = 0; i < nr; i++) {
		struct doctor_result *res = &rep->items[i];

		res->check = sel[i];
		res->data = json_object();
		if (sel[i]->run(env, sel[i], res) < 0) {
			doctor_set(res, DOCTOR_FAIL, NULL, "cannot check: %s",
				   error_message());
			error_clear();
		} else if (!res->message) {
			doctor_set(res, DOCTOR_FAIL, NULL, "the check said nothing");
		}
		meter_add(env->progress, 1, 0);
	}
	return 0;
}

enum doctor_status doctor_worst(const struct doctor_report *rep)
{
	enum doctor_status w = DOCTOR_OK;
	size_t i;

	for (i = 0; i < rep->nr; i++)
		if (rep->items[i].status > w)
			w = rep->items[i].status;
	return w == DOCTOR_SKIP ? DOCTOR_OK : w;
}

json_t *doctor_report_json(const struct doctor_report *rep,
			   const struct doctor_env *env)
{
	json_t *checks = json_array(), *counts = json_pack("{s:i, s:i, s:i, s:i}",
		"ok", 0, "warn", 0, "fail", 0, "skip", 0);
	size_t i;

	for (i = 0; i < rep->nr; i++) {
		const struct doctor_result *r = &rep->items[i];
		const char *st = doctor_status_name(r->status);

		json_object_set_new(counts, st, json_integer(
			json_integer_value(json_object_get(counts, st)) + 1));
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:O}",
			"id", r->check->id, "group", r->check->group,
			"status", st, "message", r->message, "fix", r->fix,
			"data", r->data));
	}
	return json_pack("{s:i, s:s, s:s, s:b, s:o, s:o}", "schema", DOCTOR_SCHEMA,
			 "bosun", env->version ? env->version : "",
			 "status", doctor_status_name(doctor_worst(rep)),
			 "online", env->online, "counts", counts, "checks", checks);
}

void doctor_report_release(struct doctor_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nr; i++) {
		free(rep->items[i].message);
		free(rep->items[i].fix);
		json_decref(rep->items[i].data);
	}
	free(rep->items);
	rep->items = NULL;
	rep->nr = 0;
}

void doctor_env_release(struct doctor_env *env)
{
	size_t i;

	for (i = 0; i < env->clis_nr; i++) {
		doctor_probe_release(env->clis[i].copies, env->clis[i].nr);
		free(env->clis[i].copies);
	}
	free(env->clis);
	env->clis = NULL;
	env->clis_nr = 0;
	env->clis_done = 0;
}

/* ------------------------------------------------------------ fixes */

/* Split a fix command line at spaces (fixes are written without quotes);
 * "bosun" becomes this binary. */
static const char **fix_argv(const struct doctor_env *env, char *line)
{
	const char **argv = xcalloc(strlen(line) / 2 + 2, sizeof(*argv));
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		argv[n] = n == 0 && !strcmp(tok, "bosun") ? env->self : tok;
		n++;
	}
	return argv;
}

static int run_fix_command(struct doctor_env *env, const struct doctor_result *res,
			   struct strbuf *out)
{
	struct child c = CHILD_INIT;
	char *line = xstrdup(res->fix);
	const char **argv = fix_argv(env, line);
	int r;

	c.argv = argv;
	c.capture = 1;
	c.merge_err = 1;
	c.timeout_ms = 300000;
	if ((r = child_run(&c)) < 0)
		goto out;
	strbuf_addbuf(out, &c.out);
	if (c.status)
		r = error_set(BOSUN_EFAIL, "'%s' failed (exit %d)", res->fix, c.status);
out:
	child_release(&c);
	free(argv);
	free(line);
	return r;
}

int doctor_fix(struct doctor_env *env, const struct doctor_result *res,
	       int doit, struct strbuf *out)
{
	if (res->check->fix)
		return res->check->fix(env, res, doit, out);
	if (!res->fix)
		return error_set(BOSUN_EUSAGE, "'%s' has no fix bosun can run: %s",
				 res->check->id, res->message);
	if (!doit) {
		strbuf_addf(out, "run: %s\n", res->fix);
		return 0;
	}
	return run_fix_command(env, res, out);
}

/* ------------------------------------------------------------ programs */

struct probe_run {
	struct doctor_probe *p;
	struct child *c;
	long long *started;
	const char **argv;       /* per probe: argv_nr entries */
	size_t argv_nr, n, next;
	int timeout_ms;
	const char *dir;
};

static int probe_next(struct child *c, void *data, void **task)
{
	struct probe_run *pr = data;
	size_t i;

	while (pr->next < pr->n && pr->p[pr->next].state)
		pr->next++;
	if (pr->next >= pr->n)
		return 0;
	i = pr->next++;
	c->argv = pr->argv + i * pr->argv_nr;
	c->capture = 1;
	c->merge_err = 1;
	c->out_cap = 4096;
	c->timeout_ms = pr->timeout_ms;
	c->own_pgroup = 1;
	c->dir = pr->dir;
	pr->started[i] = time_mono_ms();
	*task = &pr->p[i];
	return 1;
}

static int probe_start_failure(struct child *c, void *data, void *task)
{
	struct doctor_probe *p = task;

	p->state = "failed";
	p->status = 127;
	p->line = xstrdup(error_message());
	error_clear();
	return 0;
}

static void first_line(struct doctor_probe *p, const struct strbuf *out)
{
	const char *s = out->buf, *e;

	while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
		s++;
	e = s;
	while (*e && *e != '\n' && *e != '\r' && e - s < 200)
		e++;
	if (e > s)
		p->line = xstrndup(s, (size_t)(e - s));
}

static int probe_finished(struct child *c, void *data, void *task)
{
	struct probe_run *pr = data;
	struct doctor_probe *p = task;

	p->ms = time_mono_ms() - pr->started[p - pr->p];
	p->status = c->status;
	if (c->timed_out)
		p->state = "hung";
	else if (c->status > 128)
		p->state = "crashed";
	else if (c->status)
		p->state = "failed";
	else
		p->state = "ok";
	first_line(p, &c->out);
	return 0;
}

void doctor_probe_run(struct doctor_probe *p, size_t n, const char *const *args,
		      int timeout_ms, const char *dir)
{
	struct probe_run pr = { .p = p, .n = n, .timeout_ms = timeout_ms, .dir = dir };
	struct child_tasks t = { 0 };
	size_t i, k;

	for (pr.argv_nr = 1; args[pr.argv_nr - 1]; pr.argv_nr++)
		;
	pr.argv_nr++;
	pr.argv = xcalloc(n * pr.argv_nr + 1, sizeof(*pr.argv));
	pr.started = xcalloc(n + 1, sizeof(*pr.started));
	for (i = 0; i < n; i++) {
		pr.argv[i * pr.argv_nr] = p[i].path;
		for (k = 0; args[k]; k++)
			pr.argv[i * pr.argv_nr + 1 + k] = args[k];
		if (access(p[i].path, X_OK) < 0)
			p[i].state = "not executable";
	}
	t.jobs = n > 64 ? 64 : (int)(n ? n : 1);
	t.get_next_task = probe_next;
	t.start_failure = probe_start_failure;
	t.task_finished = probe_finished;
	t.data = &pr;
	if (child_run_tasks(&t) < 0)
		error_clear();
	for (i = 0; i < n; i++)
		if (!p[i].state)
			p[i].state = "failed";
	free(pr.argv);
	free(pr.started);
}

void doctor_probe_release(struct doctor_probe *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].path);
		free(p[i].line);
	}
}

json_t *doctor_probe_json(const struct doctor_probe *p)
{
	return json_pack("{s:s, s:s, s:i, s:I, s:s?}", "path", p->path,
			 "state", p->state, "status", p->status,
			 "ms", (json_int_t)p->ms, "version", p->line);
}
