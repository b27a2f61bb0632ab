#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/run.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int reset(void **state)
{
	(void)state;
	error_clear();
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run "sh -c script" capturing; returns the status. */
static int sh(struct child *c, const char *script)
{
	const char **argv = calloc(2, sizeof(*argv));

	argv[0] = script;
	c->argv = argv;
	c->use_shell = 1;
	c->capture = 1;
	assert_int_equal(child_run(c), 0);
	free(argv);
	c->argv = NULL;
	return c->status;
}

static void run__capture__stdout_and_stderr(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "printf", "%s|", "a", "b c", NULL };

	(void)state;
	c.argv = argv;
	c.capture = 1;
	assert_int_equal(child_run(&c), 0);
	assert_int_equal(c.status, 0);
	assert_string_equal(c.out.buf, "a|b c|");
	assert_string_equal(c.err.buf, "");
	assert_true(c.pid > 0);
	child_release(&c);
	assert_int_equal(sh(&c, "echo out; echo err >&2"), 0);
	assert_string_equal(c.out.buf, "out\n");
	assert_string_equal(c.err.buf, "err\n");
	child_release(&c);
	child_release(NULL);
}

static void run__capture__merge_err(void **state)
{
	struct child c = CHILD_INIT;

	(void)state;
	c.merge_err = 1;
	assert_int_equal(sh(&c, "echo 1; echo 2 >&2; echo 3"), 0);
	assert_string_equal(c.out.buf, "1\n2\n3\n");
	assert_string_equal(c.err.buf, "");
	child_release(&c);
}

static void run__capture__large_output(void **state)
{
	struct child c = CHILD_INIT;

	(void)state;
	/* Both pipes full at once must not deadlock. */
	assert_int_equal(sh(&c, "i=0; while [ $i -lt 3 ]; do "
			     "head -c 300000 /dev/zero; "
			     "head -c 300000 /dev/zero >&2; i=$((i+1)); done"), 0);
	assert_int_equal(c.out.len, 900000);
	assert_int_equal(c.err.len, 900000);
	child_release(&c);
}

static void run__capture__cap_drops_rest(void **state)
{
	struct child c = CHILD_INIT;

	(void)state;
	c.out_cap = 1000;
	assert_int_equal(sh(&c, "head -c 100000 /dev/zero; echo done >&2"), 0);
	assert_int_equal(c.out.len, 1000);
	assert_string_equal(c.err.buf, "done\n");
	child_release(&c);
}

static void run__status__exit_codes(void **state)
{
	struct child c = CHILD_INIT;
	const char *t[] = { "true", NULL }, *f[] = { "false", NULL };

	(void)state;
	c.argv = t;
	assert_int_equal(child_run(&c), 0);
	assert_int_equal(c.status, 0);
	c.argv = f;
	assert_int_equal(child_run(&c), 0);
	assert_int_equal(c.status, 1);
	assert_int_equal(sh(&c, "exit 42"), 42);
	assert_int_equal(sh(&c, "exit 255"), 255);
	child_release(&c);
}

static void run__status__signal_is_128_plus(void **state)
{
	struct child c = CHILD_INIT;

	(void)state;
	assert_int_equal(sh(&c, "kill -TERM $$"), 128 + SIGTERM);
	assert_int_equal(sh(&c, "kill -KILL $$"), 128 + SIGKILL);
	assert_false(c.timed_out);
	child_release(&c);
}

static void run__missing_program__unavailable(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "bosun-no-such-program-xyz", "arg", NULL };

	(void)state;
	c.argv = argv;
	c.capture = 1;
	assert_int_equal(child_run(&c), -BOSUN_EUNAVAILABLE);
	assert_string_equal(error_message(),
			    "cannot run 'bosun-no-such-program-xyz': not found");
	assert_int_equal(error_exit_code(-BOSUN_EUNAVAILABLE), 69);
	assert_int_equal(c.pid, 0);
	child_release(&c);
}

static void run__missing_program__by_path(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "/nonexistent/bin/tool", NULL };

	(void)state;
	c.argv = argv;
	assert_int_equal(child_run(&c), -BOSUN_EUNAVAILABLE);
	assert_non_null(strstr(error_message(), "not found"));
}

static void run__empty_argv__error(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { NULL };

	(void)state;
	assert_true(child_run(&c) < 0);
	c.argv = argv;
	assert_true(child_run(&c) < 0);
}

static void run__env__add_override_remove(void **state)
{
	struct child c = CHILD_INIT;
	const char *env[] = { "BOSUN_T_NEW=new", "BOSUN_T_OLD=over",
			      "BOSUN_T_GONE", "BOSUN_T_MISSING", NULL };

	(void)state;
	setenv("BOSUN_T_OLD", "old", 1);
	setenv("BOSUN_T_GONE", "here", 1);
	setenv("BOSUN_T_GONE2", "stays", 1);
	c.env = env;
	assert_int_equal(sh(&c, "echo \"${BOSUN_T_NEW}|${BOSUN_T_OLD}|"
			     "${BOSUN_T_GONE-unset}|${BOSUN_T_GONE2}\"; "
			     "env | grep -c '^BOSUN_T_OLD='"), 0);
	assert_string_equal(c.out.buf, "new|over|unset|stays\n1\n");
	/* Our own environment is unchanged. */
	assert_string_equal(getenv("BOSUN_T_OLD"), "old");
	assert_string_equal(getenv("BOSUN_T_GONE"), "here");
	unsetenv("BOSUN_T_OLD");
	unsetenv("BOSUN_T_GONE");
	unsetenv("BOSUN_T_GONE2");
	child_release(&c);
}

static void run__env__value_with_equals(void **state)
{
	struct child c = CHILD_INIT;
	const char *env[] = { "BOSUN_T_EQ=a=b=c", NULL };

	(void)state;
	c.env = env;
	assert_int_equal(sh(&c, "printf %s \"$BOSUN_T_EQ\""), 0);
	assert_string_equal(c.out.buf, "a=b=c");
	child_release(&c);
}

static void run__timeout__terms_child(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "sleep", "10", NULL };
	long long t0 = now_ms();

	(void)state;
	c.argv = argv;
	c.capture = 1;
	c.timeout_ms = 150;
	assert_int_equal(child_run(&c), 0);
	assert_true(c.timed_out);
	assert_int_equal(c.status, 124);
	assert_true(now_ms() - t0 >= 140);
	assert_true(now_ms() - t0 < 3000);
	child_release(&c);
}

static void run__timeout__kills_after_grace(void **state)
{
	struct child c = CHILD_INIT;
	long long t0 = now_ms();

	(void)state;
	c.timeout_ms = 100;
	/* The shell ignores SIGTERM: SIGKILL follows a second later. Its
	 * sleep keeps the pipes open, which must not keep us waiting. */
	assert_int_equal(sh(&c, "trap '' TERM; echo started; sleep 3; echo no"),
			 124);
	assert_true(c.timed_out);
	assert_string_equal(c.out.buf, "started\n");
	assert_true(now_ms() - t0 >= 1000);
	assert_true(now_ms() - t0 < 5000);
	child_release(&c);
}

static void run__timeout__not_hit(void **state)
{
	struct child c = CHILD_INIT;

	(void)state;
	c.timeout_ms = 5000;
	assert_int_equal(sh(&c, "echo fast; exit 3"), 3);
	assert_false(c.timed_out);
	assert_string_equal(c.out.buf, "fast\n");
	child_release(&c);
}

static void run__background_grandchild__does_not_hang(void **state)
{
	struct child c = CHILD_INIT;
	long long t0 = now_ms();

	(void)state;
	/* The background sleep inherits stdout and outlives the shell. */
	assert_int_equal(sh(&c, "sleep 5 & echo bye"), 0);
	assert_string_equal(c.out.buf, "bye\n");
	assert_true(now_ms() - t0 < 5000);
	child_release(&c);
}

static void run__stdin__fed(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "cat", NULL };
	static const char text[] = "line one\nline two\n";

	(void)state;
	c.argv = argv;
	c.capture = 1;
	c.in = text;
	c.in_len = sizeof(text) - 1;
	assert_int_equal(child_run(&c), 0);
	assert_string_equal(c.out.buf, text);
	child_release(&c);
}

static void run__stdin__large_round_trip(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "cat", NULL };
	size_t n = 2 << 20, i;
	char *buf = malloc(n);

	(void)state;
	for (i = 0; i < n; i++)
		buf[i] = (char)(i * 7);
	c.argv = argv;
	c.capture = 1;
	c.in = buf;
	c.in_len = n;
	assert_int_equal(child_run(&c), 0);
	assert_int_equal(c.out.len, n);
	assert_memory_equal(c.out.buf, buf, n);
	child_release(&c);
	free(buf);
}

static void run__stdin__child_stops_reading(void **state)
{
	struct child c = CHILD_INIT;
	size_t n = 4 << 20;
	char *buf = calloc(1, n);

	(void)state;
	/* EPIPE on our side, not a SIGPIPE that kills the test. */
	c.in = buf;
	c.in_len = n;
	assert_int_equal(sh(&c, "head -c 10 >/dev/null; echo ok"), 0);
	assert_string_equal(c.out.buf, "ok\n");
	child_release(&c);
	free(buf);
}

static void run__stdin__default_dev_null(void **state)
{
	struct child c = CHILD_INIT;

	(void)state;
	assert_int_equal(sh(&c, "wc -c"), 0);
	assert_int_equal(atoi(c.out.buf), 0);
	child_release(&c);
}

static void run__dir__changes_directory(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "pwd", NULL };

	(void)state;
	c.argv = argv;
	c.capture = 1;
	c.dir = "/";
	assert_int_equal(child_run(&c), 0);
	assert_string_equal(c.out.buf, "/\n");
	child_release(&c);
	c.dir = "/nonexistent-bosun-dir";
	assert_int_equal(child_run(&c), -BOSUN_EIO);
	assert_non_null(strstr(error_message(), "no such directory"));
	child_release(&c);
}

static void run__shell__positional_args(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "printf '%s/%s/%s' \"$0\" \"$1\" \"$2\"",
			       "zero", "one", "two words", NULL };

	(void)state;
	c.argv = argv;
	c.use_shell = 1;
	c.capture = 1;
	assert_int_equal(child_run(&c), 0);
	assert_string_equal(c.out.buf, "zero/one/two words");
	child_release(&c);
}

static void run__no_shell__metachars_literal(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "printf", "%s", "$(echo hi); `x` | > y", NULL };

	(void)state;
	c.argv = argv;
	c.capture = 1;
	assert_int_equal(child_run(&c), 0);
	assert_string_equal(c.out.buf, "$(echo hi); `x` | > y");
	child_release(&c);
}

static void run__quiet__discards(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "sh", "-c", "echo noise; echo noise >&2; exit 4",
			       NULL };

	(void)state;
	c.argv = argv;
	c.quiet = 1;
	assert_int_equal(child_run(&c), 0);
	assert_int_equal(c.status, 4);
	assert_int_equal(c.out.len, 0);
}

/* Is fd open in this process and inherited across exec? */
static int inheritable(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl >= 0 && !(fl & FD_CLOEXEC);
}

static void run__fds__not_leaked(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "ls", "/proc/self/fd", NULL };
	const char *p;
	int unexplained = 0;

	(void)state;
	c.argv = argv;
	c.capture = 1;
	c.in = "x";
	c.in_len = 1;
	assert_int_equal(child_run(&c), 0);
	/* Besides 0-2 and what we ourselves let children inherit, the child
	 * may hold one descriptor: the one ls opened to list the directory.
	 * A leaked pipe would add at least two. */
	for (p = c.out.buf; *p; p = strchr(p, '\n') + 1) {
		int fd = atoi(p);

		if (fd > 2 && !inheritable(fd))
			unexplained++;
		if (!strchr(p, '\n'))
			break;
	}
	assert_true(unexplained <= 1);
	child_release(&c);
}

static void run__parallel__all_statuses(void **state)
{
	struct child c[6];
	const char *argv[6][2];
	char scripts[6][64];
	long long t0 = now_ms();
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		struct child init = CHILD_INIT;

		c[i] = init;
		snprintf(scripts[i], sizeof(scripts[i]),
			 "sleep 0.3; echo job%zu; exit %zu", i, i);
		argv[i][0] = scripts[i];
		argv[i][1] = NULL;
		c[i].argv = argv[i];
		c[i].use_shell = 1;
		c[i].capture = 1;
	}
	assert_int_equal(child_run_parallel(c, 6, 3), 0);
	/* Three at a time: two waves of 0.3 s, not six. */
	assert_true(now_ms() - t0 >= 550);
	assert_true(now_ms() - t0 < 1500);
	for (i = 0; i < 6; i++) {
		char want[16];

		snprintf(want, sizeof(want), "job%zu\n", i);
		assert_string_equal(c[i].out.buf, want);
		assert_int_equal(c[i].status, (int)i);
		child_release(&c[i]);
	}
}

static void run__parallel__start_error_reported(void **state)
{
	struct child c[3] = { CHILD_INIT, CHILD_INIT, CHILD_INIT };
	const char *ok[] = { "echo", "fine", NULL };
	const char *bad[] = { "bosun-missing-a", NULL };
	const char *bad2[] = { "bosun-missing-b", NULL };
	size_t i;

	(void)state;
	c[0].argv = bad;
	c[1].argv = ok;
	c[2].argv = bad2;
	for (i = 0; i < 3; i++)
		c[i].capture = 1;
	assert_int_equal(child_run_parallel(c, 3, 0), -BOSUN_EUNAVAILABLE);
	/* The first error is the one reported; the others still ran. */
	assert_string_equal(error_message(),
			    "cannot run 'bosun-missing-a': not found");
	assert_string_equal(c[1].out.buf, "fine\n");
	assert_int_equal(c[1].status, 0);
	assert_int_equal(c[0].status, 127);
	for (i = 0; i < 3; i++)
		child_release(&c[i]);
}

static void run__parallel__timeouts_independent(void **state)
{
	struct child c[2] = { CHILD_INIT, CHILD_INIT };
	const char *slow[] = { "sleep", "10", NULL };
	const char *fast[] = { "echo", "x", NULL };

	(void)state;
	c[0].argv = slow;
	c[0].timeout_ms = 100;
	c[0].capture = 1;
	c[1].argv = fast;
	c[1].capture = 1;
	assert_int_equal(child_run_parallel(c, 2, 2), 0);
	assert_int_equal(c[0].status, 124);
	assert_true(c[0].timed_out);
	assert_int_equal(c[1].status, 0);
	assert_false(c[1].timed_out);
	assert_string_equal(c[1].out.buf, "x\n");
	child_release(&c[0]);
	child_release(&c[1]);
}

static void run__parallel__zero_children(void **state)
{
	(void)state;
	assert_int_equal(child_run_parallel(NULL, 0, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, reset)
		T(run__capture__stdout_and_stderr),
		T(run__capture__merge_err),
		T(run__capture__large_output),
		T(run__capture__cap_drops_rest),
		T(run__status__exit_codes),
		T(run__status__signal_is_128_plus),
		T(run__missing_program__unavailable),
		T(run__missing_program__by_path),
		T(run__empty_argv__error),
		T(run__env__add_override_remove),
		T(run__env__value_with_equals),
		T(run__timeout__terms_child),
		T(run__timeout__kills_after_grace),
		T(run__timeout__not_hit),
		T(run__background_grandchild__does_not_hang),
		T(run__stdin__fed),
		T(run__stdin__large_round_trip),
		T(run__stdin__child_stops_reading),
		T(run__stdin__default_dev_null),
		T(run__dir__changes_directory),
		T(run__shell__positional_args),
		T(run__no_shell__metachars_literal),
		T(run__quiet__discards),
		T(run__fds__not_leaked),
		T(run__parallel__all_statuses),
		T(run__parallel__start_error_reported),
		T(run__parallel__timeouts_independent),
		T(run__parallel__zero_children),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
