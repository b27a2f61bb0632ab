/*
 * metrics.c - the monitor's built-in metric sources: the resources (disk,
 * memory, load) and bosun's own log; and the test hook that overrides
 * metrics (BOSUN_MONITOR_FAKE, monitor.h).
 *
 * The log is read incrementally by lib/logs' reader (the one bosun logs
 * uses): the file's identity and offset are kept between cycles, so a
 * cycle reads only what was appended since the last; a rotation (log.h:
 * bosun.log -> bosun.log.1) is followed by finishing the old file, then
 * reading the new one from its start. The first cycle reads at most the
 * last LOG_FIRST_CAP bytes and counts the lines of the last hour.
 */
#include "lib/monitor/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "lib/logs/logs.h"

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
	struct logs_cursor cur;             /* where the last cycle stopped */
	int primed;
	struct {
		long long minute;
		unsigned lines, errors, degraded;
	} bucket[60];
	unsigned lines, errors, degraded;   /* this cycle */
	struct strbuf comp;
	long long now_ms;
};

void monitor_logtail_free(struct monitor_logtail *t)
{
	if (!t)
		return;
	strbuf_release(&t->comp);
	free(t);
}

static int count_entry(const struct logs_entry *e, const char *line, size_t len,
		       long long offset, void *data)
{
	struct monitor_logtail *t = data;
	long long ts = e->ts_ms, minute;
	int slot;

	(void)line;
	(void)len;
	(void)offset;
	if (e->unparsed)
		return 0;
	/* The monitor's own alerts are not news about bosun: counting an
	 * error alert as an error would feed the rule that raised it. */
	strbuf_reset(&t->comp);
	logs_entry_component(e, &t->comp);
	if (!strncmp(t->comp.buf, "monitor", 7))
		return 0;
	if (ts < 0 || ts > t->now_ms)
		ts = t->now_ms;
	if (t->now_ms - ts >= HOUR_MS)
		return 0;
	minute = ts / 60000;
	slot = (int)(minute % 60);
	if (t->bucket[slot].minute != minute) {
		memset(&t->bucket[slot], 0, sizeof(t->bucket[slot]));
		t->bucket[slot].minute = minute;
	}
	t->bucket[slot].lines++;
	t->lines++;
	if (e->level == LOGS_ERROR) {
		t->bucket[slot].errors++;
		t->errors++;
	} else if (e->level == LOGS_DEGRADED) {
		t->bucket[slot].degraded++;
		t->degraded++;
	}
	return 0;
}

/* Read path from from (NULL: the start) to its end, at most its last cap
 * bytes (what comes before those is skipped); t->cur follows. Returns 1
 * when the file at path is not the one from was in, or was truncated: it
 * is then read from its start, unless finishing (the rest of a rotated
 * file, to its last line: only the very file from was in is read). */
static int read_tail(struct monitor_logtail *t, const char *path,
		     const struct logs_cursor *from, off_t cap, int finishing)
{
	struct logs_source src = { path, LOGS_FORMAT_JSON, { NULL, NULL, NULL, NULL } };
	struct logs_reader rd = LOGS_READER_INIT;
	struct logs_cursor at = from ? *from : (struct logs_cursor)LOGS_CURSOR_INIT;
	struct stat st;
	int other = 0;

	src.fields = LOGS_FIELDS_BOSUN;
	if (stat(path, &st) < 0)
		return 0;
	other = at.ino && ((unsigned long long)st.st_dev != at.dev ||
			   (unsigned long long)st.st_ino != at.ino);
	if (other && finishing)
		return 1;
	if (other || (long long)st.st_size < at.offset) {
		other = 1;
		at.offset = 0;
	}
	/* A flood (or the first look at a big log) cannot make a cycle
	 * expensive: only the last cap bytes are read. */
	at.dev = (unsigned long long)st.st_dev;
	at.ino = (unsigned long long)st.st_ino;
	if (st.st_size - at.offset > cap)
		at.offset = (long long)(st.st_size - cap);
	if (logs_reader_open(&rd, &src, &at) < 0) {
		error_clear();
		return other;
	}
	/* Replaced or truncated between the stat and the open. */
	other = other || rd.restarted;
	if (!(finishing && rd.restarted) &&
	    logs_reader_read(&rd, count_entry, t, finishing) < 0)
		error_clear();
	if (!finishing)
		t->cur = rd.cursor;
	logs_reader_close(&rd);
	return other;
}

static void log_read(struct monitor_logtail *t, const char *path)
{
	struct logs_cursor was = t->cur;

	if (!t->primed) {
		t->primed = 1;
		read_tail(t, path, NULL, LOG_FIRST_CAP, 0);
		return;
	}
	/* Rotated (log.h: bosun.log -> bosun.log.1): what the old file got
	 * after the last cycle is counted too. */
	if (read_tail(t, path, &t->cur, LOG_CYCLE_CAP, 0) && was.ino) {
		struct strbuf old = STRBUF_INIT;

		strbuf_addf(&old, "%s.1", path);
		read_tail(t, old.buf, &was, LOG_CYCLE_CAP, 1);
		strbuf_release(&old);
	}
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
		strbuf_init(&t->comp, 0);
	}
	t->lines = t->errors = t->degraded = 0;
	t->now_ms = s->time_ms;
	log_read(t, m->log_path);
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
