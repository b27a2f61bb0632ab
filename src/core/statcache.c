/*
 * statcache.c - stat stamps and the racy rule; see statcache.h.
 */
#include "core/statcache.h"

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
