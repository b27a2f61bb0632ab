/*
 * refs.h - read refs straight from the files git keeps them in.
 *
 *	unsigned char oid[20];
 *	r = refs_resolve(repo, "HEAD", oid);	// -BOSUN_ENOTFOUND: unborn
 *	struct ref_list tags = REF_LIST_INIT;
 *	r = refs_list(repo, "refs/tags/", &tags);
 *	tags.items[i].name ("refs/tags/v1.0.0"), .oid, .peeled (when known)
 *	ref_list_release(&tags);
 *
 * Loose refs (files under refs/) win over packed-refs. packed-refs gives the
 * peeled commit of an annotated tag ("^" lines), which saves reading the tag
 * object. HEAD and per-worktree refs live in the worktree's git directory,
 * the rest in the common one. A repository in another format (reftable,
 * SHA-256) returns -BOSUN_EUNAVAILABLE so that the caller can ask libgit2.
 */
#ifndef BOSUN_LIB_GIT_REFS_H
#define BOSUN_LIB_GIT_REFS_H

#include "core/strbuf.h"
#include "lib/git/repo.h"

#include <stddef.h>

struct ref_item {
	char *name;
	unsigned char oid[20];
	unsigned char peeled[20];
	int has_peeled;
};

struct ref_list {
	struct ref_item *items;
	size_t nr, alloc;
};
#define REF_LIST_INIT { NULL, 0, 0 }

int refs_resolve(struct repo *repo, const char *name, unsigned char *oid);
/* What the symbolic ref name (HEAD) points to, one level, as `git
 * symbolic-ref` says: 1 with the ref's name in target ("refs/heads/main",
 * whether that branch has commits or not), 0 when name holds an id (a
 * detached HEAD); -BOSUN_EUNAVAILABLE in another format. */
int refs_symref(struct repo *repo, const char *name, struct strbuf *target);
/* 1 when the refs are kept in another format (reftable): what
 * refs_resolve() says of them is not to be trusted, even "no such ref". */
int refs_other_format(struct repo *repo);
int refs_list(struct repo *repo, const char *prefix, struct ref_list *out);
void ref_list_release(struct ref_list *l);

#endif
