/*
 * fuzz_config.c - libFuzzer harness for the configuration loader.
 *
 * The first byte picks the mode: most inputs are a whole bosun.yml; when it
 * is below 64 the rest is the value of the environment variable of the
 * schema key it selects, so the BOSUN_* parsers are fuzzed too.
 */
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/config/config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t schema_size(void)
{
	size_t nr = 0;

	while (config_schema[nr].key)
		nr++;
	return nr;
}

static void load_env(const uint8_t *data, size_t size)
{
	const struct config_key *k = &config_schema[data[0] % schema_size()];
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
	if (config_load_from(&cfg, NULL, NULL, envp) == 0)
		config_free(cfg);
	strbuf_release(&entry);
}

static void load_yaml(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	json_t *dump;

	if (config_load_from_string(&cfg, "fuzz.yml", (const char *)data,
				    size) < 0)
		return;
	dump = config_dump(cfg);
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
