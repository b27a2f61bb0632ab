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
#include "lib/git/pack.h"
#include "lib/git/refs.h"
#include "lib/git/repo.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* a/b, kept until the teardown. */
static const char *join(struct gitfix *fx, const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	fs_path_join(&sb, a, b);
	return gitfix_keep(fx, strbuf_detach(&sb, NULL));
}

static const char *real(struct gitfix *fx, const char *path)
{
	char *r = realpath(path, NULL);

	if (!r)
		fail_msg("realpath('%s') failed", path);
	return gitfix_keep(fx, r);
}

static void write_str(const char *path, const char *s)
{
	gitfix_write(path, s, strlen(s));
}

/* The raw id git gives for rev. */
static void rev_oid(struct gitfix *fx, const char *dir, const char *rev,
		    unsigned char *oid)
{
	gitfix_oid(gitfix_git(fx, dir, "rev-parse", "--verify", "-q", rev, NULL), oid);
}

/* The object's bytes as git stores them ("git cat-file <type> <id>"). */
static const char *cat_file(struct gitfix *fx, const char *dir, const char *type,
			    const char *hex, size_t *len)
{
	const char *argv[] = { "cat-file", type, hex, NULL };

	return gitfix_gitv(fx, dir, argv, NULL, 1, len);
}

/* ------------------------------------------------------------------ repo */

static void repo__discover__plain_repo(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct repo *r = gitfix_repo(fx, dir);

	assert_string_equal(r->workdir, real(fx, dir));
	assert_string_equal(r->gitdir, real(fx, join(fx, dir, ".git")));
	assert_string_equal(r->common_dir, r->gitdir);
	assert_int_equal(r->shallow, 0);
	assert_null(r->git);
}

static void repo__discover__subdirectory_finds_top(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *sub = join(fx, dir, "a/b/c");
	char cwd[PATH_MAX];
	struct repo *r;

	assert_int_equal(fs_mkdir_p(sub), 0);
	r = gitfix_repo(fx, sub);
	assert_string_equal(r->workdir, real(fx, dir));
	assert_string_equal(r->gitdir, real(fx, join(fx, dir, ".git")));

	/* A relative start is taken from the current directory. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(join(fx, dir, "a")), 0);
	r = gitfix_repo(fx, "b/c");
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(r->workdir, real(fx, dir));
}

static void repo__discover__worktree_common_dir_is_main_gitdir(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "main");
	const char *wt = gitfix_path(fx, "wt");
	struct repo *r;

	gitfix_commit(fx, dir, "one");
	gitfix_git(fx, dir, "worktree", "add", "-q", "-b", "topic", wt, NULL);
	r = gitfix_repo(fx, wt);
	assert_string_equal(r->workdir, real(fx, wt));
	assert_string_equal(r->gitdir, real(fx, join(fx, dir, ".git/worktrees/wt")));
	assert_string_equal(r->common_dir, real(fx, join(fx, dir, ".git")));

	/* From inside the worktree, too. */
	assert_int_equal(fs_mkdir_p(join(fx, wt, "deep/er")), 0);
	r = gitfix_repo(fx, join(fx, wt, "deep/er"));
	assert_string_equal(r->workdir, real(fx, wt));
	assert_string_equal(r->common_dir, real(fx, join(fx, dir, ".git")));
}

static void repo__discover__bare_repo_has_no_workdir(void **state)
{
	struct gitfix *fx = *state;
	const char *b = gitfix_path(fx, "b.git");
	struct repo *r;

	gitfix_git(fx, NULL, "init", "-q", "--bare", b, NULL);
	r = gitfix_repo(fx, b);
	assert_null(r->workdir);
	assert_string_equal(r->gitdir, real(fx, b));
	assert_string_equal(r->common_dir, real(fx, b));

	r = gitfix_repo(fx, join(fx, b, "refs/heads"));
	assert_null(r->workdir);
	assert_string_equal(r->gitdir, real(fx, b));
}

static void repo__discover__not_a_repo_is_enotfound(void **state)
{
	struct gitfix *fx = *state;
	const char *d = gitfix_path(fx, "plain/dir");
	const char *argv[] = { "rev-parse", "--git-dir", NULL };
	struct repo *r = NULL;
	int status;

	gitfix_gitv(fx, NULL, argv, &status, 0, NULL);
	if (status == 0)
		skip(); /* the temporary directory is inside a repository */
	assert_int_equal(fs_mkdir_p(d), 0);
	assert_int_equal(repo_discover(&r, d), -BOSUN_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(error_message(), "not a git repository"));
}

static void repo__discover__git_dir_env(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *other = gitfix_path(fx, "elsewhere");
	char cwd[PATH_MAX];
	struct repo *r = NULL;

	gitfix_commit(fx, dir, "one");
	assert_int_equal(fs_mkdir_p(other), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));

	setenv("GIT_DIR", join(fx, dir, ".git"), 1);
	assert_int_equal(repo_discover(&r, other), 0);
	assert_string_equal(r->gitdir, real(fx, join(fx, dir, ".git")));
	assert_string_equal(r->common_dir, r->gitdir);
	/* As git: without GIT_WORK_TREE the current directory is the top. */
	assert_string_equal(r->workdir, real(fx, cwd));
	repo_free(r);

	setenv("GIT_WORK_TREE", dir, 1);
	assert_int_equal(repo_discover(&r, other), 0);
	assert_string_equal(r->workdir, real(fx, dir));
	repo_free(r);
	unsetenv("GIT_WORK_TREE");

	r = NULL;
	setenv("GIT_DIR", other, 1);
	assert_int_equal(repo_discover(&r, dir), -BOSUN_ENOTFOUND);
	assert_null(r);
	unsetenv("GIT_DIR");
}

static void repo__discover__gitfile_with_relative_path(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "work");
	const char *store = gitfix_path(fx, "store.git");
	unsigned char a[20], b[20];
	struct repo *r;

	gitfix_commit(fx, dir, "one");
	assert_int_equal(rename(join(fx, dir, ".git"), store), 0);
	write_str(join(fx, dir, ".git"), "gitdir: ../store.git\n");
	r = gitfix_repo(fx, dir);
	assert_string_equal(r->workdir, real(fx, dir));
	assert_string_equal(r->gitdir, real(fx, store));
	assert_string_equal(r->common_dir, real(fx, store));
	/* git agrees on what HEAD is. */
	assert_int_equal(refs_resolve(r, "HEAD", a), 0);
	rev_oid(fx, dir, "HEAD", b);
	assert_memory_equal(a, b, 20);
}

static void repo__state_dir__created_on_request(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct repo *r = gitfix_repo(fx, dir);
	char *p = NULL;

	assert_int_equal(repo_state_dir(r, &p, 0), 0);
	assert_string_equal(p, join(fx, r->common_dir, "bosun"));
	assert_false(fs_exists(p));
	free(p);
	assert_int_equal(repo_state_dir(r, &p, 1), 0);
	assert_true(fs_is_dir(p));
	free(p);
}

/* ------------------------------------------------------------------ refs */

/* one (tags v1 annotated, a/b), two (tags v2, rel/x/y annotated) on main. */
static const char *refs_repo(struct gitfix *fx)
{
	const char *dir = gitfix_init(fx, "r");

	gitfix_commit(fx, dir, "one");
	gitfix_git(fx, dir, "tag", "-a", "-m", "one", "v1", NULL);
	gitfix_git(fx, dir, "tag", "a/b", NULL);
	gitfix_commit(fx, dir, "two");
	gitfix_git(fx, dir, "tag", "v2", NULL);
	gitfix_git(fx, dir, "tag", "-a", "-m", "nested", "rel/x/y", NULL);
	return dir;
}

static void assert_resolves(struct gitfix *fx, struct repo *r, const char *dir,
			    const char *name)
{
	unsigned char got[20], want[20];

	if (refs_resolve(r, name, got) < 0)
		fail_msg("refs_resolve('%s'): %s", name, error_message());
	rev_oid(fx, dir, name, want);
	assert_memory_equal(got, want, 20);
}

static void refs__resolve__head_symbolic(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = refs_repo(fx);
	struct repo *r = gitfix_repo(fx, dir);

	assert_resolves(fx, r, dir, "HEAD");
	assert_resolves(fx, r, dir, "refs/heads/main");
	assert_resolves(fx, r, dir, "refs/tags/v1");
	assert_resolves(fx, r, dir, "refs/tags/a/b");
	assert_resolves(fx, r, dir, "refs/tags/rel/x/y");
}

static void refs__resolve__detached_head(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = refs_repo(fx);
	struct repo *r = gitfix_repo(fx, dir);
	unsigned char head[20], one[20];

	gitfix_git(fx, dir, "checkout", "-q", "--detach", "HEAD~1", NULL);
	assert_resolves(fx, r, dir, "HEAD");
	assert_int_equal(refs_resolve(r, "HEAD", head), 0);
	rev_oid(fx, dir, "v1^{commit}", one);
	assert_memory_equal(head, one, 20);
}

static void refs__resolve__packed_only(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = refs_repo(fx);
	struct repo *r = gitfix_repo(fx, dir);

	gitfix_git(fx, dir, "pack-refs", "--all", NULL);
	assert_false(fs_exists(join(fx, dir, ".git/refs/heads/main")));
	assert_false(fs_exists(join(fx, dir, ".git/refs/tags/v1")));
	assert_true(fs_exists(join(fx, dir, ".git/packed-refs")));
	assert_resolves(fx, r, dir, "HEAD");
	assert_resolves(fx, r, dir, "refs/heads/main");
	assert_resolves(fx, r, dir, "refs/tags/v1");
	assert_resolves(fx, r, dir, "refs/tags/v2");
	assert_resolves(fx, r, dir, "refs/tags/rel/x/y");
}

static void refs__resolve__loose_overrides_packed(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = refs_repo(fx);
	struct repo *r = gitfix_repo(fx, dir);
	const char *one = gitfix_git(fx, dir, "rev-parse", "HEAD~1", NULL);
	struct strbuf sb = STRBUF_INIT;
	unsigned char got[20], want[20];

	gitfix_git(fx, dir, "pack-refs", "--all", NULL);
	strbuf_addf(&sb, "%s\n", one);
	write_str(join(fx, dir, ".git/refs/heads/main"), sb.buf);
	strbuf_release(&sb);
	assert_resolves(fx, r, dir, "HEAD");
	assert_int_equal(refs_resolve(r, "refs/heads/main", got), 0);
	gitfix_oid(one, want);
	assert_memory_equal(got, want, 20);
}

static void refs__resolve__unborn_is_enotfound(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct repo *r = gitfix_repo(fx, dir);
	unsigned char oid[20], before[20];

	memset(oid, 0xaa, sizeof(oid));
	memcpy(before, oid, sizeof(oid));
	assert_int_equal(refs_resolve(r, "HEAD", oid), -BOSUN_ENOTFOUND);
	assert_memory_equal(oid, before, 20);
	assert_non_null(strstr(error_message(), "'HEAD'"));
	error_clear();
	assert_int_equal(refs_resolve(r, "refs/heads/nope", oid), -BOSUN_ENOTFOUND);
}

static void refs__resolve__worktree_head_from_its_gitdir(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "main");
	const char *wt = gitfix_path(fx, "wt");
	unsigned char wt_head[20], main_head[20];
	struct repo *r;

	gitfix_commit(fx, dir, "one");
	gitfix_git(fx, dir, "worktree", "add", "-q", "-b", "topic", wt, NULL);
	gitfix_commit(fx, wt, "two");
	r = gitfix_repo(fx, wt);
	assert_resolves(fx, r, wt, "HEAD");
	assert_resolves(fx, r, wt, "refs/heads/main");
	assert_resolves(fx, r, wt, "refs/heads/topic");
	assert_int_equal(refs_resolve(r, "HEAD", wt_head), 0);
	assert_int_equal(refs_resolve(gitfix_repo(fx, dir), "HEAD", main_head), 0);
	assert_memory_not_equal(wt_head, main_head, 20);
}

static void refs__resolve__symref_loop_is_enotfound(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct repo *r = gitfix_repo(fx, dir);
	unsigned char oid[20];

	gitfix_commit(fx, dir, "one");
	write_str(join(fx, dir, ".git/refs/heads/a"), "ref: refs/heads/b\n");
	write_str(join(fx, dir, ".git/refs/heads/b"), "ref: refs/heads/a\n");
	assert_int_equal(refs_resolve(r, "refs/heads/a", oid), -BOSUN_ENOTFOUND);
}

static void refs__symref__branch_unborn_detached_reftable(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct repo *r = gitfix_repo(fx, dir);
	struct strbuf t = STRBUF_INIT;

	/* unborn: still on its branch */
	assert_int_equal(refs_symref(r, "HEAD", &t), 1);
	assert_string_equal(t.buf, "refs/heads/main");
	gitfix_commit(fx, dir, "one");
	gitfix_git(fx, dir, "checkout", "-q", "-b", "topic", NULL);
	assert_int_equal(refs_symref(r, "HEAD", &t), 1);
	assert_string_equal(t.buf, "refs/heads/topic");
	gitfix_git(fx, dir, "checkout", "-q", "--detach", NULL);
	assert_int_equal(refs_symref(r, "HEAD", &t), 0);
	assert_int_equal((int)t.len, 0);
	assert_int_equal(refs_other_format(r), 0);
	write_str(join(fx, dir, ".git/reftable"), "");
	assert_int_equal(refs_other_format(r), 1);
	assert_int_equal(refs_symref(r, "HEAD", &t), -BOSUN_EUNAVAILABLE);
	error_clear();
	strbuf_release(&t);
}

static void refs__resolve__other_formats(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct repo *r = gitfix_repo(fx, dir);
	const char *one = gitfix_commit(fx, dir, "one");
	struct strbuf sb = STRBUF_INIT;
	unsigned char oid[20], want[20];

	/* CRLF line ends are trimmed. */
	strbuf_addf(&sb, "%s\r\n", one);
	write_str(join(fx, dir, ".git/refs/heads/crlf"), sb.buf);
	assert_int_equal(refs_resolve(r, "refs/heads/crlf", oid), 0);
	gitfix_oid(one, want);
	assert_memory_equal(oid, want, 20);

	/* A SHA-256 id is for libgit2. */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s%.24s\n", one, one);
	write_str(join(fx, dir, ".git/refs/heads/long"), sb.buf);
	assert_int_equal(refs_resolve(r, "refs/heads/long", oid), -BOSUN_EUNAVAILABLE);
	strbuf_release(&sb);
}

static const struct ref_item *find_ref(const struct ref_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->items[i].name, name))
			return &l->items[i];
	return NULL;
}

/* l holds exactly what "git for-each-ref prefix" lists, with git's ids;
 * a peeled id, when known, is git's. Returns how many have one. */
static size_t assert_list_matches(struct gitfix *fx, const char *dir,
				  const struct ref_list *l, const char *prefix)
{
	const char *out = gitfix_git(fx, dir, "for-each-ref",
				     "--format=%(refname) %(objectname) %(*objectname)",
				     prefix, NULL);
	char *copy = xstrdup(out), *save = NULL, *line;
	size_t n = 0, peeled = 0;
	size_t i, k;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256], hex[41], phex[41];
		const struct ref_item *it;
		unsigned char oid[20];
		int f = sscanf(line, "%255s %40s %40s", name, hex, phex);

		assert_true(f >= 2);
		it = find_ref(l, name);
		if (!it)
			fail_msg("refs_list lacks '%s'", name);
		gitfix_oid(hex, oid);
		assert_memory_equal(it->oid, oid, 20);
		if (it->has_peeled) {
			assert_int_equal(f, 3);
			gitfix_oid(phex, oid);
			assert_memory_equal(it->peeled, oid, 20);
			peeled++;
		}
		if (f == 2)
			assert_false(it->has_peeled);
		n++;
	}
	free(copy);
	assert_int_equal(l->nr, n);
	for (i = 0; i < l->nr; i++)
		for (k = i + 1; k < l->nr; k++)
			assert_string_not_equal(l->items[i].name, l->items[k].name);
	return peeled;
}

static void refs__list__packed_with_peeled(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = refs_repo(fx);
	struct repo *r = gitfix_repo(fx, dir);
	struct ref_list l = REF_LIST_INIT;
	const struct ref_item *it;

	gitfix_git(fx, dir, "pack-refs", "--all", NULL);
	assert_int_equal(refs_list(r, "refs/tags/", &l), 0);
	assert_int_equal(l.nr, 4);
	/* Both annotated tags come with their peeled commits. */
	assert_int_equal(assert_list_matches(fx, dir, &l, "refs/tags/"), 2);
	it = find_ref(&l, "refs/tags/v1");
	assert_non_null(it);
	assert_true(it->has_peeled);
	it = find_ref(&l, "refs/tags/v2");
	assert_non_null(it);
	assert_false(it->has_peeled);
	ref_list_release(&l);
	assert_null(l.items);
	assert_int_equal(l.nr, 0);
}

static void refs__list__loose_and_nested(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = refs_repo(fx);
	struct repo *r = gitfix_repo(fx, dir);
	struct ref_list l = REF_LIST_INIT;

	assert_int_equal(refs_list(r, "refs/tags/", &l), 0);
	assert_int_equal(l.nr, 4);
	assert_int_equal(assert_list_matches(fx, dir, &l, "refs/tags/"), 0);
	assert_non_null(find_ref(&l, "refs/tags/a/b"));
	assert_non_null(find_ref(&l, "refs/tags/rel/x/y"));
	ref_list_release(&l);

	assert_int_equal(refs_list(r, "refs/heads/", &l), 0);
	assert_int_equal(l.nr, 1);
	assert_string_equal(l.items[0].name, "refs/heads/main");
	ref_list_release(&l);
}

static void refs__list__loose_wins_once(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = refs_repo(fx);
	struct repo *r = gitfix_repo(fx, dir);
	const char *two = gitfix_git(fx, dir, "rev-parse", "HEAD", NULL);
	struct ref_list l = REF_LIST_INIT;
	const struct ref_item *it;
	struct strbuf sb = STRBUF_INIT;
	unsigned char oid[20];

	gitfix_git(fx, dir, "pack-refs", "--all", NULL);
	/* v1 is packed (annotated) and now loose too, on another commit. */
	strbuf_addf(&sb, "%s\n", two);
	write_str(join(fx, dir, ".git/refs/tags/v1"), sb.buf);
	strbuf_release(&sb);
	gitfix_git(fx, dir, "tag", "v3", NULL);
	gitfix_git(fx, dir, "tag", "a/c", "HEAD~1", NULL);

	assert_int_equal(refs_list(r, "refs/tags/", &l), 0);
	assert_int_equal(l.nr, 6);
	assert_list_matches(fx, dir, &l, "refs/tags/");
	it = find_ref(&l, "refs/tags/v1");
	assert_non_null(it);
	gitfix_oid(two, oid);
	assert_memory_equal(it->oid, oid, 20);
	/* The packed peeled id was for the packed value. */
	assert_false(it->has_peeled);
	ref_list_release(&l);
}

static void refs__list__empty_and_reftable(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct repo *r = gitfix_repo(fx, dir);
	struct ref_list l = REF_LIST_INIT;

	assert_int_equal(refs_list(r, "refs/tags/", &l), 0);
	assert_int_equal(l.nr, 0);
	ref_list_release(&l);

	assert_int_equal(fs_mkdir_p(join(fx, dir, ".git/reftable")), 0);
	assert_int_equal(refs_list(r, "refs/tags/", &l), -BOSUN_EUNAVAILABLE);
	ref_list_release(&l);
}

static void refs__list__skips_malformed_lines(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = refs_repo(fx);
	struct repo *r = gitfix_repo(fx, dir);
	const char *two = gitfix_git(fx, dir, "rev-parse", "HEAD", NULL);
	struct ref_list l = REF_LIST_INIT;
	struct strbuf sb = STRBUF_INIT;
	const struct ref_item *it;

	/* Loose symbolic refs and junk under refs/tags are not tags; a packed
	 * line with a bad id is skipped along with its peeled line. */
	write_str(join(fx, dir, ".git/refs/tags/sym"), "ref: refs/heads/main\n");
	write_str(join(fx, dir, ".git/refs/tags/junk"), "nonsense\n");
	strbuf_addf(&sb, "# pack-refs with: peeled fully-peeled sorted \n"
		    "%s refs/tags/packed\n^%s\n"
		    "zz%.38s refs/tags/bad\n^%s\n"
		    "^%s\n"
		    "%s refs/tags/last", two, two, two, two, two, two);
	write_str(join(fx, dir, ".git/packed-refs"), sb.buf);
	strbuf_release(&sb);
	assert_int_equal(refs_list(r, "refs/tags/", &l), 0);
	assert_int_equal(l.nr, 6);
	assert_null(find_ref(&l, "refs/tags/sym"));
	assert_null(find_ref(&l, "refs/tags/junk"));
	assert_null(find_ref(&l, "refs/tags/bad"));
	it = find_ref(&l, "refs/tags/packed");
	assert_non_null(it);
	assert_true(it->has_peeled);
	it = find_ref(&l, "refs/tags/last");
	assert_non_null(it);
	assert_false(it->has_peeled);
	ref_list_release(&l);
}

/* ----------------------------------------------------------------- packs */

struct vp_entry {
	char hex[41];
	char type[8];
	int delta;
};

/* The objects of the repository's packs as "git verify-pack -v" lists them. */
static size_t verify_pack(struct gitfix *fx, const char *dir, struct vp_entry **out)
{
	const char *packdir = join(fx, dir, ".git/objects/pack");
	struct vp_entry *v = NULL;
	size_t nr = 0, alloc = 0;
	struct dirent *de;
	DIR *d = opendir(packdir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		const char *out_text;
		char *copy, *s = NULL, *line;
		size_t l = strlen(de->d_name);

		if (l < 4 || strcmp(de->d_name + l - 4, ".idx"))
			continue;
		out_text = gitfix_git(fx, dir, "verify-pack", "-v",
				      join(fx, packdir, de->d_name), NULL);
		copy = xstrdup(out_text);
		for (line = strtok_r(copy, "\n", &s); line;
		     line = strtok_r(NULL, "\n", &s)) {
			struct vp_entry e;
			unsigned long a, b, c, depth;
			char base[41];
			int f;

			memset(&e, 0, sizeof(e));
			f = sscanf(line, "%40s %7s %lu %lu %lu %lu %40s", e.hex, e.type,
				   &a, &b, &c, &depth, base);
			if (f < 5 || strlen(e.hex) != 40)
				continue;
			e.delta = f == 7;
			ALLOC_GROW(v, nr + 1, alloc);
			v[nr++] = e;
		}
		free(copy);
	}
	closedir(d);
	*out = v;
	return nr;
}

static void sample_history(struct gitfix *fx, const char *dir)
{
	struct strbuf big = STRBUF_INIT;
	int i;

	for (i = 0; i < 400; i++)
		strbuf_addf(&big, "%d some line of text here\n", i);
	gitfix_commit_file(fx, dir, "f.txt", big.buf, "feat: one");
	strbuf_splice(&big, 0, 1, "X", 1);
	gitfix_commit_file(fx, dir, "f.txt", big.buf, "fix: two\n\nWith a body.");
	gitfix_git(fx, dir, "tag", "-a", "-m", "release one", "v1", NULL);
	gitfix_git(fx, dir, "checkout", "-q", "-b", "topic", "HEAD~1", NULL);
	gitfix_commit_file(fx, dir, "g.txt", "topic\n", "feat(x): on topic");
	gitfix_commit(fx, dir, "chore: more topic");
	gitfix_git(fx, dir, "checkout", "-q", "main", NULL);
	strbuf_splice(&big, big.len - 5, 1, "Y", 1);
	gitfix_commit_file(fx, dir, "f.txt", big.buf, "perf: three");
	gitfix_git(fx, dir, "merge", "-q", "--no-ff", "-m", "Merge branch 'topic'",
		   "topic", NULL);
	fx->clock += GITFIX_DAY;
	gitfix_commit(fx, dir, "docs: four");
	strbuf_release(&big);
}

static void packs__read__whole_objects_match_git(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct packs p = PACKS_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct vp_entry *v;
	size_t n, i, whole = 0, deltas = 0;

	sample_history(fx, dir);
	gitfix_git(fx, dir, "gc", "-q", NULL);
	n = verify_pack(fx, dir, &v);
	assert_true(n > 10);
	packs_open(&p, join(fx, dir, ".git"));
	assert_int_equal(p.nr, 1);
	for (i = 0; i < n; i++) {
		unsigned char oid[20];
		const char *want;
		size_t len;
		int type = 0, r;

		gitfix_oid(v[i].hex, oid);
		r = packs_read(&p, oid, &type, &sb, 0, 0);
		if (v[i].delta) {
			/* A delta is libgit2's to resolve. */
			assert_int_equal(r, 0);
			deltas++;
			continue;
		}
		assert_int_equal(r, 1);
		assert_true(p.last_complete);
		want = cat_file(fx, dir, v[i].type, v[i].hex, &len);
		assert_int_equal(sb.len, len);
		assert_memory_equal(sb.buf, want, len);
		assert_int_equal(sb.buf[sb.len], '\0');
		assert_int_equal(type, !strcmp(v[i].type, "commit") ? PACK_COMMIT :
				       !strcmp(v[i].type, "tree") ? PACK_TREE :
				       !strcmp(v[i].type, "blob") ? PACK_BLOB : PACK_TAG);
		whole++;
	}
	/* The blobs of f.txt are near copies: git stores some as deltas. */
	assert_true(deltas >= 1);
	assert_true(whole >= 8);
	free(v);
	strbuf_release(&sb);
	packs_close(&p);
	assert_int_equal(p.nr, 0);
	packs_close(&p);
}

static void packs__read__header_only_stops_at_blank_line(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct strbuf msg = STRBUF_INIT, sb = STRBUF_INIT;
	struct packs p = PACKS_INIT;
	const char *hex, *small, *full, *blank;
	unsigned char oid[20];
	size_t len, hlen;
	int type, i;

	small = gitfix_commit(fx, dir, "fix: small");
	strbuf_addstr(&msg, "feat: long\n\n");
	for (i = 0; i < 300; i++)
		strbuf_addf(&msg, "Line %d: the quick brown fox %d.\n", i, i * 7919 % 1000);
	hex = gitfix_commit(fx, dir, msg.buf);
	gitfix_git(fx, dir, "gc", "-q", NULL);
	full = cat_file(fx, dir, "commit", hex, &len);
	blank = strstr(full, "\n\n");
	assert_non_null(blank);
	hlen = (size_t)(blank - full) + 2;
	assert_true(len > 4096);

	packs_open(&p, join(fx, dir, ".git"));
	gitfix_oid(hex, oid);
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 1), 1);
	assert_int_equal(type, PACK_COMMIT);
	assert_false(p.last_complete);
	assert_true(sb.len >= hlen);
	assert_true(sb.len < len);
	assert_memory_equal(sb.buf, full, sb.len);
	assert_int_equal(sb.buf[sb.len], '\0');

	/* A prefix of at least limit bytes. */
	assert_int_equal(packs_read(&p, oid, &type, &sb, 100, 0), 1);
	assert_false(p.last_complete);
	assert_true(sb.len >= 100 && sb.len < len);
	assert_memory_equal(sb.buf, full, sb.len);

	/* Everything. */
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 0), 1);
	assert_true(p.last_complete);
	assert_int_equal(sb.len, len);
	assert_memory_equal(sb.buf, full, len);

	/* A small commit is whole even in header mode. */
	gitfix_oid(small, oid);
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 1), 1);
	assert_true(p.last_complete);
	full = cat_file(fx, dir, "commit", small, &len);
	assert_int_equal(sb.len, len);
	assert_memory_equal(sb.buf, full, len);

	packs_close(&p);
	strbuf_release(&sb);
	strbuf_release(&msg);
}

static void packs__read__unknown_and_loose_are_zero(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct packs p = PACKS_INIT;
	struct strbuf sb = STRBUF_INIT;
	unsigned char oid[20];
	const char *loose;
	int type;

	gitfix_commit(fx, dir, "one");
	gitfix_commit(fx, dir, "two");
	gitfix_git(fx, dir, "gc", "-q", NULL);
	loose = gitfix_commit(fx, dir, "three");
	packs_open(&p, join(fx, dir, ".git"));
	assert_int_equal(p.nr, 1);
	memset(oid, 0x00, sizeof(oid));
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 0), 0);
	memset(oid, 0xff, sizeof(oid));
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 0), 0);
	memset(oid, 0x5a, sizeof(oid));
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 1), 0);
	gitfix_oid(loose, oid);
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 0), 0);
	packs_close(&p);
	strbuf_release(&sb);
}

static void packs__open__skips_unusable_files(void **state)
{
	static const char fake_pack[36] = "PACK\0\0\0\2";
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *pd = join(fx, dir, ".git/objects/pack");
	struct packs p = PACKS_INIT;
	struct strbuf sb = STRBUF_INIT;
	unsigned char oid[20];
	int type;

	/* No packs at all. */
	gitfix_commit(fx, dir, "one");
	packs_open(&p, join(fx, dir, ".git"));
	assert_int_equal(p.nr, 0);
	memset(oid, 0x11, sizeof(oid));
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 0), 0);
	packs_close(&p);

	/* An idx that claims more objects than it holds, one of another
	 * version, and one without its pack. */
	assert_int_equal(fs_mkdir_p(pd), 0);
	strbuf_addstr(&sb, "\377tOc");
	strbuf_add(&sb, "\0\0\0\2", 4);
	strbuf_addchars(&sb, 0xff, 1024 + 64);
	gitfix_write(join(fx, pd, "pack-big.idx"), sb.buf, sb.len);
	gitfix_write(join(fx, pd, "pack-big.pack"), fake_pack, sizeof(fake_pack));
	sb.buf[7] = 3;
	gitfix_write(join(fx, pd, "pack-v3.idx"), sb.buf, sb.len);
	gitfix_write(join(fx, pd, "pack-v3.pack"), fake_pack, sizeof(fake_pack));
	gitfix_write(join(fx, pd, "pack-alone.idx"), sb.buf, sb.len);
	gitfix_write(join(fx, pd, "pack-tiny.idx"), "x", 1);
	packs_open(&p, join(fx, dir, ".git"));
	assert_int_equal(p.nr, 0);
	assert_int_equal(packs_read(&p, oid, &type, &sb, 0, 0), 0);
	packs_close(&p);
	strbuf_release(&sb);
}

/* --------------------------------------------------------------- history */

static const struct hcommit *commit_of(const struct history *h, const char *hex)
{
	unsigned char oid[20];
	int64_t i;

	gitfix_oid(hex, oid);
	i = history_find(h, oid);
	if (i < 0)
		fail_msg("commit %s is not in the history", hex);
	return &h->commits[i];
}

/*
 * Every commit git lists for rev has git's parents (in order) and committer
 * date, and the message that "git cat-file commit" shows; tip has exactly
 * those as ancestors. Returns how many.
 */
static size_t assert_history_matches(struct gitfix *fx, const char *dir,
				     struct history *h, uint32_t tip, const char *rev)
{
	const char *log = gitfix_git(fx, dir, "log", "--format=%H %P %ct", rev, NULL);
	char *copy = xstrdup(log), *s1 = NULL, *line;
	size_t n = 0;

	for (line = strtok_r(copy, "\n", &s1); line; line = strtok_r(NULL, "\n", &s1)) {
		char *tok[8], *s2 = NULL, *t;
		size_t nt = 0, k, len, flen;
		const struct hcommit *c;
		const char *msg, *full, *body;
		unsigned char oid[20];
		uint32_t idx;

		for (t = strtok_r(line, " ", &s2); t && nt < 8; t = strtok_r(NULL, " ", &s2))
			tok[nt++] = t;
		assert_true(nt >= 2);
		c = commit_of(h, tok[0]);
		idx = (uint32_t)(c - h->commits);
		assert_true(c->loaded);
		assert_false(c->is_boundary);
		assert_int_equal(c->nr_parents, nt - 2);
		for (k = 0; k < nt - 2; k++) {
			gitfix_oid(tok[1 + k], oid);
			assert_memory_equal(h->commits[history_parents(h, idx)[k]].oid, oid, 20);
		}
		assert_int_equal(c->time, strtoll(tok[nt - 1], NULL, 10));
		full = cat_file(fx, dir, "commit", tok[0], &flen);
		body = strstr(full, "\n\n");
		assert_non_null(body);
		body += 2;
		msg = history_message(h, idx, &len);
		assert_int_equal(len, flen - (size_t)(body - full));
		assert_memory_equal(msg, body, len);
		n++;
	}
	free(copy);
	history_mark_new(h);
	assert_int_equal(history_mark_ancestors(h, tip), n);
	return n;
}

static size_t nr_loaded(const struct history *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->nr; i++)
		n += h->commits[i].loaded;
	return n;
}

/* A walk from HEAD over count commits that reads expect_reads objects. */
static void check_walk(struct gitfix *fx, const char *dir, size_t count,
		       size_t expect_reads)
{
	struct repo *r = gitfix_repo(fx, dir);
	struct history h = HISTORY_INIT;
	unsigned char want[20];
	uint32_t head;
	size_t n;

	assert_int_equal(history_open(&h, r), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	rev_oid(fx, dir, "HEAD", want);
	assert_memory_equal(h.commits[head].oid, want, 20);
	n = assert_history_matches(fx, dir, &h, head, "HEAD");
	assert_int_equal(n, count);
	assert_int_equal(h.nr, n);
	assert_int_equal(nr_loaded(&h), n);
	assert_int_equal(h.nr_read, expect_reads);
	assert_int_equal(h.hit_boundary, 0);
	history_release(&h);
}

static void history__resolve__matches_git_log_loose(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");

	sample_history(fx, dir);
	setenv("BOSUN_NO_CACHE", "1", 1);
	check_walk(fx, dir, 7, 7);
	unsetenv("BOSUN_NO_CACHE");
}

static void history__resolve__matches_git_log_packed(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");

	sample_history(fx, dir);
	gitfix_git(fx, dir, "gc", "-q", NULL);
	setenv("BOSUN_NO_CACHE", "1", 1);
	check_walk(fx, dir, 7, 7);
	unsetenv("BOSUN_NO_CACHE");
}

static void history__message__walk_reads_headers_only(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct strbuf msg = STRBUF_INIT;
	struct history h = HISTORY_INIT;
	const struct hcommit *c;
	const char *hex, *full, *m;
	size_t len, flen;
	uint32_t head;
	int i;

	strbuf_addstr(&msg, "feat: long\n\n");
	for (i = 0; i < 300; i++)
		strbuf_addf(&msg, "Line %d: jumps over the lazy dog %d.\n", i, i * 104729 % 977);
	gitfix_commit(fx, dir, "chore: first");
	hex = gitfix_commit(fx, dir, msg.buf);
	gitfix_git(fx, dir, "gc", "-q", NULL);
	assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	c = commit_of(&h, hex);
	assert_false(c->msg_loaded);
	m = history_message(&h, head, &len);
	full = cat_file(fx, dir, "commit", hex, &flen);
	full = strstr(full, "\n\n") + 2;
	assert_int_equal(len, strlen(full));
	assert_memory_equal(m, full, len);
	assert_true(h.commits[head].msg_loaded);
	/* The second time comes from memory. */
	assert_ptr_equal(history_message(&h, head, &len), m);
	history_release(&h);
	strbuf_release(&msg);
}

static void history__message_rest__after_first_line(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct history h = HISTORY_INIT;
	uint32_t a, b, c;
	char *rest;

	gitfix_commit(fx, dir, "chore: subject only");
	gitfix_git(fx, dir, "tag", "a", NULL);
	gitfix_commit(fx, dir, "feat: squash\n\nfix: x\n\nfeat: y");
	gitfix_git(fx, dir, "tag", "b", NULL);
	gitfix_commit(fx, dir, "fix: two lines\nsecond");
	assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
	assert_int_equal(history_resolve(&h, "a", &a), 0);
	assert_int_equal(history_resolve(&h, "b", &b), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &c), 0);
	assert_null(history_message_rest(&h, a));
	rest = history_message_rest(&h, b);
	assert_non_null(rest);
	assert_string_equal(rest, "\nfix: x\n\nfeat: y\n");
	free(rest);
	rest = history_message_rest(&h, c);
	assert_string_equal(rest, "second\n");
	free(rest);
	history_release(&h);
}

static void assert_resolves_to(struct gitfix *fx, const char *dir,
			       struct history *h, const char *rev)
{
	struct strbuf peel = STRBUF_INIT;
	unsigned char want[20];
	uint32_t idx;

	if (history_resolve(h, rev, &idx) < 0)
		fail_msg("history_resolve('%s'): %s", rev, error_message());
	strbuf_addf(&peel, "%s^{commit}", rev);
	rev_oid(fx, dir, peel.buf, want);
	strbuf_release(&peel);
	assert_memory_equal(h->commits[idx].oid, want, 20);
	assert_true(h->commits[idx].loaded);
}

static void history__resolve__revisions(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	int phase;

	sample_history(fx, dir);
	gitfix_git(fx, dir, "tag", "light", "HEAD~2", NULL);
	gitfix_git(fx, dir, "tag", "-a", "-m", "outer", "outer", "v1", NULL);
	gitfix_git(fx, dir, "tag", "treetag", "HEAD^{tree}", NULL);
	gitfix_git(fx, dir, "tag", "-a", "-m", "a tree", "v9.0.0", "HEAD^{tree}", NULL);
	/* Loose objects (libgit2 reads them), then packed (pack.c does). */
	for (phase = 0; phase < 2; phase++) {
		struct history h = HISTORY_INIT;
		const char *hex = gitfix_git(fx, dir, "rev-parse", "HEAD~1", NULL);
		uint32_t idx;

		if (phase)
			gitfix_git(fx, dir, "gc", "-q", NULL);
		assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
		assert_resolves_to(fx, dir, &h, "HEAD");
		assert_resolves_to(fx, dir, &h, "main");
		assert_resolves_to(fx, dir, &h, "refs/heads/main");
		assert_resolves_to(fx, dir, &h, "topic");
		assert_resolves_to(fx, dir, &h, "v1");
		assert_resolves_to(fx, dir, &h, "refs/tags/v1");
		assert_resolves_to(fx, dir, &h, "outer");
		assert_resolves_to(fx, dir, &h, "light");
		assert_resolves_to(fx, dir, &h, hex);
		assert_resolves_to(fx, dir, &h, "HEAD~1");
		assert_resolves_to(fx, dir, &h, "HEAD~1^2");
		assert_resolves_to(fx, dir, &h, "v1^{commit}");
		assert_int_equal(history_resolve(&h, "nope", &idx), -BOSUN_ENOTFOUND);
		error_clear();
		assert_int_equal(history_resolve(&h, "treetag", &idx), -BOSUN_ENOTFOUND);
		error_clear();
		assert_int_equal(history_resolve(&h, "v9.0.0", &idx), -BOSUN_ENOTFOUND);
		error_clear();
		history_release(&h);
	}
}

static void history__resolve__empty_repo_is_enotfound(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct history h = HISTORY_INIT;
	uint32_t idx = 77;

	assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &idx), -BOSUN_ENOTFOUND);
	assert_int_equal(idx, 77);
	assert_non_null(strstr(error_message(), "no commits"));
	history_release(&h);
	/* Nothing was read: no cache either. */
	assert_false(fs_exists(join(fx, dir, ".git/bosun/commits.cache")));
}

static void history__peel__tags_to_commits(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	int phase;

	gitfix_commit_file(fx, dir, "f", "x\n", "one");
	gitfix_git(fx, dir, "tag", "-a", "-m", "inner", "inner", NULL);
	gitfix_git(fx, dir, "tag", "-a", "-m", "outer", "outer", "inner", NULL);
	gitfix_git(fx, dir, "tag", "-a", "-m", "blob", "blobtag", "HEAD:f", NULL);
	for (phase = 0; phase < 2; phase++) {
		struct history h = HISTORY_INIT;
		unsigned char oid[20], out[20], want[20];

		if (phase)
			gitfix_git(fx, dir, "gc", "-q", NULL);
		assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
		rev_oid(fx, dir, "HEAD", want);
		rev_oid(fx, dir, "outer", oid);
		assert_int_equal(history_peel(&h, oid, out), 0);
		assert_memory_equal(out, want, 20);
		rev_oid(fx, dir, "inner", oid);
		assert_int_equal(history_peel(&h, oid, out), 0);
		assert_memory_equal(out, want, 20);
		assert_int_equal(history_peel(&h, want, out), 0);
		assert_memory_equal(out, want, 20);
		rev_oid(fx, dir, "blobtag", oid);
		assert_int_equal(history_peel(&h, oid, out), -BOSUN_ENOTFOUND);
		error_clear();
		history_release(&h);
	}
}

static void history__mark_ancestors__counts_equal_rev_list(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct history h = HISTORY_INIT;
	const char *log;
	char *copy, *s1 = NULL, *hex;
	uint32_t head;
	size_t checked = 0;

	sample_history(fx, dir);
	assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	log = gitfix_git(fx, dir, "rev-list", "--all", NULL);
	copy = xstrdup(log);
	for (hex = strtok_r(copy, "\n", &s1); hex; hex = strtok_r(NULL, "\n", &s1)) {
		const char *count = gitfix_git(fx, dir, "rev-list", "--count", hex, NULL);
		uint32_t idx = (uint32_t)(commit_of(&h, hex) - h.commits);

		history_mark_new(&h);
		assert_int_equal(history_mark_ancestors(&h, idx), strtoul(count, NULL, 10));
		/* Marked already in this walk. */
		assert_int_equal(history_mark_ancestors(&h, idx), 0);
		checked++;
	}
	assert_int_equal(checked, 7);
	/* Two walks share marks: main's part not in topic. */
	history_mark_new(&h);
	history_mark_ancestors(&h, (uint32_t)(commit_of(&h, gitfix_git(fx, dir, "rev-parse", "topic", NULL)) - h.commits));
	assert_int_equal(history_mark_ancestors(&h, head),
			 strtoul(gitfix_git(fx, dir, "rev-list", "--count", "main", "^topic", NULL), NULL, 10));
	free(copy);
	history_release(&h);
}

static const char *cache_file(struct gitfix *fx, const char *dir)
{
	return join(fx, dir, ".git/bosun/commits.cache");
}

static void history__cache__round_trip_reads_nothing(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;

	sample_history(fx, dir);
	gitfix_git(fx, dir, "gc", "-q", NULL);
	check_walk(fx, dir, 7, 7);
	assert_int_equal(fs_read_file(&before, cache_file(fx, dir), 0), 0);
	assert_true(before.len > 12);
	assert_memory_equal(before.buf, "BOSUNCC1", 8);

	/* Parents and dates from the cache; messages still right. */
	check_walk(fx, dir, 7, 0);
	/* Nothing new was read: the file was left alone. */
	assert_int_equal(fs_read_file(&after, cache_file(fx, dir), 0), 0);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.buf, before.buf, before.len);

	/* One new commit: one read, then none. */
	gitfix_commit(fx, dir, "fix: five");
	{
		struct history h = HISTORY_INIT;
		uint32_t head;

		assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
		assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
		assert_int_equal(h.nr_read, 1);
		assert_true(h.cache_loaded);
		assert_int_equal(assert_history_matches(fx, dir, &h, head, "HEAD"), 8);
		history_release(&h);
		assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
		assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
		assert_int_equal(h.nr_read, 0);
		history_release(&h);
	}

	/* BOSUN_NO_CACHE=1: neither read nor written. */
	assert_int_equal(fs_unlink(cache_file(fx, dir)), 0);
	setenv("BOSUN_NO_CACHE", "1", 1);
	check_walk(fx, dir, 8, 8);
	assert_false(fs_exists(cache_file(fx, dir)));
	unsetenv("BOSUN_NO_CACHE");
	strbuf_release(&before);
	strbuf_release(&after);
}

static void history__cache__corrupt_file_is_ignored(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct strbuf good = STRBUF_INIT, bad = STRBUF_INIT;
	uint32_t n;
	int v;


	sample_history(fx, dir);
	check_walk(fx, dir, 7, 7);
	assert_int_equal(fs_read_file(&good, cache_file(fx, dir), 0), 0);
	for (v = 0; v < 8; v++) {
		struct history h = HISTORY_INIT;
		uint32_t head;

		if (v == 4)
			continue; /* history__cache__cut_short_loses_nothing */
		strbuf_reset(&bad);
		switch (v) {
		case 0:
			strbuf_addstr(&bad, "not a cache at all, just text\n");
			break;
		case 1:
			break;
		case 2:
			strbuf_add(&bad, "BOSUNCC1", 8);
			break;
		case 3: /* more records announced than there are */
			strbuf_addbuf(&bad, &good);
			n = 1000000;
			memcpy(bad.buf + 8, &n, 4);
			break;
		case 5: /* a record with an absurd number of parents */
			strbuf_add(&bad, good.buf, 12 + 28);
			strbuf_add(&bad, "\xff\xff\xff\xff", 4);
			strbuf_add(&bad, good.buf + 44, good.len - 44);
			break;
		case 6: /* a record count of zero */
			strbuf_addbuf(&bad, &good);
			memset(bad.buf + 8, 0, 4);
			break;
		case 7: /* another magic */
			strbuf_addbuf(&bad, &good);
			bad.buf[7] = '2';
			break;
		}
		gitfix_write(cache_file(fx, dir), bad.buf, bad.len);
		assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
		assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
		assert_int_equal(assert_history_matches(fx, dir, &h, head, "HEAD"), 7);
		assert_int_equal(nr_loaded(&h), 7);
		/* Whole records count; a file that does not parse at all
		 * costs a full walk. */
		assert_int_equal(h.nr_read, v == 3 ? 0 : 7);
		history_release(&h);
	}
	/* And the next walk wrote a good one again. */
	check_walk(fx, dir, 7, 0);
	strbuf_release(&good);
	strbuf_release(&bad);
}

/* full: five commits; shallow: a "git clone --depth 2" of it. */
static struct repo *shallow_clone(struct gitfix *fx, const char **sh_out)
{
	const char *dir = gitfix_init(fx, "full");
	const char *sh = gitfix_path(fx, "shallow");
	struct strbuf url = STRBUF_INIT;
	struct repo *r;
	int i;

	for (i = 0; i < 5; i++) {
		char msg[32];

		snprintf(msg, sizeof(msg), "feat: commit %d", i);
		gitfix_commit_file(fx, dir, "f", msg, msg);
	}
	strbuf_addf(&url, "file://%s", dir);
	gitfix_git(fx, NULL, "clone", "-q", "--depth", "2", url.buf, sh, NULL);
	strbuf_release(&url);
	r = gitfix_repo(fx, sh);
	assert_true(r->shallow);
	*sh_out = sh;
	return r;
}

/* HEAD and its parent, the boundary, as git sees them. */
static void assert_boundary_walk(struct gitfix *fx, const char *sh, struct repo *r)
{
	struct history h = HISTORY_INIT;
	const struct hcommit *c;
	unsigned char parent[20];
	uint32_t head;

	assert_int_equal(history_open(&h, r), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	assert_true(h.hit_boundary);
	assert_int_equal(nr_loaded(&h), 2);
	assert_int_equal(h.commits[head].nr_parents, 1);
	assert_false(h.commits[head].is_boundary);
	c = &h.commits[history_parents(&h, head)[0]];
	assert_true(c->loaded);
	assert_true(c->is_boundary);
	assert_int_equal(c->nr_parents, 0);
	rev_oid(fx, sh, "HEAD~1", parent);
	assert_memory_equal(c->oid, parent, 20);
	history_mark_new(&h);
	assert_int_equal(history_mark_ancestors(&h, head),
			 strtoul(gitfix_git(fx, sh, "rev-list", "--count", "HEAD", NULL),
				 NULL, 10));
	history_release(&h);
}

/* A cache that ends early (records for the newest commits only) must
 * not cut the history short: their parents are read from the objects. */
static void history__cache__cut_short_loses_nothing(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct strbuf good = STRBUF_INIT;
	struct history h = HISTORY_INIT;
	uint32_t head;

	sample_history(fx, dir);
	check_walk(fx, dir, 7, 7);
	assert_int_equal(fs_read_file(&good, cache_file(fx, dir), 0), 0);
	gitfix_write(cache_file(fx, dir), good.buf, good.len / 2 + 3);
	assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	assert_int_equal(assert_history_matches(fx, dir, &h, head, "HEAD"), 7);
	assert_int_equal(nr_loaded(&h), 7);
	history_release(&h);
	strbuf_release(&good);
}

static void history__shallow__boundary(void **state)
{
	struct gitfix *fx = *state;
	const char *sh;
	struct repo *r = shallow_clone(fx, &sh);

	assert_boundary_walk(fx, sh, r);
}

/* The cache holds the tip but never the boundary (its parents are not
 * known): a walk from the cache must still stop at the boundary and say so. */
static void history__shallow__boundary_found_through_cache(void **state)
{
	struct gitfix *fx = *state;
	const char *sh;
	struct repo *r = shallow_clone(fx, &sh);

	assert_boundary_walk(fx, sh, r);
	assert_true(fs_exists(cache_file(fx, sh)));
	assert_boundary_walk(fx, sh, r);
}

/* After "git fetch --unshallow" the old boundary has parents: a cache
 * written while shallow must not cut the history there. */
static void history__shallow__unshallow_after_cache(void **state)
{
	struct gitfix *fx = *state;
	struct history h = HISTORY_INIT;
	const char *sh;
	struct repo *r = shallow_clone(fx, &sh);
	uint32_t head;

	assert_boundary_walk(fx, sh, r);
	gitfix_git(fx, sh, "fetch", "-q", "--unshallow", NULL);
	r = gitfix_repo(fx, sh);
	assert_false(r->shallow);
	assert_int_equal(history_open(&h, r), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	assert_false(h.hit_boundary);
	assert_int_equal(assert_history_matches(fx, sh, &h, head, "HEAD"), 5);
	history_release(&h);
}

/* git stores committer dates as unsigned decimal text of any length. */
static void history__parse__huge_committer_time(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *tree, *hex;
	struct strbuf obj = STRBUF_INIT;
	struct history h = HISTORY_INIT;
	uint32_t head;

	gitfix_commit(fx, dir, "one");
	tree = gitfix_git(fx, dir, "rev-parse", "HEAD^{tree}", NULL);
	strbuf_addf(&obj, "tree %s\nauthor A <a@b> 1700000000 +0000\n"
		    "committer C <c@d> 18446744073709551615 +0000\n\nfeat: far\n", tree);
	gitfix_write(join(fx, dir, "obj"), obj.buf, obj.len);
	hex = gitfix_git(fx, dir, "hash-object", "-t", "commit", "-w", "--literally",
			 "obj", NULL);
	gitfix_git(fx, dir, "update-ref", "refs/heads/main", hex, NULL);
	assert_int_equal(history_open(&h, gitfix_repo(fx, dir)), 0);
	assert_int_equal(history_resolve(&h, "HEAD", &head), 0);
	/* Saturated, not wrapped: still after every real date. */
	assert_true(h.commits[head].time >= 1700000000);
	history_release(&h);
	strbuf_release(&obj);
}

static void history__hex__round_trip(void **state)
{
	unsigned char oid[20], back[20];
	char hex[41];
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++)
		oid[i] = (unsigned char)(i * 13 + 7);
	oid_to_hex(oid, hex);
	assert_int_equal(strlen(hex), 40);
	assert_int_equal(oid_parse_hex(hex, 40, back), 0);
	assert_memory_equal(oid, back, 20);
	for (i = 0; i < 40; i++)
		if (hex[i] >= 'a')
			hex[i] = (char)(hex[i] - 'a' + 'A');
	assert_int_equal(oid_parse_hex(hex, 40, back), 0);
	assert_memory_equal(oid, back, 20);
	assert_int_equal(oid_parse_hex(hex, 39, back), -1);
	hex[17] = 'g';
	assert_int_equal(oid_parse_hex(hex, 40, back), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, gitfix_setup, gitfix_teardown)
	static const struct CMUnitTest tests[] = {
		T(repo__discover__plain_repo),
		T(repo__discover__subdirectory_finds_top),
		T(repo__discover__worktree_common_dir_is_main_gitdir),
		T(repo__discover__bare_repo_has_no_workdir),
		T(repo__discover__not_a_repo_is_enotfound),
		T(repo__discover__git_dir_env),
		T(repo__discover__gitfile_with_relative_path),
		T(repo__state_dir__created_on_request),
		T(refs__resolve__head_symbolic),
		T(refs__resolve__detached_head),
		T(refs__resolve__packed_only),
		T(refs__resolve__loose_overrides_packed),
		T(refs__resolve__unborn_is_enotfound),
		T(refs__resolve__worktree_head_from_its_gitdir),
		T(refs__resolve__symref_loop_is_enotfound),
		T(refs__symref__branch_unborn_detached_reftable),
		T(refs__resolve__other_formats),
		T(refs__list__packed_with_peeled),
		T(refs__list__loose_and_nested),
		T(refs__list__loose_wins_once),
		T(refs__list__empty_and_reftable),
		T(refs__list__skips_malformed_lines),
		T(packs__read__whole_objects_match_git),
		T(packs__read__header_only_stops_at_blank_line),
		T(packs__read__unknown_and_loose_are_zero),
		T(packs__open__skips_unusable_files),
		T(history__resolve__matches_git_log_loose),
		T(history__resolve__matches_git_log_packed),
		T(history__message__walk_reads_headers_only),
		T(history__message_rest__after_first_line),
		T(history__resolve__revisions),
		T(history__resolve__empty_repo_is_enotfound),
		T(history__peel__tags_to_commits),
		T(history__mark_ancestors__counts_equal_rev_list),
		T(history__cache__round_trip_reads_nothing),
		T(history__cache__corrupt_file_is_ignored),
		T(history__cache__cut_short_loses_nothing),
		T(history__shallow__boundary),
		T(history__shallow__boundary_found_through_cache),
		T(history__shallow__unshallow_after_cache),
		T(history__parse__huge_committer_time),
		T(history__hex__round_trip),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
