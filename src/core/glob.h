/*
 * glob.h - path patterns: gitignore lists (.bosunignore, the scanner
 * rules' path filters) and file patterns as checks and lint-staged write
 * them (the hooks' "files:").
 *
 *	struct glob_list gl = GLOB_LIST_INIT;
 *	glob_list_parse(&gl, text, len);	// one pattern a line
 *	glob_list_add(&gl, "test/");		// or one at a time
 *	if (glob_list_match(&gl, "test/a/b.txt"))
 *		...
 *	glob_list_release(&gl);
 *
 *	if (glob_file_match("*.md", "docs/a/b.md"))	// one file pattern
 *		...
 *
 * Both read the same pattern syntax: '*' and '?' never match '/', a double
 * star matches across directories (at the end, at the start followed by
 * '/', or between two '/'), "[a-z]", "[!a-z]", "[^a-z]" and "[[:alpha:]]"
 * are classes (never matching '/'; a '[' with no closing ']' is itself),
 * '\' escapes the next character.
 *
 * Lists follow .gitignore: blank lines and lines starting with '#' are
 * skipped; '!' negates (the last pattern that matches decides); a trailing
 * '/' matches directories only; a pattern with no other '/' matches a name
 * at any depth, one with a '/' is anchored at the top ("/x" too); '*' and
 * '?' match a leading '.'. A path is ignored when it or one of its
 * directories matches, as in git.
 *
 * File patterns follow fnmatch(3) with FNM_PERIOD per path component, as
 * lint-staged's do: a pattern with no '/' matches the last component at
 * any depth; one with a '/' matches the whole path (a leading, trailing or
 * doubled '/' changes nothing), where a "**" component matches any number
 * of directories, none included, hidden ones too; elsewhere "**" is '*'.
 * A wildcard or class never matches the '.' that starts a component.
 *
 * Matching is linear in the path's length for each pattern (no
 * backtracking), so a hostile pattern cannot make it exponential.
 */
#ifndef BOSUN_CORE_GLOB_H
#define BOSUN_CORE_GLOB_H

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
/* 1 when path (relative to the top, '/'-separated) matches the file
 * pattern (see above), else 0. */
int glob_file_match(const char *pattern, const char *path);

#endif
