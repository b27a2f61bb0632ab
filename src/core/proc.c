/*
 * proc.c - what /proc says about a process; see proc.h.
 */
#include "core/proc.h"

#include "core/error.h"
#include "core/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- processes ---------------------------------------------------------- */

static int comm_is(int pid, const char *comm)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	if (!comm)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, comm);
}

int proc_any_in_dir(const char *dir, const char *comm)
{
	char path[64], *cwd = realpath(dir, NULL), link[4096];
	struct dirent *de;
	DIR *d;
	int found = 0;
	ssize_t n;

	if (!cwd || !(d = opendir("/proc"))) {
		free(cwd);
		return 0;
	}
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    atoi(de->d_name) == (int)getpid() || !comm_is(atoi(de->d_name), comm))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cwd", atoi(de->d_name));
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, cwd);
	}
	closedir(d);
	free(cwd);
	return found;
}

pid_t proc_holding_open(const char *path)
{
	char dirpath[64], fdpath[384], link[4096];
	struct dirent *de, *fe;
	DIR *d, *fds;
	pid_t found = 0;
	size_t pl = strlen(path);
	ssize_t n;

	if (!(d = opendir("/proc")))
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    atoi(de->d_name) == (int)getpid())
			continue;
		snprintf(dirpath, sizeof(dirpath), "/proc/%d/fd", atoi(de->d_name));
		if (!(fds = opendir(dirpath)))
			continue;
		while (!found && (fe = readdir(fds))) {
			if (fe->d_name[0] == '.')
				continue;
			snprintf(fdpath, sizeof(fdpath), "%s/%s", dirpath, fe->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			if (n == (ssize_t)pl && !memcmp(link, path, pl))
				found = (pid_t)atoi(de->d_name);
		}
		closedir(fds);
	}
	closedir(d);
	return found;
}

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

/* pid's parent (field 4 of /proc/PID/stat), or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[2048], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* After the name's last ')': " S PPID ...". */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return 0;
	return (pid_t)atoi(p + 4);
}

pid_t proc_ancestor_named(const char *comm, int depth)
{
	pid_t pid = getppid();

	for (; depth > 0 && pid > 1; depth--, pid = parent_of(pid))
		if (comm_is((int)pid, comm))
			return pid;
	return 0;
}

/* Read once: neither changes while the process runs. */
const char *proc_boot_id(void)
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

const char *proc_host_name(void)
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
