/*
 * daemon.c - detach with a readiness handshake; see daemon.h.
 */
#include "core/daemon.h"

#include "core/error.h"
#include "core/lockfile.h"
#include "core/strbuf.h"
#include "core/time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_CAP 4096

/* "<pid> <kind> <message>": kind 0 is ready. One write, so the parent
 * reads all of it or nothing. */
static void tell(int fd, int kind, const char *msg)
{
	char buf[READY_CAP];
	int n = snprintf(buf, sizeof(buf), "%d %d %s", (int)getpid(), kind, msg ? msg : "");
	ssize_t w;

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	do
		w = write(fd, buf, (size_t)n);
	while (w < 0 && errno == EINTR);
}

static int redirect(int to, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return error_errno(BOSUN_EIO, "cannot open '%s'", path);
	if (dup2(fd, to) < 0) {
		close(fd);
		return error_errno(BOSUN_EIO, "cannot redirect to '%s'", path);
	}
	close(fd);
	return 0;
}

static int set_up_stdio(const struct daemon *d)
{
	const char *log = d->log_path ? d->log_path : "/dev/null";
	int r;

	if ((r = redirect(STDIN_FILENO, "/dev/null", O_RDONLY)) < 0 ||
	    (r = redirect(STDOUT_FILENO, log, O_WRONLY | O_APPEND | O_CREAT)) < 0 ||
	    (r = redirect(STDERR_FILENO, log, O_WRONLY | O_APPEND | O_CREAT)) < 0)
		return r;
	return 0;
}

/* In the first child: a new session, then the daemon, then away. */
static void become_daemon(struct daemon *d, int fd)
{
	pid_t pid;
	int r;

	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);	/* the parent sees the pipe close with no word */
	if (pid > 0)
		_exit(0);
	tempfile_adopt_all();
	if ((r = set_up_stdio(d)) < 0) {
		tell(fd, -r, error_message());
		/* Ours now: remove them, as an exit would. */
		tempfile_cleanup();
		_exit(1);
	}
	d->ready_fd = fd;
}

/* Read the daemon's word until it closes the pipe (or the deadline). */
static int read_word(struct strbuf *out, int fd, int timeout_ms)
{
	long long deadline = time_mono_ms() + timeout_ms;
	char buf[512];

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline - time_mono_ms();
		int n;
		ssize_t got;

		if (timeout_ms > 0 && left <= 0)
			return error_set(BOSUN_EIO, "the daemon did not say it was ready "
					 "within %d ms", timeout_ms);
		n = poll(&p, 1, timeout_ms > 0 ? (int)left : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno(BOSUN_EIO, "cannot wait for the daemon");
		if (n == 0)
			continue;
		got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return error_errno(BOSUN_EIO, "cannot hear from the daemon");
		if (got == 0 || out->len + (size_t)got > READY_CAP)
			return 0;
		strbuf_add(out, buf, (size_t)got);
	}
}

static pid_t parse_word(const struct strbuf *word)
{
	int pid, kind, n = 0;

	if (sscanf(word->buf, "%d %d %n", &pid, &kind, &n) < 2 || pid <= 0)
		return error_set(BOSUN_EIO, "the daemon ended before it was ready");
	if (kind == 0)
		return (pid_t)pid;
	if (kind < 0 || kind > 255)
		kind = BOSUN_EINTERNAL;
	return error_set(kind, "%s", word->buf + n);
}

pid_t daemon_detach(struct daemon *d)
{
	struct strbuf word = STRBUF_INIT;
	int fds[2], status, r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return error_errno(BOSUN_EIO, "cannot make a pipe");
	/* Or the child's exit would write our buffered output again. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		r = error_errno(BOSUN_EIO, "cannot start a daemon");
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid == 0) {
		close(fds[0]);
		become_daemon(d, fds[1]);
		return 0;
	}
	close(fds[1]);
	/* The daemon owns them now: they are not ours to remove. */
	tempfile_forget_all();
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r = read_word(&word, fds[0], d->timeout_ms);
	close(fds[0]);
	if (r >= 0)
		r = parse_word(&word);
	strbuf_release(&word);
	return r;
}

int daemon_ready(struct daemon *d, int r)
{
	if (d->ready_fd < 0)
		return r;
	tell(d->ready_fd, r < 0 ? -r : 0, r < 0 ? error_message() : "");
	close(d->ready_fd);
	d->ready_fd = -1;
	return r;
}
