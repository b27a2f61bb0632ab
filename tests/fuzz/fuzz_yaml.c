/* libFuzzer harness for lib/yaml: any input either fails with a message or
 * gives a well-formed tree (mappings in pairs, scalars whose length is
 * their text's, positions from 1, at most depth_max collections deep). */
#include "core/error.h"
#include "lib/yaml/ytree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct ynode *n, int depth)
{
	size_t i;

	if (n->line < 1 || n->col < 1 || (n->type != Y_SCALAR && depth > 8))
		abort();
	if (n->type == Y_SCALAR) {
		if (!n->text || strlen(n->text) != n->len || n->nr)
			abort();
		return;
	}
	if (n->text || (n->type == Y_MAP && n->nr % 2))
		abort();
	for (i = 0; i < n->nr; i++)
		check(n->kids[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ytree t = { .depth_max = 8 };

	if (size > 65536)
		return 0;
	if (ytree_parse(&t, "fuzz.yml", (const char *)data, size) == 0) {
		if (t.root)
			check(t.root, 1);
	} else if (!error_message()[0]) {
		abort();
	}
	ytree_release(&t);
	error_clear();
	return 0;
}
