/* Unit tests for lib/release/manifest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lib/release/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

static int make_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/bosun-manifest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sb.buf))
		return -1;
	*state = strbuf_detach(&sb, NULL);
	return 0;
}

static int remove_dir(void **state)
{
	fs_remove_tree(*state);
	free(*state);
	return 0;
}

static void path_in(struct strbuf *sb, const char *dir, const char *name)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s/%s", dir, name);
}

static void put(const char *dir, const char *name, const char *content)
{
	struct strbuf p = STRBUF_INIT;
	FILE *f;

	path_in(&p, dir, name);
	f = fopen(p.buf, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
	assert_int_equal(fclose(f), 0);
	strbuf_release(&p);
}

/* Assert that dir/name holds exactly want (NULL: does not exist). */
static void expect_file(const char *dir, const char *name, const char *want)
{
	struct strbuf p = STRBUF_INIT, got = STRBUF_INIT;
	int r;

	path_in(&p, dir, name);
	r = fs_read_file(&got, p.buf, 0);
	if (!want) {
		assert_int_equal(r, -BOSUN_ENOTFOUND);
	} else {
		if (r < 0)
			fail_msg("cannot read %s: %s", name, error_message());
		assert_int_equal(got.len, strlen(want));
		assert_memory_equal(got.buf, want, got.len);
	}
	strbuf_release(&got);
	strbuf_release(&p);
}

static void expect_error(int r, int kind, const char *msg)
{
	assert_int_equal(r, -kind);
	assert_string_equal(error_message(), msg);
}

static void expect_error_has(int r, int kind, const char *part)
{
	assert_int_equal(r, -kind);
	if (!strstr(error_message(), part))
		fail_msg("'%s' is not in '%s'", part, error_message());
}

static int discover(struct manifest_set *ms, const char *dir, const char *extra)
{
	json_t *files = extra ? json_loads(extra, JSON_DECODE_ANY, NULL) : NULL;
	int r;

	if (extra)
		assert_non_null(files);
	r = manifest_discover(ms, dir, files);
	json_decref(files);
	return r;
}

/* Write one file, read it, set version, write it back, compare. */
static void roundtrip(const char *dir, const char *name, const char *before,
		      const char *old_version, const char *new_version,
		      const char *after)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put(dir, name, before);
	if (discover(&ms, dir, NULL) < 0)
		fail_msg("%s: %s", name, error_message());
	assert_int_equal(ms.nr, 1);
	assert_string_equal(ms.items[0].path, name);
	assert_string_equal(ms.items[0].version, old_version);
	assert_int_equal(manifest_set_version(&ms, new_version), 0);
	assert_true(ms.items[0].changed);
	assert_string_equal(ms.items[0].version, new_version);
	if (manifest_write(&ms) < 0)
		fail_msg("%s: %s", name, error_message());
	expect_file(dir, name, after);
	manifest_set_release(&ms);
}

/* Parse content in memory as kind. */
static int parse_mem(struct manifest *m, enum manifest_kind kind,
		     const char *content, const char *pattern)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	strbuf_init(&m->content, 0);
	strbuf_init(&m->original, 0);
	strbuf_addstr(&m->content, content);
	strbuf_addstr(&m->original, content);
	return manifest_parse(m, pattern);
}

static void release_mem(struct manifest *m)
{
	free(m->spans);
	free(m->version);
	free(m->path);
	strbuf_release(&m->content);
	strbuf_release(&m->original);
}

static void expect_span(const struct manifest *m, size_t i, int line, int col,
			const char *text)
{
	assert_true(i < m->nr_spans);
	assert_int_equal(m->spans[i].line, line);
	assert_int_equal(m->spans[i].col, col);
	assert_int_equal(m->spans[i].len, strlen(text));
	assert_memory_equal(m->content.buf + m->spans[i].off, text, strlen(text));
}

/* ---- VERSION ---- */

static void manifest__version_file_bom_crlf__byte_exact(void **state)
{
	roundtrip(*state, "VERSION", "\xef\xbb\xbf  1.2.3 \t\r\nsecond line\r\n",
		  "1.2.3", "1.10.0",
		  "\xef\xbb\xbf  1.10.0 \t\r\nsecond line\r\n");
}

static void manifest__version_file_no_newline__byte_exact(void **state)
{
	roundtrip(*state, "VERSION", "0.9.0", "0.9.0", "1.0.0-rc.1", "1.0.0-rc.1");
}

static void manifest__version_file_span__line_and_col(void **state)
{
	struct manifest m;

	assert_int_equal(parse_mem(&m, MANIFEST_VERSION_FILE,
				   "\xef\xbb\xbf\t 2.0.0\n", NULL), 0);
	assert_int_equal(m.nr_spans, 1);
	expect_span(&m, 0, 1, 3, "2.0.0");
	release_mem(&m);
}

static void manifest__version_file_empty__fails(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put(*state, "VERSION", "  \n1.0.0\n");
	expect_error(discover(&ms, *state, NULL), BOSUN_EDATA,
		     "VERSION:1:3: no version on the first line");
	assert_int_equal(ms.nr, 0);
}

/* ---- package.json ---- */

static void manifest__package_json_odd__only_top_version(void **state)
{
	static const char before[] =
		"{\r\n"
		"\t\"name\": \"x\",\r\n"
		"\t\"description\": \"say \\\"version\\\": \\\"1.2.3\\\" \\\\\",\r\n"
		"\t\"engines\": {\"version\": \"1.2.3\", \"node\": \">=18\"},\r\n"
		"\t\"dependencies\": {\r\n"
		"\t\t\"version\": \"^1.2.3\",\r\n"
		"\t\t\"nested\": {\"version\": \"1.2.3\"}\r\n"
		"\t},\r\n"
		"\t\"arr\": [\"version\", {\"version\": \"1.2.3\"}, -1.5e3, null],\r\n"
		"\t\"version\"  :\t\"1.2.3\" ,\r\n"
		"\t\"scripts\": {}\r\n"
		"}";
	static const char after[] =
		"{\r\n"
		"\t\"name\": \"x\",\r\n"
		"\t\"description\": \"say \\\"version\\\": \\\"1.2.3\\\" \\\\\",\r\n"
		"\t\"engines\": {\"version\": \"1.2.3\", \"node\": \">=18\"},\r\n"
		"\t\"dependencies\": {\r\n"
		"\t\t\"version\": \"^1.2.3\",\r\n"
		"\t\t\"nested\": {\"version\": \"1.2.3\"}\r\n"
		"\t},\r\n"
		"\t\"arr\": [\"version\", {\"version\": \"1.2.3\"}, -1.5e3, null],\r\n"
		"\t\"version\"  :\t\"2.0.0\" ,\r\n"
		"\t\"scripts\": {}\r\n"
		"}";

	roundtrip(*state, "package.json", before, "1.2.3", "2.0.0", after);
}

static void manifest__package_json_escaped_key__found(void **state)
{
	struct manifest m;

	assert_int_equal(parse_mem(&m, MANIFEST_PACKAGE_JSON,
				   "\xef\xbb\xbf{\"a\":\"\\\\\",\"vers\\u0069on\":\"3.1.4\"}",
				   NULL), 0);
	assert_string_equal(m.version, "3.1.4");
	expect_span(&m, 0, 1, 27, "3.1.4");
	release_mem(&m);
}

static void manifest__package_json_invalid__line_col(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put(*state, "VERSION", "1.0.0\n");
	put(*state, "package.json",
	    "{\n  \"name\": \"x\",\n  \"version\": \"1.0.0\"\n  \"x\": 1\n}\n");
	expect_error(discover(&ms, *state, NULL), BOSUN_EDATA,
		     "package.json:4:5: invalid JSON: '}' expected near '\"x\"'");
	assert_int_equal(ms.nr, 0);
	assert_null(ms.items);
}

static void manifest__package_json_no_version__fails(void **state)
{
	struct manifest m;

	expect_error(parse_mem(&m, MANIFEST_PACKAGE_JSON,
			       "\n  {\"name\": \"x\", \"deps\": {\"version\": \"1\"}}",
			       NULL),
		     BOSUN_EDATA, "package.json:2:3: no top-level \"version\"");
	assert_null(m.version);
	assert_int_equal(m.nr_spans, 0);
	release_mem(&m);
}

static void manifest__package_json_bad_values__fail(void **state)
{
	struct manifest m;

	expect_error(parse_mem(&m, MANIFEST_PACKAGE_JSON,
			       "{\"version\": 1}", NULL),
		     BOSUN_EDATA, "package.json:1:13: \"version\" is not a string");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PACKAGE_JSON,
			       "{\"version\": \"\"}", NULL),
		     BOSUN_EDATA, "package.json:1:14: the version is empty");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PACKAGE_JSON,
			       "{\"version\": \"1\",\n \"version\": \"2\"}", NULL),
		     BOSUN_EDATA, "package.json:2:2: duplicate \"version\" key");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PACKAGE_JSON, " [1]", NULL),
		     BOSUN_EDATA, "package.json:1:2: the top level is not an object");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PACKAGE_JSON, "\"1.0.0\"", NULL),
		     BOSUN_EDATA,
		     "package.json:1:7: invalid JSON: '[' or '{' expected near '\"1.0.0\"'");
	release_mem(&m);
}

/* ---- package-lock.json ---- */

static void manifest__package_lock_v3__two_spans(void **state)
{
	static const char before[] =
		"{\n"
		"  \"name\": \"x\",\n"
		"  \"packages\": {\n"
		"    \"node_modules/y\": { \"version\": \"1.2.3\" },\n"
		"    \"\": {\n"
		"      \"name\": \"x\",\n"
		"      \"dependencies\": { \"version\": \"^1.2.3\" },\n"
		"      \"version\": \"1.2.3\"\n"
		"    }\n"
		"  },\n"
		"  \"lockfileVersion\": 3,\n"
		"  \"version\": \"1.2.3\",\n"
		"  \"requires\": true\n"
		"}\n";
	static const char after[] =
		"{\n"
		"  \"name\": \"x\",\n"
		"  \"packages\": {\n"
		"    \"node_modules/y\": { \"version\": \"1.2.3\" },\n"
		"    \"\": {\n"
		"      \"name\": \"x\",\n"
		"      \"dependencies\": { \"version\": \"^1.2.3\" },\n"
		"      \"version\": \"1.3.0\"\n"
		"    }\n"
		"  },\n"
		"  \"lockfileVersion\": 3,\n"
		"  \"version\": \"1.3.0\",\n"
		"  \"requires\": true\n"
		"}\n";
	struct manifest m;

	roundtrip(*state, "package-lock.json", before, "1.2.3", "1.3.0", after);
	assert_int_equal(parse_mem(&m, MANIFEST_PACKAGE_LOCK, before, NULL), 0);
	assert_int_equal(m.nr_spans, 2);
	expect_span(&m, 0, 12, 15, "1.2.3");
	expect_span(&m, 1, 8, 19, "1.2.3");
	release_mem(&m);
}

static void manifest__package_lock_v1__dependencies_untouched(void **state)
{
	static const char before[] =
		"{\"name\":\"x\",\"version\":\"0.1.0\",\"lockfileVersion\":1,"
		"\"dependencies\":{\"a\":{\"version\":\"0.1.0\"}}}";
	static const char after[] =
		"{\"name\":\"x\",\"version\":\"0.2.0\",\"lockfileVersion\":1,"
		"\"dependencies\":{\"a\":{\"version\":\"0.1.0\"}}}";

	roundtrip(*state, "package-lock.json", before, "0.1.0", "0.2.0", after);
}

static void manifest__package_lock_one_line__spans_follow(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	struct manifest *m;
	struct manifest again;

	put(*state, "package-lock.json",
	    "{\"packages\":{\"\":{\"version\":\"1.0.0\"}},\"version\":\"1.0.0\"}");
	assert_int_equal(discover(&ms, *state, NULL), 0);
	m = &ms.items[0];
	assert_int_equal(manifest_set_version(&ms, "10.20.30-beta.1"), 0);
	assert_int_equal(parse_mem(&again, MANIFEST_PACKAGE_LOCK,
				   m->content.buf, NULL), 0);
	assert_int_equal(again.nr_spans, 2);
	assert_int_equal(m->nr_spans, 2);
	assert_memory_equal(again.spans, m->spans, 2 * sizeof(*m->spans));
	assert_string_equal(again.version, "10.20.30-beta.1");
	release_mem(&again);
	manifest_set_release(&ms);
}

/* ---- pyproject.toml ---- */

static void manifest__pyproject_project__byte_exact(void **state)
{
	static const char head[] =
		"# top comment: version = \"1.2.3\"\n"
		"[build-system]\n"
		"requires = [\"setuptools\"]\n"
		"version = \"1.2.3\"\n"
		"\n"
		"[ project ]  # the one\n"
		"name = \"x\"\n"
		"dependencies = [\n"
		"  \"requests>=2\",  # version = \"bad\"\n"
		"  \"version\",\n"
		"]\n"
		"description = \"\"\"\n"
		"version = \"1.2.3\"\n"
		"[tool.poetry]\n"
		"\"\"\"\n"
		"  version   =   '";
	static const char tail[] =
		"'   # the version\n"
		"optional = { version = \"1.2.3\" }\n"
		"released = 1979-05-27 07:32:00Z\n"
		"\n"
		"[project.urls]\n"
		"version = \"1.2.3\"\n"
		"\n"
		"[[tool.poetry.packages]]\n"
		"version = \"1.2.3\"";
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;

	strbuf_addf(&before, "%s1.2.3%s", head, tail);
	strbuf_addf(&after, "%s1.3.0%s", head, tail);
	roundtrip(*state, "pyproject.toml", before.buf, "1.2.3", "1.3.0",
		  after.buf);
	strbuf_release(&before);
	strbuf_release(&after);
}

static void manifest__pyproject_poetry_crlf__byte_exact(void **state)
{
	roundtrip(*state, "pyproject.toml",
		  "[tool.poetry]\r\nname = \"x\"\r\nversion = \"0.1.0\"\r\n\r\n"
		  "[tool.poetry.dependencies]\r\npython = \"^3.8\"\r\n"
		  "version = \"0.1.0\"\r\n",
		  "0.1.0", "0.2.0",
		  "[tool.poetry]\r\nname = \"x\"\r\nversion = \"0.2.0\"\r\n\r\n"
		  "[tool.poetry.dependencies]\r\npython = \"^3.8\"\r\n"
		  "version = \"0.1.0\"\r\n");
}

static void manifest__pyproject_dynamic__fails(void **state)
{
	struct manifest m;

	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "[project]\nname = \"x\"\ndynamic = [\"readme\", "
			       "\"version\"]\n[tool.setuptools.dynamic]\n"
			       "version = {attr = \"x.__version__\"}\n", NULL),
		     BOSUN_EDATA,
		     "pyproject.toml:3:1: the version is dynamic ([project] "
		     "dynamic lists \"version\"); it is set by the build "
		     "backend, not here");
	release_mem(&m);
}

static void manifest__pyproject_dynamic_with_poetry__uses_poetry(void **state)
{
	struct manifest m;

	assert_int_equal(parse_mem(&m, MANIFEST_PYPROJECT,
				   "[project]\ndynamic = [\"version\"]\n"
				   "[tool.poetry]\nversion = \"2.0.0\"\n", NULL), 0);
	assert_string_equal(m.version, "2.0.0");
	expect_span(&m, 0, 4, 12, "2.0.0");
	release_mem(&m);
}

static void manifest__pyproject_malformed_in_project__line_col(void **state)
{
	struct manifest m;

	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "[project]\nname = \"x\"\nversion \"1.0\"\n", NULL),
		     BOSUN_EDATA, "pyproject.toml:3:9: expected '=' after the key");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "[project]\nversion = \"1.0\n", NULL),
		     BOSUN_EDATA, "pyproject.toml:2:11: unterminated string");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "[project]\nversion = \"1.0\" x\n", NULL),
		     BOSUN_EDATA,
		     "pyproject.toml:2:17: unexpected text after the value");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "[project]\nversion = 1.0\n", NULL),
		     BOSUN_EDATA, "pyproject.toml:2:11: the version is not a string");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "[project]\ndeps = [\n  \"a\"\n  \"b\"\n]\n", NULL),
		     BOSUN_EDATA,
		     "pyproject.toml:4:3: expected ',' or ']' in the array");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "[tool.black]\n[project\nversion = \"1\"\n", NULL),
		     BOSUN_EDATA,
		     "pyproject.toml:2:9: expected ']' after the table name");
	release_mem(&m);
}

static void manifest__pyproject_malformed_elsewhere__ignored(void **state)
{
	struct manifest m;

	assert_int_equal(parse_mem(&m, MANIFEST_PYPROJECT,
				   "[tool.black]\nline-length = 88 88\nweird ?? line\n"
				   "x = [\"unclosed\n[project]\nversion = '1.0.0'\n",
				   NULL), 0);
	assert_string_equal(m.version, "1.0.0");
	expect_span(&m, 0, 6, 12, "1.0.0");
	release_mem(&m);
}

static void manifest__pyproject_no_table__fails(void **state)
{
	struct manifest m;

	expect_error(parse_mem(&m, MANIFEST_PYPROJECT, "[tool.black]\n", NULL),
		     BOSUN_EDATA,
		     "pyproject.toml:1:1: no [project] or [tool.poetry] table");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "\n[project]\nname = \"x\"\n", NULL),
		     BOSUN_EDATA, "pyproject.toml:2:1: no version in [project]");
	release_mem(&m);
}

static void manifest__pyproject_both_tables__both_written(void **state)
{
	roundtrip(*state, "pyproject.toml",
		  "[tool.poetry]\nversion = \"1.0.0\"\n[project]\n"
		  "version = \"1.0.0\"\n",
		  "1.0.0", "1.0.1",
		  "[tool.poetry]\nversion = \"1.0.1\"\n[project]\n"
		  "version = \"1.0.1\"\n");
}

static void manifest__toml_odd_versions__fail(void **state)
{
	struct manifest m;

	expect_error(parse_mem(&m, MANIFEST_CARGO,
			       "[package]\nversion = \"\"\"1.0\"\"\"\n", NULL),
		     BOSUN_EDATA,
		     "Cargo.toml:2:11: the version must be a one-line string");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_CARGO,
			       "[package]\nversion = \"1.\\u0030\"\n", NULL),
		     BOSUN_EDATA, "Cargo.toml:2:11: escape sequences in the "
		     "version are not supported");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_CARGO,
			       "[package]\nversion = \"1\"\nversion = \"2\"\n",
			       NULL),
		     BOSUN_EDATA, "Cargo.toml:3:1: duplicate key 'version'");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PYPROJECT,
			       "[project]\nversion = \"1\"\ndynamic = [\"version\"]\n",
			       NULL),
		     BOSUN_EDATA, "pyproject.toml:3:1: [project] has a version "
		     "and lists \"version\" in dynamic");
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_PACKAGE_LOCK,
			       "{\"version\": \"1\", \"packages\": {\"\": "
			       "{\"version\": null}}}", NULL),
		     BOSUN_EDATA,
		     "package-lock.json:1:47: packages[\"\"].version is not a string");
	release_mem(&m);
}

/* ---- Cargo.toml ---- */

static void manifest__cargo_package__byte_exact(void **state)
{
	static const char fmt[] =
		"[package]\n"
		"name = \"x\"\n"
		"version = \"%s\" # bump me\n"
		"edition = \"2021\"\n"
		"\n"
		"[dependencies]\n"
		"serde = { version = \"0.3.0\", features = [\"derive\"] }\n"
		"rand.version = \"0.3.0\"\n"
		"\n"
		"[[bin]]\n"
		"name = \"y\"\n"
		"version = \"0.3.0\"\n";
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;

	strbuf_addf(&before, fmt, "0.3.0");
	strbuf_addf(&after, fmt, "0.4.0");
	roundtrip(*state, "Cargo.toml", before.buf, "0.3.0", "0.4.0", after.buf);
	strbuf_release(&before);
	strbuf_release(&after);
}

static void manifest__cargo_workspace_inherit__fails(void **state)
{
	static const char msg[] =
		"Cargo.toml:3:1: the version is inherited from the workspace "
		"(version.workspace = true); it is set in the workspace's "
		"Cargo.toml, not here";
	struct manifest m;

	expect_error(parse_mem(&m, MANIFEST_CARGO,
			       "[package]\nname = \"x\"\nversion.workspace = true\n",
			       NULL), BOSUN_EDATA, msg);
	release_mem(&m);
	expect_error(parse_mem(&m, MANIFEST_CARGO,
			       "[package]\nname = \"x\"\nversion = { workspace = true }\n",
			       NULL), BOSUN_EDATA, msg);
	release_mem(&m);
}

static void manifest__cargo_workspace_package__found(void **state)
{
	struct manifest m;

	assert_int_equal(parse_mem(&m, MANIFEST_CARGO,
				   "[workspace]\nmembers = [\"a\", \"b\"]\n\n"
				   "[workspace.package]\nversion = \"4.5.6\"\n\n"
				   "[package]\nname = \"root\"\n"
				   "version.workspace = true\n", NULL), 0);
	assert_int_equal(m.nr_spans, 1);
	expect_span(&m, 0, 5, 12, "4.5.6");
	release_mem(&m);
}

/* ---- release.files ---- */

static void manifest__pattern__byte_exact(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put(*state, "init.py",
	    "\"\"\"doc\"\"\"\r\n__version__ = \"1.2.3\"\r\nOTHER = \"__version__\"");
	assert_int_equal(discover(&ms, *state,
		"[{\"path\": \"./init.py\", \"pattern\": \"__version__ = \\\"([^\\\"]+)\\\"\"}]"),
		0);
	assert_int_equal(ms.nr, 1);
	assert_int_equal(ms.items[0].kind, MANIFEST_PATTERN);
	assert_string_equal(ms.items[0].path, "init.py");
	expect_span(&ms.items[0], 0, 2, 16, "1.2.3");
	assert_int_equal(manifest_set_version(&ms, "1.2.4"), 0);
	assert_int_equal(manifest_write(&ms), 0);
	expect_file(*state, "init.py",
		    "\"\"\"doc\"\"\"\r\n__version__ = \"1.2.4\"\r\nOTHER = \"__version__\"");
	manifest_set_release(&ms);
}

static void manifest__pattern_every_match__replaced(void **state)
{
	struct manifest m;

	assert_int_equal(parse_mem(&m, MANIFEST_PATTERN,
				   "v1.0.0 and v1.0.0\nv1.0.0", "v([0-9.]+)"), 0);
	assert_int_equal(m.nr_spans, 3);
	expect_span(&m, 2, 2, 2, "1.0.0");
	release_mem(&m);
}

static void manifest__pattern_no_match__fails(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put(*state, "a.txt", "nothing here\n");
	expect_error(discover(&ms, *state,
			      "[{\"path\": \"a.txt\", \"pattern\": \"v=([0-9.]+)\"}]"),
		     BOSUN_EDATA, "a.txt:1:1: no match for pattern 'v=([0-9.]+)'");
	expect_error(discover(&ms, *state,
			      "[{\"path\": \"a.txt\", \"pattern\": \"no group\"}]"),
		     BOSUN_EDATA, "a.txt: pattern 'no group' has no group for the version");
	expect_error_has(discover(&ms, *state,
				  "[{\"path\": \"a.txt\", \"pattern\": \"(a\"}]"),
			 BOSUN_EDATA, "a.txt: invalid pattern '(a': ");
	expect_error(discover(&ms, *state,
			      "[{\"path\": \"b.txt\", \"pattern\": \"(a)\"}]"),
		     BOSUN_ENOTFOUND, "'b.txt' (release.files) does not exist");
	assert_int_equal(ms.nr, 0);
}

static void manifest__pattern_for_known_file__replaces_reader(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put(*state, "VERSION", "v=1.0.0\n");
	put(*state, "package.json", "{\"version\": \"1.0.0\"}");
	assert_int_equal(discover(&ms, *state,
		"[{\"path\": \"VERSION\", \"pattern\": \"^v=(.*)$\"}]"), 0);
	assert_int_equal(ms.nr, 2);
	assert_int_equal(ms.items[0].kind, MANIFEST_PACKAGE_JSON);
	assert_int_equal(ms.items[1].kind, MANIFEST_PATTERN);
	assert_string_equal(ms.items[1].version, "1.0.0");
	manifest_set_release(&ms);
}

static void manifest__extra_files_invalid__fail(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put(*state, "a.txt", "v=1\n");
	expect_error(discover(&ms, *state, "{}"), BOSUN_EDATA,
		     "release.files: expected a list");
	expect_error(discover(&ms, *state, "[{\"path\": \"a.txt\"}]"), BOSUN_EDATA,
		     "release.files[0]: expected { path, pattern } with two strings");
	expect_error(discover(&ms, *state,
			      "[{\"path\": \"/etc/passwd\", \"pattern\": \"(x)\"}]"),
		     BOSUN_EDATA,
		     "release.files[0]: '/etc/passwd' is not a path inside the repository");
	expect_error(discover(&ms, *state,
			      "[{\"path\": \"a/../../b\", \"pattern\": \"(x)\"}]"),
		     BOSUN_EDATA,
		     "release.files[0]: 'a/../../b' is not a path inside the repository");
	expect_error(discover(&ms, *state,
			      "[{\"path\": \"a.txt\", \"pattern\": \"(x)\"},"
			      " {\"path\": \"./a.txt\", \"pattern\": \"(y)\"}]"),
		     BOSUN_EDATA, "release.files[1]: 'a.txt' is listed twice");
	assert_int_equal(ms.nr, 0);
}

/* ---- discover, set, write ---- */

static void put_all(const char *dir)
{
	put(dir, "VERSION", "1.0.0\n");
	put(dir, "package.json", "{\"version\": \"1.0.0\"}\n");
	put(dir, "package-lock.json",
	    "{\"version\": \"1.0.0\", \"packages\": {\"\": {\"version\": \"1.0.0\"}}}\n");
	put(dir, "pyproject.toml", "[project]\nversion = \"1.0.0\"\n");
	put(dir, "Cargo.toml", "[package]\nversion = \"1.0.0\"\n");
	put(dir, "extra.txt", "version: 1.0.0\n");
}

static void expect_all_unchanged(const char *dir)
{
	expect_file(dir, "VERSION", "1.0.0\n");
	expect_file(dir, "package.json", "{\"version\": \"1.0.0\"}\n");
	expect_file(dir, "package-lock.json",
		    "{\"version\": \"1.0.0\", \"packages\": {\"\": {\"version\": \"1.0.0\"}}}\n");
	expect_file(dir, "pyproject.toml", "[project]\nversion = \"1.0.0\"\n");
	expect_file(dir, "Cargo.toml", "[package]\nversion = \"1.0.0\"\n");
	expect_file(dir, "extra.txt", "version: 1.0.0\n");
}

static const char extra_json[] =
	"[{\"path\": \"extra.txt\", \"pattern\": \"version: (.+)\"}]";

static void manifest__discover_all__in_order(void **state)
{
	static const enum manifest_kind kinds[] = {
		MANIFEST_VERSION_FILE, MANIFEST_PACKAGE_JSON,
		MANIFEST_PACKAGE_LOCK, MANIFEST_PYPROJECT, MANIFEST_CARGO,
		MANIFEST_PATTERN,
	};
	static const char *const paths[] = {
		"VERSION", "package.json", "package-lock.json", "pyproject.toml",
		"Cargo.toml", "extra.txt",
	};
	struct manifest_set ms = MANIFEST_SET_INIT;
	size_t i;

	put_all(*state);
	assert_int_equal(discover(&ms, *state, extra_json), 0);
	assert_string_equal(ms.root, *state);
	assert_int_equal(ms.nr, 6);
	for (i = 0; i < ms.nr; i++) {
		assert_int_equal(ms.items[i].kind, kinds[i]);
		assert_string_equal(ms.items[i].path, paths[i]);
		assert_string_equal(ms.items[i].version, "1.0.0");
		assert_string_equal(manifest_kind_name(kinds[i]),
				    i == 5 ? "pattern" : paths[i]);
	}
	assert_int_equal(ms.items[2].nr_spans, 2);
	manifest_set_release(&ms);
	assert_int_equal(ms.nr, 0);
	manifest_set_release(&ms);
}

static void manifest__discover_one_malformed__fails_whole(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put_all(*state);
	put(*state, "Cargo.toml", "[package]\nversion = \n");
	expect_error(discover(&ms, *state, extra_json), BOSUN_EDATA,
		     "Cargo.toml:2:11: expected a value");
	assert_int_equal(ms.nr, 0);
	assert_null(ms.items);
	assert_null(ms.root);
}

static void manifest__discover_empty_dir__nothing(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	assert_int_equal(discover(&ms, *state, "null"), 0);
	assert_int_equal(ms.nr, 0);
	assert_int_equal(manifest_set_version(&ms, "1.0.0"), 0);
	assert_int_equal(manifest_write(&ms), 0);
	manifest_set_release(&ms);
}

static void manifest__set_invalid_version__changes_nothing(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	size_t i;

	put_all(*state);
	assert_int_equal(discover(&ms, *state, extra_json), 0);
	assert_int_equal(manifest_set_version(&ms, "1.0.0\"x"), -BOSUN_EDATA);
	assert_int_equal(manifest_set_version(&ms, "v2.0.0"), -BOSUN_EDATA);
	for (i = 0; i < ms.nr; i++) {
		assert_false(ms.items[i].changed);
		assert_string_equal(ms.items[i].version, "1.0.0");
	}
	manifest_set_release(&ms);
}

static void manifest__set_same_version__not_changed(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	size_t i;

	put_all(*state);
	assert_int_equal(discover(&ms, *state, extra_json), 0);
	assert_int_equal(manifest_set_version(&ms, "2.0.0"), 0);
	assert_int_equal(manifest_set_version(&ms, "1.0.0"), 0);
	for (i = 0; i < ms.nr; i++)
		assert_false(ms.items[i].changed);
	/* A lock in the way does not matter when nothing is written. */
	put(*state, "VERSION.lock", "");
	assert_int_equal(manifest_write(&ms), 0);
	expect_all_unchanged(*state);
	manifest_set_release(&ms);
}

static void manifest__write_all__changes_all(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;

	put_all(*state);
	assert_int_equal(discover(&ms, *state, extra_json), 0);
	assert_int_equal(manifest_set_version(&ms, "1.1.0"), 0);
	assert_int_equal(manifest_write(&ms), 0);
	expect_file(*state, "VERSION", "1.1.0\n");
	expect_file(*state, "package.json", "{\"version\": \"1.1.0\"}\n");
	expect_file(*state, "package-lock.json",
		    "{\"version\": \"1.1.0\", \"packages\": {\"\": {\"version\": \"1.1.0\"}}}\n");
	expect_file(*state, "pyproject.toml", "[project]\nversion = \"1.1.0\"\n");
	expect_file(*state, "Cargo.toml", "[package]\nversion = \"1.1.0\"\n");
	expect_file(*state, "extra.txt", "version: 1.1.0\n");
	expect_file(*state, "VERSION.lock", NULL);
	manifest_set_release(&ms);
}

static void manifest__write_lock_held__nothing_changed(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	static const char *const names[] = {
		"VERSION", "package.json", "package-lock.json", "Cargo.toml",
		"extra.txt",
	};
	struct strbuf p = STRBUF_INIT;
	size_t i;
	int r;

	put_all(*state);
	assert_int_equal(discover(&ms, *state, extra_json), 0);
	assert_int_equal(manifest_set_version(&ms, "1.1.0"), 0);
	put(*state, "pyproject.toml.lock", "someone else's");
	r = manifest_write(&ms);
	path_in(&p, *state, "pyproject.toml");
	assert_int_equal(r, -BOSUN_EBUSY);
	assert_non_null(strstr(error_message(), p.buf));
	expect_all_unchanged(*state);
	expect_file(*state, "pyproject.toml.lock", "someone else's");
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s.lock", names[i]);
		expect_file(*state, p.buf, NULL);
	}
	strbuf_release(&p);
	manifest_set_release(&ms);
}

static void manifest__write_rename_fails__puts_back(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	struct strbuf p = STRBUF_INIT;

	put_all(*state);
	assert_int_equal(discover(&ms, *state, extra_json), 0);
	assert_int_equal(manifest_set_version(&ms, "1.1.0"), 0);
	/* A directory where pyproject.toml was: its rename must fail after
	 * the three files before it were replaced. */
	path_in(&p, *state, "pyproject.toml");
	assert_int_equal(unlink(p.buf), 0);
	assert_int_equal(mkdir(p.buf, 0755), 0);
	expect_error_has(manifest_write(&ms), BOSUN_EIO, "cannot rename");
	expect_file(*state, "VERSION", "1.0.0\n");
	expect_file(*state, "package.json", "{\"version\": \"1.0.0\"}\n");
	expect_file(*state, "package-lock.json",
		    "{\"version\": \"1.0.0\", \"packages\": {\"\": {\"version\": \"1.0.0\"}}}\n");
	expect_file(*state, "Cargo.toml", "[package]\nversion = \"1.0.0\"\n");
	expect_file(*state, "extra.txt", "version: 1.0.0\n");
	expect_file(*state, "pyproject.toml.lock", NULL);
	expect_file(*state, "Cargo.toml.lock", NULL);
	expect_file(*state, "VERSION.lock", NULL);
	strbuf_release(&p);
	manifest_set_release(&ms);
}

static void manifest__write__keeps_modes(void **state)
{
	struct manifest_set ms = MANIFEST_SET_INIT;
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	mode_t old = umask(077);

	put_all(*state);
	path_in(&p, *state, "VERSION");
	assert_int_equal(chmod(p.buf, 0640), 0);
	path_in(&p, *state, "extra.txt");
	assert_int_equal(chmod(p.buf, 0755), 0);
	assert_int_equal(discover(&ms, *state, extra_json), 0);
	assert_int_equal(manifest_set_version(&ms, "1.1.0"), 0);
	assert_int_equal(manifest_write(&ms), 0);
	umask(old);
	path_in(&p, *state, "VERSION");
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	path_in(&p, *state, "extra.txt");
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	strbuf_release(&p);
	manifest_set_release(&ms);
}

#define T(name) cmocka_unit_test_setup_teardown(name, make_dir, remove_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(manifest__version_file_bom_crlf__byte_exact),
		T(manifest__version_file_no_newline__byte_exact),
		T(manifest__version_file_span__line_and_col),
		T(manifest__version_file_empty__fails),
		T(manifest__package_json_odd__only_top_version),
		T(manifest__package_json_escaped_key__found),
		T(manifest__package_json_invalid__line_col),
		T(manifest__package_json_no_version__fails),
		T(manifest__package_json_bad_values__fail),
		T(manifest__package_lock_v3__two_spans),
		T(manifest__package_lock_v1__dependencies_untouched),
		T(manifest__package_lock_one_line__spans_follow),
		T(manifest__pyproject_project__byte_exact),
		T(manifest__pyproject_poetry_crlf__byte_exact),
		T(manifest__pyproject_dynamic__fails),
		T(manifest__pyproject_dynamic_with_poetry__uses_poetry),
		T(manifest__pyproject_malformed_in_project__line_col),
		T(manifest__pyproject_malformed_elsewhere__ignored),
		T(manifest__pyproject_no_table__fails),
		T(manifest__pyproject_both_tables__both_written),
		T(manifest__toml_odd_versions__fail),
		T(manifest__cargo_package__byte_exact),
		T(manifest__cargo_workspace_inherit__fails),
		T(manifest__cargo_workspace_package__found),
		T(manifest__pattern__byte_exact),
		T(manifest__pattern_every_match__replaced),
		T(manifest__pattern_no_match__fails),
		T(manifest__pattern_for_known_file__replaces_reader),
		T(manifest__extra_files_invalid__fail),
		T(manifest__discover_all__in_order),
		T(manifest__discover_one_malformed__fails_whole),
		T(manifest__discover_empty_dir__nothing),
		T(manifest__set_invalid_version__changes_nothing),
		T(manifest__set_same_version__not_changed),
		T(manifest__write_all__changes_all),
		T(manifest__write_lock_held__nothing_changed),
		T(manifest__write_rename_fails__puts_back),
		T(manifest__write__keeps_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
