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
	{ NULL, 0, NULL, NULL, NULL },
};
