#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "gitfix.h"
#include "lib/git/rev.h"
#include "lib/git/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* lib/git/run.h against the real git in throw-away repositories. */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void gitrun__output__stdout_captured(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *c1 = gitfix_commit(fx, dir, "feat: one");
	const char *args[] = { "rev-parse", "HEAD", NULL };
	struct gitrun g = GITRUN_INIT;

	g.dir = dir;
	assert_int_equal(gitrun_exec(&g, args), 0);
	assert_int_equal(g.status, 0);
	strbuf_trim(&g.out);
	assert_string_equal(g.out.buf, c1);
	gitrun_release(&g);
}

static void gitrun__stdin__fed(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *args[] = { "hash-object", "--stdin", NULL };
	struct gitrun g = GITRUN_INIT;

	g.dir = dir;
	g.in = "hello\n";
	g.in_len = 6;
	assert_int_equal(gitrun_exec(&g, args), 0);
	assert_string_equal(g.out.buf, "ce013625030ba8dba906f756967f9e9ca394464a\n");
	gitrun_release(&g);
}

static void gitrun__many_args__none_dropped(void **state)
{
	struct gitfix *fx = *state;
	const char *args[48];
	char names[45][8];
	struct gitrun g = GITRUN_INIT;
	size_t i;

	args[0] = "rev-parse";
	args[1] = "--sq-quote";
	for (i = 0; i < 45; i++) {
		snprintf(names[i], sizeof(names[i]), "a%zu", i);
		args[i + 2] = names[i];
	}
	args[47] = NULL;
	g.dir = gitfix_path(fx, "");
	assert_int_equal(gitrun_exec(&g, args), 0);
	assert_non_null(strstr(g.out.buf, " 'a0' 'a1' "));
	assert_non_null(strstr(g.out.buf, " 'a43' 'a44'\n"));
	gitrun_release(&g);
}

static void gitrun__failure__last_line_efail(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *args[] = { "-c", "x.y=z", "checkout", "no-such-branch", NULL };
	struct gitrun g = GITRUN_INIT;

	gitfix_commit(fx, dir, "feat: one");
	g.dir = dir;
	assert_int_equal(gitrun_exec(&g, args), -BOSUN_EFAIL);
	assert_int_not_equal(g.status, 0);
	/* The verb past -c's value; git's "error: " dropped. */
	assert_string_equal(error_message(), "git checkout failed: pathspec "
			    "'no-such-branch' did not match any file(s) known to git");
	gitrun_release(&g);
}

static void gitrun__failure__caller_kind(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *args[] = { "cat-file", "-e", "0123456789012345678901234567890123456789", NULL };
	struct gitrun g = GITRUN_INIT;

	g.dir = dir;
	g.fail_kind = BOSUN_EIO;
	assert_int_equal(gitrun_exec(&g, args), -BOSUN_EIO);
	/* Nothing on stderr: the exit code says it. */
	assert_string_equal(error_message(), "git cat-file failed: exit code 1");
	gitrun_release(&g);
}

static void gitrun__failure__bad_revision_usage(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *args[] = { "log", "no-such-rev", NULL };
	struct gitrun g = GITRUN_INIT;

	gitfix_commit(fx, dir, "feat: one");
	g.dir = dir;
	g.fail_kind = BOSUN_EIO;
	assert_int_equal(gitrun_exec(&g, args), -BOSUN_EUSAGE);
	/* The fatal line, not the usage lines git prints after it. */
	assert_non_null(strstr(error_message(),
			       "git log failed: ambiguous argument 'no-such-rev'"));
	gitrun_release(&g);
}

static void gitrun__timeout__unavailable(void **state)
{
	struct gitfix *fx = *state;
	const char *args[] = { "-c", "alias.nap=!sleep 10", "nap", NULL };
	struct gitrun g = GITRUN_INIT;
	long long t0 = now_ms();

	g.dir = gitfix_path(fx, "");
	g.timeout_ms = 200;
	assert_int_equal(gitrun_exec(&g, args), -BOSUN_EUNAVAILABLE);
	assert_true(g.timed_out);
	assert_int_equal(g.status, 124);
	assert_string_equal(error_message(), "git nap timed out after 1 s");
	assert_true(now_ms() - t0 < 5000);
	gitrun_release(&g);
}

static void gitrun__missing_git__unavailable(void **state)
{
	struct gitfix *fx = *state;
	const char *args[] = { "version", NULL };
	struct gitrun g = GITRUN_INIT;
	char *path = strdup(getenv("PATH"));
	int r;

	setenv("PATH", gitfix_path(fx, ""), 1);
	r = gitrun_exec(&g, args);
	setenv("PATH", path, 1);
	free(path);
	assert_int_equal(r, -BOSUN_EUNAVAILABLE);
	assert_string_equal(error_message(), "cannot run 'git': not found");
	assert_non_null(error_hint_text());
	assert_int_equal(g.status, 127);
	gitrun_release(&g);
}

/*
 * A git on PATH that fails its first `fails` runs with `message` (as git
 * does when it meets another git at work), then runs the real one; the
 * runs are counted in fx's "count". Returns the PATH to restore.
 */
static char *racing_git(struct gitfix *fx, int fails, const char *message)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = strdup(getenv("PATH"));
	const char *bin = gitfix_path(fx, "bin");

	assert_int_equal(fs_mkdir_p(bin), 0);
	strbuf_addf(&sb, "#!/bin/sh\n"
		    "n=$(cat '%s/count' 2>/dev/null || echo 0)\n"
		    "echo $((n + 1)) >'%s/count'\n"
		    "if [ \"$n\" -lt %d ]; then echo 'warning: x' >&2; "
		    "echo 'fatal: %s' >&2; exit 128; fi\n"
		    "PATH='%s' exec git \"$@\"\n",
		    bin, bin, fails, message, path);
	gitfix_write(gitfix_path(fx, "bin/git"), sb.buf, sb.len);
	assert_int_equal(chmod(gitfix_path(fx, "bin/git"), 0755), 0);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s:%s", bin, path);
	setenv("PATH", sb.buf, 1);
	strbuf_release(&sb);
	return path;
}

static int runs_of(struct gitfix *fx)
{
	FILE *f = fopen(gitfix_path(fx, "bin/count"), "r");
	int n = 0;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	fclose(f);
	return n;
}

#define RACE "failed to read .git/worktrees/w1/commondir: Success"

static void gitrun__race__retried_until_it_passes(void **state)
{
	struct gitfix *fx = *state;
	const char *args[] = { "rev-parse", "--sq-quote", "a", NULL };
	struct gitrun g = GITRUN_INIT;
	int r;
	char *path = racing_git(fx, 3, RACE);

	strbuf_addstr(&g.out, "kept:");
	g.retry_races = 1;
	r = gitrun_exec(&g, args);
	setenv("PATH", path, 1);
	free(path);
	assert_int_equal(r, 0);
	assert_int_equal(runs_of(fx), 4);
	/* The failed runs' output is gone; what the caller had stays. */
	assert_string_equal(g.out.buf, "kept: 'a'\n");
	assert_string_equal(g.err.buf, "");
	gitrun_release(&g);
}

static void gitrun__race__config_lock_retried(void **state)
{
	struct gitfix *fx = *state;
	const char *args[] = { "version", NULL };
	struct gitrun g = GITRUN_INIT;
	int r;
	char *path = racing_git(fx, 1, "could not lock config file .git/config: File exists");

	g.retry_races = 1;
	r = gitrun_exec(&g, args);
	setenv("PATH", path, 1);
	free(path);
	assert_int_equal(r, 0);
	assert_int_equal(runs_of(fx), 2);
	gitrun_release(&g);
}

static void gitrun__race__not_retried_unless_asked(void **state)
{
	struct gitfix *fx = *state;
	const char *args[] = { "version", NULL };
	struct gitrun g = GITRUN_INIT;
	int r;
	char *path = racing_git(fx, 3, RACE);

	r = gitrun_exec(&g, args);
	setenv("PATH", path, 1);
	free(path);
	assert_int_equal(r, -BOSUN_EFAIL);
	assert_int_equal(runs_of(fx), 1);
	assert_string_equal(error_message(), "git version failed: " RACE);
	gitrun_release(&g);
}

static void gitrun__race__other_failures_not_retried(void **state)
{
	struct gitfix *fx = *state;
	const char *args[] = { "version", NULL };
	struct gitrun g = GITRUN_INIT;
	int r;
	char *path = racing_git(fx, 3, "failed to read the index");

	g.retry_races = 1;
	r = gitrun_exec(&g, args);
	setenv("PATH", path, 1);
	free(path);
	assert_int_equal(r, -BOSUN_EFAIL);
	assert_int_equal(runs_of(fx), 1);
	assert_string_equal(error_message(), "git version failed: failed to read the index");
	gitrun_release(&g);
}

static void gitrun__race__given_up_after_the_last_try(void **state)
{
	struct gitfix *fx = *state;
	const char *args[] = { "version", NULL };
	struct gitrun g = GITRUN_INIT;
	int r;
	char *path = racing_git(fx, 1000, RACE);
	long long t0 = now_ms();

	g.retry_races = 1;
	r = gitrun_exec(&g, args);
	setenv("PATH", path, 1);
	free(path);
	assert_int_equal(r, -BOSUN_EFAIL);
	assert_int_equal(runs_of(fx), GITRUN_RACE_TRIES + 1);
	/* 10 ms growing by 20 ms a try: 2.25 s asleep. */
	assert_true(now_ms() - t0 >= 2250);
	assert_string_equal(error_message(), "git version failed: " RACE);
	/* One run's stderr, not sixteen. */
	assert_string_equal(g.err.buf, "warning: x\nfatal: " RACE "\n");
	gitrun_release(&g);
}

static void gitrun__output_cap__io_error(void **state)
{
	struct gitfix *fx = *state;
	const char *args[] = { "rev-parse", "--sq-quote", "0123456789", "0123456789", NULL };
	struct gitrun g = GITRUN_INIT;

	g.dir = gitfix_path(fx, "");
	g.out_cap = 10;
	assert_int_equal(gitrun_exec(&g, args), -BOSUN_EIO);
	assert_string_equal(error_message(), "git rev-parse: more than 10 bytes of output");
	assert_int_equal(g.out.len, 10);
	gitrun_release(&g);
}

static void rev__commit_hex__refs_and_rev_parse(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *c1 = gitfix_commit(fx, dir, "feat: one");
	const char *c2 = gitfix_commit(fx, dir, "feat: two");
	struct repo *repo = gitfix_repo(fx, dir);
	char hex[41];

	gitfix_git(fx, dir, "tag", "-a", "v1", "-m", "v1", c1, NULL);
	assert_int_equal(rev_commit_hex(repo, "HEAD", hex), 0);
	assert_string_equal(hex, c2);
	assert_int_equal(rev_commit_hex(repo, "main", hex), 0);
	assert_string_equal(hex, c2);
	/* Through git: the tag peeled to its commit, and HEAD~1. */
	assert_int_equal(rev_commit_hex(repo, "v1", hex), 0);
	assert_string_equal(hex, c1);
	assert_int_equal(rev_commit_hex(repo, "HEAD~1", hex), 0);
	assert_string_equal(hex, c1);
	assert_int_equal(rev_commit_hex(repo, "nope", hex), -BOSUN_ENOTFOUND);
	assert_string_equal(error_message(), "unknown revision 'nope'");
	assert_true(rev_is_hex(c1, 40, 40));
	assert_false(rev_is_hex("HEAD", 4, 40));
}

/* Read all of fd into sb. */
static void read_all(int fd, struct strbuf *sb)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(sb, buf, (size_t)n);
	assert_int_equal(n, 0);
}

static void gitrun__start__streams_stdout_then_finish(void **state)
{
	struct gitfix *fx = *state;
	const char *dir = gitfix_init(fx, "r");
	const char *c1 = gitfix_commit(fx, dir, "feat: one");
	const char *args[] = { "cat-file", "commit", c1, NULL };
	const char *bad[] = { "cat-file", "blob", "0123456789012345678901234567890123456789", NULL };
	const char *yes[] = { "rev-list", "--all", "--header", "--max-count=1", NULL };
	struct gitrun g = GITRUN_INIT;
	struct strbuf sb = STRBUF_INIT;

	g.dir = dir;
	assert_int_equal(gitrun_start(&g, args), 0);
	assert_true(g.out_fd >= 0);
	read_all(g.out_fd, &sb);
	assert_non_null(strstr(sb.buf, "feat: one"));
	assert_int_equal(gitrun_finish(&g), 0);
	assert_int_equal(g.status, 0);
	gitrun_release(&g);

	/* A failing git: its message, the caller's kind. */
	g = (struct gitrun)GITRUN_INIT;
	g.dir = dir;
	g.fail_kind = BOSUN_EIO;
	strbuf_reset(&sb);
	assert_int_equal(gitrun_start(&g, bad), 0);
	read_all(g.out_fd, &sb);
	assert_int_equal(gitrun_finish(&g), -BOSUN_EIO);
	assert_non_null(strstr(error_message(), "git cat-file failed: "));
	gitrun_release(&g);

	/* Stopped before its end: no error, nothing left running. */
	g = (struct gitrun)GITRUN_INIT;
	g.dir = dir;
	assert_int_equal(gitrun_start(&g, yes), 0);
	gitrun_stop(&g);
	assert_int_equal(g.out_fd, -1);
	assert_int_equal(gitrun_finish(&g), 0);
	gitrun_release(&g);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, gitfix_setup, gitfix_teardown)
		T(gitrun__output__stdout_captured),
		T(gitrun__stdin__fed),
		T(gitrun__many_args__none_dropped),
		T(gitrun__failure__last_line_efail),
		T(gitrun__failure__caller_kind),
		T(gitrun__failure__bad_revision_usage),
		T(gitrun__timeout__unavailable),
		T(gitrun__missing_git__unavailable),
		T(gitrun__output_cap__io_error),
		T(gitrun__race__retried_until_it_passes),
		T(gitrun__race__config_lock_retried),
		T(gitrun__race__not_retried_unless_asked),
		T(gitrun__race__other_failures_not_retried),
		T(gitrun__race__given_up_after_the_last_try),
		T(rev__commit_hex__refs_and_rev_parse),
		T(gitrun__start__streams_stdout_then_finish),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
