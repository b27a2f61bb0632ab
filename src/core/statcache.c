/*
 * statcache.c - stat stamps and the racy rule; see statcache.h.
 */
#include "core/statcache.h"

#include <stdio.h>
#include <string.h>

/* File systems without nanoseconds keep whole seconds, FAT even ones. */
#define COARSE_TICK 2000000000LL

long long stat_ns(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

long long statcache_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return stat_ns(&ts);
}

long long statcache_ref(long long ref, const struct stat *st)
{
	if (!st->st_mtim.tv_nsec && !st->st_ctim.tv_nsec)
		ref -= ref % COARSE_TICK;
	return ref;
}

int stat_racy(const struct stat *st, long long ref)
{
	ref = statcache_ref(ref, st);
	return stat_ns(&st->st_mtim) >= ref || stat_ns(&st->st_ctim) >= ref;
}

void stat_stamp_take(struct stat_stamp *s, const struct stat *st, long long ref)
{
	memset(s, 0, sizeof(*s));
	s->set = 1;
	s->size = (long long)st->st_size;
	s->mtime = stat_ns(&st->st_mtim);
	s->ctime = stat_ns(&st->st_ctim);
	s->ino = (long long)st->st_ino;
	s->ref = ref;
}

int stat_stamp_matches(const struct stat_stamp *s, const struct stat *st)
{
	return s->set && (long long)st->st_size == s->size &&
	       (long long)st->st_ino == s->ino &&
	       stat_ns(&st->st_mtim) == s->mtime && stat_ns(&st->st_ctim) == s->ctime;
}

int stat_stamp_trusted(const struct stat_stamp *s)
{
	return s->mtime < s->ref && s->ctime < s->ref;
}

/* Two lanes of a strong 64-bit mixer (splitmix64's finalizer), each fed
 * every word differently: a change must collide in both to go unseen. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void fold(struct stat_digest *d, uint64_t w)
{
	d->a = mix(d->a ^ w);
	d->b = mix((d->b + w) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL);
}

void stat_digest_init(struct stat_digest *d)
{
	d->a = 0x243f6a8885a308d3ULL;
	d->b = 0x13198a2e03707344ULL;
}

void stat_digest_add(struct stat_digest *d, const struct stat *st, int err)
{
	if (!st) {
		fold(d, 0xffffffff00000000ULL | (uint32_t)err);
		return;
	}
	fold(d, (uint64_t)st->st_mode);
	fold(d, (uint64_t)st->st_size);
	fold(d, (uint64_t)st->st_ino);
	fold(d, (uint64_t)stat_ns(&st->st_mtim));
	fold(d, (uint64_t)stat_ns(&st->st_ctim));
}

void stat_digest_bytes(struct stat_digest *d, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t w = 0;
	size_t i;

	fold(d, (uint64_t)len);
	for (i = 0; i < len; i++) {
		w = w << 8 | b[i];
		if (i % 8 == 7) {
			fold(d, w);
			w = 0;
		}
	}
	if (len % 8)
		fold(d, w);
}

void stat_digest_hex(const struct stat_digest *d, char *hex)
{
	snprintf(hex, STAT_DIGEST_HEX + 1, "%016llx%016llx", (unsigned long long)d->a,
		 (unsigned long long)d->b);
}
