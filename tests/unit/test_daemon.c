#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/daemon.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/pidfile.h"
#include "core/time.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
	struct strbuf dir, log, note, go;
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *fx = calloc(1, sizeof(*fx));

	strbuf_init(&fx->dir, 0);
	strbuf_init(&fx->log, 0);
	strbuf_init(&fx->note, 0);
	strbuf_init(&fx->go, 0);
	strbuf_addf(&fx->dir, "%s/bosun-test-daemon-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir.buf))
		return -1;
	strbuf_addf(&fx->log, "%s/daemon.log", fx->dir.buf);
	strbuf_addf(&fx->note, "%s/note", fx->dir.buf);
	strbuf_addf(&fx->go, "%s/go", fx->dir.buf);
	error_clear();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int r = fs_remove_tree(fx->dir.buf);

	strbuf_release(&fx->dir);
	strbuf_release(&fx->log);
	strbuf_release(&fx->note);
	strbuf_release(&fx->go);
	free(fx);
	return r;
}

/* Write text to path atomically, from the daemon (no cmocka there). */
static void note(const char *path, const char *text)
{
	if (write_file_atomic(path, text, strlen(text), 0644) < 0)
		_exit(5);
}

/* Wait up to 5 s for path to exist. */
static int wait_for(const char *path)
{
	long long deadline = time_mono_ms() + 5000;

	while (!fs_exists(path) && time_mono_ms() < deadline)
		time_sleep_ms(5);
	return fs_exists(path);
}

static void wait_gone(pid_t pid)
{
	long long deadline = time_mono_ms() + 5000;

	while (kill(pid, 0) == 0 && time_mono_ms() < deadline)
		time_sleep_ms(5);
}

static void detach__ready_returns_the_daemons_pid(void **state)
{
	struct fixture *fx = *state;
	struct daemon d = DAEMON_INIT;
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	pid_t pid;

	d.log_path = fx->log.buf;
	pid = daemon_detach(&d);
	if (pid == 0) {
		struct strbuf n = STRBUF_INIT;

		/* stdout and stderr go to the log; a session of its own. */
		printf("out line\n");
		fflush(stdout);
		fprintf(stderr, "err line\n");
		strbuf_addf(&n, "%d %d", (int)getpid(), (int)getsid(0));
		daemon_ready(&d, 0);
		note(fx->note.buf, n.buf);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_not_equal(pid, getpid());
	assert_true(wait_for(fx->note.buf));
	assert_int_equal(fs_read_file(&sb, fx->note.buf, 0), 0);
	/* Its own session (the first child's, which has ended), not ours. */
	strbuf_addf(&want, "%d ", (int)pid);
	assert_int_equal(strncmp(sb.buf, want.buf, want.len), 0);
	assert_int_not_equal(atoi(sb.buf + want.len), (int)getsid(0));
	assert_int_not_equal(atoi(sb.buf + want.len), (int)pid);
	wait_gone(pid);
	strbuf_reset(&sb);
	assert_int_equal(fs_read_file(&sb, fx->log.buf, 0), 0);
	assert_string_equal(sb.buf, "out line\nerr line\n");
	/* Not our child: a grandchild, reaped by someone else. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	strbuf_release(&sb);
	strbuf_release(&want);
}

static void detach__failure_before_ready_is_the_callers_error(void **state)
{
	struct fixture *fx = *state;
	struct daemon d = DAEMON_INIT;
	pid_t pid;

	d.log_path = fx->log.buf;
	pid = daemon_detach(&d);
	if (pid == 0) {
		daemon_ready(&d, error_set(BOSUN_EDATA, "bad probe 'x': no url"));
		_exit(1);
	}
	assert_int_equal(pid, -BOSUN_EDATA);
	assert_string_equal(error_message(), "bad probe 'x': no url");
	error_clear();
}

static void detach__ending_without_a_word_is_an_error(void **state)
{
	struct daemon d = DAEMON_INIT;
	pid_t pid;

	(void)state;
	pid = daemon_detach(&d);
	if (pid == 0)
		_exit(0);
	assert_int_equal(pid, -BOSUN_EIO);
	assert_non_null(strstr(error_message(), "before it was ready"));
	error_clear();
}

static void detach__timeout_when_never_ready(void **state)
{
	struct fixture *fx = *state;
	struct daemon d = DAEMON_INIT;
	long long t0 = time_mono_ms();
	pid_t pid;

	d.timeout_ms = 100;
	pid = daemon_detach(&d);
	if (pid == 0) {
		wait_for(fx->go.buf);
		_exit(0);
	}
	assert_int_equal(pid, -BOSUN_EIO);
	assert_non_null(strstr(error_message(), "within 100 ms"));
	error_clear();
	assert_true(time_mono_ms() - t0 < 3000);
	note(fx->go.buf, "go");
}

static void detach__unwritable_log_is_reported(void **state)
{
	struct fixture *fx = *state;
	struct daemon d = DAEMON_INIT;
	struct strbuf log = STRBUF_INIT;
	pid_t pid;

	strbuf_addf(&log, "%s/no/such/dir/log", fx->dir.buf);
	d.log_path = log.buf;
	pid = daemon_detach(&d);
	if (pid == 0)
		_exit(9);	/* never reached: the daemon reports and ends */
	assert_int_equal(pid, -BOSUN_EIO);
	assert_non_null(strstr(error_message(), "no/such/dir/log"));
	error_clear();
	strbuf_release(&log);
}

/* The lock goes with the daemon: the parent's rollback and exit leave it,
 * the daemon commits it (a PID file naming the daemon). */
static void detach__lock_handed_over_and_committed(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct daemon d = DAEMON_INIT;
	struct strbuf pidf = STRBUF_INIT, lock = STRBUF_INIT;
	struct proc_owner holder, o;
	pid_t pid;

	strbuf_addf(&pidf, "%s/d.pid", fx->dir.buf);
	strbuf_addf(&lock, "%s/d.pid.lock", fx->dir.buf);
	assert_int_equal(pidfile_claim(&lk, pidf.buf, &holder, 0), 0);
	pid = daemon_detach(&d);
	if (pid == 0) {
		if (daemon_ready(&d, pidfile_commit(&lk, getpid())) < 0)
			_exit(1);
		wait_for(fx->go.buf);
		pidfile_release(pidf.buf);
		_exit(0);
	}
	assert_true(pid > 0);
	lock_rollback(&lk);		/* closed, not removed: not ours */
	tempfile_cleanup();
	assert_false(fs_exists(lock.buf));	/* renamed by the daemon */
	assert_int_equal(pidfile_read(&o, pidf.buf), 0);
	assert_int_equal(o.pid, pid);
	assert_true(proc_owner_alive(&o));
	note(fx->go.buf, "go");
	wait_gone(pid);
	assert_false(fs_exists(pidf.buf));
	strbuf_release(&pidf);
	strbuf_release(&lock);
}

/* How many names in dir start with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

/* A lock the daemon never commits is removed when the daemon ends, and
 * not by the parent. */
static void detach__uncommitted_lock_removed_by_the_daemon(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct daemon d = DAEMON_INIT;
	struct strbuf target = STRBUF_INIT, lock = STRBUF_INIT;
	pid_t pid;

	strbuf_addf(&target, "%s/file", fx->dir.buf);
	strbuf_addf(&lock, "%s/file.lock", fx->dir.buf);
	assert_int_equal(lock_acquire(&lk, target.buf, 0), 0);
	pid = daemon_detach(&d);
	if (pid == 0) {
		daemon_ready(&d, 0);
		wait_for(fx->go.buf);
		exit(0);	/* the exit clean-up removes what it owns */
	}
	assert_true(pid > 0);
	lock_rollback(&lk);
	tempfile_cleanup();
	assert_true(fs_exists(lock.buf));
	/* The lock names its new owner: the daemon, not us. */
	strbuf_reset(&target);
	strbuf_addf(&target, "%s/file.lock.owner.%d.", fx->dir.buf, (int)pid);
	assert_int_equal(count_prefix(fx->dir.buf, target.buf + fx->dir.len + 1), 1);
	strbuf_reset(&target);
	strbuf_addf(&target, "file.lock.owner.%d.", (int)getpid());
	assert_int_equal(count_prefix(fx->dir.buf, target.buf), 0);
	note(fx->go.buf, "go");
	wait_gone(pid);
	assert_false(fs_exists(lock.buf));
	assert_int_equal(count_prefix(fx->dir.buf, "file.lock.owner."), 0);
	strbuf_release(&target);
	strbuf_release(&lock);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(detach__ready_returns_the_daemons_pid),
		T(detach__failure_before_ready_is_the_callers_error),
		T(detach__ending_without_a_word_is_an_error),
		T(detach__timeout_when_never_ready),
		T(detach__unwritable_log_is_reported),
		T(detach__lock_handed_over_and_committed),
		T(detach__uncommitted_lock_removed_by_the_daemon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
