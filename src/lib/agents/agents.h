/*
 * agents.h - agent templates turned into the agent files of AI coding CLIs,
 * deployed with an ownership record so that a person's file is never lost.
 *
 *	struct agent_set set = AGENT_SET_INIT;
 *	struct agent_problems pb = AGENT_PROBLEMS_INIT;
 *	if ((r = agent_set_load(&set, dir, "agents", "base_agent.json", 1, &pb)) < 0)
 *		...;	// -BOSUN_EDATA: pb.items holds "FILE:LINE:COL: path: why"
 *
 *	struct agents_env env = AGENTS_ENV_INIT;	// root, common_dir, targets
 *	struct agent_plan plan = AGENT_PLAN_INIT;
 *	agents_lock(&env, &lk, timeout_ms);		// -BOSUN_EBUSY when held
 *	agents_plan_deploy(&plan, &env, &set, flags);	// decides, changes nothing
 *	agents_apply(&plan, &env);			// backups, files, one store tx
 *	agents_unlock(&lk);
 *
 * The ownership contract (docs/agents.md): every file bosun writes starts
 * with "---\n" AGENT_MARKER "\n" and has a row in the store's agent_files
 * table with the SHA-256 of its bytes. A file whose bytes no longer match
 * its row was edited by a person and is kept. A file without a row and
 * without the marker is not ours and is never touched.
 *
 * Every change goes through agents_apply(): the files that will change are
 * copied under $(git-common-dir)/bosun/agents/backups/<id>/, a journal is
 * written, the files are replaced atomically (lock file + rename), the
 * store is updated in one transaction, and the journal is removed. A
 * process killed on the way leaves the journal, and the next command that
 * takes the lock settles the store from the files' hashes
 * (agents_recover()).
 */
#ifndef BOSUN_LIB_AGENTS_H
#define BOSUN_LIB_AGENTS_H

#include "core/lockfile.h"
#include "core/statcache.h"
#include "core/strbuf.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <stddef.h>
#include <sys/stat.h>

#define AGENT_MARKER "# managed-by: bosun-agents"
#define AGENT_NAME_MAX 64
/* GitHub Copilot's limit on an agent profile's prompt, in characters
 * (docs/agents.md): a longer one is not written. */
#define AGENT_COPILOT_PROMPT_MAX 30000

/* ------------------------------------------------------------ problems */

/* Validation problems, one "FILE:LINE:COL: field: what is wrong" each. */
struct agent_problems {
	char **items;
	size_t nr, alloc;
};
#define AGENT_PROBLEMS_INIT { NULL, 0, 0 }
void agent_problems_add(struct agent_problems *pb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void agent_problems_release(struct agent_problems *pb);

/* ------------------------------------------------------------ templates */

struct agent_tmpl {
	char *name;          /* "research-agent" */
	char *version;       /* semver */
	char *description;
	char *model;         /* Claude Code's form: "sonnet", "claude-opus-4-1-...", NULL */
	char *color;         /* NULL when none */
	/* What was read but left out or changed ("FILE:LINE:COL: field: why"):
	 * an unknown colour, a model id that is not a real one. */
	struct agent_problems warnings;
	char *instructions;  /* the prompt body (base agent's appended) */
	char **tools;        /* Claude Code tool names; NULL: all tools */
	size_t tools_nr;
	int tools_set;       /* tools given (possibly empty) */
	char *file;          /* the template's path, for messages */
	char *src;           /* its file name in the templates' folder */
	char src_hash[65];   /* the SHA-256 of its bytes */
	/* Lazy: taken from the store (name and version only) because a row
	 * says this very file was rendered by this bosun; parsed on demand
	 * (agent_set_parse()) from text when its bytes are needed. */
	int lazy;
	char *text;
	size_t len;
	/* Lazy with text NULL: its stat vouched for src_hash (the template
	 * stat cache), so it is read from path only when parsed. */
	char *path;
};

struct agent_set {
	struct agent_tmpl *items;  /* sorted by name */
	size_t nr, alloc;
	struct agent_tmpl base;    /* the base agent, for lazy templates */
	int have_base;
	char base_hash[65];        /* "" without a base agent */
	struct agent_problems warnings;  /* of every template read, in order */
};
#define AGENT_SET_INIT { NULL, 0, 0, { 0 }, 0, "", AGENT_PROBLEMS_INIT }

/*
 * The version of what agent_render() emits: a row whose renderer is this
 * and whose template and base hashes match holds the hash of exactly what
 * a render would give now. Bump the number whenever render.c, template.c
 * or the YAML emitter changes a single byte of output or validation.
 */
#define AGENT_RENDERER "bosun-agents-render/2"

/* Whether the store already vouches for a template file: fills *name and
 * *version and returns 1 when every target has a row rendered from
 * exactly these bytes (src, src_hash, base_hash, AGENT_RENDERER). */
typedef int agent_cached_fn(void *data, const char *src, const char *src_hash,
			    const char *base_hash, const char **name,
			    const char **version);

/*
 * The template stat cache (the racy-git rule is the caller's business):
 * stat_hash() returns 1 and fills hash with the SHA-256 that a stored
 * stat of src vouches for when st matches it; then the file is not read
 * unless cached() turns it down. stat_seen() gets the stat taken just
 * before a template's bytes were read, and their hash. Both may be NULL.
 */
typedef int agent_stat_hash_fn(void *data, const char *src,
			       const struct stat *st, char hash[65]);
typedef void agent_stat_seen_fn(void *data, const char *src,
				const struct stat *st, const char *hash);
struct agent_load_cache {
	agent_cached_fn *cached;
	agent_stat_hash_fn *stat_hash;
	agent_stat_seen_fn *stat_seen;
	void *data;
};

/*
 * Load every *.json and *.md template in dir (not below it; messages name
 * the files as shown/FILE), merging the
 * base agent (base, relative to dir; NULL or "" for none; a missing default
 * is fine when base_optional). Every problem goes into pb; when there is
 * one, the result is -BOSUN_EDATA and set is left empty. A missing dir is
 * -BOSUN_ENOTFOUND.
 */
int agent_set_load(struct agent_set *set, const char *dir, const char *shown,
		   const char *base, int base_optional, struct agent_problems *pb);
/* The same, without parsing a template that cached() vouches for: it is
 * kept lazy (name, version, bytes). cached NULL: parse every one. */
int agent_set_load_cached(struct agent_set *set, const char *dir,
			  const char *shown, const char *base, int base_optional,
			  struct agent_problems *pb,
			  const struct agent_load_cache *cache);
/* Parse a lazy template of set now (merging the base agent). A problem
 * is -BOSUN_EDATA with the first problem as the message. */
int agent_set_parse(struct agent_set *set, struct agent_tmpl *t);
/* Parse one template from memory (name is the file name, for messages and
 * for the Markdown form's default agent name). Problems go into pb;
 * returns 0 or -BOSUN_EDATA. */
int agent_tmpl_parse(struct agent_tmpl *out, const char *name,
		     const char *text, size_t len, struct agent_problems *pb);
/* Fill what t lacks from the base agent and append its instructions. */
void agent_tmpl_merge_base(struct agent_tmpl *t, const struct agent_tmpl *base);
void agent_tmpl_release(struct agent_tmpl *t);
void agent_set_release(struct agent_set *set);
const struct agent_tmpl *agent_set_find(const struct agent_set *set,
					const char *name);
/* 1 when name matches ^[a-z0-9]+(-[a-z0-9]+)*$ and is not too long. */
int agent_name_valid(const char *name);

/* ------------------------------------------------------------ targets */

struct agent_target {
	const char *id;        /* "claude" */
	const char *title;     /* "Claude Code" */
	const char *dir;       /* ".claude/agents", relative to the project */
	const char *user_dir;  /* ".claude/agents", relative to $HOME */
	const char *suffix;    /* ".md" */
	const char *program;   /* the CLI's program, for detection */
	const char *detect;    /* a project path whose presence detects it */
};
#define AGENT_TARGETS_NR 4
extern const struct agent_target agent_targets[];
const struct agent_target *agent_target_find(const char *id);

/* The frontmatter a template gets for a target, as a JSON object (new
 * reference): the values the emitted file must parse back to. */
json_t *agent_frontmatter(const struct agent_tmpl *t,
			  const struct agent_target *tg);
/* The whole agent file: "---", the marker, the frontmatter emitted by
 * libfyaml, "---", a blank line, the instructions. */
int agent_render(struct strbuf *out, const struct agent_tmpl *t,
		 const struct agent_target *tg);
/* Split an agent file into its frontmatter (parsed to JSON, scalars as
 * strings, *fm a new reference) and its body (offset into text).
 * has_marker is set when the file carries AGENT_MARKER. Returns
 * -BOSUN_EDATA (message recorded, with line:col) when it has no valid
 * frontmatter. */
int agent_file_parse(json_t **fm, size_t *body, int *has_marker,
		     const char *text, size_t len);
/* Check a parsed frontmatter against what target tg needs; problems are
 * appended to why (one per line). Returns the number of problems. */
int agent_frontmatter_check(const json_t *fm, const struct agent_target *tg,
			    struct strbuf *why);
/* 1 when the frontmatter says claude-mpm wrote the file. */
int agent_is_claude_mpm(const json_t *fm);

/* ------------------------------------------------------------ deployment */

struct store;
struct agent_rec;
struct stat;

/* Where a command works: the project root, $HOME for --user, the store. */
struct agents_env {
	const char *root;         /* the work tree's top */
	const char *home;         /* $HOME, for --user */
	const char *common_dir;   /* git's common dir */
	int user;                 /* --user: the targets' user_dir under home */
	const struct agent_target **targets;
	size_t targets_nr;
	const char *store_url;    /* store.url ("" or NULL: the default) */
	struct store *st;         /* opened by agents_env_open() */
	char *agents_dir;         /* <common_dir>/bosun/agents */
	struct agent_rec *recs;   /* the rows, read once (agents_env_records()) */
	size_t recs_nr;
	int recs_loaded;
	/* Set before agents_env_open() by a command that only reads (list,
	 * verify): the store is opened with STORE_OPEN_READ and nothing is
	 * created or kept, not even a cache. */
	int read;
};
#define AGENTS_ENV_INIT { NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL, 0, 0, 0 }
int agents_env_open(struct agents_env *env);
/* A cache the store could not read or keep (the stat caches, the no-op
 * snapshot): costs time only, so the command goes on; the event log gets
 * what and why (a degraded event), and the error is cleared. */
void agents_degraded(const char *what);
void agents_env_close(struct agents_env *env);

/* The targets: ids given (--target), else config (agents.targets), else
 * the CLIs detected in root or on PATH, else Claude Code. *out is
 * allocated. An unknown id is -BOSUN_EUSAGE. */
int agents_pick_targets(const struct agent_target ***out, size_t *nr,
			const char *const *ids, size_t ids_nr, const char *root);

/* The deploy lock, $(common)/bosun/agents/deploy.lock: waits up to
 * timeout_ms, then -BOSUN_EBUSY. The lock file holds our PID and start
 * time, so a lock left by a killed process is taken over. Taking it also
 * settles an interrupted deployment (agents_recover()). */
int agents_lock(struct agents_env *env, struct lockfile *lk, int timeout_ms);
void agents_unlock(struct lockfile *lk);
/* Settle the store after a killed deploy, from the journal (if any). */
int agents_recover(struct agents_env *env);

/* A store row. */
struct agent_rec {
	char *target, *path, *template, *version, *deployed_at;
	char hash[65];
	char *src, *renderer;          /* NULL: unknown (an older row) */
	char src_hash[65], base_hash[65];
	struct stat_stamp st;          /* the stat vouching for hash */
};

enum agent_act {
	ACT_SKIP,      /* ours, up to date */
	ACT_DEPLOY,    /* absent: create */
	ACT_UPDATE,    /* ours (or --force over an edited file): replace */
	ACT_MIGRATE,   /* claude-mpm's file taken over (--adopt) */
	ACT_MODIFIED,  /* ours, edited by a person: kept */
	ACT_CONFLICT,  /* not ours: never touched */
	ACT_REMOVE,    /* clean: ours and unmodified, removed */
	ACT_RESTORE,   /* rollback: restore the previous content */
	ACT_ERROR,     /* cannot be handled (a symlink, unreadable) */
};
const char *agent_act_name(enum agent_act a);

struct agent_op {
	enum agent_act act;
	char *target;            /* "claude", or "user:claude" */
	char *path;              /* relative to the target's root */
	char *abs;
	char *name;              /* the agent */
	char *version;           /* new version, or the recorded one */
	char *reason;            /* why (modified, conflict, error, migrated from) */
	struct strbuf content;   /* the new bytes (deploy, update, migrate, restore) */
	char new_hash[65];       /* "" when the file goes away */
	char prev_hash[65];      /* the bytes on disk before; "" when absent */
	struct agent_rec old;    /* the row before (old.target NULL: none) */
	char *backup;            /* rollback: the backup to restore */
	int forced;
	int write;               /* 0: leave the file, 1: write content, 2: remove */
	int rec_act;             /* 0: leave the row, 1: set it, 2: delete it */
	char *rec_template, *rec_version;
	char rec_hash[65];       /* the row to set (rec_act 1) */
	char *rec_src;           /* and what it was rendered from (NULL: unknown) */
	char rec_src_hash[65], rec_base_hash[65];
	struct stat_stamp st;    /* a stat vouching for prev_hash (plan), or
				  * for the written bytes (apply) */
};

struct agent_plan {
	struct agent_op *ops;
	size_t nr, alloc;
	const char *kind;        /* "deploy", "clean", "rollback" */
	char *rollback_of;       /* rollback: the deployment undone */
};
#define AGENT_PLAN_INIT { NULL, 0, 0, NULL, NULL }
void agent_plan_release(struct agent_plan *plan);
/* 1 when the plan changes a file or a row. */
int agent_plan_changes(const struct agent_plan *plan);

#define AGENT_FORCE 1
#define AGENT_ADOPT 2

/* Decide, for every template (only those in only[], when given) and every
 * target, what a deploy does. Changes nothing. */
int agents_plan_deploy(struct agent_plan *plan, struct agents_env *env,
		       struct agent_set *set, const char *const *only,
		       size_t only_nr, int flags);
/* clean: every recorded file of the targets, removed when unmodified. */
int agents_plan_clean(struct agent_plan *plan, struct agents_env *env);
/* rollback: undo the latest deployment or clean not yet undone;
 * -BOSUN_ENOTFOUND when there is none. */
int agents_plan_rollback(struct agent_plan *plan, struct agents_env *env);
/* Carry the plan out (see the top of this file); *id gets the deployment's
 * id (free it) when anything changed. */
int agents_apply(struct agent_plan *plan, struct agents_env *env, char **id);

/* Every recorded row, sorted by target and path. */
int agents_records(struct agent_rec **out, size_t *nr, struct agents_env *env);
/* The same, read once per env and kept there (freed by agents_env_close()). */
int agents_env_records(struct agents_env *env);
/* Load the templates (agent_set_load()), leaving lazy those the store's
 * rows vouch for in every target of env. */
int agents_load_set(struct agent_set *set, struct agents_env *env,
		    const char *dir, const char *shown, const char *base,
		    int base_optional, struct agent_problems *pb);
void agent_recs_free(struct agent_rec *recs, size_t nr);
/* The state of a recorded file: "ok", "modified", "missing", "unsafe". */
const char *agents_file_state(const struct agents_env *env,
			      const struct agent_rec *rec, char hash[65]);
/* The same; when text is not NULL it gets the bytes if they were read.
 * *cached is set when the row's stat vouched for the file, unread. */
const char *agents_file_check(const struct agents_env *env,
			      const struct agent_rec *rec, char hash[65],
			      struct strbuf *text, int *cached);
/* 1 when st (of the file now) matches rec's recorded stat and the racy
 * rule allows trusting it. */
int agents_stat_fresh(const struct agent_rec *rec, const struct stat *st);
/* A template file's stat as the store keeps it (agent_templates). */
struct agent_tstat {
	char *name;
	struct stat_stamp st;
	char hash[65];
};
/* The stored template stats of the templates folder dir, sorted by name. */
int agents_tmpl_stats(struct agent_tstat **out, size_t *nr,
		      struct agents_env *env, const char *dir);
/* Store these (replacing those of the same names), in one transaction. */
int agents_tmpl_stats_put(struct agents_env *env, const char *dir,
			  const struct agent_tstat *v, size_t nr);
void agent_tstats_free(struct agent_tstat *v, size_t nr);
/* The absolute path of a row's file. */
void agents_rec_path(struct strbuf *sb, const struct agents_env *env,
		     const char *target, const char *path);

/*
 * The no-op snapshot (snapshot.c): after a deploy that found every file
 * up to date, the stat of all it read, so that the next deploy with the
 * same settings (key) and nothing moved skips the planning.
 */
void agents_snapshot_key(char key[65], const struct agents_env *env,
			 const char *src_dir, const char *base, int flags);
/* Keep a snapshot for plan when every op is a skip (else nothing). */
int agents_snapshot_save(struct agents_env *env, const char *key,
			 const char *src_dir, const char *base,
			 const struct agent_plan *plan);
/* 1 and plan filled (every file skipped) when the snapshot for key holds
 * and nothing in it moved; else 0 and plan untouched. */
int agents_snapshot_use(struct agent_plan *plan, struct agents_env *env,
			const char *key);
/* One snapshot line (kind 's', 'l' or 'o'; mode 0: absent). */
struct agent_snap_entry {
	char kind;
	long long mode, ino, size, mtime, ctime;
	char *path, *target, *rel, *name, *version;
};
/* Parse a snapshot's data; -BOSUN_EDATA when it is not one. */
int agent_snapshot_parse(struct agent_snap_entry **out, size_t *nr,
			 const char *data, size_t len);
void agent_snapshot_free(struct agent_snap_entry *e, size_t nr);

/* The configuration keys agents.* (keys.c). */
extern const struct config_key agents_config_keys[];

#endif
