/*
 * loose.h - reading one loose object (objects/xx/yyyy…, zlib-deflated
 * "TYPE SIZE\0" then the bytes), without libgit2 or a git process: a
 * freshly staged blob is always one (git add writes them loose).
 */
#ifndef BOSUN_LIB_GIT_LOOSE_H
#define BOSUN_LIB_GIT_LOOSE_H

#include "core/strbuf.h"

#include <stddef.h>

/*
 * Append the object hex (40 or 64 hex digits) of objects_dir to out and
 * put its type ("blob", "tree", ...) in type. Returns 0; 1 when there is
 * no such loose object (it may be packed); -BOSUN_EDATA when the file is
 * not a well-formed object or is larger than cap bytes once inflated
 * (cap 0: no cap). Records no error for 1.
 */
int loose_read(const char *objects_dir, const char *hex, char type[8],
	       struct strbuf *out, size_t cap);

/* The same, from the deflated bytes of an object file (for the fuzzer). */
int loose_parse(const unsigned char *z, size_t len, char type[8],
		struct strbuf *out, size_t cap);

#endif
