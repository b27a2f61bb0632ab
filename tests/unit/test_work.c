/* lib/work: ownership overlap of file patterns, and plans (parse, order,
 * errors). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/glob.h"
#include "lib/work/work.h"

#include <stdlib.h>
#include <string.h>

static void overlap__pairs__as_documented(void **state)
{
	static const struct { const char *a, *b; int want; } cases[] = {
		{ "src/index/**", "src/index/a.c", 1 },
		{ "src/index/**", "src/api/**", 0 },
		{ "src/*/x.c", "src/index/**", 1 },
		{ "*.md", "docs/x/README.md", 1 },
		{ "*.md", "docs/x/README.txt", 0 },
		{ "*.md", "*.c", 0 },
		{ "src/a?.c", "src/b*.c", 0 },
		{ "src/a?.c", "src/*b.c", 1 },
		{ "src/[a-c]*.h", "src/b/**", 0 },
		{ "src/[a-c]*.h", "src/d*.h", 0 },
		{ "src/[!a]x", "src/ax", 0 },
		{ "src/[!a]x", "src/bx", 1 },
		{ "src/[[:digit:]].c", "src/[a-z].c", 0 },
		{ "src/\\*.c", "src/a.c", 0 },
		{ "src/\\*.c", "src/*.c", 1 },
		{ "**", "anything/at/all", 1 },
		{ "a/**/b", "a/b", 1 },
		{ "a/**/b", "a/x/y/b", 1 },
		{ "a/**/b", "a/x/y/c", 0 },
		{ "/a//b/", "a/b", 1 },
		{ "a/*", "a/b/c", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (work_glob_overlap(cases[i].a, cases[i].b) != cases[i].want ||
		    work_glob_overlap(cases[i].b, cases[i].a) != cases[i].want)
			fail_msg("'%s' vs '%s': want %d", cases[i].a, cases[i].b,
				 cases[i].want);
	}
}

static void pick(char *out, size_t n, const char *const *parts, size_t nparts)
{
	size_t i, k = 1 + (size_t)rand() % n;

	out[0] = 0;
	for (i = 0; i < k; i++) {
		if (i)
			strcat(out, "/");
		strcat(out, parts[(size_t)rand() % nparts]);
	}
}

/* Never miss an overlap: whenever a path matches both patterns, the two
 * are reported overlapping. */
static void overlap__random_witnesses__never_missed(void **state)
{
	static const char *const pats[] = { "a", "b", "*", "?", "**", "a*", "*b",
					    "[ab]", "[!a]", "a?b", "*.c", "x.c" };
	static const char *const names[] = { "a", "b", "ab", "ba", "x.c", "a.c",
					     "aab", "c" };
	char a[64], b[64], path[64];
	int i, j, hits = 0;

	(void)state;
	srand(11);
	for (i = 0; i < 3000; i++) {
		pick(a, 3, pats, sizeof(pats) / sizeof(*pats));
		pick(b, 3, pats, sizeof(pats) / sizeof(*pats));
		for (j = 0; j < 40; j++) {
			pick(path, 4, names, sizeof(names) / sizeof(*names));
			if (glob_file_match(a, path) && glob_file_match(b, path)) {
				hits++;
				if (!work_glob_overlap(a, b))
					fail_msg("'%s' and '%s' both match '%s'", a, b, path);
				break;
			}
		}
	}
	assert_true(hits > 100);
}

static const char plan_text[] =
	"task: t\n"
	"workstreams:\n"
	"  - id: c\n"
	"  - id: b\n"
	"    depends_on: c\n"
	"  - id: a\n"
	"    owns: [\"src/a/**\"]\n"
	"    test: make check\n"
	"    checklist: [one, two]\n"
	"  - id: d\n"
	"    depends_on: [a, b]\n";

static void plan__order__topological_ties_by_id(void **state)
{
	struct work_plan p = WORK_PLAN_INIT, q = WORK_PLAN_INIT;
	static const char *const want[] = { "a", "c", "b", "d" };
	json_t *j;
	size_t i;

	(void)state;
	assert_int_equal(work_plan_parse(&p, "p.yml", plan_text, strlen(plan_text)), 0);
	assert_int_equal(p.nr, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(p.ws[p.order[i]].id, want[i]);
	assert_int_equal(p.ws[2].test_nr, 1);
	assert_string_equal(p.ws[2].test[0], "make check");
	j = work_plan_json(&p);
	assert_int_equal(work_plan_from_json(&q, j), 0);
	for (i = 0; i < 4; i++)
		assert_string_equal(q.ws[q.order[i]].id, want[i]);
	assert_string_equal(q.ws[2].checklist[1], "two");
	json_decref(j);
	work_plan_release(&p);
	work_plan_release(&q);
}

static void expect_error(const char *text, const char *msg)
{
	struct work_plan p = WORK_PLAN_INIT;

	assert_int_equal(work_plan_parse(&p, "p.yml", text, strlen(text)), -BOSUN_EDATA);
	if (!strstr(error_message(), msg))
		fail_msg("'%s' has no '%s'", error_message(), msg);
	work_plan_release(&p);
	error_clear();
}

static void plan__errors__name_both_sides(void **state)
{
	(void)state;
	expect_error("task: t\nworkstreams:\n  - id: a\n    owns: \"**\"\n"
		     "  - id: b\n    owns: [x]\n",
		     "p.yml:6:12: 'x' of workstream 'b' overlaps '**' of workstream 'a' (p.yml:4:12)");
	expect_error("task: t\nworkstreams:\n  - id: a\n    depends_on: [b]\n"
		     "  - id: b\n    depends_on: [c]\n  - id: c\n    depends_on: [a]\n",
		     "dependency cycle: 'a' -> 'b' -> 'c' -> 'a'");
	expect_error("task: t\nworkstreams:\n  - id: a\n    depends_on: [z]\n",
		     "p.yml:4:18: workstream 'a' depends on unknown workstream 'z'");
	expect_error("task: t\nworkstreams:\n  - id: a\n    own: [z]\n",
		     "p.yml:4:5: unknown key 'own' in a workstream (did you mean 'owns'?)");
	expect_error("workstreams:\n  - id: a\n", "a plan needs a task");
	expect_error("task: t\nworkstreams: []\n", "a plan needs a list of workstreams");
	expect_error("task: ../x\nworkstreams:\n  - id: a\n", "invalid task");
	expect_error("task: t\nworkstreams:\n  - {}\n", "a workstream needs an id");
	expect_error("task: t\nworkstreams:\n  - id: a\n    checklist: one\n",
		     "checklist must be a list of strings");
	expect_error("- a\n", "a plan must be a mapping");
}

static void ids__valid__as_branch_components(void **state)
{
	(void)state;
	assert_true(work_id_valid("index"));
	assert_true(work_id_valid("v1.2_x-y"));
	assert_false(work_id_valid(""));
	assert_false(work_id_valid("-x"));
	assert_false(work_id_valid(".x"));
	assert_false(work_id_valid("a..b"));
	assert_false(work_id_valid("a/b"));
	assert_false(work_id_valid("a.lock"));
	assert_false(work_id_valid("a b"));
}

/* Section names ignore case, quoted subsections do not (git's rule): the
 * upstream of branch "main" is never taken from branch "Main". */
static void config_find__subsection_case__exact(void **state)
{
	static const char text[] = "[Branch \"Main\"]\n\tremote = upper\n"
				   "[branch \"main\"]\n\tremote = origin\n"
				   "[BOSUN]\n\tWorkstream = t/a\n";
	struct strbuf v = STRBUF_INIT;

	(void)state;
	assert_int_equal(work_config_find(text, sizeof(text) - 1, "branch \"main\"",
					  "remote", &v), 1);
	assert_string_equal(v.buf, "origin");
	assert_int_equal(work_config_find(text, sizeof(text) - 1, "branch \"Main\"",
					  "remote", &v), 1);
	assert_string_equal(v.buf, "upper");
	assert_int_equal(work_config_find(text, sizeof(text) - 1, "branch \"MAIN\"",
					  "remote", &v), 0);
	assert_int_equal(work_config_find(text, sizeof(text) - 1, "bosun", "workstream",
					  &v), 1);
	assert_string_equal(v.buf, "t/a");
	strbuf_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overlap__pairs__as_documented),
		cmocka_unit_test(overlap__random_witnesses__never_missed),
		cmocka_unit_test(plan__order__topological_ties_by_id),
		cmocka_unit_test(plan__errors__name_both_sides),
		cmocka_unit_test(ids__valid__as_branch_components),
		cmocka_unit_test(config_find__subsection_case__exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
