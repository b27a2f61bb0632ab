/*
 * trigger.c - start the deployment watcher after a push; see trigger.h.
 */
#include "lib/deploy/trigger.h"

#include "core/error.h"
#include "core/proc.h"
#include "core/run.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int deploy_configured(const struct config *cfg)
{
	json_t *p = config_get(cfg, "deploy.probes");

	if (!p)
		error_clear();
	return p && ((json_is_array(p) && json_array_size(p)) ||
		     (json_is_object(p) && json_object_size(p)));
}

static int branch_deployed(const struct config *cfg, const char *b)
{
	json_t *list = config_get(cfg, "deploy.branches");
	size_t i;

	if (!json_is_array(list))
		return !strcmp(b, "main");
	for (i = 0; i < json_array_size(list); i++)
		if (json_is_string(json_array_get(list, i)) &&
		    !strcmp(json_string_value(json_array_get(list, i)), b))
			return 1;
	return 0;
}

int deploy_after_push(const struct config *cfg, const char *self, const char *dir,
		      const char *remote, const char *branch, const char *oid,
		      struct strbuf *why)
{
	char exe[PATH_MAX];
	struct strbuf await = STRBUF_INIT, push = STRBUF_INIT;
	const char *argv[] = { self, "deploy", "watch", oid, "--detach", "--await",
		NULL, NULL, NULL };
	unsigned long long start;
	pid_t git;
	struct child c = CHILD_INIT;
	int r = 1;

	if (!deploy_configured(cfg) || !branch_deployed(cfg, branch))
		return 0;
	if (!self && !(argv[0] = realpath("/proc/self/exe", exe))) {
		strbuf_addf(why, "could not start the deployment watcher for '%s' "
			    "(the push goes on): cannot find bosun's own path", branch);
		return -1;
	}
	strbuf_addf(&await, "%s:%s", remote, branch);
	argv[6] = await.buf;
	/*
	 * In the pre-push hook, `git push` is an ancestor (the shim's parent, or
	 * a shell's between): the watcher follows it, and when it has ended
	 * without the remote branch at the commit, the push failed.
	 */
	git = proc_ancestor_named("git", 3);
	if (git && proc_start_time(git, &start) == 0) {
		strbuf_addf(&push, "--push-pid=%d:%llu", (int)git, start);
		argv[7] = push.buf;
	}
	error_clear();
	c.argv = argv;
	c.dir = dir;
	c.capture = 1;
	c.merge_err = 1;
	c.timeout_ms = 10000;
	if (child_run(&c) < 0 || c.status) {
		strbuf_rtrim(&c.out);
		strbuf_addf(why, "could not start the deployment watcher for '%s' "
			    "(the push goes on): %s", branch,
			    c.out.len ? c.out.buf : error_message());
		error_clear();
		r = -1;
	}
	child_release(&c);
	strbuf_release(&await);
	strbuf_release(&push);
	return r;
}
