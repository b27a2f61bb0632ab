/*
 * keys.c - the configuration keys of bosun doctor (doctor.*); src/cmd/keys.c
 * hands them to config_load().
 */
#include "lib/doctor/doctor.h"

#include <string.h>

/* doctor.deprecated: [{path, until: YYYY-MM-DD, reason}]. */
static int check_deprecated(const json_t *v, struct strbuf *why)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v)) {
		strbuf_addstr(why, "must be a list of {path, until, reason}");
		return -1;
	}
	json_array_foreach(v, i, e) {
		const char *until = json_string_value(json_object_get(e, "until"));
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *key;
		json_t *x;

		if (!json_is_object(e) || !path || !*path) {
			strbuf_addf(why, "[%zu] must be a mapping with a path", i);
			return -1;
		}
		json_object_foreach((json_t *)e, key, x) {
			if (strcmp(key, "path") && strcmp(key, "until") && strcmp(key, "reason")) {
				strbuf_addf(why, "[%zu].%s: unknown key (path, until, reason)",
					    i, key);
				return -1;
			}
			if (!json_is_string(x)) {
				strbuf_addf(why, "[%zu].%s must be a string", i, key);
				return -1;
			}
		}
		if (until && (strlen(until) != 10 || until[4] != '-' || until[7] != '-' ||
			      strspn(until, "0123456789-") != 10)) {
			strbuf_addf(why, "[%zu].until must be a date YYYY-MM-DD", i);
			return -1;
		}
	}
	return 0;
}

static int check_timeout(const json_t *v, struct strbuf *why)
{
	if (json_integer_value(v) < 10 || json_integer_value(v) > 600000) {
		strbuf_addstr(why, "must be between 10 ms and 10 minutes");
		return -1;
	}
	return 0;
}

const struct config_key doctor_config_keys[] = {
	{ "doctor.timeout", CFG_DURATION, "500",
	  "hard timeout of each program doctor runs (--version, --help), in ms",
	  check_timeout },
	{ "doctor.deprecated", CFG_JSON, "[]",
	  "scripts on their way out: [{path, until: YYYY-MM-DD, reason}]",
	  check_deprecated },
	{ NULL, 0, NULL, NULL, NULL },
};
