/*
 * clean.h - what `bosun clean` removes: a plan made by rules over folders
 * the caller names, trimmed to a size budget, then carried out
 * (docs/clean.md). The library knows files, ages, sizes and owners, not
 * whose folders they are: src/cmd/clean.c hands it the cache, the log
 * folder, the deployment watchers' root and the backups' folder.
 *
 *	struct clean_plan plan = CLEAN_PLAN_INIT;
 *	clean_old_files(&plan, "cache", cache_dir, cut_s);
 *	clean_rotated_logs(&plan, log_dir, "bosun.log", keep);
 *	clean_watchers(&plan, deploy_root, cut_s);
 *	clean_backups(&plan, backup_dir, keep, keep_days, now_s);
 *	clean_stale_temps(&plan, dir, 3);	// dead writers' locks, our leftovers
 *	clean_store_cache(&plan, store, cut_s, gone, data); // the store's cache
 *	clean_budget(&plan, budget_bytes);	// oldest first, until under it
 *	r = clean_run(&plan, dry_run);		// item->removed, item->error
 *	clean_plan_release(&plan);
 *
 * Nothing a live process holds is planned: a folder with a PID file
 * (core/pidfile.h) whose owner runs, a lock whose owner runs, a temporary
 * file whose PID runs. Such items are listed with kept set instead.
 *
 * A folder is removed by renaming it to "<name>.bosun-clean.<pid>.<start>"
 * first (one atomic step: readers see it whole or gone), then deleting it;
 * a clean killed half way leaves only such a name, which the next clean's
 * clean_stale_temps() removes. Files are removed with unlink(), which is
 * atomic, and store cache entries one by one with store_cache_delete(),
 * each its own transaction. BOSUN_TEST_CLEAN_KILL=N sends SIGKILL to the process just before
 * the Nth removal step (the kill -9 test, t6110).
 */
#ifndef BOSUN_LIB_CLEAN_H
#define BOSUN_LIB_CLEAN_H

#include "core/strbuf.h"
#include "lib/config/config.h"
#include "lib/store/store.h"

#include <stddef.h>

/* The configuration keys clean.* (keys.c). */
extern const struct config_key clean_config_keys[];

struct meter;

struct clean_item {
	char *kind;          /* cache, log, temp, watcher, backup, store */
	char *path;          /* for a store cache entry: its key */
	char *why;           /* why it goes (or would) */
	char *kept;          /* why it stays: a live owner; NULL when it goes */
	long long bytes;     /* with everything below, for a folder */
	long long mtime_s;
	int dir;
	int planned;         /* goes */
	int budget_ok;       /* may go to meet --budget when not planned */
	int removed;
	char *error;         /* the removal failed: why */
	int cached;          /* a store cache entry (p->store) */
	long long put_ms;    /* then when it was put */
};

struct clean_plan {
	struct clean_item *v;
	size_t nr, alloc;
	struct store *store; /* where the store items are (not owned) */
	struct meter *progress;  /* NULL, or clean_run()'s removals counted */
};
#define CLEAN_PLAN_INIT { NULL, 0, 0, NULL, NULL }
void clean_plan_release(struct clean_plan *p);

/* Files directly in dir changed before cut_s (seconds since the epoch);
 * the others may go for the budget. A missing dir is nothing. */
int clean_old_files(struct clean_plan *p, const char *kind, const char *dir,
		    long long cut_s);
/* name.N in dir for N > keep (the newest rotated logs are name.1 ...);
 * name.1 ... name.keep may go for the budget, name itself never. */
int clean_rotated_logs(struct clean_plan *p, const char *dir, const char *name,
		       int keep);
/* The folders under root (one per watched commit) whose watcher is done
 * (no watch.pid, or its owner is dead) and whose newest file is older
 * than cut_s. */
int clean_watchers(struct clean_plan *p, const char *root, long long cut_s);
/* The archives bosun-*.tar.zst in dir beyond the newest keep and older
 * than keep_days (an archive stays while either keeps it; 0: that rule
 * keeps none). The newest never goes for the budget. */
int clean_backups(struct clean_plan *p, const char *dir, long long keep,
		  long long keep_days, long long now_s);
/* Below dir (depth levels deep): "X.lock" whose owner name
 * (X.lock.owner.PID.START) names a dead process, with that name;
 * ".store-copy.PID.db" of a dead PID; "*.bosun-clean.PID.START" left by a
 * killed clean. */
int clean_stale_temps(struct clean_plan *p, const char *dir, int depth);
/*
 * The entries of the store's cache (store.h, store_cache_list()) put before
 * cut_s, and those whose subject is gone: gone (may be NULL) is handed
 * every entry at once and sets why[i] (allocated) for each whose worktree,
 * file or commit no longer exists; a negative return is an error and
 * plans nothing by it. Each entry is an item of kind "store", its path the
 * key, its bytes what its row holds; young ones may go for the budget.
 * The store must stay open until clean_run() has run.
 */
typedef int clean_cache_gone_fn(const struct store_cache_entry *v, size_t nr,
				char **why, void *data);
int clean_store_cache(struct clean_plan *p, struct store *s, long long cut_s,
		      clean_cache_gone_fn *gone, void *data);
/* Plan more, oldest first, until what stays of the kinds that count
 * (those with budget_ok items) is at most budget bytes. Returns the
 * bytes that stay. */
long long clean_budget(struct clean_plan *p, long long budget);

/* Remove what is planned (dry_run: nothing); an item that cannot be
 * removed gets its error and the rest go on. Returns 0, or -BOSUN_EFAIL
 * (recorded) when an item failed. */
int clean_run(struct clean_plan *p, int dry_run);

/* "500M", "2G", "1.5GiB", "800k", "123" (bytes) into *out; powers of
 * 1024; -BOSUN_EUSAGE. */
int clean_parse_size(const char *s, long long *out);

#endif
