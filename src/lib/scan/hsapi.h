/*
 * hsapi.h - Vectorscan (libhs), loaded with dlopen() on first use.
 *
 * libhs is C++: linking it pulls libstdc++, libm and libgcc_s into every
 * start of bosun (about a millisecond measured here), and only `scan` needs
 * it; even loaded on demand, its relocations cost about 2 ms of each scan,
 * so a scan with a cached database loads only libhs_runtime. So the few functions the scanner calls are resolved at run time, as
 * src/lib/git/git2.c does for libgit2. Include this header instead of
 * <hs/hs.h>, call hsapi_load() before the first call, and write the calls as
 * usual (hs_scan(...)): the macros below route them through the table.
 */
#ifndef BOSUN_LIB_SCAN_HSAPI_H
#define BOSUN_LIB_SCAN_HSAPI_H

#include <hs/hs.h>

/* The runtime's functions (scanning a compiled database), in both
 * libhs_runtime and libhs; then the compiler's, in libhs only. */
#define HSAPI_RUNTIME_FUNCS(X)       \
	X(hs_alloc_scratch)          \
	X(hs_clone_scratch)          \
	X(hs_free_scratch)           \
	X(hs_scan)                   \
	X(hs_open_stream)            \
	X(hs_scan_stream)            \
	X(hs_close_stream)           \
	X(hs_free_database)          \
	X(hs_serialize_database)     \
	X(hs_deserialize_database)   \
	X(hs_version)                \
	X(hs_valid_platform)

#define HSAPI_FUNCS(X)               \
	HSAPI_RUNTIME_FUNCS(X)       \
	X(hs_compile_multi)          \
	X(hs_free_compile_error)     \
	X(hs_expression_info)

#define HSAPI_MEMBER(f) __typeof__(f) *f;
struct hsapi {
	HSAPI_FUNCS(HSAPI_MEMBER)
};
#undef HSAPI_MEMBER
extern struct hsapi hsapi;

/* What becomes of scanning without Vectorscan (the DEGRADED event's
 * reason, doctor's warning): every rule's regex runs through PCRE2 over
 * the whole content instead (engine.c), the same findings, slower. */
#define HSAPI_DEGRADES "vectorscan not loaded; scanning with PCRE2 only, slower"

/* Load libhs; -BOSUN_EUNAVAILABLE when it cannot be loaded or this CPU
 * lacks what it needs. Cheap after the first call. */
int hsapi_load(void);
/* Load what scanning a compiled (cached) database needs: libhs_runtime,
 * plain C and about a tenth of libhs's relocations, or else libhs. The
 * compiler's functions are unset until hsapi_load(). */
int hsapi_load_runtime(void);

#ifndef BOSUN_HSAPI_IMPL
#define hs_compile_multi (*hsapi.hs_compile_multi)
#define hs_free_compile_error (*hsapi.hs_free_compile_error)
#define hs_expression_info (*hsapi.hs_expression_info)
#define hs_alloc_scratch (*hsapi.hs_alloc_scratch)
#define hs_clone_scratch (*hsapi.hs_clone_scratch)
#define hs_free_scratch (*hsapi.hs_free_scratch)
#define hs_scan (*hsapi.hs_scan)
#define hs_open_stream (*hsapi.hs_open_stream)
#define hs_scan_stream (*hsapi.hs_scan_stream)
#define hs_close_stream (*hsapi.hs_close_stream)
#define hs_free_database (*hsapi.hs_free_database)
#define hs_serialize_database (*hsapi.hs_serialize_database)
#define hs_deserialize_database (*hsapi.hs_deserialize_database)
#define hs_version (*hsapi.hs_version)
#define hs_valid_platform (*hsapi.hs_valid_platform)
#endif

#endif
