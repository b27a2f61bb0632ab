/*
 * parallel.h - run a function over 0..n-1 on a few threads.
 *
 * The function must touch only what item i owns (and read shared data);
 * it reports a failure as any function does (error_set(), a negative
 * return). Worker threads run with every signal blocked, so signals go to
 * the calling thread as before.
 */
#ifndef BOSUN_CORE_PARALLEL_H
#define BOSUN_CORE_PARALLEL_H

#include <stddef.h>

/*
 * Call fn(data, i) for every i in [0, n), on up to the number of online
 * CPUs (at most 8) threads, the caller's among them; one thread when n is
 * below min_per_thread * 2. Returns 0, or the failure of the lowest i that
 * failed (its kind and message, as this thread's error); every item is
 * still run.
 */
int parallel_for(size_t n, size_t min_per_thread,
		 int (*fn)(void *data, size_t i), void *data);

#endif
