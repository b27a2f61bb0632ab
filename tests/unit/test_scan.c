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
#include "lib/scan/internal.h"
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
static struct scan_rules kept[32];
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

/* Text of about n bytes: lines of varied length (one longer than the
 * chunks), tokens of rule t and private-key blocks (longer than a chunk)
 * at many offsets, some right at chunk ends; no newline at the end. */
static void big_text(struct strbuf *sb, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned seed = 1, i, k = 0;

	while (sb->len < n) {
		seed = seed * 1103515245u + 12345u;
		switch ((seed >> 16) % 9) {
		case 0:
			strbuf_addstr(sb, "x = ");
			token(sb, k++);
			strbuf_addch(sb, '\n');
			break;
		case 1:
			strbuf_addstr(sb, "-----BEGIN RSA PRIVATE KEY-----\n");
			/* Some longer than the window and the smaller chunks. */
			for (i = 0; i < (k % 5 ? 90u : 400u); i++) {
				unsigned j;

				for (j = 0; j < 64; j++) {
					seed = seed * 1103515245u + 12345u;
					strbuf_addch(sb, b64[(seed >> 16) % 64]);
				}
				strbuf_addch(sb, '\n');
			}
			strbuf_addstr(sb, "-----END RSA PRIVATE KEY-----\n");
			break;
		case 2:
			/* A long line, with a token inside. */
			strbuf_addchars(sb, 'q', 5000 + (seed >> 20) % 9000);
			strbuf_addstr(sb, " tok ");
			token(sb, k++);
			strbuf_addstr(sb, " end\n");
			break;
		default:
			strbuf_addchars(sb, 'a' + (seed >> 16) % 26, (seed >> 8) % 120);
			strbuf_addch(sb, '\n');
			break;
		}
	}
	token(sb, k++);
}

static void same_findings(const struct scan_report *a, const struct scan_report *b)
{
	size_t i;

	assert_int_equal(a->nr, b->nr);
	for (i = 0; i < a->nr; i++) {
		const struct scan_finding *x = &a->items[i], *y = &b->items[i];

		if (x->offset != y->offset || x->line != y->line || x->column != y->column ||
		    x->end_line != y->end_line || x->end_column != y->end_column ||
		    strcmp(x->fingerprint, y->fingerprint) || strcmp(x->rule->id, y->rule->id))
			fail_msg("finding %zu: %s at %zu %u:%u-%u:%u %s; streamed: %s at %zu %u:%u-%u:%u %s",
				 i, x->rule->id, x->offset, x->line, x->column, x->end_line,
				 x->end_column, x->fingerprint, y->rule->id, y->offset, y->line,
				 y->column, y->end_line, y->end_column, y->fingerprint);
	}
}

static void engine__streamed__same_findings_as_a_buffer(void **state)
{
	static const size_t chunks[] = { 8192, 65536, 1u << 20, 300007 };
	struct scan_rules rs = SCAN_RULES_INIT;
	struct scan_opts o = SCAN_OPTS_INIT;
	struct scan_report whole = SCAN_REPORT_INIT;
	struct strbuf text = STRBUF_INIT;
	struct scan_engine *e;
	size_t c;

	big_text(&text, 3u << 20);
	o.max_file_size = 0;
	assert_int_equal(scan_rules_add_default(&rs), 0);
	assert_int_equal(scan_rules_parse(&rs, "t.yml", test_rules, strlen(test_rules)), 0);
	assert_int_equal(scan_engine_new(&e, &rs, &o), 0);
	assert_int_equal(scan_buffer(e, "big.txt", NULL, text.buf, text.len, &whole), 0);
	scan_report_finish(&whole);
	assert_true(whole.nr > 100);
	scan_engine_free(e);
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct scan_report rep = SCAN_REPORT_INIT;

		o.stream_chunk = chunks[c];
		assert_int_equal(scan_engine_new(&e, &rs, &o), 0);
		if (scan_buffer_streamed(e, "big.txt", NULL, text.buf, text.len, &rep) < 0)
			fail_msg("%s", error_message());
		scan_report_finish(&rep);
		assert_int_equal(rep.st.streamed, 1);
		assert_int_equal(rep.st.bytes, text.len);
		same_findings(&whole, &rep);
		scan_report_release(&rep);
		scan_engine_free(e);
	}
	/* Over max_file_size with large_files: stream, scan_buffer streams. */
	o.max_file_size = 1000;
	o.large_files = SCAN_LARGE_STREAM;
	o.stream_chunk = 8192;
	assert_int_equal(scan_engine_new(&e, &rs, &o), 0);
	{
		struct scan_report rep = SCAN_REPORT_INIT;

		assert_int_equal(scan_buffer(e, "big.txt", NULL, text.buf, text.len, &rep), 0);
		scan_report_finish(&rep);
		assert_int_equal(rep.st.streamed, 1);
		same_findings(&whole, &rep);
		scan_report_release(&rep);
	}
	scan_engine_free(e);
	scan_rules_release(&rs);
	scan_report_release(&whole);
	strbuf_release(&text);
}

/* A reader that fails after some chunks (a file vanishing under us, git
 * dying), or that gives a binary file. */
struct bad_reader {
	const char *text;
	size_t len, pos, fail_at;
};

static int read_bad(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct bad_reader *b = ctx;

	if (b->pos >= b->fail_at)
		return error_set(BOSUN_EIO, "cannot read 'gone.txt': No such device");
	*got = b->len - b->pos < cap ? b->len - b->pos : cap;
	if (*got > 1000)
		*got = 1000;    /* short reads, as from a pipe */
	memcpy(buf, b->text + b->pos, *got);
	b->pos += *got;
	return 0;
}

static void engine__streamed__reader_errors_and_binary(void **state)
{
	struct scan_rules rs = SCAN_RULES_INIT;
	struct scan_opts o = SCAN_OPTS_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;
	struct strbuf text = STRBUF_INIT;
	struct scan_engine *e;
	struct scan_worker *w;
	struct bad_reader b;

	big_text(&text, 200000);
	o.stream_chunk = 8192;
	assert_int_equal(scan_rules_parse(&rs, "t.yml", test_rules, strlen(test_rules)), 0);
	assert_int_equal(scan_engine_new(&e, &rs, &o), 0);
	w = scan_worker_new(e);
	b = (struct bad_reader){ text.buf, text.len, 0, 50000 };
	assert_int_equal(scan_worker_stream(w, "gone.txt", NULL, read_bad, &b, &rep),
			 -BOSUN_EIO);
	assert_string_equal(error_message(), "cannot read 'gone.txt': No such device");
	assert_int_equal(rep.st.files, 0);
	assert_int_equal(rep.st.streamed, 0);
	scan_report_release(&rep);
	/* A NUL in the first 8 KiB: binary, skipped; the reader is not read on. */
	text.buf[5000] = '\0';
	b = (struct bad_reader){ text.buf, text.len, 0, 20000 };
	assert_int_equal(scan_worker_stream(w, "bin", NULL, read_bad, &b, &rep), 0);
	assert_int_equal(rep.st.binary, 1);
	assert_int_equal(rep.st.files, 0);
	assert_true(b.pos <= 8192);
	scan_report_release(&rep);
	scan_worker_free(w);
	scan_engine_free(e);
	scan_rules_release(&rs);
	strbuf_release(&text);
}

static void engine__large__named_or_failed(void **state)
{
	struct scan_rules rs = SCAN_RULES_INIT;
	struct scan_opts o = SCAN_OPTS_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;
	struct scan_colors c = { "", "", "", "" };
	struct strbuf out = STRBUF_INIT;
	struct scan_engine *e;
	int v;

	o.max_file_size = 10;
	assert_int_equal(scan_rules_parse(&rs, "t.yml", test_rules, strlen(test_rules)), 0);
	assert_int_equal(scan_engine_new(&e, &rs, &o), 0);
	assert_int_equal(scan_buffer(e, "z\nbig", NULL, "0123456789abc", 13, &rep), 0);
	assert_int_equal(scan_buffer(e, "a.txt", NULL, "0123456789abcd", 14, &rep), 0);
	scan_report_finish(&rep);
	assert_int_equal(rep.st.large, 2);
	assert_int_equal(rep.nr_skipped, 2);
	assert_string_equal(rep.skipped[0].file, "a.txt");
	assert_int_equal(rep.skipped[0].size, 14);
	assert_false(scan_report_failed(&rep, &o));
	scan_format_summary(&out, &rep, &c, &o);
	assert_non_null(strstr(out.buf, "skipped a.txt: 14 bytes, larger than scan.max_file_size (10 bytes)"));
	assert_non_null(strstr(out.buf, "skipped \"z\\nbig\": 13 bytes"));
	o.large_files = SCAN_LARGE_FAIL;
	assert_true(scan_report_failed(&rep, &o));
	strbuf_reset(&out);
	scan_format_summary(&out, &rep, &c, &o);
	assert_non_null(strstr(out.buf, "not scanned a.txt: 14 bytes"));
	assert_int_equal(scan_large_parse("stream", &v), 0);
	assert_int_equal(v, SCAN_LARGE_STREAM);
	assert_int_equal(scan_large_parse("auto", &v), 0);
	assert_int_equal(scan_large_resolve(v, 1), SCAN_LARGE_STREAM);
	assert_int_equal(scan_large_resolve(v, 0), SCAN_LARGE_SKIP);
	assert_int_equal(scan_large_resolve(SCAN_LARGE_FAIL, 1), SCAN_LARGE_FAIL);
	assert_int_equal(scan_large_parse("always", &v), -1);
	scan_engine_free(e);
	scan_rules_release(&rs);
	scan_report_release(&rep);
	strbuf_release(&out);
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

/* Two rules find the same token: the baseline written lists the finding
 * they merge into (the first rule's), and accepts the token for both; a
 * baseline written before a rule that finds it first was added does too. */
static void baseline__rules_on_one_secret__accepted_once(void **state)
{
	static const char two[] =
		"rules:\n"
		"  - id: t\n"
		"    regex: '\\b(tok_[A-Za-z0-9]{20})\\b'\n"
		"  - id: u\n"
		"    regex: '(tok_[A-Za-z0-9]{20})'\n";
	static const char one[] =
		"rules:\n"
		"  - id: u\n"
		"    regex: '(tok_[A-Za-z0-9]{20})'\n";
	struct strbuf text = STRBUF_INIT, bl = STRBUF_INIT;
	struct scan_report rep = SCAN_REPORT_INIT;
	struct scan_baseline b = SCAN_BASELINE_INIT;
	size_t round;

	token(&text, 7);
	strbuf_addstr(&text, "\nother line\n");
	for (round = 0; round < 2; round++) {
		scan_text(round ? one : two, "a.txt", text.buf, &rep, NULL);
		assert_int_equal(rep.nr, 1);
		assert_string_equal(rep.items[0].rule->id, round ? "u" : "t");
		strbuf_reset(&bl);
		scan_baseline_format(&bl, &rep);
		scan_report_release(&rep);
		assert_int_equal(scan_baseline_parse(&b, "b.json", bl.buf, bl.len), 0);
		scan_text(two, "a.txt", text.buf, &rep, &b);
		assert_int_equal(rep.nr, 0);
		assert_int_equal(rep.st.baselined, 1);
		scan_report_release(&rep);
		scan_baseline_release(&b);
	}
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
		cmocka_unit_test(engine__streamed__same_findings_as_a_buffer),
		cmocka_unit_test(engine__streamed__reader_errors_and_binary),
		cmocka_unit_test(engine__large__named_or_failed),
		cmocka_unit_test(baseline__round_trip__filters),
		cmocka_unit_test(baseline__rules_on_one_secret__accepted_once),
		cmocka_unit_test(baseline__bad_files__errors),
		cmocka_unit_test(entropy__values),
	};

	return cmocka_run_group_tests(tests, NULL, release_kept);
}
