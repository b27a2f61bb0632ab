/*
 * keys.c - the configuration keys of deployment watching (deploy.*),
 * checked by probe.c; src/cmd/keys.c hands them to config_load().
 */
#include "lib/deploy/probe.h"

const struct config_key deploy_config_keys[] = {
	{ "deploy.probes", CFG_JSON, "[]",
	  "probes in order: {name, type http|provider|command, url, ...} (docs/deploy.md)",
	  deploy_check_probes },
	{ "deploy.verify", CFG_STRLIST, "[]",
	  "probes that must pass after the deciding probe reports success" },
	{ "deploy.branches", CFG_STRLIST, "[\"main\"]",
	  "branches whose pushes the pre-push hook watches" },
	{ "deploy.timeout", CFG_DURATION, "480000",
	  "give up (verdict timeout) after this long" },
	{ "deploy.interval", CFG_DURATION, "5000",
	  "time between polls during deploy.early" },
	{ "deploy.interval_late", CFG_DURATION, "15000",
	  "time between polls after deploy.early, or while queued or building" },
	{ "deploy.early", CFG_DURATION, "120000",
	  "how long the watcher polls at deploy.interval" },
	{ "deploy.await", CFG_DURATION, "120000",
	  "how long watch --await waits for the remote branch to reach the commit" },
	{ "deploy.on_failure", CFG_ARGV, "null",
	  "command run after a failure or timeout; its output goes to the watch log" },
	{ "deploy.notify", CFG_JSON, "null",
	  "{command: ARGV} or {webhook: URL, headers, on: [failed, timeout]}",
	  deploy_check_notify },
	{ "deploy.providers", CFG_JSON, "{}",
	  "state tables added to or over the built-in ones: {NAME: {state, commit, map}}",
	  deploy_check_providers },
	{ "deploy.time_scale", CFG_INT, "1",
	  "divide every deploy duration by this (for tests)", deploy_check_positive },
	{ NULL, 0, NULL, NULL, NULL },
};
