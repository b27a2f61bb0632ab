/*
 * dl.h - the one way bosun loads an optional library at run time (libgit2,
 * Vectorscan, libcurl): the first of several names that dlopen() takes,
 * bound lazily (a function is resolved when first called) and kept out of
 * the global namespace.
 */
#ifndef BOSUN_CORE_DL_H
#define BOSUN_CORE_DL_H

/* The handle of the first of names (NULL-terminated) that loads, or NULL
 * (dlerror() says why the last one failed). */
void *dl_open_first(const char *const *names);

#endif
