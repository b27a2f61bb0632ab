#include "core/run.h"

#include "core/alloc.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_OUT_CAP ((size_t)16 << 20)
#define KILL_GRACE_MS 1000
/* How long output is still read after the child exited: a background
 * grandchild that keeps the pipe open must not hang us forever. */
#define DRAIN_MS 1000
#define IO_CHUNK 65536

/* One running child and our ends of its pipes (-1 when closed). */
struct proc {
	struct child *c;
	int in_fd, out_fd, err_fd, pidfd;
	int in_pi, out_pi, err_pi, pid_pi; /* index in the pollfd array */
	size_t in_off;
	long long deadline, kill_at, drain_until;
	long backoff;                       /* waitpid polling without pidfd */
	int running, reaped, termed, killed;
	int wstatus;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

static int setup_stdio(const struct child *c, struct pipes *pp,
		       posix_spawn_file_actions_t *fa)
{
	int r = 0;

	if (c->in) {
		r |= open_pipe(pp, 0);
		if (!r)
			posix_spawn_file_actions_adddup2(fa, pp->theirs[0], 0);
	} else if (!c->inherit_stdin) {
		posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	}
	if (c->capture) {
		r |= open_pipe(pp, 1);
		if (!c->merge_err)
			r |= open_pipe(pp, 2);
		if (r)
			return -1;
		posix_spawn_file_actions_adddup2(fa, pp->theirs[1], 1);
		posix_spawn_file_actions_adddup2(fa, pp->theirs[c->merge_err ? 1 : 2], 2);
	} else if (c->quiet) {
		posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(fa, 1, 2);
	}
	return r ? -1 : 0;
}

static void setup_attr(posix_spawnattr_t *attr)
{
	sigset_t none, dfl;

	/* The child starts with no signal blocked and SIGPIPE at its
	 * default, whatever we are doing with them ourselves. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &dfl);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
}

static int do_spawn(struct proc *p, struct pipes *pp)
{
	struct child *c = p->c;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	const char **argv = build_argv(c);
	const char **env = build_env(c);
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	setup_attr(&attr);
	if (setup_stdio(c, pp, &fa) < 0) {
		err = error_errno(BOSUN_EIO, "cannot run '%s'", prog_name(c));
		goto out;
	}
	if (c->dir)
		posix_spawn_file_actions_addchdir_np(&fa, c->dir);
	err = posix_spawnp(&c->pid, argv[0], &fa, &attr,
			   (char *const *)argv, (char *const *)env);
	if (err)
		err = spawn_error(c, err);
out:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	free(argv);
	return err;
}

static int proc_start(struct proc *p, struct child *c)
{
	struct pipes pp = { { -1, -1, -1 }, { -1, -1, -1 } };
	int r, i;

	memset(p, 0, sizeof(*p));
	p->c = c;
	p->in_fd = p->out_fd = p->err_fd = p->pidfd = -1;
	c->pid = 0;
	c->timed_out = 0;
	c->status = 127;
	if (!c->argv || !c->argv[0])
		return error_set(BOSUN_EINTERNAL, "cannot run an empty command");
	if ((r = do_spawn(p, &pp)) < 0) {
		c->pid = 0;
		pipes_close(&pp);
		return r;
	}
	for (i = 0; i < 3; i++)
		close_fd(&pp.theirs[i]);
	p->in_fd = pp.ours[0];
	p->out_fd = pp.ours[1];
	p->err_fd = pp.ours[2];
	if (p->in_fd >= 0 && !c->in_len)
		close_fd(&p->in_fd);
	p->pidfd = open_pidfd(c->pid);
	p->backoff = 1;
	p->running = 1;
	if (c->timeout_ms > 0)
		p->deadline = now_ms() + c->timeout_ms;
	return 0;
}

static void capture(struct proc *p, struct strbuf *sb, const char *buf,
		    size_t n)
{
	size_t cap = p->c->out_cap ? p->c->out_cap : DEFAULT_OUT_CAP;

	/* Each buffer has its own cap; the rest is read and dropped. */
	if (sb->len >= cap)
		return;
	strbuf_add(sb, buf, n < cap - sb->len ? n : cap - sb->len);
}

/* Read what fd has; closes it at end of file or on an error. */
static void read_some(struct proc *p, int *fd, struct strbuf *sb)
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

static void write_some(struct proc *p)
{
	const struct child *c = p->c;

	while (p->in_off < c->in_len) {
		size_t left = c->in_len - p->in_off;
		ssize_t n = write(p->in_fd, c->in + p->in_off,
				  left < IO_CHUNK ? left : IO_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0)
			break; /* EPIPE: the child does not want the rest */
		p->in_off += (size_t)n;
	}
	close_fd(&p->in_fd);
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

static void proc_poll_setup(struct proc *p, struct pollfd *pfd, size_t *n)
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

static void proc_io(struct proc *p, const struct pollfd *pfd)
{
	if (ready(pfd, p->in_pi) && p->in_fd >= 0)
		write_some(p);
	if (ready(pfd, p->out_pi))
		read_some(p, &p->out_fd, &p->c->out);
	if (ready(pfd, p->err_pi))
		read_some(p, &p->err_fd, &p->c->err);
}

/* The next moment this proc needs attention without an event, or -1. */
static long long proc_wake(const struct proc *p, long long now)
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

static void proc_reap(struct proc *p, long long now)
{
	pid_t r;

	do
		r = waitpid(p->c->pid, &p->wstatus, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		p->backoff = p->backoff >= 50 ? 50 : p->backoff * 2;
		return;
	}
	if (r < 0)
		p->wstatus = 127 << 8; /* reaped by someone else */
	p->reaped = 1;
	close_fd(&p->in_fd);
	close_fd(&p->pidfd);
	p->drain_until = now + DRAIN_MS;
	if (p->deadline && p->drain_until > p->deadline)
		p->drain_until = p->deadline;
}

static void proc_timers(struct proc *p, long long now)
{
	if (p->reaped)
		return;
	if (p->deadline && !p->termed && now >= p->deadline) {
		kill(p->c->pid, SIGTERM);
		p->termed = 1;
		p->c->timed_out = 1;
		p->kill_at = now + KILL_GRACE_MS;
	}
	if (p->termed && !p->killed && now >= p->kill_at) {
		kill(p->c->pid, SIGKILL);
		p->killed = 1;
	}
}

/* 1 when p is finished: reaped and its output read to the end (or given up). */
static int proc_finish(struct proc *p, long long now)
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

static int poll_timeout(const struct proc *procs, size_t n, long long now)
{
	long long wake = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		long long w;

		if (!procs[i].running)
			continue;
		w = proc_wake(&procs[i], now);
		if (w >= 0 && (wake < 0 || w < wake))
			wake = w;
	}
	if (wake < 0)
		return -1;
	return wake <= now ? 0 : (int)(wake - now);
}

/* One round: wait for an event or a timer, then serve every running proc.
 * Returns how many procs finished. */
static size_t poll_round(struct proc *procs, size_t n, struct pollfd *pfd)
{
	size_t i, npfd = 0, done = 0;
	long long now = now_ms();

	for (i = 0; i < n; i++)
		if (procs[i].running)
			proc_poll_setup(&procs[i], pfd, &npfd);
	/* On EINTR (or any failure) the rounds below still serve timers. */
	if (poll(pfd, npfd, poll_timeout(procs, n, now)) < 0)
		for (i = 0; i < npfd; i++)
			pfd[i].revents = 0;
	now = now_ms();
	for (i = 0; i < n; i++) {
		struct proc *p = &procs[i];

		if (!p->running)
			continue;
		proc_io(p, pfd);
		if (!p->reaped)
			proc_reap(p, now);
		proc_timers(p, now);
		done += (size_t)proc_finish(p, now);
	}
	return done;
}

static int any_stdin(const struct child *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i].in && c[i].in_len)
			return 1;
	return 0;
}

/* Keep the first start error's message while the others run. */
static void note_error(struct strbuf *msg, int *first, int r)
{
	if (*first)
		return;
	*first = r;
	strbuf_addstr(msg, error_message());
}

static int run_all(struct child *c, size_t n, size_t jobs)
{
	struct proc *procs = xcalloc(n, sizeof(*procs));
	struct pollfd *pfd = xcalloc(4 * (jobs < n ? jobs : n) + 1, sizeof(*pfd));
	struct strbuf first_msg = STRBUF_INIT;
	size_t started = 0, running = 0;
	int first = 0;

	while (started < n || running) {
		while (running < jobs && started < n) {
			int r = proc_start(&procs[started], &c[started]);

			if (r < 0)
				note_error(&first_msg, &first, r);
			else
				running++;
			started++;
		}
		if (running)
			running -= poll_round(procs, started, pfd);
	}
	if (first < 0)
		error_set(-first, "%s", first_msg.buf);
	strbuf_release(&first_msg);
	free(pfd);
	free(procs);
	return first;
}

int child_run_parallel(struct child *c, size_t n, int jobs)
{
	struct sigaction ign, old;
	int stdin_pipes = any_stdin(c, n);
	size_t j;
	int r;

	if (!n)
		return 0;
	if (jobs <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = cpus > 0 ? (int)cpus : 1;
	}
	j = (size_t)jobs < n ? (size_t)jobs : n;
	/* A child that stops reading its stdin must give us EPIPE, not kill us. */
	if (stdin_pipes) {
		memset(&ign, 0, sizeof(ign));
		ign.sa_handler = SIG_IGN;
		sigemptyset(&ign.sa_mask);
		sigaction(SIGPIPE, &ign, &old);
	}
	r = run_all(c, n, j);
	if (stdin_pipes)
		sigaction(SIGPIPE, &old, NULL);
	return r;
}

int child_run(struct child *c)
{
	return child_run_parallel(c, 1, 1);
}

void child_release(struct child *c)
{
	if (!c)
		return;
	strbuf_release(&c->out);
	strbuf_release(&c->err);
}
