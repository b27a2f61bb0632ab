/*
 * parse.c - one log line into an entry: the JSON fast pass and its jansson
 * fallback, the text form, times, levels and --since.
 */
#include "lib/logs/internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/time.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const struct logs_fields LOGS_FIELDS_BOSUN = { "ts", "level", "msg", "event" };
const struct logs_fields LOGS_FIELDS_GUESS = {
	"ts|time|timestamp|@timestamp", "level|severity|lvl",
	"msg|message", "event|component|logger|name",
};

enum { F_TIME, F_LEVEL, F_MESSAGE, F_COMPONENT, NFIELDS };

void logs_entry_reset(struct logs_entry *e)
{
	e->ts_ms = -1;
	e->level = LOGS_UNKNOWN;
	e->unparsed = e->continuation = 0;
	e->time = e->component = e->message = NULL;
	e->time_len = e->component_len = e->message_len = 0;
	e->component_esc = e->message_esc = 0;
	strbuf_reset(&e->own);
}

void logs_entry_release(struct logs_entry *e)
{
	if (e)
		strbuf_release(&e->own);
}

/* ------------------------------------------------------------ levels */

int logs_level_parse(const char *s, size_t len)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{ "trace", LOGS_DEBUG }, { "debug", LOGS_DEBUG }, { "dbg", LOGS_DEBUG },
		{ "info", LOGS_INFO }, { "notice", LOGS_INFO },
		{ "warn", LOGS_WARN }, { "warning", LOGS_WARN },
		{ "degraded", LOGS_DEGRADED },
		{ "error", LOGS_ERROR }, { "err", LOGS_ERROR }, { "fatal", LOGS_ERROR },
		{ "critical", LOGS_ERROR }, { "crit", LOGS_ERROR },
	};
	size_t i;

	if (!s)
		return LOGS_UNKNOWN;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && !strncasecmp(s, names[i].name, len))
			return names[i].level;
	return LOGS_UNKNOWN;
}

/* pino's numbers: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
static int level_from_number(long long n)
{
	if (n >= 10 && n < 30)
		return LOGS_DEBUG;
	if (n >= 30 && n < 40)
		return LOGS_INFO;
	if (n >= 40 && n < 50)
		return LOGS_WARN;
	if (n >= 50 && n <= 60)
		return LOGS_ERROR;
	return LOGS_UNKNOWN;
}

const char *logs_level_name(int level)
{
	static const char *const names[] = { "debug", "info", "warn", "degraded", "error" };

	return level >= 0 && level < LOGS_NLEVELS ? names[level] : "unknown";
}

/* ------------------------------------------------------------ times */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* n digits at s[*i] into *v. */
static int digits(const char *s, size_t len, size_t *i, int n, int *v)
{
	int x = 0, k;

	if (*i + (size_t)n > len)
		return -1;
	for (k = 0; k < n; k++) {
		char c = s[*i + (size_t)k];

		if (c < '0' || c > '9')
			return -1;
		x = x * 10 + (c - '0');
	}
	*i += (size_t)n;
	*v = x;
	return 0;
}

static int parse_clock(const char *s, size_t len, size_t *i, long long *ms)
{
	int h, mi, sec = 0, frac = 0, scale = 1000;

	if (digits(s, len, i, 2, &h) || *i >= len || s[*i] != ':')
		return -1;
	(*i)++;
	if (digits(s, len, i, 2, &mi) || h > 24 || mi > 59)
		return -1;
	if (*i < len && s[*i] == ':') {
		(*i)++;
		if (digits(s, len, i, 2, &sec) || sec > 60)
			return -1;
		if (*i < len && (s[*i] == '.' || s[*i] == ',')) {
			(*i)++;
			if (*i >= len || s[*i] < '0' || s[*i] > '9')
				return -1;
			/* Milliseconds; finer digits are read and dropped. */
			for (; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
				if (scale > 1) {
					scale /= 10;
					frac += (s[*i] - '0') * scale;
				}
		}
	}
	*ms = ((long long)h * 3600 + mi * 60 + sec) * 1000 + frac;
	return 0;
}

static int parse_zone(const char *s, size_t len, size_t *i, long long *off_ms)
{
	int h, m = 0, sign;

	*off_ms = 0;
	if (*i >= len)
		return 0;
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		return 0;
	}
	if (s[*i] != '+' && s[*i] != '-')
		return -1;
	sign = s[(*i)++] == '-' ? -1 : 1;
	if (digits(s, len, i, 2, &h) || h > 23)
		return -1;
	if (*i < len && s[*i] == ':')
		(*i)++;
	if (*i < len && digits(s, len, i, 2, &m))
		return -1;
	if (m > 59)
		return -1;
	*off_ms = sign * ((long long)h * 3600 + m * 60) * 1000;
	return 0;
}

long long logs_parse_time(const char *s, size_t len)
{
	int y, mo, d;
	size_t i = 0;
	long long clock = 0, off = 0;

	if (digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &mo) || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
		i++;
		if (parse_clock(s, len, &i, &clock) || parse_zone(s, len, &i, &off))
			return -1;
	}
	if (i != len)
		return -1;
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000LL + clock - off;
}

/* ts_ms (UTC) to the second, or to the hour only. */
static void add_utc(struct strbuf *sb, long long ts_ms, int hour_only)
{
	time_t secs = (time_t)(ts_ms >= 0 ? ts_ms / 1000 : 0);
	struct tm tm;
	char buf[40];

	gmtime_r(&secs, &tm);
	if (hour_only)
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H", &tm);
	else
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addstr(sb, buf);
}

void logs_format_time(struct strbuf *sb, long long ts_ms)
{
	add_utc(sb, ts_ms, 0);
	strbuf_addf(sb, ".%03dZ", (int)(ts_ms >= 0 ? ts_ms % 1000 : 0));
}

void logs_hour_key(struct strbuf *sb, long long ts_ms)
{
	add_utc(sb, ts_ms, 1);
}

/* A number of seconds or ms since the epoch (a float is seconds). */
static long long time_from_double(double v)
{
	if (!(v >= 0 && v <= 1e15))
		return -1;
	/* Past 1e11 seconds is the year 5138: such a number is in ms. */
	return v > 1e11 ? (long long)v : (long long)(v * 1000.0);
}

/* Any length: a JSON number may carry sixty digits of fraction, and
 * jansson reads it whole, so this must too. */
static long long time_from_number(const char *s, size_t len)
{
	char small[64], *buf = small, *end;
	long long t = -1;
	double v;

	if (!len)
		return -1;
	if (len >= sizeof(small))
		buf = xmalloc(len + 1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	if (!*end && end != buf)
		t = time_from_double(v);
	if (buf != small)
		free(buf);
	return t;
}

/* A time as text: ISO 8601, else a number of seconds or ms. */
static long long time_from_text(const char *s, size_t len)
{
	long long t = logs_parse_time(s, len);

	return t >= 0 ? t : time_from_number(s, len);
}

#define CENTURY_MS 3155760000000LL

int logs_parse_since(const char *s, long long now_ms, long long *out_ms)
{
	long long t, ago;

	if (!s || !*s)
		return error_set(BOSUN_EUSAGE, "--since needs a duration or a time");
	if ((t = logs_parse_time(s, strlen(s))) >= 0) {
		*out_ms = t;
		return 0;
	}
	/* Durations beyond a century are mistakes, not requests. */
	if (time_parse_duration(s, CENTURY_MS, &ago) < 0)
		return error_set(BOSUN_EUSAGE,
				 "'%s' is not a duration (90s, 15m, 1h30m, 2d, 1w) or an ISO time",
				 s);
	*out_ms = now_ms - ago;
	return 0;
}

/* ------------------------------------------------------------ the JSON fast pass */

/* The field names split once: every key of every line is looked up here.
 * The names are copied, so a map that is freed and another made at the
 * same address is never taken for the old one. */
#define MAX_NAMES 32
#define NAMES_MAX_BYTES 512
struct compiled {
	char text[NAMES_MAX_BYTES];     /* the four lists, NUL-separated */
	size_t text_len, nr;
	struct name {
		const char *p;
		size_t n;
		int field, prio;
	} names[MAX_NAMES];
};

/* The four lists as one NUL-separated text; 0 when too long. */
static size_t join_fields(char *buf, const struct logs_fields *f)
{
	const char *src[NFIELDS] = { f->time, f->level, f->message, f->component };
	size_t len = 0, n;
	int x;

	for (x = 0; x < NFIELDS; x++) {
		n = src[x] ? strlen(src[x]) : 0;
		if (len + n + 1 > NAMES_MAX_BYTES)
			return 0;
		memcpy(buf + len, src[x] ? src[x] : "", n);
		buf[len + n] = '\0';
		len += n + 1;
	}
	return len;
}

/* 0, or -1 when the names are too long for the fast pass. */
static int compile_fields(struct compiled *c, const struct logs_fields *f)
{
	char buf[NAMES_MAX_BYTES];
	size_t len = join_fields(buf, f);
	const char *p;
	int x;

	if (!len)
		return -1;
	if (len == c->text_len && !memcmp(buf, c->text, len))
		return 0;
	memcpy(c->text, buf, len);
	c->text_len = len;
	c->nr = 0;
	for (x = 0, p = c->text; x < NFIELDS; x++, p += strlen(p) + 1) {
		const char *q = p;
		int prio = 0;

		while (*q && c->nr < MAX_NAMES) {
			size_t m = strcspn(q, "|");

			c->names[c->nr++] = (struct name){ q, m, x, prio++ };
			q += m;
			if (*q == '|')
				q++;
		}
	}
	return 0;
}

/* Which field key is (its alternative's index in *prio), or -1. */
static int key_field(const struct compiled *c, const char *k, size_t n, int *prio)
{
	size_t i;

	for (i = 0; i < c->nr; i++)
		if (c->names[i].n == n && (!n || c->names[i].p[0] == k[0]) &&
		    !memcmp(c->names[i].p, k, n)) {
			*prio = c->names[i].prio;
			return c->names[i].field;
		}
	return -1;
}

struct span {
	const char *p;
	size_t n;
	int kind;        /* 0 none, 's' string, 'n' number, 'l' true/false, 'z' null */
	int esc;
	int prio;        /* the alternative's index: lower wins */
};

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* s[i] is the opening quote: the index of the closing one, or len. */
static size_t string_end(const char *s, size_t len, size_t i, int *esc)
{
	const char *q;

	i++;
	while (i < len && (q = memchr(s + i, '"', len - i))) {
		size_t j = (size_t)(q - s), bs = 0;

		while (j - bs > i && s[j - bs - 1] == '\\')
			bs++;
		if (bs)
			*esc = 1;
		if (!(bs & 1))
			return j;
		i = j + 1;
	}
	return len;
}

/* A nested object or array from s[i]: the index after it, or len. */
static size_t skip_nested(const char *s, size_t len, size_t i)
{
	int depth = 0, esc = 0;

	for (; i < len; i++) {
		char c = s[i];

		if (c == '"') {
			i = string_end(s, len, i, &esc);
			if (i >= len)
				return len;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return len;
}

static int scalar_kind(const char *p, size_t n)
{
	size_t k;

	if ((n == 4 && !memcmp(p, "true", 4)) || (n == 5 && !memcmp(p, "false", 5)))
		return 'l';
	if (n == 4 && !memcmp(p, "null", 4))
		return 'z';
	if (!n || (p[0] != '-' && (p[0] < '0' || p[0] > '9')))
		return 0;
	for (k = 1; k < n; k++)
		if (!strchr("0123456789.eE+-", p[k]))
			return 0;
	return 'n';
}

static void set_span(struct span *sp, const char *p, size_t n, int kind, int esc, int prio)
{
	if (sp->kind && prio > sp->prio)
		return;
	sp->p = p;
	sp->n = n;
	sp->kind = kind;
	sp->esc = esc;
	sp->prio = prio;
}

/* The top-level object's members; the mapped fields' value spans. */
static int scan_object(const char *s, size_t len, const struct logs_fields *f,
		       struct span sp[NFIELDS])
{
	static __thread struct compiled c;
	size_t i = skip_ws(s, len, 0);

	if (i >= len || s[i] != '{')
		return -1;
	if (compile_fields(&c, f) < 0)
		return -1;
	i = skip_ws(s, len, i + 1);
	if (i < len && s[i] == '}')
		return skip_ws(s, len, i + 1) == len ? 0 : -1;
	for (;;) {
		size_t k0, kn, v0, v;
		int esc = 0, field, prio = -1;

		if (i >= len || s[i] != '"')
			return -1;
		k0 = i + 1;
		if ((kn = string_end(s, len, i, &esc)) >= len || esc ||
		    memchr(s + k0, '\\', kn - k0))
			return -1;  /* an escaped key: jansson decodes it */
		field = key_field(&c, s + k0, kn - k0, &prio);
		i = skip_ws(s, len, kn + 1);
		if (i >= len || s[i] != ':')
			return -1;
		v0 = i = skip_ws(s, len, i + 1);
		if (i >= len)
			return -1;
		if (s[i] == '"') {
			esc = 0;
			if ((v = string_end(s, len, i, &esc)) >= len)
				return -1;
			if (!esc && memchr(s + v0 + 1, '\\', v - v0 - 1))
				esc = 1;
			if (field >= 0)
				set_span(&sp[field], s + v0 + 1, v - v0 - 1, 's', esc, prio);
			i = v + 1;
		} else if (s[i] == '{' || s[i] == '[') {
			if (field >= 0)
				return -1;  /* a nested value in a field: jansson */
			if ((i = skip_nested(s, len, i)) >= len)
				return -1;
		} else {
			int kind;

			while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ' ' &&
			       s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
				i++;
			if (!(kind = scalar_kind(s + v0, i - v0)))
				return -1;
			if (field >= 0)
				set_span(&sp[field], s + v0, i - v0, kind, 0, prio);
		}
		i = skip_ws(s, len, i);
		if (i < len && s[i] == ',') {
			i = skip_ws(s, len, i + 1);
			continue;
		}
		if (i < len && s[i] == '}')
			return skip_ws(s, len, i + 1) == len ? 0 : -1;
		return -1;
	}
}

/* Decode the JSON string contents p[0..n) (no quotes) into sb. */
static int decode_string(struct strbuf *sb, const char *p, size_t n)
{
	struct strbuf q = STRBUF_INIT;
	json_t *v;
	int r = -1;

	strbuf_addch(&q, '"');
	strbuf_add(&q, p, n);
	strbuf_addch(&q, '"');
	v = json_loadb(q.buf, q.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (json_is_string(v)) {
		strbuf_add(sb, json_string_value(v), json_string_length(v));
		r = 0;
	}
	json_decref(v);
	strbuf_release(&q);
	return r;
}

static void fill_time_level(struct logs_entry *e, const struct span *t,
			    const struct span *l)
{
	struct strbuf tmp = STRBUF_INIT;

	if (t->kind == 's') {
		e->time = t->p;
		e->time_len = t->n;
		if (!t->esc)
			e->ts_ms = time_from_text(t->p, t->n);
		else if (!decode_string(&tmp, t->p, t->n))
			e->ts_ms = time_from_text(tmp.buf, tmp.len);
	} else if (t->kind == 'n') {
		e->time = t->p;
		e->time_len = t->n;
		e->ts_ms = time_from_number(t->p, t->n);
	}
	strbuf_reset(&tmp);
	if (l->kind == 's') {
		if (l->esc && !decode_string(&tmp, l->p, l->n))
			e->level = logs_level_parse(tmp.buf, tmp.len);
		else if (!l->esc)
			e->level = logs_level_parse(l->p, l->n);
	} else if (l->kind == 'n') {
		char *end;
		char buf[32];

		if (l->n < sizeof(buf)) {
			memcpy(buf, l->p, l->n);
			buf[l->n] = '\0';
			long long v = strtoll(buf, &end, 10);
			if (!*end)
				e->level = level_from_number(v);
		}
	}
	strbuf_release(&tmp);
}

int logs_parse_json_fast(struct logs_entry *e, const char *line, size_t len,
			 const struct logs_fields *f)
{
	struct span sp[NFIELDS];

	logs_entry_reset(e);
	memset(sp, 0, sizeof(sp));
	if (scan_object(line, len, f, sp) < 0)
		return -1;
	fill_time_level(e, &sp[F_TIME], &sp[F_LEVEL]);
	if (sp[F_MESSAGE].kind && sp[F_MESSAGE].kind != 'z') {
		e->message = sp[F_MESSAGE].p;
		e->message_len = sp[F_MESSAGE].n;
		e->message_esc = sp[F_MESSAGE].esc;
	}
	if (sp[F_COMPONENT].kind && sp[F_COMPONENT].kind != 'z') {
		e->component = sp[F_COMPONENT].p;
		e->component_len = sp[F_COMPONENT].n;
		e->component_esc = sp[F_COMPONENT].esc;
	}
	return 0;
}

/* ------------------------------------------------------------ the jansson path */

json_t *logs_json_field(json_t *obj, const char *names)
{
	json_t *v;
	char key[128];

	while (names && *names) {
		size_t m = strcspn(names, "|");

		if (m < sizeof(key)) {
			memcpy(key, names, m);
			key[m] = '\0';
			if ((v = json_object_get(obj, key)))
				return v;
		}
		names += m;
		if (*names == '|')
			names++;
	}
	return NULL;
}

/* A value as text into own: a string as is, anything else as JSON. */
static int value_text(struct strbuf *own, json_t *v, size_t *at, size_t *n)
{
	char *s;

	if (!v || json_is_null(v))
		return -1;
	*at = own->len;
	if (json_is_string(v)) {
		strbuf_add(own, json_string_value(v), json_string_length(v));
	} else {
		if (!(s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
			return -1;
		strbuf_addstr(own, s);
		free(s);
	}
	*n = own->len - *at;
	return 0;
}

void logs_parse_json_slow(struct logs_entry *e, const char *line, size_t len,
			  const struct logs_fields *f)
{
	json_t *obj = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
	json_t *t, *l;
	size_t mat = 0, mn = 0, cat = 0, cn = 0, tat = 0, tn = 0;
	int has_m, has_c, has_t = 0;

	logs_entry_reset(e);
	if (!json_is_object(obj)) {
		e->unparsed = 1;
		e->message = line;
		e->message_len = len;
		json_decref(obj);
		return;
	}
	t = logs_json_field(obj, f->time);
	l = logs_json_field(obj, f->level);
	if (json_is_string(t) || json_is_number(t))
		has_t = !value_text(&e->own, t, &tat, &tn);
	if (json_is_number(t))
		e->ts_ms = time_from_double(json_number_value(t));
	has_m = !value_text(&e->own, logs_json_field(obj, f->message), &mat, &mn);
	has_c = !value_text(&e->own, logs_json_field(obj, f->component), &cat, &cn);
	if (has_t) {
		e->time = e->own.buf + tat;
		e->time_len = tn;
		if (json_is_string(t))
			e->ts_ms = time_from_text(e->time, tn);
	}
	if (json_is_string(l))
		e->level = logs_level_parse(json_string_value(l), json_string_length(l));
	else if (json_is_integer(l))
		e->level = level_from_number(json_integer_value(l));
	if (has_m) {
		e->message = e->own.buf + mat;
		e->message_len = mn;
	}
	if (has_c) {
		e->component = e->own.buf + cat;
		e->component_len = cn;
	}
	json_decref(obj);
}

void logs_parse_json(struct logs_entry *e, const char *line, size_t len,
		     const struct logs_fields *f)
{
	if (logs_parse_json_fast(e, line, len, f) < 0)
		logs_parse_json_slow(e, line, len, f);
}

void logs_entry_message(const struct logs_entry *e, struct strbuf *sb)
{
	if (!e->message)
		return;
	if (!e->message_esc || decode_string(sb, e->message, e->message_len) < 0)
		strbuf_add(sb, e->message, e->message_len);
}

void logs_entry_component(const struct logs_entry *e, struct strbuf *sb)
{
	if (!e->component)
		return;
	if (!e->component_esc || decode_string(sb, e->component, e->component_len) < 0)
		strbuf_add(sb, e->component, e->component_len);
}

/* ------------------------------------------------------------ the text form */

/* "[x]" at s[*i]: its inside; *i after the ']'. */
static int bracket(const char *s, size_t len, size_t *i, const char **p, size_t *n)
{
	const char *q;

	if (*i >= len || s[*i] != '[' ||
	    !(q = memchr(s + *i + 1, ']', len - *i - 1)))
		return -1;
	*p = s + *i + 1;
	*n = (size_t)(q - *p);
	*i = (size_t)(q - s) + 1;
	return 0;
}

void logs_parse_text(struct logs_entry *e, const char *line, size_t len)
{
	const char *p, *lv;
	size_t i = 0, n, lvn, whole = len;

	logs_entry_reset(e);
	if (len && line[len - 1] == '\r')
		len--;
	if (bracket(line, len, &i, &p, &n) < 0 ||
	    (e->ts_ms = logs_parse_time(p, n)) < 0)
		goto unparsed;
	e->time = p;
	e->time_len = n;
	while (i < len && line[i] == ' ')
		i++;
	if (bracket(line, len, &i, &lv, &lvn) < 0 ||
	    (e->level = logs_level_parse(lv, lvn)) == LOGS_UNKNOWN)
		goto unparsed;
	while (i < len && line[i] == ' ')
		i++;
	/* The component is optional: a bracket right after the level. */
	if (i < len && line[i] == '[' && !bracket(line, len, &i, &p, &n)) {
		e->component = p;
		e->component_len = n;
		if (i < len && line[i] == ' ')
			i++;
	}
	e->message = line + i;
	e->message_len = len - i;
	return;
unparsed:
	logs_entry_reset(e);
	e->unparsed = 1;
	e->message = line;
	e->message_len = whole;
}
