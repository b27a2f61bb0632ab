/*
 * fswatch.h - wait until files change, or a deadline passes: inotify where
 * the kernel gives it, for a follower that must not poll (bosun logs
 * --follow).
 *
 *	struct fswatch w = FSWATCH_INIT;
 *	if (fswatch_init(&w) < 0)		// -BOSUN_EUNAVAILABLE: poll instead
 *		error_clear();
 *	for (;;) {
 *		fswatch_add(&w, path);		// before reading: no write is missed
 *		read_what_is_new(path);
 *		if (fswatch_wait(&w, deadline, &stop) < 0)  // 1 changed, 0 not
 *			break;
 *		if (stop)
 *			break;
 *	}
 *	fswatch_release(&w);
 *
 * fswatch_add() watches the file at path (written to, truncated, moved or
 * removed: IN_MODIFY, IN_MOVE_SELF, IN_DELETE_SELF, and IN_ATTRIB for a
 * removal while it is held open) and its folder (a file
 * created or moved in: IN_CREATE, IN_MOVED_TO), so a log rotated away and
 * made again, or one that does not exist yet, wakes the waiter. Adding a
 * path again after its file was replaced watches the new file; a path
 * whose file is missing is watched by its folder alone. A wake-up says only
 * that something may have changed: the caller looks (a wake for another
 * file of the folder is harmless).
 *
 * Without a watch (fswatch_init() failed, or was not called), or on a
 * file system that sends no events (some network mounts), fswatch_wait()
 * is a sleep until the deadline: the caller's loop polls. The deadline is
 * on time_mono_ms()'s clock; stop, set by a signal handler, ends the wait
 * early (core/time.h). BOSUN_TEST_NO_INOTIFY=1 makes fswatch_init() fail,
 * for the tests of the fallback.
 *
 * Functions return 0 (fswatch_wait: 1 or 0) or a negative error kind with
 * the message recorded (core/error.h).
 */
#ifndef BOSUN_CORE_FSWATCH_H
#define BOSUN_CORE_FSWATCH_H

#include <signal.h>

struct fswatch {
	int fd;          /* the inotify instance; -1: none (sleeps) */
};
#define FSWATCH_INIT { -1 }

int fswatch_init(struct fswatch *w);
/* Watch path's file and folder (nothing without a watch). */
int fswatch_add(struct fswatch *w, const char *path);
/* Wait for an event, until deadline_ms, or until *stop (may be NULL). */
int fswatch_wait(struct fswatch *w, long long deadline_ms,
		 const volatile sig_atomic_t *stop);
void fswatch_release(struct fswatch *w);

#endif
