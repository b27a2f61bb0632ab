/*
 * install.c - the checks of bosun's own install: version, writable
 * folders, the store's schema, the hooks' shims, man pages and completions.
 */
#include "bosun-config.h"
#include "lib/doctor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"
#include "lib/git/repo.h"
#include "lib/store/store.h"
#ifdef BOSUN_HAVE_HOOKS
#include "lib/hooks/hooks.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int doctor_install_version(struct doctor_env *env, const struct doctor_check *c,
			   struct doctor_result *res)
{
	json_object_set_new(res->data, "version", json_string(env->version));
	json_object_set_new(res->data, "path", json_string(env->self));
	doctor_set(res, DOCTOR_OK, NULL, "bosun %s at %s", env->version, env->self);
	return 0;
}

/* Whether bosun can write in dir: dir itself, or where it would be made
 * (its nearest existing parent). */
static int writable(const char *dir)
{
	struct strbuf p = STRBUF_INIT;
	int ok;

	strbuf_addstr(&p, dir);
	while (access(p.buf, F_OK) < 0 && errno == ENOENT && p.len > 1) {
		char *slash = strrchr(p.buf, '/');

		if (!slash)
			break;
		strbuf_setlen(&p, slash == p.buf ? 1 : (size_t)(slash - p.buf));
	}
	ok = access(p.buf, W_OK) == 0;
	strbuf_release(&p);
	return ok;
}

int doctor_install_paths(struct doctor_env *env, const struct doctor_check *c,
			 struct doctor_result *res)
{
	struct strbuf logs = STRBUF_INIT, cache = STRBUF_INIT, bad = STRBUF_INIT;
	json_t *paths = json_object();
	char *state = NULL;
	const char *dirs[3];
	const char *names[3] = { "logs", "cache", "state" };
	size_t i, n = 2;

	log_dir(&logs);
	fs_user_dir(&cache, "cache");
	dirs[0] = logs.buf;
	dirs[1] = cache.buf;
	if (env->repo && repo_state_dir(env->repo, &state, 0) == 0)
		dirs[n++] = state;
	error_clear();
	for (i = 0; i < n; i++) {
		int ok = writable(dirs[i]);

		json_object_set_new(paths, names[i], json_pack("{s:s, s:b}", "path",
								dirs[i], "writable", ok));
		if (!ok)
			strbuf_addf(&bad, "%s%s", bad.len ? ", " : "", dirs[i]);
	}
	json_object_set_new(res->data, "paths", paths);
	if (bad.len)
		doctor_set(res, DOCTOR_FAIL, NULL, "cannot write in %s", bad.buf);
	else
		doctor_set(res, DOCTOR_OK, NULL, "the log, cache and state folders are writable");
	strbuf_release(&logs);
	strbuf_release(&cache);
	strbuf_release(&bad);
	free(state);
	return 0;
}

int doctor_install_store(struct doctor_env *env, const struct doctor_check *c,
			 struct doctor_result *res)
{
	struct store *st = NULL;
	int version, latest, r;

	if (!env->repo) {
		doctor_set(res, DOCTOR_SKIP, NULL, "not in a repository");
		return 0;
	}
	r = store_open(&st, config_str(env->cfg, "store.url"), env->repo->common_dir,
		       STORE_OPEN_READ | STORE_OPEN_NO_MIGRATE);
	if (r < 0) {
		doctor_set(res, DOCTOR_FAIL, NULL, "%s", error_message());
		error_clear();
		return 0;
	}
	version = store_schema_version(st);
	latest = store_schema_latest(st);
	json_object_set_new(res->data, "path", json_string(store_location(st)));
	json_object_set_new(res->data, "version", json_integer(version));
	json_object_set_new(res->data, "latest", json_integer(latest));
	if (version < 0) {
		doctor_set(res, DOCTOR_FAIL, NULL, "%s", error_message());
		error_clear();
	} else if (version > latest) {
		doctor_set(res, DOCTOR_FAIL, NULL, "the store's schema %d is newer than "
			   "this bosun reads (%d): upgrade bosun", version, latest);
	} else if (!fs_exists(store_location(st))) {
		doctor_set(res, DOCTOR_OK, NULL, "no store yet: made at schema %d on "
			   "first use", latest);
	} else if (version < latest) {
		json_object_set_new(res->data, "pending", json_integer(latest - version));
		doctor_set(res, DOCTOR_WARN, "bosun migrate", "schema %d of %d: %d "
			   "migration%s pending", version, latest, latest - version,
			   latest - version == 1 ? "" : "s");
	} else {
		doctor_set(res, DOCTOR_OK, NULL, "schema %d, current", version);
	}
	store_close(st);
	return 0;
}

#ifdef BOSUN_HAVE_HOOKS
/* 1 when the shim at path starts this binary (or bosun from PATH). */
static int shim_is_ours(const struct doctor_env *env, const char *path,
			const char *hook)
{
	struct strbuf cur = STRBUF_INIT, want = STRBUF_INIT;
	int ok = 0;

	if (fs_read_file(&cur, path, 65536) < 0) {
		error_clear();
		goto out;
	}
	hooks_shim_text(&want, env->self, hook);
	ok = !strcmp(cur.buf, want.buf);
	strbuf_reset(&want);
	hooks_shim_text(&want, "bosun", hook);
	ok |= !strcmp(cur.buf, want.buf);
out:
	strbuf_release(&cur);
	strbuf_release(&want);
	return ok;
}
#endif

int doctor_install_hooks(struct doctor_env *env, const struct doctor_check *c,
			 struct doctor_result *res)
{
#ifdef BOSUN_HAVE_HOOKS
	struct hook_status_list l = HOOK_STATUS_LIST_INIT;
	struct strbuf p = STRBUF_INIT, other = STRBUF_INIT, missing = STRBUF_INIT;
	json_t *hooks = json_array();
	size_t i, ours = 0;

	if (!env->repo) {
		json_decref(hooks);
		doctor_set(res, DOCTOR_SKIP, NULL, "not in a repository");
		return 0;
	}
	if (hooks_list(env->repo, env->cfg, &l) < 0) {
		json_decref(hooks);
		return -1;
	}
	for (i = 0; i < l.nr; i++) {
		const struct hook_status *s = &l.items[i];
		const char *state = s->state == HS_NONE ? "missing" :
				    s->state == HS_OTHER ? "other" : "bosun";

		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", l.dir, s->hook);
		if (s->state == HS_BOSUN && !shim_is_ours(env, p.buf, s->hook)) {
			state = "another bosun";
			strbuf_addf(&other, "%s%s", other.len ? ", " : "", s->hook);
		} else if (s->state == HS_BOSUN) {
			ours++;
		} else {
			strbuf_addf(&missing, "%s%s", missing.len ? ", " : "", s->hook);
		}
		json_array_append_new(hooks, json_pack("{s:s, s:s}", "hook", s->hook,
						       "state", state));
	}
	json_object_set_new(res->data, "dir", json_string(l.dir));
	json_object_set_new(res->data, "hooks", hooks);
	if (other.len)
		doctor_set(res, DOCTOR_WARN, "bosun hooks install", "the %s shim%s start "
			   "another bosun than %s", other.buf, strchr(other.buf, ',') ? "s" : "",
			   env->self);
	else if (missing.len)
		doctor_set(res, DOCTOR_WARN, "bosun hooks install", "not installed: %s",
			   missing.buf);
	else if (!ours)
		doctor_set(res, DOCTOR_WARN, "bosun hooks install", "no hook is installed");
	else
		doctor_set(res, DOCTOR_OK, NULL, "%zu hook%s installed, starting this bosun",
			   ours, ours == 1 ? "" : "s");
	hook_status_list_release(&l);
	strbuf_release(&p);
	strbuf_release(&other);
	strbuf_release(&missing);
#else
	doctor_set(res, DOCTOR_SKIP, NULL, "this build has no hooks");
#endif
	return 0;
}

/* The first of candidates (relative to the binary's folder, then system
 * folders) that exists, or NULL. */
static char *find_near(const char *self, const char *const *rel)
{
	static const char *const roots[] = { "/usr/local", "/usr", NULL };
	struct strbuf dir = STRBUF_INIT, p = STRBUF_INIT;
	char *found = NULL;
	size_t i, j;

	fs_dirname(&dir, self);
	for (i = 0; rel[i] && !found; i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir.buf, rel[i]);
		if (fs_exists(p.buf))
			found = strbuf_detach(&p, NULL);
	}
	for (j = 0; roots[j] && !found; j++)
		for (i = 0; rel[i] && !found; i++) {
			if (strncmp(rel[i], "../", 3))
				continue;
			strbuf_reset(&p);
			strbuf_addf(&p, "%s/%s", roots[j], rel[i] + 3);
			if (fs_exists(p.buf))
				found = strbuf_detach(&p, NULL);
		}
	strbuf_release(&dir);
	strbuf_release(&p);
	return found;
}

int doctor_install_docs(struct doctor_env *env, const struct doctor_check *c,
			struct doctor_result *res)
{
	/* Installed (PREFIX/bin/../share/...) or in a build tree (BUILD/docs). */
	static const char *const man[] = { "../share/man/man1/bosun.1", "docs/bosun.1", NULL };
	static const char *const bash[] = {
		"../share/bash-completion/completions/bosun", "docs/bosun", NULL,
	};
	char *m = find_near(env->self, man), *b = find_near(env->self, bash);

	json_object_set_new(res->data, "man", m ? json_string(m) : json_null());
	json_object_set_new(res->data, "completion", b ? json_string(b) : json_null());
	if (m && b)
		doctor_set(res, DOCTOR_OK, NULL, "man pages and completions are installed");
	else
		doctor_set(res, DOCTOR_WARN, NULL, "%s%s%s missing: install bosun with its "
			   "share/ folder", m ? "" : "man pages", m || b ? "" : " and ",
			   b ? "" : "completions");
	free(m);
	free(b);
	return 0;
}
