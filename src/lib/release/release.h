/*
 * release.h - the release procedure, and the setup every release command
 * shares (history, tags and rules from the configuration).
 *
 *	struct rel_env env = REL_ENV_INIT;
 *	r = rel_env_open(&env, repo, cfg, package, NULL, "HEAD");
 *	...env.h, env.tags, env.head, env.format
 *	rel_env_release(&env);
 *
 *	struct release_plan plan = RELEASE_PLAN_INIT;
 *	r = release_prepare(&plan, &env, &args);  // gates + next version + entry
 *	r = release_run(&plan, &env, &args, &cb); // bump → changelog → commit →
 *						  // tag → build → publish → push
 *	release_plan_release(&plan);
 *
 * Nothing is lost: the gates (clean tree, allowed branch, versions in sync,
 * the test command) run before anything is written. When a later step
 * fails, the local commit and tag are undone if nothing was pushed or
 * published; otherwise they are kept and plan.resume says exactly what is
 * left to do. The callback reports each step (the library never prints).
 */
#ifndef BOSUN_LIB_RELEASE_H
#define BOSUN_LIB_RELEASE_H

#include "core/strbuf.h"
#include "lib/config/config.h"
#include "lib/git/history.h"
#include "lib/git/repo.h"
#include "lib/release/changelog.h"
#include "lib/release/manifest.h"
#include "lib/release/tags.h"
#include "lib/release/version.h"

struct rel_env {
	struct repo *repo;
	struct config *cfg;
	struct history h;
	struct rtags tags;
	uint32_t head;
	const char *format;        /* the tag format in force */
	const char *package;
	struct strbuf url;         /* web URL for links, or empty */
	enum cl_host host;
	int loaded;
	int url_loaded;
};
#define REL_ENV_INIT { 0 }

int rel_env_open(struct rel_env *env, struct repo *repo, struct config *cfg,
		 const char *package, const char *format, const char *rev);
/* As rel_env_open(), reading every commit message during the walk (for a
 * whole-history changelog); otherwise messages are read on demand. */
int rel_env_open_full(struct rel_env *env, struct repo *repo, struct config *cfg,
		      const char *package, const char *format, const char *rev);
void rel_env_release(struct rel_env *env);
void rel_env_next_opts(const struct rel_env *env, struct next_opts *o);
void rel_env_changelog_opts(struct rel_env *env, struct changelog_opts *o);
/* The npm dist-tag for a version: release.channels[pre id], else
 * release.channel_default. */
const char *rel_env_channel(const struct rel_env *env, const struct semver *v);

struct release_args {
	enum bump_level level;  /* BUMP_NONE: from the commits */
	const char *pre;
	int dry_run;
	int no_push;
	int no_publish;
};

enum release_step_state { STEP_START, STEP_OK, STEP_FAIL, STEP_SKIP };

struct release_cb {
	void (*step)(void *data, const char *step, enum release_step_state st,
		     const char *detail);
	void *data;
};

struct release_plan {
	struct next_result next;
	char *version, *tag, *channel, *branch;
	char *entry;               /* the changelog entry, Markdown */
	struct manifest_set ms;
	char orig_head[41];
	char commit[41];           /* the release commit, once made */
	struct strbuf push_cmd;    /* the push that finishes the release */
	struct strbuf skipped;     /* publish steps that did not run */
	int committed, tagged, published, pushed;
	long long record_id;       /* the row in the store's releases table */
	struct strbuf resume;      /* what is left to do after a failure */
	struct strbuf output;      /* the failing step's output */
	char *changelog_path;      /* as written, for undo */
	struct strbuf changelog_orig;
	int changelog_existed;
};
#define RELEASE_PLAN_INIT { 0 }

int release_prepare(struct release_plan *plan, struct rel_env *env,
		    const struct release_args *args);
int release_run(struct release_plan *plan, struct rel_env *env,
		const struct release_args *args, const struct release_cb *cb);
void release_plan_release(struct release_plan *plan);

/* The configuration keys release.*, changelog.* and commit.* (keys.c). */
extern const struct config_key release_config_keys[];

/* Gates, exposed for "version check" and tests. */
int release_check_clean(struct repo *repo);
int release_current_branch(struct repo *repo, struct strbuf *branch);
/* Manifest versions agree with each other and with want (may be NULL). */
int release_check_sync(const struct manifest_set *ms, const char *want);

#endif
