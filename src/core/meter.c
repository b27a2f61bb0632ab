/*
 * meter.c - counts read by another thread (meter.h): atomics only.
 */
#include "core/meter.h"

#include <stddef.h>

void meter_phase(struct meter *m, const char *phase, uint64_t total,
		 uint64_t bytes_total)
{
	if (!m)
		return;
	__atomic_store_n(&m->done, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&m->bytes, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&m->total, total, __ATOMIC_RELAXED);
	__atomic_store_n(&m->bytes_total, bytes_total, __ATOMIC_RELAXED);
	__atomic_store_n(&m->phase, phase, __ATOMIC_RELEASE);
}

void meter_add(struct meter *m, uint64_t n, uint64_t bytes)
{
	if (!m)
		return;
	__atomic_add_fetch(&m->done, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->bytes, bytes, __ATOMIC_RELAXED);
}

void meter_set(struct meter *m, uint64_t done, uint64_t bytes)
{
	if (!m)
		return;
	__atomic_store_n(&m->done, done, __ATOMIC_RELAXED);
	__atomic_store_n(&m->bytes, bytes, __ATOMIC_RELAXED);
}

void meter_read(const struct meter *m, struct meter *out)
{
	out->phase = __atomic_load_n(&m->phase, __ATOMIC_ACQUIRE);
	out->done = __atomic_load_n(&m->done, __ATOMIC_RELAXED);
	out->total = __atomic_load_n(&m->total, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&m->bytes, __ATOMIC_RELAXED);
	out->bytes_total = __atomic_load_n(&m->bytes_total, __ATOMIC_RELAXED);
}
