#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gitfix.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/git/history.h"
#include "lib/release/commit.h"
#include "lib/release/semver.h"
#include "lib/release/tags.h"
#include "lib/release/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const minor_types[] = { "feat" };
static const char *const patch_types[] = { "fix", "perf", "revert" };

static struct next_opts default_opts(void)
{
	struct next_opts o;

	memset(&o, 0, sizeof(o));
	o.rules.minor_types = minor_types;
	o.rules.nr_minor = 1;
	o.rules.patch_types = patch_types;
	o.rules.nr_patch = 3;
	return o;
}

/* A history with its release tags, as the commands load them. */
struct rel {
	struct history h;
	struct rtags tags;
	uint32_t head;
};

static void rel_load(struct gitfix *fx, const char *dir, struct rel *v,
		     const char *format, const char *package)
{
	memset(v, 0, sizeof(*v));
	assert_int_equal(history_open(&v->h, gitfix_repo(fx, dir)), 0);
	if (history_resolve(&v->h, "HEAD", &v->head) < 0)
		fail_msg("history_resolve: %s", error_message());
	if (rtags_collect(&v->tags, &v->h, format ? format : "v{version}", package) < 0)
		fail_msg("rtags_collect: %s", error_message());
}

static void rel_release(struct rel *v)
{
	rtags_release(&v->tags);
	history_release(&v->h);
	error_clear();
}

/* The commit index of rev (loaded with its history). */
static uint32_t idx_of(struct rel *v, const char *rev)
{
	uint32_t idx;

	if (history_resolve(&v->h, rev, &idx) < 0)
		fail_msg("history_resolve('%s'): %s", rev, error_message());
	return idx;
}

static const struct rtag *tag_named(const struct rtags *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->items[i].name, name))
			return &t->items[i];
	return NULL;
}

static int has_skipped(const struct rtags *t, const char *line)
{
	size_t i;

	for (i = 0; i < t->nr_skipped; i++)
		if (!strcmp(t->skipped[i], line))
			return 1;
	return 0;
}

/* version_next from tip (a revision) as text, or the error code in *rc. */
static const char *next_of(struct gitfix *fx, struct rel *v, const char *tip,
			   const struct next_opts *o, int *rc,
			   struct next_result *res_out)
{
	struct next_result res = NEXT_RESULT_INIT;
	struct strbuf sb = STRBUF_INIT;
	uint32_t head = tip ? idx_of(v, tip) : v->head;

	error_clear();
	*rc = version_next(&res, &v->h, &v->tags, head, o);
	if (*rc == 0)
		semver_format(&sb, &res.next);
	if (res_out)
		*res_out = res;
	else
		next_result_release(&res);
	return gitfix_keep(fx, strbuf_detach(&sb, NULL));
}

static void assert_next(struct gitfix *fx, struct rel *v, const char *tip,
			const struct next_opts *o, const char *want)
{
	int rc;
	const char *got = next_of(fx, v, tip, o, &rc, NULL);

	if (rc < 0)
		fail_msg("next from %s: %s (want %s)", tip ? tip : "HEAD",
			 error_message(), want);
	if (strcmp(got, want))
		fail_msg("next from %s: %s, want %s", tip ? tip : "HEAD", got, want);
}

static void assert_next_fails(struct gitfix *fx, struct rel *v, const char *tip,
			      const struct next_opts *o, int kind, const char *msg)
{
	int rc;
	const char *got = next_of(fx, v, tip, o, &rc, NULL);

	if (rc != -kind)
		fail_msg("next from %s: %d '%s' (%s), want -%d", tip ? tip : "HEAD",
			 rc, got, error_message(), kind);
	if (msg && !strstr(error_message(), msg))
		fail_msg("message '%s' lacks '%s'", error_message(), msg);
	error_clear();
}

/* ------------------------------------------------------------------ tags */

/* Tags of many shapes on three commits. */
static const char *tag_zoo(struct gitfix *fx)
{
	const char *dir = gitfix_init(fx, "r");

	gitfix_commit_file(fx, dir, "f", "1\n", "feat: one");
	gitfix_git(fx, dir, "tag", "-a", "-m", "Release 1.0.0", "v1.0.0", NULL);
	gitfix_git(fx, dir, "tag", "v1.2", NULL);
	gitfix_git(fx, dir, "tag", "v01.2.3", NULL);
	gitfix_git(fx, dir, "tag", "vfoo", NULL);
	gitfix_git(fx, dir, "tag", "release-1", NULL);
	gitfix_commit(fx, dir, "fix: two");
	gitfix_git(fx, dir, "tag", "v1.1.0-rc.1", NULL);
	gitfix_git(fx, dir, "tag", "v1.2.3.4", NULL);
	gitfix_git(fx, dir, "tag", "pkg@2.0.0", NULL);
	gitfix_git(fx, dir, "tag", "-a", "-m", "other", "other@3.0.0", NULL);
	gitfix_commit(fx, dir, "feat: three");
	gitfix_git(fx, dir, "tag", "pkg-v4.0.0", NULL);
	gitfix_git(fx, dir, "tag", "v1.1.0+build.7", NULL);
	gitfix_git(fx, dir, "tag", "pkg@2.1.0-beta.1", NULL);
	return dir;
}

static void assert_tag_at(struct gitfix *fx, const char *dir, struct rel *v,
			  const char *name, const char *ver)
{
	const struct rtag *t = tag_named(&v->tags, name);
	struct strbuf sb = STRBUF_INIT, rev = STRBUF_INIT;
	unsigned char oid[20];

	if (!t)
		fail_msg("no release tag '%s'", name);
	semver_format(&sb, &t->ver);
	assert_string_equal(sb.buf, ver);
	strbuf_addf(&rev, "%s^{commit}", name);
	gitfix_oid(gitfix_git(fx, dir, "rev-parse", rev.buf, NULL), oid);
	assert_memory_equal(v->h.commits[t->idx].oid, oid, 20);
	assert_true(v->h.commits[t->idx].loaded);
	strbuf_release(&sb);
	strbuf_release(&rev);
}

static void tags__collect__formats_and_packages(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = tag_zoo(fx);
	int phase;

	/* Loose refs, then packed ones (with peeled ids). */
	for (phase = 0; phase < 2; phase++) {
		struct rel v;

		if (phase)
			gitfix_git(fx, dir, "pack-refs", "--all", NULL);
		rel_load(fx, dir, &v, "v{version}", NULL);
		assert_int_equal(v.tags.nr, 3);
		assert_tag_at(fx, dir, &v, "v1.0.0", "1.0.0");
		assert_tag_at(fx, dir, &v, "v1.1.0-rc.1", "1.1.0-rc.1");
		assert_tag_at(fx, dir, &v, "v1.1.0+build.7", "1.1.0+build.7");
		assert_int_equal(v.tags.nr_skipped, 3);
		assert_true(has_skipped(&v.tags, "v1.2: not a semantic version"));
		assert_true(has_skipped(&v.tags, "v01.2.3: not a semantic version"));
		assert_true(has_skipped(&v.tags, "v1.2.3.4: not a semantic version"));
		rel_release(&v);

		rel_load(fx, dir, &v, "{name}@{version}", "pkg");
		assert_int_equal(v.tags.nr, 2);
		assert_tag_at(fx, dir, &v, "pkg@2.0.0", "2.0.0");
		assert_tag_at(fx, dir, &v, "pkg@2.1.0-beta.1", "2.1.0-beta.1");
		assert_int_equal(v.tags.nr_skipped, 0);
		rel_release(&v);

		rel_load(fx, dir, &v, "{name}@{version}", "other");
		assert_int_equal(v.tags.nr, 1);
		assert_tag_at(fx, dir, &v, "other@3.0.0", "3.0.0");
		rel_release(&v);

		rel_load(fx, dir, &v, "{name}-v{version}", "pkg");
		assert_int_equal(v.tags.nr, 1);
		assert_tag_at(fx, dir, &v, "pkg-v4.0.0", "4.0.0");
		rel_release(&v);

		rel_load(fx, dir, &v, "release-{version}", NULL);
		assert_int_equal(v.tags.nr, 0);
		assert_true(has_skipped(&v.tags, "release-1: not a semantic version"));
		rel_release(&v);
	}
}

static void tags__collect__bad_formats(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct rtags t = RTAGS_INIT;
	struct history h = HISTORY_INIT;
	uint32_t head;

	gitfix_commit(fx, dir, "one");
	assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	assert_int_equal(rtags_collect(&t, &h, "{name}@{version}", NULL), -BOSUN_EUSAGE);
	assert_int_equal(rtags_collect(&t, &h, "release", NULL), -BOSUN_EDATA);
	assert_int_equal(rtags_collect(&t, &h, "{version}-{version}", NULL), -BOSUN_EDATA);
	assert_int_equal(t.nr, 0);
	error_clear();
	assert_int_equal(rtags_check_format("{name}-v{version}", "p"), 0);
	history_release(&h);
	rtags_release(&t);
}

/* Non-commit tags: to a blob (lightweight), to a tree (annotated). */
static const char *non_commit_tags(struct gitfix *fx)
{
	const char *dir = gitfix_init(fx, "r");

	gitfix_commit_file(fx, dir, "f", "x\n", "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_git(fx, dir, "tag", "v8.0.0", "HEAD:f", NULL);
	gitfix_git(fx, dir, "tag", "-a", "-m", "a tree", "v9.0.0", "HEAD^{tree}", NULL);
	return dir;
}

static void tags__collect__skips_non_commits_loose(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = non_commit_tags(fx);
	struct rel v;

	rel_load(fx, dir, &v, NULL, NULL);
	assert_int_equal(v.tags.nr, 1);
	assert_non_null(tag_named(&v.tags, "v1.0.0"));
	assert_true(has_skipped(&v.tags, "v8.0.0: does not point to a commit"));
	assert_true(has_skipped(&v.tags, "v9.0.0: does not point to a commit"));
	rel_release(&v);
}

/* packed-refs gives an annotated tag's fully peeled id: here a tree. */
static void tags__collect__skips_non_commits_packed(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = non_commit_tags(fx);
	struct rtags t = RTAGS_INIT;
	struct history h = HISTORY_INIT;
	uint32_t head;
	int r;

	gitfix_git(fx, dir, "pack-refs", "--all", NULL);
	assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	r = rtags_collect(&t, &h, "v{version}", NULL);
	if (r < 0)
		fail_msg("rtags_collect: %s", error_message());
	assert_int_equal(t.nr, 1);
	assert_true(has_skipped(&t, "v8.0.0: does not point to a commit"));
	assert_true(has_skipped(&t, "v9.0.0: does not point to a commit"));
	rtags_release(&t);
	history_release(&h);
}

static void tags__sort_and_format(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = tag_zoo(fx);
	struct strbuf sb = STRBUF_INIT;
	struct rel v;

	gitfix_git(fx, dir, "tag", "v1.0.0-rc.2", "HEAD~2", NULL);
	gitfix_git(fx, dir, "tag", "v1.0.0-rc.10", "HEAD~2", NULL);
	rel_load(fx, dir, &v, NULL, NULL);
	rtags_sort(&v.tags);
	assert_int_equal(v.tags.nr, 5);
	assert_string_equal(v.tags.items[0].name, "v1.0.0-rc.2");
	assert_string_equal(v.tags.items[1].name, "v1.0.0-rc.10");
	assert_string_equal(v.tags.items[2].name, "v1.0.0");
	assert_string_equal(v.tags.items[3].name, "v1.1.0-rc.1");
	assert_string_equal(v.tags.items[4].name, "v1.1.0+build.7");
	rel_release(&v);

	rtags_format(&sb, "{name}@{version}", "pkg", "1.2.3");
	assert_string_equal(sb.buf, "pkg@1.2.3");
	strbuf_reset(&sb);
	rtags_format(&sb, "v{version}", NULL, "1.2.3-rc.1");
	assert_string_equal(sb.buf, "v1.2.3-rc.1");
	strbuf_release(&sb);
}

/* --------------------------------------------------------------- current */

static void version__current__highest_reachable(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct rtag *cur = NULL;
	struct rel v;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "-b", "side", NULL);
	gitfix_commit(fx, dir, "feat: side");
	gitfix_git(fx, dir, "tag", "v5.0.0", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	gitfix_commit(fx, dir, "feat: two");
	gitfix_git(fx, dir, "tag", "v1.1.0", NULL);
	gitfix_git(fx, dir, "tag", "v1.0.5", NULL);
	gitfix_commit(fx, dir, "feat: three");
	gitfix_git(fx, dir, "tag", "v1.2.0-rc.1", NULL);
	gitfix_commit(fx, dir, "fix: four");

	rel_load(fx, dir, &v, NULL, NULL);
	assert_int_equal(v.tags.nr, 5);
	assert_int_equal(version_current(&cur, &v.h, &v.tags, v.head, 1), 0);
	assert_string_equal(cur->name, "v1.2.0-rc.1");
	assert_int_equal(version_current(&cur, &v.h, &v.tags, v.head, 0), 0);
	assert_string_equal(cur->name, "v1.1.0");
	/* From the side branch only v1.0.0 and its own tag are reachable. */
	assert_int_equal(version_current(&cur, &v.h, &v.tags, idx_of(&v, "side"), 1), 0);
	assert_string_equal(cur->name, "v5.0.0");
	assert_int_equal(version_current(&cur, &v.h, &v.tags, idx_of(&v, "main~3"), 1), 0);
	assert_string_equal(cur->name, "v1.0.0");
	rel_release(&v);
}

static void version__current__none_is_enotfound(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct rtag *cur = NULL;
	struct rel v;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "not-a-release", NULL);
	rel_load(fx, dir, &v, NULL, NULL);
	assert_int_equal(version_current(&cur, &v.h, &v.tags, v.head, 1), -BOSUN_ENOTFOUND);
	assert_null(cur);
	assert_non_null(strstr(error_message(), "no release yet"));
	error_clear();
	assert_int_equal(version_newest(&cur, &v.h, &v.tags, v.head), -BOSUN_ENOTFOUND);
	rel_release(&v);
}

static void version__newest__first_tagged_on_first_parents(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct rtag *t = NULL;
	struct rel v;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "feat: two");
	gitfix_git(fx, dir, "tag", "v1.1.0-rc.1", NULL);
	gitfix_commit(fx, dir, "fix: three");
	/* A beta after the rc: lower, but what the files should say. */
	gitfix_git(fx, dir, "tag", "v1.1.0-beta.1", NULL);
	gitfix_git(fx, dir, "tag", "v1.1.0-beta.0", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "-b", "side", NULL);
	gitfix_commit(fx, dir, "feat: side");
	gitfix_git(fx, dir, "tag", "v3.0.0", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	gitfix_commit(fx, dir, "fix: four");
	gitfix_git(fx, dir, "merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side", NULL);
	gitfix_commit(fx, dir, "chore: five");

	rel_load(fx, dir, &v, NULL, NULL);
	assert_int_equal(version_newest(&t, &v.h, &v.tags, v.head), 0);
	assert_string_equal(t->name, "v1.1.0-beta.1");
	/* ...while the highest reachable is the merged side's. */
	assert_int_equal(version_current(&t, &v.h, &v.tags, v.head, 1), 0);
	assert_string_equal(t->name, "v3.0.0");
	assert_int_equal(version_newest(&t, &v.h, &v.tags, idx_of(&v, "main~4")), 0);
	assert_string_equal(t->name, "v1.1.0-rc.1");
	assert_int_equal(version_newest(&t, &v.h, &v.tags, idx_of(&v, "side")), 0);
	assert_string_equal(t->name, "v3.0.0");
	rel_release(&v);
}

/* ------------------------------------------------------------------ next */

/* v1.2.3, then one branch per kind of change. */
static const char *level_branches(struct gitfix *fx)
{
	static const char *const cases[][2] = {
		{ "fix", "fix: a bug" },
		{ "perf", "perf(db): faster" },
		{ "feat", "feat(ui): a button" },
		{ "bang", "feat!: drop the old API" },
		{ "bangfix", "fix(x)!: stricter" },
		{ "footer", "refactor: inside\n\nBREAKING CHANGE: the config moved" },
		{ "footer2", "chore: inside\n\nBREAKING-CHANGE: the flag is gone" },
		{ "chore", "chore: tidy" },
		{ "nonconv", "Update README" },
		{ "upper", "FEAT: shouting" },
	};
	const char *dir = gitfix_init(fx, "r");
	size_t i;

	gitfix_commit(fx, dir, "feat: base");
	gitfix_git(fx, dir, "tag", "v1.2.3", NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gitfix_git(fx, dir, "checkout", "-q", "-b", cases[i][0], "v1.2.3", NULL);
		gitfix_commit(fx, dir, cases[i][1]);
	}
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	return dir;
}

static void version__next__levels(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = level_branches(fx);
	struct next_opts o = default_opts();
	struct next_result res;
	struct rel v;
	int rc;

	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, "fix", &o, "1.2.4");
	assert_next(fx, &v, "perf", &o, "1.2.4");
	assert_next(fx, &v, "feat", &o, "1.3.0");
	assert_next(fx, &v, "bang", &o, "2.0.0");
	assert_next(fx, &v, "bangfix", &o, "2.0.0");
	assert_next(fx, &v, "footer", &o, "2.0.0");
	assert_next(fx, &v, "footer2", &o, "2.0.0");
	assert_next(fx, &v, "upper", &o, "1.3.0");
	assert_next_fails(fx, &v, "chore", &o, BOSUN_EFAIL, "nothing to release since v1.2.3");
	assert_next_fails(fx, &v, "nonconv", &o, BOSUN_EFAIL, "nothing to release since v1.2.3");
	assert_next_fails(fx, &v, "main", &o, BOSUN_EFAIL, NULL);

	/* What decided it. */
	next_of(fx, &v, "footer", &o, &rc, &res);
	assert_int_equal(rc, 0);
	assert_non_null(res.previous);
	assert_string_equal(res.previous->name, "v1.2.3");
	assert_ptr_equal(res.latest, res.previous);
	assert_int_equal(res.level, BUMP_MAJOR);
	assert_int_equal(res.considered, 1);
	assert_int_equal(res.nr, 1);
	assert_string_equal(res.commits[0].header, "refactor: inside");
	assert_int_equal(res.commits[0].level, BUMP_MAJOR);
	assert_int_equal(res.commits[0].idx, idx_of(&v, "footer"));
	next_result_release(&res);

	/* A forced level needs no commit at all. */
	o.level = BUMP_MAJOR;
	assert_next(fx, &v, "chore", &o, "2.0.0");
	o.level = BUMP_PATCH;
	assert_next(fx, &v, "feat", &o, "1.2.4");
	rel_release(&v);
}

static void version__next__zero_major(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	struct rel v;

	gitfix_commit(fx, dir, "feat: base");
	gitfix_git(fx, dir, "tag", "v0.3.4", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "-b", "fix", NULL);
	gitfix_commit(fx, dir, "fix: a");
	gitfix_git(fx, dir, "checkout", "-q", "-b", "feat", "v0.3.4", NULL);
	gitfix_commit(fx, dir, "feat: b");
	gitfix_git(fx, dir, "checkout", "-q", "-b", "major", "v0.3.4", NULL);
	gitfix_commit(fx, dir, "feat!: c");

	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, "fix", &o, "0.3.5");
	assert_next(fx, &v, "feat", &o, "0.4.0");
	assert_next(fx, &v, "major", &o, "0.4.0");
	o.zero_major = 1;
	assert_next(fx, &v, "major", &o, "1.0.0");
	assert_next(fx, &v, "feat", &o, "0.4.0");
	rel_release(&v);
}

static void version__next__initial_release(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	struct next_result res;
	struct rel v;
	int rc;

	gitfix_commit(fx, dir, "chore: init");
	gitfix_git(fx, dir, "branch", "only-chore", NULL);
	gitfix_commit(fx, dir, "fix: a");
	gitfix_commit(fx, dir, "feat!: b");

	rel_load(fx, dir, &v, NULL, NULL);
	next_of(fx, &v, NULL, &o, &rc, &res);
	assert_int_equal(rc, 0);
	assert_null(res.previous);
	assert_null(res.latest);
	assert_int_equal(res.considered, 3);
	assert_int_equal(res.nr, 2);
	next_result_release(&res);
	assert_next(fx, &v, NULL, &o, "0.1.0");
	o.initial = "1.0.0";
	assert_next(fx, &v, NULL, &o, "1.0.0");
	o.pre = "rc";
	assert_next(fx, &v, NULL, &o, "1.0.0-rc.1");
	o.pre = NULL;
	o.initial = "one";
	assert_next_fails(fx, &v, NULL, &o, BOSUN_EDATA, "release.initial");
	o.initial = NULL;
	assert_next_fails(fx, &v, "only-chore", &o, BOSUN_EFAIL,
			  "no feat, fix or breaking change yet");
	rel_release(&v);
}

static void version__next__prerelease_numbering(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	struct rel v;

	gitfix_commit(fx, dir, "feat: base");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "feat: new");
	rel_load(fx, dir, &v, NULL, NULL);
	o.pre = "rc";
	assert_next(fx, &v, NULL, &o, "1.1.0-rc.1");
	rel_release(&v);

	gitfix_git(fx, dir, "tag", "v1.1.0-rc.1", NULL);
	rel_load(fx, dir, &v, NULL, NULL);
	assert_next_fails(fx, &v, NULL, &o, BOSUN_EFAIL, "nothing to release since v1.1.0-rc.1");
	o.pre = NULL;
	/* A plain next after a prerelease is its release. */
	assert_next(fx, &v, NULL, &o, "1.1.0");
	rel_release(&v);

	/* A chore is nothing new for an rc either. */
	gitfix_commit(fx, dir, "chore: tidy");
	rel_load(fx, dir, &v, NULL, NULL);
	o.pre = "rc";
	assert_next_fails(fx, &v, NULL, &o, BOSUN_EFAIL, "since v1.1.0-rc.1");
	rel_release(&v);

	gitfix_commit(fx, dir, "fix: after rc");
	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, NULL, &o, "1.1.0-rc.2");
	o.pre = "beta";
	assert_next(fx, &v, NULL, &o, "1.1.0-beta.1");
	o.pre = NULL;
	assert_next(fx, &v, NULL, &o, "1.1.0");
	rel_release(&v);

	/* The numbers go on from the highest tag, reachable or not. */
	gitfix_git(fx, dir, "checkout", "-q", "-b", "other", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "feat: elsewhere");
	gitfix_git(fx, dir, "tag", "v1.1.0-rc.7", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	rel_load(fx, dir, &v, NULL, NULL);
	o.pre = "rc";
	assert_next(fx, &v, NULL, &o, "1.1.0-rc.8");

	/* Ids that cannot make a prerelease. */
	o.pre = "";
	assert_next_fails(fx, &v, NULL, &o, BOSUN_EUSAGE, "empty");
	o.pre = "r c";
	assert_next_fails(fx, &v, NULL, &o, BOSUN_EUSAGE, NULL);
	o.pre = "01";
	assert_next_fails(fx, &v, NULL, &o, BOSUN_EUSAGE, "needs a letter");
	rel_release(&v);
}

/*
 * Only prerelease tags reachable: a prerelease is a release, so the next
 * version goes on from it. The cases follow semantic-release's
 * get-next-version tests ("no regular releases on other branches":
 * 1.0.0-beta.1 + minor on beta gives 1.0.0-beta.2; a release branch bumps
 * the last release with semver's inc, which gives 1.0.0 for 1.0.0-beta.1).
 */
static void version__next__only_prereleases(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	const struct rtag *cur;
	struct next_result res;
	struct rel v;
	int rc;

	gitfix_commit(fx, dir, "feat: first");
	gitfix_git(fx, dir, "tag", "v1.0.0-beta.1", NULL);
	rel_load(fx, dir, &v, NULL, NULL);
	/* current with only prereleases is the prerelease */
	assert_int_equal(version_current(&cur, &v.h, &v.tags, v.head, 1), 0);
	assert_string_equal(cur->name, "v1.0.0-beta.1");
	assert_int_equal(version_current(&cur, &v.h, &v.tags, v.head, 0),
			 -BOSUN_ENOTFOUND);
	error_clear();
	/* nothing new: a plain next releases the beta, a beta has nothing */
	assert_next(fx, &v, NULL, &o, "1.0.0");
	o.pre = "beta";
	assert_next_fails(fx, &v, NULL, &o, BOSUN_EFAIL,
			  "nothing to release since v1.0.0-beta.1");
	o.pre = "rc";
	assert_next(fx, &v, NULL, &o, "1.0.0-rc.1");
	o.pre = NULL;
	rel_release(&v);

	/* only fixes since: still 1.0.0, never back to release.initial */
	gitfix_commit(fx, dir, "fix: a");
	rel_load(fx, dir, &v, NULL, NULL);
	next_of(fx, &v, NULL, &o, &rc, &res);
	assert_int_equal(rc, 0);
	assert_null(res.previous);
	assert_non_null(res.latest);
	assert_string_equal(res.latest->name, "v1.0.0-beta.1");
	next_result_release(&res);
	assert_next(fx, &v, NULL, &o, "1.0.0");
	o.initial = "0.1.0";
	assert_next(fx, &v, NULL, &o, "1.0.0");
	o.initial = NULL;
	o.pre = "beta";
	assert_next(fx, &v, NULL, &o, "1.0.0-beta.2");
	o.pre = "rc";
	assert_next(fx, &v, NULL, &o, "1.0.0-rc.1");
	o.pre = NULL;
	rel_release(&v);

	/* a feat and a breaking change: 1.0.0 already holds both levels */
	gitfix_commit(fx, dir, "feat: b");
	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, NULL, &o, "1.0.0");
	o.pre = "beta";
	assert_next(fx, &v, NULL, &o, "1.0.0-beta.2");
	o.pre = NULL;
	rel_release(&v);
	gitfix_commit(fx, dir, "feat!: c");
	gitfix_git(fx, dir, "tag", "v1.0.0-beta.2", NULL);
	gitfix_commit(fx, dir, "fix: d");
	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, NULL, &o, "1.0.0");
	o.pre = "beta";
	assert_next(fx, &v, NULL, &o, "1.0.0-beta.3");
	o.pre = "rc";
	assert_next(fx, &v, NULL, &o, "1.0.0-rc.1");
	o.pre = NULL;
	rel_release(&v);

	/* a 0.x prerelease: a breaking change stays below 1.0.0 */
	dir = gitfix_init(fx, "z");
	gitfix_commit(fx, dir, "feat: first");
	gitfix_git(fx, dir, "tag", "v0.2.0-alpha.1", NULL);
	gitfix_commit(fx, dir, "fix: a");
	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, NULL, &o, "0.2.0");
	rel_release(&v);
	gitfix_commit(fx, dir, "feat!: b");
	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, NULL, &o, "0.2.0");
	o.zero_major = 1;
	assert_next(fx, &v, NULL, &o, "1.0.0");
	rel_release(&v);
}

/* A forced level never gives a version below a prerelease already out. */
static void version__next__never_below_a_prerelease(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	struct rel v;

	gitfix_commit(fx, dir, "feat: base");
	gitfix_git(fx, dir, "tag", "v1.2.0", NULL);
	gitfix_commit(fx, dir, "feat: b");
	gitfix_git(fx, dir, "tag", "v1.3.0-rc.2", NULL);
	gitfix_commit(fx, dir, "chore: c");
	rel_load(fx, dir, &v, NULL, NULL);
	o.level = BUMP_PATCH;
	assert_next(fx, &v, NULL, &o, "1.3.0");
	o.level = BUMP_MAJOR;
	assert_next(fx, &v, NULL, &o, "2.0.0");
	o.level = BUMP_NONE;
	assert_next(fx, &v, NULL, &o, "1.3.0");
	rel_release(&v);
}

static void version__next__reverts_cancel(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	struct next_result res;
	struct rel v;
	int rc;

	gitfix_commit_file(fx, dir, "old", "1\n", "feat: old feature");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);

	/* A feat and its revert: nothing. */
	gitfix_git(fx, dir, "checkout", "-q", "-b", "pair", NULL);
	gitfix_commit_file(fx, dir, "new", "1\n", "feat: new feature");
	gitfix_git(fx, dir, "revert", "--no-edit", "HEAD", NULL);
	fx->clock += GITFIX_DAY;
	/* ... with a fix beside it: a patch. */
	gitfix_git(fx, dir, "checkout", "-q", "-b", "pair-fix", NULL);
	gitfix_commit(fx, dir, "fix: small");
	/* A revert found by its quoted header only. */
	gitfix_git(fx, dir, "checkout", "-q", "-b", "quoted", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "feat: by header");
	gitfix_commit(fx, dir, "Revert \"feat: by header\"\n\nSquashed without the id.");
	/* A revert of something released: a change of its own. */
	gitfix_git(fx, dir, "checkout", "-q", "-b", "released", "v1.0.0", NULL);
	gitfix_git(fx, dir, "revert", "--no-edit", "v1.0.0", NULL);
	fx->clock += GITFIX_DAY;
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);

	rel_load(fx, dir, &v, NULL, NULL);
	assert_next_fails(fx, &v, "pair", &o, BOSUN_EFAIL, "nothing to release");
	assert_next(fx, &v, "pair-fix", &o, "1.0.1");
	next_of(fx, &v, "pair-fix", &o, &rc, &res);
	assert_int_equal(rc, 0);
	assert_int_equal(res.considered, 3);
	assert_int_equal(res.nr, 1);
	assert_string_equal(res.commits[0].header, "fix: small");
	next_result_release(&res);
	assert_next_fails(fx, &v, "quoted", &o, BOSUN_EFAIL, NULL);
	assert_next(fx, &v, "released", &o, "1.0.1");
	rel_release(&v);
}

static void version__next__merges_skipped(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	struct next_result res;
	struct rel v;
	int rc;

	gitfix_commit(fx, dir, "feat: base");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "-b", "chores", NULL);
	gitfix_commit(fx, dir, "chore: a");
	gitfix_git(fx, dir, "checkout", "-q", "-b", "feats", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "feat: b");
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	gitfix_commit(fx, dir, "docs: c");
	/* A merge with a conventional header does not count... */
	gitfix_git(fx, dir, "merge", "-q", "--no-ff", "-m", "feat!: merge chores", "chores", NULL);
	gitfix_git(fx, dir, "branch", "after-chores", NULL);
	/* ...what it merges does. */
	gitfix_git(fx, dir, "merge", "-q", "--no-ff", "-m", "Merge branch 'feats'", "feats", NULL);

	rel_load(fx, dir, &v, NULL, NULL);
	assert_next_fails(fx, &v, "after-chores", &o, BOSUN_EFAIL, NULL);
	next_of(fx, &v, NULL, &o, &rc, &res);
	assert_int_equal(rc, 0);
	assert_int_equal(res.level, BUMP_MINOR);
	assert_int_equal(res.considered, 5);
	assert_int_equal(res.nr, 1);
	assert_string_equal(res.commits[0].header, "feat: b");
	next_result_release(&res);
	rel_release(&v);
}

static void version__next__squash_bodies_count(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	struct next_result res;
	struct rel v;
	int rc;

	gitfix_commit(fx, dir, "feat: base");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "-b", "listed", NULL);
	gitfix_commit(fx, dir, "chore: squash of #3 (#3)\n\n* feat(a): x\n* fix: y\n* not a header\n");
	gitfix_git(fx, dir, "checkout", "-q", "-b", "breaking", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "Squashed work\n\n- fix: y\n- feat(api)!: z\n");

	rel_load(fx, dir, &v, NULL, NULL);
	next_of(fx, &v, "listed", &o, &rc, &res);
	assert_int_equal(rc, 0);
	assert_int_equal(res.level, BUMP_MINOR);
	assert_int_equal(res.nr, 2);
	assert_string_equal(res.commits[0].header, "feat(a): x");
	assert_string_equal(res.commits[1].header, "fix: y");
	assert_int_equal(res.commits[0].idx, res.commits[1].idx);
	next_result_release(&res);
	assert_next(fx, &v, "listed", &o, "1.1.0");
	assert_next(fx, &v, "breaking", &o, "2.0.0");
	rel_release(&v);
}

/* commit.h: a squash body's bare headers open paragraphs ("feat: a\n\nfix:
 * b"); cc_parse_squashed() wants the text after the header as written. */
static void version__next__squash_bare_headers_count(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct next_opts o = default_opts();
	struct rel v;

	gitfix_commit(fx, dir, "feat: base");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "chore: squashed (#4)\n\nfix: a\n\nfeat: b\n");
	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, NULL, &o, "1.1.0");
	rel_release(&v);
}

static void version__next__shallow_without_release_is_edata(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "full");
	const char *sh = gitfix_path(fx, "sh");
	struct next_opts o = default_opts();
	struct strbuf url = STRBUF_INIT;
	struct rel v;
	int i;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	for (i = 0; i < 4; i++)
		gitfix_commit(fx, dir, "fix: more");
	strbuf_addf(&url, "file://%s", dir);
	gitfix_git(fx, NULL, "clone", "-q", "--depth", "2", url.buf, sh, NULL);
	strbuf_release(&url);
	rel_load(fx, sh, &v, NULL, NULL);
	assert_true(v.h.hit_boundary);
	assert_int_equal(v.tags.nr, 0);
	assert_next_fails(fx, &v, NULL, &o, BOSUN_EDATA, "shallow clone");
	rel_release(&v);
}

static void version__range__counts_equal_rev_list(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct rel v;
	uint32_t *list = NULL, bases[2];
	size_t n, i;

	gitfix_commit(fx, dir, "feat: one");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, "fix: two");
	gitfix_git(fx, dir, "checkout", "-q", "-b", "topic", NULL);
	gitfix_commit(fx, dir, "feat: t1");
	gitfix_commit(fx, dir, "feat: t2");
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	gitfix_commit(fx, dir, "fix: three");
	gitfix_git(fx, dir, "tag", "v1.1.0", NULL);
	gitfix_git(fx, dir, "merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic", NULL);
	fx->clock += GITFIX_DAY;
	gitfix_commit(fx, dir, "docs: four");

	rel_load(fx, dir, &v, NULL, NULL);

	bases[0] = idx_of(&v, "v1.0.0");
	n = version_range(&v.h, v.head, bases, 1, &list);
	assert_int_equal(n, strtoul(gitfix_git(fx, dir, "rev-list", "--count", "HEAD", "^v1.0.0", NULL), NULL, 10));
	assert_int_equal(list[0], v.head);
	/* Newest first along first parents: the merge, then main's side. */
	assert_int_equal(list[1], idx_of(&v, "HEAD~1"));
	assert_int_equal(list[2], idx_of(&v, "HEAD~2"));
	{
		const char *revs = gitfix_git(fx, dir, "rev-list", "HEAD", "^v1.0.0", NULL);

		for (i = 0; i < n; i++) {
			char hex[41];

			oid_to_hex(v.h.commits[list[i]].oid, hex);
			assert_non_null(strstr(revs, hex));
		}
	}
	free(list);

	bases[1] = idx_of(&v, "topic");
	n = version_range(&v.h, v.head, bases, 2, &list);
	assert_int_equal(n, strtoul(gitfix_git(fx, dir, "rev-list", "--count", "HEAD", "^v1.0.0", "^topic", NULL), NULL, 10));
	free(list);

	n = version_range(&v.h, v.head, NULL, 0, &list);
	assert_int_equal(n, strtoul(gitfix_git(fx, dir, "rev-list", "--count", "HEAD", NULL), NULL, 10));
	free(list);

	bases[0] = v.head;
	n = version_range(&v.h, v.head, bases, 1, &list);
	assert_int_equal(n, 0);
	free(list);
	rel_release(&v);
}

static void version__commit_level__rules(void **state)
{
	const struct bump_rules rules = { minor_types, 1, patch_types, 3 };
	const struct bump_rules no_revert = { minor_types, 1, patch_types, 2 };
	static const struct {
		const char *msg;
		enum bump_level want, want_no_revert;
	} cases[] = {
		{ "feat: a", BUMP_MINOR, BUMP_MINOR },
		{ "Feat(x): a", BUMP_MINOR, BUMP_MINOR },
		{ "fix: a", BUMP_PATCH, BUMP_PATCH },
		{ "perf: a", BUMP_PATCH, BUMP_PATCH },
		{ "docs: a", BUMP_NONE, BUMP_NONE },
		{ "docs!: a", BUMP_MAJOR, BUMP_MAJOR },
		{ "Whatever: x\n\nBREAKING CHANGE: yes", BUMP_MAJOR, BUMP_MAJOR },
		{ "revert: a", BUMP_PATCH, BUMP_NONE },
		{ "Revert \"feat: a\"\n\nThis reverts commit 1234567.", BUMP_PATCH, BUMP_NONE },
		{ "Update things", BUMP_NONE, BUMP_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cc_commit c = CC_COMMIT_INIT;

		cc_parse(&c, cases[i].msg, strlen(cases[i].msg));
		assert_int_equal(version_commit_level(&c, &rules), cases[i].want);
		assert_int_equal(version_commit_level(&c, &no_revert), cases[i].want_no_revert);
		cc_release(&c);
	}
}

/* commit.h: a BREAKING CHANGE footer marks a commit breaking even when its
 * header is not conventional; version.h: such a commit is a major bump. */
static void version__next__breaking_footer_without_conventional_header(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const struct bump_rules rules = { minor_types, 1, patch_types, 3 };
	struct cc_commit c = CC_COMMIT_INIT;
	struct next_opts o = default_opts();
	static const char msg[] = "Rework the storage\n\nBREAKING CHANGE: old data must be migrated";
	struct rel v;

	cc_parse(&c, msg, strlen(msg));
	assert_true(c.breaking);
	assert_int_equal(version_commit_level(&c, &rules), BUMP_MAJOR);
	cc_release(&c);

	gitfix_commit(fx, dir, "feat: base");
	gitfix_git(fx, dir, "tag", "v1.0.0", NULL);
	gitfix_commit(fx, dir, msg);
	rel_load(fx, dir, &v, NULL, NULL);
	assert_next(fx, &v, NULL, &o, "2.0.0");
	rel_release(&v);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, gitfix_setup, gitfix_teardown)
	static const struct CMUnitTest tests[] = {
		T(tags__collect__formats_and_packages),
		T(tags__collect__bad_formats),
		T(tags__collect__skips_non_commits_loose),
		T(tags__collect__skips_non_commits_packed),
		T(tags__sort_and_format),
		T(version__current__highest_reachable),
		T(version__current__none_is_enotfound),
		T(version__newest__first_tagged_on_first_parents),
		T(version__next__levels),
		T(version__next__zero_major),
		T(version__next__initial_release),
		T(version__next__prerelease_numbering),
		T(version__next__only_prereleases),
		T(version__next__never_below_a_prerelease),
		T(version__next__reverts_cancel),
		T(version__next__merges_skipped),
		T(version__next__squash_bodies_count),
		T(version__next__squash_bare_headers_count),
		T(version__next__shallow_without_release_is_edata),
		T(version__range__counts_equal_rev_list),
		T(version__commit_level__rules),
		T(version__next__breaking_footer_without_conventional_header),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
