/* libFuzzer harness for lib/agents' no-op snapshot reader: every line it
 * accepts has a kind, a path, and for an agent file all four fields. */
#include "core/error.h"
#include "lib/agents/agents.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_snap_entry *e = NULL;
	size_t nr = 0, i;

	if (agent_snapshot_parse(&e, &nr, (const char *)data, size) == 0) {
		for (i = 0; i < nr; i++) {
			if (!strchr("slo", e[i].kind) || !e[i].path || !*e[i].path ||
			    strchr(e[i].path, '\n') || strchr(e[i].path, '\t'))
				abort();
			if (e[i].kind == 'o' && (!e[i].target || !e[i].rel ||
						 !e[i].name || !e[i].version))
				abort();
		}
		agent_snapshot_free(e, nr);
	} else if (e || nr) {
		abort();
	}
	error_clear();
	return 0;
}
