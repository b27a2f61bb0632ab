/*
 * fs.h - file helpers on libc.
 *
 * Reads take a size cap (0: no cap) because bosun reads files it did not
 * write. Every write goes through lockfile.h (write_file_atomic), never
 * fopen("w") over a live file. All functions return 0 or a negative kind
 * with the error recorded (error.h).
 */
#ifndef BOSUN_CORE_FS_H
#define BOSUN_CORE_FS_H

#include "core/strbuf.h"

#include <stddef.h>
#include <sys/types.h>

/* Append the whole file to sb; -BOSUN_ENOTFOUND when it does not exist,
 * -BOSUN_EDATA when it is larger than cap bytes. */
int fs_read_file(struct strbuf *sb, const char *path, size_t cap);
/* Create dir and its parents (mode 0777 & ~umask); existing dirs are fine. */
int fs_mkdir_p(const char *dir);
int fs_exists(const char *path);
int fs_is_dir(const char *path);
/* Remove a file; a missing one is not an error. */
int fs_unlink(const char *path);
/* sb = a "/" b (a may be empty). */
void fs_path_join(struct strbuf *sb, const char *a, const char *b);
/* The directory part of path into sb ("." when none). */
void fs_dirname(struct strbuf *sb, const char *path);
/* Remove dir and everything below it (does not follow symlinks). */
int fs_remove_tree(const char *dir);
/* User-level directories, honouring BOSUN_HOME and XDG_*: kind is "state",
 * "config" or "cache". The result is <base>/bosun. */
void fs_user_dir(struct strbuf *sb, const char *kind);

#endif
