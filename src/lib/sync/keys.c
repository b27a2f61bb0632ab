/*
 * keys.c - the configuration keys of bosun sync (sync.*); src/cmd/keys.c
 * hands them to config_load(). docs/sync.md says what each does.
 */
#include "lib/sync/sync.h"

#include "core/strbuf.h"

#include <jansson.h>

static int check_attempts(const json_t *v, struct strbuf *why)
{
	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= 100)
		return 0;
	strbuf_addstr(why, "must be a whole number of pushes from 1 to 100");
	return -1;
}

const struct config_key sync_config_keys[] = {
	{ "sync.attempts", CFG_INT, "5",
	  "pushes in all when the remote keeps moving (non-fast-forward)",
	  check_attempts },
	{ "sync.backoff", CFG_DURATION, "2000",
	  "the wait before the second push; it doubles for each next one (jittered)" },
	{ "sync.backoff_max", CFG_DURATION, "30000",
	  "the longest wait between two pushes" },
	{ "sync.wait", CFG_DURATION, "600000",
	  "how long bosun sync waits for other syncs of the repository to push" },
	{ NULL, 0, NULL, NULL, NULL },
};
