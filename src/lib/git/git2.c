#define BOSUN_GIT2_IMPL
#include "lib/git/git2.h"

#include "bosun-config.h"
#include "core/error.h"

#include <dlfcn.h>
#include <stddef.h>

struct git2_api git2_api;

static int loaded;

static void *open_lib(void)
{
	static const char *const names[] = {
		BOSUN_GIT2_SONAME, "libgit2.so", NULL,
	};
	const char *const *n;
	void *h;

	for (n = names; *n; n++)
		if ((h = dlopen(*n, RTLD_NOW | RTLD_LOCAL)))
			return h;
	return NULL;
}

int git2_load(void)
{
	void *h;

	if (loaded)
		return 0;
	h = open_lib();
	if (!h)
		return error_set(BOSUN_EUNAVAILABLE,
				 "cannot load libgit2 (%s): %s", BOSUN_GIT2_SONAME,
				 dlerror());
#define GIT2_RESOLVE(f)                                                     \
	if (!(*(void **)&git2_api.f = dlsym(h, #f)))                        \
		return error_set(BOSUN_EUNAVAILABLE,                        \
				 "libgit2 has no '%s'; is it too old?", #f);
	GIT2_FUNCS(GIT2_RESOLVE)
#undef GIT2_RESOLVE
	if (git2_api.git_libgit2_init() < 0)
		return error_set(BOSUN_EUNAVAILABLE, "cannot initialise libgit2");
	loaded = 1;
	return 0;
}

int git2_error(int kind, const char *what)
{
	const git_error *e = loaded ? git2_api.git_error_last() : NULL;

	if (e && e->message)
		return error_set(kind, "%s: %s", what, e->message);
	return error_set(kind, "%s", what);
}
