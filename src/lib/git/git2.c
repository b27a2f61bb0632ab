#define BOSUN_GIT2_IMPL
#include "lib/git/git2.h"

#include "bosun-config.h"
#include "core/dl.h"
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

	return dl_open_optional(names, "libgit2",
				"commands that read history through libgit2 are off");
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
				 dl_last_error());
#define GIT2_RESOLVE(f)                                                     \
	if (!(*(void **)&git2_api.f = dlsym(h, #f)))                        \
		return error_set(BOSUN_EUNAVAILABLE,                        \
				 "libgit2 has no '%s'; is it too old?", #f);
	GIT2_FUNCS(GIT2_RESOLVE)
#undef GIT2_RESOLVE
	if (git2_api.git_libgit2_init() < 0)
		return error_set(BOSUN_EUNAVAILABLE, "cannot initialise libgit2");
	/* bosun reads each object once: re-hashing every object read (a quarter
	 * of the time of a full-history walk) and caching them buy nothing. The
	 * pack's own CRCs and zlib's checksums still guard against corruption. */
	git2_api.git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	git2_api.git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
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

/*
 * Debian's libgit2 is built with mbedTLS and, when initialised, parses the
 * whole system CA bundle: 13 ms, more than the rest of a 10,000-commit walk
 * (measured with callgrind: 54 M of 414 M instructions). bosun never uses
 * libgit2's network transports (fetch and push go through the git program,
 * which honours the user's credential helpers), so the executable defines
 * the two functions libgit2 calls to load certificates, and exports them
 * (src/lib/git/git2.sym) so that the dynamic linker binds libgit2's calls
 * here. No certificate is loaded: a TLS connection made through libgit2
 * would fail verification; it could never succeed unverified.
 */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_path(void *chain, const char *path);

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}
