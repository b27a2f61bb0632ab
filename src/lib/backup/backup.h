/*
 * backup.h - bosun backup and bosun restore (docs/backup.md): bosun's
 * configuration, the state store and the agent files bosun deployed, in one
 * tar archive compressed with zstd, with a manifest of SHA-256 sums.
 *
 *	struct backup_env env = BACKUP_ENV_INIT;	// root, home, dirs, store
 *	struct backup_set set = BACKUP_SET_INIT;
 *	if ((r = backup_collect(&set, &env, "backup")) < 0)	// reads, copies the store
 *		goto out;
 *	r = backup_write(&set, path);		// through a lock file
 *
 *	if ((r = backup_read(&set, path)) < 0)	// the whole archive checked:
 *		goto out;	// -BOSUN_EDATA naming the entry, nothing written
 *	struct restore_plan plan = RESTORE_PLAN_INIT;
 *	restore_plan(&plan, &set, &env, force);	// decides, changes nothing
 *	restore_apply(&plan, &set, &env, &snapshot);	// snapshot first, then
 *						// the files, then the store
 *
 * libarchive is loaded with dlopen() the first time an archive is written
 * or read (backup_lib_load(), archive.c): it must stay off the hot paths
 * (DESIGN.md "Startup budget"). When it cannot be loaded, the error is
 * -BOSUN_EUNAVAILABLE and a DEGRADED event is logged.
 *
 * A file's place in an archive names where it goes back to: "repo/X" under
 * the work tree's top, "config/X" under the user configuration folder
 * (fs_user_dir("config")), "home/X" under $HOME (the agents deployed with
 * --user), and "store/state.db", the store (restored through the store's
 * own backup verb, never as a file). The archive holds "manifest.json"
 * then "files/<place>" for each.
 *
 * A command that shows progress points env.progress (and set.progress, for
 * backup_read() and backup_write()) at a core/meter.h meter: files and
 * bytes of each phase ("reading", "checking", "snapshot", "writing").
 */
#ifndef BOSUN_LIB_BACKUP_H
#define BOSUN_LIB_BACKUP_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <stddef.h>
#include <sys/types.h>

struct meter;

#define BACKUP_FORMAT "bosun-backup"
#define BACKUP_FORMAT_VERSION 1
#define BACKUP_MANIFEST "manifest.json"
#define BACKUP_STORE_PLACE "store/state.db"
/* The most an archive, or all its entries together, may hold. */
#define BACKUP_MAX_BYTES (1024LL * 1024 * 1024)

struct backup_file {
	char *path;            /* its place: "repo/bosun.yml" */
	unsigned mode;         /* permission bits */
	long long size;        /* the manifest's (data.len once read) */
	char sha256[65];
	struct strbuf data;    /* the bytes */
	int have_data;         /* read from the archive (or collected) */
};

struct backup_set {
	char *kind;            /* "backup", "snapshot", "migrate" */
	char *created;         /* UTC, ISO 8601 */
	char *bosun;           /* the version that wrote it */
	struct backup_file *files;  /* sorted by path */
	size_t nr, alloc;
	struct meter *progress;  /* NULL, or counted into */
};
#define BACKUP_SET_INIT { NULL, NULL, NULL, NULL, 0, 0, NULL }
void backup_set_release(struct backup_set *set);
const struct backup_file *backup_set_find(const struct backup_set *set,
					  const char *path);

/* Where things are. */
struct backup_env {
	const char *root;        /* the work tree's top; NULL in a bare repository */
	const char *home;        /* $HOME (NULL: no user-level agent files) */
	const char *config_dir;  /* the user configuration folder */
	const char *common_dir;  /* git's common dir */
	const char *store_url;   /* store.url */
	const char *dir;         /* backup.dir: the archives' folder */
	struct meter *progress;  /* NULL, or counted into */
};
#define BACKUP_ENV_INIT { NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/* The default folder of the archives (backup.dir empty): <state>/backups/
 * <name of the top>-<8 hex digits of the common dir's SHA-256>. */
void backup_default_dir(struct strbuf *out, const char *root,
			const char *common_dir);
/* A new archive's path in env->dir: bosun-<kind>-<YYYYMMDDTHHMMSS>-<ms>Z.tar.zst. */
void backup_new_path(struct strbuf *out, const struct backup_env *env,
		     const char *kind);

/* Load libarchive (archive.c); -BOSUN_EUNAVAILABLE with a DEGRADED event
 * when it cannot be. */
int backup_lib_load(void);

/* Read what a backup holds now: bosun.yml, the user configuration, every
 * agent file the store records, and a consistent copy of the store. */
int backup_collect(struct backup_set *set, const struct backup_env *env,
		   const char *kind);
/* Write set as an archive at path (its folder created), atomically. */
int backup_write(const struct backup_set *set, const char *path);
/* Read and check an archive: every entry a regular file in the tree, the
 * manifest's sums and sizes. A missing file is -BOSUN_ENOTFOUND, anything
 * wrong -BOSUN_EDATA naming the entry. */
int backup_read(struct backup_set *set, const char *path);
/* The same over an archive in memory (the fuzz harness). */
int backup_parse(struct backup_set *set, const void *buf, size_t len);
/* The manifest alone: fills set's kind, created, bosun and files (no
 * data). -BOSUN_EDATA when it is not one. */
int backup_manifest_parse(struct backup_set *set, const char *json, size_t len);
/* The manifest of set as JSON text. */
void backup_manifest_text(struct strbuf *out, const struct backup_set *set);
/* 0 when a place is one bosun restores ("repo/", "config/", "home/" then a
 * relative path without "." or ".." parts or a ".git" folder, or the
 * store), else -BOSUN_EDATA naming it. */
int backup_place_check(const char *place);

/* ------------------------------------------------------------ restore */

enum restore_act {
	RESTORE_SKIP,       /* the same bytes */
	RESTORE_CREATE,     /* absent now */
	RESTORE_OVERWRITE,  /* different now */
	RESTORE_DELETE,     /* an agent file bosun records now, not in the archive */
};
const char *restore_act_name(enum restore_act a);

struct restore_op {
	enum restore_act act;
	char *path;          /* the place */
	char *abs;           /* where it is ("" for the store) */
	char cur_hash[65];   /* "" when absent */
	const struct backup_file *file;  /* NULL for a delete */
	char *refused;       /* why it may not be changed without --force */
};

struct restore_plan {
	struct restore_op *ops;
	size_t nr, alloc;
	size_t refused;      /* ops with a reason not to (ignored by --force) */
	int force;
};
#define RESTORE_PLAN_INIT { NULL, 0, 0, 0, 0 }
void restore_plan_release(struct restore_plan *plan);

/* Decide what a restore of set does to each file; changes nothing. A file
 * whose bytes are neither the archive's nor what bosun wrote (the store's
 * agent rows, the last restore) was changed outside bosun: plan->refused
 * counts them. */
int restore_plan(struct restore_plan *plan, const struct backup_set *set,
		 const struct backup_env *env, int force);
/* Carry the plan out: a snapshot of the current state first (its path in
 * *snapshot, free it), then every file through a lock file and rename,
 * the store, a check of every file; on a failure the snapshot is put back.
 * Refused ops without plan->force are -BOSUN_ECONFLICT before anything. */
int restore_apply(struct restore_plan *plan, const struct backup_set *set,
		  const struct backup_env *env, char **snapshot);

/*
 * One restore at a time: take "<common>/bosun/restore/restore.lock" (an
 * owner lock: a killed restore's is taken over; -BOSUN_EBUSY after a few
 * seconds), then settle a restore that was killed: completed when it had
 * got past its commit (returns 1), else undone (2); 0 when there was none.
 * report gets the files' names. restore_end() lets the lock go.
 */
struct lockfile;
int restore_begin(struct lockfile *lk, const struct backup_env *env,
		  struct strbuf *report);
void restore_end(struct lockfile *lk);

/* The configuration keys backup.* (keys.c). */
extern const struct config_key backup_config_keys[];

#endif
