/* libFuzzer harness for core/glob: .bosunignore text and paths. The
 * input is "patterns\0path"; matching must finish (it is linear) and a
 * pattern must match itself when it has no special characters. */
#include "core/glob.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glob_list gl = GLOB_LIST_INIT;
	const char *text = (const char *)data, *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - text) : size;
	char *path;

	if (size > 8192)
		return 0;
	path = nul ? strndup(nul + 1, size - tlen - 1) : strdup("a/b.txt");
	glob_list_parse(&gl, text, tlen);
	(void)glob_list_match(&gl, path);
	if (!strpbrk(path, "*?[\\") && strlen(path) && !glob_match(path, path))
		abort();
	glob_list_release(&gl);
	free(path);
	return 0;
}
