/*
 * dl.h - the one way bosun loads an optional library at run time (libgit2,
 * Vectorscan, libcurl): the first of several names that dlopen() takes,
 * bound lazily (a function is resolved when first called) and kept out of
 * the global namespace.
 *
 *	static const char *const names[] = { "libcurl.so.4", "libcurl.so", NULL };
 *	h = dl_open_optional(names, "libcurl", "webhooks and HTTP probes are off");
 *	if (!h)
 *		return error_set(BOSUN_EUNAVAILABLE, ...);	// the feature only
 *
 * A library that is missing costs a feature, never the process: the event
 * log (core/log.h) gets one DEGRADED event per run and component, saying
 * what degrades and why ({"level":"degraded","event":"libcurl",...}).
 * BOSUN_DL_DENY (a comma-separated list of components, or "all") makes
 * dl_open_optional() act as if those were missing, so that tests and
 * `bosun doctor` can show what a machine without them gets.
 */
#ifndef BOSUN_CORE_DL_H
#define BOSUN_CORE_DL_H

/* The handle of the first of names (NULL-terminated) that loads, or NULL
 * (dlerror() says why the last one failed). */
void *dl_open_first(const char *const *names);

/* dl_open_first() for the optional component (a short name: "libcurl"),
 * logging a DEGRADED event "<degrades> (<why>)" when none loads. */
void *dl_open_optional(const char *const *names, const char *component,
		       const char *degrades);
/* Why the last dl_open_optional() of this thread found nothing (it has
 * taken dlerror()'s message). */
const char *dl_last_error(void);
/* 1 when BOSUN_DL_DENY names component. */
int dl_denied(const char *component);
/* Log that component degrades (once per run and component): for a
 * library that loaded but is unusable (too old, wrong CPU). */
void dl_degraded(const char *component, const char *degrades, const char *why);

#endif
