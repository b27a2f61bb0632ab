/*
 * proc.h - what /proc says about a process: when it started, whether it
 * still runs, which boot and host this is.
 *
 *	unsigned long long start;
 *	if (proc_start_time(pid, &start) == 0)	// field 22 of /proc/PID/stat
 *		record(pid, start);
 *	...
 *	if (proc_alive(pid, start))		// 1: running, that very process
 *
 * Is a process alive? proc_alive() is the one test everyone uses. A zombie
 * is dead (it has ended; only its parent has not reaped it yet), and so is
 * a process whose start time cannot be read; a PID now held by another
 * process (another start time) is not the one recorded. Owner records and
 * PID files built on this are in pidfile.h.
 */
#ifndef BOSUN_CORE_PROC_H
#define BOSUN_CORE_PROC_H

#include <sys/types.h>

/* pid's start time in clock ticks after boot: 0, or -BOSUN_ENOTFOUND
 * (recorded) when no such process runs (a zombie has ended), -BOSUN_EDATA
 * when /proc/PID/stat cannot be read or parsed. */
int proc_start_time(pid_t pid, unsigned long long *out);
/* 1 when pid runs and started at start; else 0. */
int proc_alive(pid_t pid, unsigned long long start);
/* 1 when another process named comm (as /proc/PID/comm says; NULL: any
 * name) works in dir (its cwd), else 0: for a caller that took over from
 * a killed process and waits for the children it left behind to end. */
int proc_any_in_dir(const char *dir, const char *comm);
/* Another process that has path (absolute, as /proc/PID/fd shows it) open:
 * its PID, or 0. For a caller that must tell a lock file another program
 * is writing from one whose writer was killed. */
pid_t proc_holding_open(const char *path);
/* The nearest of this process's parent and up to depth - 1 further
 * ancestors whose name (/proc/PID/comm) is comm: its PID, or 0. */
pid_t proc_ancestor_named(const char *comm, int depth);
/* /proc/sys/kernel/random/boot_id, "" when unknown; read once. */
const char *proc_boot_id(void);
/* gethostname(), spaces made '_', "" when unknown; read once. */
const char *proc_host_name(void);

#endif
