/*
 * keys.c - the one list of the tables of configuration keys, which
 * ctx_config() hands to config_load(). Each domain exports its keys with the
 * checks of their values (lib/<domain>/keys.c); the groups built are listed,
 * as in table.c. This file stands apart from table.c so that the unit tests
 * and fuzz harnesses can load the same keys without linking every command.
 */
#include "bosun-config.h"
#include "cmd/common.h"

#include "lib/agents/agents.h"
#include "lib/backup/backup.h"
#include "lib/clean/clean.h"
#include "lib/config/config.h"
#include "lib/deploy/probe.h"
#include "lib/doctor/doctor.h"
#include "lib/hooks/hooks.h"
#include "lib/logs/logs.h"
#include "lib/merge/merge.h"
#include "lib/monitor/monitor.h"
#include "lib/release/release.h"
#include "lib/scan/scan.h"
#include "lib/store/store.h"
#include "lib/work/work.h"
#include "lib/sync/sync.h"

/* The order is the order of "bosun config" and its --json. */
const struct config_key *const config_tables[] = {
	release_config_keys,
	config_core_keys,
	store_config_keys,
#ifdef BOSUN_HAVE_AGENTS
	agents_config_keys,
#endif
#ifdef BOSUN_HAVE_HOOKS
	hooks_config_keys,
#endif
#ifdef BOSUN_HAVE_SCAN
	scan_config_keys,
#endif
#ifdef BOSUN_HAVE_DEPLOY
	deploy_config_keys,
#endif
#ifdef BOSUN_HAVE_WORK
	work_config_keys,
#endif
#ifdef BOSUN_HAVE_SYNC
	sync_config_keys,
#endif
#ifdef BOSUN_HAVE_MERGE
	merge_config_keys,
#endif
#ifdef BOSUN_HAVE_LOGS
	logs_config_keys,
#endif
#ifdef BOSUN_HAVE_CLEAN
	clean_config_keys,
#endif
#ifdef BOSUN_HAVE_DOCTOR
	doctor_config_keys,
#endif
#ifdef BOSUN_HAVE_BACKUP
	backup_config_keys,
#endif
#ifdef BOSUN_HAVE_MONITOR
	monitor_config_keys,
#endif
	NULL,
};
