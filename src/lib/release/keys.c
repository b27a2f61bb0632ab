/*
 * keys.c - the release engine's configuration keys (release.*, changelog.*,
 * commit.*) with the checks of their values; src/cmd/keys.c hands them to
 * config_load(). The order here is the order of "bosun config".
 */
#include "lib/release/release.h"

#include "core/error.h"
#include "lib/release/semver.h"

#include <string.h>

static int check_version(const json_t *v, struct strbuf *why)
{
	struct semver sv = SEMVER_INIT;
	const char *s = json_string_value(v);

	if (semver_parse(&sv, s, -1) == 0) {
		semver_release(&sv);
		return 0;
	}
	/* The caller reports the value with its position instead. */
	error_clear();
	strbuf_addf(why, "must be a version like 1.2.3, not '%s'", s);
	return -1;
}

static int check_tag(const json_t *v, struct strbuf *why)
{
	const char *s = json_string_value(v);

	if (strstr(s, "{version}"))
		return 0;
	strbuf_addf(why, "must contain '{version}', not '%s'", s);
	return -1;
}

static int check_not_negative(const json_t *v, struct strbuf *why)
{
	if (json_integer_value(v) >= 0)
		return 0;
	strbuf_addf(why, "must not be negative, not %lld",
		    (long long)json_integer_value(v));
	return -1;
}

const struct config_key release_config_keys[] = {
	{ "release.tag", CFG_STRING, "\"v{version}\"",
	  "tag format; {version}, and {name} for monorepo packages", check_tag },
	{ "release.initial", CFG_STRING, "\"0.1.0\"",
	  "the version of the first release (semver)", check_version },
	{ "release.zero_major", CFG_BOOL, "false",
	  "while below 1.0.0, breaking changes bump the minor version" },
	{ "release.minor_types", CFG_STRLIST, "[\"feat\"]",
	  "commit types that bump the minor version" },
	{ "release.patch_types", CFG_STRLIST, "[\"fix\",\"perf\",\"revert\"]",
	  "commit types that bump the patch version" },
	{ "release.branches", CFG_STRLIST, "[\"main\",\"master\"]",
	  "branches releases may be made from" },
	{ "release.remote", CFG_STRING, "\"origin\"",
	  "the remote tags and release commits are pushed to" },
	{ "release.push", CFG_BOOL, "true",
	  "push the release commit and tag" },
	{ "release.require_clean", CFG_BOOL, "true",
	  "refuse to release from a work tree with uncommitted changes" },
	{ "release.test", CFG_ARGV, "null",
	  "command run before releasing (a list, or a string for sh -c)" },
	{ "release.build", CFG_STEPS, "[]",
	  "steps run after tagging to build the release" },
	{ "release.publish", CFG_STEPS, "[]",
	  "steps run to publish the release" },
	{ "release.channels", CFG_STRMAP,
	  "{\"alpha\":\"alpha\",\"beta\":\"beta\",\"rc\":\"next\"}",
	  "prerelease identifier to distribution channel" },
	{ "release.channel_default", CFG_STRING, "\"latest\"",
	  "the channel of a release that is not a prerelease" },
	{ "release.files", CFG_FILES, "[]",
	  "files whose version is updated: {path, pattern with a group}" },
	{ "release.commit_message", CFG_STRING, "\"chore(release): {version}\"",
	  "message of the release commit" },
	{ "release.tag_message", CFG_STRING, "\"Release {version}\"",
	  "message of the annotated release tag" },
	{ "changelog.file", CFG_STRING, "\"CHANGELOG.md\"",
	  "the changelog file, relative to the repository root" },
	{ "changelog.sections", CFG_SECTIONS,
	  "[{\"type\":\"feat\",\"title\":\"Features\"},"
	  "{\"type\":\"fix\",\"title\":\"Bug Fixes\"},"
	  "{\"type\":\"perf\",\"title\":\"Performance\"},"
	  "{\"type\":\"revert\",\"title\":\"Reverts\"},"
	  "{\"type\":\"docs\",\"title\":\"Documentation\"},"
	  "{\"type\":\"refactor\",\"title\":\"Code Refactoring\"}]",
	  "changelog sections, in order: commit type and title" },
	{ "changelog.other", CFG_STRING, "\"\"",
	  "title for commits of other types; empty hides them" },
	{ "changelog.repo_url", CFG_STRING, "\"\"",
	  "base URL for links; empty derives it from the remote" },
	{ "commit.types", CFG_STRLIST,
	  "[\"feat\",\"fix\",\"perf\",\"refactor\",\"docs\",\"style\","
	  "\"test\",\"build\",\"ci\",\"chore\",\"revert\"]",
	  "commit types the linter accepts" },
	{ "commit.scopes", CFG_STRLIST, "[]",
	  "scopes the linter accepts; empty accepts any" },
	{ "commit.header_max", CFG_INT, "100",
	  "longest commit header the linter accepts", check_not_negative },
	{ "commit.skip", CFG_STRLIST, "[\"merge\",\"revert\",\"fixup\",\"release\"]",
	  "kinds of commit the linter skips" },
	{ "commit.subject_case", CFG_STRLIST,
	  "[\"sentence-case\",\"start-case\",\"pascal-case\",\"upper-case\"]",
	  "cases the commit description must not be in; empty allows any" },
	{ "commit.body_line_max", CFG_INT, "100",
	  "longest commit body line the linter accepts", check_not_negative },
	{ "commit.footer_line_max", CFG_INT, "100",
	  "longest commit footer line the linter accepts", check_not_negative },
	{ NULL, 0, NULL, NULL, NULL },
};
