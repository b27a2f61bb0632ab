/*
 * wtstat.h - everything `git status` of a worktree depends on, folded into
 * one digest, so that a kept status is answered again without git while
 * none of it changed.
 *
 *	struct strbuf keep = STRBUF_INIT;
 *	r = wtstat_take(dir, &keep);		// BEFORE running git status
 *	run git status --porcelain=v2 -z ...
 *	if (r == 0)				// 1: unsure, keep nothing
 *		strbuf_addbuf(&keep, &output), store keep
 *	...
 *	size_t at;
 *	if (wtstat_check(dir, kept, len, &at))	// a later run
 *		kept + at .. kept + len is what git status would say
 *
 * What is folded in: the index file's stat, HEAD and the commit it names,
 * every index entry's lstat (mode, size, inode, mtime, ctime, as git
 * compares them), every folder of the worktree (a file made, removed or
 * renamed changes its folder's mtime; ".git" is not looked into), every
 * .gitignore and .gitattributes in it, tracked or not, info/exclude,
 * info/attributes, the config files and core.excludesFile /
 * core.attributesFile. A stamp within the clock tick of the time taken
 * before it is not trusted (core/statcache's racy rule): such a worktree
 * is not kept. Anything this does not read surely (a split or sparse
 * index, SHA-256, submodules, config includes, GIT_DIR or
 * GIT_INDEX_FILE set, more than WTSTAT_DIRS_MAX folders) is "unsure":
 * take returns 1, check 0, and the caller runs git as it would anyway.
 * Neither fails: whatever goes wrong is "unsure". Safe on any thread.
 */
#ifndef BOSUN_LIB_GIT_WTSTAT_H
#define BOSUN_LIB_GIT_WTSTAT_H

#include "core/strbuf.h"

#include <stddef.h>

#define WTSTAT_DIRS_MAX 20000

/* Append to keep what the worktree at dir depends on: 0, or 1 when it
 * cannot be kept (keep is then left as it was). */
int wtstat_take(const char *dir, struct strbuf *keep);
/* 1 with *at where the kept payload starts when nothing kept in
 * kept (len bytes, from wtstat_take plus the payload) changed; else 0. */
int wtstat_check(const char *dir, const char *kept, size_t len, size_t *at);

#endif
