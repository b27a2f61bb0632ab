/*
 * watch.h - watch one commit's deployment until a verdict.
 *
 *	struct watch w = WATCH_INIT;
 *	r = watch_prepare(&w, cfg, common_dir, workdir, commit_hex);
 *	// -BOSUN_EDATA: bad probes, an unset ${VAR}, ... (nothing written)
 *	w.await_remote = "origin"; w.await_branch = "main";	// optional
 *	r = watch_run(&w);		// w.verdict: success, failed, timeout
 *	watch_release(&w);		// or canceled
 *
 * watch_run() expects the caller to own the commit (watcher_claim(),
 * status.h). It writes status.json after every round and watch.log lines
 * (each once, timestamped, secrets removed), polls the probes (deploy.probes
 * that are not in deploy.verify decide; the verify probes must then pass),
 * runs deploy.on_failure and deploy.notify, records the watch in the state
 * store, and removes its PID file.
 *
 * Polling: deploy.interval during the first deploy.early, then
 * deploy.interval_late; while every deciding probe reports queued or
 * building (a build takes minutes) the late interval applies from the
 * start. ±10 % jitter; Retry-After is honoured; 429, 5xx and transport
 * errors double the wait (up to 8 times). deploy.time_scale divides every
 * duration. A SIGTERM or SIGINT ends the watch with verdict canceled.
 */
#ifndef BOSUN_LIB_DEPLOY_WATCH_H
#define BOSUN_LIB_DEPLOY_WATCH_H

#include "core/strbuf.h"
#include "lib/deploy/probe.h"

#include <jansson.h>
#include <signal.h>

struct config;
struct repo;
struct store;

struct watch {
	char commit[41];
	char *dir;
	char *common_dir;
	char *workdir;
	const char *version;
	const char *await_remote, *await_branch;
	pid_t push_pid;               /* the `git push` awaited (0: unknown) */
	unsigned long long push_start;/* its start time (core/proc) */
	struct repo *repo;            /* for the remote-tracking ref; may be NULL */
	struct probe_set probes;
	long long timeout_ms, interval_ms, late_ms, early_ms, await_ms;
	int time_scale;
	json_t *on_failure;           /* argv or null */
	json_t *notify;               /* null or { command | webhook, headers, on } */
	struct strbuf secrets;        /* NUL-separated values from the environment */
	int log_fd;
	char *store_url;              /* store.url */
	struct store *store;          /* opened at the first record, once per watcher */
	/* progress */
	long long started_ms, deadline_ms, updated_ms;
	int rounds, requests;
	enum deploy_state state;
	const char *verdict;
	struct strbuf message;
	void (*progress)(const struct watch *w, void *data);
	void *progress_data;
};
#define WATCH_INIT { .log_fd = -1, .secrets = STRBUF_INIT, .message = STRBUF_INIT, \
		     .state = DS_QUEUED }

int watch_prepare(struct watch *w, const struct config *cfg, const char *common_dir,
		  const char *workdir, const char *commit);
/* Keep only the probes named (--probe); -BOSUN_EUSAGE for an unknown one. */
int watch_select_probes(struct watch *w, const char *const *names, size_t n);
int watch_run(struct watch *w);
void watch_release(struct watch *w);

/* Set by the SIGTERM/SIGINT handler watch_run() installs. */
extern volatile sig_atomic_t watch_stop_requested;

/* The status document of w as it stands (new reference). */
json_t *watch_status_json(const struct watch *w);

/* The wait before the next round, in ms (exposed for the unit test):
 * elapsed since the start, whether every deciding probe is queued or
 * building, the backoff factor, the server's Retry-After (-1: none) and a
 * random number in [0, 1) for the jitter. */
long long watch_next_wait(const struct watch *w, long long elapsed, int slow,
			  int backoff, long long retry_after_ms, double rnd);

#endif
