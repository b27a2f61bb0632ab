/*
 * keys.c - the configuration keys of agent deployment (agents.*);
 * src/cmd/keys.c hands them to config_load().
 */
#include "lib/agents/agents.h"

const struct config_key agents_config_keys[] = {
	{ "agents.source", CFG_STRING, "\"agents\"",
	  "folder of agent templates (JSON or Markdown), relative to the root" },
	{ "agents.base", CFG_STRING, "\"base_agent.json\"",
	  "base agent merged into every template, in agents.source; empty: none" },
	{ "agents.targets", CFG_STRLIST, "[]",
	  "CLIs to deploy to: claude, qwen, opencode, copilot; empty: detect" },
	{ "agents.env", CFG_STRMAP, "{}",
	  "discovery variables 'agents env' prints and 'agents verify' checks" },
	{ "agents.lock_timeout", CFG_DURATION, "10000",
	  "how long a deploy waits for another one to finish" },
	{ NULL, 0, NULL, NULL, NULL },
};
