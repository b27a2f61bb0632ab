/*
 * keys.c - the configuration keys of parallel work (work.*);
 * src/cmd/keys.c hands them to config_load().
 */
#include "lib/work/work.h"

#include "lib/config/config.h"

#include <string.h>

static int check_link_mode(const json_t *v, struct strbuf *why)
{
	static const char *const modes[] = { "auto", "reflink", "symlink", "copy", NULL };
	const char *s = json_string_value(v);
	size_t i;

	for (i = 0; s && modes[i]; i++)
		if (!strcmp(s, modes[i]))
			return 0;
	strbuf_addstr(why, "must be auto, reflink, symlink or copy");
	return -1;
}

static int check_nonneg(const json_t *v, struct strbuf *why)
{
	if (json_integer_value(v) >= 0)
		return 0;
	strbuf_addstr(why, "must be 0 or more");
	return -1;
}

static int check_port(const json_t *v, struct strbuf *why)
{
	if (json_integer_value(v) >= 1 && json_integer_value(v) <= 65535)
		return 0;
	strbuf_addstr(why, "must be a port number (1 to 65535)");
	return -1;
}

static int check_positive(const json_t *v, struct strbuf *why)
{
	if (json_integer_value(v) > 0)
		return 0;
	strbuf_addstr(why, "must be more than 0");
	return -1;
}

static int check_interval(const json_t *v, struct strbuf *why)
{
	if (json_integer_value(v) >= 200 && json_integer_value(v) <= 3600000)
		return 0;
	strbuf_addstr(why, "must be from 0.2 s to 1 h");
	return -1;
}

static int check_foreign(const json_t *v, struct strbuf *why)
{
	const char *s = json_string_value(v);

	if (s && (!strcmp(s, "warn") || !strcmp(s, "fail")))
		return 0;
	strbuf_addstr(why, "must be warn or fail");
	return -1;
}

const struct config_key work_config_keys[] = {
	{ "work.root", CFG_STRING, "\"\"",
	  "where worktrees go; empty: ../<repo>.work (then <task>/<id> below)" },
	{ "work.copy", CFG_STRLIST, "[]",
	  "ignored files brought into each worktree (gitignore patterns; .env* only when listed)" },
	{ "work.link", CFG_STRLIST, "[\"node_modules\"]",
	  "ignored dependency folders shared with each worktree (see work.link_mode)" },
	{ "work.link_mode", CFG_STRING, "\"auto\"",
	  "how work.link folders come in: auto (reflink, else symlink), reflink, symlink, copy",
	  check_link_mode },
	{ "work.ports", CFG_INT, "0",
	  "ports handed to each worktree as a block of this size (0: none)", check_nonneg },
	{ "work.port_base", CFG_INT, "20000",
	  "the first port of the first block", check_port },
	{ "work.agent_command", CFG_ARGV, "null",
	  "the agent started in each worktree; {context}, {id}, {task}, {dir} are filled" },
	{ "work.attic_days", CFG_INT, "14",
	  "how long snapshots under refs/bosun/attic are kept", check_nonneg },
	{ "work.stalled_after", CFG_DURATION, "600000",
	  "an agent whose process runs but shows no sign of life (heartbeat, status file, "
	  "log write) for this long is STALLED", check_positive },
	{ "work.dead_after", CFG_DURATION, "3600000",
	  "an agent with no process to ask and no sign of life for this long is DEAD",
	  check_positive },
	{ "work.agent_status_file", CFG_STRING, "\".bosun/agent-status\"",
	  "a file in the worktree the agent writes its state to (active, waiting, done, "
	  "failed); \"\": none" },
	{ "work.foreign_edits", CFG_STRING, "\"warn\"",
	  "the ownership pre-commit check on a staged file another workstream owns: "
	  "warn or fail", check_foreign },
	{ "work.watch_interval", CFG_DURATION, "2000",
	  "how often work status --watch redraws (0.2 s to 1 h)", check_interval },
	{ "work.test", CFG_ARGV, "null",
	  "work integrate: the test command run on the integration worktree after each merge "
	  "(after each workstream's own)" },
	{ "work.test_timeout", CFG_DURATION, "1800000",
	  "work integrate: how long one test command may run before it counts as failed" },
	{ NULL, 0, NULL, NULL, NULL },
};
