#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gitfix.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/run.h"
#include "lib/git/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Variables that would let the machine's git setup leak into the tests. */
static const char *const unset_vars[] = {
	"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE",
	"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
	"GIT_CEILING_DIRECTORIES", "GIT_NAMESPACE", "GIT_CONFIG",
	"GIT_CONFIG_GLOBAL", "GIT_CONFIG_COUNT", "GIT_TRACE", "GIT_EXEC_PATH",
	"BOSUN_NO_CACHE", NULL,
};

int gitfix_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct gitfix *fx = xcalloc(1, sizeof(*fx));
	const char *const *v;

	strbuf_init(&fx->root, 0);
	strbuf_addf(&fx->root, "%s/bosun-test-git-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->root.buf)) {
		strbuf_release(&fx->root);
		free(fx);
		return -1;
	}
	for (v = unset_vars; *v; v++)
		unsetenv(*v);
	setenv("HOME", fx->root.buf, 1);
	setenv("XDG_CONFIG_HOME", fx->root.buf, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "A U Thor", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C O Mitter", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	setenv("GIT_TERMINAL_PROMPT", "0", 1);
	setenv("TZ", "UTC", 1);
	fx->clock = GITFIX_EPOCH;
	error_clear();
	*state = fx;
	return 0;
}

int gitfix_teardown(void **state)
{
	struct gitfix *fx = *state;
	size_t i;
	int r;

	if (!fx)
		return 0;
	r = fs_remove_tree(fx->root.buf);
	for (i = 0; i < fx->nr_keep; i++)
		free(fx->keep[i]);
	for (i = 0; i < fx->nr_repos; i++)
		repo_free(fx->repos[i]);
	free(fx->keep);
	free(fx->repos);
	strbuf_release(&fx->root);
	free(fx);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("BOSUN_NO_CACHE");
	error_clear();
	*state = NULL;
	return r < 0 ? -1 : 0;
}

const char *gitfix_keep(struct gitfix *fx, char *s)
{
	ALLOC_GROW(fx->keep, fx->nr_keep + 1, fx->alloc_keep);
	fx->keep[fx->nr_keep++] = s;
	return s;
}

const char *gitfix_path(struct gitfix *fx, const char *rel)
{
	struct strbuf sb = STRBUF_INIT;

	fs_path_join(&sb, fx->root.buf, rel);
	return gitfix_keep(fx, strbuf_detach(&sb, NULL));
}

const char *gitfix_gitv(struct gitfix *fx, const char *dir,
			const char *const *argv, int *status, int raw, size_t *len)
{
	struct child c = CHILD_INIT;
	struct strbuf ad = STRBUF_INIT, cd = STRBUF_INIT;
	const char **full;
	const char *env[3];
	size_t n, i;
	char *out;

	for (n = 0; argv[n]; n++)
		;
	full = xcalloc(n + 4, sizeof(*full));
	full[0] = "git";
	full[1] = "-C";
	full[2] = dir ? dir : fx->root.buf;
	for (i = 0; i < n; i++)
		full[3 + i] = argv[i];
	strbuf_addf(&ad, "GIT_AUTHOR_DATE=@%lld +0000", fx->clock);
	strbuf_addf(&cd, "GIT_COMMITTER_DATE=@%lld +0000", fx->clock);
	env[0] = ad.buf;
	env[1] = cd.buf;
	env[2] = NULL;
	c.argv = full;
	c.env = env;
	c.capture = 1;
	c.timeout_ms = 60000;
	if (child_run(&c) < 0)
		fail_msg("cannot run git: %s", error_message());
	if (c.status && !status)
		fail_msg("git %s failed (%d): %s", argv[0], c.status, c.err.buf);
	if (status)
		*status = c.status;
	if (!raw)
		strbuf_rtrim(&c.out);
	if (len)
		*len = c.out.len;
	out = strbuf_detach(&c.out, NULL);
	child_release(&c);
	free(full);
	strbuf_release(&ad);
	strbuf_release(&cd);
	return gitfix_keep(fx, out);
}

const char *gitfix_git(struct gitfix *fx, const char *dir, ...)
{
	const char **argv = NULL;
	size_t nr = 0, alloc = 0;
	const char *arg, *out;
	va_list ap;

	va_start(ap, dir);
	do {
		arg = va_arg(ap, const char *);
		ALLOC_GROW(argv, nr + 1, alloc);
		argv[nr++] = arg;
	} while (arg);
	va_end(ap);
	out = gitfix_gitv(fx, dir, argv, NULL, 0, NULL);
	free(argv);
	return out;
}

const char *gitfix_init(struct gitfix *fx, const char *name)
{
	const char *dir = gitfix_path(fx, name);

	assert_int_equal(fs_mkdir_p(dir), 0);
	gitfix_git(fx, dir, "init", "-q", "-b", "main", NULL);
	/* No background gc: the tests decide when objects are packed. */
	gitfix_git(fx, dir, "config", "gc.auto", "0", NULL);
	return dir;
}

const char *gitfix_commit(struct gitfix *fx, const char *dir, const char *msg)
{
	gitfix_git(fx, dir, "commit", "-q", "--allow-empty", "-m", msg, NULL);
	fx->clock += GITFIX_DAY;
	return gitfix_git(fx, dir, "rev-parse", "HEAD", NULL);
}

void gitfix_write(const char *path, const char *content, size_t len)
{
	assert_int_equal(write_file_atomic(path, content, len, 0666), 0);
}

const char *gitfix_commit_file(struct gitfix *fx, const char *dir,
			       const char *file, const char *content,
			       const char *msg)
{
	struct strbuf p = STRBUF_INIT;

	fs_path_join(&p, dir, file);
	gitfix_write(p.buf, content, strlen(content));
	strbuf_release(&p);
	gitfix_git(fx, dir, "add", "--", file, NULL);
	return gitfix_commit(fx, dir, msg);
}

void gitfix_oid(const char *hex, unsigned char *oid)
{
	assert_int_equal(strlen(hex), 40);
	assert_int_equal(oid_parse_hex(hex, 40, oid), 0);
}

struct repo *gitfix_repo(struct gitfix *fx, const char *dir)
{
	struct repo *r = NULL;
	int rc = repo_discover(&r, dir);

	if (rc < 0)
		fail_msg("repo_discover('%s'): %s", dir, error_message());
	ALLOC_GROW(fx->repos, fx->nr_repos + 1, fx->alloc_repos);
	fx->repos[fx->nr_repos++] = r;
	return r;
}
