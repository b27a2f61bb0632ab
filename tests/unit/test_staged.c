#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/run.h"
#include "core/strbuf.h"
#include "gitfix.h"
#include "lib/git/index.h"
#include "lib/git/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each test builds a repository state with a shell script and checks that
 * index_staged() lists exactly what `git diff --cached --raw -z --no-renames
 * --diff-filter=AMT` does (paths, ids; gitlinks left out), the oracle
 * being git itself.
 */

static void sh(struct gitfix *fx, const char *dir, const char *script)
{
	const char *argv[] = { script, NULL };
	const char *env[] = { "GIT_AUTHOR_DATE=@1700000000 +0000",
			      "GIT_COMMITTER_DATE=@1700000000 +0000", NULL };
	struct child c = CHILD_INIT;

	(void)fx;
	c.argv = argv;
	c.env = env;
	c.use_shell = 1;
	c.dir = dir;
	c.capture = 1;
	c.timeout_ms = 120000;
	if (child_run(&c) < 0 || c.status)
		fail_msg("script failed (%d): %s\n%s", c.status, script, c.err.buf);
	child_release(&c);
}

/* What git says is staged: "PATH HEX" lines, in git's order. */
static void oracle(struct gitfix *fx, const char *dir, struct strbuf *out)
{
	const char *argv[] = { "diff", "--cached", "--raw", "-z", "--no-abbrev",
			       "--no-renames", "--diff-filter=AMT", "--no-ext-diff", NULL };
	size_t len, n;
	const char *raw = gitfix_gitv(fx, dir, argv, NULL, 1, &len), *p = raw, *end = raw + len;

	while (p < end) {
		/* ":OLDMODE NEWMODE OLDHEX NEWHEX STATUS\0PATH\0" */
		const char *path;

		n = strnlen(p, (size_t)(end - p));
		path = p + n + 1;
		if (n >= 98 && strncmp(p + 8, "160000", 6))
			strbuf_addf(out, "%s %.40s\n", path, p + 56);
		p = path + strnlen(path, (size_t)(end - path)) + 1;
	}
}

static int ours(struct gitfix *fx, const char *dir, struct strbuf *out)
{
	struct repo *repo = gitfix_repo(fx, dir);
	struct staged_list sl = STAGED_LIST_INIT;
	size_t i;
	int r = index_staged(repo, &sl);

	for (i = 0; r == 0 && i < sl.nr; i++)
		strbuf_addf(out, "%s %s\n", sl.items[i].path, sl.items[i].hex);
	staged_list_release(&sl);
	return r;
}

/* Run script in dir, then compare; the native reader must answer. */
static void check(struct gitfix *fx, const char *dir, const char *script)
{
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;

	if (script)
		sh(fx, dir, script);
	oracle(fx, dir, &want);
	assert_int_equal(ours(fx, dir, &got), 0);
	assert_string_equal(got.buf, want.buf);
	strbuf_release(&want);
	strbuf_release(&got);
}

static void staged__unborn_and_nothing(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");

	check(fx, dir, NULL);
	check(fx, dir, "mkdir -p a/b c && echo 1 >a/b/x && echo 2 >a/y && echo 3 >c/z && "
		       "echo 4 >top && git add .");
	check(fx, dir, "git commit -q -m 'feat: one'");
}

static void staged__changes_of_every_kind(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");

	sh(fx, dir, "mkdir -p a/b c d e && echo 1 >a/b/x && echo 2 >a/y && echo 3 >c/z && "
		    "echo 4 >top && echo 5 >d/f && echo 6 >e/g && echo 7 >a.c && "
		    "git add . && git commit -q -m 'feat: one'");
	check(fx, dir, "echo 1b >a/b/x && git add a/b/x");                /* modified, deep */
	check(fx, dir, "mkdir -p n/m && echo new >n/m/f && git add n");    /* a new folder */
	check(fx, dir, "echo 8 >a/new && git add a/new");                  /* new in a folder */
	check(fx, dir, "git rm -q c/z");                                   /* deleted: not listed */
	check(fx, dir, "chmod +x top && git add top");                     /* mode */
	check(fx, dir, "rm a.c && ln -s top a.c && git add a.c");          /* type: file to link */
	check(fx, dir, "git rm -q -r d && echo 9 >d && git add d");        /* folder to file */
	check(fx, dir, "git rm -q -f top && mkdir top && echo 10 >top/in && git add top");
	check(fx, dir, "echo unstaged >>e/g");                             /* not staged */
	check(fx, dir, "git commit -q -m 'feat: two'");                    /* nothing again */
}

static void staged__intent_to_add_and_conflicts(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");

	sh(fx, dir, "echo base >f && echo k >keep && git add . && git commit -q -m 'feat: base'");
	check(fx, dir, "echo later >ita && git add -N ita");
	sh(fx, dir, "git rm -q --cached ita && git checkout -q -b side && echo side >f && "
		    "git commit -q -am 'feat: side' && git checkout -q main && echo main >f && "
		    "echo other >o && git add o && git commit -q -am 'feat: main' && "
		    "{ git merge -q side >/dev/null 2>&1 || true; }");
	check(fx, dir, NULL);                                               /* f unmerged */
	check(fx, dir, "echo resolved >f && git add f");
}

static void staged__index_v4_and_other_index_file(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");

	sh(fx, dir, "mkdir -p src/lib && for i in 1 2 3 4 5; do echo $i >src/lib/file$i.c; done && "
		    "git add . && git commit -q -m 'feat: one' && git update-index --index-version 4");
	check(fx, dir, "echo x >>src/lib/file3.c && echo y >src/lib/file33.c && git add src");
	sh(fx, dir, "cp .git/index ../other-index && echo z >>src/lib/file1.c && git add src");
	setenv("GIT_INDEX_FILE", gitfix_path(fx, "other-index"), 1);
	{
		struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;

		oracle(fx, dir, &want);
		assert_int_equal(ours(fx, dir, &got), 0);
		assert_string_equal(got.buf, want.buf);
		assert_null(strstr(got.buf, "file1.c"));
		strbuf_release(&want);
		strbuf_release(&got);
	}
	unsetenv("GIT_INDEX_FILE");
	check(fx, dir, NULL);
}

static void staged__packed_and_split(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	struct strbuf got = STRBUF_INIT;

	sh(fx, dir, "mkdir -p a b && echo 1 >a/x && echo 2 >b/y && git add . && "
		    "git commit -q -m 'feat: one' && git gc -q");
	check(fx, dir, "echo 3 >>a/x && git add a/x");
	/* A split index is not read here: git is asked. */
	sh(fx, dir, "git update-index --split-index");
	assert_int_equal(ours(fx, dir, &got), 1);
	strbuf_release(&got);
}

/* A real history: vite's, replayed, then files of every folder changed. */
static void staged__real_history(void **state)
{
	struct gitfix *fx = *state;
	const char *shared = getenv("BOSUN_SHARED"), *top = getenv("BOSUN_TOP");
	struct strbuf fi = STRBUF_INIT, script = STRBUF_INIT;
	const char *dir;

	/* The repository's copy first, then shared/ beside the checkout, as
	 * tests/run.sh finds it. */
	strbuf_addf(&fi, "%s/tests/data/histories/vite.fi.gz", top ? top : ".");
	if (!fs_exists(fi.buf)) {
		strbuf_reset(&fi);
		if (shared && *shared)
			strbuf_addf(&fi, "%s/data/histories/vite.fi.gz", shared);
		else
			strbuf_addf(&fi, "%s/../shared/data/histories/vite.fi.gz",
				    top ? top : ".");
	}
	if (!fs_exists(fi.buf)) {
		print_message("no %s (nor tests/data/histories): skipped\n", fi.buf);
		strbuf_release(&fi);
		skip();
	}
	dir = gitfix_init(fx, "vite");
	strbuf_addf(&script, "gzip -dc '%s' | git fast-import --quiet && "
		    "git reset -q --hard $(git for-each-ref --format='%%(refname)' refs/heads | head -n 1)",
		    fi.buf);
	sh(fx, dir, script.buf);
	check(fx, dir, NULL);
	check(fx, dir, "git ls-files | awk 'NR % 97 == 1' | while read -r f; do "
		       "[ -L \"$f\" ] || echo change >>\"$f\"; done && git add -A && "
		       "mkdir -p packages && echo new >packages/new-file.ts && git add packages/new-file.ts");
	strbuf_release(&fi);
	strbuf_release(&script);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(staged__unborn_and_nothing, gitfix_setup, gitfix_teardown),
		cmocka_unit_test_setup_teardown(staged__changes_of_every_kind, gitfix_setup, gitfix_teardown),
		cmocka_unit_test_setup_teardown(staged__intent_to_add_and_conflicts, gitfix_setup, gitfix_teardown),
		cmocka_unit_test_setup_teardown(staged__index_v4_and_other_index_file, gitfix_setup, gitfix_teardown),
		cmocka_unit_test_setup_teardown(staged__packed_and_split, gitfix_setup, gitfix_teardown),
		cmocka_unit_test_setup_teardown(staged__real_history, gitfix_setup, gitfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
