/*
 * progress.h - the one progress line of the commands (docs/design.md,
 * "Progress"): on stderr, only when stderr is a terminal, for work that
 * can take over a second.
 *
 *	struct meter m = METER_INIT;		// core/meter.h: the library
 *	opts.meter = &m;			// counts into it
 *	struct progress *p = progress_start(ctx, "backing up", &m, "file");
 *	r = backup(&opts);			// "backing up: writing, 3 of 40
 *						//  files, 1.2 MB of 9.0 MB (2s)"
 *	progress_stop(p);			// the line wiped: nothing left
 *
 * The line is the title, the meter's phase, its counts of unit ("file":
 * "files" when not one; "branch": "branches") and bytes, each left out
 * while unknown or nothing, and the seconds since the start. Counts that a
 * library keeps its own way are shown through a text function instead,
 * which writes what follows the title and must only read counters that
 * may be read from another thread:
 *
 *	static void text(struct strbuf *sb, void *data)
 *	{
 *		size_t files, bytes;
 *
 *		scan_engine_progress(data, &files, &bytes);
 *		strbuf_addf(sb, "%zu files, ", files);
 *		progress_add_bytes(sb, bytes);
 *	}
 *	p = progress_start_fn(ctx, "scanning", text, engine);
 *
 * A thread of its own draws the line, so that one long step (a test run, a
 * git command) still shows that it is alive: first after half a second, so
 * a fast run prints nothing; then at most ten times a second, and only when
 * the text changed; cut to the terminal's width (read at each draw) so it
 * never wraps; control bytes shown as '?'. progress_stop() wipes the line
 * and returns at once, never waiting for the next tick. A signal that ends
 * the process wipes it too.
 *
 * progress_start() returns NULL (and every call here accepts NULL and does
 * nothing) when stderr is not a terminal, with -q, with TERM=dumb, with
 * BOSUN_PROGRESS=0, or when another progress is running: one line at a
 * time. --json does not turn it off: the JSON goes to stdout, which the
 * line never touches.
 *
 * For tests, BOSUN_TEST_PROGRESS_MS=N draws every N ms from the first tick,
 * and progress_stop() draws the last counts once more, so that a test of
 * the line cannot race with a fast run.
 */
#ifndef BOSUN_CMD_PROGRESS_H
#define BOSUN_CMD_PROGRESS_H

#include "core/strbuf.h"

#include <stdint.h>

struct bosun_ctx;
struct progress;

struct meter;
typedef void progress_text_fn(struct strbuf *sb, void *data);

/* The title, the meter and the unit live until progress_stop(). */
struct progress *progress_start(const struct bosun_ctx *ctx, const char *title,
				const struct meter *m, const char *unit);
struct progress *progress_start_fn(const struct bosun_ctx *ctx, const char *title,
				   progress_text_fn *fn, void *data);
/* A message on stderr while the line is up: progress_pause() wipes it and
 * keeps it off until progress_resume() (then it comes back at the next
 * tick).
 *
 *	progress_pause(p);
 *	fprintf(stderr, "bosun: warning: ...\n");
 *	progress_resume(p);
 */
void progress_pause(struct progress *p);
void progress_resume(struct progress *p);
/* Join the thread, wipe the line, free p. */
void progress_stop(struct progress *p);

/* "3.2 MB" (kB, MB, GB; decimal units, as the scan summary). */
void progress_add_bytes(struct strbuf *sb, uint64_t bytes);

#endif
