/*
 * sources.c - what the scanner reads: files of the work tree or of given
 * paths (read in parallel, one read() per file), staged blobs (git
 * cat-file), and the blobs of a commit range or of the whole history
 * (libgit2's object database), each blob once.
 */
#include "lib/scan/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "lib/git/git2.h"
#include "lib/git/index.h"
#include "lib/git/loose.h"
#include "lib/git/repo.h"
#include "lib/git/rev.h"
#include "lib/git/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* git's own output about a large history stays well below this. */
#define GIT_OUT_CAP (1024u << 20)
#define GIT_TIMEOUT_MS (30 * 60 * 1000)

struct file_list {
	char **items;
	size_t nr, alloc;
};

static void file_list_add(struct file_list *fl, char *path)
{
	ALLOC_GROW(fl->items, fl->nr + 1, fl->alloc);
	fl->items[fl->nr++] = path;
}

static void file_list_release(struct file_list *fl)
{
	size_t i;

	for (i = 0; i < fl->nr; i++)
		free(fl->items[i]);
	free(fl->items);
}

/* ---- reading files in parallel ------------------------------------------- */

struct pool {
	struct scan_engine *e;
	const char *root;       /* paths are relative to it, or NULL */
	struct file_list *fl;
	size_t next;            /* atomically taken */
	int err;                /* the first error, kept by the failing thread */
	pthread_mutex_t lock;
	char *errmsg;
	int errkind;
};

/* A stream read from a descriptor (a large file, or git's stdout). */
struct fd_reader {
	int fd;
	const char *path;
	int eof;                /* read to its end */
};

static int read_fd(void *ctx, char *buf, size_t cap, size_t *got)
{
	struct fd_reader *f = ctx;
	ssize_t n;

	do
		n = read(f->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return error_errno(BOSUN_EIO, "cannot read '%s'", f->path);
	*got = (size_t)n;
	f->eof = !n;
	return 0;
}

/* Open path for reading: the descriptor, -1 when it is to be skipped (gone,
 * not a regular file), or a negative kind - 1 (error recorded). */
static int open_regular(int dirfd, const char *path, struct stat *st)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return errno == ENOENT || errno == ELOOP || errno == ENXIO ? -1 :
		       error_errno(BOSUN_EIO, "cannot read '%s'", path) - 1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A file over max_file_size in streaming mode. A file gone meanwhile is
 * skipped, as read_file() does; one that shrinks or grows while read is
 * scanned as read. */
static int stream_file(struct scan_worker *w, int dirfd, const char *path,
		       struct scan_report *rep)
{
	struct fd_reader f = { -1, path, 0 };
	struct stat st;
	int r;

	if ((f.fd = open_regular(dirfd, path, &st)) < -1)
		return f.fd + 1;
	if (f.fd == -1)
		return 0;
	r = scan_worker_stream(w, path, NULL, read_fd, &f, rep);
	close(f.fd);
	return r;
}

/* Read path into sb: one read() for a regular file of known size. Returns
 * 1 when read, 0 when it is to be skipped (gone, not a regular file,
 * larger than cap: *large is its size), negative on error. */
static int read_file(struct strbuf *sb, int dirfd, const char *path, size_t cap,
		     unsigned long long *large)
{
	struct stat st;
	ssize_t n;
	int fd;

	*large = 0;
	if ((fd = open_regular(dirfd, path, &st)) < -1)
		return fd + 1;
	if (fd == -1)
		return 0;
	if (cap && (size_t)st.st_size > cap) {
		close(fd);
		*large = (unsigned long long)st.st_size;
		return 0;
	}
	strbuf_reset(sb);
	strbuf_grow(sb, (size_t)st.st_size + 1);
	for (;;) {
		n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_setlen(sb, sb->len + (size_t)n);
		if (sb->len + 1 == sb->alloc) {
			if (cap && sb->len > cap)
				break;
			strbuf_grow(sb, 65536);
		}
	}
	close(fd);
	if (n < 0)
		return error_errno(BOSUN_EIO, "cannot read '%s'", path);
	return 1;
}

static void pool_fail(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	if (!p->err) {
		p->err = 1;
		p->errmsg = xstrdup(error_message());
		p->errkind = error_kind();
	}
	pthread_mutex_unlock(&p->lock);
}

static void *pool_run(void *arg)
{
	struct pool *p = arg;
	struct scan_worker *w = scan_worker_new(p->e);
	struct scan_report *rep = xcalloc(1, sizeof(*rep));
	unsigned long long large;
	int dirfd = AT_FDCWD, r;
	size_t i;

	w->given = !p->root;

	if (p->root && (dirfd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		error_errno(BOSUN_EIO, "cannot open '%s'", p->root);
		pool_fail(p);
	}
	while (dirfd != -1 && !p->err &&
	       (i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->fl->nr) {
		const char *path = p->fl->items[i];

		if (p->e->opts.ignore && glob_list_match(p->e->opts.ignore, path)) {
			rep->st.ignored++;
			continue;
		}
		r = read_file(&w->buf, dirfd, path, p->e->opts.max_file_size, &large);
		if (r > 0)
			r = scan_worker_buffer(w, path, NULL, w->buf.buf, w->buf.len, rep);
		else if (large && p->e->opts.large_files == SCAN_LARGE_STREAM)
			r = stream_file(w, dirfd, path, rep);
		else if (large)
			scan_report_skip(rep, path, NULL, large);
		if (r < 0)
			pool_fail(p);
		/* A file of a hundred megabytes should not stay in memory. */
		if (w->buf.alloc > (8u << 20))
			strbuf_release(&w->buf);
	}
	if (dirfd >= 0 && dirfd != AT_FDCWD)
		close(dirfd);
	scan_worker_free(w);
	return rep;
}

static int scan_file_list(struct scan_engine *e, const char *root,
			  struct file_list *fl, struct scan_report *rep)
{
	struct pool p = { e, root, fl, 0, 0, PTHREAD_MUTEX_INITIALIZER, NULL, 0 };
	pthread_t tids[16];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int n = e->opts.threads > 0 ? e->opts.threads : ncpu > 0 ? (int)ncpu : 1, i, started;
	void *res;

	if (n > 16)
		n = 16;
	if ((size_t)n > fl->nr / 8 + 1)
		n = (int)(fl->nr / 8 + 1);
	for (started = 1; started < n; started++)
		if (pthread_create(&tids[started], NULL, pool_run, &p))
			break;
	res = pool_run(&p);
	scan_report_merge(rep, res);
	free(res);
	for (i = 1; i < started; i++) {
		pthread_join(tids[i], &res);
		scan_report_merge(rep, res);
		free(res);
	}
	pthread_mutex_destroy(&p.lock);
	if (p.err) {
		int r = error_set(p.errkind ? p.errkind : BOSUN_EIO, "%s", p.errmsg);

		free(p.errmsg);
		return r;
	}
	return 0;
}

/* ---- the work tree ------------------------------------------------------- */

/* Split NUL-separated names into fl. */
static void split_z(struct file_list *fl, const struct strbuf *out)
{
	size_t i = 0, n;

	while (i < out->len) {
		n = strlen(out->buf + i);
		if (n)
			file_list_add(fl, xstrndup(out->buf + i, n));
		i += n + 1;
	}
}

/* git in dir; a failure is an I/O error (exit 1 means "found" here). Even
 * a long history's log ends in minutes: past that, something hangs. */
static int run_git(struct gitrun *g, const char *dir, const char *const *args)
{
	/* BOSUN_GIT_OUT_CAP lowers the cap for the tests, which cannot stage
	 * a blob of a gigabyte. */
	const char *cap = getenv("BOSUN_GIT_OUT_CAP");

	g->dir = dir;
	g->out_cap = cap && *cap ? (size_t)strtoull(cap, NULL, 10) : GIT_OUT_CAP;
	g->timeout_ms = GIT_TIMEOUT_MS;
	g->fail_kind = BOSUN_EIO;
	return gitrun_exec(g, args);
}

int scan_worktree(struct scan_engine *e, const char *workdir, struct scan_report *rep)
{
	static const char *const argv[] = {
		"ls-files", "-z", "--cached", "--others", "--exclude-standard",
		"--deduplicate", NULL,
	};
	struct gitrun g = GITRUN_INIT;
	struct file_list fl = { NULL, 0, 0 };
	int r;

	if ((r = run_git(&g, workdir, argv)) == 0) {
		split_z(&fl, &g.out);
		r = scan_file_list(e, workdir, &fl, rep);
	}
	gitrun_release(&g);
	file_list_release(&fl);
	return r;
}

/* ---- paths --------------------------------------------------------------- */

static int walk(struct file_list *fl, struct strbuf *path)
{
	DIR *d = opendir(path->len ? path->buf : ".");
	struct dirent *de;
	size_t len = path->len;
	int r = 0;

	if (!d)
		return error_errno(BOSUN_EIO, "cannot read directory '%s'", path->buf);
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		strbuf_setlen(path, len);
		if (len && path->buf[len - 1] != '/')
			strbuf_addch(path, '/');
		strbuf_addstr(path, de->d_name);
		if (de->d_type == DT_DIR)
			r = walk(fl, path);
		else if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN)
			file_list_add(fl, xstrdup(path->buf));
	}
	strbuf_setlen(path, len);
	closedir(d);
	return r;
}

int scan_paths(struct scan_engine *e, const char *const *paths, size_t n,
	       struct scan_report *rep)
{
	struct file_list fl = { NULL, 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		const char *p = paths[i];

		while (p[0] == '.' && p[1] == '/' && p[2])
			p += 2;
		if (stat(p, &st) < 0) {
			r = error_errno(errno == ENOENT ? BOSUN_ENOTFOUND : BOSUN_EIO,
					"cannot scan '%s'", paths[i]);
		} else if (S_ISDIR(st.st_mode)) {
			strbuf_reset(&sb);
			if (strcmp(p, "."))
				strbuf_addstr(&sb, p);
			r = walk(&fl, &sb);
		} else {
			file_list_add(&fl, xstrdup(p));
		}
	}
	if (r == 0)
		r = scan_file_list(e, NULL, &fl, rep);
	strbuf_release(&sb);
	file_list_release(&fl);
	return r;
}

/* ---- blobs --------------------------------------------------------------- */

struct blob {
	char oid[41];
	char *path;
	char *commit;           /* NULL for staged blobs */
};

struct blob_list {
	struct blob *items;
	size_t nr, alloc;
};

static void blob_list_release(struct blob_list *bl)
{
	size_t i;

	for (i = 0; i < bl->nr; i++) {
		free(bl->items[i].path);
		free(bl->items[i].commit);
	}
	free(bl->items);
}

static const struct blob *sort_base;

static int cmp_idx(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_base[x].oid, sort_base[y].oid);

	return c ? c : x < y ? -1 : x > y;
}

/* Each blob once: the first place it was seen (the oldest commit) wins. */
static void blob_list_dedupe(struct blob_list *bl)
{
	size_t *idx = xcalloc(bl->nr + 1, sizeof(*idx)), i, n = 0;
	char *dup = xcalloc(bl->nr + 1, 1);

	for (i = 0; i < bl->nr; i++)
		idx[i] = i;
	sort_base = bl->items;
	qsort(idx, bl->nr, sizeof(*idx), cmp_idx);
	for (i = 1; i < bl->nr; i++)
		if (!strcmp(bl->items[idx[i]].oid, bl->items[idx[i - 1]].oid))
			dup[idx[i]] = 1;
	for (i = 0; i < bl->nr; i++) {
		if (dup[i]) {
			free(bl->items[i].path);
			free(bl->items[i].commit);
			continue;
		}
		bl->items[n++] = bl->items[i];
	}
	bl->nr = n;
	free(idx);
	free(dup);
}

/*
 * Parse `git diff --raw -z` or `git log --raw -z --format=%x01%H` output:
 * "\x01<commit>\0" starts a commit; ":<mode> <mode> <old> <new> <S>\0<path>\0"
 * is a changed file. Gitlinks (submodules) have no blob here.
 */
static void parse_raw(struct blob_list *bl, const struct strbuf *out)
{
	const char *p = out->buf, *end = out->buf + out->len, *commit = NULL;
	size_t n;

	while (p < end) {
		n = strnlen(p, (size_t)(end - p));
		if (*p == '\n') {
			p++;
			n--;
		}
		if (*p == '\x01') {
			commit = p + 1;
		} else if (*p == ':' && n >= 98 && p + n + 1 < end) {
			const char *path = p + n + 1;
			const char *newoid = p + 15 + 41;

			if (strncmp(p + 8, "160000", 6) && strncmp(newoid, "0000000000", 10)) {
				struct blob *b;

				ALLOC_GROW(bl->items, bl->nr + 1, bl->alloc);
				b = &bl->items[bl->nr++];
				memcpy(b->oid, newoid, 40);
				b->oid[40] = '\0';
				b->path = xstrdup(path);
				b->commit = commit ? xstrndup(commit, 40) : NULL;
			}
			n += strnlen(path, (size_t)(end - path)) + 1;
		}
		p += n + 1;
	}
}

/* ---- large blobs --------------------------------------------------------- */

/* A blob over max_file_size in streaming mode: `git cat-file blob`'s
 * stdout, a chunk at a time (never the whole blob in memory). git failing
 * (a corrupt or missing object) fails the scan. */
static int stream_blob(struct scan_worker *w, const char *dir, const struct blob *b,
		       struct scan_report *rep)
{
	const char *argv[] = { "cat-file", "blob", b->oid, NULL };
	struct gitrun g = GITRUN_INIT;
	struct fd_reader f = { -1, b->path, 0 };
	int r;

	g.dir = dir;
	g.timeout_ms = GIT_TIMEOUT_MS;
	g.fail_kind = BOSUN_EIO;
	if ((r = gitrun_start(&g, argv)) == 0) {
		f.fd = g.out_fd;
		r = scan_worker_stream(w, b->path, b->commit, read_fd, &f, rep);
		/* Stopped early (a binary blob, an error): git is not waited for. */
		if (r == 0 && !f.eof)
			gitrun_stop(&g);
		else if (r == 0)
			r = gitrun_finish(&g);
		if (r < 0)
			r = error_set(-r, "cannot scan '%s' (blob %.12s): %s", b->path,
				      b->oid, error_message());
	}
	gitrun_release(&g);
	return r;
}

static int stream_blobs(struct scan_engine *e, const char *dir, struct blob_list *bl,
			struct scan_report *rep)
{
	struct scan_worker *w;
	size_t i;
	int r = 0;

	if (!bl->nr)
		return 0;
	w = scan_worker_new(e);
	for (i = 0; i < bl->nr && r == 0; i++)
		r = stream_blob(w, dir, &bl->items[i], rep);
	scan_worker_free(w);
	return r;
}

/* ---- staged blobs -------------------------------------------------------- */

/* Parse `git cat-file --batch` output for the blobs of bl, in order. */
static int scan_batch(struct scan_engine *e, struct blob_list *bl,
		      const struct strbuf *out, struct scan_report *rep)
{
	struct scan_worker *w = scan_worker_new(e);
	const char *p = out->buf, *end = out->buf + out->len, *nl;
	size_t i;
	int r = 0;

	for (i = 0; i < bl->nr && r == 0 && p < end; i++) {
		unsigned long long size;
		char type[16];

		if (!(nl = memchr(p, '\n', (size_t)(end - p))) ||
		    sscanf(p, "%*40s %15s %llu", type, &size) != 2 ||
		    size > (unsigned long long)(end - nl - 1)) {
			/* Cut short by the output cap: named, not scanned. */
			for (; i < bl->nr; i++)
				scan_report_skip(rep, bl->items[i].path, NULL, 0);
			break;
		}
		if (e->opts.ignore && glob_list_match(e->opts.ignore, bl->items[i].path))
			rep->st.ignored++;
		else if (!strcmp(type, "blob"))
			r = scan_worker_buffer(w, bl->items[i].path, NULL, nl + 1,
					       (size_t)size, rep);
		p = nl + 1 + size + 1;
	}
	scan_worker_free(w);
	return r;
}

/* The staged blobs: those read here (loose), in cat-file's form, and
 * those left for git cat-file. */
struct scan_staged {
	struct blob_list all, loose, rest;
	struct strbuf batch;
};

void scan_staged_free(struct scan_staged *st)
{
	if (!st)
		return;
	/* loose and rest share all's items. */
	free(st->loose.items);
	free(st->rest.items);
	blob_list_release(&st->all);
	strbuf_release(&st->batch);
	free(st);
}

/* The staged blobs from the index, without git (index.h); 1 when the
 * index or an object is not readable here. */
static int staged_native(struct blob_list *bl, struct repo *repo)
{
	struct staged_list sl = STAGED_LIST_INIT;
	size_t i;
	int r;

	if (!repo || getenv("BOSUN_STAGED_GIT") || (r = index_staged(repo, &sl)) != 0)
		return 1;
	for (i = 0; i < sl.nr; i++) {
		struct blob *b;

		ALLOC_GROW(bl->items, bl->nr + 1, bl->alloc);
		b = &bl->items[bl->nr++];
		memcpy(b->oid, sl.items[i].hex, 41);
		b->path = sl.items[i].path;
		b->commit = NULL;
		sl.items[i].path = NULL;
	}
	staged_list_release(&sl);
	return 0;
}

int scan_staged_list(struct scan_staged **out, struct repo *repo, const char *workdir,
		     const char *objects_dir, size_t max_size)
{
	static const char *const diff[] = {
		"diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames",
		"--diff-filter=AMT", "--no-ext-diff", NULL,
	};
	struct scan_staged *st = xcalloc(1, sizeof(*st));
	struct gitrun g = GITRUN_INIT;
	struct strbuf obj = STRBUF_INIT;
	const char *env = getenv("GIT_OBJECT_DIRECTORY");
	char type[8];
	size_t i;
	int r = 0;

	strbuf_init(&st->batch, 0);
	*out = NULL;
	if (staged_native(&st->all, repo)) {
		if ((r = run_git(&g, workdir, diff)) < 0)
			goto out;
		parse_raw(&st->all, &g.out);
	}
	if (env && *env)
		objects_dir = env;
	/* A staged blob is loose (git add writes them so): read it here, as
	 * cat-file would print it; git is asked for the others. */
	for (i = 0; i < st->all.nr; i++) {
		struct blob_list *to = &st->rest;

		strbuf_reset(&obj);
		if (objects_dir && loose_read(objects_dir, st->all.items[i].oid, type,
					      &obj, max_size) == 0) {
			strbuf_addf(&st->batch, "%s %s %zu\n", st->all.items[i].oid, type,
				    obj.len);
			strbuf_addbuf(&st->batch, &obj);
			strbuf_addch(&st->batch, '\n');
			to = &st->loose;
		}
		error_clear();
		ALLOC_GROW(to->items, to->nr + 1, to->alloc);
		to->items[to->nr++] = st->all.items[i];
	}
out:
	strbuf_release(&obj);
	gitrun_release(&g);
	if (r < 0)
		scan_staged_free(st);
	else
		*out = st;
	return r;
}

int scan_staged_scan(struct scan_engine *e, struct scan_staged *st,
		     const char *workdir, struct scan_report *rep)
{
	static const char *const check[] = { "cat-file", "--batch-check", NULL };
	static const char *const cat[] = { "cat-file", "--batch", NULL };
	struct gitrun c = GITRUN_INIT, b = GITRUN_INIT;
	struct strbuf in = STRBUF_INIT;
	struct blob_list keep = { 0 }, big = { 0 };
	const char *p, *nl;
	const char *env = getenv("BOSUN_GIT_OUT_CAP");
	size_t i, cap = env && *env ? (size_t)strtoull(env, NULL, 10) : GIT_OUT_CAP, sum = 0;
	int r = 0;

	if (st->loose.nr && (r = scan_batch(e, &st->loose, &st->batch, rep)) < 0)
		return r;
	if (!st->rest.nr)
		return 0;
	for (i = 0; i < st->rest.nr; i++)
		strbuf_addf(&in, "%s\n", st->rest.items[i].oid);
	/* The sizes first: a blob over the limit is never read whole into
	 * memory (nor past the output cap, which failed the scan): streamed
	 * from its own cat-file, or skipped and named, as the work-tree scan
	 * does with its file. */
	c.in = in.buf;
	c.in_len = in.len;
	if ((r = run_git(&c, workdir, check)) < 0)
		goto out;
	p = c.out.buf;
	for (i = 0; i < st->rest.nr; i++) {
		unsigned long long size;
		char type[16];
		int known = p && (nl = strchr(p, '\n')) &&
			    sscanf(p, "%*40s %15s %llu", type, &size) == 2;

		if (e->opts.ignore && glob_list_match(e->opts.ignore, st->rest.items[i].path)) {
			rep->st.ignored++;
			known = -1;
		}
		/* Over the limit, or past what one cat-file --batch may print
		 * (its output is held whole): streamed, or skipped and named. */
		if (known < 0) {
			/* ignored */
		} else if (known && ((e->opts.max_file_size && size > e->opts.max_file_size) ||
				     sum + size + 128 > cap)) {
			if (e->opts.large_files == SCAN_LARGE_STREAM) {
				ALLOC_GROW(big.items, big.nr + 1, big.alloc);
				big.items[big.nr++] = st->rest.items[i];
			} else {
				scan_report_skip(rep, st->rest.items[i].path, NULL, size);
			}
		} else {
			if (known)
				sum += size + 128;
			ALLOC_GROW(keep.items, keep.nr + 1, keep.alloc);
			keep.items[keep.nr++] = st->rest.items[i];
		}
		p = p && (nl = strchr(p, '\n')) ? nl + 1 : NULL;
	}
	if (keep.nr) {
		strbuf_reset(&in);
		for (i = 0; i < keep.nr; i++)
			strbuf_addf(&in, "%s\n", keep.items[i].oid);
		b.in = in.buf;
		b.in_len = in.len;
		if ((r = run_git(&b, workdir, cat)) == 0)
			r = scan_batch(e, &keep, &b.out, rep);
	}
	if (r == 0)
		r = stream_blobs(e, workdir, &big, rep);
out:
	free(keep.items); /* shares st->all's items */
	free(big.items);
	strbuf_release(&in);
	gitrun_release(&c);
	gitrun_release(&b);
	return r;
}

int scan_staged(struct scan_engine *e, struct repo *repo, const char *workdir,
		const char *objects_dir, struct scan_report *rep)
{
	struct scan_staged *st;
	int r;

	if ((r = scan_staged_list(&st, repo, workdir, objects_dir, e->opts.max_file_size)) < 0)
		return r;
	r = scan_staged_scan(e, st, workdir, rep);
	scan_staged_free(st);
	return r;
}

/* ---- history ------------------------------------------------------------- */

static int history_blobs(struct blob_list *bl, const char *workdir, const char *range)
{
	const char *argv[16] = {
		"log", "--reverse", "--raw", "-z", "--no-abbrev", "--no-renames",
		"--diff-filter=AMT", "--format=%x01%H", "--no-ext-diff",
	};
	struct gitrun g = GITRUN_INIT;
	struct strbuf tip = STRBUF_INIT;
	size_t n = 9;
	const char *dots = range ? strstr(range, "..") : NULL;
	int r;

	if (!range) {
		argv[n++] = "--all";
	} else if (dots && dots - range == 40 && strspn(range, "0") == 40) {
		/* A new branch in a pre-push hook: what no remote has yet. */
		strbuf_addstr(&tip, dots + 2 + (dots[2] == '.'));
		argv[n++] = tip.buf;
		argv[n++] = "--not";
		argv[n++] = "--remotes";
	} else {
		argv[n++] = range;
	}
	argv[n++] = "--";
	argv[n] = NULL;
	if ((r = run_git(&g, workdir, argv)) == 0)
		parse_raw(bl, &g.out);
	gitrun_release(&g);
	strbuf_release(&tip);
	return r;
}

static int scan_odb_blob(struct scan_worker *w, git_odb *odb, const char *dir,
			 const struct blob *b, struct scan_report *rep)
{
	git_odb_object *obj = NULL;
	git_object_t type;
	git_oid oid;
	size_t size;
	int r;

	if (git_oid_fromstrn(&oid, b->oid, 40) < 0)
		return git2_error(BOSUN_EINTERNAL, "bad object id");
	if (git_odb_read_header(&size, &type, odb, &oid) < 0)
		return git2_error(BOSUN_EIO, "cannot read a blob");
	if (w->e->opts.max_file_size && size > w->e->opts.max_file_size) {
		if (w->e->opts.large_files == SCAN_LARGE_STREAM)
			return stream_blob(w, dir, b, rep);
		scan_report_skip(rep, b->path, b->commit, size);
		return 0;
	}
	if (git_odb_read(&obj, odb, &oid) < 0)
		return git2_error(BOSUN_EIO, "cannot read a blob");
	r = scan_worker_buffer(w, b->path, b->commit, git_odb_object_data(obj),
			       git_odb_object_size(obj), rep);
	git_odb_object_free(obj);
	return r;
}

/* One end of a range names a commit (or is empty, or the zero id of a
 * new branch, or uses git's ^!, ^@, ^- forms, which git log checks). */
static int check_rev(struct repo *repo, const char *range, const char *rev, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	char hex[41];
	int r = 0;

	strbuf_add(&sb, rev, len);
	if (len && !(len == 40 && strspn(sb.buf, "0") == 40) && !strstr(sb.buf, "^!") &&
	    !strstr(sb.buf, "^@") && !strstr(sb.buf, "^-") &&
	    rev_commit_hex(repo, sb.buf, hex) < 0)
		r = error_set(BOSUN_ENOTFOUND, "--range '%s': unknown revision '%s'",
			      range, sb.buf);
	strbuf_release(&sb);
	return r;
}

/* bosun's own message for a revision that names nothing (exit 3, as
 * `changelog --range` gives), not git log's. */
static int check_range(struct repo *repo, const char *range)
{
	const char *dots = strstr(range, "..");
	int r;

	if (!dots)
		return check_rev(repo, range, range, strlen(range));
	if ((r = check_rev(repo, range, range, (size_t)(dots - range))) < 0)
		return r;
	dots += dots[2] == '.' ? 3 : 2;
	return check_rev(repo, range, dots, strlen(dots));
}

int scan_history(struct scan_engine *e, struct repo *repo, const char *range,
		 struct scan_report *rep)
{
	struct blob_list bl = { NULL, 0, 0 };
	struct scan_worker *w = NULL;
	git_repository *g;
	git_odb *odb = NULL;
	size_t i;
	int r;

	if (range && range[0] == '-')
		return error_set(BOSUN_EUSAGE, "'%s' is not a revision range", range);
	if (range && (r = check_range(repo, range)) < 0)
		return r;
	if ((r = history_blobs(&bl, repo->workdir ? repo->workdir : repo->gitdir,
			       range)) < 0)
		goto out;
	blob_list_dedupe(&bl);
	if (!bl.nr)
		goto out;
	if ((r = repo_git(repo, &g)) < 0)
		goto out;
	if (git_repository_odb(&odb, g) < 0) {
		r = git2_error(BOSUN_EIO, "cannot open the object database");
		goto out;
	}
	w = scan_worker_new(e);
	for (i = 0; i < bl.nr && r == 0; i++) {
		if (e->opts.ignore && glob_list_match(e->opts.ignore, bl.items[i].path))
			rep->st.ignored++;
		else
			r = scan_odb_blob(w, odb, repo->workdir ? repo->workdir : repo->gitdir,
					  &bl.items[i], rep);
	}
out:
	scan_worker_free(w);
	if (odb)
		git_odb_free(odb);
	blob_list_release(&bl);
	return r;
}
