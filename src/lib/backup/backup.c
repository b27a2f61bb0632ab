/*
 * backup.c - what a backup holds (backup_collect()) and writing it as an
 * archive (backup_write()); the archives' folder and names (backup.h,
 * docs/backup.md "Where backups go").
 */
#include "bosun-config.h"
#include "lib/backup/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/lockfile.h"
#include "core/meter.h"
#include "core/proc.h"
#include "core/sha256.h"
#include "core/time.h"
#include "lib/store/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ names */

void backup_default_dir(struct strbuf *out, const char *root,
			const char *common_dir)
{
	struct strbuf name = STRBUF_INIT;
	char sum[65];
	const char *base;

	fs_user_dir(out, "state");
	strbuf_addstr(out, "/backups/");
	/* The work tree's name, to tell the folders apart by eye; the hash of
	 * the common dir, to keep two clones with one name apart. */
	base = strrchr(root ? root : common_dir, '/');
	base = base ? base + 1 : root ? root : common_dir;
	strbuf_reset(&name);
	for (; *base; base++)
		strbuf_addch(&name, (*base >= 'a' && *base <= 'z') ||
			     (*base >= 'A' && *base <= 'Z') ||
			     (*base >= '0' && *base <= '9') || *base == '-' ||
			     *base == '_' || *base == '.' ? *base : '_');
	sha256_hex(sum, common_dir, strlen(common_dir));
	strbuf_addf(out, "%s-%.8s", name.len ? name.buf : "repo", sum);
	strbuf_release(&name);
}

void backup_new_path(struct strbuf *out, const struct backup_env *env,
		     const char *kind)
{
	long long ms = time_wall_ms();
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char stamp[32];
	size_t base;
	int n;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	strbuf_reset(out);
	strbuf_addf(out, "%s/bosun-%s-%s.%03lldZ", env->dir, kind, stamp, ms % 1000);
	base = out->len;
	strbuf_addstr(out, ".tar.zst");
	for (n = 2; fs_exists(out->buf); n++) {
		strbuf_setlen(out, base);
		strbuf_addf(out, "-%d.tar.zst", n);
	}
}

/* ------------------------------------------------------------ collecting */

/* BOSUN_TEST_BACKUP_SLOW_MS=N: every file counted takes N ms more, so that
 * a test has a backup or restore that lasts (the progress line's). */
static void slow_point(void)
{
	const char *v = getenv("BOSUN_TEST_BACKUP_SLOW_MS");

	if (v && atol(v) > 0)
		time_sleep_ms(atol(v));
}

void bk_progress_add(struct meter *m, long long bytes)
{
	slow_point();
	meter_add(m, 1, (uint64_t)bytes);
}

static void add_file(struct backup_set *set, const char *place, unsigned mode,
		     struct strbuf *bytes)
{
	struct backup_file *bf;

	ALLOC_GROW(set->files, set->nr + 1, set->alloc);
	bf = &set->files[set->nr++];
	memset(bf, 0, sizeof(*bf));
	bf->path = xstrdup(place);
	bf->mode = mode & 07777;
	bf->data = *bytes;
	strbuf_init(bytes, 0);
	bf->size = (long long)bf->data.len;
	bf->have_data = 1;
	sha256_hex(bf->sha256, bf->data.buf, bf->data.len);
	bk_progress_add(set->progress, bf->size);
}

/* A regular file at abs as place; an absent one (or not a plain file:
 * bosun never writes through a link) is left out. */
static int add_path(struct backup_set *set, const char *place, const char *abs)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int r;

	if (lstat(abs, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return error_errno(BOSUN_EIO, "cannot read '%s'", abs);
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	if ((r = fs_read_file(&sb, abs, BACKUP_MAX_BYTES)) < 0) {
		strbuf_release(&sb);
		return r;
	}
	add_file(set, place, (unsigned)st.st_mode, &sb);
	strbuf_release(&sb);
	return 0;
}

struct rows {
	struct backup_set *set;
	const struct backup_env *env;
};

static int on_row(const struct store_agent_file *f, void *data)
{
	struct rows *rw = data;
	struct strbuf abs = STRBUF_INIT, place = STRBUF_INIT;
	int user = !strncmp(f->target, "user:", 5), r = 0;
	const char *base = user ? rw->env->home : rw->env->root;

	if (!base)
		return 0;
	strbuf_addf(&place, "%s/%s", user ? "home" : "repo", f->path);
	/* A row whose path is not a plain relative one names no file bosun
	 * could restore: it is left out. */
	if (backup_place_check(place.buf) < 0) {
		error_clear();
		goto out;
	}
	fs_path_join(&abs, base, f->path);
	r = add_path(rw->set, place.buf, abs.buf);
out:
	strbuf_release(&abs);
	strbuf_release(&place);
	return r;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct backup_file *)a)->path,
		      ((const struct backup_file *)b)->path);
}

/* What a backup killed on the way (kill -9) left in the folder: an
 * archive's lock, or its owner's name, whose owner is gone; a copy of the
 * store whose process is gone. Nothing a running bosun holds. */
void bk_sweep(const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	DIR *d = opendir(dir);
	struct dirent *de;
	const char *owner;
	long long pid;
	unsigned long long start;

	if (!d)
		return;
	while ((de = readdir(d))) {
		strbuf_reset(&path);
		fs_path_join(&path, dir, de->d_name);
		if ((owner = strstr(path.buf, ".tar.zst.lock"))) {
			strbuf_setlen(&path, (size_t)(owner - path.buf) + strlen(".tar.zst"));
			if (lock_settle(path.buf, 0) < 0)
				error_clear();
			lock_sweep_dead_owners(path.buf);
		} else if (sscanf(de->d_name, ".store-copy.%lld.%llu.db", &pid, &start) == 2 &&
			   pid > 0 && !proc_alive((pid_t)pid, start)) {
			unlink(path.buf);
		}
	}
	closedir(d);
	strbuf_release(&path);
}

/* A consistent copy of the store, through a temporary file beside the
 * archives (named for its process, so that a killed one's is swept). */
static int add_store(struct backup_set *set, const struct backup_env *env,
		     struct store *st)
{
	struct strbuf tmp = STRBUF_INIT, bytes = STRBUF_INIT;
	unsigned long long start = 0;
	int r;

	if ((r = fs_mkdir_p(env->dir)) < 0)
		goto out;
	bk_sweep(env->dir);
	if (proc_start_time(getpid(), &start) < 0)
		error_clear();
	strbuf_addf(&tmp, "%s/.store-copy.%ld.%llu.db", env->dir, (long)getpid(), start);
	tempfile_register(tmp.buf);
	if ((r = store_backup_to(st, tmp.buf)) < 0 ||
	    (r = fs_read_file(&bytes, tmp.buf, BACKUP_MAX_BYTES)) < 0)
		goto out;
	add_file(set, BACKUP_STORE_PLACE, 0600, &bytes);
out:
	if (tmp.len) {
		unlink(tmp.buf);
		tempfile_unregister(tmp.buf);
	}
	strbuf_release(&tmp);
	strbuf_release(&bytes);
	return r;
}

int backup_collect(struct backup_set *set, const struct backup_env *env,
		   const char *kind)
{
	struct strbuf sb = STRBUF_INIT;
	struct store *st = NULL, *rows_st = NULL;
	struct rows rw = { set, env };
	char now[32];
	size_t i, j;
	int r;

	{
		time_t t = (time_t)(time_wall_ms() / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	set->progress = env->progress;
	/* A restore's snapshot of the state now is a phase of its own. */
	meter_phase(set->progress, strcmp(kind, "snapshot") ? "reading" :
			  "snapshot", 0, 0);
	set->kind = xstrdup(kind);
	set->created = xstrdup(now);
	set->bosun = xstrdup(BOSUN_VERSION);
	if (env->root) {
		fs_path_join(&sb, env->root, "bosun.yml");
		if ((r = add_path(set, "repo/bosun.yml", sb.buf)) < 0)
			goto out;
	}
	if (env->config_dir) {
		fs_path_join(&sb, env->config_dir, "config.yml");
		if ((r = add_path(set, "config/config.yml", sb.buf)) < 0)
			goto out;
	}
	/* The store as it is: a backup before a migration copies the old
	 * schema. Its rows are read through a migrated view when it is old. */
	if ((r = store_open(&st, env->store_url, env->common_dir,
			    STORE_OPEN_NO_MIGRATE)) < 0)
		goto out;
	/* A newer bosun's store is not misread: the store's own refusal,
	 * which names the version that reads it (nothing is migrated). */
	if (store_schema_version(st) > store_schema_latest(st)) {
		r = store_migrate(st, NULL);
		if (r >= 0)
			r = error_set(BOSUN_EDATA, "the store is newer than this bosun");
		goto out;
	}
	if ((r = add_store(set, env, st)) < 0)
		goto out;
	if (store_schema_version(st) < store_schema_latest(st)) {
		if ((r = store_open(&rows_st, env->store_url, env->common_dir,
				    STORE_OPEN_READ)) < 0)
			goto out;
	}
	if ((r = store_agent_file_each(rows_st ? rows_st : st, on_row, &rw)) < 0)
		goto out;
	qsort(set->files, set->nr, sizeof(*set->files), by_path);
	/* Two rows can name one file (a target's folder shared): keep one. */
	for (i = j = 0; i < set->nr; i++) {
		if (j && !strcmp(set->files[j - 1].path, set->files[i].path)) {
			free(set->files[i].path);
			strbuf_release(&set->files[i].data);
			continue;
		}
		set->files[j++] = set->files[i];
	}
	set->nr = j;
out:
	store_close(rows_st);
	store_close(st);
	strbuf_release(&sb);
	return r;
}

/* ------------------------------------------------------------ writing */

int backup_write(const struct backup_set *set, const char *path)
{
	struct lockfile lk = LOCKFILE_INIT;
	struct strbuf manifest = STRBUF_INIT, dir = STRBUF_INIT;
	struct bk_out *v = xcalloc(set->nr + 1, sizeof(*v));
	long long bytes = 0;
	size_t i;
	int r;

	backup_manifest_text(&manifest, set);
	v[0].name = BACKUP_MANIFEST;
	v[0].data = manifest.buf;
	v[0].len = manifest.len;
	v[0].mode = 0644;
	for (i = 0; i < set->nr; i++) {
		struct strbuf *name = xmalloc(sizeof(*name));

		strbuf_init(name, 0);
		strbuf_addf(name, "files/%s", set->files[i].path);
		v[i + 1].name = strbuf_detach(name, NULL);
		free(name);
		v[i + 1].data = set->files[i].data.buf;
		v[i + 1].len = set->files[i].data.len;
		v[i + 1].mode = set->files[i].mode;
		bytes += (long long)v[i + 1].len;
	}
	meter_phase(set->progress, set->kind && !strcmp(set->kind, "snapshot") ?
			  "snapshot" : "writing", set->nr, bytes);
	if ((r = backup_lib_load()) < 0)
		goto out;
	fs_dirname(&dir, path);
	if ((r = fs_mkdir_p(dir.buf)) < 0 || (r = lock_acquire(&lk, path, 0)) < 0)
		goto out;
	if ((r = bk_archive_write(lk.fd, v, set->nr + 1, time_wall_ms() / 1000,
				   set->progress)) < 0) {
		error_prefix("'%s'", path);
		lock_rollback(&lk);
		goto out;
	}
	r = lock_commit(&lk);
out:
	for (i = 0; i < set->nr; i++)
		free((char *)v[i + 1].name);
	free(v);
	strbuf_release(&manifest);
	strbuf_release(&dir);
	return r;
}
