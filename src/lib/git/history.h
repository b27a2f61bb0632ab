/*
 * history.h - the commit graph, read straight from the object database.
 *
 *	struct history h = HISTORY_INIT;
 *	if ((r = history_open(&h, repo)) < 0) ...
 *	uint32_t head;
 *	if ((r = history_resolve(&h, "HEAD", &head)) < 0) ...	// loads HEAD and all ancestors
 *	struct hcommit *c = &h.commits[head];
 *	history_message(&h, head, &len);
 *	history_release(&h);
 *
 * Commits are nodes in one array, named by index; each commit is read and
 * parsed once, and a walk inflates only its headers (pack.h): messages are
 * read when asked for. Loading is an iterative depth-first walk, so a 10,000-commit
 * history costs about as much as `git log --format=%B`. Walks over the loaded
 * graph use a generation mark (history_mark_new) instead of clearing flags.
 *
 * A commit's parents and date never change (its id is the hash of its
 * content), so they are kept in a cache in the common directory
 * (bosun/commits.cache): a later walk reads no object for a commit it has
 * seen. Messages are not cached. BOSUN_NO_CACHE=1 turns the cache off. The
 * cache is written by history_release() when the walk read new commits.
 *
 * In a shallow clone, a parent listed in .git/shallow is a boundary: the
 * commit is loaded with is_boundary set and its parents unknown; the caller
 * decides whether the answer it needs is still complete (h.hit_boundary).
 */
#ifndef BOSUN_LIB_GIT_HISTORY_H
#define BOSUN_LIB_GIT_HISTORY_H

#include "core/strbuf.h"
#include "lib/git/oid.h"
#include "lib/git/pack.h"
#include "lib/git/repo.h"

#include <stddef.h>
#include <stdint.h>

#define HISTORY_OIDSZ OID_RAWSZ

struct hcommit {
	unsigned char oid[HISTORY_OIDSZ];
	uint32_t parents;      /* index of the first parent in h.parent_idx */
	uint32_t nr_parents;
	int64_t time;          /* committer time, seconds since the epoch */
	uint32_t msg_off, msg_len; /* message bytes in h.arena */
	uint32_t mark;         /* generation mark of the last walk that saw it */
	int32_t label;         /* free for callers (e.g. the release it is in) */
	unsigned loaded : 1;
	unsigned msg_loaded : 1; /* the walk read only the headers */
	unsigned is_boundary : 1;
};

struct history {
	struct repo *repo;
	void *odb;             /* git_odb * */
	struct hcommit *commits;
	size_t nr, alloc;
	uint32_t *parent_idx;
	size_t nr_parent_idx, alloc_parent_idx;
	struct strbuf arena;
	uint32_t *table;       /* open addressing: index + 1, 0 = empty */
	size_t table_size;
	uint32_t mark_gen;
	int hit_boundary;
	unsigned char *shallow; /* sorted oids from .git/shallow */
	size_t nr_shallow;
	struct packs packs;     /* whole objects read without libgit2 */
	struct strbuf buf;      /* scratch for one object */
	int want_messages;      /* read whole commits while walking */
	size_t nr_read;         /* commits read from the object store */
	int cache_loaded;
};
#define HISTORY_INIT { 0 }

int history_open(struct history *h, struct repo *repo);
void history_release(struct history *h);

/* Resolve a revision (HEAD, a branch, a tag, a hex id) to a commit and load
 * it with all its ancestors. -BOSUN_ENOTFOUND when it does not resolve. */
int history_resolve(struct history *h, const char *rev, uint32_t *out);
/* Load a commit by raw id, with all its ancestors. */
int history_load_oid(struct history *h, const unsigned char *oid, uint32_t *out);
/* Peel an object id (tag or commit) to a commit id; -BOSUN_ENOTFOUND when
 * it is not a commit in the end (a tag of a tree or blob). */
int history_peel(struct history *h, const unsigned char *oid,
		 unsigned char *commit_out);
/* Index of an already-loaded commit, or -1. */
int64_t history_find(const struct history *h, const unsigned char *oid);

/* The commit's message; read on first use (walks read only headers). */
const char *history_message(struct history *h, uint32_t idx, size_t *len);
static inline const uint32_t *history_parents(const struct history *h, uint32_t idx)
{
	/* No parent array yet (a root commit only): nothing to point into. */
	return h->parent_idx ? h->parent_idx + h->commits[idx].parents : NULL;
}

/* A copy of the message after its first line (free() it), or NULL when
 * there is none: what a squash commit lists its parts in. */
char *history_message_rest(struct history *h, uint32_t idx);

/* Start a new walk: marks from earlier walks no longer count. */
uint32_t history_mark_new(struct history *h);
/* Mark idx and every ancestor with the current generation mark; stops at
 * commits already marked. Returns how many were newly marked. */
size_t history_mark_ancestors(struct history *h, uint32_t idx);

#endif
