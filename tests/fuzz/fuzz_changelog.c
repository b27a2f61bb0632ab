/*
 * fuzz_changelog.c - the remote URL parser behind changelog links, and the
 * credential redactor that every log line, changelog entry and command
 * output passes through: it must not crash, and no credential may survive it
 * (redact_check.h).
 */
#include "core/log.h"
#include "core/strbuf.h"
#include "lib/release/changelog.h"
#include "redact_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf in = STRBUF_INIT, url = STRBUF_INIT, red = STRBUF_INIT;
	enum cl_host host = CL_HOST_NONE;

	strbuf_add(&in, data, size);
	if (changelog_web_url(&url, &host, in.buf) == 0) {
		/* A web URL is always https and names a known host kind. */
		if (strncmp(url.buf, "https://", 8) || host == CL_HOST_NONE)
			abort();
	}
	redact(&red, (const char *)data, size);
	redact_check((const char *)data, size);
	strbuf_release(&in);
	strbuf_release(&url);
	strbuf_release(&red);
	return 0;
}
