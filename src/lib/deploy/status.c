/*
 * status.c - status.json, watch.log and watch.pid; see status.h.
 */
#include "lib/deploy/status.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define STATUS_CAP (1024 * 1024)
#define CLAIM_WAIT_MS 2000

void deploy_root(struct strbuf *out, const char *common_dir)
{
	strbuf_reset(out);
	strbuf_addf(out, "%s/bosun/deploy", common_dir);
}

void deploy_dir(struct strbuf *out, const char *common_dir, const char *commit)
{
	strbuf_reset(out);
	strbuf_addf(out, "%s/bosun/deploy/%s", common_dir, commit);
}

/* ---- time -------------------------------------------------------------- */

void deploy_timestamp(struct strbuf *out, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strbuf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (int)(ms % 1000));
}

long long deploy_parse_timestamp(const char *s)
{
	struct tm tm;
	int ms = 0, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon,
			 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &n) != 7 ||
	    s[n])
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) * 1000 + ms;
}

/* ---- watchers ---------------------------------------------------------- */

int watcher_read(const char *dir, struct proc_owner *w)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "%s/watch.pid", dir);
	r = pidfile_read(w, path.buf);
	strbuf_release(&path);
	return r;
}

int watcher_claim(struct lockfile *lk, const char *dir, struct proc_owner *holder)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	holder->pid = 0;
	strbuf_addf(&path, "%s/watch.pid", dir);
	r = pidfile_claim(lk, path.buf, holder, CLAIM_WAIT_MS);
	if (r == -BOSUN_EBUSY && holder->pid > 0) {
		error_clear();
		r = 1;
	}
	strbuf_release(&path);
	return r;
}

void watcher_release(const char *dir)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s/watch.pid", dir);
	pidfile_release(path.buf);
	strbuf_release(&path);
}

/* ---- status.json ------------------------------------------------------- */

static json_t *made_up_status(const char *dir)
{
	const char *slash = strrchr(dir, '/');

	return json_pack("{s:s, s:s, s:n, s:s, s:[], s:i}", "commit",
			 slash ? slash + 1 : dir, "state", "queued", "verdict",
			 "message", "the watcher is starting", "probes", "attempts", 0);
}

int dstatus_load(json_t **out, const char *dir)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	struct proc_owner w;
	json_error_t jerr;
	json_t *st = NULL;
	int alive, r;

	alive = watcher_read(dir, &w) == 0 && proc_owner_alive(&w);
	error_clear();
	strbuf_addf(&path, "%s/status.json", dir);
	r = fs_read_file(&sb, path.buf, STATUS_CAP);
	if (r == -BOSUN_ENOTFOUND && alive) {
		error_clear();
		st = made_up_status(dir);
		r = 0;
	} else if (r >= 0 && !(st = json_loadb(sb.buf, sb.len, 0, &jerr))) {
		r = error_set(BOSUN_EDATA, "%s:%d:%d: %s", path.buf, jerr.line, jerr.column,
			      jerr.text);
	} else if (r >= 0 && !json_is_object(st)) {
		r = error_set(BOSUN_EDATA, "%s: not a JSON object", path.buf);
	}
	if (r >= 0) {
		int done = json_is_string(json_object_get(st, "verdict"));

		json_object_set_new(st, "watcher", json_string(done ? "done" :
							       alive ? "running" : "stale"));
		json_object_set_new(st, "pid", alive ? json_integer(w.pid) : json_null());
		*out = st;
		st = NULL;
	}
	json_decref(st);
	strbuf_release(&sb);
	strbuf_release(&path);
	return r;
}

int dstatus_write(const char *dir, const json_t *st)
{
	struct strbuf path = STRBUF_INIT;
	char *text = json_dumps(st, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int r;

	strbuf_addf(&path, "%s/status.json", dir);
	if (!text)
		r = error_set(BOSUN_EINTERNAL, "cannot encode the status");
	else {
		size_t n = strlen(text);

		text = xrealloc(text, n + 2);
		text[n] = '\n';
		r = write_file_atomic(path.buf, text, n + 1, 0644);
	}
	free(text);
	strbuf_release(&path);
	return r;
}

/* ---- the watch log ----------------------------------------------------- */

int dlog_open(const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	int fd;

	strbuf_addf(&path, "%s/watch.log", dir);
	fd = open(path.buf, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		fd = error_errno(BOSUN_EIO, "cannot open '%s'", path.buf);
	strbuf_release(&path);
	return fd;
}

void dlog_scrub(struct strbuf *out, const struct strbuf *secrets, const char *s, size_t len)
{
	struct strbuf a = STRBUF_INIT;
	size_t off;

	strbuf_add(&a, s, len);
	for (off = 0; secrets && off < secrets->len; off += strlen(secrets->buf + off) + 1) {
		const char *sec = secrets->buf + off;
		size_t sl = strlen(sec);
		char *hit;

		while (sl && (hit = memmem(a.buf, a.len, sec, sl)))
			strbuf_splice(&a, (size_t)(hit - a.buf), sl, "[REDACTED]", 10);
	}
	redact(out, a.buf, a.len);
	strbuf_release(&a);
}

void dlog_line(int fd, const struct strbuf *secrets, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT, line = STRBUF_INIT;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	deploy_timestamp(&line, time_wall_ms());
	strbuf_addch(&line, ' ');
	dlog_scrub(&line, secrets, msg.buf, msg.len);
	/* One event is one line: a newline inside becomes a space. */
	for (i = 0; i < line.len; i++)
		if (line.buf[i] == '\n' || line.buf[i] == '\r')
			line.buf[i] = ' ';
	strbuf_addch(&line, '\n');
	/* The log never fails the watch: a failed write is dropped. */
	if (fd >= 0 && write(fd, line.buf, line.len) < 0)
		errno = 0;
	strbuf_release(&msg);
	strbuf_release(&line);
}

int dlog_tail(struct strbuf *out, const char *dir, int n)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	size_t end;
	int r, seen = 0;

	strbuf_addf(&path, "%s/watch.log", dir);
	r = fs_read_file(&sb, path.buf, 0);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
	}
	end = sb.len;
	if (end && sb.buf[end - 1] == '\n')
		end--;
	while (end > 0 && seen < n) {
		if (sb.buf[end - 1] == '\n' && ++seen == n)
			break;
		end--;
	}
	if (r >= 0)
		strbuf_add(out, sb.buf + end, sb.len - end);
	strbuf_release(&sb);
	strbuf_release(&path);
	return r;
}

/* ---- listing ----------------------------------------------------------- */

static int is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int deploy_list_commits(char ***out, size_t *nr, const char *common_dir)
{
	struct strbuf root = STRBUF_INIT;
	char **list = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *d;

	deploy_root(&root, common_dir);
	d = opendir(root.buf);
	strbuf_release(&root);
	while (d && (de = readdir(d))) {
		if (strlen(de->d_name) != 40 || !is_hex(de->d_name, 40))
			continue;
		ALLOC_GROW(list, n + 1, alloc);
		list[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), cmp_str);
	*out = list;
	*nr = n;
	return 0;
}

void deploy_list_free(char **list, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(list[i]);
	free(list);
}

int deploy_find_prefix(char out[41], const char *common_dir, const char *prefix)
{
	size_t len = strlen(prefix), i, nr, hits = 0;
	char **list;
	int r = 0;

	if (len < 4 || len > 40 || !is_hex(prefix, len))
		return error_set(BOSUN_ENOTFOUND, "'%s' is not a commit id", prefix);
	deploy_list_commits(&list, &nr, common_dir);
	for (i = 0; i < nr; i++)
		if (!strncmp(list[i], prefix, len) && hits++ == 0)
			memcpy(out, list[i], 41);
	if (!hits)
		r = error_set(BOSUN_ENOTFOUND, "nothing known about '%s'", prefix);
	else if (hits > 1)
		r = error_set(BOSUN_EUSAGE, "'%s' is ambiguous: %zu watched commits start with it",
			      prefix, hits);
	deploy_list_free(list, nr);
	return r;
}

long long deploy_parse_duration(const char *s)
{
	long long ms;

	/* At most a billion seconds, as before the grammar was shared. */
	return time_parse_duration(s, 1000000000LL * 1000, &ms) < 0 ? -1 : ms;
}
