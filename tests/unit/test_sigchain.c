#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/sigchain.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Which handlers ran, in order: "ab" means a, then b. */
static char calls[16];
static volatile sig_atomic_t ncalls;

static void note(char c)
{
	if (ncalls < (sig_atomic_t)sizeof(calls) - 1)
		calls[ncalls++] = c;
}

static void handler_a(int sig)
{
	(void)sig;
	note('a');
}

static void handler_b(int sig)
{
	(void)sig;
	note('b');
}

/* Does its part, then hands the signal to the handler below. */
static void handler_pass(int sig)
{
	note('p');
	sigchain_pop(sig);
	raise(sig);
}

static void reset_calls(void)
{
	memset(calls, 0, sizeof(calls));
	ncalls = 0;
}

static sigchain_fun current(int sig)
{
	struct sigaction sa;

	assert_int_equal(sigaction(sig, NULL, &sa), 0);
	return sa.sa_handler;
}

static void push__last_pushed_runs(void **state)
{
	(void)state;
	reset_calls();
	assert_int_equal(sigchain_push(SIGUSR1, handler_a), 0);
	assert_int_equal(sigchain_push(SIGUSR1, handler_b), 0);
	raise(SIGUSR1);
	assert_string_equal(calls, "b");
	assert_int_equal(sigchain_pop(SIGUSR1), 0);
	raise(SIGUSR1);
	assert_string_equal(calls, "ba");
	assert_int_equal(sigchain_pop(SIGUSR1), 0);
	assert_true(current(SIGUSR1) == SIG_DFL);
}

static void pop__passes_the_signal_down(void **state)
{
	(void)state;
	reset_calls();
	assert_int_equal(sigchain_push(SIGUSR2, handler_a), 0);
	assert_int_equal(sigchain_push(SIGUSR2, handler_pass), 0);
	raise(SIGUSR2);
	/* The pass-on handler ran first; the raised signal reached a after. */
	assert_string_equal(calls, "pa");
	assert_true(current(SIGUSR2) == handler_a);
	assert_int_equal(sigchain_pop(SIGUSR2), 0);
	assert_true(current(SIGUSR2) == SIG_DFL);
}

static void pop__nothing_pushed_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(sigchain_pop(SIGUSR1), -BOSUN_EINTERNAL);
	assert_int_equal(sigchain_push(0, handler_a), -BOSUN_EINTERNAL);
	assert_int_equal(sigchain_push(SIGKILL, handler_a), -BOSUN_EINTERNAL);
	error_clear();
}

static void push__full_stack_is_an_error(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < SIGCHAIN_DEPTH; i++)
		assert_int_equal(sigchain_push(SIGUSR1, handler_a), 0);
	assert_int_equal(sigchain_push(SIGUSR1, handler_b), -BOSUN_EINTERNAL);
	assert_non_null(strstr(error_message(), "too many"));
	error_clear();
	for (i = 0; i < SIGCHAIN_DEPTH; i++)
		assert_int_equal(sigchain_pop(SIGUSR1), 0);
	assert_true(current(SIGUSR1) == SIG_DFL);
}

static void push_common__ignored_stays_ignored(void **state)
{
	(void)state;
	signal(SIGHUP, SIG_IGN);
	assert_int_equal(sigchain_push_common(handler_a), 0);
	assert_true(current(SIGHUP) == SIG_IGN);
	assert_true(current(SIGTERM) == handler_a);
	assert_true(current(SIGPIPE) == handler_a);
	sigchain_pop_common();
	assert_true(current(SIGHUP) == SIG_IGN);
	assert_true(current(SIGTERM) == SIG_DFL);
	signal(SIGHUP, SIG_DFL);
}

static void push__sig_ign_and_back(void **state)
{
	(void)state;
	assert_int_equal(sigchain_push(SIGPIPE, SIG_IGN), 0);
	raise(SIGPIPE);	/* ignored: we are still here */
	assert_int_equal(sigchain_pop(SIGPIPE), 0);
	assert_true(current(SIGPIPE) == SIG_DFL);
}

/* A child that takes a lock, pushes a handler over the lock files' one
 * (as a hook's stash does), says it is ready, and waits to be killed. */
static void lock_then_wait(const char *dir, int ready)
{
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s/file", dir);
	if (lock_acquire(&lk, path.buf, 0) < 0 || sigchain_push_common(handler_pass) < 0)
		_exit(3);
	close(ready);
	for (;;)
		pause();
}

static void lockfile__removed_on_sigterm_through_the_chain(void **state)
{
	char dir[] = "/tmp/bosun-test-sigchain-XXXXXX";
	struct strbuf lock = STRBUF_INIT;
	int fds[2], status;
	char byte;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	strbuf_addf(&lock, "%s/file.lock", dir);
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		lock_then_wait(dir, fds[1]);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &byte, 1), 0);	/* closed: ready */
	close(fds[0]);
	assert_true(fs_exists(lock.buf));
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* The top handler passed it on, the lock files' one removed the lock
	 * and passed it on: the default action ended the child. */
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_false(fs_exists(lock.buf));
	assert_int_equal(fs_remove_tree(dir), 0);
	strbuf_release(&lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(push__last_pushed_runs),
		cmocka_unit_test(pop__passes_the_signal_down),
		cmocka_unit_test(pop__nothing_pushed_is_an_error),
		cmocka_unit_test(push__full_stack_is_an_error),
		cmocka_unit_test(push_common__ignored_stays_ignored),
		cmocka_unit_test(push__sig_ign_and_back),
		cmocka_unit_test(lockfile__removed_on_sigterm_through_the_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
