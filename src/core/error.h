/*
 * error.h - one error contract for core/ and lib/ (after libgit2's giterr).
 *
 * A function that fails records the message once, where the failure is
 * detected, and returns a negative number; callers pass it up unchanged:
 *
 *	if (!f)
 *		return error_errno(BOSUN_EIO, "cannot read '%s'", path);
 *	if ((r = parse(x)) < 0)
 *		return r;
 *
 * error_set() and friends return -kind, so `r == -BOSUN_ENOTFOUND` tests the
 * class. Only src/cmd and main.c read the message (error_message()) and turn
 * the kind into an exit code (error_exit_code()). Messages follow git's style:
 * lowercase, no full stop, subject quoted.
 */
#ifndef BOSUN_CORE_ERROR_H
#define BOSUN_CORE_ERROR_H

/* The kinds are the exit codes of DESIGN.md's table. */
enum bosun_kind {
	BOSUN_OK = 0,
	BOSUN_EFAIL = 1,        /* the checked thing failed */
	BOSUN_EPROGRESS = 2,    /* in progress */
	BOSUN_ENOTFOUND = 3,    /* not found */
	BOSUN_ECONFLICT = 4,    /* a real merge conflict: a person must merge */
	BOSUN_EUSAGE = 64,      /* usage error */
	BOSUN_EDATA = 65,       /* invalid input data */
	BOSUN_EUNAVAILABLE = 69,/* program or service unavailable */
	BOSUN_EINTERNAL = 70,   /* a bug */
	BOSUN_EIO = 74,         /* I/O error */
	BOSUN_EBUSY = 75,       /* a lock is held */
	BOSUN_EAUTH = 77,       /* authentication refused (sysexits' EX_NOPERM) */
};

int error_set(int kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As error_set(), with ": strerror(errno)" appended. */
int error_errno(int kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Put "prefix: " in front of the recorded message; returns -kind. */
int error_prefix(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Append a hint line, shown after the message. */
void error_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *error_message(void);
const char *error_hint_text(void);
int error_kind(void);
void error_clear(void);
/* Clear and free the calling thread's error (before a worker thread ends:
 * each thread has its own). */
void error_release(void);

/* The exit code for a negative return value r (or the recorded kind). */
int error_exit_code(int r);

#endif
