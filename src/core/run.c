#include "core/run.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/lockfile.h"
#include "core/time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_OUT_CAP ((size_t)16 << 20)
#define KILL_GRACE_MS 1000
/* How long output is still read after the child exited: a background
 * grandchild that keeps the pipe open must not hang us forever. */
#define DRAIN_MS 1000
#define IO_CHUNK 65536

/* One running child and our ends of its pipes (-1 when closed). */
struct run_proc {
	struct child *c;
	int in_fd, out_fd, err_fd, pidfd;
	int in_pi, out_pi, err_pi, pid_pi; /* index in the pollfd array */
	size_t in_off;
	long long deadline, kill_at, drain_until;
	long backoff;                       /* waitpid polling without pidfd */
	int running, reaped, termed, killed;
	int wstatus;
	int reg;                            /* slot in the registry, or -1 */
};

/*
 * The children to kill when we die of a signal: a fixed array the handler
 * can walk without locks. A slot's owner is written before its pid, and its
 * pid cleared before the child is reaped (so a reused pid is never hit).
 * The owner keeps a forked copy of us from killing its parent's children.
 */
#define REG_MAX 256

static struct {
	volatile pid_t pid;
	volatile pid_t owner;
} reg[REG_MAX];
static volatile int reg_used;
static int reg_hooked;

static void kill_children(void)
{
	pid_t me = getpid();
	int i;

	for (i = 0; i < reg_used; i++)
		if (reg[i].pid > 0 && reg[i].owner == me)
			kill(reg[i].pid, SIGTERM);
}

/* Whether pid, a child of ours, has not ended yet (it is not reaped). */
static int unended(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       !si.si_pid;
}

void child_stop_all(void)
{
	pid_t me = getpid();
	int i, round, any;

	kill_children();
	for (round = 0; round < 150; round++) {
		any = 0;
		for (i = 0; i < reg_used; i++) {
			pid_t pid = reg[i].pid;

			if (pid <= 0 || reg[i].owner != me || !unended(pid))
				continue;
			any = 1;
			if (round == 100)
				kill(pid, SIGKILL);
		}
		if (!any)
			return;
		time_sleep_ms(10);
	}
}

/* Threads may start children at once (the hooks' scan thread runs git):
 * a slot is claimed by setting its pid from 0 to -1. */
static int reg_add(pid_t pid)
{
	int i, used;

	for (i = 0; i < REG_MAX; i++) {
		pid_t zero = 0;

		if (__atomic_compare_exchange_n(&reg[i].pid, &zero, -1, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	}
	if (i == REG_MAX)
		return -1; /* that many at once: this one is not tracked */
	reg[i].owner = getpid();
	__atomic_store_n(&reg[i].pid, pid, __ATOMIC_SEQ_CST);
	used = __atomic_load_n(&reg_used, __ATOMIC_SEQ_CST);
	while (used < i + 1 &&
	       !__atomic_compare_exchange_n(&reg_used, &used, i + 1, 0,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	return i;
}

static void reg_del(int *i)
{
	if (*i >= 0)
		__atomic_store_n(&reg[*i].pid, 0, __ATOMIC_SEQ_CST);
	*i = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A descriptor that is readable when the child exits, or -1. */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

static const char *prog_name(const struct child *c)
{
	return c->use_shell ? "/bin/sh" : c->argv[0];
}

static int env_matches(const char *entry, const char *name, size_t len)
{
	return !strncmp(entry, name, len) && entry[len] == '=';
}

/* environ with c->env applied; the strings are borrowed, free the array. */
static const char **build_env(const struct child *c)
{
	const char **env = NULL;
	const char *const *e;
	size_t nr = 0, alloc = 0, i;

	for (i = 0; environ[i]; i++) {
		ALLOC_GROW(env, nr + 1, alloc);
		env[nr++] = environ[i];
	}
	for (e = c->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
		size_t j = 0;

		for (i = 0; i < nr; i++)
			if (!env_matches(env[i], *e, len))
				env[j++] = env[i];
		nr = j;
		if (eq) {
			ALLOC_GROW(env, nr + 1, alloc);
			env[nr++] = *e;
		}
	}
	ALLOC_GROW(env, nr + 1, alloc);
	env[nr] = NULL;
	return env;
}

/* "sh -c script [$0 $1 ...]" or the argv as given. */
static const char **build_argv(const struct child *c)
{
	size_t n = 0, i;
	const char **argv;

	while (c->argv[n])
		n++;
	if (!c->use_shell) {
		argv = xcalloc(n + 1, sizeof(*argv));
		memcpy(argv, c->argv, n * sizeof(*argv));
		return argv;
	}
	argv = xcalloc(n + 3, sizeof(*argv));
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	for (i = 0; i < n; i++)
		argv[i + 2] = c->argv[i];
	return argv;
}

static int spawn_error(const struct child *c, int err)
{
	struct stat st;

	errno = err;
	if (err == ENOENT && c->dir &&
	    (stat(c->dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		return error_set(BOSUN_EIO, "cannot run '%s' in '%s': no such directory",
				 prog_name(c), c->dir);
	if (err == ENOENT)
		return error_set(BOSUN_EUNAVAILABLE, "cannot run '%s': not found",
				 prog_name(c));
	if (err == EACCES || err == ENOEXEC || err == ENOTDIR)
		return error_errno(BOSUN_EUNAVAILABLE, "cannot run '%s'",
				   prog_name(c));
	return error_errno(BOSUN_EIO, "cannot run '%s'", prog_name(c));
}

/* Pipes: ours[i] is the parent's end, theirs[i] the child's (for 0, 1, 2). */
struct pipes {
	int ours[3], theirs[3];
};

static void pipes_close(struct pipes *pp)
{
	int i;

	for (i = 0; i < 3; i++) {
		close_fd(&pp->ours[i]);
		close_fd(&pp->theirs[i]);
	}
}

static int open_pipe(struct pipes *pp, int which)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pp->ours[which] = which ? fds[0] : fds[1];
	pp->theirs[which] = which ? fds[1] : fds[0];
	set_nonblock(pp->ours[which]);
	return 0;
}

/* A pipe whose parent end is the caller's: blocking, as any descriptor. */
static int open_caller_pipe(struct pipes *pp, int which)
{
	int fl;

	if (open_pipe(pp, which) < 0)
		return -1;
	fl = fcntl(pp->ours[which], F_GETFL);
	if (fl >= 0)
		fcntl(pp->ours[which], F_SETFL, fl & ~O_NONBLOCK);
	return 0;
}

/*
 * What the forked child does before exec, all decided in the parent: after
 * fork() in a program with threads the child may only make system calls.
 * fd[i] for descriptor i: a descriptor to dup2() (its pipe end), STDIO_NULL
 * for /dev/null, STDIO_KEEP for ours; err_from_out: 2 is a copy of 1.
 */
#define STDIO_KEEP (-1)
#define STDIO_NULL (-2)

struct plan {
	int fd[3];
	int err_from_out;
	const char *dir;
	const char *const *argv, *const *env;
	const char *path;       /* PATH to search when argv[0] has no '/' */
	int detached, own_pgroup, die_with_us;
	int (*fn)(void *data);
	void *fn_data;
	pid_t parent;
	int report;             /* write end of the pipe that carries errno */
};

static int setup_stdio(const struct child *c, struct pipes *pp, struct plan *pl)
{
	int r = 0, out_piped = c->pipe_out || c->capture, i;

	if (c->pipe_in)
		r |= open_caller_pipe(pp, 0);
	else if (c->in)
		r |= open_pipe(pp, 0);
	if (c->pipe_out)
		r |= open_caller_pipe(pp, 1);
	else if (c->capture)
		r |= open_pipe(pp, 1);
	if (c->capture && !(out_piped && c->merge_err))
		r |= open_pipe(pp, 2);
	if (r)
		return -1;
	for (i = 0; i < 3; i++)
		pl->fd[i] = pp->theirs[i] >= 0 ? pp->theirs[i] :
			    (i == 0 ? !c->inherit_stdin : c->quiet) ? STDIO_NULL : STDIO_KEEP;
	pl->err_from_out = out_piped && c->merge_err;
	if (pl->err_from_out)
		pl->fd[2] = STDIO_KEEP;
	return 0;
}

/* In the child: tell the parent why we could not start, and end. */
_Noreturn static void child_fail(const struct plan *pl, int err)
{
	ssize_t n;

	do
		n = write(pl->report, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

static void child_stdio(const struct plan *pl)
{
	int i, fd;

	for (i = 0; i < 3; i++) {
		if (pl->fd[i] == STDIO_KEEP)
			continue;
		if (pl->fd[i] == STDIO_NULL) {
			if ((fd = open("/dev/null", i ? O_WRONLY : O_RDONLY)) < 0)
				child_fail(pl, errno);
		} else {
			fd = pl->fd[i];
		}
		if (fd == i)
			fcntl(fd, F_SETFD, 0); /* dup2 to itself keeps O_CLOEXEC */
		else if (dup2(fd, i) < 0)
			child_fail(pl, errno);
		if (pl->fd[i] == STDIO_NULL && fd != i)
			close(fd);
	}
	if (pl->err_from_out && dup2(1, 2) < 0)
		child_fail(pl, errno);
}

/* execvp's search, without its allocations: the first error that is not
 * "not here" ends it, EACCES is kept while the search goes on. */
_Noreturn static void child_exec(const struct plan *pl)
{
	char buf[4096];
	const char *prog = pl->argv[0], *p = pl->path, *end;
	size_t plen = strlen(prog), dlen;
	int err = ENOENT, seen_eacces = 0;

	if (strchr(prog, '/')) {
		execve(prog, (char *const *)pl->argv, (char *const *)pl->env);
		child_fail(pl, errno);
	}
	for (;;) {
		end = strchr(p, ':');
		dlen = end ? (size_t)(end - p) : strlen(p);
		if (dlen + plen + 2 <= sizeof(buf)) {
			memcpy(buf, dlen ? p : ".", dlen ? dlen : 1);
			dlen = dlen ? dlen : 1;
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, prog, plen + 1);
			execve(buf, (char *const *)pl->argv, (char *const *)pl->env);
			err = errno;
			if (err == EACCES)
				seen_eacces = 1;
			else if (err != ENOENT && err != ENOTDIR && err != ESTALE &&
				 err != ENODEV && err != ETIMEDOUT)
				child_fail(pl, err);
		}
		if (!end)
			break;
		p = end + 1;
	}
	child_fail(pl, seen_eacces ? EACCES : err);
}

/*
 * The child, from fork() to exec (or to its function's end). A
 * die_with_us child dies with bosun (PR_SET_PDEATHSIG): a bosun killed
 * with SIGKILL cannot stop it, and a git left running would go on
 * changing what the next run repairs. The
 * signal is SIGTERM, as for a bosun killed by a catchable signal: git
 * then removes its lock files (index.lock, config.lock) and its half-made
 * worktree as it dies, where SIGKILL would leave them to block every
 * later git. If we died before the prctl, our parent is another process
 * by now. A detached child gets a session of its own instead, and lives on.
 */
_Noreturn static void child_main(const struct plan *pl)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	if (pl->detached) {
		setsid();
	} else {
		/* a group of its own, so that a timeout reaches what it started */
		if (pl->own_pgroup && setpgid(0, 0) < 0)
			child_fail(pl, errno);
#ifdef PR_SET_PDEATHSIG
		if (pl->die_with_us && prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
			child_fail(pl, errno);
#endif
		if (pl->die_with_us && getppid() != pl->parent)
			_exit(143);
	}
	/* Our handlers (lock clean-up, the registry) must not run here: every
	 * caught signal back to its default, SIGPIPE too; ignored ones stay. */
	memset(&sa, 0, sizeof(sa));
	for (sig = 1; sig < NSIG; sig++) {
		struct sigaction old;
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &old) < 0)
			continue;
		if (sig == SIGPIPE || (old.sa_handler != SIG_IGN && old.sa_handler != SIG_DFL)) {
			sa.sa_handler = SIG_DFL;
			sigaction(sig, &sa, NULL);
		}
	}
	if (pl->dir && chdir(pl->dir) < 0)
		child_fail(pl, errno);
	child_stdio(pl);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (pl->fn) {
		/* started: the parent stops waiting for an errno */
		close(pl->report);
		_exit(pl->fn(pl->fn_data) & 0xff);
	}
	child_exec(pl);
}

static int do_spawn(struct run_proc *p, struct pipes *pp)
{
	struct child *c = p->c;
	struct plan pl;
	const char **argv = build_argv(c);
	const char **env = build_env(c);
	int report[2] = { -1, -1 }, err = 0, got = 0;
	sigset_t all, old;
	ssize_t n;
	pid_t pid;

	memset(&pl, 0, sizeof(pl));
	pl.argv = argv;
	pl.env = env;
	pl.dir = c->dir;
	pl.detached = c->detached;
	pl.own_pgroup = c->own_pgroup;
	pl.die_with_us = c->die_with_us;
	pl.fn = c->fn;
	pl.fn_data = c->fn_data;
	pl.parent = getpid();
	pl.path = getenv("PATH") ? getenv("PATH") : "/bin:/usr/bin";
	if (setup_stdio(c, pp, &pl) < 0 || pipe2(report, O_CLOEXEC) < 0) {
		err = error_errno(BOSUN_EIO, "cannot run '%s'", prog_name(c));
		goto out;
	}
	pl.report = report[1];
	/* No signal between the start and the registry: it would miss the
	 * child it must kill. The child unblocks them before exec. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0)
		child_main(&pl);
	if (pid > 0) {
		c->pid = pid;
		if (!c->detached)
			p->reg = reg_add(pid);
	} else {
		err = errno;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(report[1]);
	report[1] = -1;
	/* The pipe closes at exec; before that, the child's errno comes. */
	while (pid > 0 && (n = read(report[0], &got, sizeof(got))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n == sizeof(got)) {
			err = got;
			reg_del(&p->reg);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			c->pid = 0;
		}
		break;
	}
	if (err)
		err = spawn_error(c, err);
out:
	if (report[0] >= 0)
		close(report[0]);
	if (report[1] >= 0)
		close(report[1]);
	free(env);
	free(argv);
	return err;
}

/* Before the first child: our signal clean-up kills the children. */
static void hook_signals(void)
{
	if (reg_hooked)
		return;
	reg_hooked = 1;
	cleanup_on_signal(kill_children);
}

static int proc_start(struct run_proc *p, struct child *c)
{
	struct pipes pp = { { -1, -1, -1 }, { -1, -1, -1 } };
	int r, i;

	memset(p, 0, sizeof(*p));
	p->c = c;
	p->in_fd = p->out_fd = p->err_fd = p->pidfd = -1;
	p->reg = -1;
	c->pid = 0;
	c->timed_out = 0;
	c->status = 127;
	c->in_fd = c->out_fd = -1;
	if (!c->argv || !c->argv[0])
		return error_set(BOSUN_EINTERNAL, "cannot run an empty command");
	if (!c->detached)
		hook_signals();
	if ((r = do_spawn(p, &pp)) < 0) {
		c->pid = 0;
		pipes_close(&pp);
		return r;
	}
	for (i = 0; i < 3; i++)
		close_fd(&pp.theirs[i]);
	if (c->pipe_in)
		c->in_fd = pp.ours[0];
	else
		p->in_fd = pp.ours[0];
	if (c->pipe_out)
		c->out_fd = pp.ours[1];
	else
		p->out_fd = pp.ours[1];
	p->err_fd = pp.ours[2];
	if (p->in_fd >= 0 && !c->in_len)
		close_fd(&p->in_fd);
	p->pidfd = open_pidfd(c->pid);
	p->backoff = 1;
	p->running = 1;
	if (c->timeout_ms > 0)
		p->deadline = time_mono_ms() + c->timeout_ms;
	return 0;
}

static void capture(struct run_proc *p, struct strbuf *sb, const char *buf,
		    size_t n)
{
	size_t cap = p->c->out_cap ? p->c->out_cap : DEFAULT_OUT_CAP;

	/* Each buffer has its own cap; the rest is read and dropped. */
	if (sb->len >= cap)
		return;
	strbuf_add(sb, buf, n < cap - sb->len ? n : cap - sb->len);
}

/* Read what fd has; closes it at end of file or on an error. */
static void read_some(struct run_proc *p, int *fd, struct strbuf *sb)
{
	char buf[IO_CHUNK];

	for (;;) {
		ssize_t n = read(*fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			close_fd(fd);
			return;
		}
		capture(p, sb, buf, (size_t)n);
		if ((size_t)n < sizeof(buf))
			return;
	}
}

/*
 * A child that stops reading its stdin must give us EPIPE, not kill us.
 * SIGPIPE is blocked in this thread only, and one it raised is taken off
 * before it is unblocked: changing the process-wide disposition (a
 * sigchain push and pop) would race with a scan thread doing the same.
 */
static void write_some(struct run_proc *p)
{
	const struct child *c = p->c;
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old, pending;
	int was_pending, epipe = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	while (p->in_off < c->in_len) {
		size_t left = c->in_len - p->in_off;
		ssize_t n = write(p->in_fd, c->in + p->in_off,
				  left < IO_CHUNK ? left : IO_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			goto out;
		if (n < 0) {
			epipe = errno == EPIPE; /* the child does not want the rest */
			break;
		}
		p->in_off += (size_t)n;
	}
	close_fd(&p->in_fd);
out:
	if (epipe && !was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int add_poll(struct pollfd *pfd, size_t *n, int fd, short events)
{
	if (fd < 0)
		return -1;
	pfd[*n].fd = fd;
	pfd[*n].events = events;
	pfd[*n].revents = 0;
	return (int)(*n)++;
}

static void proc_poll_setup(struct run_proc *p, struct pollfd *pfd, size_t *n)
{
	p->in_pi = add_poll(pfd, n, p->in_fd, POLLOUT);
	p->out_pi = add_poll(pfd, n, p->out_fd, POLLIN);
	p->err_pi = add_poll(pfd, n, p->err_fd, POLLIN);
	p->pid_pi = add_poll(pfd, n, p->reaped ? -1 : p->pidfd, POLLIN);
}

static int ready(const struct pollfd *pfd, int pi)
{
	return pi >= 0 && pfd[pi].revents;
}

static void proc_io(struct run_proc *p, const struct pollfd *pfd)
{
	if (ready(pfd, p->in_pi) && p->in_fd >= 0)
		write_some(p);
	if (ready(pfd, p->out_pi))
		read_some(p, &p->out_fd, &p->c->out);
	if (ready(pfd, p->err_pi))
		read_some(p, &p->err_fd, &p->c->err);
}

/* The next moment this proc needs attention without an event, or -1. */
static long long proc_wake(const struct run_proc *p, long long now)
{
	long long timer = -1;

	if (p->reaped)
		return p->drain_until;
	if (p->termed && !p->killed)
		timer = p->kill_at;
	else if (!p->termed && p->deadline)
		timer = p->deadline;
	/* Without a pidfd, nothing tells us the child exited: look often. */
	if (p->pidfd < 0 && (timer < 0 || now + p->backoff < timer))
		return now + p->backoff;
	return timer;
}

static void proc_reap(struct run_proc *p, long long now)
{
	siginfo_t si;
	pid_t r;

	/* Whether it exited, without reaping: out of the registry first. */
	memset(&si, 0, sizeof(si));
	r = waitid(P_PID, (id_t)p->c->pid, &si, WEXITED | WNOHANG | WNOWAIT);
	if ((r == 0 && !si.si_pid) || (r < 0 && errno == EINTR)) {
		p->backoff = p->backoff >= 50 ? 50 : p->backoff * 2;
		return;
	}
	reg_del(&p->reg);
	do
		r = waitpid(p->c->pid, &p->wstatus, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		p->wstatus = 127 << 8; /* reaped by someone else */
	p->reaped = 1;
	close_fd(&p->in_fd);
	close_fd(&p->pidfd);
	p->drain_until = now + DRAIN_MS;
	if (p->deadline && p->drain_until > p->deadline)
		p->drain_until = p->deadline;
}

static void proc_timers(struct run_proc *p, long long now)
{
	pid_t target = p->c->own_pgroup ? -p->c->pid : p->c->pid;

	if (p->reaped)
		return;
	if (p->deadline && !p->termed && now >= p->deadline) {
		kill(target, SIGTERM);
		p->termed = 1;
		p->c->timed_out = 1;
		p->kill_at = p->c->own_pgroup ? now : now + KILL_GRACE_MS;
	}
	if (p->termed && !p->killed && now >= p->kill_at) {
		kill(target, SIGKILL);
		p->killed = 1;
	}
}

/* 1 when p is finished: reaped and its output read to the end (or given up). */
static int proc_done(struct run_proc *p, long long now)
{
	struct child *c = p->c;

	if (!p->reaped)
		return 0;
	if ((p->out_fd >= 0 || p->err_fd >= 0) && now < p->drain_until)
		return 0;
	if (p->out_fd >= 0)
		read_some(p, &p->out_fd, &c->out);
	if (p->err_fd >= 0)
		read_some(p, &p->err_fd, &c->err);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	if (WIFEXITED(p->wstatus))
		c->status = WEXITSTATUS(p->wstatus);
	else if (WIFSIGNALED(p->wstatus))
		c->status = 128 + WTERMSIG(p->wstatus);
	if (c->timed_out)
		c->status = 124;
	p->running = 0;
	return 1;
}

static int poll_timeout(struct run_proc *const *procs, size_t n, long long now)
{
	long long wake = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		long long w;

		if (!procs[i] || !procs[i]->running)
			continue;
		w = proc_wake(procs[i], now);
		if (w >= 0 && (wake < 0 || w < wake))
			wake = w;
	}
	if (wake < 0)
		return -1;
	return wake <= now ? 0 : (int)(wake - now);
}

/* One round over procs (NULL entries are free slots): wait for an event or
 * a timer, then serve every running proc. done[i] is set for each proc that
 * finished in this round; returns how many did. */
static size_t poll_round(struct run_proc *const *procs, size_t n,
			 struct pollfd *pfd, char *done)
{
	size_t i, npfd = 0, nr_done = 0;
	long long now = time_mono_ms();

	for (i = 0; i < n; i++)
		if (procs[i] && procs[i]->running)
			proc_poll_setup(procs[i], pfd, &npfd);
	/* On EINTR (or any failure) the rounds below still serve timers. */
	if (poll(pfd, npfd, poll_timeout(procs, n, now)) < 0)
		for (i = 0; i < npfd; i++)
			pfd[i].revents = 0;
	now = time_mono_ms();
	for (i = 0; i < n; i++) {
		struct run_proc *p = procs[i];

		done[i] = 0;
		if (!p || !p->running)
			continue;
		proc_io(p, pfd);
		if (!p->reaped)
			proc_reap(p, now);
		proc_timers(p, now);
		done[i] = (char)proc_done(p, now);
		nr_done += (size_t)done[i];
	}
	return nr_done;
}

/* ---- one child ------------------------------------------------------------ */

int child_start(struct child *c)
{
	struct run_proc *p = xcalloc(1, sizeof(*p));
	int r;

	if ((r = proc_start(p, c)) < 0) {
		free(p);
		return r;
	}
	c->proc = p;
	return 0;
}

/* Our ends handed to the caller, if still open. */
static void close_caller_fds(struct child *c)
{
	if (c->pipe_in)
		close_fd(&c->in_fd);
	if (c->pipe_out)
		close_fd(&c->out_fd);
}

int child_finish(struct child *c)
{
	struct run_proc *p = c->proc;
	struct pollfd pfd[4];
	char done = 0;

	if (!p)
		return error_set(BOSUN_EINTERNAL, "no child to wait for");
	/* Our stdin end first: a child reading to the end would wait forever. */
	if (c->pipe_in)
		close_fd(&c->in_fd);
	while (!done)
		poll_round(&p, 1, pfd, &done);
	if (c->pipe_out)
		close_fd(&c->out_fd);
	free(p);
	c->proc = NULL;
	return 0;
}

int child_kill(struct child *c, int sig)
{
	struct run_proc *p = c->proc;

	/* Once reaped, the pid may be someone else's. */
	if (!p || p->reaped || c->pid <= 0)
		return 0;
	if (kill(c->pid, sig) < 0 && errno != ESRCH)
		return error_errno(BOSUN_EIO, "cannot signal '%s'", prog_name(c));
	return 0;
}

int child_run(struct child *c)
{
	int r;

	if ((r = child_start(c)) < 0)
		return r;
	return child_finish(c);
}

void child_release(struct child *c)
{
	struct run_proc *p;

	if (!c)
		return;
	if ((p = c->proc)) {
		/* Not finished: leave the process alone, drop our side. */
		reg_del(&p->reg);
		close_fd(&p->in_fd);
		close_fd(&p->out_fd);
		close_fd(&p->err_fd);
		close_fd(&p->pidfd);
		close_caller_fds(c);
		free(p);
		c->proc = NULL;
	}
	strbuf_release(&c->out);
	strbuf_release(&c->err);
}

/* ---- the parallel runner ---------------------------------------------------- */

struct runner {
	const struct child_tasks *t;
	size_t jobs, running;
	struct child *kids;
	struct run_proc *slots, **procs; /* procs[i]: &slots[i] while busy */
	void **task;
	char *done;
	struct pollfd *pfd;
	int stop, more;
	int first;                      /* the first negative return */
	struct strbuf msg, hint;
};

/* Keep the first failure's message while the others go on. */
static void note_failure(struct runner *rn, int r)
{
	const char *hint = error_hint_text();

	if (r >= 0 || rn->first)
		return;
	rn->first = r;
	strbuf_addstr(&rn->msg, error_message());
	strbuf_addstr(&rn->hint, hint ? hint : "");
}

static void stop_all(struct runner *rn)
{
	size_t i;

	if (rn->stop)
		return;
	rn->stop = 1;
	for (i = 0; i < rn->jobs; i++)
		if (rn->procs[i] && !rn->procs[i]->reaped)
			kill(rn->kids[i].pid, SIGTERM);
}

static void fill_slot(struct runner *rn, size_t i)
{
	struct child init = CHILD_INIT;
	int r;

	rn->kids[i] = init;
	rn->task[i] = NULL;
	r = rn->t->get_next_task(&rn->kids[i], rn->t->data, &rn->task[i]);
	if (r <= 0) {
		rn->more = 0;
		note_failure(rn, r);
		if (r < 0)
			stop_all(rn);
		child_release(&rn->kids[i]);
		return;
	}
	if ((r = proc_start(&rn->slots[i], &rn->kids[i])) < 0) {
		if (rn->t->start_failure)
			r = rn->t->start_failure(&rn->kids[i], rn->t->data, rn->task[i]);
		note_failure(rn, r);
		if (r < 0)
			stop_all(rn);
		child_release(&rn->kids[i]);
		return;
	}
	rn->procs[i] = &rn->slots[i];
	rn->running++;
}

static void finish_slot(struct runner *rn, size_t i)
{
	int r = rn->t->task_finished ?
		rn->t->task_finished(&rn->kids[i], rn->t->data, rn->task[i]) : 0;

	note_failure(rn, r);
	if (r < 0)
		stop_all(rn);
	child_release(&rn->kids[i]);
	rn->procs[i] = NULL;
	rn->running--;
}

static void runner_loop(struct runner *rn)
{
	size_t i;

	for (;;) {
		/* A slot whose child could not start is offered again. */
		for (i = 0; i < rn->jobs; i++)
			while (!rn->procs[i] && rn->more && !rn->stop)
				fill_slot(rn, i);
		if (!rn->running)
			return;
		if (!poll_round(rn->procs, rn->jobs, rn->pfd, rn->done))
			continue;
		for (i = 0; i < rn->jobs; i++)
			if (rn->done[i])
				finish_slot(rn, i);
	}
}

int child_run_tasks(const struct child_tasks *t)
{
	struct runner rn;
	long cpus;

	memset(&rn, 0, sizeof(rn));
	rn.t = t;
	rn.more = 1;
	rn.jobs = t->jobs > 0 ? (size_t)t->jobs : 0;
	if (!rn.jobs) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		rn.jobs = cpus > 0 ? (size_t)cpus : 1;
	}
	strbuf_init(&rn.msg, 0);
	strbuf_init(&rn.hint, 0);
	rn.kids = xcalloc(rn.jobs, sizeof(*rn.kids));
	rn.slots = xcalloc(rn.jobs, sizeof(*rn.slots));
	rn.procs = xcalloc(rn.jobs, sizeof(*rn.procs));
	rn.task = xcalloc(rn.jobs, sizeof(*rn.task));
	rn.done = xcalloc(rn.jobs, 1);
	rn.pfd = xcalloc(4 * rn.jobs, sizeof(*rn.pfd));
	runner_loop(&rn);
	if (rn.first < 0) {
		error_set(-rn.first, "%s", rn.msg.buf);
		if (rn.hint.len)
			error_hint("%s", rn.hint.buf);
	}
	free(rn.pfd);
	free(rn.done);
	free(rn.task);
	free(rn.procs);
	free(rn.slots);
	free(rn.kids);
	strbuf_release(&rn.msg);
	strbuf_release(&rn.hint);
	return rn.first;
}

/* ---- an array of children through the runner ------------------------------ */

struct child_array {
	struct child *c;
	size_t n, next;
	int first;                      /* the first start error */
	struct strbuf msg;
};

static int array_next(struct child *slot, void *data, void **task)
{
	struct child_array *a = data;
	struct child *c;

	if (a->next >= a->n)
		return 0;
	c = &a->c[a->next++];
	/* The slot runs c's settings and appends to c's buffers, which go
	 * back to c when it ends. */
	*slot = *c;
	slot->proc = NULL;
	strbuf_init(&c->out, 0);
	strbuf_init(&c->err, 0);
	c->pid = 0;
	c->status = 127;
	c->timed_out = 0;
	*task = c;
	return 1;
}

static void give_back(struct child *slot, struct child *c)
{
	struct strbuf tmp;

	tmp = c->out;
	c->out = slot->out;
	slot->out = tmp;
	tmp = c->err;
	c->err = slot->err;
	slot->err = tmp;
}

static int array_start_failure(struct child *slot, void *data, void *task)
{
	struct child_array *a = data;

	give_back(slot, task);
	if (!a->first) {
		a->first = -(error_kind() ? error_kind() : BOSUN_EINTERNAL);
		strbuf_addstr(&a->msg, error_message());
	}
	error_clear();
	return 0;
}

static int array_finished(struct child *slot, void *data, void *task)
{
	struct child *c = task;

	(void)data;
	c->pid = slot->pid;
	c->status = slot->status;
	c->timed_out = slot->timed_out;
	give_back(slot, c);
	return 0;
}

int child_run_parallel(struct child *c, size_t n, int jobs)
{
	struct child_array a = { c, n, 0, 0, STRBUF_INIT };
	struct child_tasks t = { 0, array_next, array_start_failure,
				 array_finished, &a };

	if (!n)
		return 0;
	if (jobs <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = cpus > 0 ? (int)cpus : 1;
	}
	t.jobs = (size_t)jobs < n ? jobs : (int)n;
	child_run_tasks(&t);
	if (a.first < 0)
		error_set(-a.first, "%s", a.msg.buf);
	strbuf_release(&a.msg);
	return a.first;
}
