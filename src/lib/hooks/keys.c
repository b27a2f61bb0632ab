/*
 * keys.c - the configuration keys of git hooks (hooks.*), checked by
 * checks.c; src/cmd/keys.c hands them to config_load().
 */
#include "lib/hooks/internal.h"

const struct config_key hooks_config_keys[] = {
	{ "hooks.install", CFG_STRLIST, "[\"pre-commit\",\"commit-msg\",\"pre-push\"]",
	  "hooks bosun hooks install writes shims for", hooks_check_install },
	{ "hooks.parallel", CFG_BOOL, "true",
	  "run consecutive parallel checks at the same time" },
	{ "hooks.fail_fast", CFG_BOOL, "false",
	  "stop a hook's checks at the first failure" },
	{ "hooks.pre-commit.checks", CFG_JSON, "[]",
	  "checks run before a commit (see docs/hooks.md)", hooks_check_pre_commit },
	{ "hooks.pre-merge-commit.checks", CFG_JSON, "[]",
	  "checks run before a merge commit", hooks_check_pre_merge_commit },
	{ "hooks.prepare-commit-msg.checks", CFG_JSON, "[]",
	  "checks run before the message editor opens", hooks_check_prepare_commit_msg },
	{ "hooks.commit-msg.checks", CFG_JSON, "[]",
	  "checks of the commit message (e.g. commit-lint)", hooks_check_commit_msg },
	{ "hooks.post-commit.checks", CFG_JSON, "[]",
	  "checks run after a commit (cannot block it)", hooks_check_post_commit },
	{ "hooks.post-checkout.checks", CFG_JSON, "[]",
	  "checks run after a checkout or switch", hooks_check_post_checkout },
	{ "hooks.post-merge.checks", CFG_JSON, "[]",
	  "checks run after a merge or pull", hooks_check_post_merge },
	{ "hooks.pre-push.checks", CFG_JSON, "[]",
	  "checks run before a push (secrets, behind, branch-name ...)", hooks_check_pre_push },
	{ "hooks.pre-rebase.checks", CFG_JSON, "[]",
	  "checks run before a rebase", hooks_check_pre_rebase },
	{ "hooks.post-rewrite.checks", CFG_JSON, "[]",
	  "checks run after an amend or rebase", hooks_check_post_rewrite },
	{ NULL, 0, NULL, NULL, NULL },
};
