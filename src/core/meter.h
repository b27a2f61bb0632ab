/*
 * meter.h - counts of work in progress, kept by the code that does the work
 * and read by another thread (the command's progress line, cmd/progress.h).
 * Nothing here prints: a library only counts.
 *
 *	struct meter m = METER_INIT;		// the command's
 *	opts.meter = &m;			// handed to the library, which
 *	meter_phase(opts->meter, "writing", nr, bytes);	// (NULL: no one
 *	for (i = 0; i < nr; i++) {		//  is looking)
 *		write_one(i);
 *		meter_add(opts->meter, 1, len[i]);
 *	}
 *	meter_read(&m, &now);			// from any thread: a copy
 *
 * Every field is written and read with atomic operations, so a reader
 * never waits for the work nor slows it. A phase is a string that lives as
 * long as the meter (a literal). Totals are 0 while not known.
 */
#ifndef BOSUN_CORE_METER_H
#define BOSUN_CORE_METER_H

#include <stdint.h>

struct meter {
	const char *phase;      /* "writing"; NULL: none yet */
	uint64_t done, total;   /* items (files, checks, branches) */
	uint64_t bytes, bytes_total;
};
#define METER_INIT { NULL, 0, 0, 0, 0 }

/* A new phase with its totals; done and bytes back to 0. */
void meter_phase(struct meter *m, const char *phase, uint64_t total,
		 uint64_t bytes_total);
/* n more items and bytes more bytes done. */
void meter_add(struct meter *m, uint64_t n, uint64_t bytes);
/* Set the counts (a position: the offset read so far). */
void meter_set(struct meter *m, uint64_t done, uint64_t bytes);
/* A copy of m's fields as they are now. */
void meter_read(const struct meter *m, struct meter *out);

#endif
