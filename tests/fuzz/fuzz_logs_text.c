/*
 * libFuzzer harness for lib/logs' text-format parser ("[ISO] [LEVEL]
 * [component] message") and its ISO time reader: spans stay inside the
 * line, a parsed line has a time and a known level, and an entry's time
 * formatted and read back is the same time.
 */
#include "core/strbuf.h"
#include "lib/logs/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *line, size_t len, const char *p, size_t n)
{
	if (p && (p < line || p + n > line + len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logs_entry e = LOGS_ENTRY_INIT;
	struct strbuf sb = STRBUF_INIT;
	const char *line = (const char *)data;
	long long t;

	logs_parse_text(&e, line, size);
	inside(line, size, e.time, e.time_len);
	inside(line, size, e.component, e.component_len);
	inside(line, size, e.message, e.message_len);
	if (!e.unparsed && (e.ts_ms == -1 || e.level == LOGS_UNKNOWN))
		abort();
	if (e.unparsed && (e.message != line || e.message_len != size))
		abort();
	t = logs_parse_time(line, size);
	if (t >= 0 && t < 253402300800000LL) {   /* before the year 10000 */
		logs_format_time(&sb, t);
		if (logs_parse_time(sb.buf, sb.len) != t)
			abort();
	}
	strbuf_release(&sb);
	logs_entry_release(&e);
	return 0;
}
