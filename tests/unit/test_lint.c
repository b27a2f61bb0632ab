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
	/* The description's case is subject-case's business, not type-case's. */
	expect_only("fix(API): Upper case description", "subject-case", 1, NULL,
		    "sentence-case");
	{
		struct lint_rules rules = LINT_RULES_INIT;

		rules.subject_case = 0;
		expect_clean("fix(API): Upper case description is fine", &rules);
	}
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

/* A 120-character line: over body-max-line-length wherever it counts. */
#define LONG_LINE "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static void lint__comment_char__as_git_is_configured(void **state)
{
	struct lint_rules r = LINT_RULES_INIT;

	(void)state;
	r.comment = ";";
	expect_clean("fix: x\n\nbody\n; " LONG_LINE "\n;\n", &r);
	expect_clean("; leading\nfix: x\n\n"
		     "; ------------------------ >8 ------------------------\n"
		     LONG_LINE "\n", &r);
	/* '#' is no comment then: git keeps the line, so it counts. */
	expect_only("fix: x\n\n#" LONG_LINE "\n", "body-max-line-length", 3,
		    &r, NULL);
	/* The '#' scissors is not the ';' one. */
	expect_only("fix: x\n\n# ------------------------ >8 ------------------------\n"
		    LONG_LINE "\n", "body-max-line-length", 4, &r, NULL);
	/* A string of several characters, as git allows. */
	r.comment = "//";
	expect_clean("fix: x\n\n// " LONG_LINE "\n"
		     "// ------------------------ >8 ------------------------\n"
		     LONG_LINE "\n", &r);
	expect_only("fix: x\n\n/" LONG_LINE "\n", "body-max-line-length", 3,
		    &r, NULL);
}

static void lint__comment_char_auto__finds_what_git_picked(void **state)
{
	struct lint_rules r = LINT_RULES_INIT;

	(void)state;
	r.comment = "auto";
	/* No line starts with '#': git picked it. */
	expect_clean("fix: x\n\nbody\n# " LONG_LINE "\n#\n", &r);
	/* A line starts with '#': git picked ';', and the '#' line is kept. */
	expect_clean("fix: x\n\n#1 is fixed\n; " LONG_LINE "\n;\n", &r);
	expect_only("fix: x\n\n#" LONG_LINE "\n; Please enter\n",
		    "body-max-line-length", 3, &r, NULL);
	/* ... and '@' too: git picked '!'; the scissors says so as well. */
	expect_clean("fix: x\n\n#1 and\n;2 and\n@3\n! " LONG_LINE "\n"
		     "! ------------------------ >8 ------------------------\n"
		     "# " LONG_LINE "\n", &r);
	/* Case as git reads it. */
	r.comment = "AUTO";
	expect_clean("fix: x\n\n#1 is fixed\n; " LONG_LINE "\n", &r);
	/* Nothing to strip. */
	expect_only("fix: x\n\nbody " LONG_LINE "\n", "body-max-line-length",
		    3, &r, NULL);
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

/* Whether linting msg with rules gives an item of rule (on line, unless
 * line is 0). */
static int has_rule(const char *msg, const struct lint_rules *rules,
		    const char *rule, int line)
{
	struct lint_result r = LINT_RESULT_INIT;
	size_t i;
	int found = 0;

	lint_message(&r, msg, strlen(msg), rules);
	for (i = 0; i < r.nr; i++)
		if (!strcmp(r.items[i].rule, rule) &&
		    (!line || r.items[i].line == line))
			found = 1;
	lint_result_release(&r);
	return found;
}

/*
 * subject-case: the subjects of commitlint's own subject-case tests, with
 * the cases each is in (commitlint's "always X" passes exactly when it is in
 * X, "never X" fails). bosun has only "never": a description in a case of
 * rules.subject_case is a problem.
 */
static const struct {
	const char *desc;
	unsigned cases;
} case_table[] = {
	{ "subject", LINT_CASE_LOWER },
	{ "\xd1\x82\xd0\xb5\xd0\xbc\xd0\xb0", LINT_CASE_LOWER },	/* тема */
	{ "sUbJeCt", 0 },
	{ "\xe8\xbf\x99\xe6\x98\xaf\xe4\xb8\x80\xe6\xac\xa1\xe6\x8f\x90\xe4\xba\xa4", 0 },
	{ "SUBJECT", LINT_CASE_SENTENCE | LINT_CASE_UPPER | LINT_CASE_START },
	{ "\xc3\x9bNDERWERP", LINT_CASE_SENTENCE | LINT_CASE_UPPER | LINT_CASE_START },
	{ "subJect", 0 },
	{ "\xce\xb8\xce\xad\xce\x9c\xce\xb1", 0 },			/* θέΜα */
	{ "sub-ject", LINT_CASE_LOWER },
	{ "\xc3\xa1" "b-har", LINT_CASE_LOWER },
	{ "SubJect", LINT_CASE_SENTENCE | LINT_CASE_PASCAL },
	/* ТақыРып */
	{ "\xd0\xa2\xd0\xb0\xd2\x9b\xd1\x8b\xd0\xa0\xd1\x8b\xd0\xbf",
	  LINT_CASE_SENTENCE | LINT_CASE_PASCAL },
	{ "sub_ject", LINT_CASE_LOWER },
	{ "\xd1\x81\xd1\x8d_\xd0\xb4\xd1\x8d\xd0\xb2", LINT_CASE_LOWER },	/* сэ_дэв */
	{ "Sub Ject", LINT_CASE_SENTENCE | LINT_CASE_START },
	{ "\xc3\x84m Ne", LINT_CASE_SENTENCE | LINT_CASE_START },
	{ "Sub ject", LINT_CASE_SENTENCE },
	{ "\xd0\x9c\xd0\xb0\xd0\xb2 \xd0\xb7\xd1\x83\xd1\x8a", LINT_CASE_SENTENCE },
	{ "1.0.0", 0 },
	/* "обновлены все зависимости", "ОБНОВЛЕНЫ ВСЕ ЗАВИСИМОСТИ" */
	{ "\xd0\xbe\xd0\xb1\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd1\x8b "
	  "\xd0\xb2\xd1\x81\xd0\xb5", LINT_CASE_LOWER },
	{ "\xd0\x9e\xd0\x91\xd0\x9d\xd0\x9e\xd0\x92\xd0\x9b\xd0\x95\xd0\x9d\xd0\xab "
	  "\xd0\x92\xd0\xa1\xd0\x95",
	  LINT_CASE_SENTENCE | LINT_CASE_UPPER | LINT_CASE_START },
	/* Chinese, Arabic and Hebrew have no case */
	{ "\xe4\xbf\xae\xe5\xa4\x8d\xe8\xaf\x84\xe4\xbb\xb7", 0 },
	{ "\xd8\xa5\xd8\xb6\xd8\xa7\xd9\x81\xd8\xa9 \xd9\x88\xd8\xb8\xd9\x8a\xd9\x81\xd8\xa9", 0 },
	{ "\xd7\xaa\xd7\x99\xd7\xa7\xd7\x95\xd7\x9f \xd7\x91\xd7\xa2\xd7\x99\xd7\x94", 0 },
	{ "update \xd0\xb7\xd0\xb0\xd0\xb2\xd0\xb8\xd1\x81", LINT_CASE_LOWER },
	/* quoted names keep their case; a quote first means no check */
	{ "`Eslint` configuration", 0 },
	{ "update `Eslint` config", LINT_CASE_LOWER },
	{ "use \"README\" and 'LICENSE'", LINT_CASE_LOWER },
	{ "Update `eslint`", LINT_CASE_SENTENCE | LINT_CASE_START | LINT_CASE_PASCAL },
	/* lodash's word boundaries */
	{ "A", LINT_CASE_SENTENCE | LINT_CASE_UPPER | LINT_CASE_START | LINT_CASE_PASCAL },
	{ "HTTPServer", LINT_CASE_SENTENCE },
	{ "Add  Two", LINT_CASE_SENTENCE },
	{ "Add New-Thing", LINT_CASE_SENTENCE },
	{ "Foo2bar", LINT_CASE_SENTENCE },
	{ "Foo2Bar", LINT_CASE_SENTENCE | LINT_CASE_PASCAL },
	{ "Add 2 Things", LINT_CASE_SENTENCE | LINT_CASE_START },
	{ "v2 support", LINT_CASE_LOWER },
	{ "\xff" "bad byte", 0 },
};

static void lint__subject_case__commitlint_table(void **state)
{
	static const unsigned bits[] = {
		LINT_CASE_SENTENCE, LINT_CASE_START, LINT_CASE_PASCAL,
		LINT_CASE_UPPER, LINT_CASE_LOWER,
	};
	struct lint_rules rules = LINT_RULES_INIT;
	char msg[256];
	size_t i, b;

	for (i = 0; i < sizeof(case_table) / sizeof(case_table[0]); i++) {
		snprintf(msg, sizeof(msg), "chore: %s", case_table[i].desc);
		for (b = 0; b < sizeof(bits) / sizeof(bits[0]); b++) {
			int want = !!(case_table[i].cases & bits[b]);

			rules.subject_case = bits[b];
			if (has_rule(msg, &rules, "subject-case", 1) != want)
				fail_msg("'%s' with case bit %u: want %s", msg,
					 bits[b], want ? "a problem" : "none");
		}
		/* The default is config-conventional's. */
		rules.subject_case = LINT_CASE_DEFAULT;
		if (has_rule(msg, &rules, "subject-case", 1) !=
		    !!(case_table[i].cases & LINT_CASE_DEFAULT))
			fail_msg("'%s' with the default cases", msg);
		assert_int_equal(has_rule(msg, NULL, "subject-case", 1),
				 !!(case_table[i].cases & LINT_CASE_DEFAULT));
	}
}

static void lint__subject_case__names_what_matched(void **state)
{
	struct lint_rules rules = LINT_RULES_INIT;

	/* commitlint: "with never should report only the case that matched" */
	rules.subject_case = LINT_CASE_SENTENCE | LINT_CASE_START;
	expect_only("test: SubJect", "subject-case", 1, &rules,
		    "must not be sentence-case");
	rules.subject_case = LINT_CASE_SENTENCE | LINT_CASE_PASCAL | LINT_CASE_START;
	expect_only("test: SubJect", "subject-case", 1, &rules,
		    "must not be sentence-case, pascal-case");
	rules.subject_case = LINT_CASE_UPPER;
	expect_clean("test: SubJect", &rules);
	rules.subject_case = LINT_CASE_LOWER;
	expect_only("test: subject", "subject-case", 1, &rules, "capital");
	rules.subject_case = 0;
	expect_clean("test: SUBJECT", &rules);
	/* only when the header is well-formed, and not for an empty one */
	expect_only("Fix: thing", "type-case", 1, NULL, NULL);
	assert_false(has_rule("Fix(x) : Thing", NULL, "subject-case", 0));
	assert_false(has_rule("test:\n", NULL, "subject-case", 0));
}

/* body-max-line-length and footer-max-line-length: commitlint's inputs. */
static void lint__body_max_line_length__commitlint_cases(void **state)
{
	static const char url[] = "https://example.com/URL/with/a/very/long/path";
	struct lint_rules rules = LINT_RULES_INIT;
	char msg[512];

	rules.body_line_max = 1;
	rules.subject_case = 0;
	assert_false(has_rule("test: subject", &rules, "body-max-line-length", 0));
	assert_false(has_rule("test: subject\na", &rules, "body-max-line-length", 0));
	assert_true(has_rule("test: subject\nab", &rules, "body-max-line-length", 2));
	assert_false(has_rule("test:subject\na\na\na", &rules, "body-max-line-length", 0));
	assert_true(has_rule("test:subject\na\nab\na", &rules, "body-max-line-length", 3));
	snprintf(msg, sizeof(msg), "test:subject\na\n%s\na", url);
	assert_false(has_rule(msg, &rules, "body-max-line-length", 0));
	rules.body_line_max = 30;
	snprintf(msg, sizeof(msg), "test:subject\n\nThis is a [link](%s).", url);
	assert_false(has_rule(msg, &rules, "body-max-line-length", 0));
	snprintf(msg, sizeof(msg), "test:subject\n\nLink in a list:\n\n- %s", url);
	assert_false(has_rule(msg, &rules, "body-max-line-length", 0));
	snprintf(msg, sizeof(msg),
		 "test:subject\n\nFinally, [link][] via footer.\n\n[link]: %s", url);
	assert_false(has_rule(msg, &rules, "body-max-line-length", 0));
	/* "http:" without "//" or with nothing after it is no URL */
	assert_true(has_rule("test: x\n\nsee http: and then a lot of other words here",
			     &rules, "body-max-line-length", 3));
	assert_true(has_rule("test: x\n\nnothttps://example.com is glued to a word",
			     &rules, "body-max-line-length", 3));
	/* the default is 100 characters (not bytes) */
	memset(msg, 0, sizeof(msg));
	memcpy(msg, "fix: x\n\n", 8);
	memset(msg + 8, 'a', 100);
	expect_clean(msg, NULL);
	msg[108] = 'a';
	expect_only(msg, "body-max-line-length", 3, NULL,
		    "101 characters long, more than 100");
}

static void lint__footer_max_line_length__commitlint_cases(void **state)
{
	struct lint_rules rules = LINT_RULES_INIT;

	rules.footer_line_max = (int)strlen("BREAKING CHANGE: a");
	assert_false(has_rule("test: subject", &rules, "footer-max-line-length", 0));
	assert_false(has_rule("test: subject\nbody", &rules, "footer-max-line-length", 0));
	assert_false(has_rule("test: subject\nBREAKING CHANGE: a", &rules,
			      "footer-max-line-length", 0));
	assert_true(has_rule("test: subject\nBREAKING CHANGE: ab", &rules,
			     "footer-max-line-length", 2));
	assert_true(has_rule("test:subject\nBREAKING CHANGE: a\nBREAKING CHANGE: ab\n"
			     "BREAKING CHANGE: a", &rules, "footer-max-line-length", 3));
	/* The footers are where the parser finds them: a long body line is
	 * the body's, a long continuation of a footer the footer's. */
	rules.footer_line_max = 20;
	rules.body_line_max = 100;
	expect_clean("fix: x\n\na body line longer than twenty characters\n\nRefs: #1\n",
		     &rules);
	expect_only("fix: x\n\nbody\n\nRefs: #1\n  and a continuation longer than twenty\n",
		    "footer-max-line-length", 6, &rules, "footer line");
	expect_only("fix: x\n\nbody\n\n  * BREAKING CHANGE: a note longer than twenty\n",
		    "footer-max-line-length", 5, &rules, NULL);
	rules.footer_line_max = 100;
	rules.body_line_max = 10;
	expect_only("fix: x\n\na body line longer than ten\n\nReviewed-by: Somebody Long\n",
		    "body-max-line-length", 3, &rules, "body line");
}

static void lint__items__sorted_by_line(void **state)
{
	struct lint_result r = LINT_RESULT_INIT;
	struct lint_rules rules = LINT_RULES_INIT;
	const char *msg = "Fix: X\nbody right away that is long\n\nReviewed by: Z\n"
			  "BREAKING CHANGES: y\n";
	size_t i;

	rules.body_line_max = 10;
	lint_message(&r, msg, strlen(msg), &rules);
	assert_true(r.nr >= 4);
	for (i = 1; i < r.nr; i++)
		assert_true(r.items[i - 1].line <= r.items[i].line);
	lint_result_release(&r);
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
		cmocka_unit_test(lint__comment_char__as_git_is_configured),
		cmocka_unit_test(lint__comment_char_auto__finds_what_git_picked),
		cmocka_unit_test(lint__line_numbers__are_the_message_lines),
		cmocka_unit_test(lint__nul_byte__ends_message),
		cmocka_unit_test(lint__skips__have_reasons),
		cmocka_unit_test(lint__subject_case__commitlint_table),
		cmocka_unit_test(lint__subject_case__names_what_matched),
		cmocka_unit_test(lint__body_max_line_length__commitlint_cases),
		cmocka_unit_test(lint__footer_max_line_length__commitlint_cases),
		cmocka_unit_test(lint__items__sorted_by_line),
		cmocka_unit_test(lint__near_skips__are_linted),
		cmocka_unit_test(lint__skip_flags__turn_skips_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
