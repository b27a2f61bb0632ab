/* Unit tests for lib/agents: templates, rendering and parsing back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "lib/agents/agents.h"
#include "lib/agents/internal.h"

#include <stdlib.h>
#include <string.h>

static void agents__names__valid_and_invalid(void **state)
{
	assert_true(agent_name_valid("research-agent"));
	assert_true(agent_name_valid("a1"));
	assert_false(agent_name_valid(""));
	assert_false(agent_name_valid("-a"));
	assert_false(agent_name_valid("a-"));
	assert_false(agent_name_valid("a--b"));
	assert_false(agent_name_valid("A"));
	assert_false(agent_name_valid("../x"));
	assert_false(agent_name_valid("a/b"));
	assert_false(agent_name_valid("a_b"));
}

/* A template with every hard case: quotes, colons, newlines, a value that
 * looks like a boolean, a number, a leading '#', unicode. */
static const char tricky[] =
	"{\"agent_id\": \"tricky_one\", \"agent_version\": \"1.0.0-rc.1\","
	" \"metadata\": {\"description\": \"yes\\n'quoted': \\\"x\\\" # not a comment\\n\\ttab, ünïcode: - [a]\"},"
	" \"capabilities\": {\"model\": \"claude-opus-4-1-20250805\", \"color\": \"red\","
	" \"tools\": [\"Read\", \"Write\", \"Bash\", \"WebSearch\", \"mcp__gh__search\"]},"
	" \"instructions\": \"Line one.\\n---\\nLine three.\"}";

static void parse_tmpl(struct agent_tmpl *t, const char *name, const char *text)
{
	struct agent_problems pb = AGENT_PROBLEMS_INIT;
	int r = agent_tmpl_parse(t, name, text, strlen(text), &pb);

	if (r < 0)
		fail_msg("%s: %s", name, pb.nr ? pb.items[0] : error_message());
	agent_problems_release(&pb);
}

static void agents__render__roundtrips_every_target(void **state)
{
	struct agent_tmpl t;
	const struct agent_target *tg;

	parse_tmpl(&t, "tricky.json", tricky);
	assert_string_equal(t.name, "tricky-one");
	for (tg = agent_targets; tg->id; tg++) {
		struct strbuf out = STRBUF_INIT;
		json_t *want = agent_frontmatter(&t, tg), *got = NULL;
		size_t body;
		int marker = 0;

		assert_int_equal(agent_render(&out, &t, tg), 0);
		if (agent_file_parse(&got, &body, &marker, out.buf, out.len) < 0)
			fail_msg("%s: %s\n%s", tg->id, error_message(), out.buf);
		assert_true(marker);
		if (!json_equal(want, got)) {
			char *a = json_dumps(want, 0), *b = json_dumps(got, 0);

			fail_msg("%s: wrote %s, read back %s\n%s", tg->id, a, b, out.buf);
		}
		assert_string_equal(out.buf + body, "\nLine one.\n---\nLine three.\n");
		json_decref(want);
		json_decref(got);
		strbuf_release(&out);
	}
	agent_tmpl_release(&t);
}

static void agents__render__claude_fields(void **state)
{
	struct agent_tmpl t;
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	json_t *fm;
	size_t body;
	int marker;

	parse_tmpl(&t, "tricky.json", tricky);
	assert_int_equal(agent_render(&out, &t, agent_target_find("claude")), 0);
	assert_int_equal(agent_file_parse(&fm, &body, &marker, out.buf, out.len), 0);
	assert_string_equal(json_string_value(json_object_get(fm, "model")), "claude-opus-4-1-20250805");
	assert_string_equal(json_string_value(json_object_get(fm, "tools")),
			    "Read, Write, Bash, WebSearch, mcp__gh__search");
	assert_int_equal(agent_frontmatter_check(fm, agent_target_find("claude"), &why), 0);
	json_decref(fm);
	strbuf_release(&out);
	agent_tmpl_release(&t);
}

static void agents__markdown__parses(void **state)
{
	struct agent_tmpl t;

	parse_tmpl(&t, "dir/my_agent.md",
		   "---\nversion: 2.0.0\ndescription: d\ntools: [Read, Grep]\n---\n\n\nBody\n\n");
	assert_string_equal(t.name, "my-agent");
	assert_int_equal(t.tools_nr, 2);
	assert_string_equal(t.tools[1], "Grep");
	assert_string_equal(t.instructions, "Body");
	agent_tmpl_release(&t);
}

/* Parse text (name) and expect the first problem to start with want. */
static void expect_problem(const char *name, const char *text, const char *want)
{
	struct agent_problems pb = AGENT_PROBLEMS_INIT;
	struct agent_tmpl t;

	assert_int_equal(agent_tmpl_parse(&t, name, text, strlen(text), &pb), -BOSUN_EDATA);
	assert_true(pb.nr > 0);
	if (strncmp(pb.items[0], want, strlen(want)))
		fail_msg("want '%s...', got '%s'", want, pb.items[0]);
	agent_problems_release(&pb);
	error_clear();
}

static void agents__errors__have_positions(void **state)
{
	expect_problem("t.json", "{\n \"id\": 5}", "t.json:2:8: id: must be a non-empty string");
	expect_problem("t.json", "[1]", "t.json:1:1: (document): a template must be a JSON object");
	expect_problem("t.json", "{\"a\":", "t.json:1:5: invalid JSON");
	expect_problem("t.json", "\xff", "t.json:1:1: not valid UTF-8");
	expect_problem("t.md", "no frontmatter", "t.md:1:1: a Markdown template starts");
	expect_problem("t.md", "---\nversion: 1.0.0\ndescription: d\ntools: [Nope]\n---\nx\n",
		       "t.md:4:9: tools[0]: unknown tool 'Nope'");
	expect_problem("t.md", "---\nversion: x\ndescription: d\n---\nx\n",
		       "t.md:2:10: version: 'x' is not a semantic version");
	expect_problem("t.md", "---\na: &x 1\nb: *x\n---\nx\n", "t.md:3:5: aliases");
	expect_problem("t.md", "---\na: 1\na: 2\n---\nx\n", "t.md:3:1: duplicate key");
}

static void agents__base__merges(void **state)
{
	struct agent_tmpl t, base;
	char *tools[] = { (char *)"Read" };

	parse_tmpl(&t, "a.md", "---\nversion: 1.0.0\ndescription: d\nmodel: opus\n---\nMine.\n");
	memset(&base, 0, sizeof(base));
	base.model = (char *)"haiku";
	base.color = (char *)"green";
	base.tools = tools;
	base.tools_nr = 1;
	base.tools_set = 1;
	base.instructions = (char *)"Base.";
	agent_tmpl_merge_base(&t, &base);
	assert_string_equal(t.model, "opus");
	assert_string_equal(t.color, "green");
	assert_int_equal(t.tools_nr, 1);
	assert_string_equal(t.instructions, "Mine.\n\nBase.");
	agent_tmpl_release(&t);
}

static void agents__claude_mpm__detected(void **state)
{
	json_t *a = json_pack("{s:s}", "author", "claude-mpm");
	json_t *b = json_pack("{s:s}", "version", "0002-0005");
	json_t *c = json_pack("{s:s}", "version", "2.1.0");

	assert_true(agent_is_claude_mpm(a));
	assert_true(agent_is_claude_mpm(b));
	assert_false(agent_is_claude_mpm(c));
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

/* The snapshot reader: good lines parse to their fields; a line a C
 * string would read differently (a NUL inside a field), an empty path, an
 * agent line short of a field, or a number past long long is refused. */
static void agents__snapshot__parse(void **state)
{
	static const char hdr[] = "bosun-agents-snapshot 1\n";
	static const char good[] = "bosun-agents-snapshot 1\n"
		"s 16877 12 4096 -5 7\t/r/agents\n"
		"o 33188 13 80 1 2\t/r/.claude/agents/a.md\tclaude\t.claude/agents/a.md\ta\t1.0.0\n";
	static const char *bad[] = {
		"s 1 1 1 1 1\t\0x\n",
		"s 1 1 1 1 1\tx\0\n",
		"o 1 1 1 1 1\t/p\tclaude\t\0\tn\t1.0.0\n",
		"s 1 1 1 1 1\t\n",
		"o 1 1 1 1 1\t/p\tclaude\trel\tname\n",
		"s 1 1 1 1 99999999999999999999\t/p\n",
		"s 1 1 1 1\t/p\n",
		"x 1 1 1 1 1\t/p\n",
		"s 1 1 1 1 1\t/p",
	};
	struct agent_snap_entry *e;
	size_t nr, i;

	(void)state;
	assert_int_equal(agent_snapshot_parse(&e, &nr, good, sizeof(good) - 1), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(e[0].kind, 's');
	assert_int_equal(e[0].mode, 16877);
	assert_int_equal(e[0].mtime, -5);
	assert_string_equal(e[0].path, "/r/agents");
	assert_null(e[0].target);
	assert_string_equal(e[1].target, "claude");
	assert_string_equal(e[1].rel, ".claude/agents/a.md");
	assert_string_equal(e[1].name, "a");
	assert_string_equal(e[1].version, "1.0.0");
	agent_snapshot_free(e, nr);

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct strbuf sb = STRBUF_INIT;
		size_t len = strlen(bad[i]);

		/* The NUL cases: the line runs past the first NUL. */
		if (i < 3)
			len += strlen(bad[i] + len + 1) + 1;
		strbuf_addstr(&sb, hdr);
		strbuf_add(&sb, bad[i], len);
		error_clear();
		assert_int_equal(agent_snapshot_parse(&e, &nr, sb.buf, sb.len),
				 -BOSUN_EDATA);
		assert_null(e);
		assert_int_equal(nr, 0);
		strbuf_release(&sb);
	}
	error_clear();
}

/* YAML to JSON: only plain true/false are booleans, marks name every value
 * by its JSON pointer, and keys that are collections or repeat are refused
 * at the key. */
static void agents__yaml__to_json(void **state)
{
	static const char text[] = "t: true\nf: false\nq: 'true'\nn: fals\n"
		"a/b~c:\n  - x\n  - {k: v}\ntrue: 1\n";
	static const char bad_key[] = "a: 1\n? [x]\n: 2\n";
	static const char dup[] = "a: 1\nb:\n  a: 1\n  a: 2\n";
	json_t *v, *marks;

	(void)state;
	assert_int_equal(agent_yaml_parse(&v, &marks, "t.md", text, sizeof(text) - 1, 1), 0);
	assert_true(json_is_true(json_object_get(v, "t")));
	assert_true(json_is_false(json_object_get(v, "f")));
	assert_string_equal(json_string_value(json_object_get(v, "q")), "true");
	assert_string_equal(json_string_value(json_object_get(v, "n")), "fals");
	assert_string_equal(json_string_value(json_object_get(v, "true")), "1");
	assert_int_equal(json_integer_value(json_array_get(
		json_object_get(marks, "/a~1b~0c/1/k"), 0)), 8);
	assert_int_equal(json_integer_value(json_array_get(
		json_object_get(marks, "/a~1b~0c/1/k"), 1)), 9);
	assert_int_equal(json_integer_value(json_array_get(
		json_object_get(marks, "/n"), 0)), 5);
	assert_non_null(json_object_get(marks, ""));
	json_decref(v);
	json_decref(marks);

	assert_int_equal(agent_yaml_parse(&v, NULL, "t.md", "", 0, 0), 0);
	assert_true(json_is_null(v));

	error_clear();
	assert_int_equal(agent_yaml_parse(&v, NULL, "t.md", bad_key,
					  sizeof(bad_key) - 1, 1), -BOSUN_EDATA);
	assert_string_equal(error_message(), "t.md:3:3: keys must be strings");
	error_clear();
	assert_int_equal(agent_yaml_parse(&v, NULL, "t.md", dup, sizeof(dup) - 1, 0),
			 -BOSUN_EDATA);
	assert_string_equal(error_message(), "t.md:4:3: duplicate key");
	error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(agents__names__valid_and_invalid),
		cmocka_unit_test(agents__render__roundtrips_every_target),
		cmocka_unit_test(agents__render__claude_fields),
		cmocka_unit_test(agents__markdown__parses),
		cmocka_unit_test(agents__errors__have_positions),
		cmocka_unit_test(agents__base__merges),
		cmocka_unit_test(agents__claude_mpm__detected),
		cmocka_unit_test(agents__snapshot__parse),
		cmocka_unit_test(agents__yaml__to_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
