/*
 * libFuzzer harness for the one-line owner records bosun keeps in PID files,
 * owner locks and the store's claims ("PID START BOOT HOST", core/pidfile),
 * and for sync's reading of git push's output (which failure class an answer
 * is). The first byte picks the target.
 *
 * Owner records: any text is a record or -BOSUN_EDATA; a record's pid is
 * positive, its strings are terminated, and formatting it then parsing it
 * again gives the same record.
 * Push output: any text is one of the documented classes.
 */
#include "core/error.h"
#include "core/pidfile.h"
#include "core/strbuf.h"
#include "lib/sync/sync.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void owner(const char *s)
{
	struct proc_owner o, again;
	struct strbuf sb = STRBUF_INIT;
	int r = proc_owner_parse(&o, s);

	if (r < 0) {
		if (r != -BOSUN_EDATA)
			abort();
		error_clear();
		return;
	}
	if (o.pid <= 0 || memchr(o.boot, '\0', sizeof(o.boot)) == NULL ||
	    memchr(o.host, '\0', sizeof(o.host)) == NULL)
		abort();
	proc_owner_format(&sb, &o);
	if (proc_owner_parse(&again, sb.buf) < 0 || again.pid != o.pid ||
	    again.start != o.start || strcmp(again.boot, o.boot) ||
	    strcmp(again.host, o.host))
		abort();
	strbuf_release(&sb);
}

static void push_output(const char *s, size_t len)
{
	static const char *const classes[] = { "nff", "rejected", "auth", "network",
					       "failed", NULL };
	const char *err = s + strlen(s) + 1 <= s + len ? s + strlen(s) + 1 : "";
	const char *c = sync_classify(s, err);
	size_t i;

	for (i = 0; classes[i]; i++)
		if (c && !strcmp(c, classes[i]))
			return;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	/* The text, NUL-terminated; a NUL inside splits push output into
	 * git's stdout and stderr. */
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	s[size] = '\0';
	if (data[0] & 1)
		push_output(s, size - 1);
	else
		owner(s);
	free(s);
	return 0;
}
