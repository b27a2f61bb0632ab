/*
 * schema.c - every configuration key bosun knows, with its type, its default
 * (JSON text, already in the normalised shape config.c produces) and one line
 * of help. The order here is the order of "bosun config" and config_dump().
 */
#include "lib/config/config.h"

const struct config_key config_schema[] = {
	{ "release.tag", CFG_STRING, "\"v{version}\"",
	  "tag format; {version}, and {name} for monorepo packages" },
	{ "release.initial", CFG_STRING, "\"0.1.0\"",
	  "the version of the first release (semver)" },
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
	  "longest commit header the linter accepts" },
	{ "commit.skip", CFG_STRLIST, "[\"merge\",\"revert\",\"fixup\",\"release\"]",
	  "kinds of commit the linter skips" },
	{ "log.level", CFG_STRING, "\"info\"",
	  "least severe log level written: debug, info, warn or error" },
	/* agents keys (issue: agent deployment) */
	/* hooks keys (issue: hooks) */
	/* scan keys (issue: secret scanning) */
	/* deploy keys (issue: deployment watching) */
	{ NULL, 0, NULL, NULL, NULL },
};
