/*
 * Unit tests for lib/scan: globs and .bosunignore, rule files and their
 * errors, allow comments, baselines, and the engine's windows, lines and
 * columns. Secrets are built at run time (see test_scan_rules.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "lib/scan/scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A token for the rule "t" below: "tok_" and 20 varied characters. */
static void token(struct strbuf *sb, unsigned seed)
{
	static const char chars[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	unsigned i;

	strbuf_addstr(sb, "tok_");
	for (i = 0; i < 20; i++) {
		seed = seed * 1103515245u + 12345u;
		strbuf_addch(sb, chars[(seed >> 16) % (sizeof(chars) - 1)]);
	}
}

static const char test_rules[] =
	"rules:\n"
	"  - id: t\n"
	"    description: test token\n"
	"    regex: '\\b(tok_[A-Za-z0-9]{20})\\b'\n"
	"    entropy: 3\n"
	"  - id: k\n"
	"    regex: 'key=(\\w{8,})'\n"
	"    keywords: [KEY=]\n"
	"    paths: ['*.cfg']\n"
	"    allowlist:\n"
	"      stopwords: [dummy]\n"
	"allowlist:\n"
	"  regexes: ['^tok_0']\n";

/* Findings point at their rule: the rules live until the end. */
static struct scan_rules kept[16];
static size_t nr_kept;

static void scan_text(const char *rules_text, const char *path, const char *text,
		      struct scan_report *rep, const struct scan_baseline *b)
{
	struct scan_rules *rsp = &kept[nr_kept++];
	struct scan_opts o = SCAN_OPTS_INIT;
	struct scan_engine *e = NULL;

	o.baseline = b;
	if (scan_rules_parse(rsp, "t.yml", rules_text, strlen(rules_text)) < 0 ||
	    scan_engine_new(&e, rsp, &o) < 0)
		fail_msg("%s", error_message());
	assert_int_equal(scan_buffer(e, path, NULL, text, strlen(text), rep), 0);
	scan_report_finish(rep);
	scan_engine_free(e);
}

static int release_kept(void **state)
{
	size_t i;

	for (i = 0; i < nr_kept; i++)
		scan_rules_release(&kept[i]);
	return 0;
}

static void rules__bad_files__errors_with_place(void **state)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "rules: 3\n", "t.yml:1:8: 'rules' must be a list" },
		{ "rules:\n  - id: x\n", "t.yml:2:5: a rule needs a regex" },
		{ "rules:\n  - regex: a\n", "t.yml:2:5: a rule needs an id" },
		{ "rules:\n  - id: Bad\n    regex: a\n", "t.yml:2:9: id 'Bad' must be" },
		{ "rules:\n  - id: x\n    regex: '(a'\n", "t.yml:3:13: bad regex: missing closing" },
		{ "rules:\n  - id: x\n    regex: a\n    entropy: 9\n", "t.yml:4:14: entropy must be a number from 0 to 8" },
		{ "rules:\n  - id: x\n    regex: '(a)'\n    secret_group: 2\n", "t.yml:4:19: secret_group 2, but the regex has 1 group" },
		{ "rules:\n  - id: x\n    regex: a\n    colour: red\n", "t.yml:4:5: unknown key 'colour' in a rule" },
		{ "rules:\n  - id: x\n    regex: a\n  - id: x\n    regex: b\n", "t.yml:4:9: rule 'x' is defined twice (first at line 2)" },
		{ "rules: [\n", "t.yml:" },
		{ "rules:\n  - id: x\n    regex: a\n    allowlist: {regexes: ['(']}\n", "t.yml:4:28: bad regex" },
		{ "", "t.yml:1:1: a rule file needs 'rules:'" },
		{ "a: \xff\n", "t.yml:1:4: not valid UTF-8" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scan_rules rs = SCAN_RULES_INIT;
		int r = scan_rules_parse(&rs, "t.yml", bad[i].text, strlen(bad[i].text));

		if (r != -BOSUN_EDATA || strncmp(error_message(), bad[i].want, strlen(bad[i].want)))
			fail_msg("case %zu: got %d '%s', want '%s'", i, r, error_message(),
				 bad[i].want);
		assert_int_equal(rs.nr, 0);
		scan_rules_release(&rs);
	}
}

static void rules__same_id__replaces_and_disable(void **state)
{
	struct scan_rules rs = SCAN_RULES_INIT;
	static const char more[] = "rules:\n  - id: t\n    regex: other\n";

	assert_int_equal(scan_rules_parse(&rs, "a.yml", test_rules, strlen(test_rules)), 0);
	assert_int_equal(scan_rules_parse(&rs, "b.yml", more, strlen(more)), 0);
	assert_int_equal(rs.nr, 2);
	assert_string_equal(scan_rules_find(&rs, "t")->regex, "other");
	assert_string_equal(scan_rules_find(&rs, "t")->origin, "b.yml:2:5");
	assert_int_equal(scan_rules_disable(&rs, "k"), 0);
	assert_int_equal(scan_rules_disable(&rs, "k"), -BOSUN_ENOTFOUND);
	assert_int_equal(rs.nr, 1);
	scan_rules_release(&rs);
}

static void allow__comments__cover_rules(void **state)
{
	static const char a[] = "x = 1 # bosun:allow";
	static const char b[] = "x = 1 // bosun:allow=t,k";
	static const char c[] = "x = 1 // bosun:allow=other";
	static const char d[] = "x = 1 // bosun:allowed? no: bosun:allo";

	assert_true(scan_line_allows(a, strlen(a), "t"));
	assert_true(scan_line_allows(b, strlen(b), "t"));
	assert_true(scan_line_allows(b, strlen(b), "k"));
	assert_false(scan_line_allows(c, strlen(c), "t"));
	assert_true(scan_line_allows(d, strlen(d), "t")); /* "bosun:allow" then 'e' */
	assert_false(scan_line_allows(d, 19, "t"));
}

static void engine__findings__lines_columns_and_decisions(void **state)
{
	struct strbuf text = STRBUF_INIT, low = STRBUF_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;

	strbuf_addstr(&text, "first line\n  a = ");
	token(&text, 1);
	strbuf_addstr(&text, "\nallowed ");
	token(&text, 2);
	strbuf_addstr(&text, " # bosun:allow\nlist ");
	token(&text, 3);
	strbuf_addstr(&text, ", ");
	token(&text, 4);
	strbuf_addstr(&text, "\nlow tok_aaaaaaaaaaaaaaaaaaaa\nkey=abcdefgh12 in a txt file\n");
	scan_text(test_rules, "a.txt", text.buf, &rep, NULL);
	assert_int_equal(rep.nr, 3);
	assert_int_equal(rep.items[0].line, 2);
	assert_int_equal(rep.items[0].column, 7);
	assert_int_equal(rep.items[0].end_column, 31);
	assert_string_equal(rep.items[0].redacted, "tok_****");
	assert_string_equal(rep.items[0].rule->id, "t");
	assert_int_equal(rep.items[1].line, 4);
	assert_int_equal(rep.items[1].column, 6);
	assert_int_equal(rep.items[2].line, 4);
	assert_int_equal(rep.items[2].column, 32);
	assert_int_equal(rep.st.allowed, 1);
	assert_int_equal(strlen(rep.items[0].fingerprint), 16);
	scan_report_release(&rep);

	/* The path filter, keywords (any case) and a stopword. */
	scan_text(test_rules, "x.cfg", "key=abcdefgh12\nkey=dummy12345\n", &rep, NULL);
	assert_int_equal(rep.nr, 1);
	assert_string_equal(rep.items[0].rule->id, "k");
	assert_string_equal(rep.items[0].redacted, "abcd****");
	scan_report_release(&rep);
	strbuf_release(&text);
	strbuf_release(&low);
}

static void engine__long_line__one_finding_per_token(void **state)
{
	struct strbuf text = STRBUF_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;
	unsigned i;

	/* A minified file: one 200 KB line, a token every 10 KB. */
	for (i = 0; i < 20; i++) {
		strbuf_addchars(&text, 'x', 10000);
		strbuf_addch(&text, ' ');
		token(&text, 100 + i);
		strbuf_addch(&text, ' ');
	}
	scan_text(test_rules, "min.js", text.buf, &rep, NULL);
	assert_int_equal(rep.nr, 20);
	assert_int_equal(rep.items[19].line, 1);
	assert_int_equal(rep.items[19].column, 19 * 10026 + 10002);
	scan_report_release(&rep);
	strbuf_release(&text);
}

static void engine__binary_and_large__skipped(void **state)
{
	struct scan_rules rs = SCAN_RULES_INIT;
	struct scan_opts o = SCAN_OPTS_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;
	struct strbuf text = STRBUF_INIT;
	struct scan_engine *e;

	token(&text, 7);
	o.max_file_size = 10;
	assert_int_equal(scan_rules_parse(&rs, "t.yml", test_rules, strlen(test_rules)), 0);
	assert_int_equal(scan_engine_new(&e, &rs, &o), 0);
	assert_int_equal(scan_buffer(e, "big", NULL, text.buf, text.len, &rep), 0);
	assert_int_equal(scan_buffer(e, "bin", NULL, "a\0b", 3, &rep), 0);
	assert_int_equal(rep.nr, 0);
	assert_int_equal(rep.st.large, 1);
	assert_int_equal(rep.st.binary, 1);
	assert_int_equal(rep.st.files, 0);
	scan_engine_free(e);
	scan_rules_release(&rs);
	scan_report_release(&rep);
	strbuf_release(&text);
}

static void baseline__round_trip__filters(void **state)
{
	struct strbuf text = STRBUF_INIT, bl = STRBUF_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;
	struct scan_baseline b = SCAN_BASELINE_INIT;

	token(&text, 5);
	strbuf_addch(&text, '\n');
	scan_text(test_rules, "a.txt", text.buf, &rep, NULL);
	assert_int_equal(rep.nr, 1);
	scan_baseline_format(&bl, &rep);
	assert_non_null(strstr(bl.buf, rep.items[0].fingerprint));
	assert_null(strstr(bl.buf, text.buf)); /* no secret in the baseline */
	scan_report_release(&rep);
	assert_int_equal(scan_baseline_parse(&b, "b.json", bl.buf, bl.len), 0);
	scan_text(test_rules, "a.txt", text.buf, &rep, &b);
	assert_int_equal(rep.nr, 0);
	assert_int_equal(rep.st.baselined, 1);
	scan_report_release(&rep);
	/* Another file: another fingerprint. */
	scan_text(test_rules, "b.txt", text.buf, &rep, &b);
	assert_int_equal(rep.nr, 1);
	scan_report_release(&rep);
	scan_baseline_release(&b);
	strbuf_release(&text);
	strbuf_release(&bl);
}

static void baseline__bad_files__errors(void **state)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "{", "b.json:1:1: " },
		{ "[]", "b.json: a baseline must be a JSON object" },
		{ "{\"version\": 2, \"findings\": []}", "b.json: \"version\" must be 1" },
		{ "{\"version\": 1}", "b.json: \"findings\" must be a list" },
		{ "{\"version\": 1, \"findings\": [{\"fingerprint\": \"xyz\"}]}",
		  "b.json: findings[0]: \"fingerprint\" must be 16 hexadecimal digits" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scan_baseline b = SCAN_BASELINE_INIT;
		int r = scan_baseline_parse(&b, "b.json", bad[i].text, strlen(bad[i].text));

		if (r != -BOSUN_EDATA || strncmp(error_message(), bad[i].want, strlen(bad[i].want)))
			fail_msg("case %zu: got '%s'", i, error_message());
		scan_baseline_release(&b);
	}
}

static void entropy__values(void **state)
{
	assert_true(scan_entropy("aaaa", 4) == 0);
	assert_true(scan_entropy("abcd", 4) == 2);
	assert_true(scan_entropy("", 0) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules__bad_files__errors_with_place),
		cmocka_unit_test(rules__same_id__replaces_and_disable),
		cmocka_unit_test(allow__comments__cover_rules),
		cmocka_unit_test(engine__findings__lines_columns_and_decisions),
		cmocka_unit_test(engine__long_line__one_finding_per_token),
		cmocka_unit_test(engine__binary_and_large__skipped),
		cmocka_unit_test(baseline__round_trip__filters),
		cmocka_unit_test(baseline__bad_files__errors),
		cmocka_unit_test(entropy__values),
	};

	return cmocka_run_group_tests(tests, NULL, release_kept);
}
