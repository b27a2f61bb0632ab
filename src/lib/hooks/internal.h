/*
 * internal.h - what the files of lib/hooks share; not for other modules.
 */
#ifndef BOSUN_LIB_HOOKS_INTERNAL_H
#define BOSUN_LIB_HOOKS_INTERNAL_H

#include "core/run.h"
#include "core/strbuf.h"
#include "lib/hooks/hooks.h"

#include <sys/types.h>

struct repo;

/* Run git with argv (without "git") in dir through lib/git/run.h, with the
 * hooks' timeout; stdout into out (may be NULL). 0 when git exited 0, else
 * its error (-BOSUN_EFAIL "git <verb> failed: <stderr's last line>"). */
int hk_git(const char *dir, const char *const *argv, const char *in,
	   size_t in_len, struct strbuf *out);
/* The directory git commands run in: the work tree, else the git dir. */
const char *hk_repo_dir(const struct repo *repo);

/* Move src to dst (replacing dst), keeping bytes, mode and symlinks, across
 * file systems too. */
int hk_move(const char *src, const char *dst);

/* Save the unstaged changes of tracked files and check out the index
 * versions; *saved says whether there were any. Signals restore them. */
int hk_stash_save(struct repo *repo, int *saved);
/* Put the saved files back (no-op when nothing was saved). */
int hk_stash_restore(void);
/* Whether a stash is out. */
int hk_stash_active(void);

/* Recovery at the start of a hook run: 0 when nothing was left behind or
 * it was put back; notes (may be NULL) gets a line per file set beside. */
int hk_recover_quick(struct repo *repo, struct strbuf *notes);


struct config;
struct hook_check;
struct hook_result;
struct hook_run_opts;

/* One hooks_run(): what the built-ins need. */
struct hk_run {
	struct repo *repo;
	const struct config *cfg;
	const struct hook_run_opts *o;
	char **staged;          /* staged files, NULL-terminated (pre-commit) */
	size_t nr_staged;
	struct push_refs *refs; /* pre-push: the refs being pushed */
};

/* Run an in-process built-in on files (the matching staged files). */
void hk_builtin(struct hk_run *rc, const struct hook_check *chk,
		char **files, size_t nr, struct hook_result *res);
/* Start `bosun deploy watch` for pushed branches (pre-push, after the
 * checks passed) when deploy is configured; warnings go to notes. */
void hk_deploy_trigger(struct hk_run *rc, struct strbuf *notes);

/* The checks of hooks_config_keys (keys.c): hooks.<hook>.checks, one per
 * hook, and hooks.install (every item a known hook name). */
int hooks_check_pre_commit(const json_t *v, struct strbuf *why);
int hooks_check_pre_merge_commit(const json_t *v, struct strbuf *why);
int hooks_check_prepare_commit_msg(const json_t *v, struct strbuf *why);
int hooks_check_commit_msg(const json_t *v, struct strbuf *why);
int hooks_check_post_commit(const json_t *v, struct strbuf *why);
int hooks_check_post_checkout(const json_t *v, struct strbuf *why);
int hooks_check_post_merge(const json_t *v, struct strbuf *why);
int hooks_check_pre_push(const json_t *v, struct strbuf *why);
int hooks_check_pre_rebase(const json_t *v, struct strbuf *why);
int hooks_check_post_rewrite(const json_t *v, struct strbuf *why);
int hooks_check_install(const json_t *v, struct strbuf *why);

#endif
