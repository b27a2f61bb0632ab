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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_CAP 512
#define OWNER_LOCK_STEP_MS 200

/* ---- processes ---------------------------------------------------------- */

int proc_start_time(pid_t pid, unsigned long long *out)
{
	char path[64], buf[2048], *p, *end;
	unsigned long long start;
	ssize_t n;
	int fd, field;

	if (pid <= 0)
		return error_set(BOSUN_ENOTFOUND, "no process %d", (int)pid);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT || errno == ESRCH ?
			error_set(BOSUN_ENOTFOUND, "no process %d", (int)pid) :
			error_errno(BOSUN_EDATA, "cannot read '%s'", path);
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return error_set(BOSUN_ENOTFOUND, "no process %d", (int)pid);
	buf[n] = '\0';
	/* The name (field 2) may hold spaces and ')': field 3 follows the last
	 * ')'. It is the state: a zombie (Z) or dead task (X) has ended, even
	 * while its parent has not reaped it yet. */
	p = strrchr(buf, ')');
	if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return error_set(BOSUN_ENOTFOUND, "process %d has ended", (int)pid);
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return error_set(BOSUN_EDATA, "cannot parse '%s'", path);
	errno = 0;
	start = strtoull(p + 1, &end, 10);
	if (end == p + 1 || errno)
		return error_set(BOSUN_EDATA, "cannot parse '%s'", path);
	*out = start;
	return 0;
}

int proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;

	if (proc_start_time(pid, &now) < 0) {
		error_clear();
		return 0;
	}
	return now == start;
}

/* ---- owner records ------------------------------------------------------ */

/* Read once: neither changes while the process runs. */
static const char *boot_id(void)
{
	static char id[40];
	static int done;
	struct strbuf sb = STRBUF_INIT;

	if (!done) {
		if (fs_read_file(&sb, "/proc/sys/kernel/random/boot_id", 64) == 0) {
			strbuf_trim(&sb);
			if (sb.len < sizeof(id) && !strchr(sb.buf, ' '))
				memcpy(id, sb.buf, sb.len + 1);
		}
		error_clear();
		strbuf_release(&sb);
		done = 1;
	}
	return id;
}

static const char *host_name(void)
{
	static char host[256];
	static int done;
	size_t i;

	if (!done) {
		if (gethostname(host, sizeof(host)) < 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		/* One word in the record. */
		for (i = 0; host[i]; i++)
			if (host[i] == ' ' || host[i] == '\n')
				host[i] = '_';
		done = 1;
	}
	return host;
}

int proc_owner_of(struct proc_owner *o, pid_t pid)
{
	unsigned long long start;
	int r;

	if ((r = proc_start_time(pid, &start)) < 0)
		return r;
	memset(o, 0, sizeof(*o));
	o->pid = pid;
	o->start = start;
	memcpy(o->boot, boot_id(), strlen(boot_id()) + 1);
	memcpy(o->host, host_name(), strlen(host_name()) + 1);
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
	if (*o->host && strcmp(o->host, host_name()))
		return !o->written || time(NULL) - o->written < PROC_OWNER_STALE_S;
	if (*o->boot && *boot_id() && strcmp(o->boot, boot_id()))
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
