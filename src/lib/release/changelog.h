/*
 * changelog.h - changelog entries from Conventional Commits.
 *
 *	struct changelog cl = CHANGELOG_INIT;
 *	r = changelog_all(&cl, &h, &tags, head, &opts);     // every release
 *	r = changelog_unreleased(&cl, &h, &tags, head, &opts, "1.3.0", "v1.3.0");
 *	changelog_markdown(&sb, &cl, &opts);
 *	json_t *j = changelog_json(&cl);
 *	changelog_release(&cl);
 *
 * A prerelease's commits are those reachable from its tag and from no
 * earlier tagged commit; a stable release's, from no earlier stable one
 * (its prereleases' changes included, as release writes them): tagged commits claim theirs ancestors first (in generation
 * order, whatever the version numbers say), so a maintenance release claims
 * its own commits before a later release that merged them. Of several tags on one commit only the highest gets an
 * entry. Each entry: "## [X.Y.Z] - YYYY-MM-DD" (UTC date of the tagged
 * commit), a BREAKING CHANGES section with the footer text, then the
 * configured sections in order, then "other" when it has a title. Merge
 * commits are skipped; a revert and the commit it reverts, both in one
 * entry, are both left out; a squash commit's listed entries each get a
 * bullet. Bullets: "- **scope:** description (abc1234)", with Markdown links
 * to the commit and to "#N" issues when the repository URL is known.
 */
#ifndef BOSUN_LIB_CHANGELOG_H
#define BOSUN_LIB_CHANGELOG_H

#include "core/strbuf.h"
#include "lib/git/history.h"
#include "lib/release/tags.h"

#include <jansson.h>

enum cl_host { CL_HOST_NONE, CL_HOST_GITHUB, CL_HOST_GITLAB };

struct changelog_opts {
	const json_t *sections;   /* [{type, title}] in display order */
	const char *other_title;  /* "" or NULL hides other types */
	const char *repo_url;     /* "https://github.com/o/r", or NULL */
	enum cl_host host;
	/* A release being made now (bosun release): a titled entry is dated
	 * today rather than by HEAD's commit. */
	int dated_today;
};

struct cl_entry {
	int section;              /* index in sections; -1: other */
	char *scope;
	char *description;
	char *breaking_text;      /* NULL unless breaking */
	uint32_t idx;             /* the commit */
	/* The kind of credential (core/redact.h) redacted from the texts
	 * above, NULL when there was none: they never hold one whole. */
	const char *secret;
};

struct cl_release {
	char *version;            /* NULL: unreleased */
	char *tag;
	char date[11];
	uint32_t idx;             /* tagged commit (head for unreleased) */
	struct cl_entry *entries;
	size_t nr, alloc;
	size_t nr_commits;        /* commits in the range, shown or not */
};

struct changelog {
	struct history *h;
	struct cl_release *rel;   /* newest first */
	size_t nr, alloc;
};
#define CHANGELOG_INIT { NULL, NULL, 0, 0 }

int changelog_all(struct changelog *out, struct history *h, struct rtags *tags,
		  uint32_t head, const struct changelog_opts *opts);
/* One entry for the commits since the latest release reachable from head,
 * titled version (NULL: "Unreleased"). A stable version lists everything
 * since the last stable release (its prereleases' changes included);
 * otherwise the entry starts at the latest release of any kind. The entry
 * is dated by head's commit, or today with opts->dated_today.
 * A shallow clone that lacks the base is -BOSUN_EDATA. */
int changelog_unreleased(struct changelog *out, struct history *h,
			 struct rtags *tags, uint32_t head,
			 const struct changelog_opts *opts,
			 const char *version, const char *tag);
/* One entry for the commits reachable from tip and not from base (NULL:
 * from the first commit). */
int changelog_range(struct changelog *out, struct history *h, const uint32_t *base,
		    uint32_t tip, const struct changelog_opts *opts,
		    const char *title);

void changelog_markdown(struct strbuf *sb, const struct changelog *cl,
			const struct changelog_opts *opts);
void changelog_release_markdown(struct strbuf *sb, const struct changelog *cl,
				const struct cl_release *rel,
				const struct changelog_opts *opts);
json_t *changelog_json(const struct changelog *cl,
		       const struct changelog_opts *opts);
void changelog_release(struct changelog *cl);

/* Insert entry (Markdown, starting with its "## [" heading) into the file at
 * path above the newest entry; creates the file with a "# Changelog" title
 * when missing. Returns 1 without writing when an entry with the same heading
 * is already there, 0 when written. */
int changelog_prepend(const char *path, const char *entry);
/* The same on the file's bytes in sb (empty: a new file): 1 when the entry
 * is already there (sb unchanged), 0 when inserted. The largest file
 * changelog_prepend() reads is CHANGELOG_MAX_BYTES. */
#define CHANGELOG_MAX_BYTES (64 << 20)
int changelog_prepend_text(struct strbuf *sb, const char *entry);

/* "git@github.com:o/r.git" -> "https://github.com/o/r" and its host kind;
 * returns -1 when the URL is not one we can link to. */
int changelog_web_url(struct strbuf *out, enum cl_host *host, const char *remote);

#endif
