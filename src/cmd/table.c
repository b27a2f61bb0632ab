/*
 * table.c - the one list of bosun's command groups. A group lives in
 * src/cmd/<group>.c and exports one struct cmd_entry; groups whose sources
 * are built (src/lib/<group>/meson.build) are listed. Their domains' tables
 * of configuration keys are listed beside, in keys.c.
 */
#include "bosun-config.h"
#include "cmd/common.h"

extern const struct cmd_entry cmd_version;
extern const struct cmd_entry cmd_changelog;
extern const struct cmd_entry cmd_commit;
extern const struct cmd_entry cmd_release;
extern const struct cmd_entry cmd_agents;
extern const struct cmd_entry cmd_hooks;
extern const struct cmd_entry cmd_scan;
extern const struct cmd_entry cmd_deploy;
extern const struct cmd_entry cmd_sync;
extern const struct cmd_entry cmd_merge_driver;
extern const struct cmd_entry cmd_config;
extern const struct cmd_entry cmd_migrate;
extern const struct cmd_entry cmd_generate;
extern const struct cmd_entry cmd_work;
extern const struct cmd_entry cmd_logs;
extern const struct cmd_entry cmd_clean;
extern const struct cmd_entry cmd_doctor;
extern const struct cmd_entry cmd_backup;
extern const struct cmd_entry cmd_restore;
extern const struct cmd_entry cmd_monitor;

const struct cmd_entry *const cmd_table[] = {
	&cmd_version,
	&cmd_changelog,
	&cmd_commit,
	&cmd_release,
#ifdef BOSUN_HAVE_AGENTS
	&cmd_agents,
#endif
#ifdef BOSUN_HAVE_HOOKS
	&cmd_hooks,
#endif
#ifdef BOSUN_HAVE_SCAN
	&cmd_scan,
#endif
#ifdef BOSUN_HAVE_DEPLOY
	&cmd_deploy,
#endif
#ifdef BOSUN_HAVE_WORK
	&cmd_work,
#endif
#ifdef BOSUN_HAVE_SYNC
	&cmd_sync,
#endif
#ifdef BOSUN_HAVE_MERGE
	&cmd_merge_driver,
#endif
#ifdef BOSUN_HAVE_LOGS
	&cmd_logs,
#endif
#ifdef BOSUN_HAVE_CLEAN
	&cmd_clean,
#endif
#ifdef BOSUN_HAVE_DOCTOR
	&cmd_doctor,
#endif
#ifdef BOSUN_HAVE_BACKUP
	&cmd_backup,
	&cmd_restore,
#endif
#ifdef BOSUN_HAVE_MONITOR
	&cmd_monitor,
#endif
	&cmd_config,
	&cmd_migrate,
	&cmd_generate,  /* hidden: man pages and completions at build time */
	NULL,
};
