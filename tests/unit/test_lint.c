/* Unit tests for lib/release/lint: each rule fires, and a near miss passes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/release/commit.h"
#include "lib/release/lint.h"

#include <stdio.h>
#include <string.h>

static const struct lint_item *find(const struct lint_result *r, const char *rule)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (!strcmp(r->items[i].rule, rule))
			return &r->items[i];
	return NULL;
}

static void dump(const char *msg, const struct lint_result *r)
{
	size_t i;

	fprintf(stderr, "message: '%s'\n", msg);
	for (i = 0; i < r->nr; i++)
		fprintf(stderr, "  %d: %s: %s (%s)\n", r->items[i].line,
			r->items[i].rule, r->items[i].message,
			r->items[i].hint ? r->items[i].hint : "-");
}

/* msg must yield exactly one item, of rule, on line. Returns a copy of the
 * message and hint joined, for checking the wording. */
static void expect_only(const char *msg, const char *rule, int line,
			const struct lint_rules *rules, const char *in_text)
{
	struct lint_result r = LINT_RESULT_INIT;

	lint_message(&r, msg, strlen(msg), rules);
	if (r.nr != 1 || strcmp(r.items[0].rule, rule) || r.items[0].line != line) {
		dump(msg, &r);
		fail_msg("want only %s on line %d", rule, line);
	}
	assert_false(r.skipped);
	assert_non_null(r.items[0].message);
	assert_non_null(r.items[0].hint);
	if (in_text && !strstr(r.items[0].message, in_text) &&
	    !strstr(r.items[0].hint, in_text)) {
		dump(msg, &r);
		fail_msg("'%s' not in the message or hint", in_text);
	}
	lint_result_release(&r);
}

static void expect_clean(const char *msg, const struct lint_rules *rules)
{
	struct lint_result r = LINT_RESULT_INIT;

	lint_message(&r, msg, strlen(msg), rules);
	if (r.nr || r.skipped) {
		dump(msg, &r);
		fail_msg("want no problems%s", r.skipped ? " (was skipped)" : "");
	}
	lint_result_release(&r);
}

static void lint__spec_examples__pass(void **state)
{
	static const char *const ok[] = {
		"feat: allow provided config object to extend other configs\n\n"
		"BREAKING CHANGE: `extends` key in config file is now used for "
		"extending other config files\n",
		"feat!: send an email to the customer when a product is shipped\n",
		"feat(api)!: send an email to the customer when a product is shipped\n",
		"chore!: drop support for Node 6\n\n"
		"BREAKING CHANGE: use JavaScript features not available in Node 6.\n",
		"docs: correct spelling of CHANGELOG\n",
		"feat(lang): add Polish language\n",
		"fix: prevent racing of requests\n\n"
		"Introduce a request id and a reference to latest request. Dismiss\n"
		"incoming responses other than from latest request.\n\n"
		"Remove timeouts which were used to mitigate the racing issue but are\n"
		"obsolete now.\n\n"
		"Reviewed-by: Z\nRefs: #123\n",
		"fix: close #1\r\n\r\nbody\r\n\r\nCloses #1\r\n",
		"revert: feat: x\n",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cc_commit c = CC_COMMIT_INIT;

		expect_clean(ok[i], NULL);
		/* What lint accepts, the parser reads as conventional. */
		cc_parse(&c, ok[i], strlen(ok[i]));
		assert_true(c.conventional);
		cc_release(&c);
	}
}

static void lint__message_empty__fires(void **state)
{
	expect_only("", "message-empty", 1, NULL, NULL);
	expect_only("\n  \n\n", "message-empty", 1, NULL, NULL);
	expect_only("# Please enter the commit message\n#\n", "message-empty", 1,
		    NULL, NULL);
	expect_only("\n# ------------------------ >8 ------------------------\n"
		    "feat: below the scissors\n", "message-empty", 1, NULL, NULL);
	expect_clean("\n\nfeat: x\n", NULL);
}

static void lint__header_format__fires(void **state)
{
	static const char *const bad[] = {
		"Update the readme", " feat: x", "feat : x", "feat:x", "feat(api: x",
		"feat( api): x", "feat(api ): x", "(api): x", "feat!(api): x",
		"fixup feat: x", "feat\t: x", "1.2.3 release",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_only(bad[i], "header-format", 1, NULL,
			    "e.g. 'fix(parser): handle CRLF line endings'");
	expect_clean("feat(api)!: x", NULL);
}

static void lint__header_format__agrees_with_parser(void **state)
{
	static const char *const msgs[] = {
		"Update the readme", " feat: x", "feat : x", "feat:x", "feat(api: x",
		"feat( api): x", "feat(a(b)): x", "feat: x", "feat(a): x",
		"feat(a)!: x", "Feat: x", "feat_x: y", "feat-x: y",
	};
	size_t i;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		struct lint_result r = LINT_RESULT_INIT;
		struct cc_commit c = CC_COMMIT_INIT;

		lint_message(&r, msgs[i], strlen(msgs[i]), NULL);
		cc_parse(&c, msgs[i], strlen(msgs[i]));
		if (!!find(&r, "header-format") == !!c.conventional)
			fail_msg("lint and parser disagree on '%s'", msgs[i]);
		cc_release(&c);
		lint_result_release(&r);
	}
}

static void lint__type_enum__fires_and_suggests(void **state)
{
	expect_only("feature: add x", "type-enum", 1, NULL, "did you mean 'feat'?");
	expect_only("fxi: y", "type-enum", 1, NULL, "did you mean 'fix'?");
	expect_only("wip: y", "type-enum", 1, NULL,
		    "build, chore, ci, docs, feat, fix, perf, refactor, revert, "
		    "style, test");
	expect_clean("refactor: y", NULL);
}

static void lint__type_enum__custom_list(void **state)
{
	static const char *const types[] = { "feat", "fix", "agent" };
	struct lint_rules rules = LINT_RULES_INIT;

	rules.types = types;
	rules.nr_types = 3;
	expect_clean("agent: deploy the reviewer", &rules);
	expect_only("docs: y", "type-enum", 1, &rules, "feat, fix, agent");
	expect_only("agnet: y", "type-enum", 1, &rules, "did you mean 'agent'?");
}

static void lint__type_case__fires(void **state)
{
	expect_only("Feat: x", "type-case", 1, NULL, "write 'feat'");
	expect_only("FIX(api): x", "type-case", 1, NULL, "'FIX'");
	expect_clean("fix(API): Upper case description is fine", NULL);
}

static void lint__type_case_and_enum__both_fire(void **state)
{
	struct lint_result r = LINT_RESULT_INIT;

	lint_message(&r, "Feature: x", 10, NULL);
	assert_int_equal(r.nr, 2);
	assert_non_null(find(&r, "type-case"));
	assert_non_null(find(&r, "type-enum"));
	lint_result_release(&r);
}

static void lint__scope_enum__fires(void **state)
{
	static const char *const scopes[] = { "parser", "cli", "release" };
	struct lint_rules rules = LINT_RULES_INIT;

	rules.scopes = scopes;
	rules.nr_scopes = 3;
	expect_only("fix(parsre): x", "scope-enum", 1, &rules,
		    "did you mean 'parser'?");
	expect_only("fix(cli,gui): x", "scope-enum", 1, &rules, "'gui'");
	expect_clean("fix(parser): x", &rules);
	expect_clean("fix(cli, parser): x", &rules);
	expect_clean("fix(cli/release): x", &rules);
	expect_clean("fix: no scope at all", &rules);
	/* Without a list, any scope is fine. */
	expect_clean("fix(anything-goes): x", NULL);
}

static void lint__scope_empty__fires(void **state)
{
	expect_only("fix(): x", "scope-empty", 1, NULL, "drop the '()'");
	expect_clean("fix(a): x", NULL);
}

static void lint__subject_empty__fires(void **state)
{
	expect_only("fix:", "subject-empty", 1, NULL, NULL);
	expect_only("fix(api)!:   ", "subject-empty", 1, NULL, NULL);
	expect_clean("fix: y", NULL);
}

static void lint__subject_full_stop__fires(void **state)
{
	expect_only("fix: handle it.", "subject-full-stop", 1, NULL, NULL);
	expect_only("fix: handle it.  ", "subject-full-stop", 1, NULL, NULL);
	expect_clean("fix: handle v1.2", NULL);
	expect_clean("fix: handle it!", NULL);
}

static void lint__header_max_length__says_length(void **state)
{
	char msg[256];
	struct lint_rules rules = LINT_RULES_INIT;

	memset(msg, 0, sizeof(msg));
	memcpy(msg, "fix: ", 5);
	memset(msg + 5, 'a', 96);	/* 101 characters */
	expect_only(msg, "header-max-length", 1, NULL, "101 characters");
	msg[100] = '\0';		/* 100 */
	expect_clean(msg, NULL);
	rules.header_max = 10;
	expect_only("fix: abcdef", "header-max-length", 1, &rules,
		    "11 characters long, more than 10");
	expect_clean("fix: abcde", &rules);
	/* Characters, not bytes: 5 + 3 two-byte letters is 8. */
	rules.header_max = 8;
	expect_clean("fix: \xc3\xa9\xc3\xa9\xc3\xa9", &rules);
	/* 0 is the default, 100. */
	rules.header_max = 0;
	expect_clean("fix: abcdef", &rules);
}

static void lint__body_leading_blank__fires(void **state)
{
	expect_only("fix: x\nbody right away\n", "body-leading-blank", 2, NULL, NULL);
	expect_only("fix: x\n# comment\nbody\n", "body-leading-blank", 3, NULL, NULL);
	expect_clean("fix: x\n\nbody after a blank line\n", NULL);
	expect_clean("fix: x\n\n\n\n", NULL);
	expect_clean("fix: x\r\n\r\nbody\r\n", NULL);
}

static void lint__footer_format__breaking_case(void **state)
{
	expect_only("feat: x\n\nBreaking change: y\n", "footer-format", 3, NULL,
		    "capitals");
	expect_only("feat: x\n\nbreaking-change: y\n", "footer-format", 3, NULL, NULL);
	expect_only("feat: x\n\nBREAKING CHANGES: y\n", "footer-format", 3, NULL,
		    "singular");
	expect_only("feat: x\n\nbody\n\nBREAKING CHANGE:y\n", "footer-format", 5,
		    NULL, "': '");
	expect_only("feat: x\n\nBREAKING CHANGE :y\n", "footer-format", 3, NULL, NULL);
	expect_only("feat: x\n\nBREAKING CHANGE:\n", "footer-format", 3, NULL, NULL);
	expect_clean("feat: x\n\nBREAKING CHANGE: y\n", NULL);
	expect_clean("feat: x\n\nBREAKING-CHANGE: y\n", NULL);
	expect_clean("feat: x\n\nThis is a breaking change for users.\n", NULL);
	/* Indented and squash-bulleted notes count for the version (the
	 * parser takes them, as conventional-commits-parser does), so their
	 * misspellings are reported too. */
	expect_clean("feat: x\n\n  BREAKING CHANGE: y\n", NULL);
	expect_clean("feat: x\n\n* BREAKING CHANGE: y\n", NULL);
	expect_only("feat: x\n\n* breaking change: y\n", "footer-format", 3, NULL,
		    "capitals");
	expect_only("feat: x\n\n  BREAKING CHANGES: y\n", "footer-format", 3, NULL,
		    "singular");
}

static void lint__footer_format__tokens(void **state)
{
	expect_only("fix: x\n\nReviewed by: Z\n", "footer-format", 3, NULL,
		    "'-'");
	expect_only("fix: x\n\nRefs:#123\n", "footer-format", 3, NULL,
		    "space after ':'");
	expect_only("fix: x\n\nReviewed-by: Z\nCloses#12\n", "footer-format", 4, NULL,
		    "space before '#'");
	expect_clean("fix: x\n\nReviewed-by: Z\nCloses #12\nRefs: #1\n", NULL);
	/* Only the last paragraph holds footers; prose elsewhere is free. */
	expect_clean("fix: x\n\nThe reason why: it broke\n\nRefs: #1\n", NULL);
	expect_clean("fix: x\n\nsee https://example.com/a\n", NULL);
	expect_clean("fix: x\n\nSome prose that ends here.\nAnd this: fine\n", NULL);
}

static void lint__comments_and_scissors__ignored(void **state)
{
	expect_clean("fix: x\n\nbody\n# Please enter the commit message\n"
		     "# ------------------------ >8 ------------------------\n"
		     "diff --git a/x b/x\nUpdate the readme\n", NULL);
	expect_clean("# leading comment\nfix: x\n", NULL);
	expect_only("# leading comment\nbad header\n", "header-format", 2, NULL, NULL);
	/* Not the scissors: a comment, so ignored too, but lines after count. */
	expect_only("fix: x\n# ---- >8 ----\nbody\n", "body-leading-blank", 3,
		    NULL, NULL);
}

static void lint__line_numbers__are_the_message_lines(void **state)
{
	struct lint_result r = LINT_RESULT_INIT;
	const char *msg = "\n# c\n\nFeat: x.\nbody\n\nBreaking change: y\n";

	lint_message(&r, msg, strlen(msg), NULL);
	assert_int_equal(r.nr, 4);
	assert_string_equal(r.items[0].rule, "type-case");
	assert_int_equal(r.items[0].line, 4);
	assert_string_equal(r.items[1].rule, "subject-full-stop");
	assert_int_equal(r.items[1].line, 4);
	assert_string_equal(r.items[2].rule, "body-leading-blank");
	assert_int_equal(r.items[2].line, 5);
	assert_string_equal(r.items[3].rule, "footer-format");
	assert_int_equal(r.items[3].line, 7);
	lint_result_release(&r);
	lint_result_release(NULL);
}

static void lint__nul_byte__ends_message(void **state)
{
	struct lint_result r = LINT_RESULT_INIT;
	const char msg[] = "fix: \0hidden";

	lint_message(&r, msg, sizeof(msg) - 1, NULL);
	assert_int_equal(r.nr, 1);
	assert_string_equal(r.items[0].rule, "subject-empty");
	lint_result_release(&r);
}

struct skip_case {
	const char *msg;
	const char *reason;
};

static void lint__skips__have_reasons(void **state)
{
	static const struct skip_case cases[] = {
		{ "Merge branch 'main' into x", "merge commit" },
		{ "Merge pull request #1 from a/b\n\nstuff", "merge commit" },
		{ "Merge remote-tracking branch 'origin/main'", "merge commit" },
		{ "Merge tag 'v1.0.0'", "merge commit" },
		{ "Revert \"feat: x\"\n\nThis reverts commit abc1234.", "revert commit" },
		{ "fixup! feat: x", "fixup commit" },
		{ "squash! feat: x", "fixup commit" },
		{ "amend! feat: x", "fixup commit" },
		{ "chore(release): 1.2.3", "release commit" },
		{ "chore(release): v1.2.3-rc.1 [skip ci]", "release commit" },
		{ "# comment\n\nMerge branch 'x'", "merge commit" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lint_result r = LINT_RESULT_INIT;
		const char *m = cases[i].msg;

		lint_message(&r, m, strlen(m), NULL);
		if (!r.skipped || r.nr) {
			dump(m, &r);
			fail_msg("want skipped");
		}
		assert_string_equal(r.skip_reason, cases[i].reason);
		assert_string_equal(lint_skip(m, strlen(m), NULL), cases[i].reason);
		lint_result_release(&r);
	}
}

static void lint__near_skips__are_linted(void **state)
{
	expect_only("Merged branch x", "header-format", 1, NULL, NULL);
	expect_only("fixup!feat: x", "header-format", 1, NULL, NULL);
	expect_only("Revert feat: x", "header-format", 1, NULL, NULL);
	expect_clean("chore(release): prepare things", NULL);
	expect_clean("chore(release): 1.2", NULL);
	expect_only("chore(release): 1.2.3.", "subject-full-stop", 1, NULL, NULL);
}

static void lint__skip_flags__turn_skips_off(void **state)
{
	struct lint_rules rules = LINT_RULES_INIT;

	rules.skip_merge = rules.skip_revert = rules.skip_fixup = 0;
	rules.skip_release = 0;
	expect_only("Merge branch 'x'", "header-format", 1, &rules, NULL);
	expect_only("Revert \"feat: x\"", "header-format", 1, &rules, NULL);
	expect_only("fixup! feat: x", "header-format", 1, &rules, NULL);
	expect_clean("chore(release): 1.2.3", &rules);
	assert_null(lint_skip("Merge branch 'x'", 16, &rules));
	assert_null(lint_skip("feat: x", 7, NULL));
	assert_null(lint_skip("", 0, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lint__spec_examples__pass),
		cmocka_unit_test(lint__message_empty__fires),
		cmocka_unit_test(lint__header_format__fires),
		cmocka_unit_test(lint__header_format__agrees_with_parser),
		cmocka_unit_test(lint__type_enum__fires_and_suggests),
		cmocka_unit_test(lint__type_enum__custom_list),
		cmocka_unit_test(lint__type_case__fires),
		cmocka_unit_test(lint__type_case_and_enum__both_fire),
		cmocka_unit_test(lint__scope_enum__fires),
		cmocka_unit_test(lint__scope_empty__fires),
		cmocka_unit_test(lint__subject_empty__fires),
		cmocka_unit_test(lint__subject_full_stop__fires),
		cmocka_unit_test(lint__header_max_length__says_length),
		cmocka_unit_test(lint__body_leading_blank__fires),
		cmocka_unit_test(lint__footer_format__breaking_case),
		cmocka_unit_test(lint__footer_format__tokens),
		cmocka_unit_test(lint__comments_and_scissors__ignored),
		cmocka_unit_test(lint__line_numbers__are_the_message_lines),
		cmocka_unit_test(lint__nul_byte__ends_message),
		cmocka_unit_test(lint__skips__have_reasons),
		cmocka_unit_test(lint__near_skips__are_linted),
		cmocka_unit_test(lint__skip_flags__turn_skips_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
