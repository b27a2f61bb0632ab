/*
 * alloc.h - allocation that never returns NULL.
 *
 * bosun treats running out of memory as fatal: these wrappers abort() with a
 * short message on stderr instead of making every caller check for NULL.
 * abort() is not an exit path a user chooses; it is the same contract as
 * git's xmalloc().
 */
#ifndef BOSUN_CORE_ALLOC_H
#define BOSUN_CORE_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *array (of *alloc elements of size elem) so that it holds at least need. */
#define ALLOC_GROW(array, need, alloc)                                        \
	do {                                                                  \
		if ((need) > (alloc)) {                                       \
			size_t alloc_grow_n_ = (alloc) < 8 ? 8 : (alloc) * 2;  \
			if (alloc_grow_n_ < (need))                           \
				alloc_grow_n_ = (need);                       \
			(array) = xrealloc((array),                           \
					   alloc_grow_n_ * sizeof(*(array))); \
			(alloc) = alloc_grow_n_;                              \
		}                                                             \
	} while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
