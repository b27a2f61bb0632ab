/* libFuzzer harness for lib/deploy's parsers: provider JSON answers through
 * every built-in state table, JSON pointers, the probe/provider/notify
 * config checks, command output, status.json timestamps, durations and
 * Retry-After. The first byte picks the target. */
#include "core/error.h"
#include "core/strbuf.h"
#include "lib/http/http.h"
#include "lib/deploy/probe.h"
#include "lib/json/json.h"
#include "lib/deploy/status.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct probe_set tables;

static void load_tables(void)
{
	static const char probes[] =
		"[{\"name\":\"do\",\"provider\":\"digitalocean\",\"url\":\"u\"},"
		"{\"name\":\"v\",\"provider\":\"vercel\",\"url\":\"u\"},"
		"{\"name\":\"n\",\"provider\":\"netlify\",\"url\":\"u\"},"
		"{\"name\":\"f\",\"provider\":\"fly\",\"url\":\"u\"},"
		"{\"name\":\"g\",\"provider\":\"github\",\"url\":\"u\"},"
		"{\"name\":\"h\",\"url\":\"u\",\"pointer\":\"/a/0/b\"},"
		"{\"name\":\"c\",\"run\":\"x\",\"map\":{\"done\":\"success\"}}]";
	json_t *p = json_loads(probes, 0, NULL), *t = json_object();

	if (probe_set_load(&tables, p, t, NULL, 0) < 0)
		abort();
	json_decref(p);
	json_decref(t);
}

static void answers(const char *s, size_t len)
{
	struct probe_vars v = { "1a2b3c4d5e6f70819293a4b5c6d7e8f901234567", "1.0.0" };
	struct strbuf msg = STRBUF_INIT;
	size_t i;

	for (i = 0; i < tables.nr; i++) {
		enum deploy_state st;

		if (tables.items[i].type == PROBE_PROVIDER)
			st = probe_eval_provider(&tables.items[i], &v, 200, s, len, &msg);
		else if (tables.items[i].type == PROBE_HTTP)
			st = probe_eval_http(&tables.items[i], &v, 200, s, len, &msg);
		else
			st = probe_eval_command(&tables.items[i], 0, s, len, &msg);
		if ((unsigned)st > DS_UNKNOWN)
			abort();
	}
	strbuf_release(&msg);
}

static void pointer(const char *s, size_t len)
{
	json_t *doc = json_loads("{\"a\":[{\"b\":1}],\"~/\":{\"\":[true]}}", 0, NULL);
	char *ptr = strndup(s, len);
	const json_t *v;

	json_pointer_get(doc, ptr, &v);
	error_clear();
	free(ptr);
	json_decref(doc);
}

static void checks(const char *s, size_t len)
{
	struct strbuf why = STRBUF_INIT;
	json_t *v = json_loadb(s, len, JSON_DECODE_ANY, NULL);
	struct probe_set ps = PROBE_SET_INIT;

	if (!v)
		return;
	deploy_check_providers(v, &why);
	deploy_check_notify(v, &why);
	deploy_check_positive(v, &why);
	if (deploy_check_probes(v, &why) == 0) {
		json_t *t = json_object();

		if (probe_set_load(&ps, v, t, NULL, 0) == 0)
			probe_set_release(&ps);
		json_decref(t);
	}
	error_clear();
	strbuf_release(&why);
	json_decref(v);
}

static void scalars(const char *s, size_t len)
{
	char *z = strndup(s, len);

	deploy_parse_timestamp(z);
	deploy_parse_duration(z);
	http_parse_retry_after(s, len, 1767323045);
	free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;

	if (!size)
		return 0;
	if (!tables.nr)
		load_tables();
	switch (data[0] % 4) {
	case 0: answers(s, size - 1); break;
	case 1: pointer(s, size - 1); break;
	case 2: checks(s, size - 1); break;
	default: scalars(s, size - 1); break;
	}
	return 0;
}
