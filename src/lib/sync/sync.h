/*
 * sync.h - push the current branch, one bosun at a time per repository,
 * rebasing on a non-fast-forward and retrying (docs/sync.md).
 *
 *	struct sync_opts o = SYNC_OPTS_INIT;
 *	o.workdir = repo->workdir;		// the worktree to push from
 *	o.gitdir = repo->gitdir;		// its git dir
 *	o.common_dir = repo->common_dir;	// where the store is
 *	sync_opts_config(&o, cfg);		// sync.* keys and store.url
 *	o.remote = "origin";			// optional: else the upstream's
 *	o.progress = say;			// waits, recovery (may be NULL)
 *	o.after_push = start_watcher;		// a branch was moved (may be NULL)
 *	struct sync_result res = SYNC_RESULT_INIT;
 *	r = sync_run(&o, &res);			// 0 or a negative kind
 *	...res.outcome, res.attempts, res.from, res.to...
 *	sync_result_release(&res);
 *
 * sync_run() claims the lease "sync:<remote>" in the store (waiting up to
 * o.wait_ms; a claim whose process is dead is taken over at once), rolls
 * back what a killed sync left in this worktree (a rebase, its stash), and
 * pushes the branch to the same name on the remote (or the branch's
 * upstream). A push refused as a non-fast-forward is followed by a fetch
 * and a rebase of the local commits on the remote's (uncommitted changes
 * are stashed with their index and put back), then a retry after a
 * jittered exponential backoff, o.attempts pushes in all. Every push is a
 * row of the store's push queue (remote, range, attempts, outcome,
 * duration); a sync with nothing to push writes none.
 *
 * Failures, with res.outcome and the recorded message:
 *	a rebase that conflicts		-BOSUN_ECONFLICT "conflict": the rebase is
 *					aborted; HEAD, index, tree as before
 *	authentication refused		-BOSUN_EAUTH "auth"
 *	remote unreachable		-BOSUN_EUNAVAILABLE "network"
 *	a remote hook or rule refused	-BOSUN_EFAIL "rejected"
 *	still behind after o.attempts	-BOSUN_EFAIL "behind"
 *	the queue did not move		-BOSUN_EBUSY (nothing pushed, no row)
 *	detached HEAD, no such remote	-BOSUN_EUSAGE
 */
#ifndef BOSUN_LIB_SYNC_H
#define BOSUN_LIB_SYNC_H

#include "core/strbuf.h"
#include "lib/config/config.h"

/* The sync.* keys (keys.c). */
extern const struct config_key sync_config_keys[];

struct sync_opts {
	const char *workdir, *gitdir, *common_dir;
	const char *store_url;        /* store.url ("" or NULL: the default) */
	const char *remote;           /* NULL: the branch's upstream's, else origin */
	int attempts;                 /* pushes in all (sync.attempts) */
	long long backoff_ms;         /* the first wait (sync.backoff) */
	long long backoff_max_ms;     /* the cap (sync.backoff_max) */
	long long wait_ms;            /* for the queue (sync.wait) */
	/* Something to say on the way (a wait, a recovery); text, no newline. */
	void (*progress)(const char *msg, void *data);
	/* Called after remote's branch moved to oid (the deployment watcher);
	 * a warning it returns in why goes to res.notes. */
	void (*after_push)(const char *remote, const char *branch, const char *oid,
			   struct strbuf *why, void *data);
	void *data;
};
#define SYNC_OPTS_INIT { .attempts = 5, .backoff_ms = 2000, \
			 .backoff_max_ms = 30000, .wait_ms = 600000 }

struct sync_result {
	/* pushed, up-to-date, conflict, auth, network, rejected, behind,
	 * failed; NULL before the push */
	const char *outcome;
	char *remote, *branch;        /* what was pushed where: our branch */
	char *remote_branch;          /* to this branch of remote */
	char from[41], to[41];        /* the remote's old commit ("": none), the new */
	int attempts;                 /* pushes tried */
	long long duration_ms;        /* from the claim to the outcome */
	long long queued_ms;          /* waiting for the queue */
	long long push_id;            /* the push queue's row (0: none) */
	int recovered;                /* an interrupted sync was rolled back */
	struct strbuf conflicts;      /* conflicting paths, one a line */
	struct strbuf notes;          /* warnings, one a line */
};
#define SYNC_RESULT_INIT { .conflicts = STRBUF_INIT, .notes = STRBUF_INIT }

/* Fill o's numbers and store_url from cfg's sync.* keys. */
void sync_opts_config(struct sync_opts *o, const struct config *cfg);
int sync_run(const struct sync_opts *o, struct sync_result *res);
void sync_result_release(struct sync_result *res);

/* The wait before retry n (1, 2, ...): min(max, first * 2^(n-1)), scaled by
 * rnd in [0, 1) into its upper half (the jitter); exposed for the test. */
long long sync_backoff_ms(const struct sync_opts *o, int n, double rnd);

/* How a failed push is classed, from git push --porcelain's stdout and its
 * stderr (LC_ALL=C): one of the outcomes above, "nff" for a push to retry. */
const char *sync_classify(const char *out, const char *err);

#endif
