/*
 * reader.c - a log file read in big chunks from an offset, lines found with
 * memchr(), each parsed and handed to a callback.
 */
#include "lib/logs/internal.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK ((size_t)4 << 20)
/* A "line" this long without a newline is handed on as it is, so that a
 * file with no newlines does not take all memory. */
#define LINE_CAP ((size_t)64 << 20)

int logs_reader_open(struct logs_reader *rd, const struct logs_source *src,
		     const struct logs_cursor *from)
{
	struct stat st;
	int fd = open(src->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ?
			error_set(BOSUN_ENOTFOUND, "cannot read '%s': no such file", src->path) :
			error_errno(BOSUN_EIO, "cannot read '%s'", src->path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return error_errno(BOSUN_EIO, "cannot read '%s'", src->path);
	}
	rd->fd = fd;
	rd->src = *src;
	rd->cursor.dev = (unsigned long long)st.st_dev;
	rd->cursor.ino = (unsigned long long)st.st_ino;
	rd->cursor.offset = 0;
	rd->restarted = 0;
	rd->last_ts = -1;
	rd->last_level = LOGS_UNKNOWN;
	strbuf_reset(&rd->buf);
	strbuf_reset(&rd->last_component);
	if (from && (from->ino || from->offset)) {
		if (from->dev != rd->cursor.dev || from->ino != rd->cursor.ino ||
		    !S_ISREG(st.st_mode) || from->offset > (long long)st.st_size ||
		    from->offset < 0)
			rd->restarted = 1;
		else
			rd->cursor.offset = from->offset;
	}
	if (rd->cursor.offset && lseek(fd, (off_t)rd->cursor.offset, SEEK_SET) < 0) {
		rd->fd = -1;
		close(fd);
		return error_errno(BOSUN_EIO, "cannot read '%s'", src->path);
	}
	return 0;
}

void logs_reader_close(struct logs_reader *rd)
{
	if (rd->fd >= 0)
		close(rd->fd);
	rd->fd = -1;
	strbuf_release(&rd->buf);
	strbuf_release(&rd->last_component);
}

/* A text line without the shape, after one with it: part of that entry. */
static void continuation(struct logs_reader *rd, struct logs_entry *e)
{
	if (rd->src.format != LOGS_FORMAT_TEXT)
		return;
	if (!e->unparsed) {
		rd->last_ts = e->ts_ms;
		rd->last_level = e->level;
		strbuf_reset(&rd->last_component);
		if (e->component)
			strbuf_add(&rd->last_component, e->component, e->component_len);
		return;
	}
	if (rd->last_level == LOGS_UNKNOWN)
		return;
	e->unparsed = 0;
	e->continuation = 1;
	e->ts_ms = rd->last_ts;
	e->level = rd->last_level;
	if (rd->last_component.len) {
		e->component = rd->last_component.buf;
		e->component_len = rd->last_component.len;
	}
}

static int one_line(struct logs_reader *rd, struct logs_entry *e, const char *p,
		    size_t n, long long offset, logs_entry_fn *fn, void *data)
{
	if (n && p[n - 1] == '\r')
		n--;
	if (!n)
		return 0;
	if (rd->src.format == LOGS_FORMAT_TEXT)
		logs_parse_text(e, p, n);
	else
		logs_parse_json(e, p, n, &rd->src.fields);
	continuation(rd, e);
	return fn(e, p, n, offset, data);
}

/* Hand on every whole line in rd->buf; keep the rest. */
static int drain(struct logs_reader *rd, struct logs_entry *e, logs_entry_fn *fn,
		 void *data, int final)
{
	const char *p = rd->buf.buf, *end = rd->buf.buf + rd->buf.len, *q;
	int r = 0;

	while (p < end && (q = memchr(p, '\n', (size_t)(end - p)))) {
		if ((r = one_line(rd, e, p, (size_t)(q - p), rd->cursor.offset, fn, data)) < 0)
			break;
		rd->cursor.offset += q - p + 1;
		p = q + 1;
	}
	if (r >= 0 && p < end && (final || (size_t)(end - p) >= LINE_CAP)) {
		if ((r = one_line(rd, e, p, (size_t)(end - p), rd->cursor.offset, fn, data)) >= 0) {
			rd->cursor.offset += end - p;
			p = end;
		}
	}
	strbuf_splice(&rd->buf, 0, (size_t)(p - rd->buf.buf), NULL, 0);
	return r < 0 ? r : 0;
}

int logs_reader_read(struct logs_reader *rd, logs_entry_fn *fn, void *data,
		     int final)
{
	struct logs_entry e = LOGS_ENTRY_INIT;
	int r = 0;

	for (;;) {
		ssize_t n;

		strbuf_grow(&rd->buf, CHUNK);
		n = read(rd->fd, rd->buf.buf + rd->buf.len, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = error_errno(BOSUN_EIO, "cannot read '%s'", rd->src.path);
			goto out;
		}
		if (n == 0)
			break;
		strbuf_setlen(&rd->buf, rd->buf.len + (size_t)n);
		if ((r = drain(rd, &e, fn, data, 0)) < 0)
			goto out;
	}
	r = drain(rd, &e, fn, data, final);
out:
	logs_entry_release(&e);
	return r;
}

int logs_reader_moved(struct logs_reader *rd)
{
	struct stat st;

	if (stat(rd->src.path, &st) < 0)
		return 1;
	if ((unsigned long long)st.st_dev != rd->cursor.dev ||
	    (unsigned long long)st.st_ino != rd->cursor.ino)
		return 1;
	return (long long)st.st_size < rd->cursor.offset + (long long)rd->buf.len;
}
