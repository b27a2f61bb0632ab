#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/time.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t ticks, stop;

static void on_alarm(int sig)
{
	(void)sig;
	if (++ticks >= 3)
		stop = 1;
}

/* SIGALRM every 5 ms, handled without SA_RESTART: every sleep is cut. */
static void start_ticks(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	ticks = stop = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void stop_ticks(void)
{
	struct itimerval off;

	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
}

static void mono__never_goes_back(void **state)
{
	long long a, b;
	int i;

	(void)state;
	a = time_mono_ms();
	for (i = 0; i < 1000; i++) {
		b = time_mono_ms();
		assert_true(b >= a);
		a = b;
	}
}

static void wall__is_the_epoch_in_ms(void **state)
{
	long long ms = time_wall_ms();
	long long s = (long long)time(NULL);

	(void)state;
	assert_true(ms / 1000 >= s - 1 && ms / 1000 <= s + 1);
}

static void sleep__whole_duration_despite_signals(void **state)
{
	long long t0;

	(void)state;
	start_ticks();
	t0 = time_mono_ms();
	time_sleep_ms(100);
	stop_ticks();
	assert_true(time_mono_ms() - t0 >= 100);
	assert_true(time_mono_ms() - t0 < 2000);
	assert_true(ticks >= 3);	/* it was interrupted, and went on */
}

static void sleep__nothing_for_zero_or_less(void **state)
{
	long long t0 = time_mono_ms();

	(void)state;
	time_sleep_ms(0);
	time_sleep_ms(-50);
	assert_true(time_mono_ms() - t0 < 20);
}

static void sleep_until__stops_when_flag_set(void **state)
{
	long long t0;
	int r;

	(void)state;
	start_ticks();
	t0 = time_mono_ms();
	r = time_sleep_until(t0 + 5000, &stop);
	stop_ticks();
	assert_int_equal(r, 1);
	assert_true(time_mono_ms() - t0 < 2000);
}

static void sleep_until__deadline_reached(void **state)
{
	static volatile sig_atomic_t never;
	long long t0 = time_mono_ms();

	(void)state;
	assert_int_equal(time_sleep_until(t0 + 30, &never), 0);
	assert_true(time_mono_ms() - t0 >= 30);
	/* A deadline in the past returns at once. */
	assert_int_equal(time_sleep_until(t0 - 1000, NULL), 0);
}

static void wall_us__agrees_with_wall_ms(void **state)
{
	long long ms = time_wall_ms(), us = time_wall_us();

	(void)state;
	assert_true(us / 1000 >= ms && us / 1000 - ms < 1000);
}

/* d(s, max): the duration, or -1. */
static long long d(const char *s, long long max)
{
	long long ms = -7;

	if (time_parse_duration(s, max, &ms) < 0) {
		assert_int_equal(ms, -7);	/* untouched on failure */
		return -1;
	}
	return ms;
}

static void duration__units_parts_and_bare_seconds(void **state)
{
	const long long big = 1LL << 60;

	(void)state;
	assert_int_equal(d("250ms", big), 250);
	assert_int_equal(d("90s", big), 90000);
	assert_int_equal(d("10m", big), 600000);
	assert_int_equal(d("1h30m", big), 5400000);
	assert_int_equal(d("2d", big), 172800000);
	assert_int_equal(d("1w", big), 604800000);
	assert_int_equal(d("1m1ms", big), 60001);
	assert_int_equal(d("90", big), 90000);
	assert_int_equal(d("0", big), 0);
	assert_int_equal(d("1.5s", big), 1500);
	assert_int_equal(d("0.5", big), 500);
	assert_int_equal(d("0.0009s", big), 0);	/* cut to whole ms */
	assert_int_equal(d("1.0000000000000001s", big), 1000);
	assert_int_equal(d("0.25h", big), 900000);
}

static void duration__malformed_and_too_long(void **state)
{
	(void)state;
	assert_int_equal(d("", 1000), -1);
	assert_int_equal(d(NULL, 1000), -1);
	assert_int_equal(d("soon", 1000), -1);
	assert_int_equal(d("-5s", 100000), -1);
	assert_int_equal(d("+5s", 100000), -1);
	assert_int_equal(d("5 s", 100000), -1);
	assert_int_equal(d("5x", 100000), -1);
	assert_int_equal(d("1h30", 1LL << 40), -1);	/* a bare part only alone */
	assert_int_equal(d(".5s", 100000), -1);
	assert_int_equal(d("5.s", 100000), -1);
	assert_int_equal(d("s", 100000), -1);
	assert_int_equal(d("1001ms", 1000), -1);
	assert_int_equal(d("1000ms", 1000), 1000);
	assert_int_equal(d("1s1ms", 1000), -1);
	assert_int_equal(d("99999999999999999999s", 1LL << 62), -1);
	assert_int_equal(d("9999999999999w", 1LL << 62), -1);
	assert_int_equal(d("1s", -1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mono__never_goes_back),
		cmocka_unit_test(wall__is_the_epoch_in_ms),
		cmocka_unit_test(sleep__whole_duration_despite_signals),
		cmocka_unit_test(sleep__nothing_for_zero_or_less),
		cmocka_unit_test(sleep_until__stops_when_flag_set),
		cmocka_unit_test(sleep_until__deadline_reached),
		cmocka_unit_test(wall_us__agrees_with_wall_ms),
		cmocka_unit_test(duration__units_parts_and_bare_seconds),
		cmocka_unit_test(duration__malformed_and_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
