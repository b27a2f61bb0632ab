/*
 * status.h - what bosun knows about each watched commit, on disk, for every
 * worktree and agent to read:
 *
 *	$(git rev-parse --git-common-dir)/bosun/deploy/<commit>/
 *		status.json	state, verdict, probes, attempts, times, message
 *		watch.log	one timestamped line per event
 *		watch.pid	"<pid> <start time> <boot id> <host>\n" while a watcher runs
 *
 *	struct strbuf dir = STRBUF_INIT;
 *	deploy_dir(&dir, common_dir, commit_hex);
 *	json_t *st;
 *	r = dstatus_load(&st, dir.buf);	// status.json plus "watcher":
 *					// "running", "stale" or "done"
 *
 * Reading needs no libgit2, SQLite or libcurl: deploy status is on the hot
 * path of agents' loops. status.json is replaced with write_file_atomic(),
 * so a reader sees the old or the new document. watch.pid is an owner
 * record (core/pidfile.h): PID, start time, boot id and host, so a reused
 * PID is never taken for the watcher.
 */
#ifndef BOSUN_LIB_DEPLOY_STATUS_H
#define BOSUN_LIB_DEPLOY_STATUS_H

#include "core/lockfile.h"
#include "core/pidfile.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* common_dir/bosun/deploy (root) and common_dir/bosun/deploy/<commit>. */
void deploy_root(struct strbuf *out, const char *common_dir);
void deploy_dir(struct strbuf *out, const char *common_dir, const char *commit);

/* Read dir/watch.pid (pidfile.h); -BOSUN_ENOTFOUND when absent,
 * -BOSUN_EDATA when bad. Whether it runs: proc_owner_alive(). */
int watcher_read(const char *dir, struct proc_owner *w);

/*
 * Become the one watcher of dir: pidfile_claim() of dir/watch.pid (waiting
 * up to two seconds for a concurrent claim). Returns 1 with *holder set
 * when a live watcher already holds the commit (nothing is held), or 0
 * with the lock held: write the watcher's record with pidfile_commit(), or
 * give up with lock_rollback(). A dead or reused watcher's PID file is
 * replaced.
 */
int watcher_claim(struct lockfile *lk, const char *dir, struct proc_owner *holder);
/* Remove dir/watch.pid if it names this process. */
void watcher_release(const char *dir);

/* Read status.json (-BOSUN_ENOTFOUND, -BOSUN_EDATA) and add "watcher"
 * ("running", "stale" or "done") and "pid". With no status.json but a live
 * watcher (one that has just started), a "queued" status is made up. */
int dstatus_load(json_t **out, const char *dir);
/* Replace status.json atomically. */
int dstatus_write(const char *dir, const json_t *st);

/* The watch log. dlog_open() returns an O_APPEND descriptor or a negative
 * kind. dlog_line() writes "TIMESTAMP text\n" in one write(), after
 * removing every secret (a list of NUL-terminated strings, secrets_len
 * bytes in all) and anything redact() recognises. */
int dlog_open(const char *dir);
void dlog_line(int fd, const struct strbuf *secrets, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Replace each secret in s with [REDACTED], then redact(); into out. */
void dlog_scrub(struct strbuf *out, const struct strbuf *secrets, const char *s, size_t len);
/* The last n lines of dir/watch.log into out. */
int dlog_tail(struct strbuf *out, const char *dir, int n);

/* Every watched commit (40-hex directory names under the root), sorted. */
int deploy_list_commits(char ***out, size_t *nr, const char *common_dir);
void deploy_list_free(char **list, size_t nr);
/* The one watched commit whose id starts with prefix (4 to 40 hex digits):
 * -BOSUN_ENOTFOUND when none, -BOSUN_EUSAGE when several. */
int deploy_find_prefix(char out[41], const char *common_dir, const char *prefix);

/* "2026-01-02T03:04:05.123Z" for ms since the epoch (time_wall_ms()). */
void deploy_timestamp(struct strbuf *out, long long ms);
/* Milliseconds since the epoch for a timestamp made above; -1 when bad. */
long long deploy_parse_timestamp(const char *s);

/* "90s", "10m", "1h", "250ms" or a number of seconds, in ms; -1 when bad. */
long long deploy_parse_duration(const char *s);

#endif
