/*
 * backup.c - bosun backup and bosun restore (docs/backup.md): two commands
 * of one domain (lib/backup), each a group of one verb, as migrate is.
 */
#include "cmd/common.h"
#include "cmd/progress.h"

#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/meter.h"
#include "lib/backup/backup.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct {
	const char *output;
} backup_args;

static struct {
	int dry_run, force, resume;
} restore_args;

/* Where things are, for both commands; dirs are kept by the caller. */
static int env_setup(struct bosun_ctx *ctx, struct backup_env *env,
		     struct strbuf *config_dir, struct strbuf *dir)
{
	struct repo *repo;
	struct config *cfg = NULL;
	const char *v = NULL;
	int r;

	if ((r = ctx_repo(ctx, &repo)) < 0)
		return r;
	/* A broken bosun.yml is one thing a restore is for: it goes on with
	 * the defaults of store.url and backup.dir. */
	if ((r = ctx_config(ctx, &cfg)) == -BOSUN_EDATA) {
		fprintf(stderr, "bosun: warning: %s; using the default store and "
			"backup folder\n", error_message());
		error_clear();
		cfg = NULL;
	} else if (r < 0) {
		return r;
	}
	env->root = repo->workdir;
	env->common_dir = repo->common_dir;
	env->home = getenv("HOME") && *getenv("HOME") ? getenv("HOME") : NULL;
	fs_user_dir(config_dir, "config");
	env->config_dir = config_dir->buf;
	env->store_url = cfg ? config_str(cfg, "store.url") : NULL;
	v = cfg ? config_str(cfg, "backup.dir") : NULL;
	if (v && *v) {
		/* Relative to the work tree's top, as every path in bosun.yml. */
		if (*v != '/' && repo->workdir)
			fs_path_join(dir, repo->workdir, v);
		else
			strbuf_addstr(dir, v);
	} else {
		backup_default_dir(dir, repo->workdir, repo->common_dir);
	}
	env->dir = dir->buf;
	return 0;
}

static json_t *files_json(const struct backup_set *set)
{
	json_t *files = json_array();
	size_t i;

	for (i = 0; i < set->nr; i++)
		json_array_append_new(files, json_pack("{s:s, s:I, s:i, s:s}",
			"path", set->files[i].path, "size", (json_int_t)set->files[i].size,
			"mode", (int)set->files[i].mode, "sha256", set->files[i].sha256));
	return files;
}

/* ------------------------------------------------------------ backup */

static int backup_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct backup_env env = BACKUP_ENV_INIT;
	struct backup_set set = BACKUP_SET_INIT;
	struct strbuf config_dir = STRBUF_INIT, dir = STRBUF_INIT, path = STRBUF_INIT;
	struct meter counts = METER_INIT;
	struct progress *prog = NULL;
	long long bytes = 0;
	size_t i;
	int r;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = env_setup(ctx, &env, &config_dir, &dir)) < 0)
		goto out;
	env.progress = &counts;
	/* libarchive first: without it nothing is read or copied. */
	if ((r = backup_lib_load()) < 0)
		goto out;
	if (backup_args.output)
		strbuf_addstr(&path, backup_args.output);
	else
		backup_new_path(&path, &env, "backup");
	prog = progress_start(ctx, "backing up", &counts, "file");
	r = backup_collect(&set, &env, "backup");
	if (r >= 0)
		r = backup_write(&set, path.buf);
	progress_stop(prog);
	if (r < 0)
		goto out;
	for (i = 0; i < set.nr; i++)
		bytes += set.files[i].size;
	if (ctx->json) {
		out_json(json_pack("{s:s, s:s, s:s, s:o}", "archive", path.buf,
				   "kind", set.kind, "created", set.created,
				   "files", files_json(&set)));
	} else {
		if (ctx->verbose)
			for (i = 0; i < set.nr; i++)
				printf("  %s\n", set.files[i].path);
		printf("%s (%zu file%s, %lld bytes)\n", path.buf, set.nr,
		       set.nr == 1 ? "" : "s", bytes);
	}
out:
	backup_set_release(&set);
	strbuf_release(&config_dir);
	strbuf_release(&dir);
	strbuf_release(&path);
	return r;
}

static const struct option backup_opts[] = {
	OPT_STRING('o', "output", &backup_args.output, "FILE",
		   "write the archive here (default: in backup.dir)"),
	OPT_END(),
};

static const struct sub_entry backup_self = {
	.name = "backup", .summary = "save bosun's configuration, store and agent files",
	.usage = "[--output FILE]",
	.help = "Write one archive (tar, zstd) holding bosun.yml, the user configuration,\n"
		"a consistent copy of the state store and every agent file bosun deployed,\n"
		"with a manifest of their SHA-256 sums. By default it goes to backup.dir.",
	.opts = backup_opts, .flags = CMD_NEEDS_STORE, .fn = backup_cmd,
};

const struct cmd_entry cmd_backup = {
	.name = "backup", .summary = "save bosun's configuration, store and agent files",
	.self = &backup_self,
};

/* ------------------------------------------------------------ before a migration */

int cmd_backup_before_migrate(void *data, const char *location, int from, int to)
{
	struct bosun_ctx *ctx = data;
	struct backup_env env = BACKUP_ENV_INIT;
	struct backup_set set = BACKUP_SET_INIT;
	struct strbuf config_dir = STRBUF_INIT, dir = STRBUF_INIT, path = STRBUF_INIT;
	struct meter counts = METER_INIT;
	struct progress *prog;
	struct stat st;
	int r;

	if ((r = env_setup(ctx, &env, &config_dir, &dir)) < 0)
		goto out;
	env.progress = &counts;
	/* Without libarchive the migration goes on, degraded (the event is
	 * logged): refusing it would stop every command. */
	if ((r = backup_lib_load()) < 0) {
		fprintf(stderr, "bosun: warning: no backup before migrating '%s': %s\n",
			location, error_message());
		error_clear();
		r = 0;
		goto out;
	}
	backup_new_path(&path, &env, "migrate");
	prog = progress_start(ctx, "backing up before the migration", &counts, "file");
	if ((r = backup_collect(&set, &env, "migrate")) >= 0)
		r = backup_write(&set, path.buf);
	progress_stop(prog);
	if (r < 0) {
		error_prefix("cannot back '%s' up before migrating it", location);
		error_hint("nothing was migrated; free the space or fix backup.dir, then run again");
		goto out;
	}
	if (!ctx->quiet)
		fprintf(stderr, "bosun: backed up '%s' (schema %d) before migrating it "
			"to schema %d: %s\n", location, from, to, path.buf);
	free(ctx->migrate_backup);
	ctx->migrate_backup_bytes = stat(path.buf, &st) ? -1 : (long long)st.st_size;
	ctx->migrate_backup = strbuf_detach(&path, NULL);
out:
	backup_set_release(&set);
	strbuf_release(&config_dir);
	strbuf_release(&dir);
	strbuf_release(&path);
	return r;
}

/* ------------------------------------------------------------ restore */

static const char *resumed_name(int settled)
{
	return settled == 1 ? "completed" : settled == 2 ? "undone" : NULL;
}

static void print_resumed(int settled, const struct strbuf *report)
{
	if (settled > 0)
		fprintf(stderr, "bosun: an interrupted restore was %s%s%s\n",
			resumed_name(settled), report->len ? ": " : "",
			report->len ? report->buf : "");
}

static void print_plan(struct bosun_ctx *ctx, const struct restore_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nr; i++) {
		const struct restore_op *op = &plan->ops[i];

		if (op->act == RESTORE_SKIP && !ctx->verbose)
			continue;
		printf("%-9s  %s", restore_act_name(op->act), op->path);
		if (op->refused)
			printf("  %s(%s%s)%s", plan->force ? c_yellow(ctx) : c_red(ctx),
			       op->refused, plan->force ? ", forced" : "", c_reset(ctx));
		printf("\n");
	}
}

static json_t *plan_json(const struct restore_plan *plan)
{
	json_t *files = json_array();
	size_t i;

	for (i = 0; i < plan->nr; i++)
		json_array_append_new(files, json_pack("{s:s, s:s, s:s?}",
			"path", plan->ops[i].path,
			"action", restore_act_name(plan->ops[i].act),
			"refused", plan->ops[i].refused));
	return files;
}

static int resume_only(struct bosun_ctx *ctx, const struct backup_env *env)
{
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf report = STRBUF_INIT;
	int r;

	if ((r = restore_begin(&lk, env, &report)) < 0)
		goto out;
	restore_end(&lk);
	if (ctx->json)
		out_json(json_pack("{s:s?, s:s?}", "resumed", resumed_name(r),
				   "files", report.len ? report.buf : NULL));
	else if (r)
		printf("an interrupted restore was %s\n", resumed_name(r));
	else
		printf("no interrupted restore\n");
	r = 0;
out:
	strbuf_release(&report);
	return r;
}

static int restore_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct backup_env env = BACKUP_ENV_INIT;
	struct backup_set set = BACKUP_SET_INIT;
	struct restore_plan plan = RESTORE_PLAN_INIT;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf config_dir = STRBUF_INIT, dir = STRBUF_INIT, report = STRBUF_INIT;
	struct meter counts = METER_INIT;
	struct progress *prog = NULL;
	char *snapshot = NULL;
	int r, settled = 0, locked = 0;

	if (restore_args.resume && argc)
		return cmd_usage_error("--resume takes no archive");
	if (!restore_args.resume && argc != 1)
		return cmd_usage_error(argc ? "unexpected argument '%s'" :
				       "which archive? (bosun restore FILE)", argv[argc > 1]);
	if ((r = env_setup(ctx, &env, &config_dir, &dir)) < 0)
		goto out;
	if (restore_args.resume) {
		r = resume_only(ctx, &env);
		goto out;
	}
	env.progress = set.progress = &counts;
	prog = progress_start(ctx, "restoring", &counts, "file");
	/* The whole archive is read and checked before anything is touched. */
	if ((r = backup_read(&set, argv[0])) < 0)
		goto out;
	if (!restore_args.dry_run) {
		if ((r = settled = restore_begin(&lk, &env, &report)) < 0)
			goto out;
		locked = 1;
		if (settled > 0) {
			/* Its line is not drawn over. */
			progress_stop(prog);
			prog = NULL;
			print_resumed(settled, &report);
		}
	}
	if ((r = restore_plan(&plan, &set, &env, restore_args.force)) < 0)
		goto out;
	if (!restore_args.dry_run && (!plan.refused || plan.force))
		r = restore_apply(&plan, &set, &env, &snapshot);
	else if (plan.refused && !plan.force && !restore_args.dry_run)
		r = error_set(BOSUN_ECONFLICT, "%zu file%s changed outside bosun since "
			      "the backup", plan.refused, plan.refused == 1 ? "" : "s");
	progress_stop(prog);
	prog = NULL;
	if (r == -BOSUN_ECONFLICT)
		error_hint("nothing was changed; look at them, then restore with "
			   "--force to overwrite them");
	if (ctx->json) {
		out_json(json_pack("{s:s, s:b, s:b, s:s?, s:s?, s:s?, s:o}",
				   "archive", argv[0], "dry_run", restore_args.dry_run,
				   "restored", r >= 0 && !restore_args.dry_run,
				   "snapshot", snapshot, "created", set.created,
				   "resumed", resumed_name(settled), "files", plan_json(&plan)));
	} else {
		print_plan(ctx, &plan);
		if (snapshot && r >= 0)
			printf("restored %s; undo with: bosun restore %s\n", argv[0],
			       snapshot);
	}
out:
	progress_stop(prog);
	if (locked)
		restore_end(&lk);
	free(snapshot);
	restore_plan_release(&plan);
	backup_set_release(&set);
	strbuf_release(&config_dir);
	strbuf_release(&dir);
	strbuf_release(&report);
	return r;
}

static const struct option restore_opts[] = {
	OPT_DRY_RUN(&restore_args.dry_run),
	OPT_FORCE(&restore_args.force, "overwrite files changed outside bosun"),
	OPT_BOOL(0, "resume", &restore_args.resume,
		 "finish or undo a restore that was interrupted"),
	OPT_END(),
};

static const struct sub_entry restore_self = {
	.name = "restore", .summary = "put a backup back, undoably",
	.usage = "FILE [--dry-run] [--force] | --resume",
	.help = "Check the archive FILE (every entry, every SHA-256), list what happens to\n"
		"each file (create, overwrite, skip, delete), take a snapshot of the state\n"
		"now, then write every file through a lock file and rename, and the store.\n"
		"A file changed outside bosun since the backup is refused without --force.\n"
		"On a failure the snapshot is put back; after a kill, the next restore (or\n"
		"--resume) finishes or undoes the interrupted one.",
	.opts = restore_opts, .flags = CMD_NEEDS_STORE, .fn = restore_cmd,
};

const struct cmd_entry cmd_restore = {
	.name = "restore", .summary = "put a backup back, undoably",
	.self = &restore_self,
};
