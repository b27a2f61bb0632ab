/*
 * migrate.c - bosun migrate: apply the state store's schema migrations.
 */
#include "cmd/common.h"

#include "core/error.h"
#include "lib/git/repo.h"
#include "lib/state/state.h"

static const char usage[] = "bosun migrate [--status]";

static int migrate_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	int status = 0, applied = 0, before, r;
	const struct option opts[] = {
		OPT_BOOL(0, "status", &status, "show the schema version, apply nothing"),
		OPT_END(),
	};
	struct repo *repo;
	struct state *st = NULL;

	CMD_PARSE(opts, usage,
		  "Create the repository's state store (in git's common directory) and apply\n"
		  "its schema migrations. Every command does this when it needs the store.",
		  argc, argv);
	if (argc)
		return cmd_usage_error(usage, "unexpected argument '%s'", argv[0]);
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

const struct cmd_entry cmd_migrate = {
	"migrate", "create and upgrade the shared state store", migrate_cmd, NULL,
};
