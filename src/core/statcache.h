/*
 * statcache.h - trusting a file's stat instead of reading the file again
 * (git's "racy git" rule, Documentation/technical/racy-git.txt).
 *
 * A cache keeps, beside what it derived from a file's bytes (a hash), the
 * stat the file had when the bytes were read, stamped with a reference
 * time taken before that stat. While the file's stat stays the same, so do
 * its bytes, unless the file was changed again within the clock tick of
 * its time stamps: a stamp is trusted only when both times are before the
 * reference.
 *
 *	long long ref = statcache_clock();         // before any stat
 *	lstat(path, &st); read the bytes, hash them
 *	if (!stat_racy(&st, ref))
 *		stat_stamp_take(&keep, &st, statcache_ref(ref, &st));
 *	...
 *	lstat(path, &now);                         // a later run
 *	if (stat_stamp_matches(&keep, &now) && stat_stamp_trusted(&keep))
 *		the kept hash holds; the file is not read
 *
 * Many stats at once (every file a result depended on) fold into one
 * digest; equal digests mean equal stats, but for a chance of 1 in 2^128:
 *
 *	struct stat_digest d;
 *	stat_digest_init(&d);
 *	stat_digest_add(&d, &st, 0);              // or (NULL, errno): not there
 *	stat_digest_bytes(&d, buf, len);          // anything else it depended on
 *	stat_digest_hex(&d, hex);                 // STAT_DIGEST_HEX + 1 bytes
 *
 * Times are nanoseconds since the epoch. Nothing here fails or allocates.
 */
#ifndef BOSUN_CORE_STATCACHE_H
#define BOSUN_CORE_STATCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* A stat as a cache keeps it; set is 0 for none. */
struct stat_stamp {
	long long size, mtime, ctime, ino, ref;
	int set;
};

/* A time stamp in nanoseconds. */
long long stat_ns(const struct timespec *ts);
/* Now, by the coarse clock file systems stamp files with. */
long long statcache_clock(void);
/* ref as it compares with st's stamps: cut to whole (even) seconds when
 * st has no nanoseconds (a file system that keeps seconds only). */
long long statcache_ref(long long ref, const struct stat *st);
/* 1 when st was stamped at or after ref (cut as statcache_ref() does):
 * a change later in the same tick could keep this stat. */
int stat_racy(const struct stat *st, long long ref);
/* Keep st's size, inode and times, stamped with ref (taken as given). */
void stat_stamp_take(struct stat_stamp *s, const struct stat *st, long long ref);
/* 1 when s is set and st has its size, inode, mtime and ctime. */
int stat_stamp_matches(const struct stat_stamp *s, const struct stat *st);
/* 1 when s's times are both before its reference time. */
int stat_stamp_trusted(const struct stat_stamp *s);

#define STAT_DIGEST_HEX 32
struct stat_digest {
	uint64_t a, b;
};
void stat_digest_init(struct stat_digest *d);
/* Fold in st's mode, size, inode, mtime and ctime, or, with st NULL, err
 * (why there is no stat: ENOENT, ENOTDIR). */
void stat_digest_add(struct stat_digest *d, const struct stat *st, int err);
void stat_digest_bytes(struct stat_digest *d, const void *p, size_t len);
void stat_digest_hex(const struct stat_digest *d, char *hex);

#endif
