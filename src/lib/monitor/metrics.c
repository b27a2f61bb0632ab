/*
 * metrics.c - the monitor's built-in metric sources: the resources (disk,
 * memory, load) and bosun's own log; and the test hook that overrides
 * metrics (BOSUN_MONITOR_FAKE, monitor.h).
 *
 * The log is read incrementally: the file's identity and offset are kept
 * between cycles, so a cycle reads only what was appended since the last;
 * a rotation (log.h: bosun.log -> bosun.log.1) is followed by finishing the
 * old file, then reading the new one from its start. The first cycle reads
 * at most the last LOG_FIRST_CAP bytes and counts the lines of the last
 * hour. When lib/logs lands (bosun logs), its incremental reader replaces
 * this one.
 */
#include "lib/monitor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define PROC_CAP ((size_t)64 << 10)
#define LOG_FIRST_CAP ((off_t)4 << 20)
/* A cycle reads at most this much of the log; the rest is skipped, so a
 * flood cannot make the monitor expensive. */
#define LOG_CYCLE_CAP ((off_t)16 << 20)
#define LOG_LINE_CAP ((size_t)64 << 10)
#define HOUR_MS 3600000LL

void monitor_set(struct monitor_sample *s, const char *name, double v)
{
	size_t i, len = strlen(name);

	if (len >= MONITOR_NAME_MAX)
		return;
	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name)) {
			s->value[i] = v;
			return;
		}
	if (s->nr == MONITOR_MAX_METRICS)
		return;
	memcpy(s->name[s->nr], name, len + 1);
	s->value[s->nr++] = v;
}

int monitor_get(const struct monitor_sample *s, const char *name, double *v)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name)) {
			*v = s->value[i];
			return 1;
		}
	return 0;
}

/* ---- resources ---------------------------------------------------------- */

static int disk_metrics(struct monitor_sample *s, const char *path)
{
	struct statvfs v;
	double used, avail;

	if (statvfs(path, &v) < 0)
		return error_errno(BOSUN_EIO, "cannot measure the file system of '%s'", path);
	/* As df(1): the share of what non-root users may use. */
	used = (double)(v.f_blocks - v.f_bfree);
	avail = (double)v.f_bavail;
	monitor_set(s, "disk", used + avail > 0 ? 100.0 * used / (used + avail) : 0);
	monitor_set(s, "disk_free_mb", avail * (double)v.f_frsize / 1048576.0);
	return 0;
}

/* The value in kB of "Name:" in /proc/meminfo's text, or -1. */
static double meminfo_kb(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtod(p + strlen(name), NULL) : -1;
}

static int memory_metrics(struct monitor_sample *s)
{
	struct strbuf sb = STRBUF_INIT;
	double total, avail;
	int r;

	if ((r = fs_read_file(&sb, "/proc/meminfo", PROC_CAP)) < 0)
		goto out;
	total = meminfo_kb(sb.buf, "\nMemTotal:");
	if (total < 0)
		total = meminfo_kb(sb.buf, "MemTotal:");
	avail = meminfo_kb(sb.buf, "\nMemAvailable:");
	if (total <= 0 || avail < 0) {
		r = error_set(BOSUN_EDATA, "/proc/meminfo has no MemTotal or MemAvailable");
		goto out;
	}
	monitor_set(s, "memory", 100.0 * (total - avail) / total);
	monitor_set(s, "memory_available_mb", avail / 1024.0);
out:
	strbuf_release(&sb);
	return r;
}

static int load_metrics(struct monitor_sample *s)
{
	struct strbuf sb = STRBUF_INIT;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char *end;
	double load;
	int r;

	if ((r = fs_read_file(&sb, "/proc/loadavg", PROC_CAP)) < 0)
		goto out;
	load = strtod(sb.buf, &end);
	if (end == sb.buf) {
		r = error_set(BOSUN_EDATA, "/proc/loadavg is not a load average");
		goto out;
	}
	monitor_set(s, "load", load);
	monitor_set(s, "load_per_cpu", load / (double)(cpus > 0 ? cpus : 1));
out:
	strbuf_release(&sb);
	return r;
}

int monitor_resources(struct monitor_sample *s, void *data)
{
	struct monitor *m = data;
	int r = disk_metrics(s, m->fs_path), r2 = memory_metrics(s), r3 = load_metrics(s);

	/* Each measurement stands alone; the first error is the note. */
	return r < 0 ? r : r2 < 0 ? r2 : r3;
}

/* ---- bosun's log ---------------------------------------------------------- */

struct monitor_logtail {
	dev_t dev;
	ino_t ino;
	off_t off;
	int primed;
	struct strbuf partial;              /* a line not yet ended */
	struct {
		long long minute;
		unsigned lines, errors, degraded;
	} bucket[60];
	unsigned lines, errors, degraded;   /* this cycle */
};

void monitor_logtail_free(struct monitor_logtail *t)
{
	if (!t)
		return;
	strbuf_release(&t->partial);
	free(t);
}

/* "2026-12-06T17:20:00.123Z" to ms since the epoch, or -1. */
static long long parse_ts(const char *s)
{
	struct tm tm = { 0 };
	const char *end;
	long long ms = 0;

	if (!s || !(end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -1;
	if (*end == '.' && end[1] >= '0' && end[1] <= '9')
		ms = strtol(end + 1, NULL, 10) % 1000;
	return (long long)timegm(&tm) * 1000 + ms;
}

static void count_line(struct monitor_logtail *t, const char *line, size_t len,
		       long long now_ms)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	const char *level, *event;
	long long ts, minute;
	int slot;

	if (!json_is_object(o))
		goto out;
	level = json_string_value(json_object_get(o, "level"));
	event = json_string_value(json_object_get(o, "event"));
	/* The monitor's own alerts are not news about bosun: counting an
	 * error alert as an error would feed the rule that raised it. */
	if (!level || (event && !strncmp(event, "monitor", 7)))
		goto out;
	ts = parse_ts(json_string_value(json_object_get(o, "ts")));
	if (ts < 0 || ts > now_ms)
		ts = now_ms;
	if (now_ms - ts >= HOUR_MS)
		goto out;
	minute = ts / 60000;
	slot = (int)(minute % 60);
	if (t->bucket[slot].minute != minute) {
		memset(&t->bucket[slot], 0, sizeof(t->bucket[slot]));
		t->bucket[slot].minute = minute;
	}
	t->bucket[slot].lines++;
	t->lines++;
	if (!strcmp(level, "error")) {
		t->bucket[slot].errors++;
		t->errors++;
	} else if (!strcmp(level, "degraded")) {
		t->bucket[slot].degraded++;
		t->degraded++;
	}
out:
	json_decref(o);
}

/* Count the whole lines in buf (after what partial holds); keep the rest. */
static void count_lines(struct monitor_logtail *t, const char *buf, size_t len,
			long long now_ms)
{
	const char *p = buf, *end = buf + len, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		if (t->partial.len) {
			strbuf_add(&t->partial, p, (size_t)(nl - p));
			count_line(t, t->partial.buf, t->partial.len, now_ms);
			strbuf_reset(&t->partial);
		} else {
			count_line(t, p, (size_t)(nl - p), now_ms);
		}
		p = nl + 1;
	}
	if (t->partial.len + (size_t)(end - p) <= LOG_LINE_CAP)
		strbuf_add(&t->partial, p, (size_t)(end - p));
	else
		strbuf_reset(&t->partial);
}

/* Read fd from off to its end (at most LOG_CYCLE_CAP); the new offset. */
static off_t read_from(struct monitor_logtail *t, int fd, off_t off, off_t size,
		       long long now_ms)
{
	char buf[16384];
	ssize_t n;

	if (size - off > LOG_CYCLE_CAP) {
		off = size - LOG_CYCLE_CAP;
		strbuf_reset(&t->partial);
	}
	if (lseek(fd, off, SEEK_SET) < 0)
		return off;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		count_lines(t, buf, (size_t)n, now_ms);
		off += n;
	}
	return off;
}

/* The rest of the file we were reading, now renamed bosun.log.1. */
static void finish_rotated(struct monitor_logtail *t, const char *path, long long now_ms)
{
	struct strbuf old = STRBUF_INIT;
	struct stat st;
	int fd;

	strbuf_addf(&old, "%s.1", path);
	fd = open(old.buf, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, &st) && st.st_ino == t->ino && st.st_dev == t->dev)
		read_from(t, fd, t->off, st.st_size, now_ms);
	if (fd >= 0)
		close(fd);
	strbuf_reset(&t->partial);
	strbuf_release(&old);
}

static void log_read(struct monitor_logtail *t, const char *path, long long now_ms)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		t->primed = 1;
		return;
	}
	if (!t->primed) {
		t->off = st.st_size > LOG_FIRST_CAP ? st.st_size - LOG_FIRST_CAP : 0;
		t->primed = 1;
		if (t->off)
			strbuf_addstr(&t->partial, "x");  /* drop the cut line */
	} else if (st.st_ino != t->ino || st.st_dev != t->dev) {
		finish_rotated(t, path, now_ms);
		t->off = 0;
	} else if (st.st_size < t->off) {
		t->off = 0;
		strbuf_reset(&t->partial);
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->off = read_from(t, fd, t->off, st.st_size, now_ms);
	close(fd);
}

int monitor_log_source(struct monitor_sample *s, void *data)
{
	struct monitor *m = data;
	struct monitor_logtail *t = m->tail;
	long long now_min = s->time_ms / 60000;
	unsigned lines = 0, errors = 0, degraded = 0;
	int i;

	if (!t) {
		t = m->tail = xcalloc(1, sizeof(*t));
		strbuf_init(&t->partial, 0);
	}
	t->lines = t->errors = t->degraded = 0;
	log_read(t, m->log_path, s->time_ms);
	for (i = 0; i < 60; i++)
		if (t->bucket[i].minute > now_min - 60 && t->bucket[i].minute <= now_min) {
			lines += t->bucket[i].lines;
			errors += t->bucket[i].errors;
			degraded += t->bucket[i].degraded;
		}
	monitor_set(s, "log_lines", t->lines);
	monitor_set(s, "log_errors", t->errors);
	monitor_set(s, "log_degraded", t->degraded);
	monitor_set(s, "error_rate", lines ? 100.0 * errors / lines : 0);
	monitor_set(s, "degraded_per_hour", degraded);
	return 0;
}

/* ---- the test hook --------------------------------------------------------- */

/* One "name=v1/v2/..." item: the value for this cycle. */
static int fake_item(struct monitor_sample *s, const char *item, size_t len,
		     struct strbuf *why)
{
	const char *eq = memchr(item, '=', len), *p, *ne = eq;
	char name[MONITOR_NAME_MAX], *end;
	long long i = 0;
	double v = 0;

	while (ne && ne > item && ne[-1] == ' ')
		ne--;
	if (!eq || ne == item || (size_t)(ne - item) >= sizeof(name)) {
		strbuf_addf(why, "'%.*s' is not NAME=VALUE", (int)len, item);
		return -1;
	}
	memcpy(name, item, (size_t)(ne - item));
	name[ne - item] = '\0';
	for (p = eq + 1;; i++) {
		v = strtod(p, &end);
		if (end == p || (end < item + len && *end != '/')) {
			strbuf_addf(why, "'%.*s' is not NAME=NUMBER[/NUMBER...]", (int)len, item);
			return -1;
		}
		if (i >= s->cycle || end >= item + len)
			break;
		p = end + 1;
	}
	monitor_set(s, name, v);
	return 0;
}

int monitor_fake_apply(struct monitor_sample *s, const char *text, struct strbuf *why)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, ",\n");

		while (len && (p[len - 1] == ' ' || p[len - 1] == '\r'))
			len--;
		while (len && *p == ' ')
			p++, len--;
		if (len && fake_item(s, p, len, why) < 0)
			return -1;
		p += strcspn(p, ",\n");
		if (*p)
			p++;
	}
	return 0;
}

/* BOSUN_MONITOR_FAKE, read again each cycle when it names a file. */
int monitor_fake_source(struct monitor_sample *s, void *data)
{
	const char *v = getenv("BOSUN_MONITOR_FAKE");
	struct strbuf text = STRBUF_INIT, why = STRBUF_INIT;
	int r = 0;

	if (!v || !*v)
		return 0;
	if (*v == '@') {
		r = fs_read_file(&text, v + 1, PROC_CAP);
		if (r == -BOSUN_ENOTFOUND) {
			error_clear();
			r = 0;
			goto out;
		}
		if (r < 0)
			goto out;
	} else {
		strbuf_addstr(&text, v);
	}
	if (monitor_fake_apply(s, text.buf, &why) < 0)
		r = error_set(BOSUN_EDATA, "BOSUN_MONITOR_FAKE: %s", why.buf);
out:
	strbuf_release(&text);
	strbuf_release(&why);
	return r;
}
