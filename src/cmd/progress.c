/*
 * progress.c - the progress line (progress.h): a thread that wakes every
 * period, asks for the text and draws it with one write(2).
 */
#include "cmd/progress.h"

#include "cmd/common.h"
#include "core/alloc.h"
#include "core/meter.h"
#include "core/sigchain.h"
#include "core/time.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_DELAY_MS 500
#define PROGRESS_PERIOD_MS 100
#define PROGRESS_NARROWEST 10

struct progress {
	const char *title;
	const struct meter *meter;
	const char *unit;
	progress_text_fn *fn;
	void *data;
	long long delay_ms, period_ms;
	int test;                 /* BOSUN_TEST_PROGRESS_MS */
	long long t0;
	pthread_t thread;
	pthread_mutex_t lock;     /* stop, a draw, a pause */
	pthread_cond_t wake;
	int stop;
	struct strbuf last;       /* the text drawn last (the thread's) */
};

/* Whether a line is on the screen now, for the signal handler. One
 * progress runs at a time: `running` says whether one does. */
static volatile sig_atomic_t shown;
static int running;
/* The handler and a draw on the other thread, Dekker's way (sequentially
 * consistent atomics): either the draw sees `dying` and writes nothing,
 * or the handler sees `drawing` and waits for the write to end before it
 * wipes the line. */
static int dying, drawing;

static const char wipe[] = "\r\033[K";

static void on_signal(int sig)
{
	int i;

	__atomic_store_n(&dying, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 1000 && __atomic_load_n(&drawing, __ATOMIC_SEQ_CST); i++)
		time_sleep_ms(1);
	if (shown) {
		ssize_t w = write(STDERR_FILENO, wipe, sizeof(wipe) - 1);

		(void)w;
		shown = 0;
	}
	sigchain_pop(sig);
	raise(sig);
}

void progress_add_bytes(struct strbuf *sb, uint64_t bytes)
{
	if (bytes < 1000)
		strbuf_addf(sb, "%llu B", (unsigned long long)bytes);
	else if (bytes < 1000000)
		strbuf_addf(sb, "%.1f kB", (double)bytes / 1e3);
	else if (bytes < 1000000000)
		strbuf_addf(sb, "%.1f MB", (double)bytes / 1e6);
	else
		strbuf_addf(sb, "%.2f GB", (double)bytes / 1e9);
}

/* "file" -> "files", "branch" -> "branches". */
static void add_unit(struct strbuf *sb, const char *unit, uint64_t n)
{
	size_t len = strlen(unit);

	strbuf_addf(sb, " %s", unit);
	if (n == 1)
		return;
	if ((len > 2 && !strcmp(unit + len - 2, "ch")) || unit[len - 1] == 's')
		strbuf_addstr(sb, "es");
	else
		strbuf_addch(sb, 's');
}

/* "phase, 3 of 40 files, 1.2 MB of 9.0 MB": what is known of it. */
static void meter_text(struct strbuf *sb, struct progress *p)
{
	struct meter m;
	size_t start = sb->len;

	meter_read(p->meter, &m);
	if (m.phase)
		strbuf_addstr(sb, m.phase);
	if (m.done || m.total) {
		strbuf_addf(sb, "%s%llu", sb->len > start ? ", " : "",
			    (unsigned long long)m.done);
		if (m.total)
			strbuf_addf(sb, " of %llu", (unsigned long long)m.total);
		if (p->unit)
			add_unit(sb, p->unit, m.total ? m.total : m.done);
	}
	if (m.bytes || m.bytes_total) {
		strbuf_addstr(sb, sb->len > start ? ", " : "");
		progress_add_bytes(sb, m.bytes);
		if (m.bytes_total) {
			strbuf_addstr(sb, " of ");
			progress_add_bytes(sb, m.bytes_total);
		}
	}
}

/* The text, cut to the width of the terminal less one column (a line as
 * wide as the terminal wraps on some), without control bytes. */
static void compose(struct strbuf *sb, struct progress *p)
{
	struct winsize ws;
	size_t width = 80, i, start;

	strbuf_reset(sb);
	strbuf_addf(sb, "%s: ", p->title);
	start = sb->len;
	if (p->fn)
		p->fn(sb, p->data);
	else
		meter_text(sb, p);
	if (sb->len == start)
		strbuf_setlen(sb, start - 2);
	strbuf_addf(sb, " (%llds)", (time_mono_ms() - p->t0) / 1000);
	for (i = 0; i < sb->len; i++)
		if ((unsigned char)sb->buf[i] < 0x20 || (unsigned char)sb->buf[i] >= 0x7f)
			sb->buf[i] = '?';
	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		width = ws.ws_col;
	if (width < PROGRESS_NARROWEST)
		strbuf_reset(sb);
	else if (sb->len > width - 1)
		strbuf_setlen(sb, width - 1);
}

static void put(const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(STDERR_FILENO, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

static void draw(struct progress *p)
{
	struct strbuf text = STRBUF_INIT, out = STRBUF_INIT;

	compose(&text, p);
	if (!text.len || (shown && !strcmp(text.buf, p->last.buf)))
		goto out;
	strbuf_addf(&out, "\r%s\033[K", text.buf);
	/* Not after the signal handler wiped the line on the way out. */
	__atomic_store_n(&drawing, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&dying, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&drawing, 0, __ATOMIC_SEQ_CST);
		goto out;
	}
	put(out.buf, out.len);
	shown = 1;
	__atomic_store_n(&drawing, 0, __ATOMIC_SEQ_CST);
	strbuf_reset(&p->last);
	strbuf_addbuf(&p->last, &text);
out:
	strbuf_release(&text);
	strbuf_release(&out);
}

/* Wait until the monotonic deadline or a stop; 1 when stopped. */
static int wait_until(struct progress *p, long long deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000), (long)(deadline % 1000) * 1000000 };
	int stop;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && time_mono_ms() < deadline)
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

static void *run(void *arg)
{
	struct progress *p = arg;
	long long next = p->t0 + p->delay_ms;

	while (!wait_until(p, next)) {
		pthread_mutex_lock(&p->lock);
		draw(p);
		pthread_mutex_unlock(&p->lock);
		next += p->period_ms;
		if (next < time_mono_ms())
			next = time_mono_ms() + p->period_ms;
	}
	return NULL;
}

/* A forked child (a daemon on its way to exec) has no thread and no line:
 * its handler must not wipe a line in the log its stderr now is. */
static void forked(void)
{
	shown = 0;
	running = 0;
	__atomic_store_n(&dying, 1, __ATOMIC_SEQ_CST);
}

static int wanted(const struct bosun_ctx *ctx)
{
	const char *v = getenv("BOSUN_PROGRESS"), *term = getenv("TERM");

	if (ctx->quiet || running || !isatty(STDERR_FILENO))
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return !v || strcmp(v, "0");
}

/* The condition's clock is the monotonic one, as time_mono_ms(). */
static void init_sync(struct progress *p)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
}

static struct progress *start(const struct bosun_ctx *ctx, const char *title,
			      const struct meter *m, const char *unit,
			      progress_text_fn *fn, void *data)
{
	static int pushed;
	const char *env = getenv("BOSUN_TEST_PROGRESS_MS");
	struct progress *p;
	sigset_t all, old;

	if (!wanted(ctx))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->title = title;
	p->meter = m;
	p->unit = unit;
	p->fn = fn;
	p->data = data;
	strbuf_init(&p->last, 0);
	p->period_ms = PROGRESS_PERIOD_MS;
	p->delay_ms = PROGRESS_DELAY_MS;
	if (env && atol(env) > 0) {
		p->test = 1;
		p->period_ms = p->delay_ms = atol(env);
	}
	p->t0 = time_mono_ms();
	init_sync(p);
	/* Pushed once and never popped: a handler pushed later (a lock
	 * file's) would otherwise be the one popped. It does nothing while no
	 * line is shown. */
	if (!pushed && sigchain_push_common(on_signal) >= 0) {
		pushed = 1;
		pthread_atfork(NULL, NULL, forked);
	}
	/* The thread takes no signal: they stay the main thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&p->thread, NULL, run, p)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->wake);
		strbuf_release(&p->last);
		free(p);
		return NULL;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	running = 1;
	return p;
}

struct progress *progress_start(const struct bosun_ctx *ctx, const char *title,
				const struct meter *m, const char *unit)
{
	return start(ctx, title, m, unit, NULL, NULL);
}

struct progress *progress_start_fn(const struct bosun_ctx *ctx, const char *title,
				   progress_text_fn *fn, void *data)
{
	return start(ctx, title, NULL, NULL, fn, data);
}

void progress_pause(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (shown) {
		put(wipe, sizeof(wipe) - 1);
		shown = 0;
	}
}

void progress_resume(struct progress *p)
{
	if (p)
		pthread_mutex_unlock(&p->lock);
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	if (p->test)
		draw(p);
	if (shown) {
		put(wipe, sizeof(wipe) - 1);
		shown = 0;
	}
	running = 0;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	strbuf_release(&p->last);
	free(p);
}
