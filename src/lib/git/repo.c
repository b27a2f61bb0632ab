#include "lib/git/repo.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lib/git/git2.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *abs_path(const char *base, const char *p)
{
	struct strbuf sb = STRBUF_INIT;
	char *real;

	if (p[0] == '/' || !base)
		strbuf_addstr(&sb, p);
	else
		fs_path_join(&sb, base, p);
	real = realpath(sb.buf, NULL);
	if (!real)
		return strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	return real;
}

/* Read the first line of path, trimmed. */
static int read_line(struct strbuf *sb, const char *path)
{
	int r = fs_read_file(sb, path, 4096);

	if (r < 0)
		return r;
	strbuf_trim(sb);
	return 0;
}

static int is_bare_gitdir(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	int ok;

	fs_path_join(&sb, dir, "HEAD");
	ok = fs_exists(sb.buf);
	strbuf_reset(&sb);
	fs_path_join(&sb, dir, "objects");
	ok = ok && fs_is_dir(sb.buf);
	strbuf_release(&sb);
	return ok;
}

/* dir/.git as a directory, or a "gitdir: X" file. */
static int probe_dotgit(struct repo *r, const char *dir)
{
	struct strbuf p = STRBUF_INIT, line = STRBUF_INIT;
	struct stat st;
	int found = 0;

	fs_path_join(&p, dir, ".git");
	if (stat(p.buf, &st) < 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		r->gitdir = abs_path(NULL, p.buf);
		found = 1;
	} else if (S_ISREG(st.st_mode) && read_line(&line, p.buf) == 0 &&
		   !strncmp(line.buf, "gitdir:", 7)) {
		struct strbuf v = STRBUF_INIT;

		strbuf_addstr(&v, line.buf + 7);
		strbuf_trim(&v);
		r->gitdir = abs_path(dir, v.buf);
		strbuf_release(&v);
		found = 1;
	}
	if (found)
		r->workdir = xstrdup(dir);
out:
	strbuf_release(&p);
	strbuf_release(&line);
	return found;
}

static void fill_common(struct repo *r)
{
	struct strbuf p = STRBUF_INIT, line = STRBUF_INIT;

	fs_path_join(&p, r->gitdir, "commondir");
	if (fs_exists(p.buf) && read_line(&line, p.buf) == 0 && line.len)
		r->common_dir = abs_path(r->gitdir, line.buf);
	else
		r->common_dir = xstrdup(r->gitdir);
	strbuf_reset(&p);
	fs_path_join(&p, r->common_dir, "shallow");
	r->shallow = fs_exists(p.buf);
	strbuf_release(&p);
	strbuf_release(&line);
}

static int from_env(struct repo *r, const char *git_dir)
{
	const char *wt = getenv("GIT_WORK_TREE");

	struct strbuf cd = STRBUF_INIT;
	int linked;

	r->gitdir = abs_path(NULL, git_dir);
	/* A linked worktree's git dir (git sets GIT_DIR to it when it runs
	 * hooks there) has HEAD and a commondir file, but no objects. */
	fs_path_join(&cd, r->gitdir, "commondir");
	linked = fs_exists(cd.buf);
	strbuf_release(&cd);
	if (!linked && !is_bare_gitdir(r->gitdir))
		return error_set(BOSUN_ENOTFOUND,
				 "not a git repository: GIT_DIR='%s'", git_dir);
	if (wt)
		r->workdir = abs_path(NULL, wt);
	else {
		char *cwd = abs_path(NULL, ".");

		r->workdir = cwd;
	}
	return 0;
}

int repo_discover(struct repo **out, const char *start)
{
	struct repo *r = xcalloc(1, sizeof(*r));
	const char *env = getenv("GIT_DIR");
	char *dir = abs_path(NULL, start);
	int rc = 0;

	if (env && *env) {
		rc = from_env(r, env);
		goto done;
	}
	for (;;) {
		char *slash;

		if (probe_dotgit(r, dir))
			break;
		if (is_bare_gitdir(dir)) {
			r->gitdir = xstrdup(dir);
			break;
		}
		slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			rc = error_set(BOSUN_ENOTFOUND,
				       "not a git repository (or any parent up to /): %s",
				       start);
			error_hint("run bosun inside a repository, or pass -C DIR");
			goto done;
		}
		*slash = '\0';
	}
done:
	free(dir);
	if (rc < 0) {
		repo_free(r);
		return rc;
	}
	fill_common(r);
	*out = r;
	return 0;
}

int repo_git(struct repo *r, struct git_repository **out)
{
	int rc;

	if (!r->git) {
		if ((rc = git2_load()) < 0)
			return rc;
		if (git_repository_open_ext(&r->git, r->workdir ? r->workdir : r->gitdir,
					    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
			return git2_error(BOSUN_EIO, "cannot open the repository");
	}
	*out = r->git;
	return 0;
}

int repo_state_dir(struct repo *r, char **out, int create)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	fs_path_join(&sb, r->common_dir, "bosun");
	if (create && (rc = fs_mkdir_p(sb.buf)) < 0) {
		strbuf_release(&sb);
		return rc;
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

void repo_free(struct repo *r)
{
	if (!r)
		return;
	if (r->git)
		git_repository_free(r->git);
	free(r->workdir);
	free(r->gitdir);
	free(r->common_dir);
	free(r);
}
