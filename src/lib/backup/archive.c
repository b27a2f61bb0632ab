/*
 * archive.c - libarchive behind dlopen() (internal.h): the only file that
 * calls it. Loaded on first use, as libgit2 and libcurl are, because
 * linking it costs every start about 2 ms (DESIGN.md "Startup budget").
 */
#include "bosun-config.h"
#include "lib/backup/internal.h"

#include "core/dl.h"
#include "core/error.h"
#include "core/log.h"
#include "core/meter.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <string.h>
#include <sys/stat.h>

#define AR_FUNCS(X)                            \
	X(archive_write_new)                   \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_add_filter_zstd)       \
	X(archive_write_open_fd)               \
	X(archive_write_header)                \
	X(archive_write_data)                  \
	X(archive_write_close)                 \
	X(archive_write_free)                  \
	X(archive_read_new)                    \
	X(archive_read_support_filter_all)     \
	X(archive_read_support_format_tar)     \
	X(archive_read_open_memory)            \
	X(archive_read_next_header)            \
	X(archive_read_data)                   \
	X(archive_read_free)                   \
	X(archive_error_string)                \
	X(archive_entry_new)                   \
	X(archive_entry_free)                  \
	X(archive_entry_set_pathname)          \
	X(archive_entry_set_size)              \
	X(archive_entry_set_filetype)          \
	X(archive_entry_set_perm)              \
	X(archive_entry_set_mtime)             \
	X(archive_entry_pathname)              \
	X(archive_entry_filetype)              \
	X(archive_entry_symlink)               \
	X(archive_entry_hardlink)              \
	X(archive_entry_perm)                  \
	X(archive_entry_size)

#define AR_MEMBER(f) __typeof__(f) *f;
static struct ar_api {
	AR_FUNCS(AR_MEMBER)
} ar;
#undef AR_MEMBER

static int loaded;

int backup_lib_load(void)
{
	static const char *const names[] = {
		BOSUN_ARCHIVE_SONAME, "libarchive.so", NULL,
	};
	const char *env = getenv("BOSUN_TEST_NO_LIBARCHIVE");
	void *h;

	if (loaded)
		return 0;
	/* The tests' way to see the degraded path without uninstalling. */
	h = env && *env && strcmp(env, "0") ? NULL : dl_open_first(names);
	if (!h) {
		error_set(BOSUN_EUNAVAILABLE, "cannot load libarchive (%s): %s",
			  BOSUN_ARCHIVE_SONAME, env && *env && strcmp(env, "0") ?
			  "BOSUN_TEST_NO_LIBARCHIVE is set" : dlerror());
		error_hint("install it (Debian: apt-get install libarchive13)");
		log_event(LOG_DEGRADED, "backup", "%s", error_message());
		return -BOSUN_EUNAVAILABLE;
	}
#define AR_RESOLVE(f)                                                      \
	if (!(*(void **)&ar.f = dlsym(h, #f))) {                           \
		error_set(BOSUN_EUNAVAILABLE,                              \
			  "libarchive has no '%s'; is it too old?", #f);   \
		log_event(LOG_DEGRADED, "backup", "%s", error_message());  \
		return -BOSUN_EUNAVAILABLE;                                \
	}
	AR_FUNCS(AR_RESOLVE)
#undef AR_RESOLVE
	loaded = 1;
	return 0;
}

static int ar_fail(struct archive *a, const char *what)
{
	const char *msg = ar.archive_error_string(a);

	return error_set(what[0] == 'w' ? BOSUN_EIO : BOSUN_EDATA, "%s: %s",
			 what, msg ? msg : "unknown libarchive error");
}

int bk_archive_write(int fd, const struct bk_out *v, size_t nr, long long mtime,
		     struct meter *prog)
{
	struct archive *a;
	struct archive_entry *e = NULL;
	size_t i;
	int r = 0;

	if ((r = backup_lib_load()) < 0)
		return r;
	if (!(a = ar.archive_write_new()))
		return error_set(BOSUN_EIO, "cannot start an archive: out of memory");
	if (ar.archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    ar.archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    ar.archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		r = ar_fail(a, "write: cannot start the archive");
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (!(e = ar.archive_entry_new())) {
			r = error_set(BOSUN_EIO, "write: out of memory");
			goto out;
		}
		ar.archive_entry_set_pathname(e, v[i].name);
		ar.archive_entry_set_size(e, (la_int64_t)v[i].len);
		ar.archive_entry_set_filetype(e, AE_IFREG);
		ar.archive_entry_set_perm(e, (__LA_MODE_T)(v[i].mode & 07777));
		ar.archive_entry_set_mtime(e, (time_t)mtime, 0);
		if (ar.archive_write_header(a, e) != ARCHIVE_OK ||
		    (v[i].len && ar.archive_write_data(a, v[i].data, v[i].len) !=
		     (la_ssize_t)v[i].len)) {
			r = ar_fail(a, "write: cannot add to the archive");
			goto out;
		}
		ar.archive_entry_free(e);
		e = NULL;
		/* The manifest is no file of the backup's: not counted. */
		if (!strncmp(v[i].name, "files/", 6))
			bk_progress_add(prog, (long long)v[i].len);
	}
	if (ar.archive_write_close(a) != ARCHIVE_OK)
		r = ar_fail(a, "write: cannot finish the archive");
out:
	if (e)
		ar.archive_entry_free(e);
	ar.archive_write_free(a);
	return r;
}

static enum bk_type entry_type(struct archive_entry *e)
{
	if (ar.archive_entry_hardlink(e))
		return BK_HARDLINK;
	switch (ar.archive_entry_filetype(e)) {
	case AE_IFREG: return BK_FILE;
	case AE_IFDIR: return BK_DIR;
	case AE_IFLNK: return BK_SYMLINK;
	case AE_IFCHR: case AE_IFBLK: return BK_DEVICE;
	case AE_IFIFO: return BK_FIFO;
	case AE_IFSOCK: return BK_SOCKET;
	default: return BK_OTHER;
	}
}

/* The entry's bytes, within what is left of the budget. */
static int read_data(struct archive *a, const char *name, struct strbuf *sb,
		     long long *budget)
{
	char buf[65536];
	la_ssize_t n;

	while ((n = ar.archive_read_data(a, buf, sizeof(buf))) > 0) {
		if ((*budget -= n) < 0)
			return error_set(BOSUN_EDATA, "entry '%s': the archive holds "
					 "more than %lld bytes", name,
					 (long long)BACKUP_MAX_BYTES);
		strbuf_add(sb, buf, (size_t)n);
	}
	if (n < 0)
		return error_set(BOSUN_EDATA, "entry '%s': %s", name,
				 ar.archive_error_string(a) ?
				 ar.archive_error_string(a) : "cannot be read");
	return 0;
}

int bk_archive_each(const void *buf, size_t len, bk_entry_fn *fn, void *data)
{
	struct archive *a;
	struct archive_entry *e;
	struct strbuf bytes = STRBUF_INIT;
	long long budget = BACKUP_MAX_BYTES;
	const char *name, *link;
	enum bk_type type;
	int r = 0, h;

	if ((r = backup_lib_load()) < 0)
		return r;
	if (!(a = ar.archive_read_new()))
		return error_set(BOSUN_EIO, "cannot read an archive: out of memory");
	ar.archive_read_support_filter_all(a);
	ar.archive_read_support_format_tar(a);
	if (ar.archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		r = ar_fail(a, "not a bosun archive");
		goto out;
	}
	while ((h = ar.archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			r = ar_fail(a, "a damaged archive");
			goto out;
		}
		if (!(name = ar.archive_entry_pathname(e))) {
			r = error_set(BOSUN_EDATA, "an entry whose name cannot be read");
			goto out;
		}
		type = entry_type(e);
		link = type == BK_HARDLINK ? ar.archive_entry_hardlink(e) :
		       type == BK_SYMLINK ? ar.archive_entry_symlink(e) : NULL;
		if ((r = bk_entry_check(name, type, link)) < 0)
			goto out;
		strbuf_reset(&bytes);
		if ((r = read_data(a, name, &bytes, &budget)) < 0)
			goto out;
		if ((r = fn(data, name, (unsigned)ar.archive_entry_perm(e), &bytes)) < 0)
			goto out;
	}
out:
	strbuf_release(&bytes);
	ar.archive_read_free(a);
	return r;
}
