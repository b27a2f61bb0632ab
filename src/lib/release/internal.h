/*
 * internal.h - what the files of the version-file reader share
 * (manifest*.c); not for other modules.
 *
 * A locator (mf_parse_json, mf_parse_toml, mf_parse_pattern) reads
 * m->content and records each place the version's bytes are with
 * mf_add_span() or mf_add_text_span(); it reports a problem with
 * mf_error_at(), which prefixes the file's name, line and column.
 */
#ifndef BOSUN_LIB_RELEASE_INTERNAL_H
#define BOSUN_LIB_RELEASE_INTERNAL_H

#include "lib/release/manifest.h"

#include <stddef.h>

/* The file's path, or its kind's name when it has none. */
const char *mf_name(const struct manifest *m);
/* 3 when buf starts with a UTF-8 byte order mark, else 0. */
size_t mf_bom_len(const char *buf, size_t len);
/* -BOSUN_EDATA with "<file>:<line>:<col>: <message>" for byte off. */
int mf_error_at(const struct manifest *m, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record that the version's bytes (perhaps escaped) are at off, len. */
void mf_add_span(struct manifest *m, size_t off, size_t len);
/* 1 when s (len bytes) holds a control character. */
int mf_is_control(const char *s, size_t len);
/* 0, or an error when the version text at off is empty or not one line. */
int mf_check_version_text(const struct manifest *m, size_t off, size_t len);
/* mf_add_span() for bytes that are the version text itself; the first
 * one also sets m->version. */
int mf_add_text_span(struct manifest *m, size_t off, size_t len);

/* The full path of m (ms->root joined with m->path), appended to sb. */
void mf_full_path_add(struct strbuf *sb, const struct manifest_set *ms,
		      const struct manifest *m);

/* The journal of a write with ms->journal set (manifest_journal.c): begin
 * takes the journal's lock (settling what a killed writer left) and
 * records "prepare"; commit records "commit"; end removes the record and
 * releases the lock. */
struct lockfile;
int mf_journal_begin(struct lockfile *jl, const struct manifest_set *ms);
int mf_journal_commit(const struct manifest_set *ms);
void mf_journal_end(struct lockfile *jl, const struct manifest_set *ms);

int mf_parse_json(struct manifest *m);
int mf_parse_toml(struct manifest *m);
int mf_parse_pattern(struct manifest *m, const char *pattern);

#endif
