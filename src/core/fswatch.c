/*
 * fswatch.c - inotify watches, and the sleep that stands in for them.
 */
#include "core/fswatch.h"

#include "core/error.h"
#include "core/strbuf.h"
#include "core/time.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* IN_ATTRIB too: removing a file that a reader holds open sends no
 * IN_DELETE_SELF (the inode lives on), only the change of its link count. */
#define FILE_EVENTS (IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB)
#define DIR_EVENTS (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR)

int fswatch_init(struct fswatch *w)
{
	const char *no = getenv("BOSUN_TEST_NO_INOTIFY");

	w->fd = -1;
	if (no && *no && strcmp(no, "0"))
		return error_set(BOSUN_EUNAVAILABLE, "inotify is off (BOSUN_TEST_NO_INOTIFY)");
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return error_errno(BOSUN_EUNAVAILABLE, "cannot watch files (inotify)");
	return 0;
}

int fswatch_add(struct fswatch *w, const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	int r = 0;

	if (w->fd < 0)
		return 0;
	if (!slash)
		strbuf_addch(&dir, '.');
	else
		strbuf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	/* Watching the same file or folder again only renews its watch. */
	if (inotify_add_watch(w->fd, dir.buf, DIR_EVENTS) < 0 && errno != ENOENT)
		r = error_errno(BOSUN_EIO, "cannot watch '%s'", dir.buf);
	else if (inotify_add_watch(w->fd, path, FILE_EVENTS) < 0 && errno != ENOENT)
		r = error_errno(BOSUN_EIO, "cannot watch '%s'", path);
	strbuf_release(&dir);
	return r;
}

/* Read every queued event: one wake-up stands for them all. */
static void drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

int fswatch_wait(struct fswatch *w, long long deadline_ms,
		 const volatile sig_atomic_t *stop)
{
	struct pollfd p;
	long long left;
	int n;

	if (w->fd < 0) {
		time_sleep_until(deadline_ms, stop);
		return 0;
	}
	p.fd = w->fd;
	p.events = POLLIN;
	while (!(stop && *stop) && (left = deadline_ms - time_mono_ms()) > 0) {
		p.revents = 0;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno(BOSUN_EIO, "cannot wait for file events");
		if (n > 0) {
			drain(w->fd);
			return 1;
		}
	}
	return 0;
}

void fswatch_release(struct fswatch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
