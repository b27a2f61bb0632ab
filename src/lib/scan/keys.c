/*
 * keys.c - the configuration keys of secret scanning (scan.*);
 * src/cmd/keys.c hands them to config_load().
 */
#include "lib/scan/scan.h"

static int check_large(const json_t *v, struct strbuf *why)
{
	const char *s = json_string_value(v);
	int large;

	if (scan_large_parse(s, &large) == 0)
		return 0;
	strbuf_addf(why, "must be one of auto, stream, fail or skip, not '%s'", s ? s : "");
	return -1;
}

const struct config_key scan_config_keys[] = {
	{ "scan.default_rules", CFG_BOOL, "true",
	  "scan with bosun's built-in rules (false: only scan.rules)" },
	{ "scan.rules", CFG_STRLIST, "[]",
	  "extra rule files (YAML), relative to the repository root" },
	{ "scan.disable", CFG_STRLIST, "[]",
	  "ids of rules not to use" },
	{ "scan.max_file_size", CFG_INT, "10485760",
	  "files and blobs larger than this many bytes are skipped (0: no cap)" },
	{ "scan.entropy", CFG_BOOL, "true",
	  "apply the rules' entropy thresholds (false reports every match)" },
	{ "scan.ignore_file", CFG_STRING, "\".bosunignore\"",
	  "file of gitignore-like patterns of paths not to scan" },
	{ "scan.baseline", CFG_STRING, "\"\"",
	  "baseline file of accepted findings; empty for none" },
	{ "scan.threads", CFG_INT, "0",
	  "threads reading and scanning files (0: one per CPU)" },
	{ "scan.large_files", CFG_STRING, "\"auto\"",
	  "files over scan.max_file_size: stream, fail or skip (auto: stream in "
	  "git hooks, else skip)", check_large },
	{ NULL, 0, NULL, NULL, NULL },
};
