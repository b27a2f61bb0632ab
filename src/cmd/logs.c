/*
 * logs.c - `bosun logs`: read bosun's own log and other logs, filtered,
 * followed, or counted (`bosun logs stats`), the counts kept per file so
 * that the next pass reads only what was appended (lib/logs, docs/logs.md).
 */
#include "cmd/common.h"
#include "cmd/progress.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/fswatch.h"
#include "core/log.h"
#include "core/meter.h"
#include "core/redact.h"
#include "core/sigchain.h"
#include "core/time.h"
#include "lib/config/config.h"
#include "lib/git/repo.h"
#include "lib/logs/internal.h"
#include "lib/store/store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_ROTATED 4   /* bosun.log.1 ... bosun.log.4 (core/log.c) */

static struct {
	const char *since, *level, *command;
	int follow, full;
} la;

static const struct option logs_opts[] = {
	OPT_STRING(0, "since", &la.since, "WHEN",
		   "only entries since WHEN: 90s, 15m, 1h, 2d, 1w or an ISO time"),
	OPT_STRING(0, "level", &la.level, "LEVEL",
		   "only LEVEL and above: debug, info, warn, degraded, error"),
	OPT_STRING(0, "command", &la.command, "C", "only the entries of command C"),
	OPT_BOOL('f', "follow", &la.follow, "print new lines as they come (inotify), until interrupted"),
	OPT_BOOL(0, "full", &la.full, "stats: read every file from the start"),
	OPT_END(),
};

struct filter {
	long long since_ms;    /* -1: any time */
	int min_level;         /* -1: any level */
	const char *command;
};

struct show {
	struct bosun_ctx *ctx;
	const struct filter *flt;
	const char *path;
	struct strbuf line, tmp, comp;
	long long from;        /* where this pass started in the file */
};

/*
 * The progress line of a first pass over a big log: bytes read of the
 * file's size (the line callbacks set it: an atomic store per line).
 * Messages on stderr meanwhile pause it.
 */
static struct meter pass = METER_INIT;
static struct progress *prog;

static void pass_start(int fd, long long from)
{
	struct stat st;

	meter_phase(&pass, NULL, 0, !fstat(fd, &st) && st.st_size > from ?
		    (uint64_t)(st.st_size - from) : 0);
}

static void pass_at(long long from, long long offset, size_t len)
{
	meter_set(&pass, 0, (uint64_t)(offset - from) + len);
}

static int parse_filter(struct filter *f)
{
	int r;

	f->since_ms = -1;
	f->min_level = -1;
	f->command = la.command;
	if (la.since && (r = logs_parse_since(la.since, time_wall_ms(), &f->since_ms)) < 0)
		return r;
	if (la.level && (f->min_level = logs_level_parse(la.level, strlen(la.level))) < 0)
		return error_set(BOSUN_EUSAGE, "unknown level '%s' (debug, info, warn, "
				 "degraded or error)", la.level);
	return 0;
}

static int filtered(const struct filter *f)
{
	return f->since_ms >= 0 || f->min_level >= 0 || f->command;
}

static int matches(const struct filter *f, const struct logs_entry *e,
		   struct strbuf *tmp)
{
	if (f->since_ms >= 0 && e->ts_ms < f->since_ms)
		return 0;
	if (f->min_level >= 0 && e->level < f->min_level)
		return 0;
	if (f->command) {
		strbuf_reset(tmp);
		logs_entry_component(e, tmp);
		if (!e->component || strcmp(tmp->buf, f->command))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ the files */

struct files {
	struct logs_source *v;
	size_t nr;
	struct strbuf paths;    /* owns the default paths: NUL-separated */
	struct logs_source *cfg;
	size_t ncfg;
};

/* bosun's own log: the rotated files oldest first, then bosun.log (for
 * --follow, even while it does not exist yet). */
static void own_logs(struct files *fs, int follow)
{
	struct strbuf dir = STRBUF_INIT, p = STRBUF_INIT;
	size_t starts[LOG_ROTATED + 1], n = 0, i;
	int k;

	log_dir(&dir);
	for (k = LOG_ROTATED; k >= 0; k--) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/bosun.log", dir.buf);
		if (k)
			strbuf_addf(&p, ".%d", k);
		if (!fs_exists(p.buf) && !(follow && !k))
			continue;
		starts[n++] = fs->paths.len;
		strbuf_add(&fs->paths, p.buf, p.len + 1);
	}
	fs->v = xcalloc(n + 1, sizeof(*fs->v));
	for (i = 0; i < n; i++) {
		fs->v[i].path = fs->paths.buf + starts[i];
		fs->v[i].format = LOGS_FORMAT_JSON;
		fs->v[i].fields = LOGS_FIELDS_BOSUN;
	}
	fs->nr = n;
	strbuf_release(&p);
	strbuf_release(&dir);
}

static int gather(struct bosun_ctx *ctx, struct files *fs, int argc, char **argv)
{
	struct config *cfg;
	int r, i;

	if ((r = ctx_config(ctx, &cfg)) < 0)
		return r;
	if ((r = logs_sources_from_config(cfg, &fs->cfg, &fs->ncfg)) < 0)
		return r;
	if (!argc) {
		own_logs(fs, la.follow);
		return 0;
	}
	fs->v = xcalloc((size_t)argc, sizeof(*fs->v));
	for (i = 0; i < argc; i++) {
		if (!fs_exists(argv[i]))
			return error_set(BOSUN_ENOTFOUND, "cannot read '%s': no such file",
					 argv[i]);
		logs_source_for(&fs->v[fs->nr++], argv[i], fs->cfg, fs->ncfg);
	}
	return 0;
}

static void files_release(struct files *fs)
{
	free(fs->v);
	logs_sources_free(fs->cfg, fs->ncfg);
	strbuf_release(&fs->paths);
}

/* ------------------------------------------------------------ printing */

/* Text for a terminal: a message's later lines indented under it, other
 * control bytes (a terminal's escapes) shown as \xNN. */
static void add_printable(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			strbuf_addstr(sb, "\n    ");
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, (char)c);
	}
}

static void print_json_entry(struct show *sh, const struct logs_entry *e,
			     const char *raw, size_t len, long long offset)
{
	json_t *o = json_object();
	char *text;

	strbuf_reset(&sh->tmp);
	if (e->ts_ms >= 0)
		logs_format_time(&sh->tmp, e->ts_ms);
	json_object_set_new(o, "time", e->ts_ms >= 0 ? json_string(sh->tmp.buf) : json_null());
	json_object_set_new(o, "level", e->level >= 0 ? json_string(logs_level_name(e->level)) :
			    json_null());
	strbuf_reset(&sh->tmp);
	logs_entry_component(e, &sh->tmp);
	json_object_set_new(o, "component", e->component && !e->continuation ?
			    json_stringn_nocheck(sh->tmp.buf, sh->tmp.len) : json_null());
	strbuf_reset(&sh->tmp);
	strbuf_reset(&sh->line);
	if (e->unparsed || e->continuation)
		strbuf_add(&sh->tmp, raw, len);
	else
		logs_entry_message(e, &sh->tmp);
	redact(&sh->line, sh->tmp.buf, sh->tmp.len);
	strbuf_reset(&sh->tmp);
	strbuf_add_utf8_lossy(&sh->tmp, sh->line.buf, sh->line.len);
	json_object_set_new(o, "message", json_stringn(sh->tmp.buf, sh->tmp.len));
	json_object_set_new(o, "file", json_string(sh->path));
	json_object_set_new(o, "offset", json_integer(offset));
	json_object_set_new(o, "parsed", json_boolean(!e->unparsed && !e->continuation));
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (text) {
		out_write(text, strlen(text));
		fputc('\n', stdout);
	}
	free(text);
	json_decref(o);
}

static const char *level_color(struct bosun_ctx *ctx, int level)
{
	if (level == LOGS_ERROR)
		return c_red(ctx);
	if (level == LOGS_WARN || level == LOGS_DEGRADED)
		return c_yellow(ctx);
	if (level == LOGS_DEBUG)
		return c_dim(ctx);
	return "";
}

static void print_text_entry(struct show *sh, const struct logs_entry *e,
			     const char *raw, size_t len)
{
	struct bosun_ctx *ctx = sh->ctx;

	strbuf_reset(&sh->tmp);
	strbuf_reset(&sh->line);
	if (e->unparsed || e->continuation) {
		redact(&sh->tmp, raw, len);
		add_printable(&sh->line, sh->tmp.buf, sh->tmp.len);
	} else {
		if (e->ts_ms >= 0)
			logs_format_time(&sh->line, e->ts_ms);
		else
			strbuf_addch(&sh->line, '-');
		strbuf_addf(&sh->line, " %s%-8s%s ", level_color(ctx, e->level),
			    logs_level_name(e->level), c_reset(ctx));
		if (e->component) {
			logs_entry_component(e, &sh->tmp);
			strbuf_addstr(&sh->line, c_bold(ctx));
			add_printable(&sh->line, sh->tmp.buf, sh->tmp.len);
			strbuf_addf(&sh->line, "%s: ", c_reset(ctx));
			strbuf_reset(&sh->tmp);
		}
		logs_entry_message(e, &sh->tmp);
		strbuf_reset(&sh->comp);
		redact(&sh->comp, sh->tmp.buf, sh->tmp.len);
		add_printable(&sh->line, sh->comp.buf, sh->comp.len);
	}
	strbuf_addch(&sh->line, '\n');
	out_write(sh->line.buf, sh->line.len);
}

static int show_entry(const struct logs_entry *e, const char *raw, size_t len,
		      long long offset, void *data)
{
	struct show *sh = data;

	pass_at(sh->from, offset, len);
	if (!matches(sh->flt, e, &sh->tmp))
		return 0;
	if (sh->ctx->json)
		print_json_entry(sh, e, raw, len, offset);
	else
		print_text_entry(sh, e, raw, len);
	return 0;
}

/* ------------------------------------------------------------ following */

static volatile sig_atomic_t stop_follow;

static void on_stop(int sig)
{
	(void)sig;
	stop_follow = 1;
}

static void notice(struct bosun_ctx *ctx, const char *path, const char *what)
{
	if (ctx->quiet)
		return;
	progress_pause(prog);
	fprintf(stderr, "bosun: '%s' %s; reading it from the start\n", path, what);
	progress_resume(prog);
}

/* One look at one file: the new lines, and a rotation or truncation. A
 * file found moved is read to its end, then the new one at its path from
 * its start, in the same look (a watch may not wake us again for it). */
static int follow_one(struct show *sh, struct logs_reader *rd,
		      const struct logs_source *src)
{
	int look, r;

	sh->path = src->path;
	for (look = 0; look < 2; look++) {
		if (rd->fd < 0) {
			if (!fs_exists(src->path))
				return 0;
			if ((r = logs_reader_open(rd, src, NULL)) < 0)
				return r == -BOSUN_ENOTFOUND ? (error_clear(), 0) : r;
		}
		if ((r = logs_reader_read(rd, show_entry, sh, 0)) < 0)
			return r;
		if (!logs_reader_moved(rd))
			return 0;
		/* What was written to the old file before it moved comes first. */
		if ((r = logs_reader_read(rd, show_entry, sh, 1)) < 0)
			return r;
		notice(sh->ctx, src->path, "was rotated, moved or truncated");
		logs_reader_close(rd);
	}
	return 0;
}

/* Until SIGINT or SIGTERM: each file's watch is (re)armed before it is
 * read, so a write after the read wakes the wait; interval is how long a
 * wait lasts without an event (the only wake-up when inotify cannot be
 * had: then it polls). */
static int follow(struct show *sh, struct files *fs, struct logs_reader *rds,
		  long long interval)
{
	struct fswatch w = FSWATCH_INIT;
	size_t i;
	int r = 0;

	if (fswatch_init(&w) < 0) {
		log_event(LOG_DEGRADED, "logs", "--follow polls every %lld ms: %s",
			  interval, error_message());
		error_clear();
	}
	stop_follow = 0;
	sigchain_push(SIGINT, on_stop);
	sigchain_push(SIGTERM, on_stop);
	while (!stop_follow) {
		for (i = 0; i < fs->nr && r >= 0; i++)
			if ((r = fswatch_add(&w, fs->v[i].path)) >= 0)
				r = follow_one(sh, &rds[i], &fs->v[i]);
		if (r < 0)
			break;
		fflush(stdout);
		if ((r = fswatch_wait(&w, time_mono_ms() + interval, &stop_follow)) < 0)
			break;
		r = 0;
	}
	sigchain_pop(SIGTERM);
	sigchain_pop(SIGINT);
	fswatch_release(&w);
	fflush(stdout);
	return r;
}

static int logs_show(struct bosun_ctx *ctx, struct files *fs, const struct filter *flt)
{
	struct show sh = { ctx, flt, NULL, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 };
	struct logs_reader *rds = xcalloc(fs->nr + 1, sizeof(*rds));
	struct config *cfg;
	size_t i;
	int r = 0;

	for (i = 0; i < fs->nr; i++) {
		struct logs_reader init = LOGS_READER_INIT;

		rds[i] = init;
	}
	/* Lines printed on the terminal the line is drawn on would mix with
	 * it: only when they go elsewhere. */
	if (!isatty(STDOUT_FILENO))
		prog = progress_start(ctx, "reading", &pass, NULL);
	for (i = 0; i < fs->nr && r >= 0; i++) {
		sh.path = fs->v[i].path;
		if ((r = logs_reader_open(&rds[i], &fs->v[i], NULL)) < 0) {
			/* Following a log that is not there yet: it may come. */
			if (la.follow && r == -BOSUN_ENOTFOUND) {
				error_clear();
				r = 0;
			}
			continue;
		}
		pass_start(rds[i].fd, sh.from = rds[i].cursor.offset);
		r = logs_reader_read(&rds[i], show_entry, &sh, !la.follow);
		if (!la.follow)
			logs_reader_close(&rds[i]);
	}
	progress_stop(prog);
	prog = NULL;
	if (r >= 0 && la.follow && (r = ctx_config(ctx, &cfg)) >= 0) {
		long long iv = config_int(cfg, "logs.follow_interval");

		r = follow(&sh, fs, rds, iv < 10 ? 10 : iv > 10000 ? 10000 : iv);
	}
	for (i = 0; i < fs->nr; i++)
		logs_reader_close(&rds[i]);
	free(rds);
	strbuf_release(&sh.line);
	strbuf_release(&sh.tmp);
	strbuf_release(&sh.comp);
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ stats */

struct count {
	struct logs_stats *st;
	const struct filter *flt;
	struct strbuf tmp;
	long long from;
};

static int count_entry(const struct logs_entry *e, const char *raw, size_t len,
		       long long offset, void *data)
{
	struct count *c = data;

	pass_at(c->from, offset, len);
	if (!c->flt || matches(c->flt, e, &c->tmp))
		logs_stats_add(c->st, e);
	return 0;
}

/* The repository's store for the remembered state, or NULL outside one
 * (then every pass reads the files whole). */
static struct store *state_store(struct bosun_ctx *ctx)
{
	struct repo *repo;
	struct config *cfg;
	struct store *st = NULL;

	if (ctx_repo(ctx, &repo) < 0 || ctx_config(ctx, &cfg) < 0 ||
	    store_open(&st, config_str(cfg, "store.url"), repo->common_dir, 0) < 0) {
		error_clear();
		return NULL;
	}
	return st;
}

/* One file: from where the last pass stopped (unless filtered or --full),
 * its counts merged into total; its new state saved. */
static int stats_one(struct bosun_ctx *ctx, struct store *store,
		     const struct logs_source *src, const struct filter *flt,
		     struct logs_stats *total, json_t *files)
{
	struct logs_reader rd = LOGS_READER_INIT;
	struct logs_cursor cur = LOGS_CURSOR_INIT;
	struct logs_stats st;
	struct count c = { &st, filtered(flt) ? flt : NULL, STRBUF_INIT, 0 };
	int remember = store && !c.flt;
	char *abs = realpath(src->path, NULL);
	long long from;
	int r;

	logs_stats_init(&st);
	if (remember && !la.full && abs)
		logs_state_load(store, abs, &cur, &st);
	error_clear();
	if ((r = logs_reader_open(&rd, src, &cur)) < 0)
		goto out;
	if (rd.restarted) {
		notice(ctx, src->path, "was rotated or truncated since the last pass");
		logs_stats_release(&st);
		logs_stats_init(&st);
	}
	from = c.from = rd.cursor.offset;
	pass_start(rd.fd, from);
	if ((r = logs_reader_read(&rd, count_entry, &c, 0)) < 0)
		goto out;
	if (remember && abs && logs_state_save(store, abs, &rd.cursor, &st) < 0) {
		progress_pause(prog);
		print_warning(ctx, "the position in '%s' is not remembered: %s",
			      src->path, error_message());
		progress_resume(prog);
		error_clear();
	}
	json_array_append_new(files, json_pack("{s:s, s:s, s:I, s:I, s:b}",
		"path", src->path, "format", src->format == LOGS_FORMAT_TEXT ? "text" : "json",
		"from", (json_int_t)from, "to", (json_int_t)rd.cursor.offset,
		"restarted", rd.restarted));
	logs_stats_merge(total, &st);
out:
	logs_reader_close(&rd);
	logs_stats_release(&st);
	strbuf_release(&c.tmp);
	free(abs);
	return r;
}

static void print_stats(struct bosun_ctx *ctx, json_t *o)
{
	json_t *v, *files = json_object_get(o, "files"), *f;
	long long read = 0, restarted = 0;
	const char *k;
	size_t i;

	json_array_foreach(files, i, f) {
		read += json_integer_value(json_object_get(f, "to")) -
			json_integer_value(json_object_get(f, "from"));
		restarted += json_is_true(json_object_get(f, "restarted"));
	}
	printf("%sfiles%s: %zu (%lld bytes read)\n", c_bold(ctx), c_reset(ctx),
	       json_array_size(files), read);
	printf("%slines%s: %lld (%lld unparsed)\n", c_bold(ctx), c_reset(ctx),
	       (long long)json_integer_value(json_object_get(o, "lines")),
	       (long long)json_integer_value(json_object_get(o, "unparsed")));
	printf("%slevels%s:", c_bold(ctx), c_reset(ctx));
	json_object_foreach(json_object_get(o, "levels"), k, v)
		printf(" %s %lld", k, (long long)json_integer_value(v));
	printf("\n%scommands%s:\n", c_bold(ctx), c_reset(ctx));
	json_object_foreach(json_object_get(o, "commands"), k, v) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, "  ");
		add_printable(&sb, k, strlen(k));
		strbuf_addf(&sb, "  %lld\n", (long long)json_integer_value(v));
		out_write(sb.buf, sb.len);
		strbuf_release(&sb);
	}
	printf("%sdegraded per hour%s:\n", c_bold(ctx), c_reset(ctx));
	json_array_foreach(json_object_get(o, "degraded_per_hour"), i, v)
		printf("  %s  %lld\n", json_string_value(json_object_get(v, "hour")),
		       (long long)json_integer_value(json_object_get(v, "count")));
	printf("%slast errors%s:\n", c_bold(ctx), c_reset(ctx));
	json_array_foreach(json_object_get(o, "last_errors"), i, v) {
		struct strbuf sb = STRBUF_INIT;
		const char *t = json_string_value(json_object_get(v, "time"));
		const char *c = json_string_value(json_object_get(v, "component"));

		const char *m = json_string_value(json_object_get(v, "message"));

		strbuf_addf(&sb, "  %s ", t ? t : "-");
		if (c && *c) {
			add_printable(&sb, c, strlen(c));
			strbuf_addstr(&sb, ": ");
		}
		add_printable(&sb, m ? m : "", m ? strlen(m) : 0);
		strbuf_addch(&sb, '\n');
		out_write(sb.buf, sb.len);
		strbuf_release(&sb);
	}
	(void)restarted;
}

static int logs_stats(struct bosun_ctx *ctx, struct files *fs, const struct filter *flt)
{
	struct store *store = state_store(ctx);
	struct logs_stats total;
	json_t *files = json_array(), *o;
	size_t i;
	int r = 0;

	logs_stats_init(&total);
	prog = progress_start(ctx, "reading", &pass, NULL);
	for (i = 0; i < fs->nr && r >= 0; i++)
		r = stats_one(ctx, store, &fs->v[i], flt, &total, files);
	progress_stop(prog);
	prog = NULL;
	if (r >= 0) {
		o = logs_stats_json(&total);
		json_object_set_new(o, "files", files);
		files = NULL;
		if (ctx->json)
			out_json(o);
		else {
			print_stats(ctx, o);
			json_decref(o);
		}
	}
	json_decref(files);
	logs_stats_release(&total);
	store_close(store);
	return r < 0 ? r : 0;
}

static int logs_cmd(struct bosun_ctx *ctx, int argc, char **argv)
{
	struct files fs = { NULL, 0, STRBUF_INIT, NULL, 0 };
	struct filter flt;
	int stats = argc && !strcmp(argv[0], "stats");
	int r;

	if (stats) {
		argc--;
		argv++;
	}
	if (stats && la.follow)
		return cmd_usage_error("--follow does not go with stats");
	if ((r = parse_filter(&flt)) < 0)
		return r;
	if ((r = gather(ctx, &fs, argc, argv)) < 0)
		goto out;
	r = stats ? logs_stats(ctx, &fs, &flt) : logs_show(ctx, &fs, &flt);
out:
	files_release(&fs);
	return r;
}

static const struct sub_entry logs_self = {
	.name = "logs", .summary = "read, follow and count bosun's log and others",
	.usage = "[stats] [--since WHEN] [--level LEVEL] [--command C] [--follow] [--full] [FILE...]",
	.help = "Print bosun's own log (JSON lines, oldest first, rotated files included),\n"
		"or the given FILEs: JSON-lines logs, plain-text logs of the form\n"
		"'[ISO] [LEVEL] [component] message', and those logs.sources describes.\n"
		"'bosun logs stats' counts lines per level and per command, degradation\n"
		"events per hour and the last errors; in a repository it remembers where\n"
		"each file ended, so the next run reads only the new lines. Messages are\n"
		"printed with credentials redacted.",
	.opts = logs_opts, .fn = logs_cmd,
};

const struct cmd_entry cmd_logs = {
	.name = "logs", .summary = "read, follow and count bosun's log and others",
	.self = &logs_self,
};
