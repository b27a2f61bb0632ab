/*
 * files.c - bringing ignored essentials into a worktree (work.h,
 * docs/work.md "Ignored files"): copies by reflink where the file system
 * allows, else by bytes; folders by reflink, symlink or copy. A folder is
 * built under "<dest>.bosun-tmp" and renamed into place, so a spawn killed
 * half-way leaves no half folder that the next one would take for done.
 */
#include "lib/work/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TREE_DEPTH_MAX 64

/* Copy src's bytes into fd: by reflink when allowed (reflink_only: or
 * fail with -BOSUN_EUNAVAILABLE), else read and write. */
static int copy_fd(int in, int fd, const char *src, int reflink_only)
{
	char buf[65536];
	ssize_t n;

	if (!ioctl(fd, FICLONE, in))
		return 0;
	if (reflink_only)
		return error_set(BOSUN_EUNAVAILABLE, "cannot reflink '%s': the file "
				 "system does not share blocks", src);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return error_errno(BOSUN_EIO, "cannot copy '%s'", src);
	return n < 0 ? error_errno(BOSUN_EIO, "cannot read '%s'", src) : 0;
}

/* A file through a lock: the copy appears whole or not at all. */
static int copy_file(const char *src, const char *dst, mode_t mode, int reflink_only)
{
	struct lockfile lk = LOCKFILE_INIT;
	int in, r;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return error_errno(BOSUN_EIO, "cannot read '%s'", src);
	if ((r = lock_acquire(&lk, dst, 0)) < 0)
		goto out;
	if ((r = copy_fd(in, lk.fd, src, reflink_only)) < 0 ||
	    (r = fchmod(lk.fd, mode & 07777) ? error_errno(BOSUN_EIO, "cannot "
		"set the mode of '%s'", dst) : 0) < 0)
		lock_rollback(&lk);
	else
		r = lock_commit(&lk);
out:
	close(in);
	return r;
}

static int copy_tree(const char *src, const char *dst, int reflink_only, int depth)
{
	struct strbuf s = STRBUF_INIT, d = STRBUF_INIT, link = STRBUF_INIT;
	struct dirent *e;
	struct stat st;
	DIR *dir;
	int r = 0;

	if (depth > TREE_DEPTH_MAX)
		return error_set(BOSUN_EDATA, "'%s' is nested too deep to copy", src);
	if (mkdir(dst, 0777) && errno != EEXIST)
		return error_errno(BOSUN_EIO, "cannot create '%s'", dst);
	if (!(dir = opendir(src)))
		return error_errno(BOSUN_EIO, "cannot read '%s'", src);
	while (r >= 0 && (e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		fs_path_join(&s, src, e->d_name);
		fs_path_join(&d, dst, e->d_name);
		if (lstat(s.buf, &st)) {
			r = error_errno(BOSUN_EIO, "cannot read '%s'", s.buf);
		} else if (S_ISDIR(st.st_mode)) {
			r = copy_tree(s.buf, d.buf, reflink_only, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			char buf[4096];
			ssize_t n = readlink(s.buf, buf, sizeof(buf) - 1);
			if (n < 0 || (buf[n] = 0, symlink(buf, d.buf) && errno != EEXIST))
				r = error_errno(BOSUN_EIO, "cannot copy the link '%s'", s.buf);
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(s.buf, d.buf, st.st_mode, reflink_only);
		}
	}
	closedir(dir);
	strbuf_release(&s);
	strbuf_release(&d);
	strbuf_release(&link);
	return r;
}

/* The folder src as dst, by way of dst.bosun-tmp. */
static int tree_into_place(const char *src, const char *dst, int reflink_only)
{
	struct strbuf tmp = STRBUF_INIT;
	int r;

	strbuf_addf(&tmp, "%s.bosun-tmp", dst);
	if ((r = fs_remove_tree(tmp.buf)) < 0 ||
	    (r = copy_tree(src, tmp.buf, reflink_only, 0)) < 0)
		goto out;
	if (rename(tmp.buf, dst))
		r = error_errno(BOSUN_EIO, "cannot rename '%s'", tmp.buf);
out:
	if (r < 0) {
		int keep = error_kind();
		struct strbuf msg = STRBUF_INIT;
		strbuf_addstr(&msg, error_message());
		fs_remove_tree(tmp.buf);
		error_set(keep, "%s", msg.buf);
		strbuf_release(&msg);
	}
	strbuf_release(&tmp);
	return r;
}

static int ensure_parent(const char *dst)
{
	struct strbuf dir = STRBUF_INIT;
	int r;

	fs_dirname(&dir, dst);
	r = fs_mkdir_p(dir.buf);
	strbuf_release(&dir);
	return r;
}

int work_bring(const char *src, const char *dst, enum work_bring how,
	       const char **done)
{
	struct stat st;
	int r;

	*done = NULL;
	if (lstat(src, &st))
		return error_errno(BOSUN_EIO, "cannot read '%s'", src);
	if ((r = ensure_parent(dst)) < 0)
		return r;
	if (!S_ISDIR(st.st_mode)) {
		if (S_ISLNK(st.st_mode) || how == BRING_SYMLINK) {
			*done = "symlink";
			return symlink(src, dst) ? error_errno(BOSUN_EIO, "cannot link "
				"'%s'", dst) : 0;
		}
		*done = "copy";
		return copy_file(src, dst, st.st_mode, how == BRING_REFLINK);
	}
	switch (how) {
	case BRING_AUTO:
		if ((r = tree_into_place(src, dst, 1)) == 0) {
			*done = "reflink";
			return 0;
		}
		if (r != -BOSUN_EUNAVAILABLE)
			return r;
		error_clear();
		/* fall through */
	case BRING_SYMLINK:
		*done = "symlink";
		return symlink(src, dst) ? error_errno(BOSUN_EIO, "cannot link '%s'", dst) : 0;
	case BRING_REFLINK:
		*done = "reflink";
		return tree_into_place(src, dst, 1);
	case BRING_COPY:
	default:
		*done = "copy";
		return tree_into_place(src, dst, 0);
	}
}
