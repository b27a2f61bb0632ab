/*
 * dl.c - dl_open_first(), dl_open_optional() (dl.h).
 */
#include "core/dl.h"

#include "core/log.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *dl_open_first(const char *const *names)
{
	void *h;

	for (; *names; names++)
		if ((h = dlopen(*names, RTLD_LAZY | RTLD_LOCAL)))
			return h;
	return NULL;
}

int dl_denied(const char *component)
{
	const char *deny = getenv("BOSUN_DL_DENY"), *p;
	size_t n = strlen(component);

	if (!deny || !*deny)
		return 0;
	if (!strcmp(deny, "all"))
		return 1;
	for (p = deny; (p = strstr(p, component)); p += n)
		if ((p == deny || p[-1] == ',') && (!p[n] || p[n] == ','))
			return 1;
	return 0;
}

/* The components already logged in this run: a few, set once each. Scan
 * threads may load at once, hence the lock. */
#define LOGGED_MAX 16
static const char *logged[LOGGED_MAX];
static pthread_mutex_t logged_lock = PTHREAD_MUTEX_INITIALIZER;

static int first_time(const char *component)
{
	int i, first = 1;

	pthread_mutex_lock(&logged_lock);
	for (i = 0; i < LOGGED_MAX && logged[i]; i++)
		if (!strcmp(logged[i], component))
			first = 0;
	if (first && i < LOGGED_MAX)
		logged[i] = component;
	pthread_mutex_unlock(&logged_lock);
	return first;
}

void dl_degraded(const char *component, const char *degrades, const char *why)
{
	if (first_time(component))
		log_event(LOG_DEGRADED, component, "%s (%s)", degrades, why);
}

static __thread char last_error[256];

const char *dl_last_error(void)
{
	return last_error;
}

void *dl_open_optional(const char *const *names, const char *component,
		       const char *degrades)
{
	const char *why;
	void *h;

	if (dl_denied(component)) {
		snprintf(last_error, sizeof(last_error), "turned off by BOSUN_DL_DENY");
		dl_degraded(component, degrades, last_error);
		return NULL;
	}
	if ((h = dl_open_first(names)))
		return h;
	why = dlerror();
	snprintf(last_error, sizeof(last_error), "%s", why ? why : "not found");
	dl_degraded(component, degrades, last_error);
	return NULL;
}
