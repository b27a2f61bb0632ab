/*
 * internal.h - what engine.c and sources.c share inside the scanner.
 */
#ifndef BOSUN_LIB_SCAN_INTERNAL_H
#define BOSUN_LIB_SCAN_INTERNAL_H

#include "lib/scan/scan.h"

#include <pthread.h>
#include <stdint.h>

struct hs_database;
struct scan_keywords;
struct hs_scratch;
struct pcre2_real_match_context_8;
struct pcre2_real_match_data_8;

struct scan_engine {
	struct scan_rules *rules;
	size_t nr;
	struct scan_opts opts;
	char *cache_dir;
	char *root, *cwd;       /* opts.root and the current directory, resolved */
	uint64_t key;
	unsigned *flags;        /* Vectorscan flags per rule */
	unsigned *width;        /* longest match per rule, capped */
	struct hs_database *db;
	struct hs_database *sdb;        /* streaming mode, made on first use */
	int sdb_r;                      /* its making: 0 not yet, 1 done, < 0 failed */
	char *sdb_err;
	struct hs_scratch *scratch;
	struct pcre2_real_match_context_8 *mctx;
	pthread_mutex_t lock;   /* compiling rules' PCRE2 code */
	int cached;
	int pcre_only;          /* no Vectorscan: every rule's regex through
				 * PCRE2 over the whole content (engine.c) */
	struct scan_keywords *kw;       /* then: the rules' keywords */
	size_t live_files, live_bytes;  /* scanned so far (atomic) */
};

/* One thread's scanning state. */
struct scan_worker {
	struct scan_engine *e;
	struct hs_scratch *scratch;
	struct pcre2_real_match_data_8 *md;
	size_t *covered;        /* per rule: end reports up to here are done */
	size_t *last_end;       /* per rule: end of the last confirmed match */
	unsigned *long_tries;   /* per rule: windows reaching back LONG_BACK */
	unsigned char *kw_seen; /* per keyword (PCRE2 only): in the content */
	unsigned char *unsure;  /* per rule: its path lists not yet tried on
				 * this file (they are, at its first report) */
	int global_paths;       /* the global allowlist's paths: -1 not yet
				 * tried on this file, else whether they match */
	struct strbuf buf;      /* file contents */
	int given;              /* paths as given (relative to the current
				 * directory), not relative to the top */
	struct strbuf fpath;    /* the path a fingerprint hashes */
	/* the buffer being scanned */
	const char *path, *commit, *data;
	size_t len;
	struct scan_report *rep;
	size_t lpos, lstart;    /* locate(): last offset and its line's start */
	unsigned lline;
	/* Streaming: data holds the file from offset base on (line base_line,
	 * which starts at base_lstart); reports waiting for the next chunk. */
	size_t base, base_lstart;
	unsigned base_line;
	int at_end;
	struct scan_pending { unsigned id; size_t to; } *pend;
	size_t npend, apend;
};

/* A stream's bytes: up to cap into buf, *got 0 at the end; negative (error
 * recorded) on failure. */
typedef int (*scan_read_fn)(void *ctx, char *buf, size_t cap, size_t *got);

struct scan_worker *scan_worker_new(struct scan_engine *e);
void scan_worker_free(struct scan_worker *w);
int scan_worker_buffer(struct scan_worker *w, const char *path, const char *commit,
		       const char *buf, size_t len, struct scan_report *rep);
/* Scan what rd reads, a chunk at a time (streaming mode): never more
 * than about two chunks and the window reaching back in memory. */
int scan_worker_stream(struct scan_worker *w, const char *path, const char *commit,
		       scan_read_fn rd, void *ctx, struct scan_report *rep);
/* Name a file or blob not scanned for its size. */
void scan_report_skip(struct scan_report *rep, const char *path, const char *commit,
		      unsigned long long size);
void scan_report_merge(struct scan_report *into, struct scan_report *from);
uint64_t scan_hash(uint64_t h, const void *data, size_t len);

#endif
