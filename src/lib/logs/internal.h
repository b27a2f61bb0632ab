/*
 * internal.h - what the files of lib/logs share, and what the fuzz
 * harnesses compare: the JSON fast path and the jansson path must read the
 * same fields from any line jansson accepts.
 */
#ifndef BOSUN_LIB_LOGS_INTERNAL_H
#define BOSUN_LIB_LOGS_INTERNAL_H

#include "lib/logs/logs.h"

/* The fast pass alone: 0 with e filled, -1 when the line needs jansson
 * (e is then left reset). */
int logs_parse_json_fast(struct logs_entry *e, const char *line, size_t len,
			 const struct logs_fields *f);
/* The jansson pass alone (an unparsed entry when it is not an object). */
void logs_parse_json_slow(struct logs_entry *e, const char *line, size_t len,
			  const struct logs_fields *f);
/* The value of the first of names ("ts|time") that obj has, or NULL. */
json_t *logs_json_field(json_t *obj, const char *names);
/* Common keys for a JSON log no source describes. */
extern const struct logs_fields LOGS_FIELDS_GUESS;
/* Reset e for the next line, keeping its buffer. */
void logs_entry_reset(struct logs_entry *e);
/* "2026-12-06T17" for the hour of ts_ms. */
void logs_hour_key(struct strbuf *sb, long long ts_ms);
/* ts_ms as "2026-12-06T17:00:00.123Z". */
void logs_format_time(struct strbuf *sb, long long ts_ms);

#endif
