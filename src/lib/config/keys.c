/*
 * keys.c - the configuration module's own keys (config.h): how much the log
 * records. Every other key is in its domain's table (lib/<domain>/keys.c).
 */
#include "lib/config/config.h"

#include "core/log.h"

static int check_level(const json_t *v, struct strbuf *why)
{
	const char *s = json_string_value(v);

	if (log_level_parse(s) >= 0)
		return 0;
	strbuf_addf(why, "must be one of debug, info, warn or error, not '%s'", s);
	return -1;
}

const struct config_key config_core_keys[] = {
	{ "log.level", CFG_STRING, "\"info\"",
	  "least severe log level written: debug, info, warn or error", check_level },
	{ NULL, 0, NULL, NULL, NULL },
};
