/*
 * hsapi.c - resolve libhs at run time (see hsapi.h).
 */
#define BOSUN_HSAPI_IMPL
#include "lib/scan/hsapi.h"

#include "bosun-config.h"
#include "core/error.h"

#include <dlfcn.h>
#include <stddef.h>

struct hsapi hsapi;

static int loaded;

static void *open_lib(void)
{
	static const char *const names[] = {
		BOSUN_HS_SONAME, "libhs.so", NULL,
	};
	const char *const *n;
	void *h;

	for (n = names; *n; n++)
		if ((h = dlopen(*n, RTLD_LAZY | RTLD_LOCAL)))
			return h;
	return NULL;
}

int hsapi_load(void)
{
	void *h;

	if (loaded)
		return 0;
	h = open_lib();
	if (!h)
		return error_set(BOSUN_EUNAVAILABLE,
				 "cannot load Vectorscan (%s): %s", BOSUN_HS_SONAME,
				 dlerror());
#define HSAPI_RESOLVE(f)                                                    \
	if (!(*(void **)&hsapi.f = dlsym(h, #f)))                           \
		return error_set(BOSUN_EUNAVAILABLE,                        \
				 "Vectorscan has no '%s'; is it too old?", #f);
	HSAPI_FUNCS(HSAPI_RESOLVE)
#undef HSAPI_RESOLVE
	if (hsapi.hs_valid_platform() != HS_SUCCESS)
		return error_set(BOSUN_EUNAVAILABLE,
				 "Vectorscan does not support this CPU");
	loaded = 1;
	return 0;
}
