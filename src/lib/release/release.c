#include "lib/release/release.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "core/run.h"
#include "lib/git/git2.h"
#include "lib/git/run.h"
#include "lib/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared setup ---- */

static void load_url(struct rel_env *env)
{
	const char *u = config_str(env->cfg, "changelog.repo_url");
	struct strbuf key = STRBUF_INIT;
	git_repository *g;
	git_config *gc = NULL;
	const char *remote = NULL;

	if (u && *u) {
		strbuf_addstr(&env->url, u);
		strbuf_rtrim(&env->url);
		while (env->url.len && env->url.buf[env->url.len - 1] == '/')
			strbuf_setlen(&env->url, env->url.len - 1);
		env->host = strstr(u, "gitlab") ? CL_HOST_GITLAB : CL_HOST_GITHUB;
		return;
	}
	strbuf_addf(&key, "remote.%s.url", config_str(env->cfg, "release.remote"));
	if (repo_git(env->repo, &g) == 0 &&
	    git_repository_config_snapshot(&gc, g) == 0 &&
	    git_config_get_string(&remote, gc, key.buf) == 0 && remote &&
	    changelog_web_url(&env->url, &env->host, remote) < 0)
		strbuf_reset(&env->url);
	error_clear();
	if (gc)
		git_config_free(gc);
	strbuf_release(&key);
}

static int env_open(struct rel_env *env, struct repo *repo, struct config *cfg,
		    const char *package, const char *format, const char *rev,
		    int full)
{
	int r;

	env->repo = repo;
	env->cfg = cfg;
	env->package = package;
	env->format = format ? format : config_str(cfg, "release.tag");
	strbuf_init(&env->url, 0);
	if (package && !strstr(env->format, "{name}"))
		env->format = "{name}@{version}";
	if ((r = rtags_check_format(env->format, package)) < 0)
		return r;
	if ((r = history_open(&env->h, repo)) < 0)
		return r;
	env->loaded = 1;
	env->h.want_messages = full;
	if ((r = history_resolve(&env->h, rev ? rev : "HEAD", &env->head)) < 0)
		return r;
	return rtags_collect(&env->tags, &env->h, env->format, package);
}

int rel_env_open(struct rel_env *env, struct repo *repo, struct config *cfg,
		 const char *package, const char *format, const char *rev)
{
	return env_open(env, repo, cfg, package, format, rev, 0);
}

int rel_env_open_full(struct rel_env *env, struct repo *repo, struct config *cfg,
		      const char *package, const char *format, const char *rev)
{
	return env_open(env, repo, cfg, package, format, rev, 1);
}

void rel_env_release(struct rel_env *env)
{
	if (env->loaded)
		history_release(&env->h);
	rtags_release(&env->tags);
	strbuf_release(&env->url);
	memset(env, 0, sizeof(*env));
}

void rel_env_next_opts(const struct rel_env *env, struct next_opts *o)
{
	size_t n;

	memset(o, 0, sizeof(*o));
	o->rules.minor_types = config_strlist(env->cfg, "release.minor_types", &n);
	o->rules.nr_minor = n;
	o->rules.patch_types = config_strlist(env->cfg, "release.patch_types", &n);
	o->rules.nr_patch = n;
	o->zero_major = config_bool(env->cfg, "release.zero_major");
	o->initial = config_str(env->cfg, "release.initial");
}

void rel_env_changelog_opts(struct rel_env *env, struct changelog_opts *o)
{
	/* The remote's URL needs git's config (libgit2): only for changelogs. */
	if (!env->url_loaded) {
		load_url(env);
		env->url_loaded = 1;
	}
	memset(o, 0, sizeof(*o));
	o->sections = config_get(env->cfg, "changelog.sections");
	o->other_title = config_str(env->cfg, "changelog.other");
	o->repo_url = env->url.len ? env->url.buf : NULL;
	o->host = env->host;
}

const char *rel_env_channel(const struct rel_env *env, const struct semver *v)
{
	struct strbuf id = STRBUF_INIT;
	uint64_t n;
	const char *ch = NULL;

	static char own[64];

	if (!v->pre)
		return config_str(env->cfg, "release.channel_default");
	if (semver_pre_split(v, &id, &n) == 0)
		ch = json_string_value(json_object_get(
			config_get(env->cfg, "release.channels"), id.buf));
	if (!ch) {
		/* An id with no channel of its own is its own dist-tag. */
		snprintf(own, sizeof(own), "%s", id.len ? id.buf : v->pre);
		ch = own;
	}
	strbuf_release(&id);
	return ch;
}

/* ---- running git ---- */

static int git(struct repo *repo, struct strbuf *out, const char *const *args)
{
	struct gitrun g = GITRUN_INIT;
	int r;

	g.dir = repo->workdir;
	g.timeout_ms = 300000;
	r = gitrun_exec(&g, args);
	if (r == 0 && out)
		strbuf_addbuf(out, &g.out);
	gitrun_release(&g);
	return r;
}

int release_check_clean(struct repo *repo)
{
	struct strbuf out = STRBUF_INIT;
	const char *args[] = { "status", "--porcelain", "--untracked-files=no", NULL };
	int r = git(repo, &out, args);

	if (r == 0 && out.len) {
		strbuf_rtrim(&out);
		r = error_set(BOSUN_EFAIL, "the work tree has uncommitted changes:\n%s",
			      out.buf);
		error_hint("commit or stash them first (git stash), then release");
	}
	strbuf_release(&out);
	return r;
}

int release_current_branch(struct repo *repo, struct strbuf *branch)
{
	struct strbuf head = STRBUF_INIT, path = STRBUF_INIT;
	int r;

	fs_path_join(&path, repo->gitdir, "HEAD");
	r = fs_read_file(&head, path.buf, 4096);
	if (r == 0) {
		strbuf_trim(&head);
		if (!strncmp(head.buf, "ref: refs/heads/", 16))
			strbuf_addstr(branch, head.buf + 16);
		else
			r = error_set(BOSUN_EFAIL, "HEAD is detached");
	}
	strbuf_release(&head);
	strbuf_release(&path);
	return r;
}

static int check_branch(struct rel_env *env, struct release_plan *plan)
{
	struct strbuf b = STRBUF_INIT;
	size_t n, i;
	const char **allowed = config_strlist(env->cfg, "release.branches", &n);
	int r = release_current_branch(env->repo, &b);

	if (r < 0) {
		error_hint("check out one of the release branches (release.branches)");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(allowed[i], b.buf))
			break;
	if (n && i == n) {
		struct strbuf list = STRBUF_INIT;

		for (i = 0; i < n; i++)
			strbuf_addf(&list, "%s'%s'", i ? ", " : "", allowed[i]);
		r = error_set(BOSUN_EFAIL,
			      "releases are made from %s%s, not from '%s'",
			      n > 1 ? "one of " : "", list.buf, b.buf);
		strbuf_release(&list);
		error_hint("check out a release branch, or add '%s' to release.branches",
			   b.buf);
		goto out;
	}
	plan->branch = strbuf_detach(&b, NULL);
out:
	strbuf_release(&b);
	return r;
}

int release_check_sync(const struct manifest_set *ms, const char *want)
{
	struct strbuf list = STRBUF_INIT;
	const char *first = want;
	int bad = 0;
	size_t i;

	for (i = 0; i < ms->nr; i++) {
		if (!first)
			first = ms->items[i].version;
		if (strcmp(ms->items[i].version, first))
			bad = 1;
		strbuf_addf(&list, "\n  %s: %s", ms->items[i].path,
			    ms->items[i].version);
	}
	if (bad && want)
		strbuf_addf(&list, "\n  latest tag: %s", want);
	if (bad) {
		int r = error_set(BOSUN_EFAIL, "versions disagree:%s", list.buf);

		error_hint("run 'bosun version sync' to write the tag's version everywhere");
		strbuf_release(&list);
		return r;
	}
	strbuf_release(&list);
	return 0;
}

/* ---- steps ---- */

static void cb_step(const struct release_cb *cb, const char *step,
		    enum release_step_state st, const char *detail)
{
	if (cb && cb->step)
		cb->step(cb->data, step, st, detail);
}

static char **expand_argv(const json_t *run, const char *const *vars)
{
	size_t i, n = json_array_size(run);
	char **argv = xcalloc(n + 1, sizeof(*argv));

	for (i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_expand(&sb, json_string_value(json_array_get(run, i)), vars);
		argv[i] = strbuf_detach(&sb, NULL);
	}
	return argv;
}

static char **step_env(const json_t *envobj, const char *const *vars)
{
	const char *key;
	json_t *val;
	size_t n = 0;
	char **env = xcalloc(json_object_size(envobj) + 4, sizeof(*env));
	struct strbuf sb = STRBUF_INIT;

	json_object_foreach((json_t *)envobj, key, val) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s=", key);
		strbuf_expand(&sb, json_string_value(val), vars);
		env[n++] = xstrdup(sb.buf);
	}
	strbuf_reset(&sb);
	strbuf_expand(&sb, "BOSUN_RELEASE_VERSION={version}", vars);
	env[n++] = xstrdup(sb.buf);
	strbuf_reset(&sb);
	strbuf_expand(&sb, "BOSUN_RELEASE_TAG={tag}", vars);
	env[n++] = xstrdup(sb.buf);
	strbuf_reset(&sb);
	strbuf_expand(&sb, "BOSUN_RELEASE_CHANNEL={channel}", vars);
	env[n++] = strbuf_detach(&sb, NULL);
	return env;
}

static void free_vec(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Run one configured step; its output goes to plan->output. */
static int run_step(struct release_plan *plan, struct rel_env *env,
		    const json_t *step, const char *what, const char *name)
{
	const char *vars[] = { "{version}", plan->version, "{tag}", plan->tag,
			       "{channel}", plan->channel, NULL };
	char **argv = expand_argv(json_object_get(step, "run"), vars);
	char **envv = step_env(json_object_get(step, "env"), vars);
	const char *dir = json_string_value(json_object_get(step, "dir"));
	struct strbuf wd = STRBUF_INIT;
	struct child c = CHILD_INIT;
	int r;

	if (dir)
		fs_path_join(&wd, env->repo->workdir, dir);
	c.argv = (const char *const *)argv;
	c.env = (const char *const *)envv;
	c.dir = dir ? wd.buf : env->repo->workdir;
	c.capture = 1;
	c.merge_err = 1;
	c.timeout_ms = (int)json_integer_value(json_object_get(step, "timeout"));
	r = child_run(&c);
	strbuf_reset(&plan->output);
	strbuf_addbuf(&plan->output, &c.out);
	if (r == 0 && c.timed_out)
		r = error_set(BOSUN_EFAIL, "%s '%s' timed out after %d s", what,
			      name, c.timeout_ms / 1000);
	else if (r == 0 && c.status)
		r = error_set(BOSUN_EFAIL, "%s '%s' failed with exit code %d", what,
			      name, c.status);
	else if (r < 0)
		error_prefix("%s '%s'", what, name);
	child_release(&c);
	free_vec(argv);
	free_vec(envv);
	strbuf_release(&wd);
	return r;
}

static int run_steps(struct release_plan *plan, struct rel_env *env,
		     const char *key, const char *what,
		     const struct release_cb *cb, int *done)
{
	const json_t *steps = config_get(env->cfg, key);
	size_t i;
	int r;

	for (i = 0; i < json_array_size(steps); i++) {
		const json_t *s = json_array_get(steps, i);
		size_t k;
		const char *name = json_string_value(json_object_get(s, "name"));
		struct strbuf label = STRBUF_INIT;

		if (!name)
			name = json_string_value(json_array_get(json_object_get(s, "run"), 0));
		strbuf_addf(&label, "%s %s", what, name);
		cb_step(cb, label.buf, STEP_START, NULL);
		r = run_step(plan, env, s, what, name);
		cb_step(cb, label.buf, r < 0 ? STEP_FAIL : STEP_OK, NULL);
		strbuf_release(&label);
		if (r < 0) {
			/* Say which steps never ran, for the resume hint. */
			strbuf_addf(&plan->skipped, "'%s'", name);
			for (k = i + 1; k < json_array_size(steps); k++) {
				const json_t *o = json_array_get(steps, k);
				const char *on = json_string_value(json_object_get(o, "name"));

				strbuf_addf(&plan->skipped, ", '%s'", on ? on :
					    json_string_value(json_array_get(
						    json_object_get(o, "run"), 0)));
			}
			return r;
		}
		if (done)
			(*done)++;
	}
	return 0;
}

static int run_tests(struct release_plan *plan, struct rel_env *env,
		     const struct release_cb *cb)
{
	json_t *run = config_get(env->cfg, "release.test");
	json_t *step;
	int r;

	if (!run || json_is_null(run))
		return 0;
	step = json_pack("{s:O, s:{}, s:I}", "run", run, "env", "timeout",
			 (json_int_t)3600000);
	cb_step(cb, "gate: tests", STEP_START, NULL);
	r = run_step(plan, env, step, "the test command",
		     json_string_value(json_array_get(run, json_array_size(run) > 2 &&
			!strcmp(json_string_value(json_array_get(run, 1)), "-c") ? 2 : 0)));
	cb_step(cb, "gate: tests", r < 0 ? STEP_FAIL : STEP_OK, NULL);
	json_decref(step);
	return r;
}

int release_prepare(struct release_plan *plan, struct rel_env *env,
		    const struct release_args *args)
{
	struct next_opts no;
	struct changelog cl = CHANGELOG_INIT;
	struct changelog_opts co;
	struct strbuf sb = STRBUF_INIT;
	const struct rtag *newest;
	int r;

	strbuf_init(&plan->resume, 0);
	strbuf_init(&plan->output, 0);
	if (config_bool(env->cfg, "release.require_clean") &&
	    (r = release_check_clean(env->repo)) < 0)
		return r;
	if ((r = check_branch(env, plan)) < 0)
		return r;
	if ((r = manifest_discover(&plan->ms, env->repo->workdir,
				   config_get(env->cfg, "release.files"))) < 0)
		return r;
	plan->ms.journal = manifest_journal_path(env->repo->gitdir);
	rel_env_next_opts(env, &no);
	no.pre = args->pre;
	no.level = args->level;
	if ((r = version_next(&plan->next, &env->h, &env->tags, env->head, &no)) < 0)
		return r;
	if (version_newest(&newest, &env->h, &env->tags, env->head) == 0) {
		semver_format(&sb, &newest->ver);
		r = release_check_sync(&plan->ms, sb.buf);
		strbuf_release(&sb);
		if (r < 0)
			return r;
	}
	error_clear();
	semver_format(&sb, &plan->next.next);
	plan->version = strbuf_detach(&sb, NULL);
	rtags_format(&sb, env->format, env->package, plan->version);
	plan->tag = strbuf_detach(&sb, NULL);
	plan->channel = xstrdup(rel_env_channel(env, &plan->next.next));
	oid_to_hex(env->h.commits[env->head].oid, plan->orig_head);
	rel_env_changelog_opts(env, &co);
	co.dated_today = 1;
	if ((r = changelog_unreleased(&cl, &env->h, &env->tags, env->head, &co,
				      plan->version, plan->tag)) < 0) {
		changelog_release(&cl);
		return r;
	}
	changelog_release_markdown(&sb, &cl, &cl.rel[0], &co);
	plan->entry = strbuf_detach(&sb, NULL);
	changelog_release(&cl);
	return 0;
}

static int commit_and_tag(struct release_plan *plan, struct rel_env *env,
			  const struct release_cb *cb)
{
	const char *vars[] = { "{version}", plan->version, "{tag}", plan->tag, NULL };
	struct strbuf msg = STRBUF_INIT, tmsg = STRBUF_INIT;
	const char *file = config_str(env->cfg, "changelog.file");
	const char **add = xcalloc(plan->ms.nr + 4, sizeof(*add));
	size_t i, n = 0;
	int r = 0;

	/* One git add for every file written, however many. */
	add[n++] = "add";
	add[n++] = "--";
	for (i = 0; i < plan->ms.nr; i++)
		add[n++] = plan->ms.items[i].path;
	if (file && *file)
		add[n++] = file;
	if (n > 2)
		r = git(env->repo, NULL, add);
	free(add);
	strbuf_expand(&msg, config_str(env->cfg, "release.commit_message"), vars);
	strbuf_expand(&tmsg, config_str(env->cfg, "release.tag_message"), vars);
	if (r == 0) {
		const char *commit[] = { "commit", "--no-verify", "-q", "-m", msg.buf, NULL };

		const char *head[] = { "rev-parse", "HEAD", NULL };
		struct strbuf sha = STRBUF_INIT;

		cb_step(cb, "commit", STEP_START, msg.buf);
		r = git(env->repo, NULL, commit);
		cb_step(cb, "commit", r < 0 ? STEP_FAIL : STEP_OK, msg.buf);
		plan->committed = r == 0;
		if (r == 0 && (r = git(env->repo, &sha, head)) == 0) {
			strbuf_trim(&sha);
			snprintf(plan->commit, sizeof(plan->commit), "%s", sha.buf);
			strbuf_reset(&plan->push_cmd);
			strbuf_addf(&plan->push_cmd,
				    "git push --atomic %s %s:refs/heads/%s refs/tags/%s",
				    config_str(env->cfg, "release.remote"), plan->commit,
				    plan->branch, plan->tag);
		}
		strbuf_release(&sha);
	}
	if (r == 0) {
		const char *tag[] = { "tag", "-a", plan->tag, "-m", tmsg.buf, NULL };

		cb_step(cb, "tag", STEP_START, plan->tag);
		r = git(env->repo, NULL, tag);
		cb_step(cb, "tag", r < 0 ? STEP_FAIL : STEP_OK, plan->tag);
		plan->tagged = r == 0;
	}
	strbuf_release(&msg);
	strbuf_release(&tmsg);
	return r;
}

static int write_files(struct release_plan *plan, struct rel_env *env,
		       const struct release_cb *cb)
{
	const char *file = config_str(env->cfg, "changelog.file");
	struct strbuf path = STRBUF_INIT;
	int r;

	cb_step(cb, "bump", STEP_START, plan->version);
	r = manifest_set_version(&plan->ms, plan->version);
	if (r == 0)
		r = manifest_write(&plan->ms);
	cb_step(cb, "bump", r < 0 ? STEP_FAIL : STEP_OK, plan->version);
	if (r < 0 || !file || !*file)
		return r;
	fs_path_join(&path, env->repo->workdir, file);
	plan->changelog_path = xstrdup(path.buf);
	plan->changelog_existed = fs_read_file(&plan->changelog_orig, path.buf, 0) == 0;
	error_clear();
	cb_step(cb, "changelog", STEP_START, file);
	r = changelog_prepend(path.buf, plan->entry);
	cb_step(cb, "changelog", r < 0 ? STEP_FAIL : r ? STEP_SKIP : STEP_OK, file);
	strbuf_release(&path);
	return r < 0 ? r : 0;
}

/* Put back the bytes of every file written before the commit. */
static void restore_files(struct release_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->ms.nr; i++) {
		struct manifest *m = &plan->ms.items[i];
		struct strbuf p = STRBUF_INIT;

		if (!m->changed)
			continue;
		fs_path_join(&p, plan->ms.root, m->path);
		write_file_atomic(p.buf, m->original.buf, m->original.len, 0666);
		strbuf_release(&p);
	}
	if (plan->changelog_path && plan->changelog_existed)
		write_file_atomic(plan->changelog_path, plan->changelog_orig.buf,
				  plan->changelog_orig.len, 0666);
	else if (plan->changelog_path)
		fs_unlink(plan->changelog_path);
	error_clear();
}

/* Undo the local commit and tag; only when nothing left this machine. */
static void undo(struct release_plan *plan, struct rel_env *env,
		 const struct release_cb *cb)
{
	const char *deltag[] = { "tag", "-d", plan->tag, NULL };
	const char *reset[] = { "reset", "-q", "--keep", plan->orig_head, NULL };
	int saved = error_kind();
	struct strbuf msg = STRBUF_INIT;

	strbuf_addstr(&msg, error_message());
	if (plan->tagged && git(env->repo, NULL, deltag) == 0)
		plan->tagged = 0;
	if (plan->committed && git(env->repo, NULL, reset) == 0)
		plan->committed = 0;
	else if (!plan->committed)
		restore_files(plan);
	cb_step(cb, "undo", STEP_OK, plan->orig_head);
	error_set(saved, "%s", msg.buf);
	strbuf_release(&msg);
}

static int push(struct release_plan *plan, struct rel_env *env,
		const struct release_cb *cb)
{
	struct strbuf head = STRBUF_INIT, tag = STRBUF_INIT;
	const char *remote = config_str(env->cfg, "release.remote");
	int r;

	strbuf_addf(&head, "HEAD:refs/heads/%s", plan->branch);
	strbuf_addf(&tag, "refs/tags/%s", plan->tag);
	{
		const char *args[] = { "push", "--atomic", "--no-verify", "-q", remote,
				       head.buf, tag.buf, NULL };

		cb_step(cb, "push", STEP_START, remote);
		r = git(env->repo, NULL, args);
		cb_step(cb, "push", r < 0 ? STEP_FAIL : STEP_OK, remote);
	}
	plan->pushed = r == 0;
	strbuf_release(&head);
	strbuf_release(&tag);
	return r;
}

/*
 * Every release is a row in the shared store (releases), so any agent in any
 * worktree can see what was released and what failed. The store is a record,
 * not a gate: if it cannot be opened or written, the release goes on and the
 * log says so (a degraded event); the release's own error, if any, stays the
 * one reported.
 */
static void not_recorded(void)
{
	log_event(LOG_DEGRADED, "state", "release not recorded: %s",
		  error_message());
	error_clear();
}

static long long record_start(struct release_plan *plan, struct store *st)
{
	struct store_release rel = { 0 };
	long long id = 0;

	if (!st)
		return 0;
	rel.version = plan->version;
	rel.tag = plan->tag;
	rel.previous = plan->next.previous ? plan->next.previous->name : NULL;
	rel.channel = plan->channel;
	if (store_release_begin(st, &rel, &id) < 0) {
		not_recorded();
		return 0;
	}
	return id;
}

/* The error the release failed with survives the store's. */
static void record(struct store *st, long long id, const char *state,
		   const char *commit, int failed)
{
	char *msg = NULL, *hint = NULL;
	int kind = error_kind();

	if (!st || !id)
		return;
	if (failed) {
		msg = xstrdup(error_message());
		hint = error_hint_text() ? xstrdup(error_hint_text()) : NULL;
	}
	if (store_release_update(st, id, state, commit, msg) < 0) {
		not_recorded();
		if (failed) {
			error_set(kind, "%s", msg);
			if (hint)
				error_hint("%s", hint);
		}
	}
	free(msg);
	free(hint);
}

static struct store *open_store(struct rel_env *env)
{
	struct store *st = NULL;

	if (store_open(&st, config_str(env->cfg, "store.url"),
		       env->repo->common_dir, 0) < 0) {
		not_recorded();
		return NULL;
	}
	return st;
}

static int release_steps(struct release_plan *plan, struct rel_env *env,
			 const struct release_args *args,
			 const struct release_cb *cb);

int release_run(struct release_plan *plan, struct rel_env *env,
		const struct release_args *args, const struct release_cb *cb)
{
	struct store *st;
	int r;

	if ((r = run_tests(plan, env, cb)) < 0)
		return r;
	st = open_store(env);
	plan->record_id = record_start(plan, st);
	r = release_steps(plan, env, args, cb);
	if (r == 0)
		record(st, plan->record_id, plan->pushed ? "done" : "tagged",
		       plan->commit, 0);
	else
		record(st, plan->record_id, plan->committed ? "failed" : "undone",
		       plan->commit, 1);
	store_close(st);
	return r;
}

static int release_steps(struct release_plan *plan, struct rel_env *env,
			 const struct release_args *args,
			 const struct release_cb *cb)
{
	int r, published = 0;

	log_event(LOG_INFO, "release", "releasing %s from %s", plan->tag,
		  plan->orig_head);
	if ((r = write_files(plan, env, cb)) < 0 ||
	    (r = commit_and_tag(plan, env, cb)) < 0 ||
	    (r = run_steps(plan, env, "release.build", "build", cb, NULL)) < 0)
		goto fail;
	if (!args->no_publish &&
	    (r = run_steps(plan, env, "release.publish", "publish", cb, &published)) < 0)
		goto fail;
	plan->published = published > 0;
	if (!args->no_push && config_bool(env->cfg, "release.push") &&
	    (r = push(plan, env, cb)) < 0)
		goto fail;
	log_event(LOG_INFO, "release", "released %s", plan->tag);
	return 0;
fail:
	plan->published = published > 0;
	log_event(LOG_ERROR, "release", "release of %s failed: %s", plan->tag,
		  error_message());
	if (!published && !plan->pushed) {
		undo(plan, env, cb);
		strbuf_reset(&plan->resume);
		strbuf_addstr(&plan->resume,
			      "nothing was pushed or published and the local commit "
			      "and tag were undone; fix the cause and run 'bosun release' again");
	} else if (plan->skipped.len) {
		strbuf_addf(&plan->resume,
			    "%d publish step(s) succeeded, so the commit and tag %s "
			    "were kept; run the publish step(s) %s by hand, then '%s'",
			    published, plan->tag, plan->skipped.buf, plan->push_cmd.buf);
	} else {
		strbuf_addf(&plan->resume,
			    "%s was published, so the commit and tag were kept; "
			    "finish with '%s'", plan->tag, plan->push_cmd.buf);
	}
	return r;
}

void release_plan_release(struct release_plan *plan)
{
	next_result_release(&plan->next);
	free(plan->version);
	free(plan->tag);
	free(plan->channel);
	free(plan->branch);
	free(plan->entry);
	manifest_set_release(&plan->ms);
	strbuf_release(&plan->resume);
	strbuf_release(&plan->output);
	strbuf_release(&plan->changelog_orig);
	strbuf_release(&plan->push_cmd);
	strbuf_release(&plan->skipped);
	free(plan->changelog_path);
	memset(plan, 0, sizeof(*plan));
}
