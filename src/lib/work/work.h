/*
 * work.h - parallel agent work (docs/work.md): a plan of workstreams with
 * exclusive file ownership and a merge order, and the worktrees that carry
 * them out.
 *
 *	struct work_plan p = WORK_PLAN_INIT;
 *	if ((r = work_plan_parse(&p, "plan.yml", text, len)) < 0)
 *		return r;	// "plan.yml:9:12: ...", -BOSUN_EDATA, nothing written
 *	for (i = 0; i < p.nr; i++)
 *		use(p.ws[p.order[i]]);		// in merge order
 *	json_t *j = work_plan_json(&p);		// what the store keeps
 *	r = work_plan_record(st, &p);		// the plan and its workstreams
 *	work_plan_release(&p);
 *
 * work_plan_parse() checks everything before anything is written: an
 * unknown key, a bad value, a duplicate id, a path pattern owned by two
 * workstreams, an unknown dependency and a cycle are each one message
 * "FILE:LINE:COL: ..." naming both sides. The merge order is the
 * topological order of depends_on, ties broken by id (byte order).
 *
 * Ownership patterns are core/glob.h's file patterns. Two patterns overlap
 * when some path could match both (work_glob_overlap()): decided on the
 * patterns, not on the files that exist today, so a file added later
 * cannot be owned twice. The test is exact except that it ignores the rule
 * that a wildcard does not match a leading '.', which can only report an
 * overlap that no path has (never miss one).
 */
#ifndef BOSUN_LIB_WORK_H
#define BOSUN_LIB_WORK_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <stddef.h>

struct meter;
struct store;

/* The configuration keys work.* (keys.c). */
extern const struct config_key work_config_keys[];

struct work_stream {
	char *id, *agent, *context, *contract;
	char **owns, **test, **checklist, **depends_on;   /* NULL-terminated */
	size_t owns_nr, test_nr, checklist_nr, depends_nr;
	int line, col;          /* where the workstream starts */
	int *owns_line, *owns_col, *dep_line, *dep_col;
};

struct work_plan {
	char *task, *title, *base;   /* base NULL: the current branch */
	struct work_stream *ws;
	size_t nr;
	size_t *order;               /* indexes into ws, in merge order */
};
#define WORK_PLAN_INIT { NULL, NULL, NULL, NULL, 0, NULL }

int work_plan_parse(struct work_plan *p, const char *name, const char *text,
		    size_t len);
void work_plan_release(struct work_plan *p);
/* The plan as docs/work.md's JSON shape (new reference). */
json_t *work_plan_json(const struct work_plan *p);
/* Read back what work_plan_json() wrote (the store's copy). */
int work_plan_from_json(struct work_plan *p, const json_t *j);
/* 1 when some path matches both file patterns (see above), else 0. */
int work_glob_overlap(const char *a, const char *b);
/* 1 when s is a valid task or workstream id: [A-Za-z0-9._-], not
 * starting with '.' or '-', at most 64 bytes. */
int work_id_valid(const char *s);

/* Record the plan in the store (one transaction): the plan row (id: the
 * task) and a row per workstream (id "TASK/ID"); a workstream that was
 * spawned keeps its state; one no longer in the plan becomes "dropped". */
int work_plan_record(struct store *st, const struct work_plan *p);
/* Load the plan of task (NULL: the only plan; several is -BOSUN_EUSAGE). */
int work_plan_load(struct store *st, const char *task, struct work_plan *p);



/* ------------------------------------------------------------ spawning */

/* The work.* values, borrowed from the configuration. */
struct work_config {
	const char *root;               /* "": ../<repo>.work */
	const char **copy, **link;
	size_t copy_nr, link_nr;
	const char *link_mode;          /* auto, reflink, symlink, copy */
	long long ports, port_base, attic_days;
	const json_t *agent_command;    /* NULL: none */
	long long stalled_ms, dead_ms;  /* work.stalled_after, work.dead_after */
	const char *status_file;        /* work.agent_status_file ("": none) */
	int foreign_fail;               /* work.foreign_edits is "fail" */
	long long watch_ms;             /* work.watch_interval */
};
void work_config_read(struct work_config *wc, const struct config *cfg);

/* Where things are: the main worktree's top, git's common dir, the root
 * worktrees go under, bosun's own folder for work (common_dir/bosun/work). */
struct work_where {
	char *top, *common_dir, *root, *state;
};
int work_where_init(struct work_where *w, const char *workdir,
		    const char *common_dir, const struct work_config *wc);
void work_where_release(struct work_where *w);

struct work_spawn_opts {
	const char *task;               /* NULL: the only plan */
	const char *const *only;        /* NULL-terminated ids, or NULL: all */
	int restart;                    /* start an agent that exited */
	/* How git starts bosun's merge driver (an absolute path), registered
	 * in each worktree's own config with cfg's merge.kinds; NULL: not. */
	const char *merge_command;
	const struct config *cfg;
	struct meter *progress;         /* NULL, or the worktrees done counted */
};

/* What spawn did for one workstream (docs/work.md's JSON). */
struct work_spawned {
	char *id, *dir, *branch, *base;
	int created;            /* the worktree was made by this run */
	char *repaired;         /* what an interrupted spawn had left, now redone */
	int port_lo, port_hi;   /* 0: no ports */
	char **copied, **linked;        /* paths; linked as "PATH (how)" */
	size_t copied_nr, linked_nr;
	char *agent;            /* none, started, running, exited */
	long agent_pid;
	char *agent_log;
	char *error;            /* this workstream failed: why */
};

/* Spawn the workstreams of a plan (all, or opts->only): see docs/work.md.
 * *out gets one entry per workstream, in merge order. Returns 0 when all
 * were spawned, -BOSUN_EFAIL (message: how many failed) when some failed
 * (each one's error in its entry), or a negative kind before anything was
 * done (an unknown task or id, no base). */
int work_spawn(struct store *st, const struct work_where *w,
	       const struct work_config *wc, const struct work_spawn_opts *opts,
	       struct work_spawned **out, size_t *nr);
void work_spawned_free(struct work_spawned *v, size_t nr);

/* ------------------------------------------------------------ nothing lost */

/* What clean, restore and gc did for one worktree (docs/work.md). */
struct work_removal {
	char *id;               /* TASK/ID, or the folder for gc's strays */
	char *dir, *attic;      /* attic: the snapshot's ref, or NULL */
	char *action;           /* what was (or, dry, would be) done */
	char *why;              /* gc: which source disagrees */
	char *error;            /* refused: why */
};
void work_removal_free(struct work_removal *v, size_t nr);

/* Snapshot everything in dir (tracked, untracked, ignored entries that
 * match work.copy, .bosun/work.md) as a commit whose parent is HEAD, to
 * refs/bosun/attic/<id>/<time>; *ref gets the ref. */
int work_snapshot(const struct work_where *w, const struct work_config *wc,
		  const char *id, const char *dir, struct strbuf *ref);
/* Keep commit reachable as refs/bosun/attic/<id>/<time> (a branch that is
 * going, or was ejected, without a worktree to snapshot); *ref gets the
 * ref. */
int work_attic_keep(const struct work_where *w, const char *id, const char *commit,
		    struct strbuf *ref);
/* Snapshot, then remove the worktree and its branch, for each workstream
 * (opts as for spawn). A failed check refuses that one and removes
 * nothing of it; -BOSUN_EFAIL when any was refused. */
int work_clean(struct store *st, const struct work_where *w,
	       const struct work_config *wc, const struct work_spawn_opts *opts,
	       int force, struct work_removal **out, size_t *nr);
/* Put the newest snapshot of TASK/ID (or ref) back in its worktree. */
int work_restore(struct store *st, const struct work_where *w, const char *id,
		 const char *ref, struct work_removal *out);
/* Reconcile git's worktree list, the folders under the root and the store;
 * apply: act (else only say); expired attic refs too. */
int work_gc(struct store *st, const struct work_where *w,
	    const struct work_config *wc, int apply,
	    struct work_removal **out, size_t *nr);
/* Only the attic snapshots older than wc->attic_days, deleted when apply
 * (bosun clean); each appended to *out (*nr of them, as from work_gc()). */
int work_attic_expire(const struct work_where *w, const struct work_config *wc,
		      int apply, struct work_removal **out, size_t *nr);

/* ------------------------------------------------------------ status */

/* How a workstream stands: done, in progress, failed (status's exit). */
enum work_outcome { WORK_DONE, WORK_RUNNING, WORK_FAILED };
enum work_agent_state { WORK_AGENT_UNKNOWN, WORK_AGENT_ACTIVE, WORK_AGENT_WAITING,
			WORK_AGENT_STALLED, WORK_AGENT_DEAD };
/* "UNKNOWN", "ACTIVE", ... */
const char *work_agent_state_name(enum work_agent_state s);

/* A predicted conflict: branch a merged with b (b NULL: the integration
 * tip) conflicts in files (NUL-separated, nr of them). */
struct work_conflict {
	char *a, *b;
	struct strbuf files;
	size_t nr;
};

/* One workstream as `work status` shows it (docs/work.md). */
struct work_status {
	char *id, *dir, *branch, *state;  /* state: the store's */
	int present;                      /* its worktree folder exists */
	char *head, *subject;             /* head NULL: no commit read */
	long long commit_s;               /* the head's committer time */
	long ahead, behind;               /* against the tip; -1 unknown */
	long dirty;                       /* changed paths in the worktree */
	int done, total;                  /* the checklist */
	struct strbuf foreign;            /* paths outside its ownership, NUL-separated */
	size_t foreign_nr;
	enum work_agent_state agent;
	char *how;                        /* how the agent state was decided */
	long pid;                         /* the agent's, 0: none known */
	char *reported;                   /* the last state the agent reported */
	char *note;                       /* its note */
	long long seen_ms;                /* its last sign of life (0: none) */
	enum work_outcome outcome;
	char *error;                      /* it could not be read: why */
};

struct work_status_report {
	char *task, *base, *tip;          /* tip: the base's commit now */
	char *integration;                /* work/<task>/integration's commit, or
					   * NULL: branches are predicted against it
					   * when it exists, else against tip */
	struct work_status *ws;           /* in merge order */
	size_t nr;
	int predicted;                    /* conflicts were looked for */
	struct work_conflict *conf;
	size_t conf_nr;
	size_t pairs, merge_trees;        /* pairs looked at; merges git ran */
	enum work_outcome outcome;        /* the whole: failed > running > done */
};

/* Read every workstream of task (NULL: the only plan) and, with predict,
 * predict conflicts (predict.c); WORK_PREDICT_ONLY reads only the
 * branches' heads (from their refs, no worktree) and predicts. Reads;
 * writes only cache entries. */
#define WORK_PREDICT_ONLY 2
int work_status(struct store *st, const struct work_where *w,
		const struct work_config *wc, const char *task, int predict,
		struct work_status_report *out);
void work_status_release(struct work_status_report *r);

/* Record a heartbeat for workstream id (TASK/ID): state (active, waiting,
 * done, failed; NULL: active), note (may be NULL), pid (0: none). An
 * unknown workstream is -BOSUN_ENOTFOUND. */
int work_heartbeat(struct store *st, const char *id, const char *state,
		   const char *note, long pid);
/* The workstream a worktree (dir, its git dir gitdir) belongs to:
 * $BOSUN_WORKSTREAM, else bosun.workstream of its config.worktree (read
 * directly; git asked when the file is more than work_config_find reads);
 * -BOSUN_ENOTFOUND when none names one. */
int work_here(const char *gitdir, const char *dir, struct strbuf *id);

/* Predict conflicts of the branches heads[0..nr) (ids[i] their names)
 * against tip and each other, cached by commit pairs (predict.c). */
int work_predict(struct store *st, const char *dir, const char *tip,
		 char *const *ids, char *const *heads, size_t nr,
		 struct work_status_report *out);

/* For bosun clean (cache.c): sets why[i] (allocated) for each of work's
 * store cache entries v[0..nr) whose workstream or commit (in the
 * repository of gitdir) no longer exists; others' keys are left alone. */
struct store_cache_entry;
int work_cache_gone(struct store *st, const char *gitdir,
		    const struct store_cache_entry *v, size_t nr, char **why);

/* The parsers status reads git and the agent with (parse.c; fuzzed). */
/* Count a checklist's "N. [ ] item" and "N. [x] item" lines. */
void work_checklist_count(const char *text, size_t len, int *done, int *total);
/* The paths of `git status --porcelain=v2 -z --branch` (NUL-separated
 * into paths, their count returned) and its branch.oid into head.
 * -BOSUN_EDATA when the output is malformed. */
int work_status_parse(const char *buf, size_t len, struct strbuf *head,
		      struct strbuf *paths);
/* One merge of `git merge-tree --stdin --write-tree --name-only -z` at
 * buf[*pos]: *clean, the tree, the conflicted paths (NUL-separated,
 * counted into *nr); *pos moves past it. 0, 1 at the end of buf, or
 * -BOSUN_EDATA. */
int work_merge_tree_next(const char *buf, size_t len, size_t *pos, int *clean,
			 struct strbuf *tree, struct strbuf *files, size_t *nr);

/* The value of section.key in a git config file's text (a simple one:
 * section is the header as git writes it between the brackets, `bosun`
 * or `branch "main"`: the name compared ignoring case, the quoted
 * subsection exactly, as git does; values as git writes them):
 * 1 and out set, 0 when absent, -1 when the text is more than this reads
 * (ask git). */
int work_config_find(const char *text, size_t len, const char *section,
		     const char *key, struct strbuf *out);

/* ------------------------------------------------------------ ownership */

/* The staged paths (files[0..nr)) of the worktree at dir that another
 * workstream of its plan owns: one line "PATH: owned by ID (PATTERN)" each
 * in out; returns how many (0 outside a spawned worktree). */
int work_foreign_staged(struct store *st, const char *gitdir, const char *dir,
			char *const *files, size_t nr, struct strbuf *out);
/* ------------------------------------------------------------ integrate */

/*
 * Integration (docs/work.md "Integrate"):
 *
 *	struct work_integrate_opts o = { .task = NULL, .batch = 1, ... };
 *	struct work_integration res;
 *	r = work_integrate(st, &w, &wc, &o, &res);
 *	// r == 0: all merged; -BOSUN_EFAIL: some ejected or skipped (each
 *	// says why in res.v[i]); other negatives: nothing was merged
 *	work_integration_release(&res);
 *
 * The branches work/<task>/<id> are merged in merge order on the branch
 * work/<task>/integration, in a worktree of its own under
 * <common-dir>/bosun/integrate/<task>/tree, with bosun's merge driver
 * registered for that worktree only, and no editor. After each merge (or
 * each batch of up to batch merges) the tests run there: each merged
 * workstream's test command, then test (work.test). A merge that conflicts
 * is aborted; a red batch is bisected to its first red tip; the culprit
 * is ejected (a snapshot in the attic, the output kept) and the rest go
 * on; a workstream that depends on one not merged is skipped. A killed
 * run is rolled back to the last green tip by the next.
 */
struct work_integrate_opts {
	const char *task;               /* NULL: the only plan */
	int batch;                      /* merges per test run (1: test each; 0: all) */
	int dry_run;                    /* say what would be merged, change nothing */
	const char *driver;             /* how git starts bosun (merge-driver); NULL: none */
	const struct config *cfg;       /* for the merge driver's registration */
	const json_t *test;             /* work.test: an argv array, or NULL */
	long long test_timeout_ms;      /* 0: none */
	struct meter *progress;         /* NULL, or the branches decided counted */
};

/* What integrate did with one workstream (docs/work.md's JSON). */
struct work_integrated {
	char *id, *branch, *commit;     /* commit: the branch's tip; NULL: no branch */
	char *result;           /* merged, already merged, ejected, skipped,
				 * would merge, would conflict */
	char *reason;           /* ejected, skipped: why */
	char *merge;            /* the merge commit */
	char *output;           /* ejected: the tail of the failing output (redacted) */
	char *log;              /* ejected: the file with all of it */
	char *attic;            /* ejected: its snapshot */
};

struct work_integration {
	char *task, *branch, *dir, *base, *tip;
	char *interrupted;      /* what a killed run had left and what was done */
	struct work_integrated *v;      /* one per workstream, in merge order */
	size_t nr;
	int test_runs;
};

int work_integrate(struct store *st, const struct work_where *w,
		   const struct work_config *wc, const struct work_integrate_opts *o,
		   struct work_integration *res);
void work_integration_release(struct work_integration *res);
#endif
