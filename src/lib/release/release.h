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
#include "lib/store/store.h"

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
	int resume, abort;      /* --resume, --abort (cmd only) */
};

/*
 * One release at a time per repository: the store's lease "release", held
 * by this process (its core/pidfile record) from before the gates to the
 * end. A live holder is -BOSUN_EBUSY naming it (pid, host, since when); a
 * dead holder's lease (its process gone, or its PID reused) is taken over
 * and l->notice says so. Renewed (fencing token checked) before the steps
 * that cannot be taken back (publish, push).
 *
 *	struct release_lease l;
 *	r = release_lease_claim(&l, st);	// st: the repository's store
 *	...l.notice.len: print it
 *	plan.lease = &l;
 *	release_lease_release(&l);
 */
#define RELEASE_LEASE_TTL_MS (24LL * 3600 * 1000)
struct release_lease {
	struct store *st;
	char *owner;
	long long token;
	struct strbuf notice;
};
int release_lease_claim(struct release_lease *l, struct store *st);
/* 0 while l still holds the lease, -BOSUN_EBUSY when it was taken over. */
int release_lease_check(struct release_lease *l);
void release_lease_release(struct release_lease *l);
/* The repository's store (store.url), for the lease and the release rows. */
int release_store_open(struct store **st, struct rel_env *env);

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
	struct store *st;          /* where the row is (the lease's store) */
	struct release_lease *lease;
	json_t *files;             /* [{path, before, after, existed, written}] */
	int nr_published;          /* publish steps done */
	int publish_from;          /* --resume: steps done before the kill */
	const struct release_args *args;
	struct release_args *resumed_args;  /* --resume: from the row */
	struct strbuf left;        /* what undo left alone, and why */
};
#define RELEASE_PLAN_INIT { 0 }

int release_prepare(struct release_plan *plan, struct rel_env *env,
		    const struct release_args *args);
int release_run(struct release_plan *plan, struct rel_env *env,
		const struct release_args *args, const struct release_cb *cb);
void release_plan_release(struct release_plan *plan);

/*
 * A release killed (kill -9, a crash, a reboot) leaves its row "running"
 * with the step it reached. With the lease held (so its bosun is gone):
 *
 *	struct release_interrupted in;
 *	r = release_find_interrupted(&in, st, env);  // 1: there is one
 *	...in.row (version, tag, step), in.commit_local, in.tag_local,
 *	...in.pushed (-1: unknown), in.staged
 *	r = release_resume(&plan, env, &in, &cb);     // finish it
 *	r = release_abort(&in, env, &cb, &report);    // undo what it left
 *	release_interrupted_release(&in);
 *
 * Both are safe to run again; resume before the commit was made puts back
 * what the killed run wrote and makes the release again from the start.
 */
struct release_interrupted {
	struct store *st;
	struct store_release row;
	json_t *data;              /* the row's data, parsed */
	char commit[41];           /* the release commit, found locally; "" */
	int commit_local;          /* it exists and HEAD is it */
	int tag_local;             /* the tag exists and names commit */
	int pushed;                /* 1 on the remote, 0 not, -1 unknown */
	struct strbuf staged;      /* files this release wrote, staged or not */
};
int release_find_interrupted(struct release_interrupted *in, struct store *st,
			     struct rel_env *env);
json_t *release_interrupted_json(const struct release_interrupted *in);
int release_resume(struct release_plan *plan, struct rel_env *env,
		   struct release_interrupted *in, const struct release_cb *cb);
/* report: one line per thing undone or left ("left VERSION: ..."). */
int release_abort(struct release_interrupted *in, struct rel_env *env,
		  const struct release_cb *cb, json_t *report);
void release_interrupted_release(struct release_interrupted *in);

/* The configuration keys release.*, changelog.* and commit.* (keys.c). */
extern const struct config_key release_config_keys[];

/* Gates, exposed for "version check" and tests. */
int release_check_clean(struct repo *repo);
int release_current_branch(struct repo *repo, struct strbuf *branch);
/* Manifest versions agree with each other and with want (may be NULL). */
int release_check_sync(const struct manifest_set *ms, const char *want);

#endif
