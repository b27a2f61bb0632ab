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
/* 1 when path exists (a dangling symlink counts), else 0. */
int fs_exists(const char *path);
/* 1 when path is a directory (or a symlink to one), else 0. */
int fs_is_dir(const char *path);
/* Remove a file; a missing one is not an error. */
int fs_unlink(const char *path);
/* sb = a "/" b (a may be empty); sb is replaced, and a or b may point
 * into it. */
void fs_path_join(struct strbuf *sb, const char *a, const char *b);
/* The directory part of path into sb, replacing it ("." when none,
 * "/" for "/a"; trailing slashes are ignored, as dirname(1) does). */
void fs_dirname(struct strbuf *sb, const char *path);
/* Make sb's path lexical-canonical in place: repeated '/' and "."
 * components dropped, "x/.." removed (symlinks are not looked at), no
 * trailing '/'; "" becomes ".". A leading "/" or ".." stays. */
void fs_path_normalize(struct strbuf *sb);
/* Remove dir and everything below it (does not follow symlinks); a
 * missing dir is not an error. */
int fs_remove_tree(const char *dir);
/* User-level directories, honouring BOSUN_HOME and XDG_*: kind is "state",
 * "config", "cache" (or "data"). The result, replacing sb, is <base>/bosun:
 * $BOSUN_HOME/<kind>/bosun when BOSUN_HOME is set, else $XDG_STATE_HOME/bosun
 * (and so on), else ~/.local/state/bosun, ~/.config/bosun, ~/.cache/bosun. */
void fs_user_dir(struct strbuf *sb, const char *kind);

/* Every regular file named program in the folders of path (a $PATH
 * value; an empty entry is "."), in order, each folder once: appended to
 * *out (allocated strings, *nr grown); returns how many were found. With
 * exec_only, only those we may execute (what a shell would run). */
size_t fs_which_all(char ***out, size_t *nr, const char *path, const char *program,
		    int exec_only);

struct stat;
/* stat() (or lstat() with nofollow) each of n paths, on a few threads when
 * there are many: st[i], and err[i] 0 or the errno. Records no error. */
void fs_stat_many(const char *const *paths, size_t n, int nofollow,
		  struct stat *st, int *err);

#endif
