/*
 * test_sync.c - lib/sync's pure parts: how a failed push is classed (from
 * git's own words) and the jittered backoff. The pushes themselves are in
 * tests/cli/t5100-sync.sh and t5110-sync-agents.sh, against real remotes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/sync/sync.h"

static void classify__non_fast_forward_is_the_only_retry(void **state)
{
	(void)state;
	assert_string_equal(sync_classify("To ../r.git\n!\trefs/heads/main:refs/heads/main\t"
					  "[rejected] (fetch first)\nDone\n", ""), "nff");
	assert_string_equal(sync_classify("!\trefs/heads/a:refs/heads/a\t[rejected] "
					  "(non-fast-forward)\n", "hint: ..."), "nff");
	assert_string_equal(sync_classify("!\trefs/heads/main:refs/heads/main\t[remote "
					  "rejected] (pre-receive hook declined)\n",
					  "remote: no\n"), "rejected");
	assert_string_equal(sync_classify("!\trefs/heads/main:refs/heads/main\t"
					  "[rejected] (stale info)\n", ""), "rejected");
}

static void classify__auth_before_network(void **state)
{
	(void)state;
	assert_string_equal(sync_classify("", "fatal: could not read Username for "
					  "'http://127.0.0.1:5': terminal prompts disabled\n"),
			    "auth");
	assert_string_equal(sync_classify("", "fatal: unable to access 'https://x/': "
					  "The requested URL returned error: 403\n"), "auth");
	assert_string_equal(sync_classify("", "git@x: Permission denied (publickey).\n"
					  "fatal: Could not read from remote repository.\n"),
			    "auth");
	assert_string_equal(sync_classify("", "fatal: unable to access 'http://127.0.0.1:9/':"
					  " Failed to connect to 127.0.0.1 port 9: Connection "
					  "refused\n"), "network");
	assert_string_equal(sync_classify("", "fatal: '../nope.git' does not appear to be "
					  "a git repository\n"), "network");
	assert_string_equal(sync_classify("", "ssh: Could not resolve hostname x\n"),
			    "network");
	assert_string_equal(sync_classify("", "error: src refspec x does not match any\n"),
			    "failed");
	assert_string_equal(sync_classify(NULL, NULL), "failed");
}

static void backoff__doubles_to_the_cap_with_jitter_in_the_upper_half(void **state)
{
	struct sync_opts o = SYNC_OPTS_INIT;

	(void)state;
	assert_int_equal(sync_backoff_ms(&o, 1, 0.0), 1000);
	assert_int_equal(sync_backoff_ms(&o, 1, 0.999999), 1999);
	assert_int_equal(sync_backoff_ms(&o, 2, 0.0), 2000);
	assert_int_equal(sync_backoff_ms(&o, 3, 0.5), 6000);
	assert_int_equal(sync_backoff_ms(&o, 4, 0.0), 8000);
	assert_int_equal(sync_backoff_ms(&o, 5, 0.0), 15000);
	assert_int_equal(sync_backoff_ms(&o, 50, 0.0), 15000);
	assert_true(sync_backoff_ms(&o, 50, 0.999) < 30000);
	o.backoff_ms = 10;
	o.backoff_max_ms = 40;
	assert_int_equal(sync_backoff_ms(&o, 9, 0.0), 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify__non_fast_forward_is_the_only_retry),
		cmocka_unit_test(classify__auth_before_network),
		cmocka_unit_test(backoff__doubles_to_the_cap_with_jitter_in_the_upper_half),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
