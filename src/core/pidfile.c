/*
 * pidfile.c - owner records, PID files and owner locks; see pidfile.h.
 */
#include "core/pidfile.h"

#include "core/error.h"
#include "core/fs.h"
#include "core/time.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_CAP 512
#define OWNER_LOCK_STEP_MS 200

/* ---- owner records ------------------------------------------------------ */

int proc_owner_of(struct proc_owner *o, pid_t pid)
{
	unsigned long long start;
	int r;

	if ((r = proc_start_time(pid, &start)) < 0)
		return r;
	memset(o, 0, sizeof(*o));
	o->pid = pid;
	o->start = start;
	memcpy(o->boot, proc_boot_id(), strlen(proc_boot_id()) + 1);
	memcpy(o->host, proc_host_name(), strlen(proc_host_name()) + 1);
	return 0;
}

void proc_owner_format(struct strbuf *sb, const struct proc_owner *o)
{
	strbuf_addf(sb, "%d %llu %s %s\n", (int)o->pid, o->start,
		    *o->boot ? o->boot : "-", *o->host ? o->host : "-");
}

int proc_owner_parse(struct proc_owner *o, const char *text)
{
	struct proc_owner p;
	char boot[sizeof(p.boot)] = "", host[sizeof(p.host)] = "";
	long long pid;
	int n;

	memset(&p, 0, sizeof(p));
	n = sscanf(text, "%lld %llu %39s %255s", &pid, &p.start, boot, host);
	if ((n != 2 && n != 4) || pid <= 0 || pid > INT_MAX)
		return error_set(BOSUN_EDATA, "not a PID and a start time: '%.40s'", text);
	p.pid = (pid_t)pid;
	if (strcmp(boot, "-"))
		memcpy(p.boot, boot, sizeof(boot));
	if (strcmp(host, "-"))
		memcpy(p.host, host, sizeof(host));
	*o = p;
	return 0;
}

int proc_owner_alive(const struct proc_owner *o)
{
	if (*o->host && strcmp(o->host, proc_host_name()))
		return !o->written || time(NULL) - o->written < PROC_OWNER_STALE_S;
	if (*o->boot && *proc_boot_id() && strcmp(o->boot, proc_boot_id()))
		return 0;
	return proc_alive(o->pid, o->start);
}

/* ---- PID files ---------------------------------------------------------- */

/* The record in path, with its mtime; an empty file is -BOSUN_EDATA. */
static int read_record(struct proc_owner *o, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int r;

	if ((r = fs_read_file(&sb, path, RECORD_CAP)) < 0)
		goto out;
	if ((r = proc_owner_parse(o, sb.buf)) < 0) {
		r = error_prefix("'%s'", path);
		goto out;
	}
	o->written = stat(path, &st) == 0 ? st.st_mtime : 0;
out:
	strbuf_release(&sb);
	return r;
}

int pidfile_read(struct proc_owner *o, const char *path)
{
	return read_record(o, path);
}

int pidfile_claim(struct lockfile *lk, const char *path, struct proc_owner *holder,
		  int timeout_ms)
{
	struct proc_owner o;
	int r;

	if ((r = owner_lock_acquire(lk, path, timeout_ms)) < 0)
		return r;
	if (read_record(&o, path) == 0 && proc_owner_alive(&o)) {
		*holder = o;
		lock_rollback(lk);
		return error_set(BOSUN_EBUSY, "'%s' names process %d, which is running",
				 path, (int)o.pid);
	}
	error_clear();
	return 0;
}

int pidfile_commit(struct lockfile *lk, pid_t pid)
{
	struct strbuf sb = STRBUF_INIT;
	struct proc_owner o;
	int r;

	if ((r = proc_owner_of(&o, pid)) < 0)
		goto out;
	proc_owner_format(&sb, &o);
	/* The lock holds the claimer's record: replace it by the owner's. */
	if (ftruncate(lk->fd, 0) < 0 || lseek(lk->fd, 0, SEEK_SET) < 0) {
		r = error_errno(BOSUN_EIO, "cannot write '%s'", lk->lock_path);
		goto out;
	}
	if ((r = lock_write(lk, sb.buf, sb.len)) < 0)
		goto out;
	r = lock_commit(lk);
out:
	if (r < 0)
		lock_rollback(lk);
	strbuf_release(&sb);
	return r;
}

void pidfile_release(const char *path)
{
	struct proc_owner o, me;

	if (read_record(&o, path) == 0 && proc_owner_of(&me, getpid()) == 0 &&
	    o.pid == me.pid && o.start == me.start)
		unlink(path);
	error_clear();
}

/* ---- owner locks -------------------------------------------------------- */

/* A lock whose owner is dead, or that has held no record for too long. */
static int lock_is_stale(const char *lock_path, struct strbuf *content)
{
	struct proc_owner o;
	struct stat st;

	strbuf_reset(content);
	if (fs_read_file(content, lock_path, RECORD_CAP) < 0 ||
	    stat(lock_path, &st) < 0) {
		error_clear();
		return 0;
	}
	if (proc_owner_parse(&o, content->buf) < 0) {
		error_clear();
		return st.st_mtime + OWNER_LOCK_EMPTY_STALE_S < time(NULL);
	}
	o.written = st.st_mtime;
	return !proc_owner_alive(&o);
}

/*
 * Move a stale lock aside, and put it back if it turned out to be a new
 * one that another process took in between: only a lock with the content
 * we judged stale is removed. Returns 1 when it was removed.
 */
static int take_over(const char *lock_path)
{
	struct strbuf content = STRBUF_INIT, aside = STRBUF_INIT, now = STRBUF_INIT;
	int ok = 0;

	if (!lock_is_stale(lock_path, &content))
		goto out;
	strbuf_addf(&aside, "%s.stale.%d", lock_path, (int)getpid());
	if (rename(lock_path, aside.buf) < 0)
		goto out;
	if (fs_read_file(&now, aside.buf, RECORD_CAP) == 0 && !strcmp(now.buf, content.buf)) {
		unlink(aside.buf);
		ok = 1;
	} else if (link(aside.buf, lock_path) == 0 || errno == EEXIST) {
		unlink(aside.buf);
	}
	error_clear();
out:
	strbuf_release(&content);
	strbuf_release(&aside);
	strbuf_release(&now);
	return ok;
}

int owner_lock_take_over(const char *lock_path)
{
	return take_over(lock_path);
}

static int write_own_record(struct lockfile *lk)
{
	struct strbuf sb = STRBUF_INIT;
	struct proc_owner me;
	int r;

	if ((r = proc_owner_of(&me, getpid())) == 0) {
		proc_owner_format(&sb, &me);
		r = lock_write(lk, sb.buf, sb.len);
	}
	if (r < 0)
		lock_rollback(lk);
	strbuf_release(&sb);
	return r;
}

int owner_lock_acquire(struct lockfile *lk, const char *path, int timeout_ms)
{
	long long deadline = time_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct strbuf lock_path = STRBUF_INIT;
	int r;

	strbuf_addf(&lock_path, "%s.lock", path);
	for (;;) {
		long long left = deadline - time_mono_ms();

		r = lock_acquire(lk, path, 0);
		if (r != -BOSUN_EBUSY)
			break;
		/* A dead owner's lock goes at once; a live one is waited for,
		 * a step at a time, in case it dies meanwhile. */
		if (take_over(lk->lock_path ? lk->lock_path : lock_path.buf))
			continue;
		if (left <= 0)
			break;
		error_clear();
		r = lock_acquire(lk, path, left < OWNER_LOCK_STEP_MS ? (int)left :
				 OWNER_LOCK_STEP_MS);
		if (r != -BOSUN_EBUSY)
			break;
		error_clear();
	}
	if (r >= 0)
		r = write_own_record(lk);
	strbuf_release(&lock_path);
	return r;
}

/* Poll until o has ended or ms have passed; 1 when it has ended. */
static int wait_gone(const struct proc_owner *o, long long ms)
{
	long long until = time_mono_ms() + ms;

	while (proc_owner_alive(o)) {
		if (time_mono_ms() >= until)
			return 0;
		time_sleep_ms(20);
	}
	return 1;
}

int proc_owner_stop(const struct proc_owner *o, int grace_ms, int kill_ms,
		    long long *waited_ms)
{
	long long t0 = time_mono_ms();
	int r = 0;

	kill(o->pid, SIGTERM);
	if (!wait_gone(o, grace_ms)) {
		r = 1;
		kill(o->pid, SIGKILL);
		if (!wait_gone(o, kill_ms))
			r = error_set(BOSUN_EBUSY, "pid %d still runs %d ms after SIGTERM "
				      "and SIGKILL", (int)o->pid, grace_ms + kill_ms);
	}
	*waited_ms = time_mono_ms() - t0;
	return r;
}
