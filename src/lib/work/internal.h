/*
 * internal.h - what lib/work's files share and nobody else needs.
 */
#ifndef BOSUN_LIB_WORK_INTERNAL_H
#define BOSUN_LIB_WORK_INTERNAL_H

#include "lib/work/work.h"

/* The keys work keeps in the store's cache: one prefix a kind, followed by
 * the parts work_cache_key() joins with '/'. status.c and predict.c write
 * them; cache.c reads them back for bosun clean. */
#define WORK_KEY_HEARTBEAT "work/heartbeat/" /* TASK/ID */
#define WORK_KEY_WTSTATUS "work/wtstatus/"   /* the worktree's path */
#define WORK_KEY_COMMIT "work/commit/"       /* C */
#define WORK_KEY_BRANCH "work/branch/"       /* TIP/HEAD */
#define WORK_KEY_MERGE "work/merge/"         /* A/B */

/* key = prefix a, or prefix a/b when b is not NULL. */
void work_cache_key(struct strbuf *key, const char *prefix, const char *a,
		    const char *b);

enum work_bring { BRING_AUTO, BRING_REFLINK, BRING_SYMLINK, BRING_COPY };

/* Bring src (a file, link or folder) to dst, which must not exist;
 * *done says how ("copy", "reflink", "symlink"). */
int work_bring(const char *src, const char *dst, enum work_bring how,
	       const char **done);

/* A workstream's row: its data (a JSON object, new reference) and state. */
int work_item_load(struct store *st, const char *id, json_t **data,
		   struct strbuf *state);
int work_item_save(struct store *st, const char *id, const char *parent,
		   const char *state, const json_t *data);

/* Every workstream of every plan whose row holds spawn data: fn(row id,
 * state, the row's "spawn" object, data) in the store's order; a negative
 * return of fn stops the walk and is returned. A row whose data is not
 * JSON is skipped. */
int work_each_spawn(struct store *st,
		    int (*fn)(const char *id, const char *state, const json_t *spawn,
			      void *data),
		    void *data);

/* The admin folder (common_dir/worktrees/X) whose gitdir names dir: 1
 * and out filled, or 0. */
int work_find_admin(const struct work_where *w, const char *dir, struct strbuf *out);

/* Remove common_dir/REF.lock when a git killed with SIGKILL left it: no
 * git runs in the repository's top or in dir (NULL: the top alone), or it
 * is over a minute old (gc.c). For refs only bosun writes. */
int work_settle_ref_lock(const struct work_where *w, const char *ref, const char *dir);

/* Run git in dir (NULL: here); its stdout in out when out is set. */
int work_git(const char *dir, struct strbuf *out, const char *const *args);
/* The same, git getting SIGTERM when we die, even of SIGKILL (core/run's
 * die_with_us): for spawn, which repairs what a killed run left and must
 * not meet a git still working on it. */
int work_git_dying(const char *dir, struct strbuf *out, const char *const *args);
/* The same with an environment (core/run's env). */
int work_git_env(const char *dir, const char *const *env, struct strbuf *out,
		 const char *const *args);

#endif
