/*
 * time.c - clocks and sleeps; see time.h.
 */
#include "core/time.h"

#include <errno.h>
#include <time.h>

static long long ms_of(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long time_mono_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

long long time_wall_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}

long long time_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * An absolute deadline makes the retry after EINTR exact: the time spent in
 * the handler counts, where a relative sleep restarted with the remainder
 * would drift.
 */
int time_sleep_until(long long deadline_ms, const volatile sig_atomic_t *stop)
{
	struct timespec ts;
	int r;

	ts.tv_sec = (time_t)(deadline_ms / 1000);
	ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
	if (deadline_ms < 0)
		return stop && *stop;
	do {
		if (stop && *stop)
			return 1;
		r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	} while (r == EINTR);
	return stop && *stop;
}

void time_sleep_ms(long long ms)
{
	if (ms > 0)
		time_sleep_until(time_mono_ms() + ms, NULL);
}
