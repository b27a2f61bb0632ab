/*
 * tags.h - release tags: the tags whose names match the tag format.
 *
 *	struct rtags t = RTAGS_INIT;
 *	if ((r = rtags_collect(&t, &h, "v{version}", NULL)) < 0) ...
 *	for (i = 0; i < t.nr; i++)
 *		t.items[i].name, .ver, .idx (the tagged commit in h)
 *	rtags_release(&t);
 *
 * A format holds "{version}" once and, for monorepos, "{name}" (filled from
 * package): "v{version}", "{name}@{version}", "{name}-v{version}". A tag
 * matches when its name is the format with a version in place of
 * "{version}". The text in that place must be strict SemVer: "v1.2",
 * "v1.2.3.4" or "v01.2.3" are not releases; they are listed in skipped so
 * commands can say why they were ignored. Tags of something other than a
 * commit are skipped too. Every tagged commit is loaded into h with its
 * history, so reachability is a walk over h.
 */
#ifndef BOSUN_LIB_TAGS_H
#define BOSUN_LIB_TAGS_H

#include "core/strbuf.h"
#include "lib/git/history.h"
#include "lib/release/semver.h"

struct rtag {
	char *name;
	struct semver ver;
	uint32_t idx;
};

struct rtags {
	struct rtag *items;
	size_t nr, alloc;
	char **skipped;      /* "name: reason" */
	size_t nr_skipped, alloc_skipped;
};
#define RTAGS_INIT { NULL, 0, 0, NULL, 0, 0 }

/* Check a format: exactly one "{version}", "{name}" only with a package
 * (-BOSUN_EUSAGE otherwise, with a hint). */
int rtags_check_format(const char *format, const char *package);
int rtags_collect(struct rtags *out, struct history *h, const char *format,
		  const char *package);
void rtags_release(struct rtags *t);
/* The tag name for version: format with {version} and {name} filled in. */
void rtags_format(struct strbuf *sb, const char *format, const char *package,
		  const char *version);
/* Sort by version, ascending (ties by name). */
void rtags_sort(struct rtags *t);

#endif
