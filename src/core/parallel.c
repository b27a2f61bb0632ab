/*
 * parallel.c - parallel_for() (parallel.h): items handed out in small
 * chunks from one atomic counter; the first failure by index is kept.
 */
#include "core/parallel.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/strbuf.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS_MAX 8
#define CHUNK 8

struct pool {
	size_t n, next;
	int (*fn)(void *data, size_t i);
	void *data;
	pthread_mutex_t mu;
	/* the failure of the lowest index so far */
	size_t fail_at;
	int fail_kind;
	struct strbuf msg, hint;
};

static void keep_failure(struct pool *p, size_t i)
{
	pthread_mutex_lock(&p->mu);
	if (i < p->fail_at) {
		p->fail_at = i;
		p->fail_kind = error_kind() ? error_kind() : BOSUN_EINTERNAL;
		const char *hint = error_hint_text();

		strbuf_reset(&p->msg);
		strbuf_addstr(&p->msg, error_message());
		strbuf_reset(&p->hint);
		strbuf_addstr(&p->hint, hint ? hint : "");
	}
	pthread_mutex_unlock(&p->mu);
	error_clear();
}

static void run_items(struct pool *p)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, CHUNK, __ATOMIC_RELAXED), end;

		if (i >= p->n)
			return;
		end = i + CHUNK < p->n ? i + CHUNK : p->n;
		for (; i < end; i++)
			if (p->fn(p->data, i) < 0)
				keep_failure(p, i);
	}
}

static void *worker(void *arg)
{
	run_items(arg);
	error_release();
	return NULL;
}

int parallel_for(size_t n, size_t min_per_thread,
		 int (*fn)(void *data, size_t i), void *data)
{
	pthread_t tids[THREADS_MAX];
	struct pool p;
	size_t threads = 1, started = 0, i;
	sigset_t all, old;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int r = 0;

	memset(&p, 0, sizeof(p));
	p.n = n;
	p.fn = fn;
	p.data = data;
	p.fail_at = (size_t)-1;
	strbuf_init(&p.msg, 0);
	strbuf_init(&p.hint, 0);
	pthread_mutex_init(&p.mu, NULL);
	if (min_per_thread < 1)
		min_per_thread = 1;
	if (cpus > 1)
		threads = (size_t)(cpus < THREADS_MAX ? cpus : THREADS_MAX);
	if (threads > n / min_per_thread)
		threads = n / min_per_thread ? n / min_per_thread : 1;
	/* Threads start with the mask in force: all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < threads; i++, started++)
		if (pthread_create(&tids[started], NULL, worker, &p))
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	run_items(&p);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	if (p.fail_at != (size_t)-1) {
		r = error_set(p.fail_kind, "%s", p.msg.buf);
		if (p.hint.len)
			error_hint("%s", p.hint.buf);
	}
	pthread_mutex_destroy(&p.mu);
	strbuf_release(&p.msg);
	strbuf_release(&p.hint);
	return r;
}
