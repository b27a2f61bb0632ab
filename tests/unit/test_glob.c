/* Unit tests for core/glob: gitignore lists (the scanner's .bosunignore and
 * rule paths) and file patterns (the hooks' check globs, lint-staged style). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/glob.h"

#include <stdlib.h>
#include <string.h>

static void list__patterns__match_like_gitignore(void **state)
{
	struct glob_list gl = GLOB_LIST_INIT;
	static const char text[] = "# comment\n\n*.log\n/build\ndocs/**/secret.md\n"
				   "vendor/\n!keep.log\n[abc].txt\n";

	glob_list_parse(&gl, text, sizeof(text) - 1);
	assert_true(glob_list_match(&gl, "a.log"));
	assert_true(glob_list_match(&gl, "x/y/a.log"));
	assert_false(glob_list_match(&gl, "keep.log"));
	assert_true(glob_list_match(&gl, "build/out.c"));
	assert_false(glob_list_match(&gl, "src/build/out.c"));
	assert_true(glob_list_match(&gl, "docs/secret.md"));
	assert_true(glob_list_match(&gl, "docs/a/b/secret.md"));
	assert_false(glob_list_match(&gl, "docs/a/b/other.md"));
	assert_true(glob_list_match(&gl, "x/vendor/lib.js"));
	assert_false(glob_list_match(&gl, "vendor"));
	assert_true(glob_list_match(&gl, "b.txt"));
	assert_false(glob_list_match(&gl, "d.txt"));
	glob_list_release(&gl);
	assert_true(glob_match("a*c", "abbc"));
	assert_false(glob_match("a*c", "ab/c"));
	assert_true(glob_match("a**c", "ab/c"));
	assert_true(glob_match("a/**", "a/b/c"));
	assert_true(glob_match("[!a]x", "bx"));
	assert_false(glob_match("[!a]x", "ax"));
	assert_true(glob_match("\\*", "*"));
	assert_true(glob_match("a[", "a["));
}

static void list__negation__last_match_decides(void **state)
{
	struct glob_list gl = GLOB_LIST_INIT;
	static const char text[] = "*.txt\n!important.txt\nimportant.txt\n"
				   "!/keep/*.log\n*.log\n";

	(void)state;
	glob_list_parse(&gl, text, sizeof(text) - 1);
	assert_true(glob_list_match(&gl, "a.txt"));
	assert_true(glob_list_match(&gl, "important.txt"));  /* re-ignored */
	assert_true(glob_list_match(&gl, "keep/x.log"));     /* later *.log wins */
	glob_list_release(&gl);
	glob_list_add(&gl, "*.log");
	glob_list_add(&gl, "!/keep/*.log");
	assert_false(glob_list_match(&gl, "keep/x.log"));
	assert_true(glob_list_match(&gl, "other/keep/x.log"));
	glob_list_release(&gl);
}

static void list__anchoring_and_directories(void **state)
{
	struct glob_list gl = GLOB_LIST_INIT;

	(void)state;
	glob_list_add(&gl, "/top.txt");
	glob_list_add(&gl, "a/b");
	glob_list_add(&gl, "logs/");
	glob_list_add(&gl, "# not a pattern");
	glob_list_add(&gl, "   ");
	glob_list_add(&gl, "trail\\ ");
	assert_true(glob_list_match(&gl, "top.txt"));
	assert_false(glob_list_match(&gl, "x/top.txt"));
	assert_true(glob_list_match(&gl, "a/b"));
	assert_true(glob_list_match(&gl, "a/b/c"));        /* under a matched folder */
	assert_false(glob_list_match(&gl, "x/a/b"));       /* a '/' anchors */
	assert_true(glob_list_match(&gl, "logs/today"));
	assert_true(glob_list_match(&gl, "x/logs/today"));
	assert_false(glob_list_match(&gl, "logs"));        /* a file, not a folder */
	assert_false(glob_list_match(&gl, "# not a pattern"));
	assert_true(glob_list_match(&gl, "trail "));       /* escaped trailing space */
	assert_false(glob_list_match(&gl, "trail"));
	glob_list_release(&gl);
}

static void list__dots_and_double_stars(void **state)
{
	struct glob_list gl = GLOB_LIST_INIT;

	(void)state;
	glob_list_add(&gl, "*.env");
	glob_list_add(&gl, "**/fixtures/**");
	assert_true(glob_list_match(&gl, ".env"));           /* '*' takes a leading '.' */
	assert_true(glob_list_match(&gl, "x/.y/prod.env"));
	assert_true(glob_list_match(&gl, "fixtures/a"));
	assert_true(glob_list_match(&gl, "t/fixtures/a/b"));
	assert_false(glob_list_match(&gl, "t/fixtures"));
	glob_list_release(&gl);
	assert_true(glob_match("**", "a/b/c"));
	assert_true(glob_match("**/b", "b"));
	assert_true(glob_match("a/**/b", "a/b"));
	assert_true(glob_match("a/**/b", "a/x/y/b"));
	assert_false(glob_match("a/**/b", "ab"));
	assert_false(glob_match("a/**", "a"));
	assert_true(glob_match("a?c", "abc"));
	assert_false(glob_match("a?c", "a/c"));
}

static void classes__ranges_negation_posix(void **state)
{
	(void)state;
	assert_true(glob_match("[a-c]x", "bx"));
	assert_false(glob_match("[a-c]x", "dx"));
	assert_true(glob_match("[^a-c]x", "dx"));
	assert_false(glob_match("[!a-c]x", "cx"));
	assert_true(glob_match("[]]", "]"));
	assert_true(glob_match("[\\]]", "]"));
	assert_false(glob_match("a[/]b", "a/b"));          /* a class never takes '/' */
	assert_false(glob_match("a[!x]b", "a/b"));
	assert_true(glob_match("[[:digit:]]*.log", "7days.log"));
	assert_false(glob_match("[[:digit:]]*.log", "days.log"));
	assert_true(glob_match("[[:upper:][:digit:]_]", "_"));
	assert_true(glob_match("[![:space:]]", "x"));
	assert_false(glob_match("[![:space:]]", " "));
	assert_true(glob_file_match("[[:alpha:]].c", "src/x.c"));
	assert_false(glob_file_match("[[:alpha:]].c", "src/1.c"));
}

static void file__basename_patterns__match_at_any_depth(void **state)
{
	(void)state;
	assert_true(glob_file_match("*.c", "a.c"));
	assert_true(glob_file_match("*.c", "src/x/a.c"));
	assert_false(glob_file_match("*.c", "src/a.h"));
	assert_false(glob_file_match("*.c", ".hidden.c"));
	assert_true(glob_file_match("[ab].txt", "x/b.txt"));
}

static void file__starstar__matches_any_number_of_folders(void **state)
{
	(void)state;
	assert_true(glob_file_match("src/**/*.c", "src/a.c"));
	assert_true(glob_file_match("src/**/*.c", "src/x/y/a.c"));
	assert_false(glob_file_match("src/**/*.c", "lib/src/a.c"));
	assert_true(glob_file_match("**/test/*", "a/b/test/x"));
	assert_true(glob_file_match("**/test/*", "test/x"));
	assert_true(glob_file_match("src/**", "src/a/b"));
	assert_false(glob_file_match("src/*", "src/a/b"));
	assert_true(glob_file_match("src/**/**/x", "src/x"));
	assert_true(glob_file_match("/src/*.c", "src/a.c"));
}

static void file__hidden_components__need_a_dot(void **state)
{
	(void)state;
	assert_false(glob_file_match("*", ".env"));
	assert_true(glob_file_match(".*", ".env"));
	assert_false(glob_file_match("?env", ".env"));
	assert_false(glob_file_match("[.]env", ".env"));
	assert_true(glob_file_match("\\.env", ".env"));
	assert_true(glob_file_match("a*", "a.b.c"));
	assert_false(glob_file_match("src/*", "src/.x"));
	assert_true(glob_file_match("src/.*", "src/.x"));
	assert_true(glob_file_match("*.c", ".git/a.c"));    /* only the name counts */
	assert_true(glob_file_match("**/*.c", ".git/a.c"));  /* "**" takes hidden folders */
	assert_false(glob_file_match("*/*.c", ".git/a.c"));
}

static void file__double_stars__as_components_only(void **state)
{
	(void)state;
	assert_true(glob_file_match("**", "a.c"));
	assert_false(glob_file_match("a**c", "ab/c"));     /* "**" inside a name is '*' */
	assert_true(glob_file_match("a**c", "x/abbc"));
	assert_true(glob_file_match("src/**", "src"));
	assert_true(glob_file_match("/**", "any/where"));
	assert_true(glob_file_match("**/**", "a"));
	assert_true(glob_file_match("src/**/", "src/a"));
	assert_true(glob_file_match("src//a.c", "src/a.c"));
	assert_true(glob_file_match("src/a.c/", "src/a.c"));
	assert_false(glob_file_match("src/**/x", "srcx"));
	assert_false(glob_file_match("src/**", "srcx/a"));
	assert_true(glob_file_match("a/**/b/**/c", "a/b/c"));
	assert_true(glob_file_match("a/**/b/**/c", "a/1/b/2/3/c"));
	assert_false(glob_file_match("a/**/b/**/c", "a/1/c"));
}

/* A pattern built to make a backtracking matcher exponential finishes. */
static void match__hostile_pattern__linear(void **state)
{
	char pat[200], path[200];
	size_t i;

	(void)state;
	for (i = 0; i + 2 < sizeof(pat); i += 2)
		memcpy(pat + i, "*a", 2);
	pat[i] = '\0';
	memset(path, 'a', sizeof(path) - 2);
	path[sizeof(path) - 2] = 'b';
	path[sizeof(path) - 1] = '\0';
	assert_false(glob_match(pat, path));
	assert_false(glob_file_match(pat, path));
	for (i = 0; i + 3 < sizeof(pat); i += 3)
		memcpy(pat + i, "**/", 3);
	pat[i] = 'b';
	pat[i + 1] = '\0';
	assert_false(glob_file_match(pat, "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/c"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list__patterns__match_like_gitignore),
		cmocka_unit_test(list__negation__last_match_decides),
		cmocka_unit_test(list__anchoring_and_directories),
		cmocka_unit_test(list__dots_and_double_stars),
		cmocka_unit_test(classes__ranges_negation_posix),
		cmocka_unit_test(file__basename_patterns__match_at_any_depth),
		cmocka_unit_test(file__starstar__matches_any_number_of_folders),
		cmocka_unit_test(file__hidden_components__need_a_dot),
		cmocka_unit_test(file__double_stars__as_components_only),
		cmocka_unit_test(match__hostile_pattern__linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
