/*
 * time.c - clocks and sleeps; see time.h.
 */
#include "core/time.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
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

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int time_parse_duration(const char *s, long long max_ms, long long *out_ms)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {	/* "ms" before "m" */
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "w", 604800000 },
	};
	const char *p = s;
	long long total = 0;

	if (!s || !*s || max_ms < 0)
		return -1;
	while (*p) {
		const char *start = p;
		long long whole = 0, frac = 0, scale = 1, mult = 0, v;
		size_t i, n;

		if (!is_digit(*p))
			return -1;
		for (; is_digit(*p); p++) {
			if (whole > (LLONG_MAX - 9) / 10)
				return -1;
			whole = whole * 10 + (*p - '0');
		}
		if (*p == '.') {
			if (!is_digit(*++p))
				return -1;
			/* Nine digits are finer than a millisecond already. */
			for (; is_digit(*p); p++)
				if (scale < 1000000000) {
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
		}
		if (!*p && start == s) {
			mult = 1000;		/* a bare number: seconds */
		} else {
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
				n = strlen(units[i].unit);
				if (!strncmp(p, units[i].unit, n)) {
					mult = units[i].ms;
					p += n;
					break;
				}
			}
			if (!mult)
				return -1;
		}
		/* frac < scale <= 1e9 and mult < 1e9: the product fits. */
		if (whole > max_ms / mult)
			return -1;
		v = whole * mult + frac * mult / scale;
		if (v > max_ms - total)
			return -1;
		total += v;
	}
	*out_ms = total;
	return 0;
}
