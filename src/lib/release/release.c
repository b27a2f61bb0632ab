#include "lib/release/release.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/log.h"
#include "core/pidfile.h"
#include "core/run.h"
#include "core/sha256.h"
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

/*
 * Before each step the row says the step reached and, as JSON, what a
 * resume or an abort needs: the original HEAD, the branch, the arguments,
 * every file this release writes with the SHA-256 of its bytes before and
 * after, and the publish steps done. A row that cannot be written is a
 * degraded event, as for the row's other writes: the release goes on.
 */
static void progress(struct release_plan *plan, struct rel_env *env,
		     const char *step)
{
	const struct release_args *a = plan->args;
	json_t *d;
	char *text;

	if (!plan->st || !plan->record_id)
		return;
	d = json_pack("{s:s, s:s, s:s, s:o, s:b, s:b, s:i, s:s?, s:i}",
		      "orig_head", plan->orig_head, "branch", plan->branch,
		      "remote", config_str(env->cfg, "release.remote"),
		      "files", plan->files ? json_incref(plan->files) : json_array(),
		      "push", a && !a->no_push && config_bool(env->cfg, "release.push"),
		      "publish", a && !a->no_publish,
		      "level", a ? (int)a->level : 0, "pre", a ? a->pre : NULL,
		      "published", plan->nr_published);
	text = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!text || store_release_progress(plan->st, plan->record_id, step,
					    plan->commit[0] ? plan->commit : NULL,
					    text) < 0) {
		log_event(LOG_DEGRADED, "state", "release progress not recorded: %s",
			  text ? error_message() : "out of memory");
		error_clear();
	}
	free(text);
	json_decref(d);
}

/* Before a step that cannot be taken back: the lease is still ours. */
static int fence(struct release_plan *plan, const char *step)
{
	int r = release_lease_check(plan->lease);

	if (r < 0) {
		r = error_set(BOSUN_EBUSY, "this release lost its lease (another bosun "
			      "took it over); stopped before %s", step);
		error_hint("see 'bosun release' for the state of the repository");
	}
	return r;
}

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
		     const struct release_cb *cb, int *done, size_t from)
{
	const json_t *steps = config_get(env->cfg, key);
	size_t i;
	int r;

	for (i = from; i < json_array_size(steps); i++) {
		const json_t *s = json_array_get(steps, i);
		size_t k;
		const char *name = json_string_value(json_object_get(s, "name"));
		struct strbuf label = STRBUF_INIT;

		if (!name)
			name = json_string_value(json_array_get(json_object_get(s, "run"), 0));
		strbuf_addf(&label, "%s %s", what, name);
		progress(plan, env, label.buf);
		r = done ? fence(plan, label.buf) : 0;
		if (r == 0) {
			cb_step(cb, label.buf, STEP_START, NULL);
			r = run_step(plan, env, s, what, name);
			cb_step(cb, label.buf, r < 0 ? STEP_FAIL : STEP_OK, NULL);
		}
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
			strbuf_release(&label);
			return r;
		}
		if (done) {
			(*done)++;
			plan->nr_published = plan->publish_from + *done;
			progress(plan, env, label.buf);
		}
		strbuf_release(&label);
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

	progress(plan, env, "commit");
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

		progress(plan, env, "tag");
		cb_step(cb, "tag", STEP_START, plan->tag);
		r = git(env->repo, NULL, tag);
		cb_step(cb, "tag", r < 0 ? STEP_FAIL : STEP_OK, plan->tag);
		plan->tagged = r == 0;
	}
	strbuf_release(&msg);
	strbuf_release(&tmsg);
	return r;
}

static json_t *file_record(const char *path, const struct strbuf *before,
			   int existed, const struct strbuf *after)
{
	char b[SHA256_HEX_LEN + 1], a[SHA256_HEX_LEN + 1];

	sha256_hex(b, before->buf, before->len);
	sha256_hex(a, after->buf, after->len);
	return json_pack("{s:s, s:s?, s:s, s:b, s:b}", "path", path,
			 "before", existed ? b : NULL, "after", a,
			 "existed", existed, "written", 0);
}

static void mark_written(json_t *files, size_t i)
{
	json_object_set_new(json_array_get(files, i), "written", json_true());
}

/*
 * bump and changelog: every new byte is known before the first is written,
 * and the row records each file's SHA-256 before and after, so that an undo
 * (or a later --abort) puts back only a file that still holds exactly what
 * this release wrote.
 */
static int write_files(struct release_plan *plan, struct rel_env *env,
		       const struct release_cb *cb)
{
	const char *file = config_str(env->cfg, "changelog.file");
	struct strbuf path = STRBUF_INIT, cl_new = STRBUF_INIT;
	int r, present = 0;
	size_t i;

	plan->files = json_array();
	cb_step(cb, "bump", STEP_START, plan->version);
	r = manifest_set_version(&plan->ms, plan->version);
	if (r == 0 && file && *file) {
		fs_path_join(&path, env->repo->workdir, file);
		plan->changelog_path = xstrdup(path.buf);
		r = fs_read_file(&plan->changelog_orig, path.buf, CHANGELOG_MAX_BYTES);
		plan->changelog_existed = r == 0;
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			r = 0;
		}
		strbuf_addbuf(&cl_new, &plan->changelog_orig);
		if (r == 0 && (r = changelog_prepend_text(&cl_new, plan->entry)) > 0) {
			present = 1;
			r = 0;
		}
	}
	for (i = 0; r == 0 && i < plan->ms.nr; i++) {
		const struct manifest *m = &plan->ms.items[i];

		/* A file already at the version is recorded too (its bytes
		 * before and after are the same), and never written. */
		json_array_append_new(plan->files, file_record(m->path, &m->original,
						1, &m->content));
	}
	if (r == 0 && plan->changelog_path && !present)
		json_array_append_new(plan->files, file_record(file, &plan->changelog_orig,
					plan->changelog_existed, &cl_new));
	if (r == 0) {
		progress(plan, env, "bump");
		r = manifest_write(&plan->ms);
	}
	/* All or none: either every version file holds the new bytes, or none. */
	for (i = 0; r == 0 && i < plan->ms.nr; i++)
		if (plan->ms.items[i].changed)
			mark_written(plan->files, i);
	cb_step(cb, "bump", r < 0 ? STEP_FAIL : STEP_OK, plan->version);
	if (r < 0 || !plan->changelog_path)
		goto out;
	progress(plan, env, "changelog");
	cb_step(cb, "changelog", STEP_START, file);
	if (!present) {
		r = write_file_atomic(plan->changelog_path, cl_new.buf, cl_new.len, 0666);
		if (r == 0)
			mark_written(plan->files, plan->ms.nr);
	}
	cb_step(cb, "changelog", r < 0 ? STEP_FAIL : present ? STEP_SKIP : STEP_OK, file);
out:
	strbuf_release(&path);
	strbuf_release(&cl_new);
	return r;
}

/*
 * Put back one file this release wrote: only when it still holds exactly
 * the bytes written (after, a SHA-256); orig (NULL: the file did not
 * exist) is what goes back. Otherwise the file is left as it is, and left
 * says so. Returns 1 when the file was put back.
 */
static int restore_file(const char *root, const char *rel, const char *after,
			const struct strbuf *orig, struct strbuf *left)
{
	struct strbuf p = STRBUF_INIT, cur = STRBUF_INIT;
	char hex[SHA256_HEX_LEN + 1];
	int r, done = 0;

	fs_path_join(&p, root, rel);
	r = fs_read_file(&cur, p.buf, CHANGELOG_MAX_BYTES);
	if (r == 0)
		sha256_hex(hex, cur.buf, cur.len);
	if (r < 0 || strcmp(hex, after)) {
		strbuf_addf(left, "%s%s: %s", left->len ? "; " : "", rel,
			    r < 0 ? "it is gone" : "it changed since this release wrote it");
	} else if (orig) {
		done = write_file_atomic(p.buf, orig->buf, orig->len, 0666) == 0;
	} else {
		done = fs_unlink(p.buf) == 0;
	}
	error_clear();
	strbuf_release(&p);
	strbuf_release(&cur);
	return done;
}

/* Unstage paths (the index back to HEAD's blobs), when git add ran. */
static void unstage(struct rel_env *env, const char *const *paths, size_t n)
{
	const char **args = xcalloc(n + 5, sizeof(*args));
	size_t k = 0, i;

	args[k++] = "reset";
	args[k++] = "-q";
	args[k++] = "--";
	for (i = 0; i < n; i++)
		args[k++] = paths[i];
	if (n && git(env->repo, NULL, args) < 0)
		error_clear();
	free(args);
}

/* Put back the bytes of every file this run wrote, before the commit. */
static void restore_files(struct release_plan *plan, struct rel_env *env)
{
	const char **paths = xcalloc(json_array_size(plan->files) + 1, sizeof(*paths));
	size_t i, n = 0;

	for (i = 0; i < json_array_size(plan->files); i++) {
		const json_t *f = json_array_get(plan->files, i);
		const char *rel = json_string_value(json_object_get(f, "path"));
		const char *after = json_string_value(json_object_get(f, "after"));
		const struct strbuf *orig;

		if (!json_is_true(json_object_get(f, "written")))
			continue;
		if (i < plan->ms.nr)
			orig = &plan->ms.items[i].original;
		else
			orig = plan->changelog_existed ? &plan->changelog_orig : NULL;
		if (restore_file(plan->ms.root, rel, after, orig, &plan->left))
			paths[n++] = rel;
	}
	unstage(env, paths, n);
	free(paths);
	error_clear();
}

/* HEAD's commit, hex, into out[41]; "" when it cannot be read. */
static void head_commit(struct rel_env *env, char out[41])
{
	struct strbuf sha = STRBUF_INIT;
	const char *head[] = { "rev-parse", "-q", "--verify", "HEAD^{commit}", NULL };

	out[0] = 0;
	if (git(env->repo, &sha, head) == 0) {
		strbuf_trim(&sha);
		snprintf(out, 41, "%s", sha.buf);
	}
	error_clear();
	strbuf_release(&sha);
}

/* Undo the local commit and tag; only when nothing left this machine, and
 * only what is still this release's (HEAD still the release commit). */
static void undo(struct release_plan *plan, struct rel_env *env,
		 const struct release_cb *cb)
{
	const char *deltag[] = { "tag", "-d", plan->tag, NULL };
	const char *reset[] = { "reset", "-q", "--keep", plan->orig_head, NULL };
	int saved = error_kind();
	struct strbuf msg = STRBUF_INIT;
	char head[41];

	strbuf_addstr(&msg, error_message());
	if (plan->tagged && git(env->repo, NULL, deltag) == 0)
		plan->tagged = 0;
	head_commit(env, head);
	if (plan->committed && strcmp(head, plan->commit)) {
		strbuf_addf(&plan->left, "%sthe release commit %.7s: HEAD is no longer it",
			    plan->left.len ? "; " : "", plan->commit);
	} else if (plan->committed && git(env->repo, NULL, reset) == 0) {
		plan->committed = 0;
	} else if (!plan->committed) {
		restore_files(plan, env);
	}
	error_clear();
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

	strbuf_addf(&head, "%s:refs/heads/%s", plan->commit[0] ? plan->commit : "HEAD",
		    plan->branch);
	strbuf_addf(&tag, "refs/tags/%s", plan->tag);
	progress(plan, env, "push");
	if ((r = fence(plan, "push")) < 0)
		goto out;
	{
		const char *args[] = { "push", "--atomic", "--no-verify", "-q", remote,
				       head.buf, tag.buf, NULL };

		cb_step(cb, "push", STEP_START, remote);
		r = git(env->repo, NULL, args);
		cb_step(cb, "push", r < 0 ? STEP_FAIL : STEP_OK, remote);
	}
	plan->pushed = r == 0;
out:
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

int release_store_open(struct store **st, struct rel_env *env)
{
	*st = NULL;
	return store_open(st, config_str(env->cfg, "store.url"),
			  env->repo->common_dir, 0);
}

static int release_steps(struct release_plan *plan, struct rel_env *env,
			 const struct release_args *args,
			 const struct release_cb *cb);

int release_run(struct release_plan *plan, struct rel_env *env,
		const struct release_args *args, const struct release_cb *cb)
{
	struct store *own = NULL;
	int r;

	plan->args = args;
	if ((r = run_tests(plan, env, cb)) < 0)
		return r;
	if (!plan->st)
		plan->st = own = open_store(env);
	plan->record_id = record_start(plan, plan->st);
	r = release_steps(plan, env, args, cb);
	if (r == 0)
		record(plan->st, plan->record_id, plan->pushed ? "done" : "tagged",
		       plan->commit, 0);
	else
		record(plan->st, plan->record_id, plan->committed ? "failed" : "undone",
		       plan->commit, 1);
	store_close(own);
	if (own)
		plan->st = NULL;
	return r;
}

static void set_resume(struct release_plan *plan, int published)
{
	strbuf_reset(&plan->resume);
	if (!published && !plan->pushed) {
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
	if (plan->left.len)
		strbuf_addf(&plan->resume, " (left as they are: %s)", plan->left.buf);
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
	    (r = run_steps(plan, env, "release.build", "build", cb, NULL, 0)) < 0)
		goto fail;
	if (!args->no_publish &&
	    (r = run_steps(plan, env, "release.publish", "publish", cb, &published, 0)) < 0)
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
	if (!published && !plan->pushed)
		undo(plan, env, cb);
	set_resume(plan, published);
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
	strbuf_release(&plan->left);
	json_decref(plan->files);
	free(plan->resumed_args);
	free(plan->changelog_path);
	memset(plan, 0, sizeof(*plan));
}

/* ---- interrupted releases: --resume and --abort ---- */

/* The commit spec names, hex, into out[41]: 0, or -1 when there is none. */
static int rev(struct rel_env *env, const char *spec, char out[41])
{
	struct strbuf sb = STRBUF_INIT, arg = STRBUF_INIT;
	const char *args[] = { "rev-parse", "-q", "--verify", NULL, NULL };
	int r;

	strbuf_addf(&arg, "%s^{commit}", spec);
	args[3] = arg.buf;
	out[0] = 0;
	r = git(env->repo, &sb, args);
	strbuf_trim(&sb);
	if (r == 0 && sb.len == 40)
		memcpy(out, sb.buf, 41);
	else
		r = -1;
	error_clear();
	strbuf_release(&sb);
	strbuf_release(&arg);
	return r;
}

static const char *dstr(const json_t *d, const char *key)
{
	const char *v = json_string_value(json_object_get(d, key));

	return v ? v : "";
}

/* The SHA-256 of the bytes of rel in the work tree (0), or -1. */
static int worktree_hash(struct rel_env *env, const char *rel,
			 char hex[SHA256_HEX_LEN + 1])
{
	struct strbuf p = STRBUF_INIT, cur = STRBUF_INIT;
	int r;

	fs_path_join(&p, env->repo->workdir, rel);
	r = fs_read_file(&cur, p.buf, CHANGELOG_MAX_BYTES);
	if (r == 0)
		sha256_hex(hex, cur.buf, cur.len);
	error_clear();
	strbuf_release(&p);
	strbuf_release(&cur);
	return r < 0 ? -1 : 0;
}

/* The bytes of rel in commit (0), or -1. */
static int blob_at(struct rel_env *env, const char *commit, const char *rel,
		   struct strbuf *out)
{
	struct strbuf spec = STRBUF_INIT;
	const char *args[] = { "cat-file", "blob", NULL, NULL };
	int r;

	strbuf_addf(&spec, "%s:%s", commit, rel);
	args[2] = spec.buf;
	r = git(env->repo, out, args);
	error_clear();
	strbuf_release(&spec);
	return r < 0 ? -1 : 0;
}

/* Every file of the row whose bytes in commit are the ones written. */
static int tree_has_files(struct rel_env *env, const char *commit, const json_t *files)
{
	size_t i;

	for (i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		struct strbuf b = STRBUF_INIT;
		char hex[SHA256_HEX_LEN + 1];
		int ok = blob_at(env, commit, dstr(f, "path"), &b) == 0;

		if (ok)
			sha256_hex(hex, b.buf, b.len);
		strbuf_release(&b);
		if (!ok || strcmp(hex, dstr(f, "after")))
			return 0;
	}
	return 1;
}

/* Is the tag (or, without one, the commit) on the remote? 1, 0, or -1
 * when the remote cannot be asked. */
static int on_remote(struct rel_env *env, const json_t *d, const char *tag,
		     const char *commit)
{
	struct strbuf out = STRBUF_INIT, t = STRBUF_INIT, h = STRBUF_INIT;
	const char *args[] = { "ls-remote", dstr(d, "remote"), NULL, NULL, NULL };
	int r;

	strbuf_addf(&t, "refs/tags/%s", tag);
	strbuf_addf(&h, "refs/heads/%s", dstr(d, "branch"));
	args[2] = t.buf;
	args[3] = h.buf;
	if (git(env->repo, &out, args) < 0) {
		error_clear();
		r = -1;
	} else {
		r = strstr(out.buf, t.buf) || (*commit && strstr(out.buf, commit));
	}
	strbuf_release(&out);
	strbuf_release(&t);
	strbuf_release(&h);
	return r;
}

int release_find_interrupted(struct release_interrupted *in, struct store *st,
			     struct rel_env *env)
{
	char head[41], tagc[41], parent[41];
	const json_t *files;
	const char *step;
	size_t i;
	int r;

	memset(in, 0, sizeof(*in));
	strbuf_init(&in->staged, 0);
	in->pushed = -1;
	in->st = st;
	r = store_release_latest(st, &in->row);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		return 0;
	}
	if (r < 0)
		return r;
	if (!in->row.state || strcmp(in->row.state, "running"))
		return 0;
	in->data = in->row.data ? json_loads(in->row.data, 0, NULL) : NULL;
	if (!json_is_object(in->data)) {
		json_decref(in->data);
		in->data = json_object();
	}
	files = json_object_get(in->data, "files");
	step = in->row.step ? in->row.step : "";
	head_commit(env, head);
	if (in->row.commit && rev(env, in->row.commit, in->commit) < 0)
		in->commit[0] = 0;
	/* Killed between "git commit" and recording it: HEAD is the release
	 * commit when its parent is the original HEAD and its tree holds
	 * exactly the bytes this release wrote. */
	if (!in->commit[0] && (!strcmp(step, "commit") || !strcmp(step, "tag")) &&
	    *head && strcmp(head, dstr(in->data, "orig_head")) &&
	    rev(env, "HEAD^", parent) == 0 && !strcmp(parent, dstr(in->data, "orig_head")) &&
	    tree_has_files(env, head, files))
		memcpy(in->commit, head, 41);
	in->commit_local = in->commit[0] && !strcmp(head, in->commit);
	{
		struct strbuf t = STRBUF_INIT;

		strbuf_addf(&t, "refs/tags/%s", in->row.tag);
		in->tag_local = rev(env, t.buf, tagc) == 0 && in->commit[0] &&
				!strcmp(tagc, in->commit);
		strbuf_release(&t);
	}
	if (json_is_true(json_object_get(in->data, "push")))
		in->pushed = on_remote(env, in->data, in->row.tag, in->commit);
	else
		in->pushed = 0;
	for (i = 0; !in->commit[0] && i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		char hex[SHA256_HEX_LEN + 1];

		if (worktree_hash(env, dstr(f, "path"), hex) == 0 &&
		    !strcmp(hex, dstr(f, "after")))
			strbuf_addf(&in->staged, "%s%s", in->staged.len ? ", " : "",
				    dstr(f, "path"));
	}
	return 1;
}

json_t *release_interrupted_json(const struct release_interrupted *in)
{
	json_t *staged = json_array();
	const char *p = in->staged.buf;

	while (in->staged.len && p && *p) {
		const char *e = strstr(p, ", ");

		json_array_append_new(staged, json_stringn(p, e ? (size_t)(e - p) : strlen(p)));
		p = e ? e + 2 : NULL;
	}
	return json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:b, s:o, s:o, s:i}",
			 "id", (json_int_t)in->row.id, "version", in->row.version,
			 "tag", in->row.tag, "step", in->row.step,
			 "started_at", in->row.started_at,
			 "commit", in->commit[0] ? in->commit : NULL,
			 "commit_local", in->commit_local, "tag_local", in->tag_local,
			 "pushed", in->pushed < 0 ? json_null() : json_boolean(in->pushed),
			 "written", staged,
			 "published", (int)json_integer_value(json_object_get(in->data,
								"published")));
}

void release_interrupted_release(struct release_interrupted *in)
{
	store_release_clear(&in->row);
	json_decref(in->data);
	strbuf_release(&in->staged);
	memset(in, 0, sizeof(*in));
}

/*
 * Put back the files of an interrupted release that was not committed:
 * each one still holding the bytes written gets the original HEAD's bytes
 * back (when those are the bytes it had; a file that did not exist is
 * removed) and is unstaged; a file holding other bytes is left as it is.
 */
static void abort_files(struct release_interrupted *in, struct rel_env *env,
			json_t *undone, json_t *left)
{
	const json_t *files = json_object_get(in->data, "files");
	const char *orig = dstr(in->data, "orig_head");
	const char **paths = xcalloc(json_array_size(files) + 1, sizeof(*paths));
	char head[41];
	size_t i, n = 0;

	for (i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		const char *rel = dstr(f, "path");
		const char *before = json_string_value(json_object_get(f, "before"));
		char hex[SHA256_HEX_LEN + 1], bh[SHA256_HEX_LEN + 1];
		struct strbuf b = STRBUF_INIT, why = STRBUF_INIT;
		int exists = worktree_hash(env, rel, hex) == 0;

		if (!exists && !before)
			continue;  /* never written */
		if (exists && before && !strcmp(hex, before))
			continue;  /* as before */
		if (!exists || strcmp(hex, dstr(f, "after"))) {
			json_array_append_new(left, json_pack("{s:s, s:s}", "path", rel,
				"reason", "it changed since the release wrote it"));
			/* What the release staged is still its own to unstage. */
			if (blob_at(env, "", rel, &b) == 0) {
				sha256_hex(bh, b.buf, b.len);
				if (!strcmp(bh, dstr(f, "after")))
					paths[n++] = rel;
			}
			strbuf_release(&b);
			continue;
		}
		if (before && blob_at(env, orig, rel, &b) == 0)
			sha256_hex(bh, b.buf, b.len);
		else
			bh[0] = 0;
		if (before && strcmp(bh, before)) {
			json_array_append_new(left, json_pack("{s:s, s:s}", "path", rel,
				"reason", "its bytes before the release are not in the "
				"original commit"));
		} else if (restore_file(env->repo->workdir, rel, dstr(f, "after"),
					before ? &b : NULL, &why)) {
			json_array_append_new(undone, json_pack("{s:s, s:s}", "what", "file",
								"name", rel));
			paths[n++] = rel;
		} else {
			json_array_append_new(left, json_pack("{s:s, s:s}", "path", rel,
				"reason", why.len ? why.buf : "it could not be written"));
		}
		strbuf_release(&b);
		strbuf_release(&why);
	}
	head_commit(env, head);
	if (!strcmp(head, orig))
		unstage(env, paths, n);
	free(paths);
}

/*
 * What the killed release left half-written: the version files' journal is
 * finished or undone, and the locks it held (the journal's writer lock, a
 * file's "<file>.lock") are removed; their owner is known to be gone, since
 * this process holds the release lease it held.
 */
/* The first file of the row that holds neither the bytes it had before the
 * release nor those the release wrote (NULL: none). */
static const char *changed_file(struct rel_env *env, const json_t *files)
{
	size_t i;

	for (i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		const char *before = json_string_value(json_object_get(f, "before"));
		char hex[SHA256_HEX_LEN + 1];
		int exists = worktree_hash(env, dstr(f, "path"), hex) == 0;

		if (exists ? strcmp(hex, dstr(f, "after")) && (!before || strcmp(hex, before))
			   : before != NULL)
			return dstr(f, "path");
	}
	return NULL;
}

static void recover_journal(struct rel_env *env, const json_t *files)
{
	char *journal = manifest_journal_path(env->repo->gitdir);
	struct strbuf what = STRBUF_INIT, p = STRBUF_INIT;
	struct lockfile jl = LOCKFILE_INIT;
	size_t i;

	strbuf_addf(&p, "%s.writer", journal);
	if (owner_lock_acquire(&jl, p.buf, 0) == 0) {
		/* A record being replaced when the writer died: the one in
		 * place stands. */
		if (lock_settle(journal, 0) < 0)
			error_clear();
		lock_rollback(&jl);
	}
	error_clear();
	if (manifest_recover(journal, &what) < 0)
		error_clear();
	for (i = 0; i < json_array_size(files); i++) {
		strbuf_reset(&p);
		fs_path_join(&p, env->repo->workdir,
			     dstr(json_array_get(files, i), "path"));
		if (lock_settle(p.buf, 0) < 0)
			error_clear();
	}
	free(journal);
	strbuf_release(&what);
	strbuf_release(&p);
}

int release_abort(struct release_interrupted *in, struct rel_env *env,
		  const struct release_cb *cb, json_t *report)
{
	int published = (int)json_integer_value(json_object_get(in->data, "published"));
	json_t *undone = json_array(), *left = json_array();
	int r = 0;

	recover_journal(env, json_object_get(in->data, "files"));
	if (published > 0) {
		r = error_set(BOSUN_EFAIL, "%d publish step(s) of %s succeeded, so its "
			      "commit and tag must stay", published, in->row.tag);
		error_hint("finish it with 'bosun release --resume'");
		goto out;
	}
	if (in->pushed > 0) {
		r = error_set(BOSUN_EFAIL, "%s is already on '%s': nothing to undo",
			      in->row.tag, dstr(in->data, "remote"));
		error_hint("finish it with 'bosun release --resume'");
		goto out;
	}
	if (in->pushed < 0 && in->commit[0]) {
		r = error_set(BOSUN_EUNAVAILABLE, "cannot ask '%s' whether %s was pushed",
			      dstr(in->data, "remote"), in->row.tag);
		error_hint("run 'bosun release --abort' again when the remote can be reached");
		goto out;
	}
	if (in->tag_local) {
		const char *deltag[] = { "tag", "-d", in->row.tag, NULL };

		if ((r = git(env->repo, NULL, deltag)) < 0)
			goto out;
		json_array_append_new(undone, json_pack("{s:s, s:s}", "what", "tag",
							"name", in->row.tag));
	}
	if (in->commit_local) {
		const char *reset[] = { "reset", "-q", "--keep",
					dstr(in->data, "orig_head"), NULL };

		if ((r = git(env->repo, NULL, reset)) < 0)
			goto out;
		json_array_append_new(undone, json_pack("{s:s, s:s}", "what", "commit",
							"name", in->commit));
	} else if (in->commit[0]) {
		json_array_append_new(left, json_pack("{s:s, s:s}", "path", in->commit,
			"reason", "HEAD is no longer the release commit"));
	} else {
		abort_files(in, env, undone, left);
	}
	if (in->st && store_release_update(in->st, in->row.id, "aborted",
					   in->commit[0] ? in->commit : NULL,
					   "undone by release --abort") < 0)
		not_recorded();
	cb_step(cb, "abort", STEP_OK, in->row.tag);
out:
	json_object_set_new(report, "undone", undone);
	json_object_set_new(report, "left", left);
	return r;
}

int release_resume(struct release_plan *plan, struct rel_env *env,
		   struct release_interrupted *in, const struct release_cb *cb)
{
	const json_t *d = in->data;
	struct release_args *args = xcalloc(1, sizeof(*args));
	struct semver v = SEMVER_INIT;
	struct strbuf tmsg = STRBUF_INIT;
	const char *vars[] = { "{version}", in->row.version, "{tag}", in->row.tag, NULL };
	int r = 0, published = 0;

	recover_journal(env, json_object_get(d, "files"));
	strbuf_init(&plan->resume, 0);
	strbuf_init(&plan->output, 0);
	args->no_push = !json_is_true(json_object_get(d, "push"));
	args->no_publish = !json_is_true(json_object_get(d, "publish"));
	args->level = (enum bump_level)json_integer_value(json_object_get(d, "level"));
	args->pre = json_string_value(json_object_get(d, "pre"));
	plan->args = args;
	plan->resumed_args = args;
	if (!in->commit[0]) {
		/* Nothing left the machine before the commit: put back what was
		 * written and make the release again (the same version). */
		json_t *undone = json_array(), *left = json_array();
		const char *changed = changed_file(env, json_object_get(d, "files"));

		if (changed) {
			/* Checked first: a refused resume changes nothing. */
			r = error_set(BOSUN_EFAIL, "cannot resume %s: %s changed since "
				      "the release wrote it", in->row.tag, changed);
			error_hint("restore it, or keep it and undo the rest with "
				   "'bosun release --abort'");
		} else if (abort_files(in, env, undone, left), json_array_size(left)) {
			r = error_set(BOSUN_EFAIL, "cannot resume %s: %s", in->row.tag,
				      dstr(json_array_get(left, 0), "reason"));
		} else if (in->st && store_release_update(in->st, in->row.id, "undone", NULL,
					"interrupted before its commit; made again by "
					"release --resume") < 0) {
			not_recorded();
		}
		json_decref(undone);
		json_decref(left);
		return r < 0 ? r : 1;
	}
	if (!in->commit_local) {
		r = error_set(BOSUN_EFAIL, "cannot resume %s: HEAD is no longer its "
			      "commit %.7s", in->row.tag, in->commit);
		error_hint("check out the release commit, or undo it with "
			   "'bosun release --abort'");
		return r;
	}
	plan->version = xstrdup(in->row.version);
	plan->tag = xstrdup(in->row.tag);
	plan->branch = xstrdup(dstr(d, "branch"));
	if (semver_parse(&v, plan->version, -1) == 0)
		plan->channel = xstrdup(rel_env_channel(env, &v));
	else
		plan->channel = xstrdup(in->row.channel ? in->row.channel : "");
	error_clear();
	semver_release(&v);
	snprintf(plan->orig_head, sizeof(plan->orig_head), "%s", dstr(d, "orig_head"));
	memcpy(plan->commit, in->commit, 41);
	plan->committed = 1;
	plan->files = json_incref(json_object_get(d, "files"));
	plan->publish_from = plan->nr_published =
		(int)json_integer_value(json_object_get(d, "published"));
	plan->st = in->st;
	plan->record_id = in->row.id;
	strbuf_addf(&plan->push_cmd, "git push --atomic %s %s:refs/heads/%s refs/tags/%s",
		    dstr(d, "remote"), plan->commit, plan->branch, plan->tag);
	log_event(LOG_INFO, "release", "resuming %s at %s", plan->tag,
		  in->row.step ? in->row.step : "?");
	if (!in->tag_local) {
		const char *tag[] = { "tag", "-a", plan->tag, "-m", NULL, plan->commit, NULL };

		strbuf_expand(&tmsg, config_str(env->cfg, "release.tag_message"), vars);
		tag[4] = tmsg.buf;
		progress(plan, env, "tag");
		cb_step(cb, "tag", STEP_START, plan->tag);
		r = git(env->repo, NULL, tag);
		cb_step(cb, "tag", r < 0 ? STEP_FAIL : STEP_OK, plan->tag);
		if (r < 0)
			goto fail;
	}
	plan->tagged = 1;
	/* Builds make what the publish steps need: all of them again. */
	if ((r = run_steps(plan, env, "release.build", "build", cb, NULL, 0)) < 0)
		goto fail;
	if (!args->no_publish &&
	    (r = run_steps(plan, env, "release.publish", "publish", cb, &published,
			   (size_t)plan->publish_from)) < 0)
		goto fail;
	plan->published = plan->nr_published > 0;
	if (!args->no_push && config_bool(env->cfg, "release.push") &&
	    (r = push(plan, env, cb)) < 0)
		goto fail;
	record(plan->st, plan->record_id, plan->pushed ? "done" : "tagged", plan->commit, 0);
	log_event(LOG_INFO, "release", "released %s", plan->tag);
	strbuf_release(&tmsg);
	return 0;
fail:
	/* Resumed: the commit was made by the killed run; it stays, and so
	 * does the row, so that --resume (or --abort) can be run again. */
	strbuf_reset(&plan->resume);
	strbuf_addf(&plan->resume, "the release commit and tag of %s were kept; fix the "
		    "cause and run 'bosun release --resume' again (or '--abort')",
		    plan->tag);
	log_event(LOG_ERROR, "release", "resume of %s failed: %s", plan->tag,
		  error_message());
	strbuf_release(&tmsg);
	return r;
}
