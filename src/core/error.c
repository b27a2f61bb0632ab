#include "core/error.h"

#include "core/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* One error per thread: a worker thread's error is its own until it
 * hands it over (see error_release()). */
static _Thread_local struct strbuf last_msg = STRBUF_INIT;
static _Thread_local struct strbuf last_hint = STRBUF_INIT;
static _Thread_local int last_kind;

static int valid_kind(int kind)
{
	switch (kind) {
	case BOSUN_EFAIL: case BOSUN_EPROGRESS: case BOSUN_ENOTFOUND:
	case BOSUN_EUSAGE: case BOSUN_EDATA: case BOSUN_EUNAVAILABLE:
	case BOSUN_EINTERNAL: case BOSUN_EIO: case BOSUN_EBUSY:
	case BOSUN_ECONFLICT: case BOSUN_EAUTH:
		return 1;
	default:
		return 0;
	}
}

static int vset(int kind, const char *fmt, va_list ap, int with_errno)
	__attribute__((format(printf, 2, 0)));

/* The message is formatted into a buffer of its own first: an argument may
 * be the message recorded so far (error_message()), being replaced. */
static int vset(int kind, const char *fmt, va_list ap, int with_errno)
{
	struct strbuf msg = STRBUF_INIT, old = last_msg;
	int saved = errno;

	if (!valid_kind(kind))
		kind = BOSUN_EINTERNAL;
	strbuf_vaddf(&msg, fmt, ap);
	if (with_errno)
		strbuf_addf(&msg, ": %s", strerror(saved));
	last_msg = msg;
	strbuf_release(&old);
	strbuf_reset(&last_hint);
	last_kind = kind;
	errno = saved;
	return -kind;
}

int error_set(int kind, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vset(kind, fmt, ap, 0);
	va_end(ap);
	return r;
}

int error_errno(int kind, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vset(kind, fmt, ap, 1);
	va_end(ap);
	return r;
}

int error_prefix(const char *fmt, ...)
{
	struct strbuf pre = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&pre, fmt, ap);
	va_end(ap);
	strbuf_addstr(&pre, ": ");
	strbuf_insert(&last_msg, 0, pre.buf, pre.len);
	strbuf_release(&pre);
	if (!last_kind)
		last_kind = BOSUN_EINTERNAL;
	return -last_kind;
}

void error_hint(const char *fmt, ...)
{
	va_list ap;

	if (last_hint.len)
		strbuf_addch(&last_hint, '\n');
	va_start(ap, fmt);
	strbuf_vaddf(&last_hint, fmt, ap);
	va_end(ap);
}

const char *error_message(void)
{
	return last_msg.len ? last_msg.buf : "unknown error";
}

const char *error_hint_text(void)
{
	return last_hint.len ? last_hint.buf : NULL;
}

int error_kind(void)
{
	return last_kind;
}

void error_clear(void)
{
	strbuf_reset(&last_msg);
	strbuf_reset(&last_hint);
	last_kind = 0;
}

void error_release(void)
{
	strbuf_release(&last_msg);
	strbuf_release(&last_hint);
	last_kind = 0;
}

int error_exit_code(int r)
{
	if (r >= 0)
		return r;
	if (valid_kind(-r))
		return -r;
	return last_kind ? last_kind : BOSUN_EINTERNAL;
}
