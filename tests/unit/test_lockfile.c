#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/time.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fixture {
	struct strbuf dir;
	struct strbuf ring[8];
	size_t next;
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t i;

	strbuf_init(&fx->dir, 0);
	for (i = 0; i < 8; i++)
		strbuf_init(&fx->ring[i], 0);
	strbuf_addf(&fx->dir, "%s/bosun-test-lock-XXXXXX",
		    tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir.buf))
		return -1;
	error_clear();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int r = fs_remove_tree(fx->dir.buf);
	size_t i;

	for (i = 0; i < 8; i++)
		strbuf_release(&fx->ring[i]);
	strbuf_release(&fx->dir);
	free(fx);
	return r;
}

/* dir/name, valid for the next 7 calls. */
static const char *path_in(void **state, const char *name)
{
	struct fixture *fx = *state;
	struct strbuf *sb = &fx->ring[fx->next++ % 8];

	fs_path_join(sb, fx->dir.buf, name);
	return sb->buf;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_content(const char *path, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(fs_read_file(&sb, path, 0), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

/* Fork; the child runs fn(arg) and exits with its result, or is killed. */
static pid_t fork_child(int (*fn)(const char *), const char *arg, int *ready_fd)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	/* Or the child's exit() prints our buffered TAP lines again. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct rlimit no_core = { 0, 0 };
		int r;

		setrlimit(RLIMIT_CORE, &no_core); /* SIGQUIT dumps core */
		close(fds[0]);
		/* The child reports readiness by closing the pipe. */
		dup2(fds[1], 100);
		close(fds[1]);
		r = fn(arg);
		exit(r);
	}
	close(fds[1]);
	*ready_fd = fds[0];
	return pid;
}

static void wait_ready(int fd)
{
	char c;

	while (read(fd, &c, 1) > 0)
		;
	close(fd);
}

static void child_ready(void)
{
	close(100);
}

static int wait_child(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void lock__acquire__creates_and_commits(void **state)
{
	struct lockfile lk = LOCKFILE_INIT;
	const char *target = path_in(state, "VERSION");
	const char *lock = path_in(state, "VERSION.lock");

	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	assert_true(lk.fd >= 0);
	assert_string_equal(lk.path, target);
	assert_string_equal(lk.lock_path, lock);
	assert_true(fs_exists(lock));
	assert_false(fs_exists(target));
	assert_int_equal(lock_write(&lk, "1.2.3\n", 6), 0);
	assert_int_equal(lock_commit(&lk), 0);
	assert_int_equal(lk.fd, -1);
	assert_null(lk.lock_path);
	assert_false(fs_exists(lock));
	assert_content(target, "1.2.3\n");
	/* Rolling back after a commit does nothing. */
	lock_rollback(&lk);
	assert_content(target, "1.2.3\n");
}

static void lock__acquire__second_is_busy(void **state)
{
	struct lockfile a = LOCKFILE_INIT, b = LOCKFILE_INIT;
	const char *target = path_in(state, "f");
	char want[4096];

	assert_int_equal(lock_acquire(&a, target, 0), 0);
	assert_int_equal(lock_acquire(&b, target, 0), -BOSUN_EBUSY);
	snprintf(want, sizeof(want),
		 "cannot lock '%s': '%s.lock' exists (another bosun is running, or remove it if it crashed)",
		 target, target);
	assert_string_equal(error_message(), want);
	assert_int_equal(error_exit_code(-BOSUN_EBUSY), 75);
	/* The loser's lockfile is untouched, the winner's lock still there. */
	assert_int_equal(b.fd, -1);
	assert_null(b.path);
	lock_rollback(&b);
	assert_true(fs_exists(a.lock_path));
	lock_rollback(&a);
	assert_false(fs_exists(path_in(state, "f.lock")));
}

static void lock__acquire__timeout_gives_up(void **state)
{
	struct lockfile a = LOCKFILE_INIT, b = LOCKFILE_INIT;
	const char *target = path_in(state, "f");
	long long t0;

	assert_int_equal(lock_acquire(&a, target, 0), 0);
	t0 = time_mono_ms();
	assert_int_equal(lock_acquire(&b, target, 150), -BOSUN_EBUSY);
	assert_true(time_mono_ms() - t0 >= 140);
	assert_true(time_mono_ms() - t0 < 1500);
	lock_rollback(&a);
}

static int hold_lock_briefly(const char *target)
{
	struct lockfile lk = LOCKFILE_INIT;

	if (lock_acquire(&lk, target, 0) < 0)
		return 1;
	child_ready();
	time_sleep_ms(150);
	lock_write(&lk, "child\n", 6);
	return lock_commit(&lk) < 0 ? 2 : 0;
}

static void lock__acquire__timeout_waits_for_release(void **state)
{
	struct lockfile lk = LOCKFILE_INIT;
	const char *target = path_in(state, "shared");
	int ready;
	pid_t pid = fork_child(hold_lock_briefly, target, &ready);
	int st;

	wait_ready(ready);
	assert_int_equal(lock_acquire(&lk, target, 0), -BOSUN_EBUSY);
	assert_int_equal(lock_acquire(&lk, target, 5000), 0);
	st = wait_child(pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_content(target, "child\n");
	assert_int_equal(lock_write(&lk, "parent\n", 7), 0);
	assert_int_equal(lock_commit(&lk), 0);
	assert_content(target, "parent\n");
}

static void lock__rollback__target_untouched(void **state)
{
	struct lockfile lk = LOCKFILE_INIT;
	const char *target = path_in(state, "cfg");

	put(target, "old\n");
	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	assert_int_equal(lock_write(&lk, "new\n", 4), 0);
	lock_rollback(&lk);
	assert_content(target, "old\n");
	assert_false(fs_exists(path_in(state, "cfg.lock")));
	assert_int_equal(lk.fd, -1);
	/* And it can be locked again. */
	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	lock_rollback(&lk);
}

static void lock__rollback__never_acquired(void **state)
{
	struct lockfile lk = LOCKFILE_INIT;

	(void)state;
	lock_rollback(&lk);
	lock_rollback(&lk);
	lock_rollback(NULL);
	assert_int_equal(lk.fd, -1);
}

static void lock__acquire__missing_dir_is_eio(void **state)
{
	struct lockfile lk = LOCKFILE_INIT;

	assert_int_equal(lock_acquire(&lk, path_in(state, "no/such/f"), 0),
			 -BOSUN_EIO);
	assert_non_null(strstr(error_message(), "cannot create '"));
	assert_int_equal(lk.fd, -1);
}

static void lock__write__not_held_is_error(void **state)
{
	struct lockfile lk = LOCKFILE_INIT;

	(void)state;
	assert_true(lock_write(&lk, "x", 1) < 0);
	assert_true(lock_commit(&lk) < 0);
}

static void lock__commit__large_content(void **state)
{
	struct lockfile lk = LOCKFILE_INIT;
	const char *target = path_in(state, "big");
	size_t n = 3 << 20, i;
	char *buf = malloc(n + 1);
	struct strbuf sb = STRBUF_INIT;

	for (i = 0; i < n; i++)
		buf[i] = (char)('a' + i % 26);
	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	assert_int_equal(lock_write(&lk, buf, n), 0);
	assert_int_equal(lock_commit(&lk), 0);
	assert_int_equal(fs_read_file(&sb, target, 0), 0);
	assert_int_equal(sb.len, n);
	assert_memory_equal(sb.buf, buf, n);
	strbuf_release(&sb);
	free(buf);
}

static void write_file_atomic__keeps_mode(void **state)
{
	const char *target = path_in(state, "script.sh");
	struct stat st;

	put(target, "old");
	assert_int_equal(chmod(target, 0751), 0);
	assert_int_equal(write_file_atomic(target, "new", 3, 0644), 0);
	assert_content(target, "new");
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0751);
}

static void write_file_atomic__new_file_mode(void **state)
{
	const char *target = path_in(state, "secret.env");
	mode_t old = umask(022);
	struct stat st;

	assert_int_equal(write_file_atomic(target, "x=1\n", 4, 0600), 0);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(write_file_atomic(path_in(state, "pub"), "", 0, 0666), 0);
	assert_int_equal(stat(path_in(state, "pub"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_size, 0);
	umask(old);
}

static void write_file_atomic__follows_symlink(void **state)
{
	const char *real = path_in(state, "real");
	const char *link = path_in(state, "link");
	struct stat st;

	put(real, "old");
	assert_int_equal(symlink("real", link), 0);
	assert_int_equal(write_file_atomic(link, "new", 3, 0644), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_content(real, "new");
	assert_false(fs_exists(path_in(state, "link.lock")));
	assert_false(fs_exists(path_in(state, "real.lock")));
}

static void write_file_atomic__busy_lock(void **state)
{
	const char *target = path_in(state, "f");

	put(target, "old");
	put(path_in(state, "f.lock"), "");
	assert_int_equal(write_file_atomic(target, "new", 3, 0644),
			 -BOSUN_EBUSY);
	assert_content(target, "old");
	/* Someone else's lock file is not ours to remove. */
	assert_true(fs_exists(path_in(state, "f.lock")));
}

static int register_and_exit(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return 1;
	fclose(f);
	tempfile_register(path);
	return 0; /* exit() runs the atexit clean-up */
}

static void tempfile__removed_at_exit(void **state)
{
	const char *p = path_in(state, "tmp-exit");
	int ready, st;
	pid_t pid = fork_child(register_and_exit, p, &ready);

	wait_ready(ready);
	st = wait_child(pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_false(fs_exists(p));
}

static int register_and_wait(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return 1;
	fputs("partial", f);
	fclose(f);
	tempfile_register(path);
	child_ready();
	for (;;)
		pause();
	return 0;
}

static void killed_child_leaves_nothing(void **state, int sig)
{
	const char *p = path_in(state, "tmp-sig");
	int ready, st;
	pid_t pid = fork_child(register_and_wait, p, &ready);

	wait_ready(ready);
	assert_true(fs_exists(p));
	assert_int_equal(kill(pid, sig), 0);
	st = wait_child(pid);
	/* The signal still ends the process, as if we had not caught it. */
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), sig);
	assert_false(fs_exists(p));
}

static void tempfile__sigterm_removes(void **state)
{
	killed_child_leaves_nothing(state, SIGTERM);
}

static void tempfile__other_signals_remove(void **state)
{
	killed_child_leaves_nothing(state, SIGINT);
	killed_child_leaves_nothing(state, SIGHUP);
	killed_child_leaves_nothing(state, SIGQUIT);
	killed_child_leaves_nothing(state, SIGPIPE);
}

static int lock_and_wait(const char *target)
{
	struct lockfile lk = LOCKFILE_INIT;

	if (lock_acquire(&lk, target, 0) < 0)
		return 1;
	lock_write(&lk, "half", 4);
	child_ready();
	for (;;)
		pause();
	return 0;
}

static void lock__sigterm__removes_lock(void **state)
{
	const char *target = path_in(state, "VERSION");
	int ready, st;
	pid_t pid;

	put(target, "1.0.0\n");
	pid = fork_child(lock_and_wait, target, &ready);
	wait_ready(ready);
	assert_true(fs_exists(path_in(state, "VERSION.lock")));
	kill(pid, SIGTERM);
	st = wait_child(pid);
	assert_true(WIFSIGNALED(st));
	assert_false(fs_exists(path_in(state, "VERSION.lock")));
	assert_content(target, "1.0.0\n");
}

/* How many "<name>.lock.owner.*" names are in dir; the last into *last. */
static int owner_names(const char *dir, const char *name, struct strbuf *last)
{
	struct strbuf prefix = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	strbuf_addf(&prefix, "%s.lock.owner.", name);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix.buf, prefix.len)) {
			n++;
			if (last) {
				strbuf_reset(last);
				strbuf_addstr(last, de->d_name);
			}
		}
	closedir(d);
	strbuf_release(&prefix);
	return n;
}

static long taken_over_pid;

static void note_takeover(const char *lock_path, long pid)
{
	(void)lock_path;
	taken_over_pid = pid;
}

static void lock__names_its_owner_and_leaves_no_trace(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf name = STRBUF_INIT, want = STRBUF_INIT;
	const char *target = path_in(state, "VERSION");
	struct stat a, b;

	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", &name), 1);
	strbuf_addf(&want, "VERSION.lock.owner.%d.", (int)getpid());
	assert_int_equal(strncmp(name.buf, want.buf, want.len), 0);
	/* The owner name is the lock itself, not a copy. */
	assert_int_equal(stat(path_in(state, "VERSION.lock"), &a), 0);
	assert_int_equal(stat(path_in(state, name.buf), &b), 0);
	assert_true(a.st_ino == b.st_ino);
	assert_int_equal(lock_write(&lk, "2.0.0\n", 6), 0);
	assert_int_equal(lock_commit(&lk), 0);
	assert_content(target, "2.0.0\n");
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", NULL), 0);
	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	lock_rollback(&lk);
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", NULL), 0);
	assert_false(fs_exists(path_in(state, "VERSION.lock")));
	strbuf_release(&name);
	strbuf_release(&want);
}

static void lock__rename__no_sync_and_no_owner_name_left(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	const char *target = path_in(state, "VERSION");
	struct stat st;

	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", NULL), 1);
	assert_int_equal(lock_write(&lk, "3.0.0\n", 6), 0);
	assert_int_equal(lock_rename(&lk), 0);
	/* The descriptor is still open: the bytes as renamed. */
	assert_int_equal(fstat(lk.fd, &st), 0);
	assert_int_equal(st.st_size, 6);
	assert_int_equal(lock_release(&lk), 0);
	assert_int_equal(lk.fd, -1);
	assert_content(target, "3.0.0\n");
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", NULL), 0);
	assert_false(fs_exists(path_in(state, "VERSION.lock")));
}

static void lock__sigkill__next_acquire_takes_over(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	const char *target = path_in(state, "VERSION");
	int ready, st;
	pid_t pid;

	put(target, "1.0.0\n");
	pid = fork_child(lock_and_wait, target, &ready);
	wait_ready(ready);
	/* While it runs, the lock is busy. */
	assert_int_equal(lock_acquire(&lk, target, 0), -BOSUN_EBUSY);
	error_clear();
	kill(pid, SIGKILL);
	st = wait_child(pid);
	assert_true(WIFSIGNALED(st));
	/* kill -9 left its half-written lock and its owner name. */
	assert_content(path_in(state, "VERSION.lock"), "half");
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", NULL), 1);
	taken_over_pid = 0;
	lock_on_takeover(note_takeover);
	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	lock_on_takeover(NULL);
	assert_int_equal(taken_over_pid, pid);
	assert_int_equal(lock_write(&lk, "2.0.0\n", 6), 0);
	assert_int_equal(lock_commit(&lk), 0);
	assert_content(target, "2.0.0\n");
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", NULL), 0);
	assert_false(fs_exists(path_in(state, "VERSION.lock")));
}

/* A sweep of dead owners' names after a kill -9 keeps the name the lock
 * is linked to: the next writer still sees a dead owner and takes over. */
static void lock__sweep_after_sigkill__lock_still_taken_over(void **state)
{
	struct fixture *fx = *state;
	struct lockfile lk = LOCKFILE_INIT;
	const char *target = path_in(state, "VERSION");
	int ready;
	pid_t pid;

	put(target, "1.0.0\n");
	pid = fork_child(lock_and_wait, target, &ready);
	wait_ready(ready);
	kill(pid, SIGKILL);
	assert_true(WIFSIGNALED(wait_child(pid)));
	lock_sweep_dead_owners(target);
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", NULL), 1);
	assert_int_equal(lock_acquire(&lk, target, 0), 0);
	assert_int_equal(lock_write(&lk, "2.0.0\n", 6), 0);
	assert_int_equal(lock_commit(&lk), 0);
	assert_content(target, "2.0.0\n");
	assert_int_equal(owner_names(fx->dir.buf, "VERSION", NULL), 0);
}

/* A taker killed between moving a dead lock aside and removing it leaves
 * "<lock>.stale.<pid>": swept once that pid is gone, never while it runs. */
static void lock__sweep__removes_dead_takers_asides_only(void **state)
{
	const char *target = path_in(state, "VERSION");
	struct strbuf dead = STRBUF_INIT, live = STRBUF_INIT, odd = STRBUF_INIT;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_true(WIFEXITED(wait_child(pid)));
	strbuf_addf(&dead, "%s.lock.stale.%d", target, (int)pid);
	strbuf_addf(&live, "%s.lock.stale.%d", target, (int)getpid());
	strbuf_addf(&odd, "%s.lock.stale.%dx", target, (int)pid);
	put(dead.buf, "old lock");
	put(live.buf, "being taken");
	put(odd.buf, "not ours");
	lock_sweep_dead_owners(target);
	assert_false(fs_exists(dead.buf));
	assert_true(fs_exists(live.buf));
	assert_true(fs_exists(odd.buf));
	strbuf_release(&dead);
	strbuf_release(&live);
	strbuf_release(&odd);
}

static void lock__without_owner_name__still_busy(void **state)
{
	struct lockfile lk = LOCKFILE_INIT;
	const char *target = path_in(state, "VERSION");

	/* Another program's lock, or an older bosun's: never taken over. */
	put(path_in(state, "VERSION.lock"), "");
	taken_over_pid = 0;
	lock_on_takeover(note_takeover);
	assert_int_equal(lock_acquire(&lk, target, 0), -BOSUN_EBUSY);
	lock_on_takeover(NULL);
	assert_int_equal(taken_over_pid, 0);
	error_clear();
	assert_true(fs_exists(path_in(state, "VERSION.lock")));
}

#define BIG_WRITE (1 << 20)

static int rewrite_forever(const char *target)
{
	char *a = malloc(BIG_WRITE), *b = malloc(BIG_WRITE);
	unsigned long i;

	memset(a, 'a', BIG_WRITE);
	memset(b, 'b', BIG_WRITE);
	child_ready();
	for (i = 0;; i++)
		if (write_file_atomic(target, i % 2 ? a : b, BIG_WRITE, 0644) < 0)
			return 1;
	return 0;
}

/* The file is the original, or one whole version: never a mix. */
static void assert_whole(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	assert_int_equal(fs_read_file(&sb, path, 0), 0);
	if (strcmp(sb.buf, "orig")) {
		assert_int_equal(sb.len, BIG_WRITE);
		for (i = 1; i < sb.len; i++)
			if (sb.buf[i] != sb.buf[0])
				fail_msg("mixed content at byte %zu", i);
	}
	strbuf_release(&sb);
}

static void lock__sigkill_mid_write__old_or_new(void **state)
{
	const char *target = path_in(state, "data");
	const char *lock = path_in(state, "data.lock");
	int round;

	put(target, "orig");
	for (round = 0; round < 12; round++) {
		int ready, st;
		pid_t pid = fork_child(rewrite_forever, target, &ready);

		wait_ready(ready);
		time_sleep_ms(1 + round * 3);
		kill(pid, SIGKILL);
		st = wait_child(pid);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		assert_whole(target);
		/* SIGKILL cannot be caught: the lock may stay behind. */
		unlink(lock);
	}
}

static int exit_child(const char *unused)
{
	(void)unused;
	return 0;
}

static void tempfile__forked_child_leaves_parent_files(void **state)
{
	const char *p = path_in(state, "parent-owned");
	int ready, st;
	pid_t pid;

	put(p, "x");
	tempfile_register(p);
	pid = fork_child(exit_child, NULL, &ready);
	wait_ready(ready);
	st = wait_child(pid);
	assert_true(WIFEXITED(st));
	assert_true(fs_exists(p));
	tempfile_unregister(p);
}

static int adopt_and_exit(const char *unused)
{
	(void)unused;
	tempfile_adopt_all();
	return 0;
}

static void tempfile__adopted_by_daemon_child(void **state)
{
	const char *p = path_in(state, "pidfile");
	int ready, st;
	pid_t pid;

	put(p, "123");
	tempfile_register(p);
	pid = fork_child(adopt_and_exit, NULL, &ready);
	tempfile_forget_all();
	wait_ready(ready);
	st = wait_child(pid);
	assert_true(WIFEXITED(st));
	assert_false(fs_exists(p));
}

static void tempfile__unregister_and_cleanup(void **state)
{
	const char *a = path_in(state, "a");
	const char *b = path_in(state, "b");

	put(a, "");
	put(b, "");
	tempfile_register(a);
	tempfile_register(b);
	tempfile_unregister(a);
	tempfile_cleanup();
	assert_true(fs_exists(a));
	assert_false(fs_exists(b));
	/* Cleaning up twice, or with nothing registered, is harmless. */
	tempfile_cleanup();
	tempfile_unregister(b);
}

static void tempfile__many_files(void **state)
{
	char name[32];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		put(path_in(state, name), "");
		tempfile_register(path_in(state, name));
	}
	tempfile_cleanup();
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		assert_false(fs_exists(path_in(state, name)));
	}
}

static int relative_then_chdir(const char *dir)
{
	FILE *f;

	if (chdir(dir) < 0)
		return 1;
	if (!(f = fopen("rel", "w")))
		return 2;
	fclose(f);
	tempfile_register("rel");
	if (chdir("/") < 0)
		return 3;
	return 0;
}

static void tempfile__relative_path_survives_chdir(void **state)
{
	struct fixture *fx = *state;
	int ready, st;
	pid_t pid = fork_child(relative_then_chdir, fx->dir.buf, &ready);

	wait_ready(ready);
	st = wait_child(pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_false(fs_exists(path_in(state, "rel")));
}

static int ignore_sigpipe_then_raise(const char *path)
{
	struct sigaction sa;
	FILE *f = fopen(path, "w");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (!f)
		return 1;
	fclose(f);
	tempfile_register(path);
	raise(SIGPIPE);
	/* Had we installed a handler anyway, it would have removed path. */
	if (access(path, F_OK) != 0)
		return 8;
	return 7;
}

static void tempfile__ignored_signal_stays_ignored(void **state)
{
	const char *p = path_in(state, "ign");
	int ready, st;
	pid_t pid;

	pid = fork_child(ignore_sigpipe_then_raise, p, &ready);
	wait_ready(ready);
	st = wait_child(pid);
	/* This runs first, so the child installs the handlers itself: it
	 * must survive, keep the file while running, and remove it at exit. */
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
	assert_false(fs_exists(p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		/* First: it needs a process that never registered a file. */
		T(tempfile__ignored_signal_stays_ignored),
		T(lock__acquire__creates_and_commits),
		T(lock__acquire__second_is_busy),
		T(lock__acquire__timeout_gives_up),
		T(lock__acquire__timeout_waits_for_release),
		T(lock__rollback__target_untouched),
		T(lock__rollback__never_acquired),
		T(lock__acquire__missing_dir_is_eio),
		T(lock__write__not_held_is_error),
		T(lock__commit__large_content),
		T(write_file_atomic__keeps_mode),
		T(write_file_atomic__new_file_mode),
		T(write_file_atomic__follows_symlink),
		T(write_file_atomic__busy_lock),
		T(tempfile__removed_at_exit),
		T(tempfile__sigterm_removes),
		T(tempfile__other_signals_remove),
		T(lock__sigterm__removes_lock),
		T(lock__names_its_owner_and_leaves_no_trace),
		T(lock__rename__no_sync_and_no_owner_name_left),
		T(lock__sigkill__next_acquire_takes_over),
		T(lock__sweep_after_sigkill__lock_still_taken_over),
		T(lock__sweep__removes_dead_takers_asides_only),
		T(lock__without_owner_name__still_busy),
		T(lock__sigkill_mid_write__old_or_new),
		T(tempfile__forked_child_leaves_parent_files),
		T(tempfile__adopted_by_daemon_child),
		T(tempfile__unregister_and_cleanup),
		T(tempfile__many_files),
		T(tempfile__relative_path_survives_chdir),
#undef T
	};

	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	size_t i;

	/* A shell starts background jobs with SIGINT and SIGQUIT ignored, and
	 * an ignored signal stays ignored: start from the defaults. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
