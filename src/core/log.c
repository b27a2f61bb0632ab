#include "core/log.h"

#include "core/error.h"
#include "core/fs.h"
#include "core/time.h"
#include "core/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_SIZE ((size_t)10 << 20)
#define LOG_KEEP 4               /* bosun.log.1 .. bosun.log.4 */
#define LOG_MSG_MAX ((size_t)64 << 10)
#define LOG_NAME "bosun.log"

static size_t max_size = DEFAULT_MAX_SIZE;

static const char *const level_names[] = {
	"debug", "info", "warn", "error", "degraded",
};

void log_set_max_size(size_t bytes)
{
	max_size = bytes ? bytes : DEFAULT_MAX_SIZE;
}

void log_dir(struct strbuf *sb)
{
	fs_user_dir(sb, "state");
	strbuf_addstr(sb, "/logs");
}

static int log_enabled(void)
{
	const char *v = getenv("BOSUN_LOG");

	return !v || !(!strcmp(v, "0") || !strcasecmp(v, "off") ||
		       !strcasecmp(v, "false") || !strcasecmp(v, "no"));
}

static void json_escape_ch(struct strbuf *out, unsigned char c)
{
	switch (c) {
	case '"': strbuf_addstr(out, "\\\""); break;
	case '\\': strbuf_addstr(out, "\\\\"); break;
	case '\n': strbuf_addstr(out, "\\n"); break;
	case '\r': strbuf_addstr(out, "\\r"); break;
	case '\t': strbuf_addstr(out, "\\t"); break;
	case '\b': strbuf_addstr(out, "\\b"); break;
	case '\f': strbuf_addstr(out, "\\f"); break;
	default:
		if (c < 0x20)
			strbuf_addf(out, "\\u%04x", c);
		else
			strbuf_addch(out, c);
	}
}

/* s as the inside of a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_escape(struct strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (!n) {
			strbuf_addstr(out, "\\ufffd");
			i++;
		} else if (n == 1) {
			json_escape_ch(out, p[i++]);
		} else {
			strbuf_add(out, p + i, n);
			i += n;
		}
	}
}

static void add_timestamp(struct strbuf *sb)
{
	long long ms = time_wall_ms();
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(sb, "%s.%03dZ", buf, (int)(ms % 1000));
}

static void format_line(struct strbuf *line, enum log_level level,
			const char *event, const struct strbuf *msg)
{
	unsigned lv = (unsigned)level;

	strbuf_addstr(line, "{\"ts\":\"");
	add_timestamp(line);
	strbuf_addf(line, "\",\"level\":\"%s\",\"event\":\"",
		    lv < sizeof(level_names) / sizeof(level_names[0]) ?
		    level_names[lv] : "info");
	json_escape(line, event ? event : "", event ? strlen(event) : 0);
	strbuf_addf(line, "\",\"pid\":%ld,\"msg\":\"", (long)getpid());
	json_escape(line, msg->buf, msg->len);
	strbuf_addstr(line, "\"}\n");
}

/* bosun.log.3 -> .4, ..., bosun.log -> .1; the oldest falls off. */
static void shift_files(const char *path)
{
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;
	int i;

	for (i = LOG_KEEP; i >= 1; i--) {
		strbuf_reset(&from);
		strbuf_reset(&to);
		if (i > 1)
			strbuf_addf(&from, "%s.%d", path, i - 1);
		else
			strbuf_addstr(&from, path);
		strbuf_addf(&to, "%s.%d", path, i);
		rename(from.buf, to.buf);
	}
	strbuf_release(&from);
	strbuf_release(&to);
}

static int open_log(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

/*
 * Rotate unless another process already did: the directory's flock
 * serialises rotations, and the inode tells whether the file we hold is
 * still bosun.log. Returns a descriptor on the current bosun.log.
 */
static int rotate(const char *dir, const char *path, int fd, size_t add)
{
	struct stat mine, cur;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd >= 0 && flock(dfd, LOCK_EX) < 0) {
		close(dfd);
		dfd = -1;
	}
	if (fstat(fd, &mine) == 0 && stat(path, &cur) == 0 &&
	    mine.st_ino == cur.st_ino && mine.st_dev == cur.st_dev &&
	    (size_t)cur.st_size + add > max_size)
		shift_files(path);
	close(fd);
	fd = open_log(path);
	if (dfd >= 0)
		close(dfd); /* releases the flock */
	return fd;
}

static void write_line(const struct strbuf *line)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
	struct stat st;
	int fd;

	log_dir(&dir);
	if (!fs_is_dir(dir.buf) && fs_mkdir_p(dir.buf) < 0)
		goto out;
	fs_path_join(&path, dir.buf, LOG_NAME);
	if ((fd = open_log(path.buf)) < 0)
		goto out;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (size_t)st.st_size + line->len > max_size)
		fd = rotate(dir.buf, path.buf, fd, line->len);
	/* One write() on an O_APPEND descriptor: lines never interleave. A
	 * failure is dropped, since logging never fails the caller. */
	if (fd >= 0) {
		if (write(fd, line->buf, line->len) < 0)
			errno = 0;
		close(fd);
	}
out:
	strbuf_release(&path);
	strbuf_release(&dir);
}

/* Logging must not replace an error the caller is about to report. */
struct saved_error {
	int kind;
	struct strbuf msg, hint;
};

static void error_save(struct saved_error *s)
{
	const char *hint = error_hint_text();

	s->kind = error_kind();
	strbuf_init(&s->msg, 0);
	strbuf_init(&s->hint, 0);
	strbuf_addstr(&s->msg, error_message());
	if (hint)
		strbuf_addstr(&s->hint, hint);
}

static void error_restore(struct saved_error *s)
{
	if (!s->kind)
		error_clear();
	else if (error_kind() != s->kind || strcmp(error_message(), s->msg.buf))
		error_set(s->kind, "%s", s->msg.buf);
	if (s->kind && s->hint.len && !error_hint_text())
		error_hint("%s", s->hint.buf);
	strbuf_release(&s->msg);
	strbuf_release(&s->hint);
}

/* Until the configuration says otherwise (log.level), everything. */
static enum log_level min_level = LOG_DEBUG;

void log_set_level(enum log_level level)
{
	min_level = level;
}

int log_level_parse(const char *s)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	size_t i;

	for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT, clean = STRBUF_INIT;
	struct strbuf line = STRBUF_INIT;
	struct saved_error saved;
	int saved_errno = errno;
	va_list ap;

	if (level < min_level && level != LOG_DEGRADED)
		return;
	if (!log_enabled())
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* Redact before truncating, so no cut can expose part of a secret. */
	redact(&clean, msg.buf, msg.len);
	if (clean.len > LOG_MSG_MAX) {
		strbuf_setlen(&clean, LOG_MSG_MAX);
		strbuf_addstr(&clean, "...");
	}
	format_line(&line, level, event, &clean);
	error_save(&saved);
	write_line(&line);
	error_restore(&saved);
	strbuf_release(&line);
	strbuf_release(&clean);
	strbuf_release(&msg);
	errno = saved_errno;
}
