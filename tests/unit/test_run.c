#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/run.h"
#include "core/strbuf.h"
#include "core/time.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/wait.h>
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

static void run__timeout__own_pgroup_kills_the_group(void **state)
{
	struct child c = CHILD_INIT;
	long long t0 = now_ms();
	pid_t grandchild;

	(void)state;
	c.timeout_ms = 100;
	c.own_pgroup = 1;
	/* It ignores SIGTERM and leaves a child holding the pipe: the group
	 * gets SIGKILL at once, the grandchild with it. */
	assert_int_equal(sh(&c, "trap '' TERM; sleep 10 & echo $!; wait"), 124);
	assert_true(c.timed_out);
	assert_true(now_ms() - t0 < 900);
	grandchild = (pid_t)atoi(c.out.buf);
	assert_true(grandchild > 0);
	t0 = now_ms();
	while (kill(grandchild, 0) == 0 && now_ms() - t0 < 3000)
		time_sleep_ms(10);
	assert_int_not_equal(kill(grandchild, 0), 0);
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

/* Several threads feeding children that stop reading: each gets EPIPE,
 * none a SIGPIPE, and SIGPIPE's disposition is left as it was (writers
 * once pushed and popped a process-wide handler, which raced: a thread
 * could pop another's and leave SIG_IGN, or the default, behind). */
static void *feed_quitters(void *arg)
{
	size_t n = 1 << 20, i;
	char *buf = calloc(1, n);

	for (i = 0; i < 8; i++) {
		struct child c = CHILD_INIT;
		const char *argv[] = { "head -c 1 >/dev/null", NULL };

		c.argv = argv;
		c.use_shell = 1;
		c.capture = 1;
		c.in = buf;
		c.in_len = n;
		if (child_run(&c) < 0 || c.status != 0)
			*(int *)arg = 1;
		child_release(&c);
	}
	free(buf);
	return NULL;
}

static void run__stdin__threads_get_epipe_not_sigpipe(void **state)
{
	pthread_t th[4];
	int failed[4] = { 0 };
	struct sigaction sa, before;
	size_t i;

	(void)state;
	feed_quitters(&failed[0]); /* the clean-up handlers are in place */
	assert_int_equal(sigaction(SIGPIPE, NULL, &before), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, feed_quitters, &failed[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(failed[i], 0);
	}
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_true(sa.sa_handler == before.sa_handler);
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

/* ---- start, finish, kill --------------------------------------------------- */

static void run__start__pipe_out_read_by_caller(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "printf", "one\ntwo\n", NULL };
	char buf[64];
	size_t got = 0;
	ssize_t n;

	(void)state;
	c.argv = argv;
	c.pipe_out = 1;
	assert_int_equal(child_start(&c), 0);
	assert_true(c.pid > 0);
	assert_true(c.out_fd >= 0);
	while ((n = read(c.out_fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	assert_string_equal(buf, "one\ntwo\n");
	assert_int_equal(child_finish(&c), 0);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.out_fd, -1);
	child_release(&c);
}

static void run__start__pipe_in_written_by_caller(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "tr", "a-z", "A-Z", NULL };

	(void)state;
	c.argv = argv;
	c.pipe_in = 1;
	c.capture = 1;
	assert_int_equal(child_start(&c), 0);
	assert_int_equal(write(c.in_fd, "hello\n", 6), 6);
	/* finish closes our end: tr sees the end of its input. */
	assert_int_equal(child_finish(&c), 0);
	assert_int_equal(c.status, 0);
	assert_string_equal(c.out.buf, "HELLO\n");
	child_release(&c);
}

static void run__start__captured_while_finishing(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "echo out; echo err >&2; exit 3", NULL };

	(void)state;
	c.argv = argv;
	c.use_shell = 1;
	c.capture = 1;
	assert_int_equal(child_start(&c), 0);
	assert_int_equal(child_finish(&c), 0);
	assert_int_equal(c.status, 3);
	assert_string_equal(c.out.buf, "out\n");
	assert_string_equal(c.err.buf, "err\n");
	/* Finished: nothing to wait for, nothing to signal. */
	assert_int_equal(child_finish(&c), -BOSUN_EINTERNAL);
	assert_int_equal(child_kill(&c, SIGTERM), 0);
	child_release(&c);
}

static void run__kill__signals_child(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "sleep", "10", NULL };
	long long t0 = now_ms();

	(void)state;
	c.argv = argv;
	assert_int_equal(child_start(&c), 0);
	assert_int_equal(child_kill(&c, SIGTERM), 0);
	assert_int_equal(child_finish(&c), 0);
	assert_int_equal(c.status, 128 + SIGTERM);
	assert_false(c.timed_out);
	assert_true(now_ms() - t0 < 5000);
	child_release(&c);
}

static void run__finish__timeout_rule(void **state)
{
	struct child c = CHILD_INIT;
	/* Ignores SIGTERM: SIGKILL a second later. */
	const char *argv[] = { "trap '' TERM; sleep 10", NULL };
	long long t0 = now_ms();

	(void)state;
	c.argv = argv;
	c.use_shell = 1;
	c.timeout_ms = 100;
	assert_int_equal(child_start(&c), 0);
	assert_int_equal(child_finish(&c), 0);
	assert_int_equal(c.status, 124);
	assert_true(c.timed_out);
	assert_true(now_ms() - t0 >= 1000);
	assert_true(now_ms() - t0 < 5000);
	child_release(&c);
}

static void run__start__missing_program(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "bosun-no-such-program", NULL };

	(void)state;
	c.argv = argv;
	c.pipe_out = 1;
	assert_int_equal(child_start(&c), -BOSUN_EUNAVAILABLE);
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.status, 127);
	assert_int_equal(c.out_fd, -1);
	assert_null(c.proc);
	child_release(&c);
}

/* ---- kill-on-exit ---------------------------------------------------------- */

/*
 * A test process starts "sleep 30" and gets SIGTERM. We are the subreaper,
 * so the sleep, orphaned, becomes ours: we see how it ended.
 */
static pid_t start_then_die_of(int detached, pid_t *sleeper, int sig, int die_with_us)
{
	int fds[2];
	pid_t pid;
	int st;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child c = CHILD_INIT;
		const char *argv[] = { "sleep", "30", NULL };

		close(fds[0]);
		c.argv = argv;
		c.detached = detached;
		c.die_with_us = die_with_us;
		c.quiet = 1;
		if (child_start(&c) < 0)
			_exit(3);
		if (write(fds[1], &c.pid, sizeof(c.pid)) != sizeof(c.pid))
			_exit(4);
		for (;;)
			pause();
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], sleeper, sizeof(*sleeper)), sizeof(*sleeper));
	close(fds[0]);
	assert_int_equal(kill(pid, sig), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), sig);
	return pid;
}

static pid_t start_then_die(int detached, pid_t *sleeper)
{
	return start_then_die_of(detached, sleeper, SIGTERM, 0);
}

/* How the orphan ended within ms, or -1 when it still runs. */
static int orphan_status(pid_t pid, int ms)
{
	int st, i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(10000);
	}
	return -1;
}

static void run__kill_on_exit__child_dies_with_us(void **state)
{
	pid_t sleeper;
	int st;

	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	start_then_die(0, &sleeper);
	st = orphan_status(sleeper, 3000);
	assert_int_not_equal(st, -1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
}

static void run__kill_on_exit__detached_survives(void **state)
{
	pid_t sleeper;
	int st;

	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	start_then_die(1, &sleeper);
	assert_int_equal(orphan_status(sleeper, 300), -1);
	/* In a session of its own. */
	assert_int_equal(getsid(sleeper), sleeper);
	kill(sleeper, SIGKILL);
	st = orphan_status(sleeper, 3000);
	assert_true(WIFSIGNALED(st));
}

/* SIGKILL leaves no handler to run: the kernel sends a die_with_us child
 * SIGTERM for us (PR_SET_PDEATHSIG); another runs on, and a detached one
 * is left alone. */
static void run__kill_on_exit__child_dies_with_sigkilled_us(void **state)
{
	pid_t sleeper;
	int st;

	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	start_then_die_of(0, &sleeper, SIGKILL, 1);
	st = orphan_status(sleeper, 3000);
	assert_int_not_equal(st, -1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
}

static void run__kill_on_exit__runs_on_without_die_with_us(void **state)
{
	pid_t sleeper;
	int st;

	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	start_then_die_of(0, &sleeper, SIGKILL, 0);
	assert_int_equal(orphan_status(sleeper, 300), -1);
	kill(sleeper, SIGKILL);
	st = orphan_status(sleeper, 3000);
	assert_true(WIFSIGNALED(st));
}

static void run__kill_on_exit__detached_survives_sigkill(void **state)
{
	pid_t sleeper;
	int st;

	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	start_then_die_of(1, &sleeper, SIGKILL, 1);
	assert_int_equal(orphan_status(sleeper, 300), -1);
	kill(sleeper, SIGKILL);
	st = orphan_status(sleeper, 3000);
	assert_true(WIFSIGNALED(st));
}

/* The kernel's "parent" of PR_SET_PDEATHSIG is the thread that forked: a
 * child run to its end on a worker thread is not hurt by that (run.h). */
static void *run_on_thread(void *arg)
{
	struct child *c = arg;
	const char *argv[] = { "sh", "-c", "echo x", NULL };

	c->argv = argv;
	c->capture = 1;
	if (child_run(c) < 0)
		c->status = -1;
	return NULL;
}

static void run__thread__child_run_on_a_worker(void **state)
{
	struct child c = CHILD_INIT;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, run_on_thread, &c), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(c.status, 0);
	assert_string_equal(c.out.buf, "x\n");
	child_release(&c);
}

static void run__detached__released_unfinished(void **state)
{
	struct child c = CHILD_INIT;
	const char *argv[] = { "sleep", "30", NULL };
	pid_t pid;
	int st;

	(void)state;
	c.argv = argv;
	c.detached = 1;
	assert_int_equal(child_start(&c), 0);
	pid = c.pid;
	child_release(&c);
	assert_null(c.proc);
	assert_int_equal(kill(pid, 0), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

/* ---- the callback runner ---------------------------------------------------- */

struct tasks {
	const char **scripts;   /* NULL-terminated; "!" is a missing program */
	size_t next;
	int running, max_running;
	struct strbuf log;      /* "n0 n1 f1 ..." */
	char outs[8][64];
	int status[8];
	int fail_finished_at;   /* task_finished of this index returns an error */
};

static int t_next(struct child *c, void *data, void **task)
{
	struct tasks *t = data;
	static const char *missing[] = { "bosun-missing-program", NULL };
	size_t i = t->next;

	if (!t->scripts[i]) {
		strbuf_addstr(&t->log, "end ");
		return 0;
	}
	t->next++;
	strbuf_addf(&t->log, "n%zu ", i);
	if (!strcmp(t->scripts[i], "!")) {
		c->argv = missing;
	} else {
		c->argv = &t->scripts[i];
		c->use_shell = 1;
	}
	c->capture = 1;
	c->merge_err = 1;
	*task = (void *)(uintptr_t)(i + 1);
	if (++t->running > t->max_running)
		t->max_running = t->running;
	return 1;
}

static int t_failed(struct child *c, void *data, void *task)
{
	struct tasks *t = data;

	assert_int_equal(c->pid, 0);
	strbuf_addf(&t->log, "s%zu ", (size_t)(uintptr_t)task - 1);
	t->running--;
	error_clear();
	return 0;
}

static int t_finished(struct child *c, void *data, void *task)
{
	struct tasks *t = data;
	size_t i = (size_t)(uintptr_t)task - 1;

	strbuf_addf(&t->log, "f%zu ", i);
	snprintf(t->outs[i], sizeof(t->outs[i]), "%s", c->out.buf);
	t->status[i] = c->status;
	t->running--;
	if (t->fail_finished_at == (int)i + 1)
		return error_set(BOSUN_EFAIL, "task %zu failed", i);
	return 0;
}

static void tasks_run(struct tasks *t, int jobs, int expect)
{
	struct child_tasks ct = { jobs, t_next, t_failed, t_finished, t };

	strbuf_init(&t->log, 0);
	assert_int_equal(child_run_tasks(&ct), expect);
	assert_int_equal(t->running, 0);
}

static void run__tasks__callback_order(void **state)
{
	const char *scripts[] = { "sleep 1.5; echo zero", "echo one",
				  "sleep 0.2; echo two", "!", "echo four", NULL };
	struct tasks t = { scripts, 0, 0, 0, STRBUF_INIT, { "" }, { 0 }, 0 };

	(void)state;
	tasks_run(&t, 2, 0);
	/* Two slots: task 0 holds one, the rest pass through the other;
	 * the missing program is reported, never finished. */
	assert_string_equal(t.log.buf,
			    "n0 n1 f1 n2 f2 n3 s3 n4 f4 end f0 ");
	assert_string_equal(t.outs[0], "zero\n");
	assert_string_equal(t.outs[2], "two\n");
	assert_string_equal(t.outs[4], "four\n");
	assert_int_equal(t.max_running, 2);
	strbuf_release(&t.log);
}

static void run__tasks__bounded_jobs(void **state)
{
	const char *scripts[] = { "sleep 0.2", "sleep 0.2", "sleep 0.2", "sleep 0.2",
				  "sleep 0.2", "sleep 0.2", "sleep 0.2", NULL };
	struct tasks t = { scripts, 0, 0, 0, STRBUF_INIT, { "" }, { 0 }, 0 };
	long long t0 = now_ms();

	(void)state;
	tasks_run(&t, 3, 0);
	assert_int_equal(t.max_running, 3);
	/* Seven of 0.2 s three at a time: three waves. */
	assert_true(now_ms() - t0 >= 550);
	strbuf_release(&t.log);
}

static void run__tasks__output_whole(void **state)
{
	const char *scripts[] = {
		"for i in 1 2 3; do echo a$i; sleep 0.05; done",
		"for i in 1 2 3; do echo b$i >&2; sleep 0.05; done",
		"for i in 1 2 3; do echo c$i; sleep 0.05; done",
		NULL };
	struct tasks t = { scripts, 0, 0, 0, STRBUF_INIT, { "" }, { 0 }, 0 };

	(void)state;
	tasks_run(&t, 3, 0);
	assert_string_equal(t.outs[0], "a1\na2\na3\n");
	assert_string_equal(t.outs[1], "b1\nb2\nb3\n");
	assert_string_equal(t.outs[2], "c1\nc2\nc3\n");
	strbuf_release(&t.log);
}

static void run__tasks__start_failure_default_stops(void **state)
{
	const char *scripts[] = { "!", "echo never", NULL };
	struct tasks t = { scripts, 0, 0, 0, STRBUF_INIT, { "" }, { 0 }, 0 };
	struct child_tasks ct = { 1, t_next, NULL, t_finished, &t };

	(void)state;
	assert_int_equal(child_run_tasks(&ct), -BOSUN_EUNAVAILABLE);
	assert_string_equal(error_message(),
			    "cannot run 'bosun-missing-program': not found");
	assert_string_equal(t.log.buf, "n0 ");
	strbuf_release(&t.log);
}

static void run__tasks__finished_error_stops_and_terms(void **state)
{
	const char *scripts[] = { "sleep 10", "exit 2", "echo never", NULL };
	struct tasks t = { scripts, 0, 0, 0, STRBUF_INIT, { "" }, { 0 }, 2 };
	long long t0 = now_ms();

	(void)state;
	tasks_run(&t, 2, -BOSUN_EFAIL);
	assert_string_equal(error_message(), "task 1 failed");
	/* Nothing more started; the sleep was stopped and still finished. */
	assert_string_equal(t.log.buf, "n0 n1 f1 f0 ");
	assert_int_equal(t.status[0], 128 + SIGTERM);
	assert_true(now_ms() - t0 < 5000);
	strbuf_release(&t.log);
}

/* A function child: what it writes is captured, its return is the status,
 * it starts in c.dir, and the caller's memory is its own copy. */
static int fn_child(void *data)
{
	int *n = data;
	char cwd[256];

	*n = 99;  /* the parent's copy stays */
	/* the descriptors, not stdio: its buffers are copies of ours */
	dprintf(1, "in %s: %d\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?", 7);
	dprintf(2, "to stderr\n");
	return 3;
}

static void run__fn__captured_with_its_status(void **state)
{
	static const char *const name[] = { "a function", NULL };
	struct child c = CHILD_INIT;
	int n = 1;

	(void)state;
	c.argv = name;
	c.fn = fn_child;
	c.fn_data = &n;
	c.dir = "/";
	c.capture = 1;
	assert_int_equal(child_run(&c), 0);
	assert_int_equal(c.status, 3);
	assert_string_equal(c.out.buf, "in /: 7\n");
	assert_string_equal(c.err.buf, "to stderr\n");
	assert_int_equal(n, 1);
	child_release(&c);
}

static int fn_sleeps(void *data)
{
	(void)data;
	sleep(30);
	return 0;
}

static void run__fn__timeout_ends_it(void **state)
{
	static const char *const name[] = { "a sleeping function", NULL };
	struct child c = CHILD_INIT;
	long long t0 = now_ms();

	(void)state;
	c.argv = name;
	c.fn = fn_sleeps;
	c.capture = 1;
	c.timeout_ms = 200;
	assert_int_equal(child_run(&c), 0);
	assert_true(c.timed_out);
	assert_int_equal(c.status, 124);
	assert_true(now_ms() - t0 < 5000);
	child_release(&c);
}

static void run__fn__bad_dir_reported_by_name(void **state)
{
	static const char *const name[] = { "a function", NULL };
	struct child c = CHILD_INIT;

	(void)state;
	c.argv = name;
	c.fn = fn_child;
	c.dir = "/no/such/dir";
	c.capture = 1;
	assert_int_equal(child_run(&c), -BOSUN_EIO);
	assert_string_equal(error_message(), "cannot run 'a function' in '/no/such/dir': "
			    "no such directory");
	child_release(&c);
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
		T(run__timeout__own_pgroup_kills_the_group),
		T(run__timeout__not_hit),
		T(run__background_grandchild__does_not_hang),
		T(run__stdin__fed),
		T(run__stdin__large_round_trip),
		T(run__stdin__child_stops_reading),
		T(run__stdin__threads_get_epipe_not_sigpipe),
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
		T(run__start__pipe_out_read_by_caller),
		T(run__start__pipe_in_written_by_caller),
		T(run__start__captured_while_finishing),
		T(run__start__missing_program),
		T(run__kill__signals_child),
		T(run__finish__timeout_rule),
		T(run__kill_on_exit__child_dies_with_us),
		T(run__kill_on_exit__detached_survives),
		T(run__kill_on_exit__child_dies_with_sigkilled_us),
		T(run__kill_on_exit__runs_on_without_die_with_us),
		T(run__kill_on_exit__detached_survives_sigkill),
		T(run__thread__child_run_on_a_worker),
		T(run__detached__released_unfinished),
		T(run__tasks__callback_order),
		T(run__tasks__bounded_jobs),
		T(run__tasks__output_whole),
		T(run__tasks__start_failure_default_stops),
		T(run__tasks__finished_error_stops_and_terms),
		T(run__fn__captured_with_its_status),
		T(run__fn__timeout_ends_it),
		T(run__fn__bad_dir_reported_by_name),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
