/*
 * keys.c - the configuration keys of bosun backup (backup.*); src/cmd/keys.c
 * hands them to config_load(). docs/backup.md says what each does; the
 * retention keys are read by bosun clean, which alone removes archives.
 */
#include "lib/backup/backup.h"

#include "core/strbuf.h"

#include <jansson.h>

static int check_keep(const json_t *v, struct strbuf *why)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return 0;
	strbuf_addstr(why, "must be a whole number, 0 or more (0: no limit)");
	return -1;
}

const struct config_key backup_config_keys[] = {
	{ "backup.dir", CFG_STRING, "\"\"",
	  "the archives' folder; empty: backups/<repo>-<hash> in bosun's state folder" },
	{ "backup.keep", CFG_INT, "10",
	  "archives bosun clean keeps, newest first (0: no limit)", check_keep },
	{ "backup.keep_days", CFG_INT, "30",
	  "days bosun clean keeps an archive (0: no limit)", check_keep },
	{ NULL, 0, NULL, NULL, NULL },
};
