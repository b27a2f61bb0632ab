/*
 * fuzz_history.c - libFuzzer harness for the commit cache parser (history.c).
 *
 * At start-up the git program makes a small repository (three commits and a
 * merge, packed, with fixed dates so its ids are the same on every run).
 * Each input becomes its bosun/commits.cache; then history_open(),
 * history_resolve("HEAD"), a walk over what was loaded, HEAD's message and
 * history_release() (which rewrites the cache when it read commits: the
 * next input replaces it) must not crash, hang or leak. The cache is on:
 * BOSUN_NO_CACHE is cleared.
 *
 * BOSUN_FUZZ_SEED_DIR=DIR makes start-up copy the repository's real cache
 * into DIR as a seed (pass DIR as the corpus too).
 */
#include "core/error.h"
#include "core/fs.h"
#include "core/run.h"
#include "core/strbuf.h"
#include "lib/git/history.h"
#include "lib/git/repo.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct repo *repo;
static struct strbuf root = STRBUF_INIT, cache = STRBUF_INIT;
static long long clock_now = 1700000000;

static void cleanup(void)
{
	repo_free(repo);
	fs_remove_tree(root.buf);
	strbuf_release(&root);
	strbuf_release(&cache);
}

static void put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		abort();
	close(fd);
}

/* Run git in the repository; abort unless it succeeds. */
static void git(const char *a1, const char *a2, const char *a3, const char *a4)
{
	const char *argv[] = { "git", "-C", root.buf, a1, a2, a3, a4, NULL };
	struct strbuf ad = STRBUF_INIT, cd = STRBUF_INIT;
	const char *env[] = {
		"GIT_CONFIG_NOSYSTEM=1", NULL, NULL, NULL,
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com",
		"GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@example.com",
		"GIT_DIR", "GIT_WORK_TREE", NULL,
	};
	struct strbuf home = STRBUF_INIT;
	struct child c = CHILD_INIT;

	strbuf_addf(&home, "HOME=%s", root.buf);
	strbuf_addf(&ad, "GIT_AUTHOR_DATE=@%lld +0000", clock_now);
	strbuf_addf(&cd, "GIT_COMMITTER_DATE=@%lld +0000", clock_now);
	env[1] = home.buf;
	env[2] = ad.buf;
	env[3] = cd.buf;
	c.argv = argv;
	c.env = env;
	c.capture = 1;
	c.timeout_ms = 60000;
	if (child_run(&c) < 0 || c.status) {
		fprintf(stderr, "fuzz_history: git %s failed: %s%s\n", a1,
			c.err.buf, error_message());
		abort();
	}
	clock_now += 3600;
	child_release(&c);
	strbuf_release(&home);
	strbuf_release(&ad);
	strbuf_release(&cd);
}

static void seed(void)
{
	const char *dir = getenv("BOSUN_FUZZ_SEED_DIR");
	struct strbuf sb = STRBUF_INIT, p = STRBUF_INIT;

	if (!dir || !*dir || fs_read_file(&sb, cache.buf, 0) < 0) {
		error_clear();
		return;
	}
	fs_path_join(&p, dir, "valid-cache");
	put(p.buf, sb.buf, sb.len);
	strbuf_release(&sb);
	strbuf_release(&p);
}

static void walk(void)
{
	struct history h = HISTORY_INIT;
	uint32_t head;

	if (history_open(&h, repo) < 0)
		abort();
	if (history_resolve(&h, "HEAD", &head) == 0) {
		size_t len, i, n = 0;

		if (!h.commits[head].loaded)
			abort();
		history_mark_new(&h);
		if (history_mark_ancestors(&h, head) > h.nr)
			abort();
		for (i = 0; i < h.nr; i++)
			n += h.commits[i].mark == h.mark_gen;
		if (n > h.nr)
			abort();
		history_message(&h, head, &len);
	}
	error_clear();
	history_release(&h);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	unsetenv("BOSUN_NO_CACHE");
	strbuf_addf(&root, "%s/bosun-fuzz-history-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root.buf))
		abort();
	atexit(cleanup);
	git("init", "-q", "-b", "main");
	git("commit", "-q", "--allow-empty", "-mfeat: one");
	git("checkout", "-q", "-b", "topic");
	git("commit", "-q", "--allow-empty", "-mfix: two");
	git("checkout", "-q", "main", NULL);
	git("commit", "-q", "--allow-empty", "-mfeat: three");
	git("merge", "--no-ff", "-mMerge branch 'topic'", "topic");
	git("gc", "-q", NULL, NULL);
	if (repo_discover(&repo, root.buf) < 0)
		abort();
	fs_path_join(&cache, repo->common_dir, "bosun/commits.cache");
	/* One walk writes the real cache (and the bosun/ directory). */
	walk();
	seed();
}

/* Before libFuzzer reads the corpus, so that the seed is in it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	put(cache.buf, data, size);
	walk();
	return 0;
}
