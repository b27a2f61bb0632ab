/*
 * migrate.c - bosun migrate: apply the state store's schema migrations.
 */
#include "cmd/common.h"

#include "core/error.h"
#include "lib/git/repo.h"
#include "lib/config/config.h"
#include "lib/store/store.h"

static int status_only;

static const struct option migrate_opts[] = {
	OPT_BOOL(0, "status", &status_only, "show the schema version, apply nothing"),
	OPT_END(),
};

static int migrate_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int status = status_only, applied = 0, before, r;
	struct repo *repo;
	struct config *cfg;
	struct store *st = NULL;
	int latest;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = ctx_repo(ctx, &repo)) < 0)
		return r;
	if ((r = ctx_config(ctx, &cfg)) < 0)
		return r;
	if ((r = store_open(&st, config_str(cfg, "store.url"),
			    repo->common_dir, STORE_OPEN_NO_MIGRATE |
			    (status ? STORE_OPEN_READ : 0))) < 0)
		return r;
	if ((r = before = store_schema_version(st)) < 0 ||
	    (r = latest = store_schema_latest(st)) < 0)
		goto out;
	r = 0;
	if (!status && (r = store_migrate(st, &applied)) < 0)
		goto out;
	if (ctx->json)
		out_json(json_pack("{s:s, s:i, s:i, s:i, s:i, s:o}", "path", store_location(st),
				   "before", before, "version", store_schema_version(st),
				   "latest", latest, "applied", applied, "backup",
				   ctx->migrate_backup ?
				   json_pack("{s:s, s:I}", "path", ctx->migrate_backup,
					     "bytes", (json_int_t)ctx->migrate_backup_bytes) :
				   json_null()));
	else if (status)
		printf("%s: schema %d of %d\n", store_location(st), before,
		       latest);
	else
		printf("%s: schema %d (%d migration%s applied)\n", store_location(st),
		       store_schema_version(st), applied, applied == 1 ? "" : "s");
out:
	store_close(st);
	return r;
}

static const struct sub_entry migrate_self = {
	.name = "migrate", .summary = "create and upgrade the shared state store",
	.usage = "[--status]",
	.help = "Create the repository's state store (in git's common directory) and apply\n"
		"its schema migrations. Every command does this when it needs the store.\n"
		"A store that holds data is backed up first (--json: \"backup\", its path\n"
		"and size); a store newer than this bosun is refused (exit 65), naming the\n"
		"bosun that reads it.",
	.opts = migrate_opts, .flags = CMD_NEEDS_STORE, .fn = migrate_cmd,
};

const struct cmd_entry cmd_migrate = {
	.name = "migrate", .summary = "create and upgrade the shared state store",
	.self = &migrate_self,
};
