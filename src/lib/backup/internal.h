/*
 * internal.h - what the files of lib/backup share.
 *
 * archive.c is the one module that calls libarchive: bk_archive_write()
 * writes named buffers as a tar+zstd stream to a descriptor, and
 * bk_archive_each() reads an archive in memory entry by entry, checking
 * each entry's name and type (bk_entry_check()) before its bytes are read.
 */
#ifndef BOSUN_LIB_BACKUP_INTERNAL_H
#define BOSUN_LIB_BACKUP_INTERNAL_H

#include "lib/backup/backup.h"

#include <stddef.h>

/* Kinds of entry, as bk_entry_check() sees them. */
enum bk_type { BK_FILE, BK_DIR, BK_SYMLINK, BK_HARDLINK, BK_DEVICE, BK_FIFO,
	       BK_SOCKET, BK_OTHER };

/* 0 when an entry may be in a bosun archive (a regular file named
 * "manifest.json" or "files/..." with a valid place), else -BOSUN_EDATA
 * naming it and why: an absolute name, "..", a link (one that leaves the
 * tree says so), a device, a FIFO. */
int bk_entry_check(const char *name, enum bk_type type, const char *link);

struct bk_out {
	const char *name;
	const void *data;
	size_t len;
	unsigned mode;
};
/* Write the entries as tar (pax) compressed with zstd to fd, counting
 * each into prog (NULL: none). */
int bk_archive_write(int fd, const struct bk_out *v, size_t nr, long long mtime,
		     struct meter *prog);

typedef int bk_entry_fn(void *data, const char *name, unsigned mode,
			struct strbuf *bytes);
/* Read the archive in buf: each entry checked, then fn with its bytes
 * (fn may take them with strbuf_detach()). A damaged archive is
 * -BOSUN_EDATA. */
int bk_archive_each(const void *buf, size_t len, bk_entry_fn *fn, void *data);

/* One more file of bytes done, into m (NULL-safe: core/meter.h). */
void bk_progress_add(struct meter *m, long long bytes);

/* Remove what a killed backup left in the archives' folder dir: an
 * archive's lock (and owner name) whose owner is gone, a store copy whose
 * process is gone. */
void bk_sweep(const char *dir);

/* The journal, the restore's record and the last restore's hashes live in
 * <common>/bosun/restore/. */
void bk_restore_dir(struct strbuf *out, const char *common_dir);

#endif
