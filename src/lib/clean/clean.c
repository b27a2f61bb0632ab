/*
 * clean.c - the plan of what bosun clean removes, and its execution.
 */
#include "lib/clean/clean.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/meter.h"
#include "core/pidfile.h"
#include "core/proc.h"
#include "core/time.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OWNER_MARK ".lock.owner."
#define LEFTOVER_MARK ".bosun-clean."

void clean_plan_release(struct clean_plan *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		free(p->v[i].kind);
		free(p->v[i].path);
		free(p->v[i].why);
		free(p->v[i].kept);
		free(p->v[i].error);
	}
	free(p->v);
	p->v = NULL;
	p->nr = p->alloc = 0;
}

static struct clean_item *add(struct clean_plan *p, const char *kind,
			      const char *path, const struct stat *st, long long bytes)
{
	struct clean_item *it;
	size_t i;

	/* One entry per path: two rules may find the same thing. */
	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->v[i].path, path))
			return NULL;
	ALLOC_GROW(p->v, p->nr + 1, p->alloc);
	it = &p->v[p->nr++];
	memset(it, 0, sizeof(*it));
	it->kind = xstrdup(kind);
	it->path = xstrdup(path);
	it->bytes = bytes;
	it->mtime_s = (long long)st->st_mtime;
	it->dir = S_ISDIR(st->st_mode);
	return it;
}

static void plan(struct clean_item *it, const char *why)
{
	if (!it)
		return;
	it->planned = 1;
	free(it->why);
	it->why = xstrdup(why);
}

/* Bytes below path (not following links), and the newest mtime. */
static long long tree_size(const char *path, long long *newest)
{
	struct stat st;
	struct strbuf sb = STRBUF_INIT;
	struct dirent *de;
	long long n;
	DIR *d;

	if (lstat(path, &st) < 0)
		return 0;
	if ((long long)st.st_mtime > *newest)
		*newest = (long long)st.st_mtime;
	n = (long long)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return S_ISDIR(st.st_mode) ? n : (long long)st.st_size;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		fs_path_join(&sb, path, de->d_name);
		n += tree_size(sb.buf, newest);
	}
	closedir(d);
	strbuf_release(&sb);
	return n;
}

/* The names in dir, sorted (NULL-terminated); NULL when dir is absent. */
static char **list_dir(const char *dir, size_t *nr)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t alloc = 0;

	*nr = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ALLOC_GROW(v, *nr + 2, alloc);
		v[(*nr)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (v)
		v[*nr] = NULL;
	return v;
}

static void free_list(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

int clean_old_files(struct clean_plan *p, const char *kind, const char *dir,
		    long long cut_s)
{
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
	size_t nr, i;
	char **names = list_dir(dir, &nr);

	for (i = 0; i < nr; i++) {
		struct clean_item *it;
		struct stat st;

		fs_path_join(&path, dir, names[i]);
		/* Locks and other temporaries are clean_stale_temps()'s. */
		if (lstat(path.buf, &st) < 0 || !S_ISREG(st.st_mode) ||
		    strstr(names[i], ".lock"))
			continue;
		if (!(it = add(p, kind, path.buf, &st, (long long)st.st_size)))
			continue;
		it->budget_ok = 1;
		if ((long long)st.st_mtime < cut_s) {
			strbuf_reset(&why);
			strbuf_addf(&why, "not changed in %lld days",
				    (time_wall_ms() / 1000 - (long long)st.st_mtime) / 86400);
			plan(it, why.buf);
		}
	}
	free_list(names, nr);
	strbuf_release(&path);
	strbuf_release(&why);
	return 0;
}

int clean_rotated_logs(struct clean_plan *p, const char *dir, const char *name,
		       int keep)
{
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
	size_t nr, i, n = strlen(name);
	char **names = list_dir(dir, &nr);

	for (i = 0; i < nr; i++) {
		struct clean_item *it;
		struct stat st;
		char *end;
		long k;

		if (strncmp(names[i], name, n) || names[i][n] != '.' ||
		    !names[i][n + 1])
			continue;
		k = strtol(names[i] + n + 1, &end, 10);
		if (*end || k < 1)
			continue;
		fs_path_join(&path, dir, names[i]);
		if (lstat(path.buf, &st) < 0 || !S_ISREG(st.st_mode) ||
		    !(it = add(p, "log", path.buf, &st, (long long)st.st_size)))
			continue;
		it->budget_ok = 1;
		if (k > keep) {
			strbuf_reset(&why);
			strbuf_addf(&why, "beyond the newest %d rotated logs", keep);
			plan(it, why.buf);
		}
	}
	free_list(names, nr);
	strbuf_release(&path);
	strbuf_release(&why);
	return 0;
}

/* The owner of dir/NAME.pid files that still runs: 1 with *pid set. */
static int held_by_pidfile(const char *dir, pid_t *pid)
{
	struct strbuf path = STRBUF_INIT;
	size_t nr, i;
	char **names = list_dir(dir, &nr);
	int held = 0;

	for (i = 0; i < nr && !held; i++) {
		struct proc_owner o;
		size_t n = strlen(names[i]);

		if (n < 5 || strcmp(names[i] + n - 4, ".pid"))
			continue;
		fs_path_join(&path, dir, names[i]);
		if (pidfile_read(&o, path.buf) == 0 && proc_owner_alive(&o)) {
			held = 1;
			*pid = o.pid;
		}
		error_clear();
	}
	free_list(names, nr);
	strbuf_release(&path);
	return held;
}

int clean_watchers(struct clean_plan *p, const char *root, long long cut_s)
{
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
	size_t nr, i;
	char **names = list_dir(root, &nr);

	for (i = 0; i < nr; i++) {
		struct clean_item *it;
		struct stat st;
		long long newest = 0, bytes;
		pid_t pid;

		/* One folder per watched commit, named by its 40 hex digits. */
		if (strlen(names[i]) != 40 || names[i][strspn(names[i], "0123456789abcdef")])
			continue;
		fs_path_join(&path, root, names[i]);
		if (lstat(path.buf, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		bytes = tree_size(path.buf, &newest);
		if (!(it = add(p, "watcher", path.buf, &st, bytes)))
			continue;
		it->mtime_s = newest;
		if (held_by_pidfile(path.buf, &pid)) {
			strbuf_reset(&why);
			strbuf_addf(&why, "its watcher runs (pid %ld)", (long)pid);
			it->kept = strbuf_detach(&why, NULL);
			continue;
		}
		it->budget_ok = 1;
		if (newest < cut_s) {
			strbuf_reset(&why);
			strbuf_addf(&why, "a finished watcher's status, %lld days old",
				    (time_wall_ms() / 1000 - newest) / 86400);
			plan(it, why.buf);
		}
	}
	free_list(names, nr);
	strbuf_release(&path);
	strbuf_release(&why);
	return 0;
}

static int newest_first(const void *a, const void *b)
{
	const struct clean_item *x = *(const struct clean_item *const *)a;
	const struct clean_item *y = *(const struct clean_item *const *)b;

	if (x->mtime_s != y->mtime_s)
		return x->mtime_s < y->mtime_s ? 1 : -1;
	return strcmp(y->path, x->path);
}

int clean_backups(struct clean_plan *p, const char *dir, long long keep,
		  long long keep_days, long long now_s)
{
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
	struct clean_item **mine;
	size_t nr, i, n = 0, first = p->nr;
	char **names = list_dir(dir, &nr);

	for (i = 0; i < nr; i++) {
		struct stat st;
		size_t len = strlen(names[i]);

		if (strncmp(names[i], "bosun-", 6) || len < 14 ||
		    strcmp(names[i] + len - 8, ".tar.zst"))
			continue;
		fs_path_join(&path, dir, names[i]);
		if (lstat(path.buf, &st) == 0 && S_ISREG(st.st_mode))
			add(p, "backup", path.buf, &st, (long long)st.st_size);
	}
	/* Pointers only now: add() may move p->v. */
	mine = xcalloc(p->nr - first + 1, sizeof(*mine));
	for (i = first; i < p->nr; i++)
		mine[n++] = &p->v[i];
	qsort(mine, n, sizeof(*mine), newest_first);
	for (i = 0; i < n; i++) {
		int by_count = keep > 0 && (long long)i < keep;
		int by_age = keep_days > 0 && mine[i]->mtime_s >= now_s - keep_days * 86400;

		mine[i]->budget_ok = i > 0;
		if (by_count || by_age || (keep <= 0 && keep_days <= 0))
			continue;
		strbuf_reset(&why);
		strbuf_addf(&why, "beyond the newest %lld and older than %lld days",
			    keep, keep_days);
		plan(mine[i], why.buf);
	}
	free(mine);
	free_list(names, nr);
	strbuf_release(&path);
	strbuf_release(&why);
	return 0;
}

/* "NAME<mark>PID.START" (START optional): 1 with pid and start. */
static int owner_in_name(const char *name, const char *mark, pid_t *pid,
			 unsigned long long *start)
{
	const char *at = strstr(name, mark);
	char *end;
	long v;

	if (!at)
		return 0;
	errno = 0;
	v = strtol(at + strlen(mark), &end, 10);
	if (errno || v <= 0 || v > INT_MAX)
		return 0;
	*pid = (pid_t)v;
	*start = 0;
	if (*end == '.')
		*start = strtoull(end + 1, &end, 10);
	return 1;
}

static int runs(pid_t pid, unsigned long long start)
{
	if (start)
		return proc_alive(pid, start);
	return kill(pid, 0) == 0 || errno == EPERM;
}

static void stale(struct clean_plan *p, const char *path, const char *why)
{
	struct stat st;
	long long newest = 0;

	if (lstat(path, &st) == 0)
		plan(add(p, "temp", path, &st, tree_size(path, &newest)), why);
}

static void temps_in(struct clean_plan *p, const char *dir, const char *name)
{
	struct strbuf path = STRBUF_INIT, lock = STRBUF_INIT;
	unsigned long long start;
	pid_t pid;

	fs_path_join(&path, dir, name);
	if (owner_in_name(name, OWNER_MARK, &pid, &start) && !runs(pid, start)) {
		/* The lock and its owner name go together. */
		struct stat a, b;

		strbuf_add(&lock, path.buf, (size_t)(strstr(path.buf, OWNER_MARK) - path.buf));
		strbuf_addstr(&lock, ".lock");
		/* The lock is the owner name's other link; a lock of that name
		 * that is another file is a newer owner's, and stays. */
		if (stat(lock.buf, &a) == 0 && stat(path.buf, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			stale(p, lock.buf, "a lock left by a killed process");
		stale(p, path.buf, "a lock left by a killed process");
	} else if (!strncmp(name, ".store-copy.", 12) &&
		   owner_in_name(name, ".store-copy.", &pid, &start) && !runs(pid, 0)) {
		stale(p, path.buf, "a store copy left by a killed backup");
	} else if (owner_in_name(name, LEFTOVER_MARK, &pid, &start) && !runs(pid, start)) {
		stale(p, path.buf, "left by a killed clean");
	}
	strbuf_release(&lock);
	strbuf_release(&path);
}

int clean_stale_temps(struct clean_plan *p, const char *dir, int depth)
{
	struct strbuf path = STRBUF_INIT;
	size_t nr, i;
	char **names = list_dir(dir, &nr);

	for (i = 0; i < nr; i++) {
		struct stat st;

		temps_in(p, dir, names[i]);
		fs_path_join(&path, dir, names[i]);
		if (depth > 1 && !strstr(names[i], LEFTOVER_MARK) &&
		    lstat(path.buf, &st) == 0 && S_ISDIR(st.st_mode))
			clean_stale_temps(p, path.buf, depth - 1);
	}
	free_list(names, nr);
	strbuf_release(&path);
	return 0;
}

int clean_store_cache(struct clean_plan *p, struct store *s, long long cut_s,
		      clean_cache_gone_fn *gone, void *data)
{
	struct store_cache_entry *v = NULL;
	struct strbuf why = STRBUF_INIT;
	char **gone_why = NULL;
	size_t nr = 0, i;
	int r;

	if ((r = store_cache_list(s, NULL, &v, &nr)) < 0)
		return r;
	p->store = s;
	gone_why = xcalloc(nr + 1, sizeof(*gone_why));
	if (gone && nr && (r = gone(v, nr, gone_why, data)) < 0) {
		/* Nothing is known gone then; the age still counts. */
		for (i = 0; i < nr; i++) {
			free(gone_why[i]);
			gone_why[i] = NULL;
		}
	}
	for (i = 0; i < nr; i++) {
		struct stat st = { 0 };
		struct clean_item *it;

		st.st_mode = S_IFREG;
		st.st_mtime = (time_t)(v[i].put_ms / 1000);
		if (!(it = add(p, "store", v[i].key, &st, v[i].bytes)))
			continue;
		it->cached = 1;
		it->put_ms = v[i].put_ms;
		it->budget_ok = 1;
		strbuf_reset(&why);
		if (gone_why[i])
			plan(it, gone_why[i]);
		else if (v[i].put_ms / 1000 < cut_s) {
			strbuf_addf(&why, "a cache entry not put again in %lld days",
				    (time_wall_ms() / 1000 - v[i].put_ms / 1000) / 86400);
			plan(it, why.buf);
		}
	}
	for (i = 0; i < nr; i++)
		free(gone_why[i]);
	free(gone_why);
	strbuf_release(&why);
	store_cache_free(v, nr);
	return r;
}

static int oldest_first(const void *a, const void *b)
{
	return -newest_first(a, b);
}

long long clean_budget(struct clean_plan *p, long long budget)
{
	struct clean_item **c = xcalloc(p->nr + 1, sizeof(*c));
	long long stays = 0;
	size_t i, n = 0;

	for (i = 0; i < p->nr; i++)
		if (p->v[i].budget_ok && !p->v[i].planned && !p->v[i].kept) {
			c[n++] = &p->v[i];
			stays += p->v[i].bytes;
		}
	qsort(c, n, sizeof(*c), oldest_first);
	for (i = 0; i < n && stays > budget; i++) {
		plan(c[i], "over the --budget, oldest first");
		stays -= c[i]->bytes;
	}
	free(c);
	return stays;
}

/* BOSUN_TEST_CLEAN_KILL=N: SIGKILL at the Nth removal step. */
static void kill_point(void)
{
	static long step;
	const char *at = getenv("BOSUN_TEST_CLEAN_KILL");

	if (at && ++step == atol(at))
		raise(SIGKILL);
}

static int remove_dir(const char *path)
{
	struct strbuf aside = STRBUF_INIT;
	unsigned long long start = 0;
	int r;

	proc_start_time(getpid(), &start);
	error_clear();
	strbuf_addf(&aside, "%s" LEFTOVER_MARK "%ld.%llu", path, (long)getpid(), start);
	if (rename(path, aside.buf) < 0) {
		r = errno == ENOENT ? 0 : error_errno(BOSUN_EIO, "cannot remove '%s'", path);
		goto out;
	}
	kill_point();
	r = fs_remove_tree(aside.buf);
out:
	strbuf_release(&aside);
	return r;
}

int clean_run(struct clean_plan *p, int dry_run)
{
	size_t i, failed = 0, n = 0;
	long long bytes = 0;

	for (i = 0; i < p->nr; i++) {
		if (p->v[i].planned && !p->v[i].kept && !dry_run) {
			n++;
			bytes += p->v[i].bytes;
		}
	}
	meter_phase(p->progress, "removing", n, (uint64_t)bytes);
	for (i = 0; i < p->nr; i++) {
		struct clean_item *it = &p->v[i];
		int r;

		if (!it->planned || it->kept || dry_run)
			continue;
		kill_point();
		if (it->cached)
			r = store_cache_delete(p->store, it->path, it->put_ms);
		else if (it->dir)
			r = remove_dir(it->path);
		else if (unlink(it->path) < 0 && errno != ENOENT)
			r = error_errno(BOSUN_EIO, "cannot remove '%s'", it->path);
		else
			r = 0;
		meter_add(p->progress, 1, (uint64_t)it->bytes);
		if (r < 0) {
			it->error = xstrdup(error_message());
			error_clear();
			failed++;
			continue;
		}
		if (it->cached && r == 0) {
			it->kept = xstrdup("put again or removed by another process meanwhile");
			continue;
		}
		it->removed = 1;
	}
	if (failed)
		return error_set(BOSUN_EFAIL, "%zu of the items could not be removed", failed);
	return 0;
}

int clean_parse_size(const char *s, long long *out)
{
	static const char units[] = "kmgt";
	const char *p = s, *u;
	double v = 0, scale = 1;
	long long mult = 1;
	int digits = 0;

	for (; p && *p >= '0' && *p <= '9'; p++, digits++)
		v = v * 10 + (*p - '0');
	if (p && *p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			v += (*p - '0') * (scale /= 10);
	if (!digits)
		goto bad;
	if (*p && (u = strchr(units, *p | 0x20))) {
		for (; u >= units; u--)
			mult *= 1024;
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v * (double)mult > 9.0e18)
		goto bad;
	*out = (long long)(v * (double)mult);
	return 0;
bad:
	return error_set(BOSUN_EUSAGE, "'%s' is not a size (500M, 2G, 1.5GiB, 800k, bytes)",
			 s ? s : "");
}
