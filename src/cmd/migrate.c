/*
 * migrate.c - bosun migrate: apply the state store's schema migrations.
 */
#include "cmd/common.h"

#include "core/error.h"
#include "lib/git/repo.h"
#include "lib/state/state.h"

static int status_only;

static const struct option migrate_opts[] = {
	OPT_BOOL(0, "status", &status_only, "show the schema version, apply nothing"),
	OPT_END(),
};

static int migrate_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int status = status_only, applied = 0, before, r;
	struct repo *repo;
	struct state *st = NULL;

	if (argc)
		return cmd_usage_error("unexpected argument '%s'", argv[0]);
	if ((r = ctx_repo(ctx, &repo)) < 0)
		return r;
	if ((r = state_open_raw(&st, repo->common_dir)) < 0)
		return r;
	before = state_schema_version(st);
	if (!status && (r = state_migrate(st, &applied)) < 0)
		goto out;
	if (ctx->json)
		out_json(json_pack("{s:s, s:i, s:i, s:i, s:i}", "path", state_path(st),
				   "before", before, "version", state_schema_version(st),
				   "latest", state_migrations_nr, "applied", applied));
	else if (status)
		printf("%s: schema %d of %d\n", state_path(st), before,
		       state_migrations_nr);
	else
		printf("%s: schema %d (%d migration%s applied)\n", state_path(st),
		       state_schema_version(st), applied, applied == 1 ? "" : "s");
out:
	state_close(st);
	return r;
}

static const struct sub_entry migrate_self = {
	.name = "migrate", .summary = "create and upgrade the shared state store",
	.usage = "[--status]",
	.help = "Create the repository's state store (in git's common directory) and apply\n"
		"its schema migrations. Every command does this when it needs the store.",
	.opts = migrate_opts, .flags = CMD_NEEDS_STORE, .fn = migrate_cmd,
};

const struct cmd_entry cmd_migrate = {
	.name = "migrate", .summary = "create and upgrade the shared state store",
	.self = &migrate_self,
};
