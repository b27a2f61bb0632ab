/*
 * stats.c - counts over log entries (per level, per command, degradation
 * events per hour, the last errors), and the state remembered per file so
 * that the next pass reads only what was appended.
 */
#include "lib/logs/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/redact.h"
#include "lib/store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STATE_VERSION 1
/* Messages kept for the last errors are cut here (before redaction, which
 * only shortens them). */
#define ERROR_MSG_MAX 2000

void logs_stats_init(struct logs_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->components = json_object();
	st->degraded = json_object();
	strbuf_init(&st->last_comp, 0);
}

static void error_clear_one(struct logs_error *e)
{
	free(e->component);
	free(e->message);
	e->component = e->message = NULL;
}

void logs_stats_release(struct logs_stats *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nerrors; i++)
		error_clear_one(&st->errors[i]);
	json_decref(st->components);
	json_decref(st->degraded);
	strbuf_release(&st->last_comp);
	st->components = st->degraded = NULL;
	st->last_counter = NULL;
	st->nerrors = 0;
}

static void bump(json_t *obj, const char *key, long long by)
{
	json_t *v = json_object_get(obj, key);

	if (v)
		json_integer_set(v, json_integer_value(v) + by);
	else
		json_object_set_new(obj, key, json_integer(by));
}

static void count_component(struct logs_stats *st, const char *s, size_t n)
{
	json_t *v;

	if (st->last_counter && st->last_comp.len == n && !memcmp(st->last_comp.buf, s, n)) {
		json_integer_set(st->last_counter, json_integer_value(st->last_counter) + 1);
		return;
	}
	strbuf_reset(&st->last_comp);
	strbuf_add(&st->last_comp, s, n);
	if (!json_object_get(st->components, st->last_comp.buf) &&
	    json_object_size(st->components) >= LOGS_MAX_COMPONENTS) {
		strbuf_reset(&st->last_comp);
		strbuf_addstr(&st->last_comp, "(other)");
	}
	bump(st->components, st->last_comp.buf, 1);
	v = json_object_get(st->components, st->last_comp.buf);
	/* Only a name that is the entry's own may be a cache hit. */
	st->last_counter = st->last_comp.len == n ? v : NULL;
}

/* Keep the newest LOGS_LAST_ERRORS, oldest first. */
static void push_error(struct logs_stats *st, long long ts, char *comp, char *msg)
{
	if (st->nerrors == LOGS_LAST_ERRORS) {
		error_clear_one(&st->errors[0]);
		memmove(st->errors, st->errors + 1,
			(LOGS_LAST_ERRORS - 1) * sizeof(st->errors[0]));
		st->nerrors--;
	}
	st->errors[st->nerrors].ts_ms = ts;
	st->errors[st->nerrors].component = comp;
	st->errors[st->nerrors].message = msg;
	st->nerrors++;
}

void logs_stats_add(struct logs_stats *st, const struct logs_entry *e)
{
	struct strbuf sb = STRBUF_INIT;

	if (e->continuation)
		return;
	st->lines++;
	if (e->unparsed) {
		st->unparsed++;
		return;
	}
	if (e->level >= 0 && e->level < LOGS_NLEVELS)
		st->levels[e->level]++;
	if (e->component && !e->component_esc) {
		count_component(st, e->component, e->component_len);
	} else if (e->component) {
		logs_entry_component(e, &sb);
		count_component(st, sb.buf, sb.len);
		strbuf_reset(&sb);
	}
	if (e->level == LOGS_DEGRADED && e->ts_ms >= 0) {
		logs_hour_key(&sb, e->ts_ms);
		bump(st->degraded, sb.buf, 1);
		strbuf_reset(&sb);
	}
	if (e->level == LOGS_ERROR) {
		struct strbuf comp = STRBUF_INIT;

		logs_entry_message(e, &sb);
		if (sb.len > ERROR_MSG_MAX)
			strbuf_setlen(&sb, ERROR_MSG_MAX);
		logs_entry_component(e, &comp);
		push_error(st, e->ts_ms, strbuf_detach(&comp, NULL),
			   strbuf_detach(&sb, NULL));
	}
	strbuf_release(&sb);
}

static void merge_counts(json_t *into, json_t *from)
{
	const char *k;
	json_t *v;

	json_object_foreach(from, k, v)
		bump(into, k, json_integer_value(v));
}

static int by_time(const void *a, const void *b)
{
	const struct logs_error *x = a, *y = b;

	return (x->ts_ms > y->ts_ms) - (x->ts_ms < y->ts_ms);
}

void logs_stats_merge(struct logs_stats *st, const struct logs_stats *other)
{
	struct logs_error all[2 * LOGS_LAST_ERRORS];
	size_t i, n = 0;
	int k;

	st->lines += other->lines;
	st->unparsed += other->unparsed;
	for (k = 0; k < LOGS_NLEVELS; k++)
		st->levels[k] += other->levels[k];
	merge_counts(st->components, other->components);
	merge_counts(st->degraded, other->degraded);
	st->last_counter = NULL;
	for (i = 0; i < st->nerrors; i++)
		all[n++] = st->errors[i];
	for (i = 0; i < other->nerrors; i++) {
		all[n].ts_ms = other->errors[i].ts_ms;
		all[n].component = xstrdup(other->errors[i].component ? other->errors[i].component : "");
		all[n++].message = xstrdup(other->errors[i].message ? other->errors[i].message : "");
	}
	/* A stable order by time: merge sort is not in libc, so insertion. */
	for (i = 1; i < n; i++) {
		struct logs_error t = all[i];
		size_t j = i;

		while (j > 0 && by_time(&all[j - 1], &t) > 0) {
			all[j] = all[j - 1];
			j--;
		}
		all[j] = t;
	}
	st->nerrors = 0;
	for (i = 0; i < n; i++) {
		if (n - i > LOGS_LAST_ERRORS) {
			error_clear_one(&all[i]);
			continue;
		}
		st->errors[st->nerrors++] = all[i];
	}
}

static char *redacted(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	redact(&sb, s ? s : "", s ? strlen(s) : 0);
	return strbuf_detach(&sb, NULL);
}

static json_t *errors_json(const struct logs_stats *st, int with_ms)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < st->nerrors; i++) {
		const struct logs_error *e = &st->errors[i];
		char *c = redacted(e->component), *m = redacted(e->message);
		json_t *o = json_object();

		if (with_ms) {
			json_object_set_new(o, "ts", json_integer(e->ts_ms));
		} else if (e->ts_ms >= 0) {
			struct strbuf t = STRBUF_INIT;

			logs_format_time(&t, e->ts_ms);
			json_object_set_new(o, "time", json_string(t.buf));
			strbuf_release(&t);
		} else {
			json_object_set_new(o, "time", json_null());
		}
		json_object_set_new(o, "component", json_string(c));
		json_object_set_new(o, "message", json_string(m));
		json_array_append_new(a, o);
		free(c);
		free(m);
	}
	return a;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *logs_stats_json(const struct logs_stats *st)
{
	json_t *o = json_object(), *lv = json_object(), *hours = json_array();
	const char **keys;
	const char *k;
	json_t *v;
	size_t n = 0, i;
	int l;

	for (l = 0; l < LOGS_NLEVELS; l++)
		json_object_set_new(lv, logs_level_name(l), json_integer(st->levels[l]));
	keys = xcalloc(json_object_size(st->degraded) + 1, sizeof(*keys));
	json_object_foreach(st->degraded, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < n; i++) {
		json_t *h = json_object();

		json_object_set_new(h, "hour", json_sprintf("%s:00Z", keys[i]));
		json_object_set_new(h, "count", json_integer(json_integer_value(
				    json_object_get(st->degraded, keys[i]))));
		json_array_append_new(hours, h);
	}
	free(keys);
	json_object_set_new(o, "lines", json_integer(st->lines));
	json_object_set_new(o, "unparsed", json_integer(st->unparsed));
	json_object_set_new(o, "levels", lv);
	json_object_set_new(o, "commands", json_deep_copy(st->components));
	json_object_set_new(o, "degraded_per_hour", hours);
	json_object_set_new(o, "last_errors", errors_json(st, 0));
	return o;
}

/* ------------------------------------------------------------ remembered state */

static void key_of(struct strbuf *key, const char *path)
{
	strbuf_addstr(key, "logs:");
	strbuf_addstr(key, path);
}

int logs_state_gone(const char *key, struct strbuf *why)
{
	struct stat st;

	if (strncmp(key, "logs:", 5) || lstat(key + 5, &st) == 0 || errno != ENOENT)
		return 0;
	strbuf_addstr(why, "the log it remembers is gone");
	return 1;
}

static void load_stats(struct logs_stats *st, json_t *o)
{
	json_t *lv = json_object_get(o, "levels"), *errs = json_object_get(o, "errors"), *v;
	size_t i;
	int l;

	st->lines = json_integer_value(json_object_get(o, "lines"));
	st->unparsed = json_integer_value(json_object_get(o, "unparsed"));
	for (l = 0; l < LOGS_NLEVELS; l++)
		st->levels[l] = json_integer_value(json_array_get(lv, (size_t)l));
	if (json_is_object(json_object_get(o, "commands")))
		merge_counts(st->components, json_object_get(o, "commands"));
	if (json_is_object(json_object_get(o, "degraded")))
		merge_counts(st->degraded, json_object_get(o, "degraded"));
	json_array_foreach(errs, i, v) {
		if (i >= LOGS_LAST_ERRORS)
			break;
		push_error(st, json_integer_value(json_object_get(v, "ts")),
			   xstrdup(json_string_value(json_object_get(v, "component")) ?
				   json_string_value(json_object_get(v, "component")) : ""),
			   xstrdup(json_string_value(json_object_get(v, "message")) ?
				   json_string_value(json_object_get(v, "message")) : ""));
	}
}

int logs_state_load(struct store *s, const char *path, struct logs_cursor *cur,
		    struct logs_stats *st)
{
	struct strbuf key = STRBUF_INIT, val = STRBUF_INIT;
	json_t *o = NULL;
	int r;

	key_of(&key, path);
	r = store_cache_get(s, key.buf, &val, NULL);
	if (r == -BOSUN_ENOTFOUND) {
		error_clear();
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	o = json_loadb(val.buf, val.len, 0, NULL);
	/* A damaged or older entry is only a cache miss: read from the start. */
	if (json_integer_value(json_object_get(o, "v")) != STATE_VERSION)
		goto out;
	cur->dev = (unsigned long long)json_integer_value(json_object_get(o, "dev"));
	cur->ino = (unsigned long long)json_integer_value(json_object_get(o, "ino"));
	cur->offset = json_integer_value(json_object_get(o, "offset"));
	load_stats(st, o);
out:
	json_decref(o);
	strbuf_release(&val);
	strbuf_release(&key);
	return r;
}

int logs_state_save(struct store *s, const char *path,
		    const struct logs_cursor *cur, const struct logs_stats *st)
{
	struct strbuf key = STRBUF_INIT;
	json_t *o = json_object(), *lv = json_array();
	char *text;
	int l, r;

	for (l = 0; l < LOGS_NLEVELS; l++)
		json_array_append_new(lv, json_integer(st->levels[l]));
	json_object_set_new(o, "v", json_integer(STATE_VERSION));
	json_object_set_new(o, "dev", json_integer((json_int_t)cur->dev));
	json_object_set_new(o, "ino", json_integer((json_int_t)cur->ino));
	json_object_set_new(o, "offset", json_integer(cur->offset));
	json_object_set_new(o, "lines", json_integer(st->lines));
	json_object_set_new(o, "unparsed", json_integer(st->unparsed));
	json_object_set_new(o, "levels", lv);
	json_object_set_new(o, "commands", json_deep_copy(st->components));
	json_object_set_new(o, "degraded", json_deep_copy(st->degraded));
	json_object_set_new(o, "errors", errors_json(st, 1));
	text = json_dumps(o, JSON_COMPACT);
	key_of(&key, path);
	r = text ? store_cache_put(s, key.buf, text, strlen(text), "{}") :
		error_set(BOSUN_EINTERNAL, "cannot encode the state of '%s'", path);
	free(text);
	json_decref(o);
	strbuf_release(&key);
	return r;
}
