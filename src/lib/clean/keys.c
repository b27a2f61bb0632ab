/*
 * keys.c - the configuration keys of bosun clean (clean.*); src/cmd/keys.c
 * hands them to config_load().
 */
#include "lib/clean/clean.h"

#include "core/error.h"
#include "lib/config/config.h"

static int check_nonneg(const json_t *v, struct strbuf *why)
{
	if (json_integer_value(v) >= 0)
		return 0;
	strbuf_addstr(why, "must be 0 or more");
	return -1;
}

static int check_size(const json_t *v, struct strbuf *why)
{
	long long n;
	const char *s = json_string_value(v);

	if (!s || !*s || clean_parse_size(s, &n) == 0)
		return 0;
	error_clear();
	strbuf_addstr(why, "must be a size such as 500M or 2G, or empty");
	return -1;
}

const struct config_key clean_config_keys[] = {
	{ "clean.older_days", CFG_INT, "14",
	  "days after which cache files and finished watchers' status go (--older)",
	  check_nonneg },
	{ "clean.logs_keep", CFG_INT, "2",
	  "rotated files of bosun's log kept (bosun.log.1 ... .N)", check_nonneg },
	{ "clean.budget", CFG_STRING, "\"\"",
	  "most disk bosun's cache, logs, status and backups may use (--budget); empty: no limit",
	  check_size },
	{ NULL, 0, NULL, NULL, NULL },
};
