/*
 * sync.c - `bosun sync`: push the current branch through the repository's
 * push queue, rebasing and retrying when the remote moved (lib/sync,
 * docs/sync.md).
 */
#include "cmd/common.h"

#include "bosun-config.h"
#include "core/error.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/sync/sync.h"
#ifdef BOSUN_HAVE_DEPLOY
#include "lib/deploy/trigger.h"
#endif

#include <stdio.h>
#include <string.h>

struct sync_cb {
	struct bosun_ctx *ctx;
	const struct config *cfg;
	const char *workdir;
};

/* Waits and recoveries go to stderr, so stdout stays the result. */
static void progress(const char *msg, void *data)
{
	struct sync_cb *cb = data;

	if (!cb->ctx->quiet)
		fprintf(stderr, "sync: %s\n", msg);
}

#ifdef BOSUN_HAVE_DEPLOY
static void after_push(const char *remote, const char *branch, const char *oid,
		       struct strbuf *why, void *data)
{
	struct sync_cb *cb = data;

	deploy_after_push(cb->cfg, NULL, cb->workdir, remote, branch, oid, why);
}
#endif

static json_t *lines_json(const struct strbuf *sb)
{
	json_t *a = json_array();
	const char *p = sb->buf, *e;

	for (; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (e > p)
			json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
	}
	return a;
}

static json_t *result_json(const struct sync_result *res, int r)
{
	json_t *o = json_object();

	json_object_set_new(o, "outcome", res->outcome ? json_string(res->outcome) :
			    json_null());
	json_object_set_new(o, "remote", res->remote ? json_string(res->remote) : json_null());
	json_object_set_new(o, "branch", res->branch ? json_string(res->branch) : json_null());
	json_object_set_new(o, "remote_branch", res->remote_branch ?
			    json_string(res->remote_branch) : json_null());
	json_object_set_new(o, "from", *res->from ? json_string(res->from) : json_null());
	json_object_set_new(o, "to", *res->to ? json_string(res->to) : json_null());
	json_object_set_new(o, "attempts", json_integer(res->attempts));
	json_object_set_new(o, "duration_ms", json_integer(res->duration_ms));
	json_object_set_new(o, "queued_ms", json_integer(res->queued_ms));
	json_object_set_new(o, "push_id", res->push_id ? json_integer(res->push_id) :
			    json_null());
	json_object_set_new(o, "recovered", json_boolean(res->recovered));
	json_object_set_new(o, "conflicts", lines_json(&res->conflicts));
	json_object_set_new(o, "notes", lines_json(&res->notes));
	if (r < 0) {
		json_t *e = json_object();

		json_object_set_new(e, "message", json_string(error_message()));
		json_object_set_new(e, "exit", json_integer(error_exit_code(r)));
		json_object_set_new(e, "hint", error_hint_text() ?
				    json_string(error_hint_text()) : json_null());
		json_object_set_new(o, "error", e);
	} else {
		json_object_set_new(o, "error", json_null());
	}
	return o;
}

static void print_text(struct bosun_ctx *ctx, const struct sync_result *res)
{
	const char *p = res->notes.buf, *e;

	for (; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (e > p)
			print_warning(ctx, "%.*s", (int)(e - p), p);
	}
	if (!res->outcome)
		return;
	if (!strcmp(res->outcome, "up-to-date")) {
		if (!ctx->quiet)
			printf("%s/%s is up to date\n", res->remote, res->remote_branch);
	} else if (!strcmp(res->outcome, "pushed")) {
		printf("%spushed%s %s to %s/%s (%.7s%s%.7s, %d push%s, %lld ms)\n",
		       c_green(ctx), c_reset(ctx), res->branch, res->remote,
		       res->remote_branch, *res->from ? res->from : "new",
		       "..", res->to, res->attempts, res->attempts == 1 ? "" : "es",
		       res->duration_ms);
	}
}

static int sync_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct sync_opts o = SYNC_OPTS_INIT;
	struct sync_result res = SYNC_RESULT_INIT;
	struct sync_cb cb = { ctx, NULL, NULL };
	struct config *cfg;
	struct repo *repo;
	int r;

	if (argc > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[1]);
	if ((r = ctx_repo(ctx, &repo)) < 0 || (r = ctx_config(ctx, &cfg)) < 0)
		return r;
	sync_opts_config(&o, cfg);
	o.workdir = repo->workdir;
	o.gitdir = repo->gitdir;
	o.common_dir = repo->common_dir;
	o.remote = argc ? argv[0] : NULL;
	o.progress = progress;
#ifdef BOSUN_HAVE_DEPLOY
	o.after_push = after_push;
#endif
	cb.cfg = cfg;
	cb.workdir = repo->workdir;
	o.data = &cb;
	r = sync_run(&o, &res);
	if (ctx->json)
		out_json(result_json(&res, r));
	else
		print_text(ctx, &res);
	sync_result_release(&res);
	return r;
}

static const struct sub_entry sync_self = {
	.name = "sync", .summary = "push the current branch; rebase and retry when the remote moved",
	.usage = "[REMOTE]",
	.help = "Push the current branch to its upstream (or the same name on REMOTE,\n"
		"default origin), one bosun sync of the repository at a time. When the\n"
		"remote moved, fetch, rebase (uncommitted changes are stashed and put\n"
		"back; bosun's merge driver merges append-style files), and push again\n"
		"after a jittered backoff (sync.attempts, sync.backoff, sync.backoff_max).\n"
		"A conflict aborts the rebase and leaves the branch and the worktree as\n"
		"they were. Exit 0 pushed or up to date, 4 conflict, 77 authentication\n"
		"refused, 69 remote unreachable, 1 refused by a remote hook or still\n"
		"behind, 75 another sync held the queue for sync.wait. Merges happen\n"
		"here, not on the host: hosted merge buttons ignore custom merge drivers.",
	.flags = CMD_NEEDS_WORKTREE | CMD_NEEDS_STORE,
	.fn = sync_cmd,
};

const struct cmd_entry cmd_sync = {
	.name = "sync",
	.summary = "push the current branch; rebase and retry when the remote moved",
	.self = &sync_self,
};
