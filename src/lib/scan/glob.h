/*
 * glob.h - gitignore-like path patterns, for .bosunignore and the rules'
 * path filters.
 *
 *	struct glob_list gl = GLOB_LIST_INIT;
 *	glob_list_parse(&gl, text, len);	// one pattern a line
 *	glob_list_add(&gl, "test/");		// or one at a time
 *	if (glob_list_match(&gl, "test/a/b.txt"))
 *		...
 *	glob_list_release(&gl);
 *
 * Patterns follow .gitignore: blank lines and lines starting with '#' are
 * skipped; '!' negates (the last pattern that matches decides); a trailing
 * '/' matches directories only; a pattern with no other '/' matches a name
 * at any depth, one with a '/' is anchored at the top ("/x" too); '*' and
 * '?' never match '/', a double star matches across directories (at the
 * end, at the start followed by '/', or between two '/'), "[a-z]" and
 * "[!a-z]" are classes, '\' escapes. A path is
 * ignored when it or one of its directories matches, as in git. Matching
 * is linear in the path's length for each pattern (no backtracking).
 */
#ifndef BOSUN_LIB_SCAN_GLOB_H
#define BOSUN_LIB_SCAN_GLOB_H

#include <stddef.h>

struct glob_pat;

struct glob_list {
	struct glob_pat **items;
	size_t nr, alloc;
};
#define GLOB_LIST_INIT { NULL, 0, 0 }

/* Add one pattern, as a line of .gitignore (a comment or blank adds none). */
void glob_list_add(struct glob_list *gl, const char *line);
/* Add every line of text (len bytes; NUL bytes end a line). */
void glob_list_parse(struct glob_list *gl, const char *text, size_t len);
/* 1 when path (relative, '/'-separated) is matched, else 0. */
int glob_list_match(const struct glob_list *gl, const char *path);
void glob_list_release(struct glob_list *gl);

/* 1 when the whole of path matches the single pattern pat (no gitignore
 * line syntax: no '!', no anchoring rules). */
int glob_match(const char *pat, const char *path);

#endif
