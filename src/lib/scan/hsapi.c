/*
 * hsapi.c - resolve libhs at run time (see hsapi.h).
 */
#define BOSUN_HSAPI_IMPL
#include "lib/scan/hsapi.h"

#include "bosun-config.h"
#include "core/dl.h"
#include "core/error.h"

#include <dlfcn.h>
#include <stddef.h>

struct hsapi hsapi;

static int loaded;          /* 1: libhs_runtime, 2: libhs */

static int check_platform(void)
{
	if (hsapi.hs_valid_platform() != HS_SUCCESS)
		return error_set(BOSUN_EUNAVAILABLE,
				 "Vectorscan does not support this CPU");
	return 0;
}

#define HSAPI_RESOLVE(f)                                                    \
	if (!(*(void **)&hsapi.f = dlsym(h, #f)))                           \
		return error_set(BOSUN_EUNAVAILABLE,                        \
				 "Vectorscan has no '%s'; is it too old?", #f);

int hsapi_load(void)
{
	static const char *const names[] = { BOSUN_HS_SONAME, "libhs.so", NULL };
	void *h;

	if (loaded == 2)
		return 0;
	if (!(h = dl_open_optional(names, "vectorscan", HSAPI_DEGRADES)))
		return error_set(BOSUN_EUNAVAILABLE,
				 "cannot load Vectorscan (%s): %s", BOSUN_HS_SONAME,
				 dl_last_error());
	/* All of them from libhs, the runtime's too: no mixing. */
	HSAPI_FUNCS(HSAPI_RESOLVE)
	if (check_platform() < 0)
		return -BOSUN_EUNAVAILABLE;
	loaded = 2;
	return 0;
}

static int load_runtime_lib(void)
{
	static const char *const names[] = {
		BOSUN_HS_RUNTIME_SONAME, "libhs_runtime.so", NULL,
	};
	void *h = dl_denied("vectorscan") ? NULL : dl_open_first(names);

	if (!h)
		return 1;
	HSAPI_RUNTIME_FUNCS(HSAPI_RESOLVE)
	return check_platform();
}

int hsapi_load_runtime(void)
{
	int r;

	if (loaded)
		return 0;
	if ((r = load_runtime_lib()) == 0) {
		loaded = 1;
		return 0;
	}
	error_clear();
	return hsapi_load();
}
