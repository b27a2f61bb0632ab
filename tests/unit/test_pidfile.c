#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/pidfile.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#define RACERS 10

struct fixture {
	struct strbuf dir, pidf, lock;
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *fx = calloc(1, sizeof(*fx));

	strbuf_init(&fx->dir, 0);
	strbuf_init(&fx->pidf, 0);
	strbuf_init(&fx->lock, 0);
	strbuf_addf(&fx->dir, "%s/bosun-test-pidfile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir.buf))
		return -1;
	strbuf_addf(&fx->pidf, "%s/x.pid", fx->dir.buf);
	strbuf_addf(&fx->lock, "%s/x.pid.lock", fx->dir.buf);
	error_clear();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int r = fs_remove_tree(fx->dir.buf);

	strbuf_release(&fx->dir);
	strbuf_release(&fx->pidf);
	strbuf_release(&fx->lock);
	free(fx);
	return r;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void age(const char *path, long secs)
{
	struct utimbuf ut;

	ut.actime = ut.modtime = time(NULL) - secs;
	assert_int_equal(utime(path, &ut), 0);
}

/* A child that sleeps until killed. */
static pid_t sleeper(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		;
}

/* Wait until the kernel shows pid, ended and not reaped, as a zombie. */
static void wait_zombie(pid_t pid)
{
	char path[64], state_ch = 0;
	int tries;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (tries = 0; tries < 500 && state_ch != 'Z'; tries++) {
		struct strbuf sb = STRBUF_INIT;
		const char *p;

		if (fs_read_file(&sb, path, 0) == 0 && (p = strrchr(sb.buf, ')')))
			state_ch = p[2];
		strbuf_release(&sb);
		if (state_ch != 'Z')
			usleep(2000);
	}
	assert_int_equal(state_ch, 'Z');
}

/* A child that has ended and is not reaped: a zombie. */
static pid_t zombie(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	wait_zombie(pid);
	return pid;
}

/* pid's record, as a string. */
static void record_of(struct strbuf *sb, pid_t pid)
{
	struct proc_owner o;

	assert_int_equal(proc_owner_of(&o, pid), 0);
	proc_owner_format(sb, &o);
}

/* ---- is it alive ---------------------------------------------------------- */

static void proc_alive__self_and_live_child(void **state)
{
	unsigned long long start;
	pid_t pid = sleeper();

	(void)state;
	assert_int_equal(proc_start_time(getpid(), &start), 0);
	assert_true(proc_alive(getpid(), start));
	assert_int_equal(proc_start_time(pid, &start), 0);
	assert_true(proc_alive(pid, start));
	reap(pid);
	assert_false(proc_alive(pid, start));
	assert_int_equal(proc_start_time(pid, &start), -BOSUN_ENOTFOUND);
	error_clear();
}

static void proc_alive__killed_child_is_dead(void **state)
{
	unsigned long long start;
	pid_t pid = sleeper();
	int status;

	(void)state;
	assert_int_equal(proc_start_time(pid, &start), 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	assert_false(proc_alive(pid, start));
}

static void proc_alive__zombie_is_dead(void **state)
{
	pid_t pid = zombie();
	unsigned long long start = 0;
	struct strbuf sb = STRBUF_INIT;
	char path[64];
	const char *p;
	int field;

	(void)state;
	/* Its stat still shows the start time: the zombie is not "alive"
	 * even with the right one. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	assert_int_equal(fs_read_file(&sb, path, 0), 0);
	p = strrchr(sb.buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	assert_non_null(p);
	start = strtoull(p + 1, NULL, 10);
	assert_int_equal(proc_start_time(pid, &start), -BOSUN_ENOTFOUND);
	assert_non_null(strstr(error_message(), "ended"));
	error_clear();
	assert_false(proc_alive(pid, start));
	strbuf_release(&sb);
	reap(pid);
}

static void proc_alive__other_start_time_is_a_reused_pid(void **state)
{
	unsigned long long start;

	(void)state;
	assert_int_equal(proc_start_time(getpid(), &start), 0);
	assert_false(proc_alive(getpid(), start + 1));
	assert_false(proc_alive(getpid(), start - 1));
	assert_false(proc_alive(0, start));
	assert_false(proc_alive(-1, start));
}

/* ---- owner records ------------------------------------------------------- */

static void owner__format_and_parse(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct proc_owner me, back;

	(void)state;
	assert_int_equal(proc_owner_of(&me, getpid()), 0);
	proc_owner_format(&sb, &me);
	assert_int_equal(proc_owner_parse(&back, sb.buf), 0);
	assert_int_equal(back.pid, me.pid);
	assert_true(back.start == me.start);
	assert_string_equal(back.boot, me.boot);
	assert_string_equal(back.host, me.host);
	assert_true(proc_owner_alive(&back));
	strbuf_release(&sb);
}

static void owner__old_two_field_record(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct proc_owner o;
	unsigned long long start;

	(void)state;
	assert_int_equal(proc_start_time(getpid(), &start), 0);
	strbuf_addf(&sb, "%d %llu\n", (int)getpid(), start);
	assert_int_equal(proc_owner_parse(&o, sb.buf), 0);
	assert_string_equal(o.boot, "");
	assert_string_equal(o.host, "");
	assert_true(proc_owner_alive(&o));
	strbuf_release(&sb);
}

static void owner__bad_records(void **state)
{
	struct proc_owner o;

	(void)state;
	assert_int_equal(proc_owner_parse(&o, ""), -BOSUN_EDATA);
	assert_int_equal(proc_owner_parse(&o, "12"), -BOSUN_EDATA);
	assert_int_equal(proc_owner_parse(&o, "0 5"), -BOSUN_EDATA);
	assert_int_equal(proc_owner_parse(&o, "-4 5"), -BOSUN_EDATA);
	assert_int_equal(proc_owner_parse(&o, "99999999999 5"), -BOSUN_EDATA);
	assert_int_equal(proc_owner_parse(&o, "12 5 boot"), -BOSUN_EDATA);
	error_clear();
}

static void owner__other_boot_is_dead(void **state)
{
	struct proc_owner o;

	(void)state;
	assert_int_equal(proc_owner_of(&o, getpid()), 0);
	if (!*o.boot)
		skip();
	o.boot[0] = o.boot[0] == '0' ? '1' : '0';
	assert_false(proc_owner_alive(&o));
}

static void owner__other_host_alive_until_stale(void **state)
{
	struct proc_owner o;

	(void)state;
	assert_int_equal(proc_owner_of(&o, getpid()), 0);
	o.pid = 1 << 29;	/* no such process here: it does not matter */
	memcpy(o.host, "another-host.example", 21);
	o.written = time(NULL) - 60;
	assert_true(proc_owner_alive(&o));
	o.written = time(NULL) - PROC_OWNER_STALE_S - 1;
	assert_false(proc_owner_alive(&o));
}

/* ---- PID files ----------------------------------------------------------- */

static void pidfile__claim_commit_release(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	struct proc_owner holder, o;

	assert_int_equal(pidfile_claim(&lk, fx->pidf.buf, &holder, 0), 0);
	assert_true(fs_exists(fx->lock.buf));
	assert_int_equal(pidfile_commit(&lk, getpid()), 0);
	assert_false(fs_exists(fx->lock.buf));
	record_of(&want, getpid());
	assert_int_equal(fs_read_file(&got, fx->pidf.buf, 0), 0);
	assert_string_equal(got.buf, want.buf);
	assert_int_equal(pidfile_read(&o, fx->pidf.buf), 0);
	assert_int_equal(o.pid, getpid());
	assert_true(o.written > 0);
	pidfile_release(fx->pidf.buf);
	assert_false(fs_exists(fx->pidf.buf));
	strbuf_release(&want);
	strbuf_release(&got);
}

static void pidfile__live_owner_refused(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf rec = STRBUF_INIT;
	struct proc_owner holder;
	pid_t pid = sleeper();

	record_of(&rec, pid);
	put(fx->pidf.buf, rec.buf);
	assert_int_equal(pidfile_claim(&lk, fx->pidf.buf, &holder, 0), -BOSUN_EBUSY);
	assert_int_equal(holder.pid, pid);
	assert_non_null(strstr(error_message(), "running"));
	error_clear();
	assert_false(fs_exists(fx->lock.buf));	/* nothing held */
	/* And release by another process leaves it alone. */
	pidfile_release(fx->pidf.buf);
	assert_true(fs_exists(fx->pidf.buf));
	reap(pid);
	strbuf_release(&rec);
}

static void pidfile__dead_owner_taken_over(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf rec = STRBUF_INIT;
	struct proc_owner holder, o;
	pid_t pid = sleeper();

	record_of(&rec, pid);
	put(fx->pidf.buf, rec.buf);
	reap(pid);	/* killed: the file stays behind */
	assert_int_equal(pidfile_claim(&lk, fx->pidf.buf, &holder, 0), 0);
	assert_int_equal(pidfile_commit(&lk, getpid()), 0);
	assert_int_equal(pidfile_read(&o, fx->pidf.buf), 0);
	assert_int_equal(o.pid, getpid());
	strbuf_release(&rec);
}

static void pidfile__zombie_owner_taken_over(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf rec = STRBUF_INIT;
	struct proc_owner holder;
	pid_t pid = sleeper();

	record_of(&rec, pid);
	put(fx->pidf.buf, rec.buf);
	kill(pid, SIGKILL);
	wait_zombie(pid);	/* not reaped yet: a zombie holds the PID */
	assert_int_equal(pidfile_claim(&lk, fx->pidf.buf, &holder, 0), 0);
	lock_rollback(&lk);
	reap(pid);
	strbuf_release(&rec);
}

static void pidfile__reused_pid_taken_over(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf rec = STRBUF_INIT;
	struct proc_owner holder, me;

	/* Our PID, but another start time: a process before us had it. */
	assert_int_equal(proc_owner_of(&me, getpid()), 0);
	me.start += 7;
	proc_owner_format(&rec, &me);
	put(fx->pidf.buf, rec.buf);
	assert_int_equal(pidfile_claim(&lk, fx->pidf.buf, &holder, 0), 0);
	lock_rollback(&lk);
	strbuf_release(&rec);
}

static void pidfile__damaged_file_taken_over(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct proc_owner holder;

	put(fx->pidf.buf, "not a pid\n");
	assert_int_equal(pidfile_read(&holder, fx->pidf.buf), -BOSUN_EDATA);
	error_clear();
	assert_int_equal(pidfile_claim(&lk, fx->pidf.buf, &holder, 0), 0);
	assert_int_equal(pidfile_commit(&lk, getpid()), 0);
	assert_int_equal(pidfile_read(&holder, fx->pidf.buf), 0);
}

static void pidfile__commit_of_a_dead_pid_fails(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct proc_owner holder;
	pid_t pid = sleeper();

	reap(pid);
	assert_int_equal(pidfile_claim(&lk, fx->pidf.buf, &holder, 0), 0);
	assert_int_equal(pidfile_commit(&lk, pid), -BOSUN_ENOTFOUND);
	error_clear();
	assert_false(fs_exists(fx->lock.buf));
	assert_false(fs_exists(fx->pidf.buf));
}

/* Ten processes claim at once: exactly one gets the PID file. Each waits
 * for the start (the close of one pipe), says 'W' (won) or 'B' (busy) on
 * another, and stays alive until the parent closes a third. */
static void pidfile__race_of_ten_one_wins(void **state)
{
	struct fixture *fx = *state;
	int start[2], said[2], done[2], i, wins = 0, busy = 0;
	pid_t pids[RACERS];
	char c;

	assert_int_equal(pipe(start), 0);
	assert_int_equal(pipe(said), 0);
	assert_int_equal(pipe(done), 0);
	fflush(stdout);
	for (i = 0; i < RACERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct lockfile lk = LOCKFILE_INIT;
			struct proc_owner holder;
			char b;
			int r;

			close(start[1]);
			close(said[0]);
			close(done[1]);
			if (read(start[0], &b, 1) != 0)
				_exit(2);
			r = pidfile_claim(&lk, fx->pidf.buf, &holder, 5000);
			if (r == 0)
				r = pidfile_commit(&lk, getpid());
			b = r == 0 ? 'W' : r == -BOSUN_EBUSY ? 'B' : 'E';
			if (write(said[1], &b, 1) != 1)
				_exit(2);
			while (read(done[0], &b, 1) > 0)
				;
			_exit(0);
		}
	}
	close(start[0]);
	close(said[1]);
	close(done[0]);
	close(start[1]);	/* go */
	for (i = 0; i < RACERS; i++) {
		assert_int_equal(read(said[0], &c, 1), 1);
		wins += c == 'W';
		busy += c == 'B';
	}
	close(done[1]);
	close(said[0]);
	for (i = 0; i < RACERS; i++)
		waitpid(pids[i], NULL, 0);
	assert_int_equal(wins, 1);
	assert_int_equal(busy, RACERS - 1);
}

/* ---- owner locks --------------------------------------------------------- */

static void owner_lock__records_its_owner(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;

	assert_int_equal(owner_lock_acquire(&lk, fx->pidf.buf, 0), 0);
	record_of(&want, getpid());
	assert_int_equal(fs_read_file(&got, fx->lock.buf, 0), 0);
	assert_string_equal(got.buf, want.buf);
	lock_rollback(&lk);
	assert_false(fs_exists(fx->lock.buf));
	strbuf_release(&want);
	strbuf_release(&got);
}

static void owner_lock__live_owner_waited_for(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf rec = STRBUF_INIT;
	pid_t pid = sleeper();

	record_of(&rec, pid);
	put(fx->lock.buf, rec.buf);
	assert_int_equal(owner_lock_acquire(&lk, fx->pidf.buf, 0), -BOSUN_EBUSY);
	assert_int_equal(owner_lock_acquire(&lk, fx->pidf.buf, 300), -BOSUN_EBUSY);
	error_clear();
	assert_true(fs_exists(fx->lock.buf));
	/* It dies while we wait: we get the lock before the timeout. */
	kill(pid, SIGKILL);
	assert_int_equal(owner_lock_acquire(&lk, fx->pidf.buf, 5000), 0);
	lock_rollback(&lk);
	reap(pid);
	strbuf_release(&rec);
}

static void owner_lock__dead_owner_taken_over(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf rec = STRBUF_INIT;
	pid_t pid = sleeper();

	record_of(&rec, pid);
	reap(pid);
	put(fx->lock.buf, rec.buf);
	assert_int_equal(owner_lock_acquire(&lk, fx->pidf.buf, 0), 0);
	lock_rollback(&lk);
	assert_false(fs_exists(fx->lock.buf));
	strbuf_release(&rec);
}

static void owner_lock__empty_lock_stale_only_when_old(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;

	/* Being written by someone who just created it: busy. */
	put(fx->lock.buf, "");
	assert_int_equal(owner_lock_acquire(&lk, fx->pidf.buf, 0), -BOSUN_EBUSY);
	error_clear();
	/* Left empty for longer than anyone takes to write a line: stale. */
	age(fx->lock.buf, OWNER_LOCK_EMPTY_STALE_S + 5);
	assert_int_equal(owner_lock_acquire(&lk, fx->pidf.buf, 0), 0);
	lock_rollback(&lk);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- stopping ------------------------------------------------------------- */

static void stop__sigterm_ends_it(void **state)
{
	struct proc_owner o;
	long long waited = -1;
	pid_t pid = sleeper();

	(void)state;
	assert_int_equal(proc_owner_of(&o, pid), 0);
	assert_int_equal(proc_owner_stop(&o, 5000, 1000, &waited), 0);
	assert_true(waited >= 0 && waited < 5000);
	assert_false(proc_owner_alive(&o));
	reap(pid);
}

static void stop__sigterm_ignored_then_sigkill(void **state)
{
	struct proc_owner o;
	long long waited = -1;
	int fds[2];
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(proc_owner_of(&o, pid), 0);
	assert_int_equal(proc_owner_stop(&o, 100, 2000, &waited), 1);
	assert_true(waited >= 100);
	assert_false(proc_owner_alive(&o));
	reap(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(proc_alive__self_and_live_child),
		T(proc_alive__killed_child_is_dead),
		T(proc_alive__zombie_is_dead),
		T(proc_alive__other_start_time_is_a_reused_pid),
		T(owner__format_and_parse),
		T(owner__old_two_field_record),
		T(owner__bad_records),
		T(owner__other_boot_is_dead),
		T(owner__other_host_alive_until_stale),
		T(pidfile__claim_commit_release),
		T(pidfile__live_owner_refused),
		T(pidfile__dead_owner_taken_over),
		T(pidfile__zombie_owner_taken_over),
		T(pidfile__reused_pid_taken_over),
		T(pidfile__damaged_file_taken_over),
		T(pidfile__commit_of_a_dead_pid_fails),
		T(pidfile__race_of_ten_one_wins),
		T(owner_lock__records_its_owner),
		T(owner_lock__live_owner_waited_for),
		T(owner_lock__dead_owner_taken_over),
		T(owner_lock__empty_lock_stale_only_when_old),
		T(stop__sigterm_ends_it),
		T(stop__sigterm_ignored_then_sigkill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
