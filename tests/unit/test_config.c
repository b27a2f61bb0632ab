/*
 * test_config.c - the configuration loader: defaults, every value type, every
 * error message with its exact position, layers, origins and environment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lib/config/config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The tables bosun loads (cmd/keys.c; cmd/common.h's print_error() would
 * clash with cmocka's). */
extern const struct config_key *const config_tables[];

static char tmpdir[] = "/tmp/bosun-test-config-XXXXXX";

static int group_setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	fs_remove_tree(tmpdir);
	return 0;
}

/* tmpdir/name, with text written to it when text is not NULL. */
static char *tmp_file(const char *name, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *f;

	strbuf_addf(&sb, "%s/%s", tmpdir, name);
	if (text) {
		f = fopen(sb.buf, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	return strbuf_detach(&sb, NULL);
}

static struct config *load_ok(const char *yaml)
{
	struct config *cfg = NULL;
	int r = config_load_from_string(&cfg, config_tables, "bosun.yml", yaml, strlen(yaml));

	if (r < 0)
		fail_msg("unexpected error: %s", error_message());
	return cfg;
}

/* Loading yaml fails with BOSUN_EDATA and exactly msg. */
static void load_fails(const char *yaml, const char *msg)
{
	struct config *cfg = NULL;
	int r = config_load_from_string(&cfg, config_tables, "bosun.yml", yaml, strlen(yaml));

	assert_int_equal(r, -BOSUN_EDATA);
	assert_null(cfg);
	assert_string_equal(error_message(), msg);
	assert_int_equal(error_exit_code(r), 65);
}

static struct config *load_env_ok(const char *const *envp)
{
	struct config *cfg = NULL;

	if (config_load_from(&cfg, config_tables, NULL, NULL, envp) < 0)
		fail_msg("unexpected error: %s", error_message());
	return cfg;
}

static void env_fails(const char *entry, const char *msg)
{
	const char *envp[] = { entry, NULL };
	struct config *cfg = NULL;

	assert_int_equal(config_load_from(&cfg, config_tables, NULL, NULL, envp), -BOSUN_EDATA);
	assert_null(cfg);
	assert_string_equal(error_message(), msg);
}

/* The value of key as compact JSON text, for comparisons. */
static void assert_json(const struct config *cfg, const char *key,
			const char *expected)
{
	char *text = json_dumps(config_get(cfg, key),
				JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(text);
	assert_string_equal(text, expected);
	free(text);
}

/* ---- defaults and the schema --------------------------------------------- */

static void config__defaults__every_key_is_set_from_default(void **state)
{
	struct config *cfg = NULL;
	const struct config_key *const *t;
	const struct config_key *k;

	assert_int_equal(config_load_from(&cfg, config_tables, NULL, NULL, NULL), 0);
	for (t = config_tables; *t; t++)
		for (k = *t; k->key; k++) {
			assert_non_null(config_get(cfg, k->key));
			assert_string_equal(config_origin(cfg, k->key), "default");
		}
	assert_string_equal(config_str(cfg, "release.tag"), "v{version}");
	assert_string_equal(config_str(cfg, "release.initial"), "0.1.0");
	assert_false(config_bool(cfg, "release.zero_major"));
	assert_true(config_bool(cfg, "release.push"));
	assert_int_equal(config_int(cfg, "commit.header_max"), 100);
	assert_true(json_is_null(config_get(cfg, "release.test")));
	assert_json(cfg, "release.channels",
		    "{\"alpha\":\"alpha\",\"beta\":\"beta\",\"rc\":\"next\"}");
	assert_string_equal(config_str(cfg, "changelog.other"), "");
	assert_string_equal(config_str(cfg, "log.level"), "info");
	config_free(cfg);
}

static int type_matches(enum config_type type, const json_t *v)
{
	switch (type) {
	case CFG_STRING: return json_is_string(v);
	case CFG_BOOL: return json_is_boolean(v);
	case CFG_INT: case CFG_DURATION: return json_is_integer(v);
	case CFG_STRLIST: case CFG_STEPS: case CFG_FILES: case CFG_SECTIONS:
		return json_is_array(v);
	case CFG_ARGV: return json_is_null(v) || json_is_array(v);
	case CFG_STRMAP: return json_is_object(v);
	case CFG_JSON: return v != NULL;
	}
	return 0;
}

/* Every key of the tables cmd/keys.c gathers: a default of its type, one
 * line of help, and a name no other key has, in this table or another. */
static void config__tables__defaults_parse_and_names_are_unique(void **state)
{
	struct config *cfg = load_ok("");
	const struct config_key *k, *j;
	size_t i, n;
	json_t *v;

	for (i = 0; (k = config_key_at(cfg, i)); i++) {
		v = json_loads(k->def, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		assert_true(type_matches(k->type, v));
		json_decref(v);
		assert_true(k->help && *k->help && !strchr(k->help, '\n'));
		for (n = 0; n < i; n++) {
			j = config_key_at(cfg, n);
			assert_string_not_equal(j->key, k->key);
		}
		assert_ptr_equal(config_key_find(cfg, k->key), k);
	}
	assert_true(i > 50);
	/* Other domains add their keys after the release engine's. */
	assert_string_equal(config_key_at(cfg, 0)->key, "release.tag");
	assert_string_equal(config_tables[0][0].key, "release.tag");
	config_free(cfg);
}

/* The module knows no key of its own but the ones it is given. */
static void config__tables__only_the_given_keys_exist(void **state)
{
	static const struct config_key mine[] = {
		{ "x.a", CFG_INT, "7", "a number" },
		{ "x.b.c", CFG_STRLIST, "[\"p\"]", "a list" },
		{ NULL, 0, NULL, NULL, NULL },
	};
	static const struct config_key *const tables[] = {
		mine, config_core_keys, NULL,
	};
	const char *yaml = "x:\n  b:\n    c: [q, r]\n";
	const char *envp[] = { "BOSUN_X_A=9", "BOSUN_RELEASE_TAG=x", NULL };
	struct config *cfg = NULL;
	size_t nr = 0;

	assert_int_equal(config_load_from_string(&cfg, tables, "t.yml", yaml,
						 strlen(yaml)), 0);
	assert_int_equal(config_int(cfg, "x.a"), 7);
	assert_int_equal(config_strlist(cfg, "x.b.c", &nr)[1][0], 'r');
	assert_int_equal(nr, 2);
	assert_string_equal(config_str(cfg, "log.level"), "info");
	assert_null(config_key_find(cfg, "release.tag"));
	assert_string_equal(config_key_at(cfg, 2)->key, "log.level");
	assert_null(config_key_at(cfg, 3));
	config_free(cfg);

	/* BOSUN_RELEASE_TAG names no key here: not ours to judge. */
	assert_int_equal(config_load_from(&cfg, tables, NULL, NULL, envp), 0);
	assert_int_equal(config_int(cfg, "x.a"), 9);
	assert_string_equal(config_origin(cfg, "x.a"), "env BOSUN_X_A");
	config_free(cfg);

	yaml = "release:\n  tag: v{version}\n";
	assert_int_equal(config_load_from_string(&cfg, tables, "t.yml", yaml,
						 strlen(yaml)), -BOSUN_EDATA);
	assert_string_equal(error_message(), "t.yml:1:1: unknown key 'release'");
	/* No tables: no keys, and an empty file is still fine. */
	assert_int_equal(config_load_from_string(&cfg, NULL, "t.yml", "", 0), 0);
	assert_null(config_key_at(cfg, 0));
	config_free(cfg);
}

static void config__strlist__default_strings_are_available(void **state)
{
	struct config *cfg = load_ok("");
	const char **types;
	size_t nr = 99;

	types = config_strlist(cfg, "commit.types", &nr);
	assert_int_equal(nr, 11);
	assert_string_equal(types[0], "feat");
	assert_string_equal(types[10], "revert");
	assert_null(types[11]);
	types = config_strlist(cfg, "commit.scopes", &nr);
	assert_int_equal(nr, 0);
	assert_null(config_strlist(cfg, "release.tag", &nr));
	assert_int_equal(nr, 0);
	config_free(cfg);
}

/* Whether reading key from cfg in a child process ends it with SIGABRT. */
static int get_aborts(const struct config *cfg, const char *key)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		/* The message on stderr is expected; keep the TAP clean. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		(void)config_get(cfg, key);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* A name users type is looked up with config_key_find(); a name in bosun's
 * own source that is no key is a bug, which debug builds stop at. */
static void config__get__unknown_key_is_a_bug(void **state)
{
	struct config *cfg = load_ok("");

	assert_null(config_key_find(cfg, "release.tga"));
	assert_null(config_key_find(cfg, "release"));
	assert_null(config_key_find(cfg, NULL));
	assert_null(config_key_find(NULL, "release.tag"));
	assert_non_null(config_key_find(cfg, "release.tag"));
	assert_false(get_aborts(cfg, "release.tag"));
#ifndef NDEBUG
	assert_true(get_aborts(cfg, "release.tga"));
	assert_true(get_aborts(cfg, "release"));
#else
	assert_null(config_get(cfg, "release.tga"));
	assert_null(config_str(cfg, "release"));
	assert_null(config_origin(cfg, "nope"));
	assert_int_equal(config_int(cfg, "nope"), 0);
	assert_false(config_bool(cfg, "nope"));
	{
		size_t nr = 9;

		assert_null(config_strlist(cfg, "no.such", &nr));
		assert_int_equal(nr, 0);
	}
#endif
	assert_null(config_get(NULL, "release.tag"));
	config_free(cfg);
	config_free(NULL);
}

static void config__empty__files_and_documents_are_defaults(void **state)
{
	static const char *const empties[] = {
		"", "\n\n", "# only a comment\n", "---\n", "---\n...\n", "~\n",
		"release:\n", "release:\n  # nothing yet\n",
	};
	struct config *cfg;
	size_t i;

	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		cfg = load_ok(empties[i]);
		assert_string_equal(config_origin(cfg, "release.tag"), "default");
		config_free(cfg);
	}
}

/* ---- each type ------------------------------------------------------------ */

static void config__string__nested_key_sets_value_and_origin(void **state)
{
	struct config *cfg = load_ok("# bosun\nrelease:\n  tag: \"r{version}\"\n"
				     "  remote: 123\n");

	assert_string_equal(config_str(cfg, "release.tag"), "r{version}");
	assert_string_equal(config_origin(cfg, "release.tag"), "bosun.yml:3:3");
	assert_string_equal(config_str(cfg, "release.remote"), "123");
	assert_string_equal(config_origin(cfg, "release.remote"), "bosun.yml:4:3");
	config_free(cfg);
}

static void config__string__dotted_key_is_accepted(void **state)
{
	struct config *cfg = load_ok("changelog.file: NEWS.md\n");

	assert_string_equal(config_str(cfg, "changelog.file"), "NEWS.md");
	assert_string_equal(config_origin(cfg, "changelog.file"), "bosun.yml:1:1");
	config_free(cfg);
}

static void config__string__wrong_types_are_errors(void **state)
{
	load_fails("release:\n  remote: [a, b]\n",
		   "bosun.yml:2:11: 'release.remote' must be a string, not a list");
	load_fails("release:\n  remote:\n",
		   "bosun.yml:2:3: 'release.remote' must be a string, not empty");
	load_fails("release:\n  remote: {a: b}\n",
		   "bosun.yml:2:11: 'release.remote' must be a string, not a mapping");
}

static void config__bool__accepts_true_and_false(void **state)
{
	struct config *cfg = load_ok("release:\n  zero_major: true\n  push: False\n");

	assert_true(config_bool(cfg, "release.zero_major"));
	assert_false(config_bool(cfg, "release.push"));
	config_free(cfg);
}

/* libfyaml places a quoted scalar just after its opening quote, and an alias
 * just after its '*'. */
static void config__bool__rejects_other_words(void **state)
{
	load_fails("release:\n  zero_major: maybe\n",
		   "bosun.yml:2:15: 'release.zero_major' must be a boolean "
		   "(true or false), not 'maybe'");
	load_fails("release:\n  push: \"true\"\n",
		   "bosun.yml:2:10: 'release.push' must be a boolean "
		   "(true or false), not 'true'");
	load_fails("release:\n  push: yes\n",
		   "bosun.yml:2:9: 'release.push' must be a boolean "
		   "(true or false), not 'yes'");
}

static void config__int__accepts_numbers_only(void **state)
{
	struct config *cfg = load_ok("commit:\n  header_max: 72\n");

	assert_int_equal(config_int(cfg, "commit.header_max"), 72);
	config_free(cfg);
	load_fails("commit:\n  header_max: 7x\n",
		   "bosun.yml:2:15: 'commit.header_max' must be an integer, not '7x'");
	load_fails("commit:\n  header_max: '72'\n",
		   "bosun.yml:2:16: 'commit.header_max' must be an integer, not '72'");
	load_fails("commit:\n  header_max: 99999999999999999999\n",
		   "bosun.yml:2:15: 'commit.header_max' must be an integer, "
		   "not '99999999999999999999'");
	load_fails("commit:\n  header_max: -1\n",
		   "bosun.yml:2:15: 'commit.header_max' must not be negative, not -1");
}

static void config__strlist__list_string_and_null(void **state)
{
	struct config *cfg = load_ok("release:\n  branches: [main, 'release/*']\n"
				     "  minor_types: feat\n  patch_types:\n"
				     "commit:\n  scopes:\n    - api\n    - cli\n");
	const char **l;
	size_t nr;

	l = config_strlist(cfg, "release.branches", &nr);
	assert_int_equal(nr, 2);
	assert_string_equal(l[1], "release/*");
	assert_json(cfg, "release.minor_types", "[\"feat\"]");
	assert_json(cfg, "release.patch_types", "[]");
	assert_json(cfg, "commit.scopes", "[\"api\",\"cli\"]");
	config_free(cfg);
}

static void config__strlist__bad_items_are_errors(void **state)
{
	load_fails("commit:\n  types:\n    - feat\n    - {a: b}\n",
		   "bosun.yml:4:7: 'commit.types[1]' must be a string, not a mapping");
	load_fails("commit:\n  types: {a: b}\n",
		   "bosun.yml:2:10: 'commit.types' must be a list of strings, "
		   "not a mapping");
	load_fails("commit:\n  skip: [merge, ~]\n",
		   "bosun.yml:2:17: 'commit.skip[1]' must be a string, not null");
}

static void config__argv__string_list_and_null(void **state)
{
	struct config *cfg = load_ok("release:\n  test: make check && make lint\n");

	assert_json(cfg, "release.test",
		    "[\"sh\",\"-c\",\"make check && make lint\"]");
	config_free(cfg);
	cfg = load_ok("release:\n  test: [make, -j4, check]\n");
	assert_json(cfg, "release.test", "[\"make\",\"-j4\",\"check\"]");
	config_free(cfg);
	cfg = load_ok("release:\n  test: null\n");
	assert_true(json_is_null(config_get(cfg, "release.test")));
	config_free(cfg);
	cfg = load_ok("release:\n  test: []\n");
	assert_true(json_is_null(config_get(cfg, "release.test")));
	config_free(cfg);
	load_fails("release:\n  test: {run: make}\n",
		   "bosun.yml:2:9: 'release.test' must be a command "
		   "(a string or a list of strings), not a mapping");
	load_fails("release:\n  test: [make, [a]]\n",
		   "bosun.yml:2:16: 'release.test[1]' must be a string, not a list");
}

static void config__strmap__merges_over_default(void **state)
{
	struct config *cfg = load_ok("release:\n  channels:\n    beta: b2\n"
				     "    next: 3\n");

	assert_json(cfg, "release.channels",
		    "{\"alpha\":\"alpha\",\"beta\":\"b2\",\"rc\":\"next\","
		    "\"next\":\"3\"}");
	config_free(cfg);
	load_fails("release:\n  channels: [a]\n",
		   "bosun.yml:2:13: 'release.channels' must be a mapping of names "
		   "to strings, not a list");
	load_fails("release:\n  channels:\n    beta: [x]\n",
		   "bosun.yml:3:11: 'release.channels.beta' must be a string, "
		   "not a list");
	load_fails("release:\n  channels:\n    beta: a\n    beta: b\n",
		   "bosun.yml:4:5: duplicate key 'beta' in 'release.channels'");
}

static void config__steps__are_normalised(void **state)
{
	struct config *cfg = load_ok(
		"release:\n"
		"  publish:\n"
		"    - npm publish --tag {channel}\n"
		"    - name: upload\n"
		"      run: [gh, release, upload]\n"
		"      env:\n"
		"        GH_REPO: me/bosun\n"
		"      timeout: 90s\n"
		"      dir: dist\n"
		"    - run: [make, dist]\n"
		"      timeout: 30\n"
		"    - run: x\n"
		"      timeout: 1h30m\n"
		"    - run: x\n"
		"      timeout: 10m\n");

	assert_json(cfg, "release.publish",
		"[{\"run\":[\"sh\",\"-c\",\"npm publish --tag {channel}\"],"
		"\"name\":\"npm publish --tag {channel}\",\"env\":{},"
		"\"timeout\":600000,\"dir\":null},"
		"{\"name\":\"upload\",\"run\":[\"gh\",\"release\",\"upload\"],"
		"\"env\":{\"GH_REPO\":\"me/bosun\"},\"timeout\":90000,"
		"\"dir\":\"dist\"},"
		"{\"run\":[\"make\",\"dist\"],\"timeout\":30000,"
		"\"name\":\"make dist\",\"env\":{},\"dir\":null},"
		"{\"run\":[\"sh\",\"-c\",\"x\"],\"timeout\":5400000,"
		"\"name\":\"x\",\"env\":{},\"dir\":null},"
		"{\"run\":[\"sh\",\"-c\",\"x\"],\"timeout\":600000,"
		"\"name\":\"x\",\"env\":{},\"dir\":null}]");
	assert_json(cfg, "release.build", "[]");
	config_free(cfg);
}

static void config__steps__mistakes_are_errors(void **state)
{
	load_fails("release:\n  build:\n    - name: x\n",
		   "bosun.yml:3:7: 'release.build[0]' needs a 'run'");
	load_fails("release:\n  build:\n    - run: make\n      tmeout: 5\n",
		   "bosun.yml:4:7: unknown key 'tmeout' in 'release.build[0]' "
		   "(did you mean 'timeout'?)");
	load_fails("release:\n  build:\n    - run: make\n      colour: red\n",
		   "bosun.yml:4:7: unknown key 'colour' in 'release.build[0]'");
	load_fails("release:\n  build:\n    - run: []\n",
		   "bosun.yml:3:12: 'release.build[0].run' must not be empty");
	load_fails("release:\n  build:\n    - run: ''\n",
		   "bosun.yml:3:13: 'release.build[0].run' must not be empty");
	load_fails("release:\n  build:\n    - run: make\n      timeout: soon\n",
		   "bosun.yml:4:16: 'release.build[0].timeout' must be a duration "
		   "(seconds, or like 90s, 10m, 1h), not 'soon'");
	load_fails("release:\n  build:\n    - run: make\n      env: [A]\n",
		   "bosun.yml:4:12: 'release.build[0].env' must be a mapping of "
		   "names to strings, not a list");
	load_fails("release:\n  build:\n    - run: make\n      run: make\n",
		   "bosun.yml:4:7: duplicate key 'run' in 'release.build[0]'");
	load_fails("release:\n  build: make\n",
		   "bosun.yml:2:10: 'release.build' must be a list of steps, "
		   "not 'make'");
	load_fails("release:\n  build:\n    - [make]\n",
		   "bosun.yml:3:7: 'release.build[0]' must be a step (a command, "
		   "or a mapping with 'run'), not a list");
}

static void config__files__patterns_are_checked(void **state)
{
	struct config *cfg = load_ok(
		"release:\n  files:\n"
		"    - path: package.json\n"
		"      pattern: '\"version\": \"([^\"]+)\"'\n");

	assert_json(cfg, "release.files",
		    "[{\"path\":\"package.json\","
		    "\"pattern\":\"\\\"version\\\": \\\"([^\\\"]+)\\\"\"}]");
	config_free(cfg);
	cfg = load_ok("release:\n  files:\n"
		      "    - path: a\n"
		      "      pattern: '^version = \"([0-9]+\\.[0-9]+\\.[0-9]+"
		      "(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?)\"'\n"
		      "    - path: b\n"
		      "      pattern: '(VERSION|version)[[:space:]]*[:=][]()[:space:]]{1,3}"
		      "([[:digit:].]+)'\n");
	config_free(cfg);
	load_fails("release:\n  files:\n    - path: a\n      pattern: 'v[0-9'\n",
		   "bosun.yml:4:17: 'release.files[0].pattern' is not a valid "
		   "regular expression: Unmatched [, [^, [:, [., or [=");
	load_fails("release:\n  files:\n    - path: a\n      pattern: version\n",
		   "bosun.yml:4:16: 'release.files[0].pattern' must have a group, "
		   "'(...)', around the version");
	load_fails("release:\n  files:\n    - path: a\n",
		   "bosun.yml:3:7: 'release.files[0]' needs a 'pattern'");
	load_fails("release:\n  files:\n    - path: a\n      pattern: '((a{999}){999})'\n",
		   "bosun.yml:4:17: 'release.files[0].pattern' is too complex "
		   "a regular expression");
	/* glibc copies the subexpression for each '+': 2^20 copies. */
	load_fails("release:\n  files:\n    - path: a\n"
		   "      pattern: v++++++++++++++++++++(x)\n",
		   "bosun.yml:4:16: 'release.files[0].pattern' is too complex "
		   "a regular expression");
	/* Found by the fuzzer: seconds, or minutes, in regcomp(). */
	load_fails("release:\n  files:\n    - path: a\n"
		   "      pattern: \"\\\"+++'+++*++++++++++[^\\\"]+)\\\"\"\n",
		   "bosun.yml:4:17: 'release.files[0].pattern' is too complex "
		   "a regular expression");
	load_fails("release:\n  files:\n    - path: a\n"
		   "      pattern: ((a?)?b?){31,}(x)\n",
		   "bosun.yml:4:16: 'release.files[0].pattern' is too complex "
		   "a regular expression");
	load_fails("release:\n  files:\n    - path: a\n"
		   "      pattern: (x)a{300}\n",
		   "bosun.yml:4:16: 'release.files[0].pattern' is too complex "
		   "a regular expression");
	load_fails("release:\n  files:\n    - path: a\n      patern: x\n",
		   "bosun.yml:4:7: unknown key 'patern' in 'release.files[0]' "
		   "(did you mean 'pattern'?)");
}

static void config__sections__list_and_mapping_forms(void **state)
{
	struct config *cfg = load_ok(
		"changelog:\n  sections:\n"
		"    - type: feat\n      title: New\n"
		"    - {type: fix, title: Fixed}\n");

	assert_json(cfg, "changelog.sections",
		    "[{\"type\":\"feat\",\"title\":\"New\"},"
		    "{\"type\":\"fix\",\"title\":\"Fixed\"}]");
	config_free(cfg);
	cfg = load_ok("changelog:\n  sections:\n    perf: Speed\n    feat: New\n");
	assert_json(cfg, "changelog.sections",
		    "[{\"type\":\"perf\",\"title\":\"Speed\"},"
		    "{\"type\":\"feat\",\"title\":\"New\"}]");
	config_free(cfg);
	load_fails("changelog:\n  sections:\n    - type: feat\n",
		   "bosun.yml:3:7: 'changelog.sections[0]' needs a 'title'");
	load_fails("changelog:\n  sections: Features\n",
		   "bosun.yml:2:13: 'changelog.sections' must be a list of "
		   "{type, title}, or a mapping of type to title, not 'Features'");
}

static void config__checks__version_level_and_tag(void **state)
{
	struct config *cfg = load_ok("release:\n  initial: 1.0.0-rc.1+b.5\n");

	assert_string_equal(config_str(cfg, "release.initial"), "1.0.0-rc.1+b.5");
	config_free(cfg);
	load_fails("release:\n  initial: 1.x\n",
		   "bosun.yml:2:12: 'release.initial' must be a version like "
		   "1.2.3, not '1.x'");
	load_fails("release:\n  initial: 01.2.3\n",
		   "bosun.yml:2:12: 'release.initial' must be a version like "
		   "1.2.3, not '01.2.3'");
	load_fails("release:\n  initial: 1.2.3-\n",
		   "bosun.yml:2:12: 'release.initial' must be a version like "
		   "1.2.3, not '1.2.3-'");
	load_fails("log:\n  level: loud\n",
		   "bosun.yml:2:10: 'log.level' must be one of debug, info, warn "
		   "or error, not 'loud'");
	load_fails("release:\n  tag: v1\n",
		   "bosun.yml:2:8: 'release.tag' must contain '{version}', not 'v1'");
}

/* ---- structural errors ---------------------------------------------------- */

static void config__unknown_key__suggests_the_closest(void **state)
{
	load_fails("release:\n  tga: x\n",
		   "bosun.yml:2:3: unknown key 'release.tga' "
		   "(did you mean 'release.tag'?)");
	load_fails("relase:\n  tag: x\n",
		   "bosun.yml:1:1: unknown key 'relase' (did you mean 'release'?)");
	load_fails("log:\n  level: info\n\nchangelog:\n    fil: x\n",
		   "bosun.yml:5:5: unknown key 'changelog.fil' "
		   "(did you mean 'changelog.file'?)");
	load_fails("zzzzzzzz: 1\n", "bosun.yml:1:1: unknown key 'zzzzzzzz'");
	load_fails("release:\n  tag:\n    format: x\n",
		   "bosun.yml:3:5: 'release.tag' must be a string, not a mapping");
}

static void config__structure__sections_and_top_level(void **state)
{
	load_fails("release: 5\n",
		   "bosun.yml:1:10: 'release' must be a mapping, not '5'");
	load_fails("- a\n- b\n",
		   "bosun.yml:1:1: the top level must be a mapping, not a list");
	load_fails("just text\n",
		   "bosun.yml:1:1: the top level must be a mapping, not 'just text'");
	load_fails("release:\n  tag: a{version}\n  tag: b{version}\n",
		   "bosun.yml:3:3: duplicate key 'release.tag'");
	load_fails("release.tag: a{version}\nrelease:\n  tag: b{version}\n",
		   "bosun.yml:3:3: duplicate key 'release.tag'");
	load_fails("release:\n  remote: &r origin\n  tag: *r\n",
		   "bosun.yml:3:9: aliases (*name) are not supported");
	load_fails("log:\n  level: info\n---\nlog:\n  level: warn\n",
		   "bosun.yml:3:1: only one YAML document is allowed");
	load_fails("? [a]\n: b\n",
		   "bosun.yml:1:3: keys must be strings, not a list");
	load_fails("commit:\n  types: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		   "[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		   "]]]]]]]]]]\n",
		   "bosun.yml:2:72: nested more than 64 levels deep");
	load_fails("release:\n  remote: \"a\\0b\"\n",
		   "bosun.yml:2:12: NUL characters are not allowed");
}

static void config__syntax__error_has_position(void **state)
{
	load_fails("release:\n  tag: [a, b\n",
		   "bosun.yml:3:1: flow sequence without a closing bracket");
	load_fails("release:\n  tag: a: b\n",
		   "bosun.yml:2:9: invalid nested block mapping on the same line");
	load_fails("release:\n  tag: 'x\n",
		   "bosun.yml:2:9: single-quoted scalar without closing quote");
}

/* libfyaml 0.7.12 loops forever on "%\xff"; the text is checked first. */
static void config__syntax__bytes_that_are_not_text(void **state)
{
	static const char nul[] = "a:\n  b\0: 1\n";
	struct config *cfg = NULL;

	load_fails("%\xff", "bosun.yml:1:2: not valid UTF-8");
	load_fails("log:\n  level: inf\xc3\n", "bosun.yml:2:13: not valid UTF-8");
	load_fails("log:\n  level: \xed\xa0\x80\n", "bosun.yml:2:10: not valid UTF-8");
	assert_int_equal(config_load_from_string(&cfg, config_tables, "bosun.yml", nul,
						 sizeof(nul) - 1), -BOSUN_EDATA);
	assert_string_equal(error_message(),
			    "bosun.yml:2:4: NUL characters are not allowed");
	/* A byte order mark, accents and an emoji are all fine. */
	cfg = load_ok("\xef\xbb\xbf" "changelog:\n"
		      "  other: \"Autres \xc3\xa9l\xc3\xa9ments \xf0\x9f\x9a\x80\"\n");
	assert_string_equal(config_str(cfg, "changelog.other"),
			    "Autres \xc3\xa9l\xc3\xa9ments \xf0\x9f\x9a\x80");
	config_free(cfg);
}

/* libfyaml 0.7 reads 'x''''y' as "x'''" (and leaks); config.c works round it. */
static void config__quotes__runs_of_escaped_quotes_are_read_right(void **state)
{
	struct config *cfg = load_ok("changelog:\n"
				     "  other: 'x''''y'\n"
				     "  file: 'a''b''''''c'''''\n"
				     "  repo_url: '''it''s'''\n");

	assert_string_equal(config_str(cfg, "changelog.other"), "x''y");
	assert_string_equal(config_str(cfg, "changelog.file"), "a'b'''c''");
	assert_string_equal(config_str(cfg, "changelog.repo_url"), "'it's'");
	config_free(cfg);
	load_fails("changelog:\n  other: 'a''''\n    b'\n",
		   "bosun.yml:2:11: a single-quoted string with '''' must be on "
		   "one line (or use double quotes)");
}

/* Runs fn with fd 2 sent to a file; returns how many bytes were written. */
static off_t stderr_bytes_during(void (*fn)(void))
{
	char *path = tmp_file("stderr.txt", NULL);
	struct stat st;
	int saved, fd;

	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(stat(path, &st), 0);
	free(path);
	return st.st_size;
}

static void load_broken_inputs(void)
{
	static const char *const broken[] = {
		"a: [1, 2\n", "a: b: c\n", "a: 'x\n", "\t- x\n", "a: {\n",
		"%YAML 9.9\n--- x\n", "a: !<!> x\n", "? |\n x\n: - y\n  z: 1\n",
		"a:\n  - b\n c: d\n", "&a [*a]\n", "key: \"\\xZZ\"\n", "%\xff",
	};
	struct config *cfg = NULL;
	char *path = tmp_file("broken.yml", broken[0]);
	size_t i;

	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		if (config_load_from_string(&cfg, config_tables, "x.yml", broken[i],
					    strlen(broken[i])) >= 0)
			config_free(cfg);
		cfg = NULL;
	}
	assert_int_equal(config_load_from(&cfg, config_tables, NULL, path, NULL), -BOSUN_EDATA);
	free(path);
}

static void config__syntax__libfyaml_writes_nothing_to_stderr(void **state)
{
	assert_int_equal(stderr_bytes_during(load_broken_inputs), 0);
}

/* ---- layers, files and the environment ----------------------------------- */

static void config__layers__repo_over_user_with_origins(void **state)
{
	char *user = tmp_file("user.yml",
		"release:\n  tag: u{version}\n  remote: upstream\n"
		"  channels:\n    beta: ub\n    dev: udev\n");
	char *repo = tmp_file("repo.yml",
		"release:\n  channels:\n    beta: rb\n  tag: r{version}\n");
	struct strbuf origin = STRBUF_INIT;
	struct config *cfg = NULL;

	assert_int_equal(config_load_from(&cfg, config_tables, user, repo, NULL), 0);
	assert_string_equal(config_str(cfg, "release.tag"), "r{version}");
	strbuf_addf(&origin, "%s:4:3", repo);
	assert_string_equal(config_origin(cfg, "release.tag"), origin.buf);
	assert_string_equal(config_str(cfg, "release.remote"), "upstream");
	strbuf_reset(&origin);
	strbuf_addf(&origin, "%s:3:3", user);
	assert_string_equal(config_origin(cfg, "release.remote"), origin.buf);
	assert_json(cfg, "release.channels",
		    "{\"alpha\":\"alpha\",\"beta\":\"rb\",\"rc\":\"next\","
		    "\"dev\":\"udev\"}");
	strbuf_reset(&origin);
	strbuf_addf(&origin, "%s:2:3", repo);
	assert_string_equal(config_origin(cfg, "release.channels"), origin.buf);
	assert_string_equal(config_origin(cfg, "release.push"), "default");
	config_free(cfg);
	strbuf_release(&origin);
	free(user);
	free(repo);
}

static void config__layers__errors_name_their_file(void **state)
{
	char *user = tmp_file("user-bad.yml", "release:\n  push: sometimes\n");
	char *missing = tmp_file("missing.yml", NULL);
	struct strbuf msg = STRBUF_INIT;
	struct config *cfg = NULL;

	assert_int_equal(config_load_from(&cfg, config_tables, user, missing, NULL), -BOSUN_EDATA);
	strbuf_addf(&msg, "%s:2:9: 'release.push' must be a boolean "
		    "(true or false), not 'sometimes'", user);
	assert_string_equal(error_message(), msg.buf);
	/* Missing files are empty layers. */
	assert_int_equal(config_load_from(&cfg, config_tables, missing, missing, NULL), 0);
	config_free(cfg);
	strbuf_release(&msg);
	free(user);
	free(missing);
}

static void config__load__finds_user_and_repo_files(void **state)
{
	char *home = tmp_file("home", NULL);
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
	struct config *cfg = NULL;

	strbuf_addf(&dir, "%s/config/bosun", home);
	assert_int_equal(fs_mkdir_p(dir.buf), 0);
	strbuf_addf(&path, "%s/config.yml", dir.buf);
	free(tmp_file("home/config/bosun/config.yml", "log:\n  level: debug\n"));
	free(tmp_file("bosun.yml", "\nrelease:\n  remote: fork\n"));
	setenv("BOSUN_HOME", home, 1);
	unsetenv("BOSUN_LOG_LEVEL");
	unsetenv("BOSUN_RELEASE_REMOTE");

	assert_int_equal(config_load(&cfg, config_tables, tmpdir), 0);
	assert_string_equal(config_str(cfg, "release.remote"), "fork");
	assert_string_equal(config_origin(cfg, "release.remote"), "bosun.yml:3:3");
	assert_string_equal(config_str(cfg, "log.level"), "debug");
	strbuf_addstr(&path, ":2:3");
	assert_string_equal(config_origin(cfg, "log.level"), path.buf);
	config_free(cfg);

	/* Outside a repository: the user file only. */
	assert_int_equal(config_load(&cfg, config_tables, NULL), 0);
	assert_string_equal(config_str(cfg, "release.remote"), "origin");
	config_free(cfg);
	unsetenv("BOSUN_HOME");
	strbuf_release(&dir);
	strbuf_release(&path);
	free(home);
}

/* With no BOSUN_HOME the user file is under XDG_CONFIG_HOME or ~/.config, and
 * its origin is written the way people write it. */
static void config__load__user_file_origin_uses_tilde(void **state)
{
	char *home = tmp_file("tilde", NULL);
	struct strbuf dir = STRBUF_INIT;
	const char *old_home = getenv("HOME");
	char *saved = old_home ? strdup(old_home) : NULL;
	struct config *cfg = NULL;

	strbuf_addf(&dir, "%s/.config/bosun", home);
	assert_int_equal(fs_mkdir_p(dir.buf), 0);
	free(tmp_file("tilde/.config/bosun/config.yml", "log:\n  level: warn\n"));
	unsetenv("BOSUN_HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("BOSUN_LOG_LEVEL");
	setenv("HOME", home, 1);
	assert_int_equal(config_load(&cfg, config_tables, NULL), 0);
	assert_string_equal(config_str(cfg, "log.level"), "warn");
	assert_string_equal(config_origin(cfg, "log.level"),
			    "~/.config/bosun/config.yml:2:3");
	config_free(cfg);
	if (saved)
		setenv("HOME", saved, 1);
	free(saved);
	strbuf_release(&dir);
	free(home);
}

static void config__env__overrides_every_simple_type(void **state)
{
	const char *envp[] = {
		"BOSUN_RELEASE_TAG=r{version}",
		"BOSUN_COMMIT_HEADER_MAX=72",
		"BOSUN_RELEASE_PUSH=no",
		"BOSUN_RELEASE_ZERO_MAJOR=YES",
		"BOSUN_RELEASE_BRANCHES= main, dev ,,",
		"BOSUN_COMMIT_SCOPES=",
		"BOSUN_RELEASE_CHANNELS=beta=b,dev = d",
		"BOSUN_RELEASE_TEST=make check",
		"BOSUN_HOME=/nowhere", "BOSUN_SKIP=1", "BOSUN_LOG=debug",
		"BOSUN_=x", "BOSUN_RELEASE=x", "BOSUN_RELEASE_TAG_=x",
		"PATH=/bin", "NOEQUALS",
		NULL,
	};
	struct config *cfg = load_env_ok(envp);

	assert_string_equal(config_str(cfg, "release.tag"), "r{version}");
	assert_string_equal(config_origin(cfg, "release.tag"),
			    "env BOSUN_RELEASE_TAG");
	assert_int_equal(config_int(cfg, "commit.header_max"), 72);
	assert_false(config_bool(cfg, "release.push"));
	assert_true(config_bool(cfg, "release.zero_major"));
	assert_json(cfg, "release.branches", "[\"main\",\"dev\"]");
	assert_json(cfg, "commit.scopes", "[]");
	assert_json(cfg, "release.channels",
		    "{\"alpha\":\"alpha\",\"beta\":\"b\",\"rc\":\"next\","
		    "\"dev\":\"d\"}");
	assert_json(cfg, "release.test", "[\"sh\",\"-c\",\"make check\"]");
	assert_string_equal(config_origin(cfg, "log.level"), "default");
	config_free(cfg);
}

static void config__env__structured_values_are_yaml(void **state)
{
	const char *envp[] = {
		"BOSUN_RELEASE_PUBLISH=[{\"run\": \"make publish\", \"timeout\": \"2m\"}]",
		"BOSUN_CHANGELOG_SECTIONS={feat: New}",
		"BOSUN_RELEASE_FILES=",
		NULL,
	};
	struct config *cfg = load_env_ok(envp);

	assert_json(cfg, "release.publish",
		    "[{\"run\":[\"sh\",\"-c\",\"make publish\"],\"timeout\":120000,"
		    "\"name\":\"make publish\",\"env\":{},\"dir\":null}]");
	assert_json(cfg, "changelog.sections",
		    "[{\"type\":\"feat\",\"title\":\"New\"}]");
	assert_json(cfg, "release.files", "[]");
	config_free(cfg);
}

static void config__env__overrides_the_files(void **state)
{
	char *repo = tmp_file("repo-env.yml", "release:\n  push: true\n");
	const char *envp[] = { "BOSUN_RELEASE_PUSH=0", NULL };
	struct config *cfg = NULL;

	assert_int_equal(config_load_from(&cfg, config_tables, NULL, repo, envp), 0);
	assert_false(config_bool(cfg, "release.push"));
	assert_string_equal(config_origin(cfg, "release.push"),
			    "env BOSUN_RELEASE_PUSH");
	config_free(cfg);
	free(repo);
}

static void config__env__bad_values_are_errors(void **state)
{
	env_fails("BOSUN_RELEASE_PUSH=x",
		  "BOSUN_RELEASE_PUSH: must be a boolean, not 'x'");
	env_fails("BOSUN_COMMIT_HEADER_MAX=lots",
		  "BOSUN_COMMIT_HEADER_MAX: must be an integer, not 'lots'");
	env_fails("BOSUN_COMMIT_HEADER_MAX=-5",
		  "BOSUN_COMMIT_HEADER_MAX: must not be negative, not -5");
	env_fails("BOSUN_RELEASE_INITIAL=1.x",
		  "BOSUN_RELEASE_INITIAL: must be a version like 1.2.3, not '1.x'");
	env_fails("BOSUN_LOG_LEVEL=loud",
		  "BOSUN_LOG_LEVEL: must be one of debug, info, warn or error, "
		  "not 'loud'");
	env_fails("BOSUN_RELEASE_CHANNELS=beta",
		  "BOSUN_RELEASE_CHANNELS: 'beta' is not NAME=VALUE");
	env_fails("BOSUN_RELEASE_PUBLISH=[{name: x}]",
		  "BOSUN_RELEASE_PUBLISH: 'release.publish[0]' needs a 'run'");
	env_fails("BOSUN_RELEASE_BUILD=[a",
		  "BOSUN_RELEASE_BUILD: flow sequence without a closing bracket");
	env_fails("BOSUN_RELEASE_TAG=\xff",
		  "BOSUN_RELEASE_TAG: is not valid UTF-8");
}

/* ---- output ---------------------------------------------------------------- */

/* In the order of the tables, and of the keys in each. */
static void config__dump__lists_every_key_in_table_order(void **state)
{
	struct config *cfg = load_ok("release:\n  remote: fork\n");
	json_t *dump = config_dump(cfg), *v;
	const struct config_key *const *t;
	const struct config_key *k;
	const char *key;
	size_t i = 0;

	for (t = config_tables; *t; t++)
		for (k = *t; k->key; k++)
			assert_ptr_equal(config_key_at(cfg, i++), k);
	assert_int_equal(json_object_size(dump), i);
	i = 0;
	json_object_foreach(dump, key, v) {
		assert_string_equal(key, config_key_at(cfg, i)->key);
		assert_non_null(json_object_get(v, "value"));
		assert_non_null(json_object_get(v, "origin"));
		i++;
	}
	v = json_object_get(dump, "release.remote");
	assert_string_equal(json_string_value(json_object_get(v, "value")), "fork");
	assert_string_equal(json_string_value(json_object_get(v, "origin")),
			    "bosun.yml:2:3");
	json_decref(dump);
	config_free(cfg);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The commit hook loads the configuration; with no files it must be cheap. */
static void config__speed__load_without_files_is_fast(void **state)
{
	char *missing = tmp_file("nothing.yml", NULL);
	struct config *cfg;
	double start = now(), each;
	int i;

	for (i = 0; i < 200; i++) {
		assert_int_equal(config_load_from(&cfg, config_tables, missing, missing, NULL), 0);
		config_free(cfg);
	}
	each = (now() - start) / 200;
	/* Well under a millisecond; generous enough for sanitizer builds. */
	assert_true(each < 0.001);
	free(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config__defaults__every_key_is_set_from_default),
		cmocka_unit_test(config__tables__defaults_parse_and_names_are_unique),
		cmocka_unit_test(config__tables__only_the_given_keys_exist),
		cmocka_unit_test(config__strlist__default_strings_are_available),
		cmocka_unit_test(config__get__unknown_key_is_a_bug),
		cmocka_unit_test(config__empty__files_and_documents_are_defaults),
		cmocka_unit_test(config__string__nested_key_sets_value_and_origin),
		cmocka_unit_test(config__string__dotted_key_is_accepted),
		cmocka_unit_test(config__string__wrong_types_are_errors),
		cmocka_unit_test(config__bool__accepts_true_and_false),
		cmocka_unit_test(config__bool__rejects_other_words),
		cmocka_unit_test(config__int__accepts_numbers_only),
		cmocka_unit_test(config__strlist__list_string_and_null),
		cmocka_unit_test(config__strlist__bad_items_are_errors),
		cmocka_unit_test(config__argv__string_list_and_null),
		cmocka_unit_test(config__strmap__merges_over_default),
		cmocka_unit_test(config__steps__are_normalised),
		cmocka_unit_test(config__steps__mistakes_are_errors),
		cmocka_unit_test(config__files__patterns_are_checked),
		cmocka_unit_test(config__sections__list_and_mapping_forms),
		cmocka_unit_test(config__checks__version_level_and_tag),
		cmocka_unit_test(config__unknown_key__suggests_the_closest),
		cmocka_unit_test(config__structure__sections_and_top_level),
		cmocka_unit_test(config__syntax__error_has_position),
		cmocka_unit_test(config__syntax__bytes_that_are_not_text),
		cmocka_unit_test(config__quotes__runs_of_escaped_quotes_are_read_right),
		cmocka_unit_test(config__syntax__libfyaml_writes_nothing_to_stderr),
		cmocka_unit_test(config__layers__repo_over_user_with_origins),
		cmocka_unit_test(config__layers__errors_name_their_file),
		cmocka_unit_test(config__load__finds_user_and_repo_files),
		cmocka_unit_test(config__load__user_file_origin_uses_tilde),
		cmocka_unit_test(config__env__overrides_every_simple_type),
		cmocka_unit_test(config__env__structured_values_are_yaml),
		cmocka_unit_test(config__env__overrides_the_files),
		cmocka_unit_test(config__env__bad_values_are_errors),
		cmocka_unit_test(config__dump__lists_every_key_in_table_order),
		cmocka_unit_test(config__speed__load_without_files_is_fast),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
