/*
 * keys.c - the configuration keys of the merge driver (merge.*);
 * src/cmd/keys.c hands them to config_load().
 */
#include "lib/merge/merge.h"

#include "lib/config/config.h"

#include <jansson.h>
#include <string.h>

static int check_kinds(const json_t *v, struct strbuf *why)
{
	const char *pat;
	json_t *k;

	json_object_foreach((json_t *)v, pat, k) {
		if (!json_is_string(k) || merge_kind_parse(json_string_value(k)) < 0) {
			strbuf_addf(why, "%s: must be one of entries, text, lockfile, "
				    "ours, theirs", pat);
			return -1;
		}
	}
	return 0;
}

static int check_side(const json_t *v, struct strbuf *why)
{
	const char *s = json_string_value(v);

	if (s && strcmp(s, "ours") && strcmp(s, "theirs")) {
		strbuf_addstr(why, "must be ours or theirs");
		return -1;
	}
	return 0;
}

const struct config_key merge_config_keys[] = {
	{ "merge.kinds", CFG_STRMAP, "{}",
	  "file pattern -> merge kind (entries, text, lockfile, ours, theirs; docs/merge.md)",
	  check_kinds },
	{ "merge.lockfile_command", CFG_ARGV, "null",
	  "prints a lockfile's merged content (BOSUN_MERGE_OURS ... in its environment)" },
	{ "merge.lockfile_side", CFG_STRING, "\"ours\"",
	  "the side a lockfile is taken from without a command (ours or theirs)", check_side },
	{ NULL, 0, NULL, NULL, NULL },
};
