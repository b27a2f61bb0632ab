/*
 * libFuzzer harness for lib/logs' JSON line parser. The fast pass and
 * jansson must read the same fields from every line jansson accepts as an
 * object (the fast pass may take more: it does not check number spelling
 * or UTF-8); the decoded message and component are then redacted, which
 * must leave no credential whole. The first byte picks the field map.
 */
#include "core/strbuf.h"
#include "lib/logs/internal.h"
#include "redact_check.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct logs_fields *const maps[] = {
	&LOGS_FIELDS_BOSUN, &LOGS_FIELDS_GUESS,
};

static void same_text(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn || (an && memcmp(a, b, an)))
		abort();
}

/* Strings must agree; a number or true/false is text as written for the
 * fast pass and as jansson prints it for the slow one. */
static void compare(const struct logs_entry *fast, const struct logs_entry *slow,
		    int msg_string, int comp_string)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	if (fast->ts_ms != slow->ts_ms || fast->level != slow->level ||
	    !fast->message != !slow->message || !fast->component != !slow->component)
		abort();
	if (msg_string) {
		logs_entry_message(fast, &a);
		logs_entry_message(slow, &b);
	}
	same_text(a.buf, a.len, b.buf, b.len);
	strbuf_reset(&a);
	strbuf_reset(&b);
	if (comp_string) {
		logs_entry_component(fast, &a);
		logs_entry_component(slow, &b);
	}
	same_text(a.buf, a.len, b.buf, b.len);
	strbuf_release(&a);
	strbuf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logs_entry fast = LOGS_ENTRY_INIT, slow = LOGS_ENTRY_INIT;
	struct strbuf msg = STRBUF_INIT;
	const struct logs_fields *f;
	const char *line;
	json_t *v;

	if (!size)
		return 0;
	f = maps[data[0] % 2];
	line = (const char *)data + 1;
	size--;
	logs_parse_json(&fast, line, size, f);
	logs_entry_message(&fast, &msg);
	logs_entry_component(&fast, &msg);
	redact_check(msg.buf, msg.len);
	if (logs_parse_json_fast(&fast, line, size, f) == 0 &&
	    (v = json_loadb(line, size, JSON_ALLOW_NUL, NULL))) {
		/* A nested value in a mapped field goes to jansson, never here. */
		if (json_is_object(v)) {
			logs_parse_json_slow(&slow, line, size, f);
			compare(&fast, &slow, json_is_string(logs_json_field(v, f->message)),
				json_is_string(logs_json_field(v, f->component)));
		}
		json_decref(v);
	}
	strbuf_release(&msg);
	logs_entry_release(&fast);
	logs_entry_release(&slow);
	return 0;
}
