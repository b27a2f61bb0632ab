/*
 * wtstat.c - what a worktree's git status depends on (wtstat.h).
 *
 * A kept value is "bosun-wtstat 1 DIGEST NDIRS NFILES\n", the folders
 * (relative to the worktree, NUL-terminated each), the other files
 * (absolute, NUL-terminated each), then the caller's payload. The index
 * entries are not kept: the index is read again, and only while its own
 * stamp is the kept one does the digest match.
 */
#include "lib/git/wtstat.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/statcache.h"
#include "lib/git/index.h"
#include "lib/git/refs.h"
#include "lib/git/repo.h"
#include "lib/git/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "bosun-wtstat 1 "
#define INDEX_CAP ((size_t)1 << 31)
#define SMALL_CAP ((size_t)1 << 20)
#define DEPTH_MAX 256
#define MODE_GITLINK 0160000u

struct deps {
	struct repo *repo;
	const char *dir;            /* the worktree, as the caller named it */
	int top;                    /* the worktree's folder, open */
	struct strbuf index;        /* the index file's path */
	struct strbuf dirs, files;  /* NUL-terminated each */
	size_t ndirs, nfiles;
};

static void deps_release(struct deps *d)
{
	if (d->top >= 0)
		close(d->top);
	repo_free(d->repo);
	strbuf_release(&d->index);
	strbuf_release(&d->dirs);
	strbuf_release(&d->files);
}

/* What changes where git looks for its repository and config, or adds
 * config from outside any file, is not followed: unsure. */
static int unsure_env(void)
{
	static const char *const vars[] = { "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE",
					    "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
					    "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
					    "GIT_CONFIG", NULL };
	size_t i;

	for (i = 0; vars[i]; i++)
		if (getenv(vars[i]) && *getenv(vars[i]))
			return 1;
	return 0;
}

/* 1 unsure, else 0 with d ready. */
static int deps_open(struct deps *d, const char *dir)
{
	memset(d, 0, sizeof(*d));
	d->top = -1;
	d->dir = dir;
	strbuf_init(&d->index, 0);
	strbuf_init(&d->dirs, 0);
	strbuf_init(&d->files, 0);
	if (unsure_env() || repo_discover(&d->repo, dir) < 0 || !d->repo->workdir ||
	    index_other_format(d->repo) || refs_other_format(d->repo))
		return 1;
	if ((d->top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 1;
	fs_path_join(&d->index, d->repo->gitdir, "index");
	return 0;
}

/* Fold in the stat of path (relative to fd); with ref, 1 when its stamp
 * is too recent to trust. A file that is not there is a state too. */
static int fold(struct stat_digest *dg, int fd, const char *path, long long ref)
{
	struct stat st;

	if (fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return 1;
		stat_digest_add(dg, NULL, errno);
		return 0;
	}
	if (ref && stat_racy(&st, ref))
		return 1;
	stat_digest_add(dg, &st, 0);
	return 0;
}

/* The index, HEAD, each entry, each folder, each file. ref: 0 when
 * checking (the stamps were trusted when taken). 1: unsure. */
static int digest(struct deps *d, long long ref, char *hex)
{
	struct index_file ix = INDEX_FILE_INIT;
	struct strbuf buf = STRBUF_INIT, path = STRBUF_INIT;
	struct stat_digest dg;
	unsigned char oid[20];
	const char *p;
	size_t i;
	int r = 1, rr, dfd = -2;

	stat_digest_init(&dg);
	if (fold(&dg, AT_FDCWD, d->index.buf, ref) ||
	    fs_read_file(&buf, d->index.buf, INDEX_CAP) < 0 ||
	    index_parse(&ix, (const unsigned char *)buf.buf, buf.len) < 0 || ix.unsupported)
		goto out;
	/* HEAD as written (the branch it names) and the commit it resolves to */
	fs_path_join(&path, d->repo->gitdir, "HEAD");
	strbuf_reset(&buf);
	if (fs_read_file(&buf, path.buf, SMALL_CAP) < 0)
		goto out;
	stat_digest_bytes(&dg, buf.buf, buf.len);
	if ((rr = refs_resolve(d->repo, "HEAD", oid)) == 0)
		stat_digest_bytes(&dg, oid, sizeof(oid));
	else if (rr == -BOSUN_ENOTFOUND)
		stat_digest_bytes(&dg, "unborn", 6);
	else
		goto out;
	/* Entries come sorted, those of one folder together: each is looked
	 * up from its folder, opened once, which halves the kernel's work. */
	for (i = 0; i < ix.nr; i++) {
		const char *e = ix.e[i].path, *slash = strrchr(e, '/');
		size_t dlen = slash ? (size_t)(slash - e) : 0;

		/* a submodule's state is another repository's */
		if ((ix.e[i].mode & 0170000u) == MODE_GITLINK)
			goto out;
		if (!slash) {
			if (fold(&dg, d->top, e, ref))
				goto out;
			continue;
		}
		if (dfd == -2 || buf.len != dlen || memcmp(buf.buf, e, dlen)) {
			if (dfd >= 0)
				close(dfd);
			strbuf_reset(&buf);
			strbuf_add(&buf, e, dlen);
			dfd = openat(d->top, buf.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				     O_CLOEXEC | O_PATH);
			if (dfd < 0 && errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
				goto out;
		}
		if (dfd < 0) {
			/* its folder is gone or is no longer a folder */
			stat_digest_add(&dg, NULL, ENOENT);
			continue;
		}
		if (fold(&dg, dfd, slash + 1, ref))
			goto out;
	}
	for (p = d->dirs.buf, i = 0; i < d->ndirs; i++, p += strlen(p) + 1)
		if (fold(&dg, d->top, p, ref))
			goto out;
	for (p = d->files.buf, i = 0; i < d->nfiles; i++, p += strlen(p) + 1)
		if (fold(&dg, AT_FDCWD, p, ref))
			goto out;
	stat_digest_hex(&dg, hex);
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
	error_clear();
	index_release(&ix);
	strbuf_release(&buf);
	strbuf_release(&path);
	return r;
}

static void add_file(struct deps *d, const char *a, const char *b)
{
	struct strbuf path = STRBUF_INIT;

	fs_path_join(&path, a, b);
	strbuf_add(&d->files, path.buf, path.len + 1);
	d->nfiles++;
	strbuf_release(&path);
}

/* Every folder below rel (open as fd, which this closes), and the ignore
 * and attribute files in them. 1: unsure. */
static int walk(struct deps *d, int fd, struct strbuf *rel, int depth)
{
	DIR *dir;
	struct dirent *de;
	size_t len = rel->len;
	int r = 0;

	if (fd < 0)
		return 1;
	if (depth > DEPTH_MAX || !(dir = fdopendir(fd))) {
		close(fd);
		return 1;
	}
	while (!r && (errno = 0, de = readdir(dir))) {
		const char *n = de->d_name;
		int isdir = de->d_type == DT_DIR;

		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, ".git"))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(dir), n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				r = 1;
				break;
			}
			isdir = S_ISDIR(st.st_mode);
		}
		strbuf_setlen(rel, len);
		if (len)
			strbuf_addch(rel, '/');
		strbuf_addstr(rel, n);
		if (isdir) {
			int sub;

			if (++d->ndirs > WTSTAT_DIRS_MAX) {
				r = 1;
				break;
			}
			strbuf_add(&d->dirs, rel->buf, rel->len + 1);
			sub = openat(dirfd(dir), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				     O_CLOEXEC);
			r = sub < 0 ? 1 : walk(d, sub, rel, depth + 1);
		} else if (!strcmp(n, ".gitignore") || !strcmp(n, ".gitattributes")) {
			add_file(d, d->dir, rel->buf);
		}
	}
	if (!de && errno)
		r = 1;
	strbuf_setlen(rel, len);
	closedir(dir);
	return r;
}

/* config files that name core.excludesFile or core.attributesFile: the
 * files they name (git expands "~" in them). 1: unsure. */
static int named_files(struct deps *d, const char *dir)
{
	const char *args[] = { "config", "--path", "--get-regexp",
			       "^core\\.(excludesfile|attributesfile)$", NULL };
	struct gitrun g = GITRUN_INIT;
	const char *line, *nl;
	int r;

	g.dir = dir;
	r = gitrun_exec(&g, args);
	/* exit 1: none set */
	if (r == -BOSUN_EFAIL && !g.out.len)
		r = 0;
	for (line = g.out.buf; r == 0 && *line; line = *nl ? nl + 1 : nl) {
		const char *sp = strchr(line, ' ');
		char *path;

		nl = strchrnul(line, '\n');
		if (!sp || sp > nl || sp[1] != '/') {
			r = 1;
			break;
		}
		path = xstrndup(sp + 1, (size_t)(nl - sp - 1));
		add_file(d, "", path);
		free(path);
	}
	error_clear();
	gitrun_release(&g);
	return r ? 1 : 0;
}

/* The repository's and the user's own ignore, attribute and config
 * files, wherever git would look. 1: unsure. */
static int config_files(struct deps *d, const char *dir)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct strbuf base = STRBUF_INIT, text = STRBUF_INIT;
	const char *p;
	size_t i, first = d->nfiles;
	int named = 0, r = 0;

	add_file(d, d->repo->common_dir, "info/exclude");
	add_file(d, d->repo->common_dir, "info/attributes");
	add_file(d, d->repo->common_dir, "config");
	add_file(d, d->repo->gitdir, "config.worktree");
	add_file(d, d->repo->common_dir, "config.worktree");
	add_file(d, "", "/etc/gitconfig");
	if (getenv("GIT_CONFIG_SYSTEM") && *getenv("GIT_CONFIG_SYSTEM"))
		add_file(d, "", getenv("GIT_CONFIG_SYSTEM"));
	if (getenv("GIT_CONFIG_GLOBAL") && *getenv("GIT_CONFIG_GLOBAL"))
		add_file(d, "", getenv("GIT_CONFIG_GLOBAL"));
	if (xdg && *xdg)
		fs_path_join(&base, xdg, "git");
	else if (home && *home)
		fs_path_join(&base, home, ".config/git");
	if (base.len) {
		add_file(d, base.buf, "config");
		add_file(d, base.buf, "ignore");
		add_file(d, base.buf, "attributes");
	}
	if (home && *home)
		add_file(d, home, ".gitconfig");
	for (p = d->files.buf, i = 0; i < d->nfiles && !r; i++, p += strlen(p) + 1) {
		if (i < first)
			continue;
		strbuf_reset(&text);
		if (fs_read_file(&text, p, SMALL_CAP) == 0) {
			/* an include brings in a file not watched here */
			r = strcasestr(text.buf, "[include") != NULL;
			named |= strcasestr(text.buf, "excludesfile") ||
				 strcasestr(text.buf, "attributesfile");
		}
		error_clear();
	}
	if (!r && named)
		r = named_files(d, dir);
	strbuf_release(&base);
	strbuf_release(&text);
	return r;
}

int wtstat_take(const char *dir, struct strbuf *keep)
{
	/* taken before any stat: what changes after it is seen as racy */
	long long ref = statcache_clock();
	struct strbuf rel = STRBUF_INIT;
	struct deps d;
	char hex[STAT_DIGEST_HEX + 1];
	int r;

	if ((r = deps_open(&d, dir)))
		goto out;
	strbuf_add(&d.dirs, ".", 2);
	d.ndirs = 1;
	r = walk(&d, openat(d.top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), &rel, 0) || config_files(&d, dir) || digest(&d, ref, hex);
	if (r)
		goto out;
	strbuf_addf(keep, MAGIC "%s %zu %zu\n", hex, d.ndirs, d.nfiles);
	strbuf_addbuf(keep, &d.dirs);
	strbuf_addbuf(keep, &d.files);
out:
	error_clear();
	strbuf_release(&rel);
	deps_release(&d);
	return r ? 1 : 0;
}

/* n NUL-terminated strings from *pos into sb: 0, or -1 cut short. */
static int take_list(const char *kept, size_t len, size_t *pos, size_t n,
		     struct strbuf *sb)
{
	size_t start = *pos;

	while (n--) {
		const char *nul = memchr(kept + *pos, '\0', len - *pos);
		if (!nul)
			return -1;
		*pos = (size_t)(nul - kept) + 1;
	}
	strbuf_add(sb, kept + start, *pos - start);
	return 0;
}

int wtstat_check(const char *dir, const char *kept, size_t len, size_t *at)
{
	char want[STAT_DIGEST_HEX + 1], hex[STAT_DIGEST_HEX + 1];
	const char *nl = memchr(kept, '\n', len);
	size_t ndirs, nfiles, pos;
	struct deps d;
	int ok = 0, n = 0;

	if (deps_open(&d, dir) || !nl || len < sizeof(MAGIC) - 1 ||
	    memcmp(kept, MAGIC, sizeof(MAGIC) - 1) ||
	    sscanf(kept + sizeof(MAGIC) - 1, "%32[0-9a-f] %zu %zu%n", want, &ndirs, &nfiles,
		   &n) != 3 || kept + sizeof(MAGIC) - 1 + n != nl || strlen(want) != 32)
		goto out;
	pos = (size_t)(nl - kept) + 1;
	if (take_list(kept, len, &pos, ndirs, &d.dirs) < 0 ||
	    take_list(kept, len, &pos, nfiles, &d.files) < 0)
		goto out;
	d.ndirs = ndirs;
	d.nfiles = nfiles;
	if (digest(&d, 0, hex) || strcmp(hex, want))
		goto out;
	*at = pos;
	ok = 1;
out:
	error_clear();
	deps_release(&d);
	return ok;
}
