/*
 * fuzz_config.c - libFuzzer harness for the configuration loader.
 *
 * The first byte picks the mode: most inputs are a whole bosun.yml; when it
 * is below 64 the rest is the value of the environment variable of the
 * key it selects (of the tables bosun loads), so the BOSUN_* parsers are
 * fuzzed too. What `bosun config --json` prints (the dump) must come out
 * of the redactor with no credential left in it (redact_check.h).
 */
#include "cmd/common.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/config/config.h"
#include "redact_check.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key number i of all the tables, counting round. */
static const struct config_key *pick_key(size_t i)
{
	const struct config_key *const *t;
	const struct config_key *k;
	size_t nr = 0;

	for (t = config_tables; *t; t++)
		for (k = *t; k->key; k++)
			nr++;
	i %= nr;
	for (t = config_tables; *t; t++)
		for (k = *t; k->key; k++)
			if (!i--)
				return k;
	return NULL;
}

static void load_env(const uint8_t *data, size_t size)
{
	const struct config_key *k = pick_key(data[0]);
	struct strbuf entry = STRBUF_INIT;
	const char *envp[2];
	struct config *cfg = NULL;
	const char *p;

	strbuf_addstr(&entry, "BOSUN_");
	for (p = k->key; *p; p++)
		strbuf_addch(&entry, *p == '.' ? '_' : toupper((unsigned char)*p));
	strbuf_addch(&entry, '=');
	/* An environment string ends at its first NUL. */
	strbuf_add(&entry, data + 1, size - 1);
	envp[0] = entry.buf;
	envp[1] = NULL;
	if (config_load_from(&cfg, config_tables, NULL, NULL, envp) == 0)
		config_free(cfg);
	strbuf_release(&entry);
}

static void load_yaml(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	json_t *dump;
	char *text;

	if (config_load_from_string(&cfg, config_tables, "fuzz.yml", (const char *)data,
				    size) < 0)
		return;
	dump = config_dump(cfg);
	text = json_dumps(dump, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text)
		redact_check(text, strlen(text));
	free(text);
	json_decref(dump);
	config_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] < 64)
		load_env(data, size);
	else
		load_yaml(data, size);
	error_clear();
	return 0;
}
