/*
 * trigger.h - start the deployment watcher after a push: the one way both
 * the pre-push hook (lib/hooks, through hook_run_opts.after_push) and bosun
 * sync do it.
 *
 *	struct strbuf why = STRBUF_INIT;
 *	r = deploy_after_push(cfg, self, dir, "origin", "main", oid, &why);
 *	// 1: `bosun deploy watch OID --detach --await origin:main` started
 *	// 0: not watched (no deploy.probes, branch not in deploy.branches)
 *	// -1: it could not start; why says so (the push goes on)
 *
 * When `git push` is an ancestor (the pre-push hook), the watcher is given
 * its PID and start time (--push-pid PID:START), so it tells a push that
 * failed from one still running.
 *
 * self is bosun's executable (NULL: this process's own); dir is where the
 * watcher runs (the worktree). Nothing is recorded with error_set(): a
 * watcher that does not start is a warning for the caller to show.
 */
#ifndef BOSUN_LIB_DEPLOY_TRIGGER_H
#define BOSUN_LIB_DEPLOY_TRIGGER_H

#include "core/strbuf.h"

struct config;

int deploy_after_push(const struct config *cfg, const char *self, const char *dir,
		      const char *remote, const char *branch, const char *oid,
		      struct strbuf *why);

#endif
