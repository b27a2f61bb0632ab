/*
 * dl.c - dl_open_first() (dl.h).
 */
#include "core/dl.h"

#include <dlfcn.h>
#include <stddef.h>

void *dl_open_first(const char *const *names)
{
	void *h;

	for (; *names; names++)
		if ((h = dlopen(*names, RTLD_LAZY | RTLD_LOCAL)))
			return h;
	return NULL;
}
