/* libFuzzer harness for lib/git's index reader (versions 2 to 4, the TREE
 * extension) and tree-entry reader: whatever parses has paths of its
 * stated shape, and tree entries stay inside the buffer. */
#include "core/error.h"
#include "lib/git/index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_tree(const struct cache_tree *t, int depth)
{
	size_t i;

	if (!t || depth > 300 || t->entry_count < -1)
		abort();
	for (i = 0; i < t->nr_sub; i++)
		walk_tree(t->sub[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct index_file ix = INDEX_FILE_INIT;
	const unsigned char *p = data, *end = data + size, *oid;
	const char *name;
	size_t i, len;
	uint32_t mode;

	if (index_parse(&ix, data, size) == 0) {
		for (i = 0; i < ix.nr; i++)
			if (!ix.e[i].path[0] || ix.e[i].stage > 3)
				abort();
		if (ix.tree)
			walk_tree(ix.tree, 0);
		index_release(&ix);
	}
	error_clear();
	while (tree_next(&p, end, &name, &len, &mode, &oid) == 1)
		if (!len || (const unsigned char *)name < data || oid + 20 > end || p > end)
			abort();
	return 0;
}
