/*
 * index.h - git's index file (versions 2, 3 and 4, SHA-1) and the tree
 * objects it is compared with, read straight from disk; and the staged
 * files (what `git diff --cached --diff-filter=AMT` lists) without a git
 * process.
 *
 *	struct staged_list st = STAGED_LIST_INIT;
 *	r = index_staged(repo, &st);
 *	// r == 0: st.items[i].path, .hex, .mode, in path order
 *	// r == 1: not readable here (split or sparse index, SHA-256, a
 *	//         deltified tree...): ask git
 *	staged_list_release(&st);
 *
 * The cache-tree extension (TREE) lets whole unchanged folders be skipped:
 * a folder whose cached tree id equals HEAD's is not looked into.
 */
#ifndef BOSUN_LIB_GIT_INDEX_H
#define BOSUN_LIB_GIT_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct repo;

struct index_entry {
	char *path;
	unsigned char oid[20];
	uint32_t mode;
	unsigned stage;         /* 0, or 1-3 while a merge is unresolved */
	unsigned ita;           /* git add -N: intent to add */
};

struct cache_tree {
	char *name;             /* the folder's own name ("" at the top) */
	int entry_count;        /* -1: invalid (changed since it was cached) */
	unsigned char oid[20];
	struct cache_tree **sub;
	size_t nr_sub;
};

struct index_file {
	struct index_entry *e;
	size_t nr, alloc;
	struct cache_tree *tree;  /* NULL: no TREE extension */
	int unsupported;          /* split or sparse, or an unknown required
				   * extension: parse only, not for index_staged() */
};
#define INDEX_FILE_INIT { NULL, 0, 0, NULL, 0 }

/* Parse an index file's bytes; -BOSUN_EDATA when they are not one. */
int index_parse(struct index_file *ix, const unsigned char *buf, size_t len);
void index_release(struct index_file *ix);

/* One entry of a tree object at *p (before end): 1 with its name (len
 * bytes, not NUL-terminated), mode and id, and *p moved past it; 0 at the
 * end; -1 when the bytes are not a tree entry. */
int tree_next(const unsigned char **p, const unsigned char *end, const char **name,
	      size_t *len, uint32_t *mode, const unsigned char **oid);

struct staged_file {
	char *path;
	char hex[41];
	uint32_t mode;
};

struct staged_list {
	struct staged_file *items;
	size_t nr, alloc;
};
#define STAGED_LIST_INIT { NULL, 0, 0 }

int index_staged(struct repo *repo, struct staged_list *out);
/* 1 when the repository's objects are not SHA-1 ones (its index is not
 * one this file reads). */
int index_other_format(struct repo *repo);
void staged_list_release(struct staged_list *l);

#endif
