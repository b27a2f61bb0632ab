/*
 * time.h - the clocks and the sleeps, once.
 *
 *	long long t0 = time_mono_ms();		// for durations and deadlines
 *	...
 *	elapsed = time_mono_ms() - t0;
 *
 *	long long now = time_wall_ms();		// for time stamps people read
 *
 *	time_sleep_ms(100);			// the whole 100 ms, signals or not
 *
 *	// Sleep until a deadline, or until a signal handler sets stop:
 *	while (!stop && time_mono_ms() < deadline)
 *		time_sleep_until(deadline, &stop);
 *
 * A duration is measured on the monotonic clock, which no one can set; the
 * wall clock (milliseconds since the epoch) is only for what is written
 * down. Both sleeps go on after a signal interrupts them (EINTR), from
 * where they were, so a signal that only sets a flag does not cut a sleep
 * short; time_sleep_until() returns early when *stop is set instead. All
 * four call only clock_gettime() and clock_nanosleep(), so a signal
 * handler may use them.
 *
 * Durations people write, in config, on the command line and in rules, are
 * read by one grammar:
 *
 *	if (time_parse_duration("1h30m", INT_MAX, &ms) < 0)
 *		... not a duration, or longer than the caller allows
 *
 * A duration is one or more NUMBER UNIT parts ("1h30m", "2d", "1.5s",
 * "250ms"; units ms, s, m, h, d, w), or a bare number of seconds ("90",
 * "0.5"). A fraction is cut to whole milliseconds. No sign, no spaces.
 */
#ifndef BOSUN_CORE_TIME_H
#define BOSUN_CORE_TIME_H

#include <signal.h>

/* Milliseconds on CLOCK_MONOTONIC (since some fixed point: boot). */
long long time_mono_ms(void);
/* Milliseconds since the epoch (CLOCK_REALTIME). */
long long time_wall_ms(void);
/* Microseconds since the epoch, for ids made of a time stamp. */
long long time_wall_us(void);
/* Sleep ms milliseconds (nothing when ms <= 0), retrying after EINTR. */
void time_sleep_ms(long long ms);
/* Sleep until time_mono_ms() reaches deadline_ms, retrying after EINTR
 * unless stop (which may be NULL) is set. Returns 1 when stopped, else 0. */
int time_sleep_until(long long deadline_ms, const volatile sig_atomic_t *stop);
/* Read duration s into *out_ms: 0, or -1 (nothing recorded, *out_ms
 * untouched) when s is not a duration or is longer than max_ms. */
int time_parse_duration(const char *s, long long max_ms, long long *out_ms);

#endif
