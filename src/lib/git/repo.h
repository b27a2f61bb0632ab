/*
 * repo.h - the repository bosun runs in.
 *
 *	struct repo *r;
 *	if ((rc = repo_discover(&r, ".")) < 0)	// -BOSUN_ENOTFOUND
 *		return rc;
 *	r->workdir, r->gitdir, r->common_dir	// absolute paths
 *	git_repository *g;
 *	if ((rc = repo_git(r, &g)) < 0)		// loads libgit2 on first use
 *		return rc;
 *	repo_free(r);
 *
 * Discovery reads the file system only (".git" directories, ".git" files of
 * worktrees and submodules, "commondir"), so commands that never touch
 * history do not pay for loading libgit2. GIT_DIR is honoured.
 */
#ifndef BOSUN_LIB_GIT_REPO_H
#define BOSUN_LIB_GIT_REPO_H

struct git_repository;

struct repo {
	char *workdir;     /* top of the work tree, NULL when bare */
	char *gitdir;      /* this worktree's git directory */
	char *common_dir;  /* shared by all worktrees */
	int shallow;       /* common_dir/shallow exists */
	struct git_repository *git;
};

int repo_discover(struct repo **out, const char *start);
int repo_git(struct repo *r, struct git_repository **out);
/* common_dir + "/bosun" (created when create is set). */
int repo_state_dir(struct repo *r, char **out, int create);
void repo_free(struct repo *r);

#endif
