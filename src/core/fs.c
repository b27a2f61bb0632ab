#include "core/fs.h"

#include "core/parallel.h"

#include "core/alloc.h"
#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK 8192

static int read_error(const char *path)
{
	if (errno == ENOENT || errno == ENOTDIR)
		return error_errno(BOSUN_ENOTFOUND, "cannot read '%s'", path);
	return error_errno(BOSUN_EIO, "cannot read '%s'", path);
}

/* Read fd to its end into sb; -1 with errno on a read error, -2 past cap. */
static int read_fd(struct strbuf *sb, int fd, size_t cap)
{
	size_t total = 0;

	for (;;) {
		ssize_t n;

		strbuf_grow(sb, READ_CHUNK);
		n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			return 0;
		total += (size_t)n;
		if (cap && total > cap)
			return -2;
		strbuf_setlen(sb, sb->len + (size_t)n);
	}
}

int fs_read_file(struct strbuf *sb, const char *path, size_t cap)
{
	size_t old_len = sb->len;
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return read_error(path);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		r = error_errno(BOSUN_EIO, "cannot read '%s'", path);
		goto out;
	}
	/* st_size is a hint only: files in /proc say 0, files grow. */
	if (cap && (size_t)st.st_size > cap)
		r = -2;
	else if (st.st_size > 0)
		strbuf_grow(sb, (size_t)st.st_size);
	if (!r)
		r = read_fd(sb, fd, cap);
	if (r == -1)
		r = error_errno(BOSUN_EIO, "cannot read '%s'", path);
	else if (r == -2)
		r = error_set(BOSUN_EDATA, "'%s' is larger than %zu bytes",
			      path, cap);
out:
	/* Output parameters stay as they were when we fail. */
	if (r < 0 && sb->alloc)
		strbuf_setlen(sb, old_len);
	close(fd);
	return r;
}

static int mkdir_one(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno != EEXIST)
		return error_errno(BOSUN_EIO, "cannot create directory '%s'", dir);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	errno = ENOTDIR;
	return error_errno(BOSUN_EIO, "cannot create directory '%s'", dir);
}

int fs_mkdir_p(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int r = 0;

	if (fs_is_dir(dir))
		return 0;
	strbuf_addstr(&sb, dir);
	/* Make every parent in turn; the leading "/" is never a component. */
	for (i = 1; i <= sb.len; i++) {
		if (i < sb.len && sb.buf[i] != '/')
			continue;
		if (sb.buf[i - 1] == '/')
			continue;
		sb.buf[i] = '\0';
		r = mkdir_one(sb.buf);
		if (i < sb.len)
			sb.buf[i] = '/';
		if (r < 0)
			goto out;
	}
out:
	strbuf_release(&sb);
	return r;
}

int fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_unlink(const char *path)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return 0;
	return error_errno(BOSUN_EIO, "cannot remove '%s'", path);
}

void fs_path_join(struct strbuf *sb, const char *a, const char *b)
{
	struct strbuf tmp = STRBUF_INIT;

	/* Built aside so that a or b may point into sb. */
	strbuf_addstr(&tmp, a);
	if (tmp.len && tmp.buf[tmp.len - 1] != '/' && *b)
		strbuf_addch(&tmp, '/');
	while (tmp.len && *b == '/')
		b++;
	strbuf_addstr(&tmp, b);
	strbuf_release(sb);
	*sb = tmp;
}

void fs_dirname(struct strbuf *sb, const char *path)
{
	size_t n = strlen(path);
	struct strbuf tmp = STRBUF_INIT;

	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (!n)
		strbuf_addch(&tmp, '.');
	else
		strbuf_add(&tmp, path, n);
	strbuf_release(sb);
	*sb = tmp;
}

void fs_path_normalize(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = sb->buf, *end = sb->buf + sb->len, *slash;
	size_t keep = 0;        /* bytes of out that ".." cannot remove */
	int abs = sb->len && sb->buf[0] == '/';

	if (abs) {
		strbuf_addch(&out, '/');
		keep = 1;
	}
	while (p < end) {
		size_t n;

		slash = memchr(p, '/', (size_t)(end - p));
		n = slash ? (size_t)(slash - p) : (size_t)(end - p);
		if (!n || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (out.len > keep) {
				char *cut = strrchr(out.buf + keep, '/');

				strbuf_setlen(&out, cut ? (size_t)(cut - out.buf) : keep);
			} else if (!abs) {
				if (out.len)
					strbuf_addch(&out, '/');
				strbuf_addstr(&out, "..");
				keep = out.len;
			}
		} else {
			if (out.len > (abs ? 1u : 0u))
				strbuf_addch(&out, '/');
			strbuf_add(&out, p, n);
		}
		p += n + 1;
	}
	if (!out.len)
		strbuf_addch(&out, '.');
	strbuf_release(sb);
	*sb = out;
}

static int remove_at(int dirfd, const char *name, const char *path);

/* Empty the directory open as fd; path is for messages only. */
static int remove_entries(int fd, const char *path)
{
	struct strbuf sub = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return error_errno(BOSUN_EIO, "cannot read directory '%s'", path);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		fs_path_join(&sub, path, de->d_name);
		if ((r = remove_at(dirfd(d), de->d_name, sub.buf)) < 0)
			goto out;
	}
out:
	strbuf_release(&sub);
	closedir(d);
	return r;
}

static int remove_at(int dirfd, const char *name, const char *path)
{
	int fd, r, saved;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return error_errno(BOSUN_EIO, "cannot remove '%s'", path);
	saved = errno;
	/* O_NOFOLLOW: a symlink is removed above, never entered. */
	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			errno = saved;
		return error_errno(BOSUN_EIO, "cannot remove '%s'", path);
	}
	if ((r = remove_entries(fd, path)) < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_errno(BOSUN_EIO, "cannot remove '%s'", path);
	return 0;
}

int fs_remove_tree(const char *dir)
{
	return remove_at(AT_FDCWD, dir, dir);
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h == '/')
		return h;
	pw = getpwuid(getuid());
	if (pw && pw->pw_dir && *pw->pw_dir == '/')
		return pw->pw_dir;
	return "/";
}

void fs_user_dir(struct strbuf *sb, const char *kind)
{
	static const struct {
		const char *kind, *env, *fallback;
	} map[] = {
		{ "state", "XDG_STATE_HOME", ".local/state" },
		{ "config", "XDG_CONFIG_HOME", ".config" },
		{ "cache", "XDG_CACHE_HOME", ".cache" },
		{ "data", "XDG_DATA_HOME", ".local/share" },
	};
	const char *home = getenv("BOSUN_HOME"), *base;
	size_t i = 0;

	while (i < ARRAY_SIZE(map) - 1 && strcmp(kind, map[i].kind))
		i++;
	if (strcmp(kind, map[i].kind))
		i = 0; /* an unknown kind is state */
	strbuf_reset(sb);
	if (home && *home) {
		strbuf_addf(sb, "%s/%s/bosun", home, map[i].kind);
		return;
	}
	base = getenv(map[i].env);
	/* The XDG spec says to ignore relative paths. */
	if (base && *base == '/')
		strbuf_addf(sb, "%s/bosun", base);
	else
		strbuf_addf(sb, "%s/%s/bosun", home_dir(), map[i].fallback);
}

struct stat_many {
	const char *const *paths;
	struct stat *st;
	int *err, nofollow;
};

static int stat_one(void *data, size_t i)
{
	struct stat_many *m = data;
	int r = m->nofollow ? lstat(m->paths[i], &m->st[i]) : stat(m->paths[i], &m->st[i]);

	m->err[i] = r < 0 ? errno : 0;
	return 0;
}

void fs_stat_many(const char *const *paths, size_t n, int nofollow,
		  struct stat *st, int *err)
{
	struct stat_many m = { paths, st, err, nofollow };

	/* A stat is a few microseconds: a thread pays for itself past ~500. */
	parallel_for(n, 512, stat_one, &m);
}

size_t fs_which_all(char ***out, size_t *nr, const char *path, const char *program,
		    int exec_only)
{
	struct strbuf dir = STRBUF_INIT, full = STRBUF_INIT;
	char **seen = NULL;
	size_t seen_nr = 0, found = 0, i;
	const char *p = path ? path : "", *end;

	for (; ; p = end + 1) {
		struct stat st;
		int dup = 0;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		strbuf_reset(&dir);
		strbuf_add(&dir, p, (size_t)(end - p));
		if (!dir.len)
			strbuf_addch(&dir, '.');
		for (i = 0; i < seen_nr; i++)
			dup |= !strcmp(seen[i], dir.buf);
		if (!dup) {
			seen = xrealloc(seen, (seen_nr + 1) * sizeof(*seen));
			seen[seen_nr++] = xstrdup(dir.buf);
			strbuf_reset(&full);
			strbuf_addf(&full, "%s/%s", dir.buf, program);
			if (stat(full.buf, &st) == 0 && S_ISREG(st.st_mode) &&
			    (!exec_only || access(full.buf, X_OK) == 0)) {
				*out = xrealloc(*out, (*nr + 1) * sizeof(**out));
				(*out)[(*nr)++] = xstrdup(full.buf);
				found++;
			}
		}
		if (!*end)
			break;
	}
	for (i = 0; i < seen_nr; i++)
		free(seen[i]);
	free(seen);
	strbuf_release(&dir);
	strbuf_release(&full);
	return found;
}
