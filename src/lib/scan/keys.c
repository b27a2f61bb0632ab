/*
 * keys.c - the configuration keys of secret scanning (scan.*);
 * src/cmd/keys.c hands them to config_load().
 */
#include "lib/scan/scan.h"

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
	{ NULL, 0, NULL, NULL, NULL },
};
