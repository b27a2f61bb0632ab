#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gitfix.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lib/git/history.h"
#include "lib/release/changelog.h"
#include "lib/release/tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JAN_1_2024 1704067200LL

struct cl_fix {
	struct history h;
	struct rtags tags;
	uint32_t head;
	json_t *sections;
	struct changelog_opts opts;
	struct changelog cl;
};

static void cl_load(struct gitfix *fx, const char *dir, struct cl_fix *c)
{
	memset(c, 0, sizeof(*c));
	c->sections = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
				"type", "feat", "title", "Features",
				"type", "fix", "title", "Bug Fixes",
				"type", "perf", "title", "Performance",
				"type", "revert", "title", "Reverts");
	assert_non_null(c->sections);
	c->opts.sections = c->sections;
	c->opts.other_title = "";
	assert_int_equal(history_open(&c->h, gitfix_repo(fx, dir)), 0);
	if (history_resolve(&c->h, "HEAD", &c->head) < 0)
		fail_msg("history_resolve: %s", error_message());
	if (rtags_collect(&c->tags, &c->h, "v{version}", NULL) < 0)
		fail_msg("rtags_collect: %s", error_message());
}

static void cl_release(struct cl_fix *c)
{
	changelog_release(&c->cl);
	rtags_release(&c->tags);
	history_release(&c->h);
	json_decref(c->sections);
	error_clear();
}

static const char *markdown(struct gitfix *fx, struct cl_fix *c)
{
	struct strbuf sb = STRBUF_INIT;

	changelog_markdown(&sb, &c->cl, &c->opts);
	return gitfix_keep(fx, strbuf_detach(&sb, NULL));
}

static const char *short_id(struct gitfix *fx, const char *dir, const char *rev)
{
	return gitfix_git(fx, dir, "rev-parse", "--short=7", rev, NULL);
}

static const char *full_id(struct gitfix *fx, const char *dir, const char *rev)
{
	return gitfix_git(fx, dir, "rev-parse", rev, NULL);
}

static const struct cl_release *rel_named(const struct changelog *cl, const char *v)
{
	size_t i;

	for (i = 0; i < cl->nr; i++)
		if (cl->rel[i].version && !strcmp(cl->rel[i].version, v))
			return &cl->rel[i];
	return NULL;
}

/*
 * 2024-01-01 feat: first feature
 * 2024-01-02 fix(core): a bug (#12)		v0.1.0
 * 2024-01-03 feat(api)!: new API + BREAKING CHANGE footer
 * 2024-01-04 docs: readme
 * 2024-01-05 perf: faster			v1.0.0
 * 2024-01-06 fix: after release
 */
static const char *small_history(struct gitfix *fx)
{
	const char *dir = gitfix_init(fx, "r");

	fx->clock = JAN_1_2024;
	gitfix_commit(fx, dir, "feat: first feature");
	gitfix_commit(fx, dir, "fix(core): a bug (#12)");
	gitfix_git(fx, dir, "tag", "-a", "-m", "Release 0.1.0", "v0.1.0", NULL);
	gitfix_commit(fx, dir, "feat(api)!: new API\n\nBREAKING CHANGE: the old endpoint is gone");
	gitfix_commit(fx, dir, "docs: readme");
	gitfix_commit(fx, dir, "perf: faster");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "fix: after release");
	return dir;
}

static void changelog__all__releases_newest_first(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = small_history(fx);
	const struct cl_release *r;
	struct cl_fix c;

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	assert_ptr_equal(c.cl.h, &c.h);
	assert_int_equal(c.cl.nr, 3);

	r = &c.cl.rel[0];
	assert_null(r->version);
	assert_null(r->tag);
	assert_int_equal(r->idx, c.head);
	assert_int_equal(r->nr_commits, 1);
	assert_int_equal(r->nr, 1);
	assert_int_equal(r->entries[0].section, 1);
	assert_string_equal(r->entries[0].description, "after release");

	r = &c.cl.rel[1];
	assert_string_equal(r->version, "1.0.0");
	assert_string_equal(r->tag, "v1.0.0");
	assert_string_equal(r->date, "2024-01-05");
	assert_int_equal(r->nr_commits, 3);
	assert_int_equal(r->nr, 2); /* docs is hidden */
	assert_string_equal(r->entries[0].description, "faster");
	assert_int_equal(r->entries[0].section, 2);
	assert_null(r->entries[0].breaking_text);
	assert_string_equal(r->entries[1].scope, "api");
	assert_string_equal(r->entries[1].breaking_text, "the old endpoint is gone");

	r = &c.cl.rel[2];
	assert_string_equal(r->version, "0.1.0");
	assert_string_equal(r->tag, "v0.1.0");
	assert_string_equal(r->date, "2024-01-02");
	assert_int_equal(r->nr_commits, 2);
	assert_int_equal(r->nr, 2);
	cl_release(&c);
}

static void changelog__markdown__exact_output(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = small_history(fx);
	struct strbuf want = STRBUF_INIT;
	struct cl_fix c;

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	strbuf_addf(&want,
		    "## [Unreleased]\n"
		    "\n"
		    "### Bug Fixes\n"
		    "\n"
		    "- after release (%s)\n"
		    "\n"
		    "## [1.0.0] - 2024-01-05\n"
		    "\n"
		    "### BREAKING CHANGES\n"
		    "\n"
		    "- **api:** the old endpoint is gone (%s)\n"
		    "\n"
		    "### Features\n"
		    "\n"
		    "- **api:** new API (%s)\n"
		    "\n"
		    "### Performance\n"
		    "\n"
		    "- faster (%s)\n"
		    "\n"
		    "## [0.1.0] - 2024-01-02\n"
		    "\n"
		    "### Features\n"
		    "\n"
		    "- first feature (%s)\n"
		    "\n"
		    "### Bug Fixes\n"
		    "\n"
		    "- **core:** a bug (#12) (%s)\n",
		    short_id(fx, dir, "HEAD"), short_id(fx, dir, "HEAD~3"),
		    short_id(fx, dir, "HEAD~3"), short_id(fx, dir, "HEAD~1"),
		    short_id(fx, dir, "HEAD~5"), short_id(fx, dir, "HEAD~4"));
	assert_string_equal(markdown(fx, &c), want.buf);

	/* "other" shows the hidden types when it has a title. */
	changelog_release(&c.cl);
	c.opts.other_title = "Other Changes";
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	strbuf_reset(&want);
	changelog_release_markdown(&want, &c.cl, &c.cl.rel[1], &c.opts);
	assert_non_null(strstr(want.buf, "### Performance\n\n- faster ("));
	assert_non_null(strstr(want.buf, ")\n\n### Other Changes\n\n- readme ("));
	strbuf_release(&want);
	cl_release(&c);
}

static void changelog__markdown__links(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = small_history(fx);
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	const struct cl_release *r;
	struct cl_fix c;

	cl_load(fx, dir, &c);
	c.opts.repo_url = "https://github.com/o/r";
	c.opts.host = CL_HOST_GITHUB;
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	r = rel_named(&c.cl, "0.1.0");
	assert_non_null(r);
	changelog_release_markdown(&got, &c.cl, r, &c.opts);
	strbuf_addf(&want,
		    "## [0.1.0] - 2024-01-02\n"
		    "\n"
		    "### Features\n"
		    "\n"
		    "- first feature ([%s](https://github.com/o/r/commit/%s))\n"
		    "\n"
		    "### Bug Fixes\n"
		    "\n"
		    "- **core:** a bug ([#12](https://github.com/o/r/issues/12)) "
		    "([%s](https://github.com/o/r/commit/%s))\n",
		    short_id(fx, dir, "HEAD~5"), full_id(fx, dir, "HEAD~5"),
		    short_id(fx, dir, "HEAD~4"), full_id(fx, dir, "HEAD~4"));
	assert_string_equal(got.buf, want.buf);

	c.opts.repo_url = "https://gitlab.com/g/sub/r";
	c.opts.host = CL_HOST_GITLAB;
	strbuf_reset(&got);
	strbuf_reset(&want);
	changelog_release_markdown(&got, &c.cl, r, &c.opts);
	strbuf_addf(&want,
		    "- **core:** a bug ([#12](https://gitlab.com/g/sub/r/-/issues/12)) "
		    "([%s](https://gitlab.com/g/sub/r/-/commit/%s))\n",
		    short_id(fx, dir, "HEAD~4"), full_id(fx, dir, "HEAD~4"));
	assert_non_null(strstr(got.buf, want.buf));
	strbuf_release(&got);
	strbuf_release(&want);
	cl_release(&c);
}

static void changelog__markdown__issue_refs_only_alone(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct strbuf got = STRBUF_INIT;
	struct cl_fix c;

	gitfix_commit(fx, dir, "fix: see #7, not abc#8, &#9; or [#10](x) or #x");
	cl_load(fx, dir, &c);
	c.opts.repo_url = "https://github.com/o/r";
	c.opts.host = CL_HOST_GITHUB;
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	changelog_markdown(&got, &c.cl, &c.opts);
	assert_non_null(strstr(got.buf, "- see [#7](https://github.com/o/r/issues/7), "
				       "not abc#8, &#9; or [#10](x) or #x (["));
	strbuf_release(&got);
	cl_release(&c);
}

static void changelog__markdown__multiline_breaking_footer(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct strbuf want = STRBUF_INIT;
	struct cl_fix c;

	gitfix_commit(fx, dir, "feat(cfg)!: new format\n\nBREAKING CHANGE: keys are renamed:\n"
		      "old becomes new,\nand more.");
	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	strbuf_addf(&want, "### BREAKING CHANGES\n\n- **cfg:** keys are renamed:\n"
		    "  old becomes new,\n  and more. (%s)\n", short_id(fx, dir, "HEAD"));
	assert_non_null(strstr(markdown(fx, &c), want.buf));
	strbuf_release(&want);
	cl_release(&c);
}

/* A maintenance release claims its own commits before the next minor. */
static void changelog__all__maintenance_release_claims_its_commits(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct cl_release *r;
	struct cl_fix c;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "-b", "maint", NULL);
	gitfix_commit(fx, dir, "fix: backport");
	gitfix_git(fx, dir, "tag", "v1.0.1", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	gitfix_commit(fx, dir, "feat: two");
	gitfix_git(fx, dir, "merge", "-q", "--no-ff", "-m", "Merge branch 'maint'", "maint", NULL);
	fx->clock += GITFIX_DAY;
	gitfix_commit(fx, dir, "feat: three");
	gitfix_git(fx, dir, "tag", "v1.1.0", NULL);

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	assert_int_equal(c.cl.nr, 3);
	assert_string_equal(c.cl.rel[0].version, "1.1.0");
	assert_string_equal(c.cl.rel[1].version, "1.0.1");
	assert_string_equal(c.cl.rel[2].version, "1.0.0");
	r = &c.cl.rel[0];
	assert_int_equal(r->nr_commits, 3); /* three, the merge, two */
	assert_int_equal(r->nr, 2);
	assert_string_equal(r->entries[0].description, "three");
	assert_string_equal(r->entries[1].description, "two");
	r = &c.cl.rel[1];
	assert_int_equal(r->nr_commits, 1);
	assert_int_equal(r->nr, 1);
	assert_string_equal(r->entries[0].description, "backport");
	assert_int_equal(c.cl.rel[2].nr_commits, 1);
	cl_release(&c);
}

/* A release holds what no earlier tagged commit reaches, whatever the
 * version numbers say: a lower version tagged later still gets its own. */
static void changelog__all__ancestors_claim_first(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct cl_fix c;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v2.0.0", NULL);
	gitfix_commit(fx, dir, "fix: two");
	gitfix_git(fx, dir, "tag", "v1.5.0", NULL);

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	assert_int_equal(c.cl.nr, 2);
	assert_string_equal(c.cl.rel[0].version, "1.5.0");
	assert_int_equal(c.cl.rel[0].nr_commits, 1);
	assert_string_equal(c.cl.rel[0].entries[0].description, "two");
	assert_string_equal(c.cl.rel[1].version, "2.0.0");
	assert_int_equal(c.cl.rel[1].nr_commits, 1);
	assert_string_equal(c.cl.rel[1].entries[0].description, "one");
	cl_release(&c);
}

static void changelog__all__several_tags_highest_speaks(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct cl_fix c;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0-rc.1", NULL);
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "fix: two");
	gitfix_git(fx, dir, "tag", "v1.0.1", NULL);

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	assert_int_equal(c.cl.nr, 2);
	assert_string_equal(c.cl.rel[0].version, "1.0.1");
	assert_string_equal(c.cl.rel[1].version, "1.0.0");
	assert_string_equal(c.cl.rel[1].tag, "v1.0.0");
	assert_int_equal(c.cl.rel[1].nr, 1);
	assert_null(rel_named(&c.cl, "1.0.0-rc.1"));
	cl_release(&c);
}

/* rc.1 and the release on one commit, a later rc.2 in between in version
 * order (the team shipped rc.1's commit): still only the highest speaks. */
static void changelog__all__several_tags_not_adjacent(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct cl_release *r;
	struct cl_fix c;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0-rc.1", NULL);
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "fix: two");
	gitfix_git(fx, dir, "tag", "v1.0.0-rc.2", NULL);

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	assert_null(rel_named(&c.cl, "1.0.0-rc.1"));
	r = rel_named(&c.cl, "1.0.0");
	assert_non_null(r);
	assert_int_equal(r->nr, 1);
	assert_string_equal(r->entries[0].description, "one");
	cl_release(&c);
}

/* A stable release after candidates lists everything since the last stable
 * release (what release writes); each candidate keeps only its own. Two
 * stable tags on one commit: the higher speaks, the lower still bounds. */
static void changelog__all__stable_after_prereleases(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct cl_release *r;
	struct cl_fix c;

	gitfix_commit(fx, dir, "feat: zero");
	gitfix_git(fx, dir, "tag", "v0.1.0", NULL);
	gitfix_git(fx, dir, "tag", "v0.1.1", NULL);
	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v0.2.0-rc.1", NULL);
	gitfix_commit(fx, dir, "fix: two");
	gitfix_git(fx, dir, "tag", "v0.2.0-rc.2", NULL);
	gitfix_commit(fx, dir, "fix: three");
	gitfix_git(fx, dir, "tag", "v0.2.0", NULL);
	gitfix_commit(fx, dir, "fix: four");

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	assert_int_equal(c.cl.nr, 5);
	assert_null(c.cl.rel[0].version);
	assert_int_equal(c.cl.rel[0].nr_commits, 1);
	r = rel_named(&c.cl, "0.2.0");
	assert_non_null(r);
	assert_int_equal(r->nr_commits, 3);
	r = rel_named(&c.cl, "0.2.0-rc.2");
	assert_non_null(r);
	assert_int_equal(r->nr_commits, 1);
	assert_string_equal(r->entries[0].description, "two");
	r = rel_named(&c.cl, "0.2.0-rc.1");
	assert_non_null(r);
	assert_int_equal(r->nr_commits, 1);
	assert_null(rel_named(&c.cl, "0.1.0"));
	r = rel_named(&c.cl, "0.1.1");
	assert_non_null(r);
	assert_int_equal(r->nr_commits, 1);
	cl_release(&c);
}

static void changelog__all__reverts_merges_squashes(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct cl_release *r;
	struct cl_fix c;
	size_t i;

	gitfix_commit_file(fx, dir, "old", "1\n", "feat: old thing");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit_file(fx, dir, "new", "1\n", "feat: short-lived");
	gitfix_git(fx, dir, "revert", "--no-edit", "HEAD", NULL);
	fx->clock += GITFIX_DAY;
	gitfix_git(fx, dir, "revert", "--no-edit", "v1.0.0", NULL);
	fx->clock += GITFIX_DAY;
	gitfix_git(fx, dir, "checkout", "-q", "-b", "topic", NULL);
	gitfix_commit(fx, dir, "fix: on topic");
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	gitfix_git(fx, dir, "merge", "-q", "--no-ff", "-m", "feat: a merge header", "topic", NULL);
	fx->clock += GITFIX_DAY;
	gitfix_commit(fx, dir, "feat(ui): squashed (#5)\n\n* feat(ui): squashed (#5)\n"
		      "* fix(ui): part one\n* perf: part two\n");
	gitfix_git(fx, dir, "tag", "v1.1.0", NULL);

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	r = rel_named(&c.cl, "1.1.0");
	assert_non_null(r);
	assert_int_equal(r->nr_commits, 6);
	/* squash (3, its own header once), the revert of 1.0.0, the topic fix */
	assert_int_equal(r->nr, 5);
	assert_string_equal(r->entries[0].description, "squashed (#5)");
	assert_string_equal(r->entries[1].description, "part one");
	assert_string_equal(r->entries[2].description, "part two");
	/* A revert of a released commit shows under its own type. */
	assert_int_equal(r->entries[3].section, 3);
	assert_string_equal(r->entries[3].description, "Revert \"feat: old thing\"");
	assert_string_equal(r->entries[4].description, "on topic");
	for (i = 0; i < r->nr; i++) {
		assert_null(strstr(r->entries[i].description, "short-lived"));
		assert_null(strstr(r->entries[i].description, "merge header"));
		assert_int_equal(r->entries[i].idx == c.head, i < 3);
	}
	cl_release(&c);
}

/* commit.h: bare headers that open paragraphs list a squash's parts too. */
static void changelog__all__squash_bare_headers(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct cl_fix c;

	gitfix_commit(fx, dir, "chore: squashed (#4)\n\nfix: a\n\nfeat: b\n");
	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	assert_int_equal(c.cl.nr, 1);
	assert_int_equal(c.cl.rel[0].nr, 2);
	assert_string_equal(c.cl.rel[0].entries[0].description, "a");
	assert_string_equal(c.cl.rel[0].entries[1].description, "b");
	cl_release(&c);
}

static void changelog__all__shallow_is_edata(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = small_history(fx);
	const char *sh = gitfix_path(fx, "sh");
	struct strbuf url = STRBUF_INIT;
	struct cl_fix c;

	strbuf_addf(&url, "file://%s", dir);
	gitfix_git(fx, NULL, "clone", "-q", "--depth", "2", url.buf, sh, NULL);
	strbuf_release(&url);
	cl_load(fx, sh, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), -BOSUN_EDATA);
	assert_non_null(strstr(error_message(), "shallow"));
	error_clear();
	/* The latest release is there: what is unreleased is known. */
	assert_int_equal(changelog_unreleased(&c.cl, &c.h, &c.tags, c.head, &c.opts,
					      NULL, NULL), 0);
	assert_int_equal(c.cl.nr, 1);
	assert_int_equal(c.cl.rel[0].nr_commits, 1);
	cl_release(&c);
}

static void day_of(char *buf, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
}

static void today(char *buf, size_t n)
{
	day_of(buf, n, time(NULL));
}

static void changelog__unreleased__since_latest_release(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct cl_release *r;
	char d1[11], d2[11];
	struct cl_fix c;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "feat: two");
	gitfix_git(fx, dir, "tag", "v1.1.0-rc.1", NULL);
	gitfix_commit(fx, dir, "fix: three");
	gitfix_commit(fx, dir, "chore: four");

	cl_load(fx, dir, &c);
	/* No version: since the latest release of any kind. */
	assert_int_equal(changelog_unreleased(&c.cl, &c.h, &c.tags, c.head, &c.opts,
					      NULL, NULL), 0);
	assert_int_equal(c.cl.nr, 1);
	r = &c.cl.rel[0];
	assert_null(r->version);
	assert_int_equal(r->idx, c.head);
	assert_int_equal(r->nr_commits, 2);
	assert_int_equal(r->nr, 1);
	assert_string_equal(r->entries[0].description, "three");
	assert_true(strncmp(markdown(fx, &c), "## [Unreleased]\n", 16) == 0);
	changelog_release(&c.cl);

	/* A prerelease: the same range, titled and dated by HEAD's commit. */
	assert_int_equal(changelog_unreleased(&c.cl, &c.h, &c.tags, c.head, &c.opts,
					      "1.1.0-rc.2", "v1.1.0-rc.2"), 0);
	r = &c.cl.rel[0];
	assert_string_equal(r->version, "1.1.0-rc.2");
	assert_string_equal(r->tag, "v1.1.0-rc.2");
	day_of(d1, sizeof(d1), (time_t)c.h.commits[c.head].time);
	assert_string_equal(r->date, d1);
	assert_int_equal(r->nr_commits, 2);
	changelog_release(&c.cl);

	/* The same for a release being made now: dated today. */
	c.opts.dated_today = 1;
	today(d1, sizeof(d1));
	assert_int_equal(changelog_unreleased(&c.cl, &c.h, &c.tags, c.head, &c.opts,
					      "1.1.0-rc.2", "v1.1.0-rc.2"), 0);
	today(d2, sizeof(d2));
	r = &c.cl.rel[0];
	assert_true(!strcmp(r->date, d1) || !strcmp(r->date, d2));
	changelog_release(&c.cl);
	c.opts.dated_today = 0;

	/* A stable release: everything since the last stable one. */
	assert_int_equal(changelog_unreleased(&c.cl, &c.h, &c.tags, c.head, &c.opts,
					      "1.1.0", "v1.1.0"), 0);
	r = &c.cl.rel[0];
	assert_string_equal(r->version, "1.1.0");
	assert_int_equal(r->nr_commits, 3);
	assert_int_equal(r->nr, 2);
	assert_string_equal(r->entries[0].description, "three");
	assert_string_equal(r->entries[1].description, "two");
	changelog_release(&c.cl);
	cl_release(&c);
}

static void changelog__range__from_base_or_start(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = small_history(fx);
	struct cl_fix c;
	uint32_t base;

	cl_load(fx, dir, &c);
	assert_int_equal(history_resolve(&c.h, "v0.1.0", &base), 0);
	assert_int_equal(changelog_range(&c.cl, &c.h, &base, c.head, &c.opts, "Since 0.1.0"), 0);
	assert_int_equal(c.cl.nr, 1);
	assert_string_equal(c.cl.rel[0].version, "Since 0.1.0");
	assert_null(c.cl.rel[0].tag);
	assert_string_equal(c.cl.rel[0].date, "2024-01-06");
	assert_int_equal(c.cl.rel[0].nr_commits, 4);
	assert_int_equal(c.cl.rel[0].nr, 3);
	changelog_release(&c.cl);

	assert_int_equal(changelog_range(&c.cl, &c.h, NULL, c.head, &c.opts, NULL), 0);
	assert_null(c.cl.rel[0].version);
	assert_int_equal(c.cl.rel[0].nr_commits, 6);
	assert_int_equal(c.cl.rel[0].nr, 5);
	assert_true(strncmp(markdown(fx, &c), "## [Unreleased]\n", 16) == 0);
	cl_release(&c);
}

static void changelog__json__structure(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = small_history(fx);
	json_t *j, *rel, *e;
	struct cl_fix c;

	cl_load(fx, dir, &c);
	assert_int_equal(changelog_all(&c.cl, &c.h, &c.tags, c.head, &c.opts), 0);
	j = changelog_json(&c.cl, &c.opts);
	assert_int_equal(json_array_size(j), 3);
	rel = json_array_get(j, 0);
	assert_true(json_is_null(json_object_get(rel, "version")));
	rel = json_array_get(j, 1);
	assert_string_equal(json_string_value(json_object_get(rel, "version")), "1.0.0");
	assert_string_equal(json_string_value(json_object_get(rel, "tag")), "v1.0.0");
	assert_string_equal(json_string_value(json_object_get(rel, "date")), "2024-01-05");
	assert_string_equal(json_string_value(json_object_get(rel, "commit")),
			    full_id(fx, dir, "v1.0.0"));
	assert_int_equal(json_integer_value(json_object_get(rel, "commits")), 3);
	e = json_array_get(json_object_get(rel, "entries"), 1);
	assert_string_equal(json_string_value(json_object_get(e, "section")), "Features");
	assert_string_equal(json_string_value(json_object_get(e, "scope")), "api");
	assert_true(json_is_true(json_object_get(e, "breaking")));
	assert_string_equal(json_string_value(json_object_get(e, "breaking_text")),
			    "the old endpoint is gone");
	assert_string_equal(json_string_value(json_object_get(e, "short")),
			    short_id(fx, dir, "HEAD~3"));
	json_decref(j);
	cl_release(&c);
}

/* -------------------------------------------------------------- prepend */

static const char *read_text(struct gitfix *fx, const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(fs_read_file(&sb, path, 0), 0);
	return gitfix_keep(fx, strbuf_detach(&sb, NULL));
}

static void changelog__prepend__inserts_above_newest(void **state)
{
	struct gitfix *fx = *state;
	const char *path = gitfix_path(fx, "CHANGELOG.md");

	/* Created with a title. */
	assert_int_equal(changelog_prepend(path, "## [1.0.0] - 2024-01-01\n\n- one\n"), 0);
	assert_string_equal(read_text(fx, path),
			    "# Changelog\n\n## [1.0.0] - 2024-01-01\n\n- one\n");
	/* Above the newest entry, trailing blank lines of the entry trimmed. */
	assert_int_equal(changelog_prepend(path, "## [1.1.0] - 2024-02-01\n\n- two\n\n\n"), 0);
	assert_string_equal(read_text(fx, path),
			    "# Changelog\n\n## [1.1.0] - 2024-02-01\n\n- two\n\n"
			    "## [1.0.0] - 2024-01-01\n\n- one\n");
	/* Once only: the same heading (any date) is there already. */
	assert_int_equal(changelog_prepend(path, "## [1.1.0] - 2024-03-01\n\n- other\n"), 1);
	assert_string_equal(read_text(fx, path),
			    "# Changelog\n\n## [1.1.0] - 2024-02-01\n\n- two\n\n"
			    "## [1.0.0] - 2024-01-01\n\n- one\n");
	/* A prerelease of that version is another heading. */
	assert_int_equal(changelog_prepend(path, "## [1.1.0-rc.1] - 2024-01-15\n"), 0);
	assert_string_equal(read_text(fx, path),
			    "# Changelog\n\n## [1.1.0-rc.1] - 2024-01-15\n\n"
			    "## [1.1.0] - 2024-02-01\n\n- two\n\n"
			    "## [1.0.0] - 2024-01-01\n\n- one\n");
	/* No heading: a bug in the caller. */
	assert_int_equal(changelog_prepend(path, "- stray\n"), -BOSUN_EINTERNAL);
	error_clear();
}

static void changelog__prepend__keeps_preamble(void **state)
{
	struct gitfix *fx = *state;
	const char *path = gitfix_path(fx, "CHANGELOG.md");
	static const char pre[] = "# Changes\n\nAll notable changes.\n### Not an entry\n";

	gitfix_write(path, pre, strlen(pre));
	assert_int_equal(changelog_prepend(path, "## [0.1.0] - 2024-01-01\n\n- one\n"), 0);
	assert_string_equal(read_text(fx, path),
			    "# Changes\n\nAll notable changes.\n### Not an entry\n\n"
			    "## [0.1.0] - 2024-01-01\n\n- one\n");
	assert_int_equal(changelog_prepend(path, "## [Unreleased]\n\n- soon\n"), 0);
	assert_string_equal(read_text(fx, path),
			    "# Changes\n\nAll notable changes.\n### Not an entry\n\n"
			    "## [Unreleased]\n\n- soon\n\n"
			    "## [0.1.0] - 2024-01-01\n\n- one\n");
}

/* -------------------------------------------------------------- web url */

static void changelog__web_url__table(void **state)
{
	static const struct {
		const char *remote, *url;
		enum cl_host host;
	} cases[] = {
		{ "git@github.com:o/r.git", "https://github.com/o/r", CL_HOST_GITHUB },
		{ "git@github.com:o/r", "https://github.com/o/r", CL_HOST_GITHUB },
		{ "https://github.com/o/r.git", "https://github.com/o/r", CL_HOST_GITHUB },
		{ "https://github.com/o/r/", "https://github.com/o/r", CL_HOST_GITHUB },
		{ "http://github.com/o/r", "https://github.com/o/r", CL_HOST_GITHUB },
		{ "ssh://git@github.com/o/r.git", "https://github.com/o/r", CL_HOST_GITHUB },
		{ "git://github.com/o/r.git", "https://github.com/o/r", CL_HOST_GITHUB },
		{ "ssh://git@gitlab.com:22/o/r.git", "https://gitlab.com/o/r", CL_HOST_GITLAB },
		{ "https://user:tok@github.com/o/r", "https://github.com/o/r", CL_HOST_GITHUB },
		{ "https://oauth2:x@gitlab.example.com/g/sub/r.git",
		  "https://gitlab.example.com/g/sub/r", CL_HOST_GITLAB },
		{ "git@gitlab.com:g/sub/r.git", "https://gitlab.com/g/sub/r", CL_HOST_GITLAB },
		{ "https://bitbucket.org/o/r.git", NULL, CL_HOST_NONE },
		{ "git@example.com:o/r.git", NULL, CL_HOST_NONE },
		{ "/srv/git/r.git", NULL, CL_HOST_NONE },
		{ "file:///srv/git/r.git", NULL, CL_HOST_NONE },
		{ "", NULL, CL_HOST_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		enum cl_host host = CL_HOST_NONE;
		int r = changelog_web_url(&sb, &host, cases[i].remote);

		if (!cases[i].url) {
			if (r != -1)
				fail_msg("'%s' gave %d '%s'", cases[i].remote, r, sb.buf);
			assert_int_equal(sb.len, 0);
		} else {
			if (r != 0 || strcmp(sb.buf, cases[i].url))
				fail_msg("'%s' gave %d '%s', want '%s'", cases[i].remote,
					 r, sb.buf, cases[i].url);
			assert_int_equal(host, cases[i].host);
		}
		strbuf_release(&sb);
	}
}

/* The host decides, not a path that happens to contain "github". */
static void changelog__web_url__host_only_decides(void **state)
{
	static const char *const remotes[] = {
		"https://git.example.com/mirrors/github-tools.git",
		"git@git.example.com:gitlab/r.git",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(remotes) / sizeof(remotes[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		enum cl_host host = CL_HOST_NONE;

		if (changelog_web_url(&sb, &host, remotes[i]) != -1)
			fail_msg("'%s' gave '%s'", remotes[i], sb.buf);
		strbuf_release(&sb);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, gitfix_setup, gitfix_teardown)
	static const struct CMUnitTest tests[] = {
		T(changelog__all__releases_newest_first),
		T(changelog__markdown__exact_output),
		T(changelog__markdown__links),
		T(changelog__markdown__issue_refs_only_alone),
		T(changelog__markdown__multiline_breaking_footer),
		T(changelog__all__maintenance_release_claims_its_commits),
		T(changelog__all__ancestors_claim_first),
		T(changelog__all__several_tags_highest_speaks),
		T(changelog__all__several_tags_not_adjacent),
		T(changelog__all__stable_after_prereleases),
		T(changelog__all__reverts_merges_squashes),
		T(changelog__all__squash_bare_headers),
		T(changelog__all__shallow_is_edata),
		T(changelog__unreleased__since_latest_release),
		T(changelog__range__from_base_or_start),
		T(changelog__json__structure),
		T(changelog__prepend__inserts_above_newest),
		T(changelog__prepend__keeps_preamble),
		T(changelog__web_url__table),
		T(changelog__web_url__host_only_decides),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
