/* libFuzzer harness for lib/agents' reading of deployed agent files: the
 * frontmatter split, the ownership marker, the per-target checks and the
 * claude-mpm detection. */
#include "core/error.h"
#include "core/sha256.h"
#include "core/strbuf.h"
#include "lib/agents/agents.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct agent_target *tg;
	json_t *fm = NULL;
	size_t body = 0;
	int marker = 0;
	char h[65];

	sha256_hex(h, data, size);
	if (strlen(h) != 64)
		abort();
	if (agent_file_parse(&fm, &body, &marker, (const char *)data, size) == 0) {
		if (body > size)
			abort();
		for (tg = agent_targets; tg->id; tg++) {
			struct strbuf why = STRBUF_INIT;

			if (agent_frontmatter_check(fm, tg, &why) && !why.len)
				abort();
			strbuf_release(&why);
		}
		agent_is_claude_mpm(fm);
		json_decref(fm);
	}
	error_clear();
	return 0;
}
