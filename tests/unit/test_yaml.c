/* lib/yaml: the one YAML reader, its positions, limits and messages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "lib/yaml/ytree.h"

#include <string.h>

static void parses(struct ytree *t, const char *text)
{
	int r = ytree_parse(t, "t.yml", text, strlen(text));

	if (r < 0)
		fail_msg("%s", error_message());
}

static void fails(struct ytree *t, const char *text, size_t len, const char *msg)
{
	error_clear();
	assert_int_equal(ytree_parse(t, "t.yml", text, len), -BOSUN_EDATA);
	assert_string_equal(error_message(), msg);
	ytree_release(t);
	error_clear();
}

/* A literal's length, NUL bytes inside included. */
#define FAILS(t, lit, msg) fails(t, lit, sizeof(lit) - 1, msg)

static void yaml__tree__shape_and_positions(void **state)
{
	struct ytree t = { 0 };
	const struct ynode *m, *l;

	(void)state;
	parses(&t, "a: 1\nlist:\n  - x\n  - 'y'\nmap: {k: v}\n");
	assert_non_null(t.root);
	assert_int_equal(t.root->type, Y_MAP);
	assert_int_equal(t.root->nr, 6);
	l = ynode_get(t.root, "list");
	assert_non_null(l);
	assert_int_equal(l->type, Y_SEQ);
	assert_int_equal(l->line, 3);
	assert_int_equal(l->col, 3);
	assert_int_equal(l->nr, 2);
	assert_string_equal(l->kids[1]->text, "y");
	assert_false(l->kids[1]->plain);
	assert_true(l->kids[0]->plain);
	assert_int_equal(l->kids[1]->line, 4);
	assert_int_equal(l->kids[1]->col, 6);	/* libfyaml: after the quote */
	m = ynode_get(t.root, "map");
	assert_int_equal(m->type, Y_MAP);
	assert_string_equal(ynode_get(m, "k")->text, "v");
	assert_int_equal(ynode_get(m, "k")->col, 10);
	assert_null(ynode_get(t.root, "absent"));
	assert_null(ynode_get(l, "x"));
	ytree_release(&t);
}

static void yaml__tree__empty_stream_has_no_root(void **state)
{
	struct ytree t = { 0 };

	(void)state;
	parses(&t, "");
	assert_null(t.root);
	ytree_release(&t);
	parses(&t, "# only a comment\n");
	assert_null(t.root);
	ytree_release(&t);
}

static void yaml__nulls(void **state)
{
	struct ytree t = { 0 };
	const char *const keys[] = { "a", "b", "c", "d", "e" };
	size_t i;

	(void)state;
	parses(&t, "a:\nb: ~\nc: null\nd: NULL\ne: Null\nf: 'null'\ng: nul\nh: ''\n");
	for (i = 0; i < 5; i++)
		assert_true(ynode_is_null(ynode_get(t.root, keys[i])));
	assert_false(ynode_is_null(ynode_get(t.root, "f")));
	assert_false(ynode_is_null(ynode_get(t.root, "g")));
	assert_false(ynode_is_null(ynode_get(t.root, "h")));
	assert_false(ynode_is_null(t.root));
	ytree_release(&t);
}

/* libfyaml 0.7 reads 'x''''y' as "x'''"; the tree reads it right. */
static void yaml__single_quotes_doubled(void **state)
{
	struct ytree t = { 0 };

	(void)state;
	parses(&t, "a: 'x''''y'\nb: 'it''s'\nc: ''''''\n");
	assert_string_equal(ynode_get(t.root, "a")->text, "x''y");
	assert_string_equal(ynode_get(t.root, "b")->text, "it's");
	assert_string_equal(ynode_get(t.root, "c")->text, "''");
	ytree_release(&t);
	FAILS(&t, "a: 'x''''\n  y'\n", "t.yml:1:5: a single-quoted string with "
	      "'''' must be on one line (or use double quotes)");
}

static void yaml__errors__have_positions(void **state)
{
	struct ytree t = { 0 };

	(void)state;
	FAILS(&t, "a: 1\nb: \xff\n", "t.yml:2:4: not valid UTF-8");
	FAILS(&t, "a: 1\nb: x\0y\n", "t.yml:2:5: NUL characters are not allowed");
	FAILS(&t, "a: &x 1\nb: *x\n", "t.yml:2:5: aliases (*name) are not supported");
	FAILS(&t, "a: 1\n---\nb: 2\n", "t.yml:2:1: only one YAML document is allowed");
	FAILS(&t, "a: [1\n", "t.yml:2:1: flow sequence without a closing bracket");
}

static void yaml__errors__offset_and_no_position(void **state)
{
	struct ytree t = { .line_offset = 10 };

	(void)state;
	FAILS(&t, "a: 1\nb: *x\n", "t.yml:12:5: aliases (*name) are not supported");
	t.line_offset = 3;
	FAILS(&t, "\n\xc3", "t.yml:5:1: not valid UTF-8");
	t.no_pos = 1;
	FAILS(&t, "a: *x", "t.yml: aliases (*name) are not supported");
	t.line_offset = 2;
	parses(&t, "\n\nk: v\n");
	assert_int_equal(ynode_get(t.root, "k")->line, 5);
	ytree_release(&t);
}

/*
 * libfyaml 0.7.12 faults in fy_parser_destroy() after a tab before an
 * indicator after a key inside an explicit key. Each of these crashed
 * bosun (exit 139) before check_text() refused them; the first is what
 * fuzz_agents_template found.
 */
static void yaml__explicit_key_with_tab__refused_not_crashed(void **state)
{
	static const char *const crashers[] = {
		"? a:\t:", "? a: \t:", "x:\n  ? a:\t:", "- ? a:\t:", "- - ? a:\t:",
		"? a:\t- b", "? a\n? b:\t:", "--- !!map\n? a:\t:", " ? 'a':\t:",
		"%YAML 1.2\n---\n? [a]:\t:", "x: 1\r? a:\t:", "\xef\xbb\xbf? a:\t:",
		"---\n- ? -:::\t:\n\x10:\t:\n", "x:\t: ? -:::\t:",
		"---\n-:\n\x10:::::\t: ? -:::\t:\n\x10:\t:\n",
	};
	struct ytree t = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(crashers) / sizeof(*crashers); i++) {
		assert_int_equal(ytree_parse(&t, "t.yml", crashers[i],
					     strlen(crashers[i])), -BOSUN_EDATA);
		assert_non_null(strstr(error_message(), "explicit key ('? ')"));
		ytree_release(&t);
	}
	FAILS(&t, "a: 1\n  # c\n  ? b:\t:\n", "t.yml:3:3: an explicit key ('? ') "
	      "cannot be used in a document with tabs; write 'key: value' or "
	      "indent with spaces");
	/* Without a tab, an explicit key still reads; a '?' inside a value or a
	 * tab without an explicit key is no explicit key. */
	parses(&t, "? a\n: b\n");
	assert_string_equal(ynode_get(t.root, "a")->text, "b");
	ytree_release(&t);
	parses(&t, "q: what? yes\t\"?\"\nr: \"x\ty\"\n");
	assert_string_equal(ynode_get(t.root, "q")->text, "what? yes\t\"?\"");
	ytree_release(&t);
	parses(&t, "q: a?b ?x\tc\n");
	assert_string_equal(ynode_get(t.root, "q")->text, "a?b ?x\tc");
	ytree_release(&t);
}

static void yaml__depth__bounded(void **state)
{
	struct ytree t = { .depth_max = 3 };

	(void)state;
	parses(&t, "[[[x]]]");
	ytree_release(&t);
	t.depth_max = 3;
	FAILS(&t, "[[[[x]]]]", "t.yml:1:4: nested more than 3 levels deep");
	{
		char deep[2 * YTREE_DEPTH_MAX + 3];

		memset(deep, '[', YTREE_DEPTH_MAX + 1);
		memset(deep + YTREE_DEPTH_MAX + 1, ']', YTREE_DEPTH_MAX + 1);
		deep[2 * YTREE_DEPTH_MAX + 2] = '\0';
		error_clear();
		assert_int_equal(ytree_parse(&t, "t.yml", deep, strlen(deep)), -BOSUN_EDATA);
		assert_non_null(strstr(error_message(), "nested more than 64 levels deep"));
		ytree_release(&t);
		error_clear();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(yaml__tree__shape_and_positions),
		cmocka_unit_test(yaml__tree__empty_stream_has_no_root),
		cmocka_unit_test(yaml__nulls),
		cmocka_unit_test(yaml__single_quotes_doubled),
		cmocka_unit_test(yaml__errors__have_positions),
		cmocka_unit_test(yaml__errors__offset_and_no_position),
		cmocka_unit_test(yaml__depth__bounded),
		cmocka_unit_test(yaml__explicit_key_with_tab__refused_not_crashed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
