/* libFuzzer harness for lib/monitor's parsers: monitor.rules (as JSON,
 * then every parsed rule judged over values taken from the input) and the
 * BOSUN_MONITOR_FAKE test hook's text. The first byte picks the target. */
#include "core/strbuf.h"
#include "lib/monitor/monitor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void rules(const char *s, size_t len)
{
	struct strbuf why = STRBUF_INIT;
	struct monitor_rule *r;
	json_t *v = json_loadb(s, len, 0, NULL);
	size_t nr, i, j;

	if (v && monitor_rules_parse(v, &r, &nr, &why) == 0) {
		for (j = 0; j < len && j < 200; j++)
			for (i = 0; i < nr; i++)
				monitor_rule_step(&r[i], s[j] != 0, (double)(signed char)s[j],
						  (long long)j, (long long)j * 100,
						  (unsigned char)s[0] % 8, 2 + (unsigned char)s[0] % 40);
		monitor_rules_free(r, nr);
	}
	json_decref(v);
	strbuf_release(&why);
}

static void fake(const char *s, size_t len)
{
	struct strbuf why = STRBUF_INIT;
	struct monitor_sample sm;
	char *text = malloc(len + 1);

	memcpy(text, s, len);
	text[len] = '\0';
	memset(&sm, 0, sizeof(sm));
	sm.cycle = len % 7;
	monitor_fake_apply(&sm, text, &why);
	free(text);
	strbuf_release(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] % 2)
		fake((const char *)data + 1, size - 1);
	else
		rules((const char *)data + 1, size - 1);
	return 0;
}
