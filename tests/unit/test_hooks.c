/* Unit tests for lib/hooks: globs, the pre-push input, the checks' shape. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/hooks/hooks.h"

#include <string.h>

static void push__lines__parsed(void **state)
{
	const char *in =
		"refs/heads/main 1111111111111111111111111111111111111111 refs/heads/main "
		"0000000000000000000000000000000000000000\n\n"
		"(delete) 0000000000000000000000000000000000000000 refs/heads/x "
		"2222222222222222222222222222222222222222";
	struct push_refs p = PUSH_REFS_INIT;

	(void)state;
	assert_int_equal(push_refs_parse(&p, in, strlen(in)), 0);
	assert_int_equal(p.nr, 2);
	assert_string_equal(p.items[0].local_ref, "refs/heads/main");
	assert_true(push_oid_is_zero(p.items[0].remote_oid));
	assert_false(push_oid_is_zero(p.items[0].local_oid));
	assert_string_equal(p.items[1].remote_ref, "refs/heads/x");
	push_refs_release(&p);
}

static void push__bad_lines__rejected(void **state)
{
	static const char *const bad[] = {
		"refs/heads/main 11 refs/heads/main 22\n",
		"a b c\n",
		"refs/heads/main 1111111111111111111111111111111111111111  refs/heads/main 1111111111111111111111111111111111111111\n",
		"refs/heads/main 111111111111111111111111111111111111111G refs/heads/main 1111111111111111111111111111111111111111\n",
		"refs/heads/main 1111111111111111111111111111111111111111 refs/heads/main 1111111111111111111111111111111111111111 extra\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct push_refs p = PUSH_REFS_INIT;

		assert_true(push_refs_parse(&p, bad[i], strlen(bad[i])) < 0);
		assert_int_equal(p.nr, 0);
	}
}

static int parse(const char *hook, const char *json, struct hook_checks *hc,
		 struct strbuf *why)
{
	json_error_t e;
	json_t *v = json_loads(json, 0, &e);
	int r;

	assert_non_null(v);
	r = hook_checks_parse(hc, hook, v, why);
	json_decref(v);
	return r;
}

static void checks__shapes__parsed_with_defaults(void **state)
{
	struct hook_checks hc = HOOK_CHECKS_INIT;
	struct strbuf why = STRBUF_INIT;

	(void)state;
	assert_int_equal(parse("pre-commit",
		"[\"secrets\", {\"run\": \"make test\"}, {\"run\": [\"/usr/bin/eslint\", \"--fix\"],"
		" \"glob\": \"*.js\", \"pass_files\": true, \"stage_fixed\": true, \"timeout\": \"2m\"},"
		" {\"builtin\": \"large-files\", \"max\": \"2M\"}]", &hc, &why), 0);
	assert_int_equal(hc.nr, 4);
	assert_int_equal(hc.items[0].builtin, HB_SECRETS);
	assert_string_equal(hc.items[1].name, "make");
	assert_true(hc.items[1].use_shell);
	assert_true(hc.items[1].parallel);
	assert_string_equal(hc.items[2].name, "eslint");
	assert_false(hc.items[2].parallel);
	assert_int_equal(hc.items[2].timeout_ms, 120000);
	assert_string_equal(hc.items[2].glob[0], "*.js");
	assert_int_equal(hc.items[3].max_bytes, 2 << 20);
	hook_checks_release(&hc);
	strbuf_release(&why);
}

static void checks__mistakes__explained(void **state)
{
	static const struct { const char *hook, *json, *why; } cases[] = {
		{ "pre-commit", "{}", "must be a list" },
		{ "pre-commit", "[3]", "[0] must be a built-in" },
		{ "pre-commit", "[\"nope\"]", "not 'nope'" },
		{ "pre-push", "[\"conflict-markers\"]", "pre-commit pre-merge-commit only" },
		{ "pre-push", "[\"branch-name\"]", "[0].pattern" },
		{ "pre-push", "[{\"builtin\": \"branch-name\", \"pattern\": \"(\"}]", "extended regex" },
		{ "pre-commit", "[{\"run\": []}]", "[0].run" },
		{ "pre-commit", "[{\"run\": [\"a\"], \"max\": 3}]", "only large-files" },
		{ "pre-commit", "[{\"run\": [\"a\"], \"env\": {\"A\": 1}}]", "[0].env" },
		{ "pre-commit", "[{\"run\": [\"a\"]}, {\"run\": \"a b\"}]", "[1].name: must be unique" },
		{ "commit-msg", "[{\"run\": [\"a\"], \"pass_files\": true}]", "pass_files" },
		{ "pre-commit", "[{\"builtin\": \"large-files\", \"max\": \"1X\"}]", "[0].max" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hook_checks hc = HOOK_CHECKS_INIT;
		struct strbuf why = STRBUF_INIT;

		assert_int_equal(parse(cases[i].hook, cases[i].json, &hc, &why), -1);
		if (!strstr(why.buf, cases[i].why))
			fail_msg("%s: '%s' lacks '%s'", cases[i].json, why.buf, cases[i].why);
		assert_int_equal(hc.nr, 0);
		strbuf_release(&why);
	}
}

static void install__shim__names_the_hook(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	/* An absolute path that fits a #! line: bosun is the interpreter. */
	hooks_shim_text(&sb, "/opt/bosun/bin/bosun", "pre-push");
	assert_string_equal(sb.buf, "#!/opt/bosun/bin/bosun hook-shim\n" HOOK_SHIM_MARK "\n");
	strbuf_reset(&sb);
	/* Blanks cannot stand on a #! line: a shell shim, quoted. */
	hooks_shim_text(&sb, "/opt/it's here/bosun", "pre-push");
	assert_string_equal(sb.buf, "#!/bin/sh\n" HOOK_SHIM_MARK "\n"
			    "exec '/opt/it'\\''s here/bosun' hooks run pre-push \"$@\"\n");
	strbuf_reset(&sb);
	/* bosun from PATH: a shell shim. */
	hooks_shim_text(&sb, "bosun", "commit-msg");
	assert_string_equal(sb.buf, "#!/bin/sh\n" HOOK_SHIM_MARK "\n"
			    "exec bosun hooks run commit-msg \"$@\"\n");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(push__lines__parsed),
		cmocka_unit_test(push__bad_lines__rejected),
		cmocka_unit_test(checks__shapes__parsed_with_defaults),
		cmocka_unit_test(checks__mistakes__explained),
		cmocka_unit_test(install__shim__names_the_hook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
