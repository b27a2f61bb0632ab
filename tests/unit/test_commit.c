/* Unit tests for lib/release/commit: the Conventional Commits 1.0.0 parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/release/commit.h"

#include <stdlib.h>
#include <string.h>

static void parse(struct cc_commit *c, const char *msg)
{
	cc_parse(c, msg, strlen(msg));
}

static void assert_footer(const struct cc_commit *c, size_t i,
			  const char *token, const char *value, int line)
{
	assert_true(i < c->nr_footers);
	assert_string_equal(c->footers[i].token, token);
	assert_string_equal(c->footers[i].value, value);
	assert_int_equal(c->footers[i].line, line);
}

/* ---- the examples of the specification ---- */

static void commit__spec_breaking_footer__is_breaking(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "feat: allow provided config object to extend other configs\n"
		  "\n"
		  "BREAKING CHANGE: `extends` key in config file is now used for "
		  "extending other config files\n");
	assert_true(c.conventional);
	assert_string_equal(c.type, "feat");
	assert_null(c.scope);
	assert_string_equal(c.description,
			    "allow provided config object to extend other configs");
	assert_null(c.body);
	assert_true(c.breaking);
	assert_int_equal(c.nr_footers, 1);
	assert_footer(&c, 0, "BREAKING CHANGE",
		      "`extends` key in config file is now used for extending "
		      "other config files", 3);
	assert_string_equal(c.breaking_text, c.footers[0].value);
	cc_release(&c);
}

static void commit__spec_bang__is_breaking(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "feat!: send an email to the customer when a product is shipped");
	assert_true(c.conventional);
	assert_string_equal(c.type, "feat");
	assert_null(c.scope);
	assert_true(c.breaking);
	assert_string_equal(c.breaking_text,
			    "send an email to the customer when a product is shipped");
	assert_int_equal(c.nr_footers, 0);
	cc_release(&c);
}

static void commit__spec_scope_bang__is_breaking(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "feat(api)!: send an email to the customer when a product is shipped");
	assert_true(c.conventional);
	assert_string_equal(c.type, "feat");
	assert_string_equal(c.scope, "api");
	assert_true(c.breaking);
	assert_string_equal(c.description,
			    "send an email to the customer when a product is shipped");
	cc_release(&c);
}

static void commit__spec_bang_and_footer__uses_footer_text(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "chore!: drop support for Node 6\n\n"
		  "BREAKING CHANGE: use JavaScript features not available in Node 6.\n");
	assert_true(c.conventional);
	assert_string_equal(c.type, "chore");
	assert_true(c.breaking);
	assert_string_equal(c.breaking_text,
			    "use JavaScript features not available in Node 6.");
	cc_release(&c);
}

static void commit__spec_no_body__parses(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "docs: correct spelling of CHANGELOG");
	assert_true(c.conventional);
	assert_string_equal(c.type, "docs");
	assert_string_equal(c.description, "correct spelling of CHANGELOG");
	assert_string_equal(c.header, "docs: correct spelling of CHANGELOG");
	assert_null(c.body);
	assert_false(c.breaking);
	assert_null(c.breaking_text);
	cc_release(&c);
}

static void commit__spec_scope__parses(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "feat(lang): add Polish language\n");
	assert_true(c.conventional);
	assert_string_equal(c.type, "feat");
	assert_string_equal(c.scope, "lang");
	assert_string_equal(c.description, "add Polish language");
	assert_false(c.breaking);
	cc_release(&c);
}

static const char racing[] =
	"fix: prevent racing of requests\n"
	"\n"
	"Introduce a request id and a reference to latest request. Dismiss\n"
	"incoming responses other than from latest request.\n"
	"\n"
	"Remove timeouts which were used to mitigate the racing issue but are\n"
	"obsolete now.\n"
	"\n"
	"Reviewed-by: Z\n"
	"Refs: #123\n";

static void check_racing(const struct cc_commit *c)
{
	assert_true(c->conventional);
	assert_string_equal(c->type, "fix");
	assert_string_equal(c->description, "prevent racing of requests");
	assert_string_equal(c->body,
		"Introduce a request id and a reference to latest request. Dismiss\n"
		"incoming responses other than from latest request.\n"
		"\n"
		"Remove timeouts which were used to mitigate the racing issue but are\n"
		"obsolete now.");
	assert_int_equal(c->nr_footers, 2);
	assert_footer(c, 0, "Reviewed-by", "Z", 9);
	assert_footer(c, 1, "Refs", "#123", 10);
	assert_false(c->breaking);
}

static void commit__spec_body_and_footers__splits(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, racing);
	check_racing(&c);
	cc_release(&c);
}

/* ---- line endings and bytes ---- */

static char *to_crlf(const char *s)
{
	size_t i, n = 0;
	char *out = malloc(strlen(s) * 2 + 1);

	for (i = 0; s[i]; i++) {
		if (s[i] == '\n')
			out[n++] = '\r';
		out[n++] = s[i];
	}
	out[n] = '\0';
	return out;
}

static void commit__crlf__same_as_lf(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;
	char *m = to_crlf(racing);

	parse(&c, m);
	check_racing(&c);
	assert_null(strchr(c.header, '\r'));
	cc_release(&c);
	free(m);
}

static void commit__trailing_spaces__trimmed(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "fix(db): close handles  \t\n\nbody line   \n\nRefs: #9   \n");
	assert_true(c.conventional);
	assert_string_equal(c.header, "fix(db): close handles");
	assert_string_equal(c.description, "close handles");
	assert_string_equal(c.body, "body line");
	assert_footer(&c, 0, "Refs", "#9", 5);
	cc_release(&c);
}

static void commit__non_utf8__kept_verbatim(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;
	const char msg[] = "fix(\xe9t\xe9): caf\xe9 \xff\xfe ok\n\n\xc3\x28 body\n";

	cc_parse(&c, msg, sizeof(msg) - 1);
	assert_true(c.conventional);
	assert_string_equal(c.scope, "\xe9t\xe9");
	assert_string_equal(c.description, "caf\xe9 \xff\xfe ok");
	assert_string_equal(c.body, "\xc3\x28 body");
	cc_release(&c);
}

static void commit__length__is_honoured(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	cc_parse(&c, "feat: a\n\nBREAKING CHANGE: x", 7);
	assert_true(c.conventional);
	assert_false(c.breaking);
	assert_int_equal(c.nr_footers, 0);
	cc_release(&c);
	cc_parse(&c, NULL, 0);
	assert_false(c.conventional);
	assert_string_equal(c.header, "");
	cc_release(&c);
	cc_release(NULL);
}

static void commit__nul_byte__ends_message(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;
	const char msg[] = "fix: \0hidden\n\nBREAKING CHANGE: x";

	cc_parse(&c, msg, sizeof(msg) - 1);
	assert_false(c.conventional);
	assert_false(c.breaking);
	assert_string_equal(c.header, "fix:");
	cc_release(&c);
}

/* ---- headers that are not conventional ---- */

static void commit__bad_headers__not_conventional(void **state)
{
	static const char *const bad[] = {
		" feat: x", "feat : x", "feat:x", "feat: ", "feat:", "feat:   ",
		"feat( api): x", "feat(api ): x", "feat(api: x", "feat(a(b)): x",
		"feat!(api): x", "feat(api)! : x", "(api): x", ": x", "1feat: x",
		"Update the readme", "", "\n\n", "feat\t: x", "fe at: x",
		"feat!!: x", "Merge branch 'main'",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cc_commit c = CC_COMMIT_INIT;

		parse(&c, bad[i]);
		if (c.conventional)
			fail_msg("'%s' parsed as conventional", bad[i]);
		assert_null(c.type);
		assert_null(c.description);
		assert_null(c.scope);
		cc_release(&c);
	}
}

static void commit__odd_but_valid_headers__conventional(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "Feat(API): Add it");
	assert_true(c.conventional);
	assert_string_equal(c.type, "Feat");
	assert_true(cc_type_is(&c, "feat"));
	assert_false(cc_type_is(&c, "fix"));
	cc_release(&c);

	parse(&c, "fix(): x");
	assert_true(c.conventional);
	assert_null(c.scope);
	cc_release(&c);

	parse(&c, "\n\n  \nfix(a b,c/d): x: y (#12)");
	assert_true(c.conventional);
	assert_string_equal(c.scope, "a b,c/d");
	assert_string_equal(c.description, "x: y (#12)");
	cc_release(&c);

	parse(&c, "feat:  two spaces");
	assert_true(c.conventional);
	assert_string_equal(c.description, "two spaces");
	cc_release(&c);
}

/* ---- footers ---- */

static void commit__hash_footer__parsed(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "fix: x\n\nCloses #123\nRefs: #4, #5\nAcked-by: A <a@b>\n");
	assert_null(c.body);
	assert_int_equal(c.nr_footers, 3);
	assert_footer(&c, 0, "Closes", "#123", 3);
	assert_footer(&c, 1, "Refs", "#4, #5", 4);
	assert_footer(&c, 2, "Acked-by", "A <a@b>", 5);
	cc_release(&c);
}

static void commit__multiline_footer__runs_to_next_token(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "feat: x\n\nbody\n\n"
		  "BREAKING CHANGE: the config moved\n"
		  "  to bosun.yml; see the docs\n"
		  "and the migration guide\n"
		  "Refs: #7\n");
	assert_string_equal(c.body, "body");
	assert_int_equal(c.nr_footers, 2);
	assert_footer(&c, 0, "BREAKING CHANGE",
		      "the config moved\n  to bosun.yml; see the docs\n"
		      "and the migration guide", 5);
	assert_footer(&c, 1, "Refs", "#7", 8);
	assert_true(c.breaking);
	cc_release(&c);
}

static void commit__breaking_hyphen__is_breaking(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "refactor: x\n\nBREAKING-CHANGE: gone\n");
	assert_true(c.breaking);
	assert_string_equal(c.breaking_text, "gone");
	assert_footer(&c, 0, "BREAKING-CHANGE", "gone", 3);
	cc_release(&c);
}

static void commit__breaking_lowercase__not_breaking(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	/* The spec: BREAKING CHANGE MUST be uppercase; "breaking change" with
	 * a space is not a valid token at all, so this stays in the body. */
	parse(&c, "fix: x\n\nbreaking change: gone\n");
	assert_false(c.breaking);
	assert_int_equal(c.nr_footers, 0);
	assert_string_equal(c.body, "breaking change: gone");
	cc_release(&c);
	parse(&c, "fix: x\n\nBreaking-Change: gone\n");
	assert_false(c.breaking);
	assert_int_equal(c.nr_footers, 1);
	cc_release(&c);
}

static void commit__breaking_mid_body__still_breaking(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "feat: x\n\nFirst paragraph.\nBREAKING CHANGE: api gone\n\n"
		  "More words about it.\n");
	assert_true(c.breaking);
	assert_string_equal(c.body, "First paragraph.");
	assert_footer(&c, 0, "BREAKING CHANGE", "api gone\n\nMore words about it.", 4);
	cc_release(&c);
}

static void commit__breaking_on_next_line__value_follows(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "feat: x\n\nBREAKING CHANGE:\n  the api is gone\n");
	assert_true(c.breaking);
	assert_string_equal(c.breaking_text, "the api is gone");
	cc_release(&c);
}

static void commit__footer_like_body__stays_body(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	/* Footers are only the last paragraph(s): "Note: ..." in the middle
	 * and "Refs: #1" under prose are body text. */
	parse(&c, "fix: x\n\nNote: this is body\n\nSome prose.\nRefs: #1\n");
	assert_int_equal(c.nr_footers, 0);
	assert_string_equal(c.body, "Note: this is body\n\nSome prose.\nRefs: #1");
	cc_release(&c);

	parse(&c, "fix: x\n\nChanges:\n- a\n- b\n");
	assert_int_equal(c.nr_footers, 0);
	assert_string_equal(c.body, "Changes:\n- a\n- b");
	cc_release(&c);

	parse(&c, "fix: x\n\nsee http://example.com\n\nTime 12:30 is fine\n");
	assert_int_equal(c.nr_footers, 0);
	cc_release(&c);
}

static void commit__several_footer_paragraphs__all_footers(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "fix: x\n\nbody\n\nRefs: #1\n\nSigned-off-by: A <a@b>\n");
	assert_string_equal(c.body, "body");
	assert_int_equal(c.nr_footers, 2);
	assert_footer(&c, 0, "Refs", "#1", 5);
	assert_footer(&c, 1, "Signed-off-by", "A <a@b>", 7);
	cc_release(&c);
}

static void commit__footer_only__no_body(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "fix: x\nRefs: #1\n");
	assert_null(c.body);
	assert_footer(&c, 0, "Refs", "#1", 2);
	cc_release(&c);
}

static void commit__non_conventional_breaking_footer__breaking(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "Update things\n\nBREAKING CHANGE: everything\n");
	assert_false(c.conventional);
	assert_true(c.breaking);
	assert_string_equal(c.breaking_text, "everything");
	cc_release(&c);
}

/* ---- breaking change notes as conventional-commits-parser reads them ----
 *
 * semantic-release's conventionalcommits preset parses notes with the
 * keywords "BREAKING CHANGE" and "BREAKING-CHANGE" at the start of a line
 * after any blanks and '*', followed by ':' or blanks. The inputs below are
 * from its test cases (some with "BREAKING AMEND", its custom keyword,
 * written as BREAKING CHANGE here). bosun agrees except where a case says
 * otherwise (docs/commit.md, "Footers").
 */
struct note_case {
	const char *msg;
	int breaking;
	const char *text;   /* breaking_text, or NULL to not check */
};

static const char angular_squash_text[] =
	"Previously multiple template bindings on one element\n"
	"(ex. `<div *ngIf='..' *ngFor='...'>`) were allowed but most of the time\n"
	"were leading to undesired result. It is possible that a small number\n"
	"of applications will see template parse errors that shuld be fixed by\n"
	"nesting elements or using `<template>` tags explicitly.";

static const struct note_case note_cases[] = {
	/* indented and bulleted forms */
	{ "feat: x\n\n BREAKING CHANGE: y\n", 1, "y" },
	{ "feat: x\n\n\tBREAKING CHANGE: y\n", 1, "y" },
	{ "fix: x\n\n* BREAKING CHANGE: y\n", 1, "y" },
	{ "fix: x\n\n  * BREAKING-CHANGE: y\n", 1, "y" },
	{ "fix: x\n\n**BREAKING CHANGE:** y\n", 1, "** y" },
	{ "fix: x\n\nBREAKING CHANGE : y\n", 1, "y" },
	{ "fix: x\n\nBREAKING CHANGE:y\n", 1, "y" },
	{ "fix: x\n\nBREAKING CHANGE:   y\n", 1, "y" },
	{ "Update things\n\n* BREAKING CHANGE: y\n", 1, "y" },
	/* GitHub squash: the parts' lines are bullets */
	{ "feat: big (#12)\n\n* feat: a\n\n* fix: b\n\n* BREAKING CHANGE: c\n", 1, "c" },
	/* the peer's "notes that start with asterisks (for squash commits)" */
	{ "fix(core): report duplicate template bindings in templates\n"
	  "\n"
	  "Fixes #7315\n"
	  "\n"
	  "* BREAKING CHANGE:\n"
	  "\n"
	  "Previously multiple template bindings on one element\n"
	  "(ex. `<div *ngIf='..' *ngFor='...'>`) were allowed but most of the time\n"
	  "were leading to undesired result. It is possible that a small number\n"
	  "of applications will see template parse errors that shuld be fixed by\n"
	  "nesting elements or using `<template>` tags explicitly.\n"
	  "Closes #9462", 1, angular_squash_text },
	/* "should keep spaces" */
	{ " feat(scope): broadcast $destroy event on scope destruction \n"
	  " perf testing shows that in chrome this change adds 5-15% overhead \n\n"
	  " when destroying 10k nested scopes where each scope has a $destroy listener \n"
	  "         BREAKING CHANGE: some breaking change         \n\n"
	  "   BREAKING CHANGE: An awesome breaking change\n\n\n```\ncode here\n```"
	  "\n\n    Kills   #1\n", 1, "some breaking change" },
	/* "notes with more than one paragraphs": the text ends at a reference */
	{ "feat(scope): broadcast $destroy event on scope destruction\n"
	  "perf testing shows that in chrome this change adds 5-15% overhead\n"
	  "when destroying 10k nested scopes where each scope has a $destroy listener\n"
	  "BREAKING CHANGE:\n"
	  "some breaking change\n"
	  "some other breaking change\n"
	  "Kills #1, #123\n"
	  "killed #25\n", 1, "some breaking change\nsome other breaking change" },
	/* "should not treat it as important notes if there are texts after" */
	{ "fix(core): report duplicate template bindings in templates\n"
	  "\n"
	  "Fixes #7315\n"
	  "\n"
	  "BREAKING CHANGES:\n"
	  "\n"
	  "Previously multiple template bindings on one element\n"
	  "\n"
	  "Closes #9462", 0, NULL },
	/* "should not accidentally match in a sentence" */
	{ "fix: x\n\nThis is a breaking change: So important.\n", 0, NULL },
	{ "fix: x\n\nNot a BREAKING CHANGE: at the start\n", 0, NULL },
	{ "fix: x\n\n- BREAKING CHANGE: y\n", 0, NULL },
	/* Differences, on purpose: the peer's notes are case-insensitive
	 * ("should be case insensitive"), take blanks instead of ':' and
	 * accept '|' before the keyword. The spec wants BREAKING CHANGE in
	 * capitals and a ':' (commit lint reports the first); a '|' starts a
	 * Markdown table row, not a footer. */
	{ "fix: x\n\nbreaking change: y\n", 0, NULL },
	{ "fix: x\n\nBreaking Change: y\n", 0, NULL },
	{ "fix: x\n\nBREAKING CHANGE y\n", 0, NULL },
	{ "fix: x\n\n| BREAKING CHANGE: y\n", 0, NULL },
};

static void commit__peer_notes__table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(note_cases) / sizeof(note_cases[0]); i++) {
		const struct note_case *tc = &note_cases[i];
		struct cc_commit c = CC_COMMIT_INIT;

		parse(&c, tc->msg);
		if (c.breaking != tc->breaking)
			fail_msg("case %zu: breaking is %d, want %d: %s", i,
				 c.breaking, tc->breaking, tc->msg);
		if (tc->text && (!c.breaking_text ||
				 strcmp(c.breaking_text, tc->text)))
			fail_msg("case %zu: breaking_text '%s', want '%s'", i,
				 c.breaking_text ? c.breaking_text : "(null)",
				 tc->text);
		cc_release(&c);
	}
}

static void commit__indented_breaking__token_and_line(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "feat: x\n\nbody\n\n  * BREAKING CHANGE: y\nRefs #1\nCloses #12\n");
	assert_string_equal(c.body, "body");
	assert_int_equal(c.nr_footers, 3);
	assert_footer(&c, 0, "BREAKING CHANGE", "y", 5);
	assert_footer(&c, 1, "Refs", "#1", 6);
	assert_footer(&c, 2, "Closes", "#12", 7);
	cc_release(&c);

	/* An indented note inside a footer's value starts a footer of its own. */
	parse(&c, "fix: x\n\nRefs: #1\n  BREAKING-CHANGE: gone\n");
	assert_int_equal(c.nr_footers, 2);
	assert_footer(&c, 0, "Refs", "#1", 3);
	assert_footer(&c, 1, "BREAKING-CHANGE", "gone", 4);
	assert_true(c.breaking);
	cc_release(&c);

	/* Only breaking notes may be indented: " Refs: #1" is text. */
	parse(&c, "fix: x\n\n Refs: #1\n");
	assert_int_equal(c.nr_footers, 0);
	assert_string_equal(c.body, " Refs: #1");
	cc_release(&c);
}

/* ---- git's own conventions ---- */

static void commit__merges__detected(void **state)
{
	static const char *const merges[] = {
		"Merge branch 'x'", "Merge branch 'feature' into main",
		"Merge pull request #1 from user/branch",
		"Merge remote-tracking branch 'origin/main'",
		"Merge tag 'v1.2.3'", "Merge branches 'a' and 'b'",
	};
	size_t i;

	for (i = 0; i < sizeof(merges) / sizeof(merges[0]); i++) {
		struct cc_commit c = CC_COMMIT_INIT;

		parse(&c, merges[i]);
		if (!c.is_merge)
			fail_msg("'%s' is not seen as a merge", merges[i]);
		assert_false(c.conventional);
		cc_release(&c);
	}
}

static void commit__not_merges__not_detected(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "Merged the branch by hand");
	assert_false(c.is_merge);
	cc_release(&c);
	parse(&c, "feat: Merge branch support");
	assert_false(c.is_merge);
	cc_release(&c);
}

static void commit__git_revert__detected(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "Revert \"feat: x\"\n\nThis reverts commit "
		  "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d.\n");
	assert_true(c.is_revert);
	assert_false(c.conventional);
	assert_string_equal(c.reverts, "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d");
	cc_release(&c);
}

static void commit__revert_type__detected(void **state)
{
	struct cc_commit c = CC_COMMIT_INIT;

	parse(&c, "revert: feat: x\n\nThis reverts commit abc1234, reversing\n"
		  "changes made to def5678.\n");
	assert_true(c.conventional);
	assert_true(c.is_revert);
	assert_string_equal(c.reverts, "abc1234");
	cc_release(&c);
	parse(&c, "fix: x\n\nThis reverts commit xyz.\n");
	assert_false(c.is_revert);
	assert_null(c.reverts);
	cc_release(&c);
}

static void commit__fixups__detected(void **state)
{
	static const char *const fix[] = {
		"fixup! feat: x", "squash! fix: y", "amend! docs: z",
	};
	size_t i;

	for (i = 0; i < sizeof(fix) / sizeof(fix[0]); i++) {
		struct cc_commit c = CC_COMMIT_INIT;

		parse(&c, fix[i]);
		assert_true(c.is_fixup);
		assert_false(c.conventional);
		cc_release(&c);
	}
	{
		struct cc_commit c = CC_COMMIT_INIT;

		parse(&c, "fixup!: x");
		assert_false(c.is_fixup);
		cc_release(&c);
	}
}

/* ---- squash merges ---- */

static void commit__squashed_github__each_part(void **state)
{
	struct cc_commit parts[8];
	size_t n, i;

	n = cc_parse_squashed(parts, 8,
		"* feat(x): y\r\n\r\n* fix!: z\n\nsome body of fix\n\n"
		"- docs: w\n* not conventional\n  * perf(io): nested\n");
	assert_int_equal(n, 4);
	assert_string_equal(parts[0].type, "feat");
	assert_string_equal(parts[0].scope, "x");
	assert_string_equal(parts[0].description, "y");
	assert_false(parts[0].breaking);
	assert_string_equal(parts[1].type, "fix");
	assert_true(parts[1].breaking);
	assert_string_equal(parts[1].breaking_text, "z");
	assert_string_equal(parts[2].type, "docs");
	assert_string_equal(parts[3].type, "perf");
	for (i = 0; i < n; i++) {
		assert_null(parts[i].body);
		assert_int_equal(parts[i].nr_footers, 0);
		cc_release(&parts[i]);
	}
}

static void commit__squashed_bare_headers__paragraph_starts(void **state)
{
	struct cc_commit parts[8];
	size_t n, i;

	n = cc_parse_squashed(parts, 8,
		"feat: a\n\nfix(p): b\nchore: not a paragraph start\n\n"
		"Refs: #12\n\nSigned-off-by: A <a@b>\n\n  style: indented\n");
	assert_int_equal(n, 2);
	assert_string_equal(parts[0].description, "a");
	assert_string_equal(parts[1].scope, "p");
	for (i = 0; i < n; i++)
		cc_release(&parts[i]);
}

static void commit__squashed_max__is_respected(void **state)
{
	struct cc_commit parts[2];

	assert_int_equal(cc_parse_squashed(parts, 2, "* feat: a\n* feat: b\n* feat: c\n"), 2);
	assert_string_equal(parts[1].description, "b");
	cc_release(&parts[0]);
	cc_release(&parts[1]);
	assert_int_equal(cc_parse_squashed(parts, 0, "* feat: a"), 0);
	assert_int_equal(cc_parse_squashed(parts, 2, NULL), 0);
	assert_int_equal(cc_parse_squashed(parts, 2, ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commit__spec_breaking_footer__is_breaking),
		cmocka_unit_test(commit__spec_bang__is_breaking),
		cmocka_unit_test(commit__spec_scope_bang__is_breaking),
		cmocka_unit_test(commit__spec_bang_and_footer__uses_footer_text),
		cmocka_unit_test(commit__spec_no_body__parses),
		cmocka_unit_test(commit__spec_scope__parses),
		cmocka_unit_test(commit__spec_body_and_footers__splits),
		cmocka_unit_test(commit__crlf__same_as_lf),
		cmocka_unit_test(commit__trailing_spaces__trimmed),
		cmocka_unit_test(commit__non_utf8__kept_verbatim),
		cmocka_unit_test(commit__length__is_honoured),
		cmocka_unit_test(commit__nul_byte__ends_message),
		cmocka_unit_test(commit__bad_headers__not_conventional),
		cmocka_unit_test(commit__odd_but_valid_headers__conventional),
		cmocka_unit_test(commit__hash_footer__parsed),
		cmocka_unit_test(commit__multiline_footer__runs_to_next_token),
		cmocka_unit_test(commit__breaking_hyphen__is_breaking),
		cmocka_unit_test(commit__breaking_lowercase__not_breaking),
		cmocka_unit_test(commit__breaking_mid_body__still_breaking),
		cmocka_unit_test(commit__breaking_on_next_line__value_follows),
		cmocka_unit_test(commit__footer_like_body__stays_body),
		cmocka_unit_test(commit__several_footer_paragraphs__all_footers),
		cmocka_unit_test(commit__footer_only__no_body),
		cmocka_unit_test(commit__non_conventional_breaking_footer__breaking),
		cmocka_unit_test(commit__peer_notes__table),
		cmocka_unit_test(commit__indented_breaking__token_and_line),
		cmocka_unit_test(commit__merges__detected),
		cmocka_unit_test(commit__not_merges__not_detected),
		cmocka_unit_test(commit__git_revert__detected),
		cmocka_unit_test(commit__revert_type__detected),
		cmocka_unit_test(commit__fixups__detected),
		cmocka_unit_test(commit__squashed_github__each_part),
		cmocka_unit_test(commit__squashed_bare_headers__paragraph_starts),
		cmocka_unit_test(commit__squashed_max__is_respected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
