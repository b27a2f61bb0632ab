/*
 * log.h - bosun's own event log: JSON lines under
 * $XDG_STATE_HOME/bosun/logs/bosun.log (BOSUN_HOME/state/... for tests),
 * rotated at 10 MB, five files kept (bosun.log.1 ... bosun.log.4).
 *
 *	log_event(LOG_INFO, "release", "tagged %s", tag);
 *
 * Each line: {"ts":"2026-11-21T09:30:00.123Z","level":"info","event":"release",
 * "pid":123,"msg":"..."}. The message is passed through redact() first, so a
 * credential that slips into a message never reaches the file, then capped at
 * 64 KiB. Each line is one write() on an O_APPEND descriptor, so processes
 * logging at once never interleave. Logging never fails the caller: errors
 * writing the log are ignored, and neither errno nor the recorded error
 * (error.h) changes. BOSUN_LOG=0 (or off, false, no) turns it off.
 */
#ifndef BOSUN_CORE_LOG_H
#define BOSUN_CORE_LOG_H

#include "core/redact.h"
#include "core/strbuf.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_DEGRADED };

void log_event(enum log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The directory the log is in (for doctor and tests). */
void log_dir(struct strbuf *sb);
/* Rotation threshold in bytes; tests lower it. */
void log_set_max_size(size_t bytes);
/* Events below level are not written (log.level); LOG_DEGRADED always is. */
void log_set_level(enum log_level level);
/* "debug", "info", "warn", "error" -> level; -1 when unknown. */
int log_level_parse(const char *s);


#endif
