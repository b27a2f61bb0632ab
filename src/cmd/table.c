/*
 * table.c - the one list of bosun's command groups. A group lives in
 * src/cmd/<group>.c and exports one struct cmd_entry.
 */
#include "cmd/common.h"

extern const struct cmd_entry cmd_version;
extern const struct cmd_entry cmd_changelog;
extern const struct cmd_entry cmd_commit;
extern const struct cmd_entry cmd_release;
extern const struct cmd_entry cmd_config;
extern const struct cmd_entry cmd_migrate;

const struct cmd_entry *const cmd_table[] = {
	&cmd_version,
	&cmd_changelog,
	&cmd_commit,
	&cmd_release,
	&cmd_config,
	&cmd_migrate,
	NULL,
};
