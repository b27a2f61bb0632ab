/* libFuzzer harness for lib/hooks: the pre-push hook's stdin. */
#include "core/error.h"
#include "lib/hooks/hooks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct push_refs p = PUSH_REFS_INIT;
	size_t i;

	if (push_refs_parse(&p, (const char *)data, size) < 0) {
		if (p.nr || error_kind() != BOSUN_EDATA)
			abort();
		error_clear();
		return 0;
	}
	for (i = 0; i < p.nr; i++) {
		size_t l = strlen(p.items[i].local_oid);

		if ((l != 40 && l != 64) || l != strlen(p.items[i].remote_oid) ||
		    !*p.items[i].local_ref || strchr(p.items[i].remote_ref, ' '))
			abort();
	}
	push_refs_release(&p);
	return 0;
}
