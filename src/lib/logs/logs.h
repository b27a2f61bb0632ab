/*
 * logs.h - reading logs: bosun's own (JSON lines, core/log.h), plain-text
 * logs of the form "[ISO] [LEVEL] [component] message", and JSON-lines logs
 * of other tools through a field map (docs/logs.md).
 *
 * One line at a time:
 *
 *	struct logs_entry e = LOGS_ENTRY_INIT;
 *	logs_parse_json(&e, line, len, &LOGS_FIELDS_BOSUN);	// or logs_parse_text()
 *	if (e.level >= LOGS_WARN)
 *		logs_entry_message(&e, &msg);	// decoded, not yet redacted
 *	logs_entry_release(&e);
 *
 * A JSON line is read without a full parse where it can be: one pass over
 * the top-level object finds the mapped keys and the spans of their values
 * (strings are decoded only when asked for). A line the pass does not
 * understand (a nested value in a mapped field, an escaped key, bad syntax)
 * is handed to jansson; a line that is not a JSON object at all is kept
 * whole as an unparsed entry (level LOGS_UNKNOWN, the line its message).
 *
 * A whole file, from an offset, in big reads with memchr() for line ends:
 *
 *	struct logs_reader rd = LOGS_READER_INIT;
 *	r = logs_reader_open(&rd, &src, &cursor);  // cursor: where we stopped
 *	if (rd.restarted)			  // rotated or truncated: from 0
 *		...
 *	r = logs_reader_read(&rd, on_entry, data, 0);
 *	cursor = rd.cursor;			  // after the last whole line
 *	logs_reader_close(&rd);
 *
 * A line not ended by a newline yet is left for the next read unless final
 * is set. Lines that follow a text-format line but do not have its shape
 * (a stack trace) are continuations: they take the time, level and
 * component of the line before them.
 *
 * Messages are returned as written; callers that print or store them pass
 * them through core/redact.h first. Functions return 0 or a negative error
 * kind with the message recorded (core/error.h).
 */
#ifndef BOSUN_LIB_LOGS_H
#define BOSUN_LIB_LOGS_H

#include "core/strbuf.h"
#include "lib/config/config.h"

#include <jansson.h>
#include <stddef.h>

struct store;

/* The configuration keys logs.* (keys.c). */
extern const struct config_key logs_config_keys[];

/* By severity; degraded (a feature fell back, core/log.h) sits between
 * warn and error. */
enum logs_level {
	LOGS_UNKNOWN = -1,
	LOGS_DEBUG, LOGS_INFO, LOGS_WARN, LOGS_DEGRADED, LOGS_ERROR,
	LOGS_NLEVELS
};

/* "debug", "info", "warn"/"warning", "error"/"err"/"fatal"/"critical",
 * "degraded" in any case, or a pino number (10 ... 60); LOGS_UNKNOWN. */
int logs_level_parse(const char *s, size_t len);
const char *logs_level_name(int level);

enum logs_format { LOGS_FORMAT_JSON, LOGS_FORMAT_TEXT };

/* The JSON keys that hold each field (NULL: the field is not there). */
struct logs_fields {
	const char *time, *level, *message, *component;
};
/* bosun's own log: ts, level, msg, event. */
extern const struct logs_fields LOGS_FIELDS_BOSUN;

struct logs_entry {
	long long ts_ms;          /* ms since the epoch; -1: no time */
	int level;                /* enum logs_level */
	int unparsed;             /* the line is not of the format */
	int continuation;         /* took time/level/component from the line before */
	/* Spans into the line (or into own): raw JSON string contents when
	 * *_esc is set (decode with logs_entry_message()), else plain text. */
	const char *time, *component, *message;
	size_t time_len, component_len, message_len;
	int component_esc, message_esc;
	struct strbuf own;        /* what a jansson fallback decoded */
};
#define LOGS_ENTRY_INIT { -1, LOGS_UNKNOWN, 0, 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, STRBUF_INIT }
void logs_entry_release(struct logs_entry *e);

/* Parse one line (no newline). Never fails: a line that does not parse
 * is an unparsed entry. */
void logs_parse_json(struct logs_entry *e, const char *line, size_t len,
		     const struct logs_fields *f);
void logs_parse_text(struct logs_entry *e, const char *line, size_t len);

/* The message and the component, decoded (appended to sb). */
void logs_entry_message(const struct logs_entry *e, struct strbuf *sb);
void logs_entry_component(const struct logs_entry *e, struct strbuf *sb);

/* An ISO 8601 time ("2026-12-06T17:00:00.123Z", "...+02:00", a space for
 * the T, a date alone) as ms since the epoch; -1 when it is not one. */
long long logs_parse_time(const char *s, size_t len);
/* --since: a duration back from now_ms ("90s", "15m", "1h30m", "2d",
 * "1w") or an ISO time: the earliest time in *out_ms; -BOSUN_EUSAGE. */
int logs_parse_since(const char *s, long long now_ms, long long *out_ms);

/* ------------------------------------------------------------ reading files */

/* A log to read: its path, format and (JSON) field map. */
struct logs_source {
	const char *path;
	enum logs_format format;
	struct logs_fields fields;
};

/* Where a reader stopped in a file (dev, ino say which file it was). */
struct logs_cursor {
	unsigned long long dev, ino;
	long long offset;
};
#define LOGS_CURSOR_INIT { 0, 0, 0 }

struct logs_reader {
	int fd;
	struct logs_source src;
	struct logs_cursor cursor;
	int restarted;            /* the cursor was for another file or past the end */
	struct strbuf buf;
	/* What a continuation line takes from the line before. */
	long long last_ts;
	int last_level;
	struct strbuf last_component;
};
#define LOGS_READER_INIT { -1, { NULL, LOGS_FORMAT_JSON, { NULL, NULL, NULL, NULL } }, \
	LOGS_CURSOR_INIT, 0, STRBUF_INIT, -1, LOGS_UNKNOWN, STRBUF_INIT }

/* Called per line; file offset of the line's start. A negative return
 * stops the read and is returned. */
typedef int logs_entry_fn(const struct logs_entry *e, const char *line,
			  size_t len, long long offset, void *data);

/* Open src at from (NULL: the start). -BOSUN_ENOTFOUND when the file does
 * not exist. rd->restarted when from names another file (inode) or lies
 * past its end (truncated). */
int logs_reader_open(struct logs_reader *rd, const struct logs_source *src,
		     const struct logs_cursor *from);
int logs_reader_read(struct logs_reader *rd, logs_entry_fn *fn, void *data,
		     int final);
/* For --follow: 1 when the path now names another file or the file
 * shrank (the caller reads what is left, then reopens), else 0. */
int logs_reader_moved(struct logs_reader *rd);
void logs_reader_close(struct logs_reader *rd);

/* ------------------------------------------------------------ stats */

#define LOGS_LAST_ERRORS 5
#define LOGS_MAX_COMPONENTS 1000

struct logs_error {
	long long ts_ms;
	char *component, *message;   /* redacted */
};

struct logs_stats {
	long long lines, unparsed;
	long long levels[LOGS_NLEVELS];
	json_t *components;       /* name -> count (LOGS_MAX_COMPONENTS, then "(other)") */
	json_t *degraded;         /* hour ("2026-12-06T17") -> count */
	struct logs_error errors[LOGS_LAST_ERRORS];   /* oldest first */
	size_t nerrors;
	/* A cache of the last component counted: consecutive lines share it. */
	struct strbuf last_comp;
	json_t *last_counter;
};
void logs_stats_init(struct logs_stats *st);
void logs_stats_release(struct logs_stats *st);
/* Count one entry (continuations are not counted). */
void logs_stats_add(struct logs_stats *st, const struct logs_entry *e);
/* Add other's counts to st (errors: the newest LOGS_LAST_ERRORS of both). */
void logs_stats_merge(struct logs_stats *st, const struct logs_stats *other);
/* {"lines", "unparsed", "levels", "commands", "degraded_per_hour",
 * "last_errors"} (docs/logs.md); a new reference. */
json_t *logs_stats_json(const struct logs_stats *st);

/* The remembered state of one file, in the store's cache (key "logs:" and
 * the file's absolute path): where the last pass stopped and what it
 * counted. A missing or unreadable entry is an empty state. */
int logs_state_load(struct store *s, const char *path, struct logs_cursor *cur,
		    struct logs_stats *st);
int logs_state_save(struct store *s, const char *path,
		    const struct logs_cursor *cur, const struct logs_stats *st);
/* For bosun clean: 1 when key is such an entry and its file no longer
 * exists (why says so), else 0. */
int logs_state_gone(const char *key, struct strbuf *why);

/* ------------------------------------------------------------ configuration */

/* The sources of logs.sources (a JSON list, config.h) into *out (free with
 * logs_sources_free()); path strings point into cfg. */
int logs_sources_from_config(const struct config *cfg, struct logs_source **out,
			     size_t *nr);
void logs_sources_free(struct logs_source *v, size_t nr);
/* The source for path: the configured one naming it, else one guessed from
 * its first byte ('{': JSON with common keys; else text). */
void logs_source_for(struct logs_source *out, const char *path,
		     const struct logs_source *cfg, size_t nr);

#endif
