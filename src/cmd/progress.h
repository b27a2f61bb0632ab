/*
 * progress.h - the one progress line of the commands (docs/design.md,
 * "Progress"): on stderr, only when stderr is a terminal, for work that
 * can take over a second.
 *
 *	struct progress *p = progress_start(ctx, "cleaning", NULL, NULL);
 *	for (i = 0; i < n; i++) {
 *		do_one(i);
 *		progress_set(p, i + 1, n);	// "cleaning: 3 of 40 (2s)"
 *	}
 *	progress_stop(p);			// the line wiped: nothing left
 *
 * Counts that a library keeps itself (atomic counters, read from another
 * thread) are shown through a render function instead, which writes the
 * text after the title and must only read such counters:
 *
 *	static void render(struct strbuf *sb, void *data)
 *	{
 *		size_t files, bytes;
 *
 *		scan_engine_progress(data, &files, &bytes);
 *		strbuf_addf(sb, "%zu files, ", files);
 *		progress_add_bytes(sb, bytes);
 *	}
 *	p = progress_start(ctx, "scanning", render, engine);
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
 * progress_set() and progress_note() may be called from any thread. The
 * note is a string that lives until progress_stop() (a literal): "tests".
 *
 * For tests, BOSUN_TEST_PROGRESS_MS=N draws every N ms from the first tick,
 * and progress_stop() draws once more if the line was never shown, so that
 * a test of the line cannot race with a fast run.
 */
#ifndef BOSUN_CMD_PROGRESS_H
#define BOSUN_CMD_PROGRESS_H

#include "core/strbuf.h"

#include <stdint.h>

struct bosun_ctx;
struct progress;

typedef void progress_render_fn(struct strbuf *sb, void *data);

/* fn NULL: the counts of progress_set() after the title; else fn's text
 * (then progress_set() is not used). The title lives until the stop. */
struct progress *progress_start(const struct bosun_ctx *ctx, const char *title,
				progress_render_fn *fn, void *data);
/* "done of total" (total 0: "done"); in bytes ("1.2 of 3.4 MB") after
 * progress_bytes(p). */
void progress_set(struct progress *p, uint64_t done, uint64_t total);
void progress_bytes(struct progress *p);
/* A word after the counts ("branch 2 of 5, tests"); NULL for none. */
void progress_note(struct progress *p, const char *note);
/* Join the thread, wipe the line, free p. */
void progress_stop(struct progress *p);

/* "3.2 MB" (kB, MB, GB; decimal units, as the scan summary). */
void progress_add_bytes(struct strbuf *sb, uint64_t bytes);

#endif
